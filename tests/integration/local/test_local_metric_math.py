"""SEARCH, SORT and metric math in GetMetricData on the local endpoint, over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from mwaa_ops.local import LocalEndpoint


def _client(local: LocalEndpoint) -> Any:
    return boto3.client("cloudwatch", endpoint_url=local.url, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def test_search_sort_and_math(local: LocalEndpoint) -> None:
    cw = _client(local)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    points = {"a": [1.0, 2.0], "b": [10.0, 20.0], "c": [5.0, 5.0]}
    for dag, values in points.items():
        cw.put_metric_data(Namespace="NS", MetricData=[{
            "MetricName": "Fails", "Dimensions": [{"Name": "DAG", "Value": dag},
                                                  {"Name": "Environment", "Value": "e"}],
            "Timestamp": now - timedelta(minutes=2 - i), "Value": v}
            for i, v in enumerate(values)])
    # Another environment and another dimension set: neither may match.
    cw.put_metric_data(Namespace="NS", MetricData=[
        {"MetricName": "Fails", "Dimensions": [{"Name": "DAG", "Value": "x"},
                                               {"Name": "Environment", "Value": "other"}],
         "Timestamp": now, "Value": 99.0},
        {"MetricName": "Fails", "Dimensions": [{"Name": "Environment", "Value": "e"}],
         "Timestamp": now, "Value": 99.0}])
    search = "SEARCH('{NS,DAG,Environment} MetricName=\"Fails\" Environment=\"e\"', 'Sum', 60)"
    answer = cw.get_metric_data(
        StartTime=now - timedelta(minutes=10), EndTime=now + timedelta(minutes=1),
        MetricDataQueries=[
            {"Id": "s", "Expression": search},
            {"Id": "top", "Expression": f"SORT({search}, SUM, DESC, 2)"},
            {"Id": "a", "ReturnData": False, "MetricStat": {"Metric": {
                "Namespace": "NS", "MetricName": "Fails", "Dimensions": [
                    {"Name": "DAG", "Value": "a"}, {"Name": "Environment", "Value": "e"}]},
                "Period": 60, "Stat": "Sum"}},
            {"Id": "b", "ReturnData": False, "MetricStat": {"Metric": {
                "Namespace": "NS", "MetricName": "Fails", "Dimensions": [
                    {"Name": "DAG", "Value": "b"}, {"Name": "Environment", "Value": "e"}]},
                "Period": 60, "Stat": "Sum"}},
            {"Id": "workers", "Expression": "CEIL((a + b) / 5)", "Label": "workers"},
        ])["MetricDataResults"]
    found = {(r["Id"], r["Label"]): sorted(r["Values"]) for r in answer}
    assert found[("s", "a")] == [1.0, 2.0]
    assert found[("s", "b")] == [10.0, 20.0]
    assert found[("s", "c")] == [5.0, 5.0]
    assert [r["Label"] for r in answer if r["Id"] == "top"] == ["b", "c"]
    assert found[("workers", "workers")] == [3.0, 5.0]  # ceil(11/5), ceil(22/5)
    assert {r["Id"] for r in answer} == {"s", "top", "workers"}  # ReturnData False stays hidden
