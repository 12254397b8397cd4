"""Request packing: limits respected, estimates above botocore's real sizes, few calls."""

from __future__ import annotations

import random

import botocore.session
import pytest
from botocore.serialize import create_serializer

from mwaa_ops.cloudwatch.batching import (
    REQUEST_BUDGET_BYTES,
    estimate_sizes,
    lower_bound,
    pack,
)
from mwaa_ops.cloudwatch.datum import Datum
from mwaa_ops.cloudwatch.limits import MAX_DATUMS_PER_REQUEST, MAX_REQUEST_BYTES

TS = 1_700_000_000.123456
_MODEL = botocore.session.get_session().get_service_model("cloudwatch").operation_model("PutMetricData")


def _body_size(protocol: str, datums: list[Datum], namespace: str = "AmazonMWAA") -> int:
    serializer = create_serializer(protocol, include_validation=False)
    request = serializer.serialize_to_request(
        {"Namespace": namespace, "MetricData": [d.to_api() for d in datums]}, _MODEL
    )
    body = request["body"]
    if isinstance(body, dict):  # the query serializer hands back form fields
        from urllib.parse import urlencode

        return len(urlencode(body))
    return len(body)


def _counter(i: int) -> Datum:
    return Datum(
        f"TaskInstanceFinished{i % 50}",
        (("DAG", f"dag_{i % 300}"), ("Environment", "local"), ("Task", f"section_1.task_{i}")),
        TS,
        "Count",
        value=float(i),
    )


def _timer(i: int, n: int) -> Datum:
    rng = random.Random(i)
    return Datum(
        "TaskInstanceDuration",
        (("DAG", "d"), ("Environment", "local"), ("Task", f"t{i}")),
        TS,
        "Seconds",
        values=tuple(-rng.random() * 10.0**rng.randint(-100, 100) for _ in range(n)),
        counts=tuple(float(rng.randint(1, 10**6)) for _ in range(n)),
    )


WEIRD = Datum(
    "Métrique avec espaces/et:deux-points",
    (("Dimension ünicode", "valeur & autre=chose %"), ("Environment", "env-1")),
    TS,
    "Bytes/Second",
    value=-1.2345678901234567e-100,
)


PROTOCOLS = ["smithy-rpc-v2-cbor", "json", "query"]


def test_the_installed_botocore_uses_a_protocol_we_estimate() -> None:
    client = botocore.session.get_session().create_client(
        "cloudwatch", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    serializer = type(getattr(client._serializer, "_serializer", client._serializer)).__name__
    assert serializer in {"RpcV2CBORSerializer", "JSONSerializer", "QuerySerializer"}


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize(
    "datums",
    [
        pytest.param([_counter(i) for i in range(1000)], id="1000-counters"),
        pytest.param([_timer(i, 150) for i in range(40)], id="40-full-timers"),
        pytest.param([_timer(i, 3) for i in range(200)], id="small-timers"),
        pytest.param([WEIRD] * 100, id="non-ascii-and-escapes"),
        pytest.param(
            [Datum("M" * 255, tuple((f"d{i:02}", "v" * 1024) for i in range(30)), TS, value=1e300)] * 30,
            id="maximal-names",
        ),
    ],
)
def test_estimate_is_an_upper_bound_of_the_real_body(protocol: str, datums: list[Datum]) -> None:
    index = PROTOCOLS.index(protocol)
    estimate = sum(estimate_sizes(d)[index] for d in datums)
    actual = _body_size(protocol, datums)
    assert actual <= estimate
    # Conservative, but not wastefully so (a wasteful estimate means extra calls).
    assert estimate <= 1.6 * actual + 200


def test_requests_obey_limits_and_real_bodies_fit() -> None:
    datums = [_counter(i) for i in range(3000)] + [_timer(i, 150) for i in range(150)]
    requests = pack(datums, default_namespace="AmazonMWAA")
    assert sum(len(r.datums) for r in requests) == len(datums)
    assert sorted(map(id, (d for r in requests for d in r.datums))) == sorted(map(id, datums))
    for request in requests:
        assert len(request.datums) <= MAX_DATUMS_PER_REQUEST
        for protocol in PROTOCOLS:
            assert _body_size(protocol, list(request.datums)) < MAX_REQUEST_BYTES


def test_one_namespace_per_request() -> None:
    datums = [_counter(i) for i in range(10)] + [
        Datum("Self", (("Environment", "local"),), TS, value=1.0, namespace="MwaaOps") for _ in range(5)
    ]
    requests = pack(datums, default_namespace="AmazonMWAA")
    assert sorted((r.namespace, len(r.datums)) for r in requests) == [("AmazonMWAA", 10), ("MwaaOps", 5)]


def test_empty() -> None:
    assert pack([], default_namespace="X") == []


@pytest.mark.parametrize(
    "mix",
    [
        pytest.param("counters", id="100k-counters"),
        pytest.param("timers", id="full-timers"),
        pytest.param("mixed", id="mixed"),
    ],
)
def test_calls_within_one_percent_of_the_minimum(mix: str) -> None:
    rng = random.Random(7)
    if mix == "counters":
        datums = [_counter(i) for i in range(100_000)]
    elif mix == "timers":
        datums = [_timer(i, rng.randint(100, 150)) for i in range(3_000)]
    else:
        datums = [_counter(i) for i in range(97_000)] + [_timer(i, rng.randint(1, 150)) for i in range(3_000)]
    requests = pack(datums, default_namespace="AmazonMWAA")
    sizes = [max(estimate_sizes(d)) for d in datums]
    minimum = lower_bound(sizes)
    print(f"{mix}: {len(datums)} datums, {len(requests)} PutMetricData calls, lower bound {minimum}")
    assert len(requests) <= minimum * 1.01 + 1
    assert all(r.estimated_bytes <= REQUEST_BUDGET_BYTES for r in requests)
