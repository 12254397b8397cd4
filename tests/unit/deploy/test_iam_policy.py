"""`mwaa-ops iam-policy`: the table's shape, the rendered policy, and parliament's lint."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mwaa_ops.deploy.iam import Placeholders, build_policy, load_table, parse_features
from mwaa_ops.errors import ConfigError

MWAA_OPS = str(Path(sys.executable).parent / "mwaa-ops")
PARLIAMENT = str(Path(sys.executable).parent / "parliament")


def test_put_metric_data_is_limited_to_the_namespace_by_condition_key() -> None:
    policy = build_policy(["metrics"], Placeholders(namespace="Team/Airflow"))
    put = next(s for s in policy["Statement"] if "cloudwatch:PutMetricData" in s["Action"])
    assert put["Condition"] == {"StringEquals": {"cloudwatch:namespace": "Team/Airflow"}}


def test_environments_expand_to_one_arn_each_and_prefixes_scope_what_mwaa_ops_creates() -> None:
    policy = build_policy(["upgrades", "alarms", "dashboards"], Placeholders(
        environments=("a", "b"), region="eu-west-1", account="111", prefix="ops",
        report_bucket="reports-b"))
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["UpdateMwaaEnvironments"]["Resource"] == [
        "arn:aws:airflow:eu-west-1:111:environment/a", "arn:aws:airflow:eu-west-1:111:environment/b"]
    # Alarms are named <prefix>/<env>/..., topics <prefix>-page and <prefix>-notify.
    assert by_sid["ManageOwnAlarms"]["Resource"] == "arn:aws:cloudwatch:eu-west-1:111:alarm:ops/*"
    assert by_sid["PutOwnAlarms"]["Resource"] == "arn:aws:cloudwatch:eu-west-1:111:alarm:ops/*"
    assert by_sid["CreateOwnTopics"]["Resource"] == "arn:aws:sns:eu-west-1:111:ops-*"
    # The config's upgrades.lease_table default; the audit trail in the report bucket by default.
    assert by_sid["UpgradeLease"]["Resource"] == "arn:aws:dynamodb:eu-west-1:111:table/mwaa-ops-upgrades"
    assert by_sid["StoreUpgradeAudit"]["Resource"] == "arn:aws:s3:::reports-b/mwaa-ops/upgrades/*"
    assert by_sid["ManageOwnDashboards"]["Resource"] == "arn:aws:cloudwatch::111:dashboard/ops-*"
    assert len(by_sid) == len(policy["Statement"])  # each sid once


def test_unknown_feature_is_named() -> None:
    with pytest.raises(ConfigError, match=r"unknown \['dashbords'\].*allowed: metrics"):
        parse_features("metrics,dashbords")


def test_every_statement_is_used_by_some_feature() -> None:
    table = load_table()
    used = {sid for f in table.features.values() for sid in f.statements}
    assert used == set(table.statements)


@pytest.mark.parametrize("features", ["metrics", "metrics,versions", ",".join(load_table().features)])
def test_cli_policy_passes_parliament(features: str) -> None:
    done = subprocess.run([MWAA_OPS, "iam-policy", "--features", features, "--json",
                           "--region", "us-east-1", "--account-id", "123456789012",
                           "--environments", "prod,staging"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    policy = json.loads(done.stdout)
    assert policy["Version"] == "2012-10-17"
    # parliament's --string (its --file exits 2 without a terminal: FIELD-NOTES).
    lint = subprocess.run([PARLIAMENT, "--string", done.stdout, "--json"],
                          capture_output=True, text=True, timeout=120)
    assert not [f for f in map(json.loads, lint.stdout.splitlines()) if not _documented_star(f)], (
        lint.stdout + lint.stderr)


# CloudWatch returns composite alarms (and their history) only to DescribeAlarms /
# DescribeAlarmHistory permissions scoped to "*" (API reference): parliament's RESOURCE_STAR
# (LOW) on exactly these actions is expected; any other finding fails.
DOCUMENTED_STAR = {"cloudwatch:DescribeAlarms", "cloudwatch:DescribeAlarmHistory"}


def _documented_star(finding: dict[str, object]) -> bool:
    detail = finding.get("detail")
    return finding["issue"] == "RESOURCE_STAR" and isinstance(detail, list) and set(detail) <= DOCUMENTED_STAR


def test_parliament_would_catch_a_broad_policy() -> None:
    broad = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "cloudwatch:PutDashboard", "Resource": "*"}]})
    lint = subprocess.run([PARLIAMENT, "--string", broad, "--json"], capture_output=True, text=True, timeout=120)
    assert "RESOURCE_STAR" in lint.stdout
    assert not _documented_star(json.loads(lint.stdout.splitlines()[0]))


def test_cli_human_output_says_which_statements_are_proven() -> None:
    done = subprocess.run([MWAA_OPS, "iam-policy", "--features", "metrics,alarms"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "proven" in done.stderr and "pending" not in done.stderr
    assert json.loads(done.stdout)["Statement"]


def test_default_features_follow_the_config() -> None:
    def default(env: dict[str, str]) -> list[str]:
        import os
        done = subprocess.run([MWAA_OPS, "iam-policy", "--json"], capture_output=True, text=True,
                              timeout=60, env={**os.environ, **env})
        assert done.returncode == 0, done.stderr
        return [s["Sid"] for s in json.loads(done.stdout)["Statement"]]

    def sids(*features: str) -> list[str]:
        return [s["Sid"] for s in build_policy(list(features), Placeholders())["Statement"]]

    metrics_versions = ["PublishMetricsInNamespace", "ListMetricNames", "ReadMetricData",
                        "ListMwaaEnvironments", "ReadMwaaEnvironments"]
    assert sids("metrics", "versions") == metrics_versions
    # The default config enables every job: versions_refresh, weekly_report, dashboards_sync,
    # alarms_sync and upgrade_tick (readiness runs inside reports and upgrades).
    assert default({}) == sids("metrics", "versions", "dashboards", "alarms", "reports", "upgrades")
    assert "UpgradeLease" in default({}) and "ManageOwnDashboards" in default({})
    # A jobs table from the environment replaces the default one (docs/configuration.md).
    assert default({"MWAA_OPS_SCHEDULER__JOBS__VERSIONS_REFRESH__TRIGGER": "cron",
                    "MWAA_OPS_SCHEDULER__JOBS__VERSIONS_REFRESH__CRON": "17 4 * * *"}) == metrics_versions
    assert default({"MWAA_OPS_SCHEDULER__JOBS__WEEKLY_REPORT__ENABLED": "false"}) == [
        "PublishMetricsInNamespace", "ListMetricNames", "ReadMetricData"]
    assert default({"MWAA_OPS_SCHEDULER__JOBS__UPGRADE_TICK__INTERVAL_SECONDS": "300"}) == sids("metrics", "upgrades")


def test_report_bucket_and_prefix_follow_the_config() -> None:
    import os
    done = subprocess.run([MWAA_OPS, "iam-policy", "--features", "reports", "--json"],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "MWAA_OPS_REPORT__BUCKET": "team-reports",
                               "MWAA_OPS_REPORT__PREFIX": "/airflow/weekly/"})
    assert done.returncode == 0, done.stderr
    store = next(s for s in json.loads(done.stdout)["Statement"] if s["Sid"] == "StoreReports")
    assert store["Resource"] == "arn:aws:s3:::team-reports/airflow/weekly/*"


def test_a_report_topic_outside_the_name_prefix_is_named() -> None:
    import os
    done = subprocess.run([MWAA_OPS, "iam-policy", "--features", "reports", "--json"],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "MWAA_OPS_REPORT__SNS_TOPIC_ARN":
                               "arn:aws:sns:us-east-1:123456789012:platform-reports"})
    assert done.returncode == 0, done.stderr
    assert "'platform-reports' is outside the name prefix 'mwaa-ops'" in done.stderr
    json.loads(done.stdout)  # stdout stays the policy alone
