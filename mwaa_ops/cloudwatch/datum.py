"""One CloudWatch metric datum, as the publisher queues, spools and sends it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

Dimensions = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Datum:
    """A PutMetricData ``MetricData`` entry.

    Exactly one of ``value`` or ``values`` is set; ``counts`` goes with
    ``values``. ``timestamp`` is epoch seconds. The namespace is the
    publisher's, not the datum's, except for ``namespace`` overrides used by
    the agent's self-telemetry.
    """

    metric: str
    dimensions: Dimensions
    timestamp: float
    unit: str = "None"
    value: float | None = None
    values: tuple[float, ...] = ()
    counts: tuple[float, ...] = ()
    storage_resolution: int = 60
    namespace: str = ""

    def to_api(self) -> dict[str, Any]:
        """The boto3 ``MetricData`` item for this datum."""
        item: dict[str, Any] = {
            "MetricName": self.metric,
            "Dimensions": [{"Name": n, "Value": v} for n, v in self.dimensions],
            "Timestamp": datetime.fromtimestamp(self.timestamp, UTC),
            "Unit": self.unit,
            "StorageResolution": self.storage_resolution,
        }
        if self.values:
            item["Values"] = list(self.values)
            item["Counts"] = list(self.counts)
        else:
            item["Value"] = self.value
        return item

    def sample_count(self) -> float:
        """How many observations this datum carries."""
        return float(sum(self.counts)) if self.values else 1.0
