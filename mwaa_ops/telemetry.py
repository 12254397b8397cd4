"""The agent's own counters, gauges and latency summaries, on ``prometheus_client``.

One :class:`Telemetry` per process, with its own
:class:`prometheus_client.CollectorRegistry`. Every metric the agent reports
about itself is declared once, in :data:`METRICS`: its kind, a help text that
says what it means, and its label names with the label values to create at
zero (so ``/metrics`` shows ``lines_rejected{reason="bad_value"} 0`` before the
first bad line, and a rate() over it works from the first scrape).

To add a metric: add one row to :data:`METRICS`, e.g.::

    "spool_replays": Spec("counter", "Spooled requests sent again after a restart"),
    "publish_failures": Spec("counter", "PutMetricData calls that failed, by reason",
                             {"reason": ("timeout", "throttled")}),

then call ``telemetry.inc("spool_replays")`` or
``telemetry.inc("publish_failures", 1, reason="timeout")``. A name missing from
the table still works (it becomes a counter with a help text asking for a row),
and ``tests/unit/core/test_core_telemetry.py`` fails until it has one.

Live values: writers on the hot path keep plain local integers and add them in
bulk (the aggregator once per drained window); :meth:`Telemetry.add_refresher`
registers a callable run before each scrape (the agent drains the aggregator's
window there), so ``/metrics`` shows what was received up to the scrape, not up
to the last flush. Exposed names get the prefix ``mwaa_ops_`` and, for
counters, Prometheus' ``_total`` suffix; :meth:`Telemetry.samples` and
:meth:`Telemetry.get` use the bare names of the table.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Gauge, Summary, generate_latest

# The exposition format /metrics answers in: text 0.0.4, which every scraper reads
# (our names are plain ASCII, so the output is the same as text 1.0.0).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
PREFIX = "mwaa_ops_"
_log = logging.getLogger("mwaa_ops.telemetry")

# No "_created" series: one per label set would double the page for nothing here.
prometheus_client.disable_created_metrics()

Labels = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Spec:
    """One metric the agent reports: kind (counter/gauge/summary), help, labels to create at zero."""

    kind: str
    help: str
    labels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


# Label values kept here as data (telemetry sits below the packages that define them);
# the unit tests check each list against its source.
_REJECT_REASONS = ("bad_sample_rate", "bad_tags", "bad_value", "empty_name", "invalid_utf8",
                   "line_too_long", "missing_type", "missing_value", "unknown_type")
_DROP_REASONS = ("bad_count", "bad_dimension", "bad_unit", "dimension_too_long", "duplicate_dimension",
                 "empty_dimension", "empty_name", "name_too_long", "non_finite", "too_many_dimensions",
                 "value_out_of_range", "too_old", "timestamp_in_future", "rejected",
                 "memory_full", "shutdown", "spool_full", "spool_corrupt", "spool_lost")
_REWRITE_REASONS = ("non_ascii", "control_character", "blank", "too_long")

# name -> Spec. Every metric the agent reports about itself is listed here.
METRICS: dict[str, Spec] = {
    "packets_received": Spec("counter", "UDP datagrams received by the StatsD receiver"),
    "lines_received": Spec("counter", "StatsD lines received (a datagram may hold several)"),
    "lines_rejected": Spec("counter", "StatsD lines that could not be parsed, by reason; not published",
                           {"reason": _REJECT_REASONS}),
    "series_active": Spec("gauge", "Distinct series received so far in the interval being aggregated"),
    "series_last_interval": Spec("gauge", "Distinct series in the last flushed interval"),
    "series_over_cap": Spec("counter", "Lines dropped because statsd.max_series distinct series were reached"),
    "lines_filtered": Spec("counter", "Lines dropped by statsd.allow_list or statsd.block_list"),
    "datums_aggregated": Spec("counter", "CloudWatch datums produced by aggregation and handed to the publisher"),
    "datums_sent": Spec("counter", "Datums CloudWatch accepted (PutMetricData answered 200)"),
    "datums_dropped": Spec("counter", "Datums not delivered, by reason (CloudWatch would refuse them, "
                           "too old, spool full)", {"reason": _DROP_REASONS}),
    "dimension_values_rewritten": Spec("counter", "Dimension values CloudWatch refuses, rewritten by the "
                                       "documented rule before sending, by reason", {"reason": _REWRITE_REASONS}),
    "api_calls": Spec("counter", "AWS API calls made, by operation", {"operation": ("PutMetricData",)}),
    "api_errors": Spec("counter", "AWS API calls that failed, by error code", {"code": ()}),
    "retries": Spec("counter", "AWS API calls retried after a retryable failure"),
    "queue_depth": Spec("gauge", "Datums waiting in memory for delivery"),
    "spool_bytes": Spec("gauge", "Bytes in the on-disk spool (datums waiting while CloudWatch is slow or down)"),
    "spool_datums": Spec("gauge", "Datums in the on-disk spool"),
    "publish_latency_seconds": Spec("summary", "PutMetricData call latency in seconds"),
    "flushes": Spec("counter", "Aggregation intervals flushed"),
    # Delivery under failure (docs/delivery.md, "Telemetry").
    "datums_resent": Spec("counter", "Datums sent again after a send that got no answer (the bound of "
                          "possible duplicates)", {"reason": ("unanswered",)}),
    "calls_abandoned": Spec("counter", "PutMetricData calls left on the wire past their deadline or at stop",
                            {"reason": ("deadline", "shutdown")}),
    "spool_write_failures": Spec("counter", "Spool writes (append, delete, rewrite) that failed",
                                 {"reason": ("disk_full", "io_error")}),
    "spool_open_failures": Spec("counter", "Attempts to open the spool that failed for a reason other "
                                "than damage", {"reason": ("disk_full", "io_error")}),
    "spool_read_failures": Spec("counter", "Reads of spooled rows that failed (retried later)",
                                {"reason": ("disk_full", "io_error")}),
    "spool_acks_deferred": Spec("counter", "Acknowledged rows whose delete failed, kept in spool.state's "
                                "ring (or only in memory)", {"reason": ("persisted", "memory_only")}),
    "spool_salvaged_rows": Spec("counter", "Rows recovered from a damaged spool file or WAL",
                                {"reason": ("corrupt", "wal_damaged")}),
    "spool_quarantined_files": Spec("counter", "Damaged spool files moved aside", {"reason": ("corrupt",)}),
    "spool_unreadable_rows": Spec("counter", "Row ids the spool ledger knew that no salvage found",
                                  {"reason": ("corrupt",)}),
    "spool_available": Spec("gauge", "1 while the on-disk spool is usable, 0 while running in memory only"),
    "timer_series_compacted": Spec("counter", "Timer series compacted to log buckets (10,000 distinct values)",
                                   {"reason": ("value_cap",)}),
    "set_members_over_cap": Spec("counter", "Set member occurrences not stored (10,000 members per set)",
                                 {"reason": ("member_cap",)}),
    "airflow_major_version": Spec("gauge", "Airflow major version the agent maps names for (2 or 3; 0 while "
                                  "unknown): airflow.major_version or detected from the traffic"),
    "job_runs": Spec("counter", "Scheduler job runs, by job and outcome (ok, partial, failed, overran)",
                     {"job": (), "outcome": ()}),
    # The sync frame's job wrapper (mwaa_ops/sync/job.py, docs/sync.md).
    "sync_writes": Spec("counter", "Write calls made by the sync jobs (retries included), by kind",
                        {"kind": ("dashboards", "alarms")}),
    "sync_failures": Spec("counter", "Changes a sync job could not make (retried on its next run), by kind",
                          {"kind": ("dashboards", "alarms")}),
}

_UNDOCUMENTED = "Undocumented: add a row for it to METRICS in mwaa_ops/telemetry.py"


class _Ignored:
    """Stands in for a child metric whose labels were wrong: accepts and ignores writes."""

    def inc(self, amount: float = 1) -> None:
        return None

    def set(self, value: float) -> None:
        return None

    def observe(self, value: float) -> None:
        return None


@dataclass(frozen=True)
class Sample:
    name: str
    kind: str  # "counter" | "gauge"
    labels: Labels
    value: float


def _zero_label_sets(labels: Mapping[str, tuple[str, ...]]) -> list[dict[str, str]]:
    """Every combination of the listed values (none when a label lists no values)."""
    sets: list[dict[str, str]] = [{}]
    for name, values in labels.items():
        if not values:
            return []
        sets = [{**s, name: v} for s in sets for v in values]
    return sets


class Telemetry:
    """Thread-safe registry of the agent's own metrics (same methods as before prometheus_client)."""

    def __init__(self, metrics: Mapping[str, Spec] | None = None) -> None:
        self._lock = threading.Lock()
        self.registry = CollectorRegistry(auto_describe=True)
        self._specs: dict[str, Spec] = dict(METRICS if metrics is None else metrics)
        self._metrics: dict[str, Any] = {}
        self._refreshers: list[Callable[[], Any]] = []
        self._mislabelled: set[str] = set()
        for name, spec in self._specs.items():
            self._create(name, spec)

    # -- declaring ---------------------------------------------------------------

    def _create(self, name: str, spec: Spec) -> Any:
        labelnames = tuple(spec.labels)
        full = PREFIX + name
        if spec.kind == "counter":
            metric: Any = Counter(full, spec.help, labelnames, registry=self.registry)
        elif spec.kind == "gauge":
            metric = Gauge(full, spec.help, labelnames, registry=self.registry)
        elif spec.kind == "summary":
            metric = Summary(full, spec.help, labelnames, registry=self.registry)
        else:
            raise ValueError(f"telemetry metric {name!r}: kind must be counter, gauge or summary, not {spec.kind!r}")
        if labelnames:
            for labels in _zero_label_sets(spec.labels):
                metric.labels(**labels)
        self._metrics[name] = metric
        return metric

    def _metric(self, name: str, kind: str, labels: Mapping[str, str]) -> Any:
        metric = self._metrics.get(name)
        if metric is None:
            with self._lock:
                metric = self._metrics.get(name)
                if metric is None:
                    spec = Spec(kind, _UNDOCUMENTED, {k: () for k in sorted(labels)})
                    self._specs[name] = spec
                    metric = self._create(name, spec)
        try:
            return metric.labels(**labels) if labels or metric._labelnames else metric
        except ValueError:
            # Labels that do not match the table's: never let telemetry break the caller.
            if name not in self._mislabelled:
                self._mislabelled.add(name)
                _log.warning("telemetry metric %s: labels %s do not match METRICS (%s); samples ignored",
                             name, sorted(labels), list(self._specs[name].labels))
            return _Ignored()

    @property
    def specs(self) -> Mapping[str, Spec]:
        """What each metric is (the table, plus any undocumented names met at run time)."""
        return dict(self._specs)

    def add_refresher(self, refresh: Callable[[], Any]) -> None:
        """Run ``refresh()`` before every scrape (e.g. drain a batch counter into the registry)."""
        self._refreshers.append(refresh)

    def refresh(self) -> None:
        for refresh in list(self._refreshers):
            refresh()

    # -- writing (the public API every module uses) -------------------------------

    def inc(self, name: str, amount: float = 1, **labels: str) -> None:
        if amount:
            self._metric(name, "counter", {k: str(v) for k, v in labels.items()}).inc(amount)
        else:
            self._metric(name, "counter", {k: str(v) for k, v in labels.items()})

    def add_many(self, name: str, amounts: dict[str, int], label: str) -> None:
        """Add several labelled counts at once (``{"bad_value": 3, ...}``)."""
        for value, amount in amounts.items():
            self.inc(name, amount, **{label: value})

    def set(self, name: str, value: float, **labels: str) -> None:
        self._metric(name, "gauge", {k: str(v) for k, v in labels.items()}).set(value)

    def observe(self, name: str, value: float) -> None:
        self._metric(name, "summary", {}).observe(value)

    # -- reading -------------------------------------------------------------------

    def samples(self) -> list[Sample]:
        """Every sample under its bare name: counters, gauges, and ``<summary>_count``/``_sum``."""
        out: list[Sample] = []
        for family in self.registry.collect():
            base = family.name.removeprefix(PREFIX)
            for s in family.samples:
                name = s.name.removeprefix(PREFIX)
                labels = tuple(sorted(s.labels.items()))
                if family.type == "counter":
                    out.append(Sample(base, "counter", labels, s.value))
                elif family.type == "summary":
                    out.append(Sample(name, "counter", labels, s.value))
                else:
                    out.append(Sample(base, "gauge", labels, s.value))
        return sorted(out, key=lambda s: (s.name, s.labels))

    def get(self, name: str, **labels: str) -> float:
        """A metric's value for exactly ``labels``, or summed over all label sets when none are given."""
        wanted = tuple(sorted((k, str(v)) for k, v in labels.items()))
        total = 0.0
        for sample in self.samples():
            if sample.name == name and (not labels or sample.labels == wanted):
                total += sample.value
        return total

    def render_prometheus(self) -> str:
        """Everything in the Prometheus text exposition format (0.0.4), refreshed first."""
        self.refresh()
        return generate_latest(self.registry).decode("utf-8")
