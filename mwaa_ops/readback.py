"""Reading published metrics back from CloudWatch (``mwaa-ops metrics``, tests, benchmarks).

Dimensions are queried exactly as ``ListMetrics`` returns them, so the order
never matters (moto matches more than two dimensions in order).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mwaa_ops.aws import aws_error, make_client
from mwaa_ops.clock import Clock
from mwaa_ops.config import Config
from mwaa_ops.metric_data import batch_results, query_batches

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> int:
    """``90s``, ``15m``, ``3h``, ``2d`` → seconds."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError("use a number and a unit, like 90s, 15m, 3h or 2d")
    seconds = int(float(match.group(1)) * _UNIT_SECONDS[match.group(2)])
    if seconds <= 0:
        raise ValueError("must be longer than zero")
    return seconds


def list_metrics(client: Any, namespace: str, environment: str) -> list[dict[str, Any]]:
    """Every metric of ``namespace`` that carries ``Environment=environment``."""
    found: list[dict[str, Any]] = []
    paginator = client.get_paginator("list_metrics")
    pages = paginator.paginate(
        Namespace=namespace, Dimensions=[{"Name": "Environment", "Value": environment}]
    )
    for page in pages:
        found.extend(page.get("Metrics", []))
    return found


COUNTER, GAUGE, TIMER, UNKNOWN = "counter", "gauge", "timer", "unknown"
# Version metrics (versions/metrics.py): day and count figures, all gauges.
_VERSION_METRICS = {"DaysBehindNewestMwaa": "None", "MinorsBehind": "Count", "MinorsBehindMwaa": "Count",
                    "DaysToEndOfSupport": "None", "VersionSupportLevel": "None", "MwaaTargetLagDays": "None"}
# Fallback units (airflow/fallback.py UNIT_BY_KIND) -> kind, for names no table knows.
_KIND_BY_FALLBACK_UNIT = {"Milliseconds": TIMER}


def metric_kinds() -> dict[str, tuple[str, str]]:
    """CloudWatch metric name -> (kind, unit) for every metric mwaa-ops knows it publishes.

    Kinds: ``counter`` (sum and rate make sense), ``gauge`` (last, min, max),
    ``timer`` (count and percentiles). From the MWAA map, the agent's own
    metrics and the version metrics.
    """
    from mwaa_ops.agent.self_metrics import PUBLISHED
    from mwaa_ops.airflow import load_catalogue
    from mwaa_ops.telemetry import METRICS

    kinds: dict[str, tuple[str, str]] = {}
    for row in load_catalogue().rows:
        kinds.setdefault(row.cloudwatch_metric, (row.kind, row.unit))
    for name, (metric, unit) in PUBLISHED.items():
        spec = METRICS.get(name)
        kinds[metric] = (COUNTER if spec is not None and spec.kind == "counter" else GAUGE, unit)
    for metric, unit in _VERSION_METRICS.items():
        kinds[metric] = (GAUGE, unit)
    return kinds


# Per kind: (label, statistic, whole-window period?) queried for each metric. The
# per-minute series ("minute") finds the latest minute with data.
_QUERIES: dict[str, tuple[tuple[str, str, bool], ...]] = {
    COUNTER: (("sum", "Sum", True), ("minute", "Sum", False)),
    GAUGE: (("min", "Minimum", True), ("max", "Maximum", True), ("minute", "Average", False)),
    TIMER: (("count", "SampleCount", True), ("p50", "p50", True), ("p90", "p90", True),
            ("max", "Maximum", True), ("minute", "SampleCount", False)),
    UNKNOWN: (("sum", "Sum", True), ("count", "SampleCount", True), ("max", "Maximum", True),
              ("minute", "Average", False)),
}


def read_published(
    config: Config,
    *,
    window_seconds: int,
    clock: Clock,
    name_filter: str | None = None,
    dimension_filter: dict[str, str] | None = None,
    progress: bool = False,
) -> list[dict[str, Any]]:
    """Per published metric and dimension set, the statistics that fit its kind over the window.

    Each row: ``metric``, ``dimensions``, ``kind``, ``unit``, ``latest_at``
    (ISO-8601 UTC start of the latest minute with data) and, by kind:
    counter ``sum``, ``rate_per_minute``; gauge ``last``, ``min``, ``max``;
    timer ``count``, ``p50``, ``p90``, ``max``; unknown ``sum``, ``count``,
    ``max``, ``last``. Values are in ``unit``. ``dimension_filter`` keeps rows
    whose dimensions have those exact values (``{"DAG": "etl"}``).
    """
    client = make_client("cloudwatch", config.aws)
    try:
        found = list_metrics(client, config.namespace, config.environment)
    except (ClientError, BotoCoreError) as exc:
        raise aws_error(exc, "CloudWatch ListMetrics") from None
    if name_filter:
        found = [m for m in found if name_filter in m["MetricName"]]
    if dimension_filter:
        found = [m for m in found
                 if all({d["Name"]: d["Value"] for d in m["Dimensions"]}.get(k) == v
                        for k, v in dimension_filter.items())]
    found.sort(key=lambda m: (m["MetricName"], sorted((d["Name"], d["Value"]) for d in m["Dimensions"])))
    try:
        return _query(client, found, window_seconds, clock, progress)
    except (ClientError, BotoCoreError) as exc:
        raise aws_error(exc, "CloudWatch GetMetricData") from None


