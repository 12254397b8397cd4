"""The versions_refresh job against the local endpoint: MWAA environments in, CloudWatch datums out.

The datums the job submits are sent with PutMetricData to the endpoint's
CloudWatch (moto) and read back with ListMetrics, so names, units and
dimensions are ones CloudWatch accepts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mwaa_ops.agent.scheduler import JobContext, resolve_job
from mwaa_ops.aws import make_client
from mwaa_ops.clock import FakeClock, FixedClock
from mwaa_ops.cloudwatch.datum import Datum
from mwaa_ops.config import AwsConfig, Config, VersionsConfig
from mwaa_ops.errors import SourceError
from mwaa_ops.local import LocalEndpoint
from mwaa_ops.telemetry import Telemetry
from mwaa_ops.versions.fetch import Response

REQUIRED: dict[str, Any] = {
    "ExecutionRoleArn": "arn:aws:iam::123456789012:role/mwaa",
    "SourceBucketArn": "arn:aws:s3:::dags-bucket",
    "DagS3Path": "dags",
    "NetworkConfiguration": {"SubnetIds": ["subnet-1", "subnet-2"], "SecurityGroupIds": ["sg-1"]},
}


@dataclass
class CapturingPublisher:
    batches: list[list[Datum]] = field(default_factory=list)

    def submit(self, datums: list[Datum]) -> None:
        self.batches.append(list(datums))


def _offline(url: str, accept: str, timeout: float) -> Response:
    raise SourceError(f"{url}: unreachable (test is offline)")


def test_job_publishes_version_metrics_per_environment(tmp_path: Path) -> None:
    now = datetime(2026, 11, 25, 4, 17, tzinfo=UTC)
    with LocalEndpoint("127.0.0.1", 0, clock=FakeClock(now)) as local:
        aws = AwsConfig(endpoint_url=local.url, region="us-east-1")
        mwaa = make_client("mwaa", aws, max_attempts=1)
        mwaa.create_environment(Name="analytics", AirflowVersion="2.10.3", **REQUIRED)
        mwaa.create_environment(Name="platform", AirflowVersion="3.3.1", **REQUIRED)
        config = Config(state_dir=tmp_path, aws=aws, versions=VersionsConfig(index_url="http://127.0.0.1:9/simple/",
                                                                      publish_scope="fleet"))
        publisher = CapturingPublisher()
        ctx = JobContext(config, FixedClock(now), Telemetry(), publisher, lambda service: make_client(service, aws))
        job = resolve_job("versions_refresh")
        result = job(ctx, fetcher=_offline, environ={}, pip_config=lambda: "")

        assert result["environments"] == 2 and set(result["failed"]) == {"community", "mwaa"}
        datums = [d for batch in publisher.batches for d in batch]
        cloudwatch = make_client("cloudwatch", aws)
        cloudwatch.put_metric_data(Namespace=config.namespace, MetricData=[d.to_api() for d in datums])
        listed = cloudwatch.list_metrics(Namespace=config.namespace)["Metrics"]
        seen = {(m["MetricName"], tuple((d["Name"], d["Value"]) for d in m["Dimensions"])) for m in listed}
        assert ("MinorsBehind", (("Environment", "analytics"),)) in seen
        assert ("DaysBehindNewestMwaa", (("Environment", "platform"),)) in seen
        values = {(d.metric, d.dimensions[0][1]): d.value for d in datums}
        assert values[("MinorsBehind", "analytics")] == 5  # 2.11, 3.0, 3.1, 3.2, 3.3
        assert values[("DaysBehindNewestMwaa", "platform")] == 0  # on the newest MWAA version
        assert values[("VersionSupportLevel", "platform")] == 0
