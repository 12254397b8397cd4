"""The fault proxy itself: each mode, as botocore sees it, in front of a real endpoint."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError

from mwaa_ops.aws import make_client
from mwaa_ops.config import AwsConfig
from mwaa_ops.local.endpoint import LocalEndpoint
from tests.support.fault_proxy import (
    DROP,
    INTERNAL_ERROR,
    LOSE_RESPONSE,
    THROTTLE,
    UNAVAILABLE,
    FaultProxy,
)


def _client(url: str):
    return make_client("cloudwatch", AwsConfig(endpoint_url=url, region="us-east-1"), max_attempts=1,
                       timeout_seconds=5)


def _put(client, name: str = "ProxyProbe") -> None:
    client.put_metric_data(
        Namespace="ProxyTest",
        MetricData=[{"MetricName": name, "Value": 1.0, "Timestamp": datetime.now(UTC)}],
    )


def test_pass_through(proxy: FaultProxy, endpoint: LocalEndpoint) -> None:
    _put(_client(proxy.url))
    names = [m["MetricName"] for m in _client(endpoint.url).list_metrics(Namespace="ProxyTest")["Metrics"]]
    assert "ProxyProbe" in names
    assert proxy.outcome_counts()["passed"] == 1


@pytest.mark.parametrize(
    ("mode", "code", "status"),
    [
        pytest.param(UNAVAILABLE, "ServiceUnavailable", 503, id="503"),
        pytest.param(INTERNAL_ERROR, "InternalFailure", 500, id="500"),
        pytest.param(THROTTLE, "Throttling", 400, id="throttling"),
    ],
)
def test_error_answers_parse_as_botocore_errors(proxy: FaultProxy, mode: str, code: str, status: int) -> None:
    proxy.set_mode(mode, requests=1)
    with pytest.raises(ClientError) as caught:
        _put(_client(proxy.url))
    assert caught.value.response["Error"]["Code"] == code
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    _put(_client(proxy.url))  # back to pass-through after one request


def test_poison_is_rejected_as_invalid_parameter(proxy: FaultProxy) -> None:
    proxy.poison = {"Poison"}
    with pytest.raises(ClientError) as caught:
        _put(_client(proxy.url), "Poison")
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValue"
    _put(_client(proxy.url), "Healthy")
    assert proxy.outcome_counts() == {"poisoned": 1, "passed": 1}


@pytest.mark.parametrize("mode", [DROP, LOSE_RESPONSE])
def test_dropped_connections_surface_as_connection_errors(proxy: FaultProxy, endpoint: LocalEndpoint,
                                                         mode: str) -> None:
    name = f"Lost{mode}"
    proxy.set_mode(mode, requests=1)
    with pytest.raises(ConnectionClosedError):
        _put(_client(proxy.url), name)
    listed = {m["MetricName"] for m in _client(endpoint.url).list_metrics(Namespace="ProxyTest")["Metrics"]}
    # A lost response means the endpoint did get the data; a dropped connection means it did not.
    assert (name in listed) == (mode == LOSE_RESPONSE)
