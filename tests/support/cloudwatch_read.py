"""Reading datapoints back from a CloudWatch endpoint in tests (over HTTP, like a user)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from mwaa_ops.aws import make_client
from mwaa_ops.config import AwsConfig


def cloudwatch(endpoint_url: str) -> Any:
    return make_client("cloudwatch", AwsConfig(endpoint_url=endpoint_url, region="us-east-1"))


def statistic(
    client: Any,
    metric: str,
    dimensions: dict[str, str],
    stat: str,
    *,
    namespace: str = "AmazonMWAA",
    minutes: int = 30,
) -> float | None:
    """One statistic over the last ``minutes`` (one datapoint per hour, combined).

    Dimensions are sent in the canonical order (sorted by name), as mwaa-ops
    publishes them; moto matches more than two dimensions in order.
    """
    end = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=2)
    start = end - timedelta(minutes=minutes)
    response = client.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "q",
                "MetricStat": {
                    "Metric": {
                        "Namespace": namespace,
                        "MetricName": metric,
                        "Dimensions": [
                            {"Name": k, "Value": v} for k, v in sorted(dimensions.items())
                        ],
                    },
                    "Period": minutes * 60,
                    "Stat": stat,
                },
            }
        ],
        StartTime=start,
        EndTime=end,
    )
    values = response["MetricDataResults"][0]["Values"]
    if not values:
        return None
    if stat in ("Sum", "SampleCount"):
        return float(sum(values))
    if stat == "Minimum":
        return float(min(values))
    if stat == "Maximum":
        return float(max(values))
    return float(values[0])


def metric_names(client: Any, namespace: str = "AmazonMWAA") -> dict[str, list[dict[str, str]]]:
    """metric name -> list of its dimension sets, from ListMetrics."""
    found: dict[str, list[dict[str, str]]] = {}
    for page in client.get_paginator("list_metrics").paginate(Namespace=namespace):
        for metric in page["Metrics"]:
            dims = {d["Name"]: d["Value"] for d in metric["Dimensions"]}
            found.setdefault(metric["MetricName"], []).append(dims)
    return found


def wait_for(predicate: Any, timeout: float = 30, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def wait_until(predicate: Any, timeout: float = 60.0, interval: float = 0.05) -> bool:
    """``wait_for`` as a yes/no: whether ``predicate()`` became true within ``timeout`` seconds."""
    return bool(wait_for(predicate, timeout=timeout, interval=interval))
