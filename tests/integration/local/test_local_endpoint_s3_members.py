"""The emulator stores and returns the S3 locations, object versions and configuration
options that CreateEnvironment/UpdateEnvironment take, over HTTP with boto3; and
``mwaa-ops up``'s seeding puts real files behind them."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from botocore.exceptions import ClientError

from mwaa_ops.aws import make_client
from mwaa_ops.clock import FakeClock
from mwaa_ops.config import AwsConfig
from mwaa_ops.local import LocalEndpoint
from mwaa_ops.local.seed import seed_environment_files

REQUIRED: dict[str, Any] = {
    "ExecutionRoleArn": "arn:aws:iam::123456789012:role/mwaa",
    "SourceBucketArn": "arn:aws:s3:::dags-bucket",
    "DagS3Path": "dags",
    "NetworkConfiguration": {"SubnetIds": ["subnet-1", "subnet-2"], "SecurityGroupIds": ["sg-1"]},
}
FILES = {
    "RequirementsS3Path": "requirements/requirements.txt",
    "RequirementsS3ObjectVersion": "v-req-1",
    "PluginsS3Path": "plugins.zip",
    "PluginsS3ObjectVersion": "v-plug-1",
    "StartupScriptS3Path": "startup.sh",
    "StartupScriptS3ObjectVersion": "v-start-1",
}


def _aws(local: LocalEndpoint) -> AwsConfig:
    return AwsConfig(endpoint_url=local.url, region="us-east-1")


def test_create_and_update_store_s3_members_and_options(local: LocalEndpoint, clock: FakeClock) -> None:
    mwaa = make_client("mwaa", _aws(local), max_attempts=1)
    mwaa.create_environment(Name="etl", AirflowVersion="3.3.1", **REQUIRED, **FILES,
                            AirflowConfigurationOptions={"core.parallelism": "64"})
    env = mwaa.get_environment(Name="etl")["Environment"]
    assert {k: env[k] for k in FILES} == FILES
    assert env["SourceBucketArn"] == "arn:aws:s3:::dags-bucket" and env["DagS3Path"] == "dags"
    assert env["AirflowConfigurationOptions"] == {"core.parallelism": "64"}
    clock.advance(60)
    mwaa.update_environment(Name="etl", RequirementsS3ObjectVersion="v-req-2", DagS3Path="dags/v2",
                            AirflowConfigurationOptions={"core.parallelism": "32", "api.port": "8080"})
    clock.advance(120)
    env = mwaa.get_environment(Name="etl")["Environment"]
    assert env["Status"] == "AVAILABLE"
    assert env["RequirementsS3ObjectVersion"] == "v-req-2" and env["PluginsS3ObjectVersion"] == "v-plug-1"
    assert env["DagS3Path"] == "dags/v2"
    assert env["AirflowConfigurationOptions"] == {"core.parallelism": "32", "api.port": "8080"}


def test_an_s3_key_over_the_service_limit_is_a_validation_error(local: LocalEndpoint) -> None:
    mwaa = make_client("mwaa", _aws(local), max_attempts=1)
    with pytest.raises(ClientError) as err:
        mwaa.create_environment(Name="etl", **REQUIRED, RequirementsS3Path="r/" + "x" * 1023)
    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert "requirementsS3Path" in str(err.value) and "1024" in str(err.value)


def test_seeded_files_are_where_the_environment_says(local: LocalEndpoint) -> None:
    s3 = make_client("s3", _aws(local))
    env = local.emulator.seed_environment("local", **seed_environment_files(s3, "local"))
    bucket = env["SourceBucketArn"].rsplit(":", 1)[1]
    requirements = s3.get_object(Bucket=bucket, Key=env["RequirementsS3Path"],
                                 VersionId=env["RequirementsS3ObjectVersion"])["Body"].read().decode()
    assert "--constraint" in requirements and "constraints-3.3.1/constraints-3.12.txt" in requirements
    plugins = s3.get_object(Bucket=bucket, Key=env["PluginsS3Path"],
                            VersionId=env["PluginsS3ObjectVersion"])["Body"].read()
    assert zipfile.ZipFile(io.BytesIO(plugins)).namelist() == ["local_plugin.py"]
    dags = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="dags/")["Contents"])
    assert dags == ["dags/example_etl.py", "dags/example_report.py"]
