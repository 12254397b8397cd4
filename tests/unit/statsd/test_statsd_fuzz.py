"""Fuzz: over 100,000 generated datagrams, valid and garbage, the aggregator never
raises and accounts for every line (accepted + rejected + filtered + over the cap)."""

from __future__ import annotations

import math
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mwaa_ops.statsd import REJECT_REASONS, Aggregator
from mwaa_ops.statsd.series import COUNTER, GAUGE, SET, TIMER

MIN_DATAGRAMS = 100_000

_names = st.sampled_from([
    b"airflow.ti.finish.d.t.success", b"airflow.scheduler_heartbeat", b"airflow.executor.open_slots",
    b"airflow.pool.open_slots.default_pool", b"airflow.dagrun.duration.success.d", b"blocked.metric",
    b"airflow.", b"", b"a b", "m\u00e9trique".encode(), b"x" * 300,
]) | st.binary(min_size=1, max_size=12)
_values = st.sampled_from([b"1", b"0", b"-2", b"+3", b"1.5", b"1e3", b"nan", b"inf", b"", b"abc", b"1:2:3"]) | st.builds(
    lambda f: repr(f).encode(), st.floats(allow_nan=True, allow_infinity=True)
)
_types = st.sampled_from([b"c", b"g", b"ms", b"h", b"d", b"s", b"x", b"", b"C", b"ms "])
_suffixes = st.sampled_from([b"", b"|@0.5", b"|@0.1", b"|@0", b"|@2", b"|@x", b"|#k:v,b", b"|#", b"|#,", b"|#k:v|@0.25",
                             b"|c:abc", b"|T123", b"|"])
_influx = st.sampled_from([b"", b",dag_id=d,task_id=t", b",bad", b",=v", b",k="])


@st.composite
def _structured_line(draw: st.DrawFn) -> bytes:
    return draw(_names) + draw(_influx) + b":" + draw(_values) + b"|" + draw(_types) + draw(_suffixes)


@st.composite
def _mutated_line(draw: st.DrawFn) -> bytes:
    line = bytearray(draw(_structured_line()))
    for _ in range(draw(st.integers(1, 3))):
        if line:
            line[draw(st.integers(0, len(line) - 1))] = draw(st.integers(0, 255))
    return bytes(line)


_line = st.one_of(_structured_line(), _mutated_line(), st.binary(max_size=40))
_datagram = st.one_of(
    _line,
    st.lists(_line, min_size=2, max_size=4).map(b"\n".join),
    st.just(b"\n"),
    st.just(b"airflow.big:1|c" + b"0" * 5000),
)

_seen = {"datagrams": 0, "lines": 0}


def _variants(datagrams: list[bytes], rng: random.Random) -> list[bytes]:
    """Cheap mutations of the drawn datagrams (flips, cuts, splices, joins): each
    drawn datagram yields VARIANTS more, so that Hypothesis' generation (the slow
    part) does not bound the volume."""
    out = list(datagrams)
    n = len(datagrams)
    for d in datagrams:
        other = datagrams[rng.randrange(n)]
        flipped = bytearray(d or b"?")
        flipped[rng.randrange(len(flipped))] = rng.randrange(256)
        cut = rng.randrange(len(other) + 1)
        out.append(bytes(flipped))
        out.append(d[: rng.randrange(len(d) + 1)])
        out.append(d[: len(d) // 2] + other[cut:])
        out.append(d + b"\n" + other)
    rng.shuffle(out)
    return out


VARIANTS = 4


@settings(
    max_examples=350,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    st.lists(_datagram, min_size=75, max_size=120),
    st.randoms(use_true_random=False),
    st.sampled_from([1, 17, 32_768]),
    st.sampled_from([3, 1000]),
)
def _fuzz_aggregator(drawn: list[bytes], rng: random.Random, window: int, max_series: int) -> None:
    datagrams = _variants(drawn, rng)
    agg = Aggregator(window_lines=window, max_series=max_series, block_list=[r"^blocked\."],
                     max_line_bytes=4096)
    series = []
    for i in range(0, len(datagrams), 16):
        agg.ingest(datagrams[i : i + 16])
        if i % 48 == 0:
            series.extend(agg.flush())
    series.extend(agg.flush())
    lines = sum(1 for d in datagrams for line in d.split(b"\n") if line)
    stats = agg.stats()
    assert stats.packets_received == len(datagrams)
    assert stats.lines_received == lines
    assert stats.lines_accepted >= 0
    assert stats.lines_accepted + stats.rejected_total + stats.lines_filtered + stats.series_over_cap == lines
    assert set(stats.lines_rejected) <= REJECT_REASONS
    for s in series:
        assert s.kind in (COUNTER, GAUGE, SET, TIMER)
        assert s.name
        # Every parsed value is finite; a counter sum or a gauge's deltas may still
        # overflow to ±inf (1e308 + 1e308). Such a series is dropped as non_finite when
        # datums are built (tests/unit/cloudwatch/test_cloudwatch_datums.py), never sent.
        assert math.isfinite(s.value) or s.kind in (COUNTER, GAUGE)
        assert all(math.isfinite(v) and math.isfinite(c) for v, c in s.samples.items())
    _seen["datagrams"] += len(datagrams)
    _seen["lines"] += lines


def test_fuzz_at_least_100k_datagrams_never_raise_and_every_line_is_accounted_for() -> None:
    _seen.update(datagrams=0, lines=0)
    _fuzz_aggregator()
    print(f"fuzzed {_seen['datagrams']:,} datagrams, {_seen['lines']:,} lines")
    assert _seen["datagrams"] >= MIN_DATAGRAMS
