"""The MWAA emulator over HTTP with the unchanged boto3 ``mwaa`` client."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from mwaa_ops.aws import make_client
from mwaa_ops.clock import FakeClock
from mwaa_ops.config import AwsConfig
from mwaa_ops.local import LocalEndpoint

REQUIRED: dict[str, Any] = {
    "ExecutionRoleArn": "arn:aws:iam::123456789012:role/mwaa",
    "SourceBucketArn": "arn:aws:s3:::dags-bucket",
    "DagS3Path": "dags",
    "NetworkConfiguration": {"SubnetIds": ["subnet-1", "subnet-2"], "SecurityGroupIds": ["sg-1"]},
}


@pytest.fixture()
def mwaa(local: LocalEndpoint) -> Any:
    return make_client(
        "mwaa", AwsConfig(endpoint_url=local.url, region="us-east-1"), max_attempts=1
    )


def code_of(err: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = err.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_create_get_update_delete(mwaa: Any, clock: FakeClock) -> None:
    arn = mwaa.create_environment(
        Name="prod-1",
        AirflowVersion="2.10.3",
        WeeklyMaintenanceWindowStart="SUN:02:00",
        Tags={"team": "data"},
        **REQUIRED,
    )["Arn"]
    assert arn == "arn:aws:airflow:us-east-1:123456789012:environment/prod-1"
    env = mwaa.get_environment(Name="prod-1")["Environment"]
    assert env["Status"] == "CREATING"
    assert env["CreatedAt"].timestamp() == clock.time()
    assert env["NetworkConfiguration"]["SubnetIds"] == ["subnet-1", "subnet-2"]
    assert env["Tags"] == {"team": "data"}

    clock.advance(30)
    assert mwaa.get_environment(Name="prod-1")["Environment"]["Status"] == "AVAILABLE"

    mwaa.update_environment(
        Name="prod-1", AirflowVersion="2.11.2", WeeklyMaintenanceWindowStart="WED:23:30"
    )
    env = mwaa.get_environment(Name="prod-1")["Environment"]
    # A version change snapshots the metadata database first (snapshot_seconds, default 1 s).
    assert (env["Status"], env["LastUpdate"]["Status"]) == ("CREATING_SNAPSHOT", "PENDING")
    clock.advance(1)
    assert mwaa.get_environment(Name="prod-1")["Environment"]["Status"] == "UPDATING"
    clock.advance(60)
    env = mwaa.get_environment(Name="prod-1")["Environment"]
    assert (env["Status"], env["AirflowVersion"]) == ("AVAILABLE", "2.11.2")
    assert env["WeeklyMaintenanceWindowStart"] == "WED:23:30"
    assert env["LastUpdate"]["Status"] == "SUCCESS"

    mwaa.delete_environment(Name="prod-1")
    assert mwaa.get_environment(Name="prod-1")["Environment"]["Status"] == "DELETING"
    clock.advance(10)
    with pytest.raises(ClientError) as err:
        mwaa.get_environment(Name="prod-1")
    assert code_of(err) == ("ResourceNotFoundException", 404)
    assert isinstance(err.value, mwaa.exceptions.ResourceNotFoundException)


def test_list_is_paginated(mwaa: Any, local: LocalEndpoint) -> None:
    names = [f"env-{i}" for i in range(30)]
    for name in names:
        local.emulator.seed_environment(name)
    first = mwaa.list_environments(MaxResults=25)
    assert len(first["Environments"]) == 25 and "NextToken" in first
    pages = mwaa.get_paginator("list_environments").paginate(PaginationConfig={"PageSize": 7})
    listed = [name for page in pages for name in page["Environments"]]
    assert listed == names


@pytest.mark.parametrize(
    ("call", "kwargs"),
    [
        pytest.param("create_environment", {"Name": "bad name", **REQUIRED}, id="name-pattern"),
        pytest.param(
            "create_environment",
            {"Name": "ok", "AirflowVersion": "2.6.3", **REQUIRED},
            id="version-out-of-support",
        ),
        pytest.param(
            "create_environment",
            {"Name": "ok", "WeeklyMaintenanceWindowStart": "FRI:10:45", **REQUIRED},
            id="window-pattern",
        ),
        pytest.param(
            "create_environment",
            {"Name": "ok", "Schedulers": 9, **REQUIRED},
            id="schedulers-over-5",
        ),
        pytest.param("list_environments", {"MaxResults": 26}, id="max-results-over-25"),
        pytest.param("list_environments", {"NextToken": "forged"}, id="bad-next-token"),
    ],
)
def test_validation_errors(mwaa: Any, call: str, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as err:
        getattr(mwaa, call)(**kwargs)
    assert code_of(err) == ("ValidationException", 400)
    assert isinstance(err.value, mwaa.exceptions.ValidationException)
    assert mwaa.list_environments()["Environments"] == []


def test_no_version_offered_yet_is_a_validation_error(mwaa: Any, local: LocalEndpoint) -> None:
    # Before MWAA's first version there is nothing to default AirflowVersion to: a 400, not a 500.
    local.emulator.clock = FakeClock(datetime(2020, 1, 1, tzinfo=UTC))
    with pytest.raises(ClientError) as err:
        mwaa.create_environment(Name="early", **REQUIRED)
    assert code_of(err) == ("ValidationException", 400)
    assert "No Airflow version is offered" in err.value.response["Error"]["Message"]


def test_update_unknown_environment(mwaa: Any) -> None:
    with pytest.raises(ClientError) as err:
        mwaa.update_environment(Name="ghost", MaxWorkers=3)
    assert code_of(err) == ("ResourceNotFoundException", 404)


def test_injected_failure_is_visible_to_boto3(
    mwaa: Any, local: LocalEndpoint, clock: FakeClock
) -> None:
    local.emulator.seed_environment("env1", "2.10.3")
    local.emulator.fail_next_update(error_code="UPGRADE_FAILED", message="requirements broke")
    mwaa.update_environment(Name="env1", AirflowVersion="2.11.2")
    clock.advance(3600)
    env = mwaa.get_environment(Name="env1")["Environment"]
    assert (env["Status"], env["AirflowVersion"]) == ("UPDATE_FAILED", "2.10.3")
    assert env["LastUpdate"]["Error"] == {
        "ErrorCode": "UPGRADE_FAILED",
        "ErrorMessage": "requirements broke",
    }


def test_tags_by_arn(mwaa: Any, local: LocalEndpoint) -> None:
    arn = local.emulator.seed_environment("tagged")["Arn"]
    mwaa.tag_resource(ResourceArn=arn, Tags={"a": "1", "b": "2"})
    mwaa.untag_resource(ResourceArn=arn, tagKeys=["a"])
    assert mwaa.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"b": "2"}
    with pytest.raises(ClientError) as err:
        mwaa.list_tags_for_resource(
            ResourceArn="arn:aws:airflow:us-east-1:123456789012:environment/none"
        )
    assert code_of(err) == ("ResourceNotFoundException", 404)


def test_region_comes_from_the_signature(local: LocalEndpoint) -> None:
    eu = make_client("mwaa", AwsConfig(endpoint_url=local.url, region="eu-west-1"))
    us = make_client("mwaa", AwsConfig(endpoint_url=local.url, region="us-east-1"))
    arn = local.emulator.seed_environment("eu-env", region="eu-west-1")["Arn"]
    assert arn.startswith("arn:aws:airflow:eu-west-1:")
    assert eu.list_environments()["Environments"] == ["eu-env"]
    assert us.list_environments()["Environments"] == []
