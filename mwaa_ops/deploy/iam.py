"""The least-privilege IAM policy of mwaa-ops, built from a table kept as data.

``permissions.yaml`` (next to this module) maps each feature to the statements it
needs; :func:`build_policy` fills the placeholders for one deployment and returns
an IAM policy document (``{"Version": "2012-10-17", "Statement": [...]}``), each
statement once, in the table's order. The same table feeds the CloudFormation
template and the Terraform module (:mod:`mwaa_ops.deploy.infra`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from mwaa_ops.errors import ConfigError

POLICY_VERSION = "2012-10-17"
DEFAULT_PREFIX = "mwaa-ops"
# MWAA requires its source bucket's name to start with "airflow-" (CreateEnvironment,
# SourceBucketArn).
DEFAULT_DAG_BUCKET = "airflow-*"
# The config's report.prefix default ("mwaa-ops/reports"; keys are <prefix>/<date>/<file>).
DEFAULT_REPORT_PREFIX = "mwaa-ops/reports/"
# The config's upgrades.lease_table default (partition key "pk"; docs/upgrades.md).
DEFAULT_LEASE_TABLE = "mwaa-ops-upgrades"
# The config's upgrades.audit_prefix default ("mwaa-ops/upgrades"; keys <prefix>/<env>/<run>.jsonl).
DEFAULT_AUDIT_PREFIX = "mwaa-ops/upgrades/"


@dataclass(frozen=True)
class Statement:
    """One row of the table: ``actions`` on ``resources`` (ARN patterns with placeholders)."""

    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    condition: Mapping[str, Mapping[str, str]]
    why: str


@dataclass(frozen=True)
class Feature:
    name: str
    statements: tuple[str, ...]
    proof: str
    enabled_by: str = ""

    @property
    def proven(self) -> bool:
        return self.proof == "scenario"


@dataclass(frozen=True)
class PermissionTable:
    statements: Mapping[str, Statement]
    features: Mapping[str, Feature]
    no_permission_needed: frozenset[str]


@dataclass(frozen=True)
class Placeholders:
    """Values for the table's placeholders; ``"*"`` where the deployment is not known."""

    namespace: str = "AmazonMWAA"
    environments: tuple[str, ...] = ("local",)
    partition: str = "aws"
    region: str = "*"
    account: str = "*"
    prefix: str = DEFAULT_PREFIX
    dag_bucket: str = DEFAULT_DAG_BUCKET
    report_bucket: str = "mwaa-ops-reports-*"
    report_prefix: str = DEFAULT_REPORT_PREFIX
    lease_table: str = DEFAULT_LEASE_TABLE
    audit_bucket: str = ""  # "" -> the report bucket (the template keeps the trail there)
    audit_prefix: str = DEFAULT_AUDIT_PREFIX
    extra: Mapping[str, str] = field(default_factory=dict)

    def values(self) -> dict[str, str]:
        return {
            "namespace": self.namespace, "partition": self.partition, "region": self.region,
            "account": self.account, "prefix": self.prefix, "dag_bucket": self.dag_bucket,
            "report_bucket": self.report_bucket, "report_prefix": self.report_prefix,
            "lease_table": self.lease_table, "audit_bucket": self.audit_bucket or self.report_bucket,
            "audit_prefix": self.audit_prefix, **self.extra,
        }


def _parse(data: Any, where: str) -> PermissionTable:
    try:
        statements = {
            sid: Statement(
                sid=sid,
                actions=tuple(row["actions"]),
                resources=tuple(row["resources"]),
                condition=row.get("condition") or {},
                why=str(row.get("why", "")),
            )
            for sid, row in data["statements"].items()
        }
        features = {
            name: Feature(name, tuple(row["statements"]), str(row["proof"]),
                          str(row.get("enabled_by") or ""))
            for name, row in data["features"].items()
        }
    except (KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"{where}: malformed permissions table ({exc!r})") from None
    for feature in features.values():
        unknown = [sid for sid in feature.statements if sid not in statements]
        if unknown:
            raise ConfigError(f"{where}: feature {feature.name!r} names unknown statements {unknown}")
    return PermissionTable(statements, features, frozenset(data.get("no_permission_needed") or ()))


@functools.cache
def load_table() -> PermissionTable:
    """The shipped table (``mwaa_ops/deploy/permissions.yaml``)."""
    text = resources.files("mwaa_ops.deploy").joinpath("permissions.yaml").read_text("utf-8")
    return _parse(yaml.safe_load(text), "mwaa_ops/deploy/permissions.yaml")


def feature_names() -> tuple[str, ...]:
    return tuple(load_table().features)


def enabled_features(enabled_jobs: Iterable[str]) -> tuple[str, ...]:
    """The features the agent's config turns on (``enabled_by`` in the table)."""
    jobs = set(enabled_jobs)
    return tuple(
        name for name, f in load_table().features.items()
        if f.enabled_by == "always" or (f.enabled_by.startswith("job:") and f.enabled_by[4:] in jobs)
    )


def parse_features(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """``"metrics,versions"`` → the named features, checked; ``None`` → all of them."""
    table = load_table()
    if value is None:
        return tuple(table.features)
    names = [v.strip() for v in (value.split(",") if isinstance(value, str) else value) if v.strip()]
    unknown = [n for n in names if n not in table.features]
    if unknown or not names:
        raise ConfigError(
            f"--features {','.join(names) or repr('')}: unknown {unknown or 'empty'}; "
            f"allowed: {', '.join(table.features)}"
        )
    return tuple(dict.fromkeys(names))


def statements_for(features: Sequence[str]) -> list[Statement]:
    """The statements the features need, each once, in the table's order."""
    table = load_table()
    wanted = {sid for name in features for sid in table.features[name].statements}
    return [s for sid, s in table.statements.items() if sid in wanted]


def report_prefix_pattern(prefix: str) -> str:
    """The config's ``report.prefix`` as the ARN prefix of the keys the report job writes.

    ``"mwaa-ops/reports"`` → ``"mwaa-ops/reports/"``; ``""`` (the bucket's root) → ``""``.
    """
    stripped = prefix.strip("/")
    return f"{stripped}/" if stripped else ""


def _fill(text: str, values: Mapping[str, str]) -> str:
    return text.format(**values)


def build_policy(features: Sequence[str], where: Placeholders) -> dict[str, Any]:
    """The IAM policy document for ``features`` in one deployment.

    ``{environment}`` in a resource expands to one ARN per name in
    ``where.environments``; every other placeholder to its value.
    """
    values = where.values()
    out: list[dict[str, Any]] = []
    for statement in statements_for(features):
        arns: list[str] = []
        for pattern in statement.resources:
            if "{environment}" in pattern:
                arns.extend(_fill(pattern, {**values, "environment": env}) for env in where.environments)
            else:
                arns.append(_fill(pattern, values))
        rendered: dict[str, Any] = {
            "Sid": statement.sid,
            "Effect": "Allow",
            "Action": sorted(statement.actions),
            "Resource": arns[0] if len(arns) == 1 else arns,
        }
        if statement.condition:
            rendered["Condition"] = {
                op: {key: _fill(value, values) for key, value in keys.items()}
                for op, keys in statement.condition.items()
            }
        out.append(rendered)
    return {"Version": POLICY_VERSION, "Statement": out}
