"""The agent's own counters as CloudWatch datums, so alarms can watch the agent itself.

They go to the configured namespace with ``Function=MwaaOpsAgent`` beside
``Environment``; counters are sent as the increase over the interval.
"""

from __future__ import annotations

from mwaa_ops.airflow.target import canonical
from mwaa_ops.cloudwatch.datum import Datum
from mwaa_ops.telemetry import Telemetry

AGENT_FUNCTION = "MwaaOpsAgent"

# Telemetry name -> (CloudWatch metric, unit). Only these are published.
PUBLISHED: dict[str, tuple[str, str]] = {
    "packets_received": ("AgentPacketsReceived", "Count"),
    "lines_received": ("AgentLinesReceived", "Count"),
    "lines_rejected": ("AgentLinesRejected", "Count"),
    "series_active": ("AgentSeries", "Count"),
    "series_over_cap": ("AgentSeriesOverCap", "Count"),
    "datums_aggregated": ("AgentDatumsAggregated", "Count"),
    "datums_sent": ("AgentDatumsSent", "Count"),
    "datums_dropped": ("AgentDatumsDropped", "Count"),
    "api_errors": ("AgentApiErrors", "Count"),
    "retries": ("AgentRetries", "Count"),
    "queue_depth": ("AgentQueueDepth", "Count"),
    "spool_bytes": ("AgentSpoolBytes", "Bytes"),
    "api_calls": ("AgentPutMetricDataRequests", "Count"),  # the weekly report's cost estimate
}


class SelfMetrics:
    """Remembers the last totals so each flush sends what changed."""

    def __init__(self, telemetry: Telemetry, environment: str, storage_resolution: int) -> None:
        self._telemetry = telemetry
        self._dimensions = canonical({"Environment": environment, "Function": AGENT_FUNCTION})
        self._resolution = storage_resolution
        self._last: dict[str, float] = {}

    def datums(self, timestamp: float) -> list[Datum]:
        totals: dict[str, float] = {}
        kinds: dict[str, str] = {}
        for sample in self._telemetry.samples():
            if sample.name in PUBLISHED:
                totals[sample.name] = totals.get(sample.name, 0.0) + sample.value
                kinds[sample.name] = sample.kind
        out: list[Datum] = []
        for name, total in sorted(totals.items()):
            metric, unit = PUBLISHED[name]
            if kinds[name] == "counter":
                value = total - self._last.get(name, 0.0)
                self._last[name] = total
            else:
                value = total
            out.append(
                Datum(
                    metric=metric,
                    dimensions=self._dimensions,
                    timestamp=timestamp,
                    unit=unit,
                    value=value,
                    storage_resolution=self._resolution,
                )
            )
        return out
