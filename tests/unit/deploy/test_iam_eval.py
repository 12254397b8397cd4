"""The IAM evaluator against hand-written policies and requests (pure logic)."""

from __future__ import annotations

import pytest

from mwaa_ops.aws_calls import describe_call
from mwaa_ops.deploy.iam_eval import Call, UnsupportedPolicy, evaluate, prove

POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Put", "Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*",
     "Condition": {"StringEquals": {"cloudwatch:namespace": "AmazonMWAA"}}},
    {"Sid": "Env", "Effect": "Allow", "Action": ["airflow:GetEnvironment"],
     "Resource": ["arn:aws:airflow:*:*:environment/prod-?"]},
    {"Sid": "Alarms", "Effect": "Allow", "Action": "cloudwatch:*Alarm*",
     "Resource": "arn:aws:cloudwatch:us-east-1:1:alarm:mwaa-ops*"},
    {"Sid": "NoProd9", "Effect": "Deny", "Action": "*",
     "Resource": "arn:aws:airflow:*:*:environment/prod-9"},
]}


@pytest.mark.parametrize(("call", "allowed"), [
    pytest.param(Call("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": "AmazonMWAA"}), True, id="namespace-match"),
    pytest.param(Call("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": "Other"}), False, id="other-namespace"),
    pytest.param(Call("cloudwatch:PutMetricData", "*", {}), False, id="condition-key-missing"),
    pytest.param(Call("CloudWatch:putmetricdata", "*", {"cloudwatch:namespace": "AmazonMWAA"}), True, id="action-case-insensitive"),
    pytest.param(Call("airflow:GetEnvironment", "arn:aws:airflow:eu-west-1:1:environment/prod-1", {}), True, id="resource-wildcards"),
    pytest.param(Call("airflow:GetEnvironment", "arn:aws:airflow:eu-west-1:1:environment/prod-10", {}), False, id="question-mark-is-one-char"),
    pytest.param(Call("airflow:GetEnvironment", "arn:aws:airflow:eu-west-1:1:environment/PROD-1", {}), False, id="arn-case-sensitive"),
    pytest.param(Call("airflow:GetEnvironment", "arn:aws:airflow:eu-west-1:1:environment/prod-9", {}), False, id="explicit-deny-wins"),
    pytest.param(Call("cloudwatch:PutMetricAlarm", "arn:aws:cloudwatch:us-east-1:1:alarm:mwaa-ops-x", {}), True, id="action-wildcard"),
    pytest.param(Call("cloudwatch:PutMetricAlarm", "arn:aws:cloudwatch:us-east-1:1:alarm:theirs", {}), False, id="foreign-alarm"),
    pytest.param(Call("airflow:UpdateEnvironment", "arn:aws:airflow:eu-west-1:1:environment/prod-1", {}), False, id="implicit-deny"),
])
def test_evaluate(call: Call, allowed: bool) -> None:
    assert evaluate(POLICY, call).allowed is allowed


def test_prove_names_refused_calls_and_unneeded_actions() -> None:
    calls = [Call("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": "AmazonMWAA"}),
             Call("airflow:UpdateEnvironment", "arn:aws:airflow:r:1:environment/prod-1", {}),
             Call("sts:GetCallerIdentity", "*", {})]
    proof = prove(POLICY, calls, free_actions=["sts:GetCallerIdentity"])
    assert [c.action for c in proof.denied] == ["airflow:UpdateEnvironment"]
    assert set(proof.unused) == {("Env", "airflow:GetEnvironment"), ("Alarms", "cloudwatch:*Alarm*")}
    assert not proof.complete and not proof.minimal


@pytest.mark.parametrize("statement", [
    pytest.param({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}, id="NotAction"),
    pytest.param({"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                  "Condition": {"ArnLike": {"aws:SourceArn": "x"}}}, id="unknown-operator"),
])
def test_unsupported_elements_are_refused_not_guessed(statement: dict[str, object]) -> None:
    with pytest.raises(UnsupportedPolicy):
        evaluate({"Statement": [statement]}, Call("s3:GetObject", "arn:aws:s3:::b/k", {"aws:SourceArn": "x"}))


@pytest.mark.parametrize(("service", "operation", "params", "expected"), [
    pytest.param("cloudwatch", "PutMetricData", {"Namespace": "AmazonMWAA"},
                 [("cloudwatch:PutMetricData", "*")], id="put-metric-data"),
    pytest.param("airflow", "GetEnvironment", {"Name": "prod"},
                 [("airflow:GetEnvironment", "arn:aws:airflow:eu-west-1:111:environment/prod")], id="mwaa"),
    pytest.param("cloudwatch", "DeleteAlarms", {"AlarmNames": ["a", "b"]},
                 [("cloudwatch:DeleteAlarms", "arn:aws:cloudwatch:eu-west-1:111:alarm:a"),
                  ("cloudwatch:DeleteAlarms", "arn:aws:cloudwatch:eu-west-1:111:alarm:b")], id="one-per-alarm"),
    pytest.param("s3", "GetObject", {"Bucket": "airflow-x", "Key": "requirements.txt", "VersionId": "v1"},
                 [("s3:GetObjectVersion", "arn:aws:s3:::airflow-x/requirements.txt")], id="object-version"),
    pytest.param("s3", "ListObjectsV2", {"Bucket": "airflow-x"},
                 [("s3:ListBucket", "arn:aws:s3:::airflow-x")], id="list-bucket"),
])
def test_describe_call(service: str, operation: str, params: dict[str, object],
                       expected: list[tuple[str, str]]) -> None:
    got = describe_call(service, operation, params, "eu-west-1", "111")
    assert [(e["action"], e["resource"]) for e in got] == expected
    assert not any(e.get("unmapped") for e in got)


def test_unknown_operation_is_recorded_as_unmapped_star() -> None:
    (entry,) = describe_call("ec2", "DescribeInstances", {}, "eu-west-1", "111")
    assert entry["resource"] == "*" and entry["unmapped"] is True
