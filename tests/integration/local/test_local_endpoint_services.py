"""moto's services behind the local endpoint: CloudWatch (CBOR protocol), SNS, SQS, S3."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from mwaa_ops.aws import make_client
from mwaa_ops.config import AwsConfig
from mwaa_ops.local import LocalEndpoint

DIMS = [
    {"Name": "DAG", "Value": "etl"},
    {"Name": "Environment", "Value": "local"},
    {"Name": "Task", "Value": "section_1.load"},
]


def client(local: LocalEndpoint, service: str) -> Any:
    return make_client(
        service, AwsConfig(endpoint_url=local.url, region="us-east-1"), max_attempts=1
    )


def query(
    qid: str, stat: str, dims: list[dict[str, str]], name: str = "TaskInstanceDuration"
) -> dict[str, Any]:
    metric = {"Namespace": "AmazonMWAA", "MetricName": name, "Dimensions": dims}
    return {"Id": qid, "MetricStat": {"Metric": metric, "Period": 60, "Stat": stat}}


def test_values_counts_round_trip(local: LocalEndpoint) -> None:
    cw = client(local, "cloudwatch")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    # 1 s once, 2 s three times, 10 s once; then a plain Value and a counter.
    cw.put_metric_data(
        Namespace="AmazonMWAA",
        MetricData=[
            {
                "MetricName": "TaskInstanceDuration",
                "Dimensions": DIMS,
                "Timestamp": now,
                "Values": [1.0, 2.0, 10.0],
                "Counts": [1, 3, 1],
                "Unit": "Seconds",
            },
            {
                "MetricName": "TaskInstanceDuration",
                "Dimensions": DIMS,
                "Timestamp": now,
                "Value": 4.0,
                "Unit": "Seconds",
            },
            {
                "MetricName": "TaskInstanceFinished",
                "Dimensions": DIMS,
                "Timestamp": now,
                "Value": 7.0,
                "Unit": "Count",
            },
        ],
    )
    # The same metric with its dimensions in another order is the same metric.
    reordered = list(reversed(DIMS))
    result = cw.get_metric_data(
        MetricDataQueries=[
            query("n", "SampleCount", DIMS),
            query("s", "Sum", reordered),
            query("p50", "p50", DIMS),
            query("p90", "p90", reordered),
            query("mx", "Maximum", DIMS),
            query("c", "Sum", DIMS, name="TaskInstanceFinished"),
        ],
        StartTime=now - timedelta(minutes=5),
        EndTime=now + timedelta(minutes=5),
    )
    values = {r["Id"]: r["Values"] for r in result["MetricDataResults"]}
    assert values == {
        "n": [6.0],
        "s": [21.0],
        "p50": [2.0],
        "p90": [10.0],
        "mx": [10.0],
        "c": [7.0],
    }

    stats = cw.get_metric_statistics(
        Namespace="AmazonMWAA",
        MetricName="TaskInstanceDuration",
        Dimensions=DIMS,
        StartTime=now - timedelta(minutes=5),
        EndTime=now + timedelta(minutes=5),
        Period=600,
        Statistics=["SampleCount", "Sum"],
        ExtendedStatistics=["p99"],
    )["Datapoints"]
    assert [(d["SampleCount"], d["Sum"], d["ExtendedStatistics"]) for d in stats] == [
        (6.0, 21.0, {"p99": 10.0})
    ]

    listed = cw.list_metrics(Namespace="AmazonMWAA")["Metrics"]
    assert sorted(m["MetricName"] for m in listed) == [
        "TaskInstanceDuration",
        "TaskInstanceFinished",
    ]


def test_dashboards_and_alarms(local: LocalEndpoint) -> None:
    cw = client(local, "cloudwatch")
    body = json.dumps(
        {
            "widgets": [
                {
                    "type": "text",
                    "x": 0,
                    "y": 0,
                    "width": 6,
                    "height": 2,
                    "properties": {"markdown": "hello"},
                }
            ]
        }
    )
    cw.put_dashboard(DashboardName="mwaa-local", DashboardBody=body)
    assert json.loads(cw.get_dashboard(DashboardName="mwaa-local")["DashboardBody"]) == json.loads(
        body
    )
    assert [d["DashboardName"] for d in cw.list_dashboards()["DashboardEntries"]] == ["mwaa-local"]

    cw.put_metric_alarm(
        AlarmName="scheduler-down",
        Namespace="AmazonMWAA",
        MetricName="SchedulerHeartbeat",
        Dimensions=[{"Name": "Environment", "Value": "local"}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=3,
        Threshold=1,
        ComparisonOperator="LessThanThreshold",
        TreatMissingData="breaching",
    )
    cw.set_alarm_state(AlarmName="scheduler-down", StateValue="ALARM", StateReason="test")
    alarms = cw.describe_alarms(AlarmNames=["scheduler-down"])["MetricAlarms"]
    assert [(a["AlarmName"], a["StateValue"], a["Threshold"]) for a in alarms] == [
        ("scheduler-down", "ALARM", 1.0)
    ]


def test_unsupported_statistic_is_a_client_error(local: LocalEndpoint) -> None:
    cw = client(local, "cloudwatch")
    now = datetime.now(UTC)
    cw.put_metric_data(
        Namespace="AmazonMWAA",
        MetricData=[{"MetricName": "TaskInstanceDuration", "Dimensions": DIMS, "Value": 1.0}],
    )
    with pytest.raises(ClientError) as err:
        cw.get_metric_data(
            MetricDataQueries=[query("t", "tm99", DIMS)],
            StartTime=now - timedelta(minutes=5),
            EndTime=now + timedelta(minutes=5),
        )
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_sns_publish_reaches_sqs(local: LocalEndpoint) -> None:
    sns, sqs = client(local, "sns"), client(local, "sqs")
    topic = sns.create_topic(Name="mwaa-alarms")["TopicArn"]
    queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    assert sns.publish(TopicArn=topic, Message="scheduler down")["MessageId"]
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1)["Messages"]
    assert json.loads(messages[0]["Body"])["Message"] == "scheduler down"


def test_s3_and_reset(local: LocalEndpoint) -> None:
    s3 = client(local, "s3")
    s3.create_bucket(Bucket="airflow-local")
    s3.put_object(Bucket="airflow-local", Key="dags/a.py", Body=b"print(1)")
    assert s3.get_object(Bucket="airflow-local", Key="dags/a.py")["Body"].read() == b"print(1)"
    local.emulator.seed_environment("local")
    local.reset()
    assert s3.list_buckets()["Buckets"] == []
    assert local.emulator.list_environments()["Environments"] == []
