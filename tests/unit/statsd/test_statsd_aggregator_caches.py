"""Memory savings in the aggregator change no result: caches cleared at flush, shared empty samples."""

from __future__ import annotations

import pytest

from mwaa_ops.statsd import COUNTER, TIMER, Aggregator
from mwaa_ops.statsd import aggregator as aggregator_module


def _by_key(series):  # noqa: ANN001, ANN202
    return {(s.kind, s.name, s.tags): s for s in series}


def test_big_caches_are_cleared_at_flush_and_results_stay_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aggregator_module, "CACHE_KEEP_AT_FLUSH", 10)
    lines = [b"c%d:1|c" % i for i in range(30)] + [b"t%d:%d|ms" % (i, i) for i in range(30)]
    lines += [b"g:5|g", b"g:+2|g", b"c0:2|c|@0.5"]
    agg = Aggregator(prefix="")
    for _ in range(3):
        agg.ingest(lines)
        got = _by_key(agg.flush())
        assert len(agg._line_cache) == 0 and len(agg._head_cache) == 0
        assert got[(COUNTER, "c0", ())].value == 5.0
        assert got[(COUNTER, "c29", ())].value == 1.0
        assert got[(TIMER, "t7", ())].samples == {7.0: 1.0}
        assert got[("gauge", "g", ())].value == 7.0
        assert len(got) == 61


def test_small_caches_survive_the_flush() -> None:
    agg = Aggregator(prefix="")
    agg.ingest([b"a:1|c", b"b:2|g"])
    agg.flush()
    assert len(agg._line_cache) == 2


def test_non_timer_samples_are_empty_and_read_only() -> None:
    agg = Aggregator(prefix="")
    agg.ingest([b"a:1|c", b"b:1|c", b"t:3|ms"])
    got = _by_key(agg.flush())
    counter = got[(COUNTER, "a", ())]
    assert counter.samples == {} and counter.value == 1.0
    with pytest.raises(TypeError):
        counter.samples[1.0] = 1.0  # type: ignore[index]
    assert got[(TIMER, "t", ())].samples == {3.0: 1.0}
