"""The CloudFormation template and the Terraform module, built from the permissions table.

Both create what mwaa-ops needs in an account: the agent's IAM role with the
least-privilege policy of ``permissions.yaml`` (all features), the SNS topics
alarms page and notify through (``<prefix>-page``, ``<prefix>-notify``), the DynamoDB
table of upgrade leases, runs and approvals (``<prefix>-upgrades``, key ``pk``) and
the S3 bucket of reports and the upgrade audit trail, with parameters/variables for the environment names,
namespace, name prefix, DAG bucket and notification endpoints.
``deploy/cloudformation/mwaa-ops.yaml`` and ``deploy/terraform/main.tf.json``
are these functions' output (a test keeps them equal).

CloudFormation cannot map a list parameter to one ARN per element inside a
statement (``Fn::Join``'s delimiter and ``Fn::Sub``'s template must be literals),
so the statements scoped to named environments go into one inline policy per
environment with ``Fn::ForEach`` (the ``AWS::LanguageExtensions`` transform).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from mwaa_ops.deploy.iam import (
    DEFAULT_AUDIT_PREFIX,
    DEFAULT_PREFIX,
    DEFAULT_REPORT_PREFIX,
    Statement,
    statements_for,
)

# Where the agent's role can be assumed from: ECS tasks and EKS Pod Identity.
TRUSTED_SERVICES = ("ecs-tasks.amazonaws.com", "pods.eks.amazonaws.com")
# <NamePrefix>-<suffix>: the config's defaults alarms.topics / upgrades.page_topic, notify_topic
# ("mwaa-ops-page", "mwaa-ops-notify").
TOPICS = {"page": "PagingTopic", "notify": "NotifyTopic"}
# The upgrade store's table: <NamePrefix>-upgrades (config upgrades.lease_table), partition key
# "pk" (mwaa_ops/upgrades/store.py).
LEASE_TABLE_SUFFIX = "upgrades"
LEASE_KEY = "pk"

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")

CFN_VALUES = {
    "partition": "${AWS::Partition}", "region": "${AWS::Region}", "account": "${AWS::AccountId}",
    "namespace": "${Namespace}", "prefix": "${NamePrefix}", "dag_bucket": "${DagBucketName}",
    "report_bucket": "${ReportBucket}", "report_prefix": "${ReportPrefix}",
    "lease_table": "${LeaseTable}", "environment": "${Env}",
    "audit_bucket": "${ReportBucket}", "audit_prefix": "${AuditPrefix}",
}
TF_VALUES = {
    "partition": "${data.aws_partition.current.partition}",
    "region": "${data.aws_region.current.name}",
    "account": "${data.aws_caller_identity.current.account_id}",
    "namespace": "${var.namespace}", "prefix": "${var.name_prefix}",
    "dag_bucket": "${var.dag_bucket_name}", "report_bucket": "${aws_s3_bucket.reports.bucket}",
    "report_prefix": "${var.report_prefix}", "lease_table": "${aws_dynamodb_table.leases.name}",
    "environment": "${e}",
    "audit_bucket": "${aws_s3_bucket.reports.bucket}", "audit_prefix": "${var.audit_prefix}",
}


def _fill(text: str, values: Mapping[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def _statement(s: Statement, values: Mapping[str, str], wrap: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"Sid": s.sid, "Effect": "Allow", "Action": sorted(s.actions),
                           "Resource": [wrap(_fill(r, values)) for r in s.resources]}
    if s.condition:
        out["Condition"] = {op: {k: wrap(_fill(v, values)) for k, v in keys.items()}
                            for op, keys in s.condition.items()}
    return out


def _per_environment(statement: Statement) -> bool:
    return any("{environment}" in r for r in statement.resources)


def _features_all() -> list[str]:
    from mwaa_ops.deploy.iam import feature_names

    return list(feature_names())


def cloudformation(features: Sequence[str] | None = None) -> dict[str, Any]:
    """The template, as a dict (YAML- and JSON-serialisable)."""
    chosen = list(features or _features_all())
    statements = statements_for(chosen)

    def sub(text: str) -> Any:
        return {"Fn::Sub": text} if "${" in text else text

    shared = [_statement(s, CFN_VALUES, sub) for s in statements if not _per_environment(s)]
    scoped = [_statement(s, CFN_VALUES, sub) for s in statements if _per_environment(s)]
    resources: dict[str, Any] = {
        "AgentRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": {"Fn::Sub": "${NamePrefix}-agent"},
                "Description": "mwaa-ops sidecar: least privilege (mwaa-ops iam-policy)",
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": {"Service": list(TRUSTED_SERVICES)},
                    "Action": ["sts:AssumeRole", "sts:TagSession"]}]},
                "Policies": [{"PolicyName": "mwaa-ops",
                              "PolicyDocument": {"Version": "2012-10-17", "Statement": shared}}],
                "Tags": [{"Key": "managed-by", "Value": "mwaa-ops"}],
            },
        },
        "Fn::ForEach::EnvironmentPolicies": ["Env", {"Ref": "EnvironmentNames"}, {
            "EnvironmentPolicy&{Env}": {
                "Type": "AWS::IAM::RolePolicy",
                "Properties": {
                    "RoleName": {"Ref": "AgentRole"},
                    "PolicyName": {"Fn::Sub": "mwaa-ops-${Env}"},
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": scoped},
                },
            }}],
        "LeaseTable": {
            "Type": "AWS::DynamoDB::Table",
            "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
            "Properties": {
                "TableName": {"Fn::Sub": f"${{NamePrefix}}-{LEASE_TABLE_SUFFIX}"},
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": LEASE_KEY, "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": LEASE_KEY, "KeyType": "HASH"}],
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                "Tags": [{"Key": "managed-by", "Value": "mwaa-ops"}],
            },
        },
        "ReportBucket": {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
            "Properties": {
                "BucketName": {"Fn::Sub": "${NamePrefix}-reports-${AWS::AccountId}-${AWS::Region}"},
                "BucketEncryption": {"ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True, "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
                "VersioningConfiguration": {"Status": "Enabled"},
                "Tags": [{"Key": "managed-by", "Value": "mwaa-ops"}],
            },
        },
    }
    for suffix, logical in TOPICS.items():
        resources[logical] = {"Type": "AWS::SNS::Topic", "Properties": {
            # Exactly the tags alarms apply creates topics with (CreateTopic of an existing
            # topic with other tags fails).
            "TopicName": {"Fn::Sub": f"${{NamePrefix}}-{suffix}"},
            "Tags": [{"Key": "managed-by", "Value": "mwaa-ops"}]}}
        endpoint = f"{logical.replace('Topic', '')}Endpoint"
        resources[f"{logical}Subscription"] = {
            "Type": "AWS::SNS::Subscription", "Condition": f"Has{endpoint}",
            "Properties": {"TopicArn": {"Ref": logical}, "Protocol": {"Ref": "NotificationProtocol"},
                           "Endpoint": {"Ref": endpoint}}}
    resources["TopicsPolicy"] = {"Type": "AWS::SNS::TopicPolicy", "Properties": {
        "Topics": [{"Ref": t} for t in TOPICS.values()],
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Sid": "CloudWatchAlarmsPublish", "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"}, "Action": "sns:Publish",
            "Resource": [{"Ref": t} for t in TOPICS.values()],
            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}}]}}}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::LanguageExtensions",
        "Description": "mwaa-ops: the agent's least-privilege role, alarm topics, upgrade lease "
                       "table and report bucket (generated by mwaa_ops/deploy/infra.py)",
        "Parameters": {
            "EnvironmentNames": {"Type": "CommaDelimitedList", "Default": "local",
                                 "Description": "MWAA environment names the agent may read and upgrade"},
            "Namespace": {"Type": "String", "Default": "AmazonMWAA",
                          "Description": "CloudWatch namespace the agent publishes in (config: namespace)"},
            "NamePrefix": {"Type": "String", "Default": DEFAULT_PREFIX,
                           "AllowedPattern": "^[a-z][a-z0-9-]{0,30}$",
                           "Description": "Prefix of the role, topics, table, bucket, dashboards and alarms"},
            "DagBucketName": {"Type": "String", "Default": "airflow-*",
                              "Description": "MWAA's source bucket (names start with airflow-)"},
            "ReportPrefix": {"Type": "String", "Default": DEFAULT_REPORT_PREFIX,
                             "Description": "Key prefix of the weekly reports (config report.prefix + /)"},
            "AuditPrefix": {"Type": "String", "Default": DEFAULT_AUDIT_PREFIX,
                            "Description": "Key prefix of the upgrade audit trail in the report bucket "
                                           "(config upgrades.audit_prefix + /)"},
            "NotificationProtocol": {"Type": "String", "Default": "email",
                                     "AllowedValues": ["email", "https", "sqs", "lambda"]},
            "PagingEndpoint": {"Type": "String", "Default": "",
                               "Description": "Subscribed to the paging topic; empty: none"},
            "NotifyEndpoint": {"Type": "String", "Default": "",
                               "Description": "Subscribed to the notify topic; empty: none"},
        },
        "Conditions": {
            "HasPagingEndpoint": {"Fn::Not": [{"Fn::Equals": [{"Ref": "PagingEndpoint"}, ""]}]},
            "HasNotifyEndpoint": {"Fn::Not": [{"Fn::Equals": [{"Ref": "NotifyEndpoint"}, ""]}]},
        },
        "Resources": resources,
        "Outputs": {
            "RoleArn": {"Value": {"Fn::GetAtt": ["AgentRole", "Arn"]},
                        "Description": "Give it to the sidecar (ECS taskRoleArn, EKS Pod Identity)"},
            "PagingTopicArn": {"Value": {"Ref": "PagingTopic"}},
            "NotifyTopicArn": {"Value": {"Ref": "NotifyTopic"}},
            "LeaseTableName": {"Value": {"Ref": "LeaseTable"}},
            "ReportBucketName": {"Value": {"Ref": "ReportBucket"}},
        },
    }


def terraform(features: Sequence[str] | None = None) -> dict[str, Any]:
    """The same as a Terraform module in JSON syntax (``main.tf.json``)."""
    chosen = list(features or _features_all())
    statements = []
    for s in statements_for(chosen):
        rendered = _statement(s, TF_VALUES, lambda text: text)
        if _per_environment(s):
            # One ARN per name: an HCL for-expression (a string that is one interpolation
            # keeps the expression's type, here a list).
            arns = ", ".join(f'"{_fill(r, TF_VALUES)}"' for r in s.resources)
            rendered["Resource"] = f"${{flatten([for e in var.environment_names : [{arns}]])}}"
        statements.append(rendered)
    tags = {"managed-by": "mwaa-ops"}
    return {
        "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": ">= 5.0"}}},
        "variable": {
            "environment_names": {"type": "list(string)", "default": ["local"],
                                  "description": "MWAA environment names the agent may read and upgrade"},
            "namespace": {"type": "string", "default": "AmazonMWAA"},
            "name_prefix": {"type": "string", "default": DEFAULT_PREFIX},
            "dag_bucket_name": {"type": "string", "default": "airflow-*"},
            "report_prefix": {"type": "string", "default": DEFAULT_REPORT_PREFIX},
            "audit_prefix": {"type": "string", "default": DEFAULT_AUDIT_PREFIX},
            "notification_protocol": {"type": "string", "default": "email"},
            "paging_endpoint": {"type": "string", "default": ""},
            "notify_endpoint": {"type": "string", "default": ""},
        },
        "data": {"aws_partition": {"current": {}}, "aws_region": {"current": {}},
                 "aws_caller_identity": {"current": {}}},
        "locals": {
            "policy": {"Version": "2012-10-17", "Statement": statements},
            "trust": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": list(TRUSTED_SERVICES)},
                "Action": ["sts:AssumeRole", "sts:TagSession"]}]},
        },
        "resource": {
            "aws_iam_role": {"agent": {
                "name": "${var.name_prefix}-agent",
                "description": "mwaa-ops sidecar: least privilege (mwaa-ops iam-policy)",
                "assume_role_policy": "${jsonencode(local.trust)}",
                "tags": tags}},
            "aws_iam_role_policy": {"agent": {
                "name": "mwaa-ops", "role": "${aws_iam_role.agent.id}",
                "policy": "${jsonencode(local.policy)}"}},
            "aws_sns_topic": {
                "page": {"name": "${var.name_prefix}-page", "tags": tags},
                "notify": {"name": "${var.name_prefix}-notify", "tags": tags}},
            "aws_sns_topic_subscription": {
                "paging": {"count": "${var.paging_endpoint == \"\" ? 0 : 1}",
                           "topic_arn": "${aws_sns_topic.page.arn}",
                           "protocol": "${var.notification_protocol}", "endpoint": "${var.paging_endpoint}"},
                "notify": {"count": "${var.notify_endpoint == \"\" ? 0 : 1}",
                           "topic_arn": "${aws_sns_topic.notify.arn}",
                           "protocol": "${var.notification_protocol}", "endpoint": "${var.notify_endpoint}"}},
            "aws_dynamodb_table": {"leases": {
                "name": f"${{var.name_prefix}}-{LEASE_TABLE_SUFFIX}", "billing_mode": "PAY_PER_REQUEST",
                "hash_key": LEASE_KEY,
                "attribute": [{"name": LEASE_KEY, "type": "S"}],
                "point_in_time_recovery": {"enabled": True}, "tags": tags}},
            "aws_s3_bucket": {"reports": {
                "bucket": "${var.name_prefix}-reports-${data.aws_caller_identity.current.account_id}-"
                          "${data.aws_region.current.name}", "tags": tags}},
            "aws_s3_bucket_public_access_block": {"reports": {
                "bucket": "${aws_s3_bucket.reports.id}", "block_public_acls": True,
                "block_public_policy": True, "ignore_public_acls": True, "restrict_public_buckets": True}},
            "aws_s3_bucket_versioning": {"reports": {
                "bucket": "${aws_s3_bucket.reports.id}", "versioning_configuration": {"status": "Enabled"}}},
        },
        "output": {
            "role_arn": {"value": "${aws_iam_role.agent.arn}"},
            "paging_topic_arn": {"value": "${aws_sns_topic.page.arn}"},
            "notify_topic_arn": {"value": "${aws_sns_topic.notify.arn}"},
            "lease_table_name": {"value": "${aws_dynamodb_table.leases.name}"},
            "report_bucket_name": {"value": "${aws_s3_bucket.reports.bucket}"},
        },
    }
