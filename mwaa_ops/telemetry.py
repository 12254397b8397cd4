"""The agent's own counters, gauges and latency summaries.

One :class:`Telemetry` per process. Writers on the hot path keep plain local
integers and add them here in bulk (once per batch), so the lock is taken
rarely. The same snapshot feeds ``/metrics`` (Prometheus text format) and the
agent's own CloudWatch metrics.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

Labels = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Sample:
    name: str
    kind: str  # "counter" | "gauge"
    labels: Labels
    value: float


# name -> (kind, help). Every metric the agent reports about itself is listed here.
METRICS: dict[str, tuple[str, str]] = {
    "packets_received": ("counter", "UDP datagrams received"),
    "lines_received": ("counter", "StatsD lines received"),
    "lines_rejected": ("counter", "StatsD lines rejected, by reason"),
    "series_active": ("gauge", "Distinct series in the current interval"),
    "series_over_cap": ("counter", "Lines dropped because the series cap was reached"),
    "lines_filtered": ("counter", "Lines dropped by the allow or block list"),
    "datums_aggregated": ("counter", "Datums produced by aggregation"),
    "datums_sent": ("counter", "Datums accepted by CloudWatch"),
    "datums_dropped": ("counter", "Datums dropped, by reason"),
    "api_calls": ("counter", "AWS API calls, by operation"),
    "api_errors": ("counter", "AWS API errors, by code"),
    "retries": ("counter", "Retried AWS API calls"),
    "queue_depth": ("gauge", "Datums waiting in memory"),
    "spool_bytes": ("gauge", "Bytes in the on-disk spool"),
    "spool_datums": ("gauge", "Datums in the on-disk spool"),
    "publish_latency_seconds": ("summary", "PutMetricData latency"),
    "flushes": ("counter", "Aggregation intervals flushed"),
    "job_runs": ("counter", "Scheduler job runs, by job and outcome"),
}


def _labels(labels: dict[str, str]) -> Labels:
    return tuple(sorted((k, str(v)) for k, v in labels.items()))


class Telemetry:
    """Thread-safe registry of the agent's own metrics."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[tuple[str, Labels], float] = {}
        self._summaries: dict[str, list[float]] = {}  # name -> [count, sum]

    def inc(self, name: str, amount: float = 1, **labels: str) -> None:
        key = (name, _labels(labels))
        with self._lock:
            self._values[key] = self._values.get(key, 0) + amount

    def add_many(self, name: str, amounts: dict[str, int], label: str) -> None:
        """Add several labelled counts at once (``{"bad_value": 3, ...}``)."""
        with self._lock:
            for value, amount in amounts.items():
                key = (name, ((label, value),))
                self._values[key] = self._values.get(key, 0) + amount

    def set(self, name: str, value: float, **labels: str) -> None:
        with self._lock:
            self._values[(name, _labels(labels))] = value

    def observe(self, name: str, value: float) -> None:
        with self._lock:
            summary = self._summaries.setdefault(name, [0.0, 0.0])
            summary[0] += 1
            summary[1] += value

    def get(self, name: str, **labels: str) -> float:
        with self._lock:
            if labels:
                return self._values.get((name, _labels(labels)), 0)
            return sum(v for (n, _), v in self._values.items() if n == name)

    def samples(self) -> list[Sample]:
        with self._lock:
            values = list(self._values.items())
            summaries = {k: list(v) for k, v in self._summaries.items()}
        out = [
            Sample(name, METRICS.get(name, ("counter", ""))[0], labels, value)
            for (name, labels), value in values
        ]
        for name, (count, total) in summaries.items():
            out.append(Sample(name + "_count", "counter", (), count))
            out.append(Sample(name + "_sum", "counter", (), total))
        return sorted(out, key=lambda s: (s.name, s.labels))

    def render_prometheus(self, prefix: str = "mwaa_ops_") -> str:
        """The snapshot in the Prometheus text exposition format (version 0.0.4)."""
        lines: list[str] = []
        seen: set[str] = set()
        for sample in self.samples():
            base = sample.name.removesuffix("_count").removesuffix("_sum")
            kind, help_text = METRICS.get(base, ("counter", ""))
            family = prefix + (base if kind == "summary" else sample.name)
            if family not in seen:
                seen.add(family)
                lines.append(f"# HELP {family} {help_text}")
                lines.append(f"# TYPE {family} {kind}")
            lines.append(f"{prefix}{sample.name}{_render_labels(sample.labels)} {_num(sample.value)}")
        return "\n".join(lines) + "\n"


def _render_labels(labels: Iterable[tuple[str, str]]) -> str:
    parts = [
        f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
        for k, v in labels
    ]
    return "{" + ",".join(parts) + "}" if parts else ""


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
