"""The embedded endpoint refuses PutMetricData requests as real CloudWatch does (issue 8 case 5).

Every refusal goes through boto3 over HTTP and must come back as a 400
``InvalidParameterValue`` naming the parameter; the valid boundary cases must
be stored.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from mwaa_ops.aws import make_client
from mwaa_ops.config import AwsConfig
from mwaa_ops.local import LocalEndpoint


def _cw(local: LocalEndpoint) -> Any:
    return make_client("cloudwatch", AwsConfig(endpoint_url=local.url, region="us-east-1"), max_attempts=1)


def _datum(**overrides: Any) -> dict[str, Any]:
    datum: dict[str, Any] = {
        "MetricName": "M",
        "Dimensions": [{"Name": "DAG", "Value": "etl"}],
        "Value": 1.0,
        "Timestamp": datetime.now(UTC),
        "Unit": "Count",
    }
    datum.update(overrides)
    return datum


NOW = datetime.now(UTC)

REFUSED = [
    pytest.param([_datum(Dimensions=[{"Name": "DAG", "Value": "données"}])], "Dimensions.member.1.Value",
                 id="non-ascii-value"),
    pytest.param([_datum(Dimensions=[{"Name": "DAG", "Value": "   "}])], "Dimensions.member.1.Value",
                 id="whitespace-only-value"),
    pytest.param([_datum(Dimensions=[{"Name": "DAG", "Value": "a\tb"}])], "Dimensions.member.1.Value",
                 id="tab-in-value"),
    pytest.param([_datum(Dimensions=[{"Name": "DAG", "Value": "x" * 1025}])], "Dimensions.member.1.Value",
                 id="value-too-long"),
    pytest.param([_datum(Dimensions=[{"Name": ":DAG", "Value": "v"}])], "Dimensions.member.1.Name",
                 id="name-starts-with-colon"),
    pytest.param([_datum(Dimensions=[{"Name": f"d{i}", "Value": "v"} for i in range(31)])], "Dimensions",
                 id="31-dimensions"),
    pytest.param([_datum(MetricName="M" * 256)], "MetricName", id="metric-name-too-long"),
    pytest.param([_datum(Value=2.0**361)], "Value", id="value-too-large"),
    pytest.param([_datum(Value=2.0**-361)], "Value", id="value-too-small"),
    pytest.param([_datum(Value=None, Values=[1.0] * 151, Counts=[1.0] * 151)], "Values", id="151-values"),
    pytest.param([_datum(Value=None, Values=[1.0, 2.0], Counts=[1.0])], "Counts", id="counts-mismatch"),
    pytest.param([_datum(Timestamp=NOW - timedelta(days=15))], "Timestamp", id="older-than-two-weeks"),
    pytest.param([_datum(Timestamp=NOW + timedelta(hours=3))], "Timestamp", id="over-two-hours-ahead"),
    pytest.param([_datum(StorageResolution=5)], "StorageResolution", id="storage-resolution-5"),
    pytest.param([_datum(MetricName=f"M{i}") for i in range(1001)], "MetricData", id="1001-datums"),
]


@pytest.mark.parametrize(("metric_data", "parameter"), REFUSED)
def test_refused_like_cloudwatch(local: LocalEndpoint, metric_data: list[dict[str, Any]], parameter: str) -> None:
    for d in metric_data:
        if d.get("Value") is None:
            d.pop("Value", None)
    cw = _cw(local)
    with pytest.raises(ClientError) as info:
        cw.put_metric_data(Namespace="AmazonMWAA", MetricData=metric_data)
    error = info.value.response["Error"]
    assert error["Code"] == "InvalidParameterValue"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert parameter in error["Message"]
    assert cw.list_metrics(Namespace="AmazonMWAA")["Metrics"] == []  # nothing of the request stored


def test_boundaries_are_stored(local: LocalEndpoint) -> None:
    cw = _cw(local)
    cw.put_metric_data(Namespace="AmazonMWAA", MetricData=[
        _datum(MetricName="Tiny", Value=2.0**-359),
        _datum(MetricName="Big", Value=2.0**360),
        _datum(MetricName="Long", Dimensions=[{"Name": "DAG", "Value": "x" * 1024}]),
        _datum(MetricName="Old", Timestamp=NOW - timedelta(days=13)),
        _datum(MetricName="Many", Value=None, Values=[float(i) for i in range(150)], Counts=[1.0] * 150),
    ] [:4] + [{k: v for k, v in _datum(MetricName="Many", Values=[float(i) for i in range(150)],
                                       Counts=[1.0] * 150).items() if k != "Value"}])
    names = {m["MetricName"] for m in cw.list_metrics(Namespace="AmazonMWAA")["Metrics"]}
    assert names == {"Tiny", "Big", "Long", "Old", "Many"}
