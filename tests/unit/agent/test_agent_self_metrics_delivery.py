"""Issue 9's delivery counters reach the agent's own CloudWatch metrics, as deltas."""

from __future__ import annotations

from mwaa_ops.agent.self_metrics import SelfMetrics
from mwaa_ops.telemetry import Telemetry


def test_delivery_counters_are_published_by_reason_total() -> None:
    telemetry = Telemetry()
    metrics = SelfMetrics(telemetry, "env", 60)
    telemetry.inc("datums_resent", 1000, reason="unanswered")
    telemetry.inc("spool_write_failures", 2, reason="disk_full")
    telemetry.inc("spool_write_failures", 1, reason="io_error")
    telemetry.inc("spool_salvaged_rows", 6, reason="corrupt")
    telemetry.inc("datums_dropped", 7, reason="spool_lost")
    first = {d.metric: d.value for d in metrics.datums(0.0)}
    assert first["AgentDatumsResent"] == 1000
    assert first["AgentSpoolWriteFailures"] == 3
    assert first["AgentSpoolSalvagedRows"] == 6
    assert first["AgentDatumsDropped"] == 7
    telemetry.inc("spool_write_failures", 1, reason="disk_full")
    second = {d.metric: d.value for d in metrics.datums(60.0)}
    assert second["AgentSpoolWriteFailures"] == 1
    assert second["AgentDatumsResent"] == 0
