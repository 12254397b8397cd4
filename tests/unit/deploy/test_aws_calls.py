"""How recorded calls map to IAM requests (mwaa_ops/aws_calls.py): alarm reads, presigned links."""

from __future__ import annotations

import json
from pathlib import Path

import boto3

from mwaa_ops.aws_calls import describe_call, install_recorder

ALARMS = "arn:aws:cloudwatch:eu-west-1:111:alarm:"


def _resources(operation: str, **params: object) -> list[str]:
    return [e["resource"] for e in describe_call("cloudwatch", operation, params, "eu-west-1", "111")]


def test_composite_alarm_reads_are_requests_on_star_as_cloudwatch_documents() -> None:
    both = ["MetricAlarm", "CompositeAlarm"]
    assert _resources("DescribeAlarms", AlarmTypes=both) == ["*"]
    assert _resources("DescribeAlarmHistory", AlarmTypes=both) == ["*"]
    assert _resources("DescribeAlarms", StateValue="ALARM") == [ALARMS + "*"]
    assert _resources("DescribeAlarmHistory") == [ALARMS + "*"]
    assert _resources("DescribeAlarmHistory", AlarmName="mwaa-ops-x") == [ALARMS + "mwaa-ops-x"]
    entries = describe_call("cloudwatch", "DescribeAlarms", {"AlarmTypes": both}, "eu-west-1", "111")
    assert not any(e.get("unmapped") for e in entries)


def test_creating_with_tags_is_also_a_tag_resource_request() -> None:
    tags = [{"Key": "managed-by", "Value": "mwaa-ops"}]
    alarm = describe_call("cloudwatch", "PutMetricAlarm", {"AlarmName": "mwaa-ops-a", "Tags": tags},
                          "eu-west-1", "111")
    assert [(e["action"], e["resource"]) for e in alarm] == [
        ("cloudwatch:PutMetricAlarm", ALARMS + "mwaa-ops-a"), ("cloudwatch:TagResource", ALARMS + "mwaa-ops-a")]
    topic = describe_call("sns", "CreateTopic", {"Name": "mwaa-ops-critical", "Tags": tags}, "eu-west-1", "111")
    assert [e["action"] for e in topic] == ["sns:CreateTopic", "sns:TagResource"]
    untagged = describe_call("sns", "CreateTopic", {"Name": "mwaa-ops-critical"}, "eu-west-1", "111")
    assert [e["action"] for e in untagged] == ["sns:CreateTopic"]


def test_an_operation_without_a_mapping_is_marked_unmapped() -> None:
    (entry,) = describe_call("cloudwatch", "PutInsightRule", {"RuleName": "r"}, "eu-west-1", "111")
    assert entry["resource"] == "*" and entry["unmapped"] is True


def test_a_presigned_link_is_recorded_as_the_read_it_authorises(tmp_path: Path) -> None:
    record = tmp_path / "calls.jsonl"
    s3 = boto3.client("s3", region_name="us-east-1", aws_access_key_id="testing",
                      aws_secret_access_key="testing")
    install_recorder(s3, str(record))
    s3.generate_presigned_url("get_object", Params={"Bucket": "reports", "Key": "a/report.html"},
                              ExpiresIn=60)
    (line,) = [json.loads(x) for x in record.read_text().splitlines()]
    assert line["action"] == "s3:GetObject" and line["resource"] == "arn:aws:s3:::reports/a/report.html"
    assert line["presigned"] is True


def test_a_transaction_is_one_request_per_item_with_the_item_action() -> None:
    table = "arn:aws:dynamodb:eu-west-1:111:table/"
    entries = describe_call("dynamodb", "TransactWriteItems", {"TransactItems": [
        {"ConditionCheck": {"TableName": "mwaa-ops-upgrades", "Key": {}, "ConditionExpression": "x"}},
        {"Put": {"TableName": "mwaa-ops-upgrades", "Item": {}}},
        {"Delete": {"TableName": "other", "Key": {}}},
    ]}, "eu-west-1", "111")
    assert [(e["action"], e["resource"]) for e in entries] == [
        ("dynamodb:ConditionCheckItem", table + "mwaa-ops-upgrades"),
        ("dynamodb:PutItem", table + "mwaa-ops-upgrades"), ("dynamodb:DeleteItem", table + "other")]
    assert not any(e.get("unmapped") for e in entries)
    odd = describe_call("dynamodb", "TransactWriteItems", {"TransactItems": [{"Frobnicate": {}}]},
                        "eu-west-1", "111")
    assert odd[0]["unmapped"] and odd[0]["resource"] == "*"
