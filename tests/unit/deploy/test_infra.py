"""CloudFormation (cfn-lint) and Terraform: generated from the permissions table, in sync."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from mwaa_ops.deploy.iam import Placeholders, build_policy, feature_names
from mwaa_ops.deploy.infra import cloudformation, terraform

ROOT = Path(__file__).resolve().parents[3]
CFN = ROOT / "deploy" / "cloudformation" / "mwaa-ops.yaml"
TF = ROOT / "deploy" / "terraform" / "main.tf.json"
CFN_LINT = str(Path(sys.executable).parent / "cfn-lint")


def test_committed_files_are_the_generated_ones() -> None:
    assert yaml.safe_load(CFN.read_text()) == cloudformation()
    assert json.loads(TF.read_text()) == terraform()


def test_cfn_lint_passes() -> None:
    done = subprocess.run([CFN_LINT, str(CFN)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_cfn_lint_would_catch_a_mistake_inside_the_per_environment_policies(tmp_path: Path) -> None:
    broken = copy.deepcopy(cloudformation())
    block = broken["Resources"]["Fn::ForEach::EnvironmentPolicies"][2]
    block["EnvironmentPolicy&{Env}"]["Properties"]["PolicyNam"] = "typo"
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken))
    done = subprocess.run([CFN_LINT, str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode != 0 and "PolicyNam" in done.stdout


def _sub(node: Any, values: dict[str, str]) -> Any:
    """Evaluate the template's Fn::Sub the way CloudFormation would, for known values."""
    if isinstance(node, dict):
        if set(node) == {"Fn::Sub"}:
            return re.sub(r"\$\{([^}]+)\}", lambda m: values[m.group(1)], node["Fn::Sub"])
        return {k: _sub(v, values) for k, v in node.items()}
    if isinstance(node, list):
        return [_sub(v, values) for v in node]
    return node


def test_cloudformation_grants_exactly_what_iam_policy_prints() -> None:
    envs = ("prod", "staging")
    where = Placeholders(region="eu-west-1", account="111122223333", environments=envs,
                         report_bucket="mwaa-ops-reports-111122223333-eu-west-1")
    values = {"AWS::Partition": "aws", "AWS::Region": "eu-west-1", "AWS::AccountId": "111122223333",
              "Namespace": "AmazonMWAA", "NamePrefix": "mwaa-ops", "DagBucketName": "airflow-*",
              "ReportPrefix": "mwaa-ops/reports/", "ReportBucket": where.report_bucket,
              "LeaseTable": "mwaa-ops-upgrades", "AuditPrefix": "mwaa-ops/upgrades/"}
    resources = cloudformation()["Resources"]
    granted: dict[str, dict[str, Any]] = {}
    for statement in resources["AgentRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]:
        granted[statement["Sid"]] = _sub(statement, values)
    scoped = resources["Fn::ForEach::EnvironmentPolicies"][2]["EnvironmentPolicy&{Env}"]
    for env in envs:  # what Fn::ForEach expands to
        for statement in scoped["Properties"]["PolicyDocument"]["Statement"]:
            got = _sub(statement, {**values, "Env": env})
            granted.setdefault(got["Sid"], {**got, "Resource": []})["Resource"] += got["Resource"]
    expected = build_policy(list(feature_names()), where)["Statement"]
    for statement in expected:
        resource = statement["Resource"]
        statement["Resource"] = resource if isinstance(resource, list) else [resource]
    assert {s["Sid"]: s for s in expected} == granted


def test_terraform_references_are_declared() -> None:
    module = terraform()
    text = json.dumps(module)
    declared_vars = set(module["variable"])
    for name in re.findall(r"var\.([a-z_]+)", text):
        assert name in declared_vars, name
    for kind, name in re.findall(r"(?<!data\.)\b(aws_[a-z0-9_]+)\.([a-z_]+)\.", text):
        assert name in module["resource"].get(kind, {}), f"{kind}.{name}"
    for kind, name in re.findall(r"data\.(aws_[a-z_]+)\.([a-z_]+)", text):
        assert name in module["data"][kind], f"data.{kind}.{name}"
    sids = [s["Sid"] for s in module["locals"]["policy"]["Statement"]]
    assert sids == [s["Sid"] for s in build_policy(list(feature_names()), Placeholders())["Statement"]]


@pytest.mark.parametrize("target", ["cloudformation", "terraform"])
def test_cli_renders_infra(target: str) -> None:
    done = subprocess.run([str(Path(sys.executable).parent / "mwaa-ops"), "deploy", "render",
                           "--target", target, "--json"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == (cloudformation() if target == "cloudformation" else terraform())


def test_the_templates_create_what_the_config_defaults_name() -> None:
    """One naming scheme: with the default NamePrefix the template's table, topics and prefixes
    are the ones the code uses by default (docs/deploy.md, "Naming")."""
    from mwaa_ops.config import Config
    from mwaa_ops.deploy.iam import (
        DEFAULT_AUDIT_PREFIX,
        DEFAULT_LEASE_TABLE,
        DEFAULT_PREFIX,
        report_prefix_pattern,
    )

    config = Config()
    values = {"NamePrefix": DEFAULT_PREFIX}
    resources = cloudformation()["Resources"]
    table = resources["LeaseTable"]["Properties"]
    assert _sub(table["TableName"], values) == config.upgrades.lease_table == DEFAULT_LEASE_TABLE
    # mwaa_ops/upgrades/store.py writes items keyed "pk".
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    topics = {_sub(r["Properties"]["TopicName"], values) for r in resources.values()
              if isinstance(r, dict) and r.get("Type") == "AWS::SNS::Topic"}
    assert topics == {*config.alarms.topics.values(), config.upgrades.page_topic, config.upgrades.notify_topic}
    assert config.dashboards.prefix == DEFAULT_PREFIX + "-" and config.alarms.name_prefix == DEFAULT_PREFIX
    assert report_prefix_pattern(config.upgrades.audit_prefix) == DEFAULT_AUDIT_PREFIX
    module = terraform()["resource"]
    assert module["aws_dynamodb_table"]["leases"]["hash_key"] == "pk"
    assert {t["name"].replace("${var.name_prefix}", DEFAULT_PREFIX)
            for t in module["aws_sns_topic"].values()} == topics
