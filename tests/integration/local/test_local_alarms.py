"""Alarms on the local endpoint over HTTP: composite alarms, history, evaluation and SNS actions."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from mwaa_ops.aws import make_client
from mwaa_ops.clock import FakeClock
from mwaa_ops.config import AwsConfig
from mwaa_ops.local import LocalEndpoint
from mwaa_ops.local.alarm_evaluator import AlarmEvaluator


@pytest.fixture()
def aws(local: LocalEndpoint) -> Iterator[tuple[Any, Any, Any, AlarmEvaluator, FakeClock]]:
    config = AwsConfig(endpoint_url=local.url, region="us-east-1")
    assert local.alarm_evaluator is not None
    local.alarm_evaluator.stop()  # driven by hand below, on a fake clock
    clock = FakeClock(time.time() // 60 * 60)
    evaluator = AlarmEvaluator(local.url, clock=clock)
    yield (make_client("cloudwatch", config), make_client("sns", config), make_client("sqs", config),
           evaluator, clock)


def _queue_on_topic(sns: Any, sqs: Any, name: str) -> tuple[str, str]:
    topic = sns.create_topic(Name=name)["TopicArn"]
    queue = sqs.create_queue(QueueName=f"{name}-q")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "false"})
    return topic, queue


def _messages(sqs: Any, queue: str) -> list[dict[str, Any]]:
    out = []
    for message in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
        envelope = json.loads(message["Body"])
        out.append({"Subject": envelope.get("Subject"), **json.loads(envelope["Message"])})
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    return out


def _beat(cloudwatch: Any, at: float) -> None:
    cloudwatch.put_metric_data(Namespace="AmazonMWAA", MetricData=[{
        "MetricName": "SchedulerHeartbeat", "Timestamp": datetime.fromtimestamp(at, UTC), "Value": 5.0,
        "Dimensions": [{"Name": "Environment", "Value": "e"}, {"Name": "Function", "Value": "Scheduler"}]}])


def _states(cloudwatch: Any) -> dict[str, str]:
    answer = cloudwatch.describe_alarms(AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    return {a["AlarmName"]: a["StateValue"] for a in answer["MetricAlarms"] + answer["CompositeAlarms"]}


def test_put_composite_alarm_checks_the_request_against_botocores_model(aws: Any) -> None:
    cloudwatch = aws[0]
    with pytest.raises(ClientError, match="AlarmRule"):
        cloudwatch.put_composite_alarm(AlarmName="c", AlarmRule='ALARM("a" OR')
    with pytest.raises(ClientError, match="AlarmActions has 6 items"):
        cloudwatch.put_composite_alarm(AlarmName="c", AlarmRule="TRUE",
                                       AlarmActions=[f"arn:aws:sns:us-east-1:123456789012:t{i}" for i in range(6)])
    cloudwatch.put_composite_alarm(AlarmName="c", AlarmRule="FALSE", ActionsSuppressor="m",
                                   ActionsSuppressorWaitPeriod=30, ActionsSuppressorExtensionPeriod=90)
    assert cloudwatch.describe_alarms()["CompositeAlarms"] == []  # AlarmTypes omitted: metric alarms only
    (composite,) = cloudwatch.describe_alarms(AlarmTypes=["CompositeAlarm"])["CompositeAlarms"]
    assert (composite["AlarmRule"], composite["ActionsSuppressor"], composite["ActionsSuppressorWaitPeriod"],
            composite["ActionsSuppressorExtensionPeriod"], composite["StateValue"]) == (
        "FALSE", "m", 30, 90, "INSUFFICIENT_DATA")


def test_heartbeat_stops_alarm_composite_pages_and_suppressor_holds_the_page(aws: Any) -> None:
    cloudwatch, sns, sqs, evaluator, clock = aws
    page_topic, page_queue = _queue_on_topic(sns, sqs, "page")
    notify_topic, notify_queue = _queue_on_topic(sns, sqs, "notify")
    cloudwatch.put_metric_alarm(
        AlarmName="hb", Namespace="AmazonMWAA", MetricName="SchedulerHeartbeat", Statistic="Sum",
        Dimensions=[{"Name": "Environment", "Value": "e"}, {"Name": "Function", "Value": "Scheduler"}],
        Period=60, EvaluationPeriods=3, DatapointsToAlarm=3, Threshold=1, ComparisonOperator="LessThanThreshold",
        TreatMissingData="breaching", AlarmActions=[notify_topic], OKActions=[notify_topic])
    cloudwatch.put_metric_alarm(
        AlarmName="mute", Namespace="AmazonMWAA", MetricName="MaintenanceMute", Statistic="Maximum",
        Dimensions=[{"Name": "Environment", "Value": "e"}], Period=60, EvaluationPeriods=1, Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold", TreatMissingData="notBreaching")
    cloudwatch.put_composite_alarm(AlarmName="page", AlarmRule='ALARM("hb")', AlarmActions=[page_topic],
                                   OKActions=[page_topic], ActionsSuppressor="mute",
                                   ActionsSuppressorWaitPeriod=60, ActionsSuppressorExtensionPeriod=60)
    t0 = clock.time()
    for minute in range(-6, 0):
        _beat(cloudwatch, t0 + minute * 60 + 5)
    evaluator.evaluate_once()
    assert _states(cloudwatch) == {"hb": "OK", "mute": "OK", "page": "OK"}
    # INSUFFICIENT_DATA -> OK runs the OK actions, as in CloudWatch
    assert [m["NewStateValue"] for m in _messages(sqs, page_queue)] == ["OK"]
    assert [m["OldStateValue"] for m in _messages(sqs, notify_queue)] == ["INSUFFICIENT_DATA"]
    # The heartbeat stops at t0. While real datapoints remain in the 5-period range they
    # count and missing ones are filled as breaching only up to 3: at t0 + 4 min one is
    # left (2 of 3 breach): OK; at t0 + 5 min none (3 of 3): ALARM.
    clock.advance(240)
    evaluator.evaluate_once()
    assert _states(cloudwatch)["hb"] == "OK"
    clock.advance(60)
    evaluator.evaluate_once()
    assert _states(cloudwatch) == {"hb": "ALARM", "mute": "OK", "page": "ALARM"}
    assert _messages(sqs, page_queue) == []  # the composite waits ActionsSuppressorWaitPeriod
    (child,) = [m for m in _messages(sqs, notify_queue) if m["NewStateValue"] == "ALARM"]
    assert child["Trigger"]["MetricName"] == "SchedulerHeartbeat" and child["Trigger"]["Statistic"] == "SUM"
    clock.advance(60)
    evaluator.evaluate_once()
    (page,) = _messages(sqs, page_queue)
    assert page["Subject"] == 'ALARM: "page" in US East (N. Virginia)'
    assert (page["AlarmName"], page["OldStateValue"], page["NewStateValue"]) == ("page", "OK", "ALARM")
    assert page["TriggeringChildren"][0]["Arn"].endswith(":alarm:hb")
    # recovers: OK goes out to the page topic too
    for second in (0, 20, 40):
        _beat(cloudwatch, clock.time() + second - 60)
    _beat(cloudwatch, clock.time() - 120)
    _beat(cloudwatch, clock.time() - 180)
    clock.advance(1)
    evaluator.evaluate_once()
    assert _states(cloudwatch)["page"] == "OK"
    assert [m["NewStateValue"] for m in _messages(sqs, page_queue)] == ["OK"]
    # Muted: maintenance datapoints (1) published ahead for 7 minutes, then 0s, as
    # mwaa-ops alarms mute does; the heartbeat stops again: the page is held back.
    now = clock.time()
    cloudwatch.put_metric_data(Namespace="AmazonMWAA", MetricData=[{
        "MetricName": "MaintenanceMute", "Timestamp": datetime.fromtimestamp(now + k * 60, UTC),
        "Value": 1.0 if k < 7 else 0.0, "Dimensions": [{"Name": "Environment", "Value": "e"}]}
        for k in range(-1, 10)])
    evaluator.evaluate_once()
    assert _states(cloudwatch)["mute"] == "ALARM"
    clock.advance(300)
    evaluator.evaluate_once()
    assert _states(cloudwatch) == {"hb": "ALARM", "mute": "ALARM", "page": "ALARM"}
    assert _messages(sqs, page_queue) == []
    (composite,) = cloudwatch.describe_alarms(AlarmTypes=["CompositeAlarm"])["CompositeAlarms"]
    assert composite["ActionsSuppressedBy"] == "Alarm"
    # The mute's datapoints turn to 0 at now + 7 min: OK; the held page goes out after
    # the extension period (60 s).
    clock.advance(180)
    evaluator.evaluate_once()
    assert _states(cloudwatch)["mute"] == "OK"
    assert _messages(sqs, page_queue) == []
    clock.advance(60)
    evaluator.evaluate_once()
    assert [m["NewStateValue"] for m in _messages(sqs, page_queue)] == ["ALARM"]
    history = cloudwatch.describe_alarm_history(AlarmName="page", HistoryItemType="Action")["AlarmHistoryItems"]
    assert [h["HistorySummary"].split(" arn")[0] for h in history] == ["Successfully executed action"] * 4  # OK, ALARM, OK, ALARM
    updates = cloudwatch.describe_alarm_history(AlarmName="hb", HistoryItemType="StateUpdate")["AlarmHistoryItems"]
    assert [json.loads(h["HistoryData"])["newState"]["stateValue"] for h in updates][:3] == ["ALARM", "OK", "ALARM"]
