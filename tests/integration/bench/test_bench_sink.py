"""The counting sink decodes PutMetricData as botocore sends it and sums it exactly."""

from __future__ import annotations

import json
import sys
import threading
import time
import urllib.request
from pathlib import Path

import boto3
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))

from sink import make_server  # noqa: E402


@pytest.fixture
def sink_url():
    server, _ = make_server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_sink_sums_values_and_counts_from_a_real_boto3_client(sink_url, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "bench")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "bench")
    client = boto3.client("cloudwatch", endpoint_url=sink_url, region_name="us-east-1")
    stamp = time.time() - 2
    counter = {"MetricName": "SchedulerHeartbeat", "Dimensions": [{"Name": "Environment", "Value": "b"}],
               "Value": 3.0, "Timestamp": stamp}
    timer = {"MetricName": "DAGDurationSuccess", "Values": [1.5, 2.5], "Counts": [2.0, 5.0],
             "Timestamp": stamp}
    response = client.put_metric_data(Namespace="AmazonMWAA", MetricData=[counter, timer] * 500)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    client.put_metric_data(Namespace="AmazonMWAA", MetricData=[counter])

    stats = json.load(urllib.request.urlopen(sink_url + "/stats"))
    metrics = stats["metrics"]["AmazonMWAA"]
    assert metrics["SchedulerHeartbeat"]["value_sum"] == 501 * 3.0
    assert metrics["DAGDurationSuccess"]["count_sum"] == 500 * 7.0
    assert stats["datums"] == 1001
    assert stats["requests_by_operation"] == {"PutMetricData": 2}
    assert stats["max_datums_per_request"] == 1000
    assert stats["min_requests"] == 2  # 1001 datums with one timestamp
    assert stats["lag_seconds"]["min"] >= 0

    urllib.request.urlopen(urllib.request.Request(sink_url + "/reset", data=b""))
    assert json.load(urllib.request.urlopen(sink_url + "/stats"))["datums"] == 0
