"""Recording every AWS call a process makes, as IAM sees it: action and resource ARN.

When ``MWAAOPS_RECORD_AWS_CALLS=<file>`` is set, :func:`mwaa_ops.aws.make_client`
installs :func:`install_recorder` on each client it makes, and every API call
(each page of a paginated call too) appends one JSON line to ``<file>``::

    {"action": "cloudwatch:PutMetricData", "resource": "*",
     "context": {"cloudwatch:namespace": "AmazonMWAA"}, "region": "us-east-1"}

Subprocesses inherit the variable, so the agent, the CLI and any child process
record into the same file (appends of one short line are atomic on POSIX).
The IAM completeness-and-minimality test evaluates these records against the
policy ``mwaa-ops iam-policy`` prints (:mod:`mwaa_ops.deploy.iam`).

Resource ARNs follow the Service Authorization Reference of each service; an
operation without a rule here is recorded with ``"resource": "*"`` and
``"unmapped": true`` so a policy scoped to resources refuses it and the gap shows.
A presigned URL (``generate_presigned_url``) is recorded as the call it signs,
with ``"presigned": true``: opening the link is authorised as the signer.
The account in recorded ARNs is ``MWAAOPS_RECORD_ACCOUNT_ID`` or moto's
account ``123456789012`` (what the embedded endpoint answers to).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from typing import Any

# Not MWAA_OPS_*: that prefix is the config's (MWAA_OPS_<KEY> sets a config key).
RECORD_ENV = "MWAAOPS_RECORD_AWS_CALLS"
ACCOUNT_ENV = "MWAAOPS_RECORD_ACCOUNT_ID"
# moto's DEFAULT_ACCOUNT_ID: the account the embedded endpoint answers to.
DEFAULT_ACCOUNT = "123456789012"

# botocore signing name -> IAM service prefix, where they differ.
IAM_PREFIX = {"monitoring": "cloudwatch", "airflow": "airflow"}

_A = "arn:aws"
# (IAM prefix, operation) -> ARN templates, filled from the request's parameters.
# "{Param[]}" expands a list parameter to one ARN per element.
RESOURCES: dict[tuple[str, str], tuple[str, ...]] = {
    ("cloudwatch", "PutDashboard"): (_A + ":cloudwatch::{account}:dashboard/{DashboardName}",),
    ("cloudwatch", "GetDashboard"): (_A + ":cloudwatch::{account}:dashboard/{DashboardName}",),
    ("cloudwatch", "DeleteDashboards"): (_A + ":cloudwatch::{account}:dashboard/{DashboardNames[]}",),
    ("cloudwatch", "PutMetricAlarm"): (_A + ":cloudwatch:{region}:{account}:alarm:{AlarmName}",),
    ("cloudwatch", "PutCompositeAlarm"): (_A + ":cloudwatch:{region}:{account}:alarm:{AlarmName}",),
    ("cloudwatch", "SetAlarmState"): (_A + ":cloudwatch:{region}:{account}:alarm:{AlarmName}",),
    ("cloudwatch", "DeleteAlarms"): (_A + ":cloudwatch:{region}:{account}:alarm:{AlarmNames[]}",),
    ("cloudwatch", "EnableAlarmActions"): (_A + ":cloudwatch:{region}:{account}:alarm:{AlarmNames[]}",),
    ("cloudwatch", "DisableAlarmActions"): (_A + ":cloudwatch:{region}:{account}:alarm:{AlarmNames[]}",),
    # DescribeAlarms and DescribeAlarmHistory: see _alarm_reads().
    ("cloudwatch", "TagResource"): ("{ResourceARN}",),
    ("cloudwatch", "ListTagsForResource"): ("{ResourceARN}",),
    ("airflow", "GetEnvironment"): (_A + ":airflow:{region}:{account}:environment/{Name}",),
    ("airflow", "UpdateEnvironment"): (_A + ":airflow:{region}:{account}:environment/{Name}",),
    ("s3", "GetObject"): (_A + ":s3:::{Bucket}/{Key}",),
    ("s3", "HeadObject"): (_A + ":s3:::{Bucket}/{Key}",),
    ("s3", "PutObject"): (_A + ":s3:::{Bucket}/{Key}",),
    ("s3", "ListObjectsV2"): (_A + ":s3:::{Bucket}",),
    ("sns", "CreateTopic"): (_A + ":sns:{region}:{account}:{Name}",),
    ("sns", "Publish"): ("{TopicArn}",),
    ("sns", "GetTopicAttributes"): ("{TopicArn}",),
    ("sns", "SetTopicAttributes"): ("{TopicArn}",),
    ("sns", "ListSubscriptionsByTopic"): ("{TopicArn}",),
    ("sns", "TagResource"): ("{ResourceArn}",),
    ("sns", "ListTagsForResource"): ("{ResourceArn}",),
    ("dynamodb", "GetItem"): (_A + ":dynamodb:{region}:{account}:table/{TableName}",),
    ("dynamodb", "PutItem"): (_A + ":dynamodb:{region}:{account}:table/{TableName}",),
    ("dynamodb", "UpdateItem"): (_A + ":dynamodb:{region}:{account}:table/{TableName}",),
    ("dynamodb", "DeleteItem"): (_A + ":dynamodb:{region}:{account}:table/{TableName}",),
    ("dynamodb", "DescribeTable"): (_A + ":dynamodb:{region}:{account}:table/{TableName}",),
    ("iam", "SimulatePrincipalPolicy"): ("{PolicySourceArn}",),
}

# Operations that take no resource ARN in IAM (the Service Authorization Reference
# lists no resource type for them): "*" is their only resource.
UNSCOPED: frozenset[tuple[str, str]] = frozenset({
    ("cloudwatch", "PutMetricData"),
    ("cloudwatch", "ListMetrics"),
    ("cloudwatch", "GetMetricData"),
    ("cloudwatch", "GetMetricStatistics"),
    ("cloudwatch", "ListDashboards"),
    ("cloudwatch", "PutAnomalyDetector"),
    ("airflow", "ListEnvironments"),
    ("sns", "ListTopics"),
    ("sts", "GetCallerIdentity"),
})

# CloudWatch API reference, DescribeAlarms and DescribeAlarmHistory: "To use this
# operation and return information about composite alarms, you must be signed on
# with the cloudwatch:DescribeAlarms [DescribeAlarmHistory] permission that is
# scoped to *." Without composite alarms a call reads every alarm it may list
# (``alarm:*``); a history call for one alarm reads that alarm.
ALARM_READS = frozenset({("cloudwatch", "DescribeAlarms"), ("cloudwatch", "DescribeAlarmHistory")})


def _alarm_reads(operation: str, params: Mapping[str, Any]) -> str:
    if "CompositeAlarm" in (params.get("AlarmTypes") or ()):
        return "*"
    if operation == "DescribeAlarmHistory" and params.get("AlarmName"):
        return _A + ":cloudwatch:{region}:{account}:alarm:{AlarmName}"
    return _A + ":cloudwatch:{region}:{account}:alarm:*"


# Creating with tags is also a TagResource request on the new resource (API reference:
# PutMetricAlarm / PutCompositeAlarm "Tags": "you must have the cloudwatch:TagResource
# permission"; SNS CreateTopic "Tags": "you must have the sns:CreateTopic and
# sns:TagResource permissions").
TAG_ON_CREATE = frozenset({
    ("cloudwatch", "PutMetricAlarm"), ("cloudwatch", "PutCompositeAlarm"), ("sns", "CreateTopic"),
})

# DynamoDB TransactWriteItems has no IAM action of its own: each item is authorised as
# the single-item action it performs, on its table (DynamoDB developer guide, "Using IAM
# with DynamoDB transactions").
TRANSACT_WRITE_ACTIONS = {"ConditionCheck": "ConditionCheckItem", "Put": "PutItem",
                          "Update": "UpdateItem", "Delete": "DeleteItem"}


def _transact_write(params: Mapping[str, Any], region: str, account: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in params.get("TransactItems") or ():
        for kind, body in item.items():
            table = body.get("TableName") if isinstance(body, Mapping) else None
            entry: dict[str, Any] = {"action": f"dynamodb:{TRANSACT_WRITE_ACTIONS.get(kind, kind)}",
                                     "resource": f"{_A}:dynamodb:{region}:{account}:table/{table}",
                                     "context": {}, "region": region}
            if kind not in TRANSACT_WRITE_ACTIONS or not table:
                entry.update(resource="*", unmapped=True)
            out.append(entry)
    return out


# Operations whose IAM action is not named after them.
ACTION_NAMES: dict[tuple[str, str], str] = {
    ("s3", "ListObjectsV2"): "ListBucket",
    ("s3", "HeadObject"): "GetObject",
}


def iam_prefix(signing_name: str) -> str:
    return IAM_PREFIX.get(signing_name, signing_name)


def describe_call(
    prefix: str, operation: str, params: Mapping[str, Any], region: str, account: str
) -> list[dict[str, Any]]:
    """The IAM requests one API call makes: ``[{"action", "resource", "context"}]``.

    One entry per resource (a ``DeleteAlarms`` of three alarms is three requests).
    """
    key = (prefix, operation)
    if key == ("dynamodb", "TransactWriteItems"):
        return _transact_write(params, region, account)
    action_name = ACTION_NAMES.get(key, operation)
    if prefix == "s3" and operation == "GetObject" and params.get("VersionId"):
        action_name = "GetObjectVersion"
    action = f"{prefix}:{action_name}"
    context: dict[str, str] = {}
    if key == ("cloudwatch", "PutMetricData"):
        context["cloudwatch:namespace"] = str(params.get("Namespace", ""))
    templates = (_alarm_reads(operation, params),) if key in ALARM_READS else RESOURCES.get(key, ("*",))
    unmapped = key not in RESOURCES and key not in UNSCOPED and key not in ALARM_READS
    arns: list[str] = []
    for template in templates:
        values = {"region": region, "account": account}
        listed = [name for name in params if "{" + name + "[]}" in template]
        if listed:
            name = listed[0]
            for item in params.get(name) or ():
                arns.append(template.replace("{" + name + "[]}", str(item)).format(
                    **values, **{k: v for k, v in params.items() if k != name}))
        else:
            try:
                arns.append(template.format(**values, **params))
            except (KeyError, IndexError):
                arns.append("*")
                unmapped = True
    actions = [action]
    if key in TAG_ON_CREATE and params.get("Tags"):
        actions.append(f"{prefix}:TagResource")
    out = []
    for name in actions:
        for arn in arns or ["*"]:
            entry: dict[str, Any] = {"action": name, "resource": arn, "context": context,
                                     "region": region}
            if unmapped:
                entry["unmapped"] = True
            out.append(entry)
    return out


_write_lock = threading.Lock()


def install_recorder(client: Any, path: str) -> None:
    """Append each call ``client`` makes to ``path`` as JSON lines (see module doc)."""
    account = os.environ.get(ACCOUNT_ENV) or DEFAULT_ACCOUNT
    prefix = iam_prefix(client.meta.service_model.signing_name)
    region = client.meta.region_name or ""

    def record(params: Mapping[str, Any], model: Any, context: Mapping[str, Any] | None = None,
               **_: Any) -> None:
        entries = describe_call(prefix, model.name, params, region, account)
        if context and context.get("is_presign_request"):
            # A presigned URL is no call now, but whoever opens it acts with the
            # signer's permissions: the agent's policy must allow it.
            for entry in entries:
                entry["presigned"] = True
        lines = "".join(json.dumps(entry, sort_keys=True) + "\n" for entry in entries)
        with _write_lock, open(path, "a", encoding="utf-8") as handle:
            handle.write(lines)

    client.meta.events.register("before-parameter-build.*.*", record)
