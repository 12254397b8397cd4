"""Timer compression: exact counts, <= 1% error per sample, <= 150 values a datum."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from mwaa_ops.cloudwatch.compress import MAX_RELATIVE_ERROR, compress, relative_error
from mwaa_ops.cloudwatch.limits import MAX_VALUES_PER_DATUM


def _assignment(samples: dict[float, float], chunks) -> list[tuple[float, float]]:
    """(original, sent) for every original value.

    Buckets are contiguous runs of the sorted originals, so walking both sorted
    lists and consuming counts recovers which representative carries which sample.
    """
    originals = sorted((v, c) for v, c in samples.items() if c > 0)
    sent = sorted((v, c) for values, counts in chunks for v, c in zip(values, counts, strict=True))
    pairs: list[tuple[float, float]] = []
    i = 0
    for value, count in sent:
        taken = 0.0
        while i < len(originals) and not math.isclose(taken, count, rel_tol=1e-9):
            pairs.append((originals[i][0], value))
            taken += originals[i][1]
            i += 1
        assert math.isclose(taken, count, rel_tol=1e-9), (value, count, taken)
    assert i == len(originals)
    return pairs


def test_few_values_are_sent_exactly() -> None:
    samples = {1.0: 3.0, 2.5: 1.0, 100.0: 10.0}
    assert compress(samples) == [((1.0, 2.5, 100.0), (3.0, 1.0, 10.0))]


def test_empty_and_zero_counts() -> None:
    assert compress({}) == []
    assert compress({5.0: 0.0}) == []


def test_many_values_are_bucketed_with_exact_total() -> None:
    samples = {float(v): 1.0 for v in range(1, 10_001)}
    chunks = compress(samples)
    assert all(len(values) <= MAX_VALUES_PER_DATUM for values, _ in chunks)
    assert sum(sum(counts) for _, counts in chunks) == 10_000
    # 1..10000 with ratio 1.02 needs ~ln(10^4)/ln(1.02) ~ 465 buckets, far fewer than 10000.
    assert sum(len(values) for values, _ in chunks) < 600


values_strategy = st.one_of(
    st.floats(min_value=1e-6, max_value=1e9, allow_nan=False, allow_infinity=False),
    st.floats(min_value=-1e9, max_value=-1e-6, allow_nan=False, allow_infinity=False),
    st.just(0.0),
    st.integers(min_value=0, max_value=100_000).map(float),
)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        values_strategy,
        st.one_of(st.integers(1, 1000).map(float), st.sampled_from([0.5, 3.3333333333333335, 10.0])),
        min_size=0,
        max_size=2000,
    )
)
def test_compress_properties(samples: dict[float, float]) -> None:
    chunks = compress(samples)
    for values, counts in chunks:
        assert 1 <= len(values) <= MAX_VALUES_PER_DATUM
        assert len(values) == len(counts)
        assert all(math.isfinite(v) for v in values)
    assert math.isclose(
        sum(c for _, counts in chunks for c in counts), sum(samples.values()), rel_tol=1e-12
    )
    for original, sent in _assignment(samples, chunks):
        assert relative_error(original, sent) <= MAX_RELATIVE_ERROR, (original, sent)