def environments_with_data(config: Config) -> list[str]:
    """Every ``Environment`` dimension value in the namespace (to say where data is when the asked one has none)."""
    client = make_client("cloudwatch", config.aws)
    seen: set[str] = set()
    try:
        for page in client.get_paginator("list_metrics").paginate(Namespace=config.namespace):
            for metric in page.get("Metrics", []):
                for d in metric.get("Dimensions", []):
                    if d["Name"] == "Environment":
                        seen.add(d["Value"])
    except (ClientError, BotoCoreError) as exc:
        raise aws_error(exc, "CloudWatch ListMetrics") from None
    return sorted(seen)


def _query(
    client: Any, found: list[dict[str, Any]], window: int, clock: Clock, progress: bool
) -> list[dict[str, Any]]:
    # Whole minutes, so each 60 s bucket is a clock minute and "latest_at" is the
    # start of the minute the last datapoint fell in (CloudWatch's advice, too).
    now = int(clock.time())
    end = datetime.fromtimestamp(now - now % 60 + 60, UTC)
    start = end - timedelta(seconds=window) - timedelta(minutes=1)
    start -= timedelta(seconds=start.second)
    whole = max(60, (int((end - start).total_seconds()) // 60 + 1) * 60)
    known = metric_kinds()
    kinds: list[tuple[str, str]] = []
    queries: list[dict[str, Any]] = []
    for i, metric in enumerate(found):
        kind, unit = known.get(metric["MetricName"], (UNKNOWN, ""))
        kinds.append((kind, unit))
        stat_metric = {k: metric[k] for k in ("Namespace", "MetricName", "Dimensions")}
        for label, stat, whole_window in _QUERIES[kind]:
            queries.append({
                "Id": f"{label}_{i}",
                "MetricStat": {"Metric": stat_metric, "Period": whole if whole_window else 60, "Stat": stat},
                "ReturnData": True,
            })
    results: dict[str, dict[str, Any]] = {}
    batches = query_batches(queries)
    iterator: Any = batches
    if progress and len(batches) > 1:
        from rich.progress import track

        iterator = track(batches, description="Reading CloudWatch", transient=True)
    for batch in iterator:
        for result in batch_results(client, batch, start, end, scan_by="TimestampDescending"):
            entry = results.setdefault(result["Id"], {"Timestamps": [], "Values": []})
            entry["Timestamps"].extend(result.get("Timestamps", []))
            entry["Values"].extend(result.get("Values", []))

    def values(label: str, i: int) -> list[float]:
        return [float(v) for v in results.get(f"{label}_{i}", {}).get("Values", [])]

    rows = []
    for i, metric in enumerate(found):
        kind, unit = kinds[i]
        minute = results.get(f"minute_{i}", {"Timestamps": [], "Values": []})
        pairs = sorted(zip(minute["Timestamps"], minute["Values"], strict=False), reverse=True)
        if not pairs:
            continue
        row: dict[str, Any] = {
            "metric": metric["MetricName"],
            "dimensions": {d["Name"]: d["Value"] for d in sorted(metric["Dimensions"], key=lambda d: d["Name"])},
            "kind": kind,
            "unit": unit or None,
            "latest_at": pairs[0][0].astimezone(UTC).isoformat().replace("+00:00", "Z"),
        }
        if kind == COUNTER:
            total = sum(values("sum", i))
            row.update(sum=total, rate_per_minute=total / (window / 60))
        elif kind == GAUGE:
            row.update(last=float(pairs[0][1]), min=min(values("min", i), default=None),
                       max=max(values("max", i), default=None))
        elif kind == TIMER:
            row.update(count=sum(values("count", i)), p50=max(values("p50", i), default=None),
                       p90=max(values("p90", i), default=None), max=max(values("max", i), default=None))
        else:
            row.update(sum=sum(values("sum", i)), count=sum(values("count", i)),
                       max=max(values("max", i), default=None), last=float(pairs[0][1]))
        rows.append(row)
    return rows
