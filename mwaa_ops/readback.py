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

# GetMetricData takes at most 500 queries per call (CloudWatch API reference).
MAX_QUERIES_PER_CALL = 500
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


def read_published(
    config: Config,
    *,
    window_seconds: int,
    clock: Clock,
    name_filter: str | None = None,
    progress: bool = False,
) -> list[dict[str, Any]]:
    """Per published metric: the sum of its latest minute, and sum, samples, average and
    maximum over the window (counters read as sums, gauges and timers as averages)."""
    client = make_client("cloudwatch", config.aws)
    try:
        found = list_metrics(client, config.namespace, config.environment)
    except (ClientError, BotoCoreError) as exc:
        raise aws_error(exc, "CloudWatch ListMetrics") from None
    if name_filter:
        found = [m for m in found if name_filter in m["MetricName"]]
    found.sort(key=lambda m: (m["MetricName"], sorted((d["Name"], d["Value"]) for d in m["Dimensions"])))
    try:
        return _query(client, found, window_seconds, clock, progress)
    except (ClientError, BotoCoreError) as exc:
        raise aws_error(exc, "CloudWatch GetMetricData") from None


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
    queries: list[dict[str, Any]] = []
    for i, metric in enumerate(found):
        stat_metric = {k: metric[k] for k in ("Namespace", "MetricName", "Dimensions")}
        for label, stat, period in (("latest", "Sum", 60), ("sum", "Sum", whole),
                                    ("samples", "SampleCount", whole), ("max", "Maximum", whole)):
            queries.append({
                "Id": f"{label}_{i}",
                "MetricStat": {"Metric": stat_metric, "Period": period, "Stat": stat},
                "ReturnData": True,
            })
    results: dict[str, dict[str, Any]] = {}
    batches = [queries[i:i + MAX_QUERIES_PER_CALL] for i in range(0, len(queries), MAX_QUERIES_PER_CALL)]
    iterator: Any = batches
    if progress and len(batches) > 1:
        from rich.progress import track

        iterator = track(batches, description="Reading CloudWatch", transient=True)
    for batch in iterator:
        kwargs: dict[str, Any] = {"MetricDataQueries": batch, "StartTime": start, "EndTime": end,
                                  "ScanBy": "TimestampDescending"}
        while True:
            response = client.get_metric_data(**kwargs)
            for result in response.get("MetricDataResults", []):
                entry = results.setdefault(result["Id"], {"Timestamps": [], "Values": []})
                entry["Timestamps"].extend(result.get("Timestamps", []))
                entry["Values"].extend(result.get("Values", []))
            token = response.get("NextToken")
            if not token:
                break
            kwargs["NextToken"] = token
    rows = []
    for i, metric in enumerate(found):
        latest = results.get(f"latest_{i}", {"Timestamps": [], "Values": []})
        pairs = sorted(zip(latest["Timestamps"], latest["Values"], strict=False), reverse=True)
        rows.append({
            "metric": metric["MetricName"],
            "dimensions": {d["Name"]: d["Value"] for d in sorted(metric["Dimensions"], key=lambda d: d["Name"])},
            "latest": pairs[0][1] if pairs else None,
            "latest_at": pairs[0][0].astimezone(UTC).isoformat() if pairs else None,
            "sum": sum(results.get(f"sum_{i}", {}).get("Values", [])) if pairs else None,
            "samples": sum(results.get(f"samples_{i}", {}).get("Values", [])) if pairs else None,
            "max": max(results.get(f"max_{i}", {}).get("Values", []), default=None),
        })
    for row in rows:
        row["average"] = row["sum"] / row["samples"] if row["samples"] else None
    return [r for r in rows if r["latest"] is not None]
