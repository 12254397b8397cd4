"""An in-memory stand-in for the boto3 CloudWatch client, for publisher unit tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError, EndpointConnectionError


def client_error(code: str, status: int, message: str = "") -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message or code}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "PutMetricData",
    )


class FakeCloudWatch:
    """Records accepted datums; ``fail`` decides, per call, whether to raise instead."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.accepted: list[dict[str, Any]] = []
        self.namespaces: list[str] = []
        self.calls = 0
        self.fail: Callable[[str, list[dict[str, Any]]], BaseException | None] = lambda ns, data: None

    def put_metric_data(self, Namespace: str, MetricData: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        with self.lock:
            self.calls += 1
            error = self.fail(Namespace, MetricData)
            if error is not None:
                raise error
            self.accepted.extend(MetricData)
            self.namespaces.append(Namespace)
        return {}

    def total(self, metric: str | None = None) -> float:
        """Sum of all accepted values (counter-style datums)."""
        with self.lock:
            return sum(
                item.get("Value", 0.0) for item in self.accepted if metric is None or item["MetricName"] == metric
            )


def outage() -> BaseException:
    return EndpointConnectionError(endpoint_url="http://127.0.0.1:1")
