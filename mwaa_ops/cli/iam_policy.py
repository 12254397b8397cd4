"""``mwaa-ops iam-policy``: the least-privilege IAM policy for the enabled features."""

from __future__ import annotations

from typing import Any

import click

from mwaa_ops.cli.common import build_config, config_option
from mwaa_ops.cli.output import console as make_console
from mwaa_ops.cli.output import json_option, print_json, table


@click.command("iam-policy", context_settings={"help_option_names": ["-h", "--help"]})
@config_option
@click.option("--features", default=None, metavar="LIST",
              help="Comma-separated: metrics,versions,dashboards,alarms,readiness,reports,upgrades, "
                   "or 'all' (default: what the config enables: metrics, plus each feature whose "
                   "scheduler job is enabled).")
@click.option("--environments", default=None, metavar="LIST",
              help="MWAA environment names the agent may read/upgrade (default: config environment).")
@click.option("--region", default="*", show_default=True, help="AWS region in ARNs.")
@click.option("--account-id", default="*", show_default=True, help="AWS account id in ARNs.")
@click.option("--partition", default="aws", show_default=True, help="aws, aws-cn or aws-us-gov.")
@click.option("--name-prefix", default=None, help="Prefix of dashboards, alarms, topics (default mwaa-ops).")
@click.option("--dag-bucket", default=None, help="MWAA's DAG bucket (default airflow-*).")
@click.option("--report-bucket", default=None, help="Bucket of reports and the audit trail (default: the config's report.bucket).")
@click.option("--report-prefix", default=None, help="Key prefix of reports (default: the config's report.prefix + '/', mwaa-ops/reports/).")
@click.option("--lease-table", default=None, help="DynamoDB lease table (default mwaa-ops-leases).")
@json_option
def iam_policy(config_file: str | None, features: str | None, environments: str | None,
               region: str, account_id: str, partition: str, as_json: bool,
               **names: str | None) -> None:
    """Print the least-privilege IAM policy for the enabled features.

    With --json, exactly the policy document (for `aws iam put-role-policy
    --policy-document file://...`). Without it, a summary of each statement and
    whether recorded calls prove it (docs/deploy.md), then the document.
    The table behind it is data: mwaa_ops/deploy/permissions.yaml.
    """
    from mwaa_ops.deploy.iam import (
        Placeholders,
        build_policy,
        enabled_features,
        load_table,
        parse_features,
        report_prefix_pattern,
    )

    config = build_config(config_file)
    if features is None:
        jobs = [n for n, j in config.scheduler.jobs.items() if j.enabled and config.scheduler.enabled]
        chosen = enabled_features(jobs)
    else:
        chosen = parse_features(None if features == "all" else features)
    envs = tuple(e.strip() for e in (environments or config.environment).split(",") if e.strip())
    # The report's bucket and prefix default to the config's (report.bucket, report.prefix).
    report_prefix = names.get("report_prefix")
    if report_prefix is None:
        report_prefix = report_prefix_pattern(config.report.prefix)
    given: dict[str, Any] = {k: v for k, v in {
        "prefix": names.get("name_prefix"), "dag_bucket": names.get("dag_bucket"),
        "report_bucket": names.get("report_bucket") or config.report.bucket,
        "lease_table": names.get("lease_table")}.items() if v}
    given["report_prefix"] = report_prefix
    where = Placeholders(namespace=config.namespace, environments=envs, partition=partition,
                         region=region, account=account_id, **given)
    policy = build_policy(chosen, where)
    topic = config.report.sns_topic_arn.rsplit(":", 1)[-1]
    if "reports" in chosen and topic and not topic.startswith(where.prefix):
        # PublishToOwnTopics covers the name prefix only: say so rather than print a policy
        # that refuses the report's own summary.
        make_console(stderr=True).print(
            f"[yellow]report.sns_topic_arn: topic {topic!r} is outside the name prefix "
            f"{where.prefix!r}; the policy refuses its Publish (rename it or pass --name-prefix)[/]")
    if as_json:
        print_json(policy)
        return
    feature_table = load_table().features
    rows = []
    for statement in policy["Statement"]:
        users = [f for f in chosen if statement["Sid"] in feature_table[f].statements]
        proven = [f for f in users if feature_table[f].proven]
        resource = statement["Resource"]
        rows.append([statement["Sid"], "\n".join(statement["Action"]),
                     "\n".join(resource if isinstance(resource, list) else [resource]),
                     ",".join(users), "proven" if proven else "pending"])
    out = make_console(stderr=True)
    out.print(table(f"{len(rows)} statements for {', '.join(chosen)}",
                    ["sid", "actions", "resources", "features", "recorded calls"], rows))
    pending = [f"{f}: {feature_table[f].proof}" for f in chosen if not feature_table[f].proven]
    for line in pending:
        out.print(f"[yellow]{line}[/]")
    print_json(policy)
