"""The flush cycle and interval arithmetic, with in-process fakes (pure logic)."""

from __future__ import annotations

from typing import Any

import pytest

from mwaa_ops.agent.flush import FlushCycle, interval_start, next_boundary
from mwaa_ops.agent.self_metrics import SelfMetrics
from mwaa_ops.airflow.target import Target
from mwaa_ops.cloudwatch.datum import Datum
from mwaa_ops.statsd.series import COUNTER, SeriesAggregate
from mwaa_ops.telemetry import Telemetry


@pytest.mark.parametrize(
    ("now", "interval", "start", "boundary"),
    [
        (120.0, 60, 120.0, 180.0),
        (179.999, 60, 120.0, 180.0),
        (1_764_108_005.5, 10, 1_764_108_000.0, 1_764_108_010.0),
        (59.0, 1, 59.0, 60.0),
    ],
)
def test_intervals_are_aligned_to_the_epoch(now: float, interval: int, start: float,
                                            boundary: float) -> None:
    assert interval_start(now, interval) == start
    assert next_boundary(now, interval) == boundary


class _Aggregator:
    def __init__(self, series: list[SeriesAggregate]) -> None:
        self.series = series

    def flush(self) -> list[SeriesAggregate]:
        out, self.series = self.series, []
        return out


class _Mapper:
    def resolve_series(self, series: Any) -> list[tuple[Target, ...]]:
        return [(Target("SchedulerHeartbeat", (("Environment", "e"),), "Count"),) for _ in series]


def _build(series: Any, targets: Any, *, timestamp: float, storage_resolution: int, rewritten: Any = None) -> Any:
    datums = [Datum(t.metric, t.dimensions, timestamp, t.unit, value=s.value,
                    storage_resolution=storage_resolution)
              for s, found in zip(series, targets, strict=True) for t in found]
    return datums, {"non_finite": 1}


def test_cycle_hands_datums_to_the_publisher_and_counts() -> None:
    submitted: list[list[Datum]] = []
    telemetry = Telemetry()
    cycle = FlushCycle(
        _Aggregator([SeriesAggregate("scheduler_heartbeat", (), COUNTER, 12.0)]),
        _Mapper(), submitted.append, _build, storage_resolution=1, telemetry=telemetry,
    )
    result = cycle.run(1200.0)
    assert result.series == 1 and result.datums == 1
    assert submitted[0][0].value == 12.0
    assert submitted[0][0].timestamp == 1200.0
    assert submitted[0][0].storage_resolution == 1
    assert telemetry.get("datums_dropped", reason="non_finite") == 1
    assert telemetry.get("flushes") == 1
    empty = cycle.run(1260.0)
    assert empty.series == 0 and len(submitted) == 1  # nothing to send, no empty request


def test_self_metrics_send_counter_increases_and_gauge_values() -> None:
    telemetry = Telemetry()
    metrics = SelfMetrics(telemetry, "prod", 60)
    telemetry.inc("packets_received", 100)
    telemetry.set("queue_depth", 5)
    first = {d.metric: d for d in metrics.datums(60.0)}
    telemetry.inc("packets_received", 30)
    second = {d.metric: d for d in metrics.datums(120.0)}
    assert first["AgentPacketsReceived"].value == 100
    assert second["AgentPacketsReceived"].value == 30
    assert second["AgentQueueDepth"].value == 5
    assert first["AgentPacketsReceived"].dimensions == (
        ("Environment", "prod"), ("Function", "MwaaOpsAgent"))


def test_interval_and_self_metrics_go_in_one_submit_with_this_intervals_counts() -> None:
    submitted: list[list[Datum]] = []
    telemetry = Telemetry()
    cycle = FlushCycle(
        _Aggregator([SeriesAggregate("scheduler_heartbeat", (), COUNTER, 12.0)]),
        _Mapper(), submitted.append, _build, storage_resolution=60, telemetry=telemetry,
        own_datums=SelfMetrics(telemetry, "e", 60).datums,
    )
    result = cycle.run(1200.0)
    assert len(submitted) == 1  # one submit: the fewest PutMetricData calls
    by_metric = {d.metric: d for d in submitted[0]}
    assert by_metric["SchedulerHeartbeat"].value == 12.0
    assert by_metric["AgentDatumsAggregated"].value == result.datums == 1  # this interval's, not the last
    cycle.run(1260.0)
    assert len(submitted) == 2  # an empty interval still reports the agent's own metrics
    assert {d.metric: d for d in submitted[1]}["AgentDatumsAggregated"].value == 0
