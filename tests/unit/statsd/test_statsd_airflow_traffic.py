"""Real Airflow StatsD traffic (captured by tests/e2e) parses cleanly and aggregates exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
from statsd_reference import by_key, reference

from mwaa_ops.statsd import TIMER, Aggregator, Rejected, parse_line

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "airflow_statsd"
CAPTURES = sorted(FIXTURES.glob("*.txt"))


def _datagrams(path: Path) -> list[bytes]:
    return [d for d in path.read_bytes().split(b"\n") if d]


@pytest.mark.parametrize("path", CAPTURES, ids=[p.stem for p in CAPTURES])
def test_every_captured_line_is_accepted(path: Path) -> None:
    rejected = [(d, r.reason) for d in _datagrams(path) if isinstance(r := parse_line(d), Rejected)]
    assert rejected == []


@pytest.mark.parametrize("path", CAPTURES, ids=[p.stem for p in CAPTURES])
def test_captured_traffic_aggregates_like_the_reference(path: Path) -> None:
    datagrams = _datagrams(path)
    agg = Aggregator(window_lines=500)
    for i in range(0, len(datagrams), 64):
        agg.ingest(datagrams[i : i + 64])
    got = {k: (s.samples if s.kind == TIMER else s.value) for k, s in by_key(agg.flush()).items()}
    assert got.keys() == reference(datagrams).keys()
    for key, value in reference(datagrams).items():
        assert got[key] == pytest.approx(value), key
    stats = agg.stats()
    assert stats.lines_received == stats.lines_accepted == len(datagrams)
    heartbeats = sum(1 for d in datagrams if d.startswith(b"airflow.scheduler_heartbeat:"))
    assert heartbeats > 0
    assert got[("counter", "scheduler_heartbeat", ())] == heartbeats
