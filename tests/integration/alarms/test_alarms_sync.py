"""Plan/apply against moto over HTTP: what the default set creates, idempotency, routing, ownership."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from mwaa_ops.alarms.context import AlarmsContext
from mwaa_ops.alarms.sync import session_for
from mwaa_ops.aws import make_client
from mwaa_ops.cli.main import cli
from mwaa_ops.clock import FakeClock
from mwaa_ops.config import load_config
from mwaa_ops.local import LocalEndpoint
from mwaa_ops.sync.plan import Plan
from mwaa_ops.sync.session import SyncSession, apply_plan, plan_session

WRITES = {"PutMetricAlarm", "PutCompositeAlarm", "DeleteAlarms", "CreateTopic", "SetAlarmState",
          "TagResource", "PutMetricData"}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[LocalEndpoint]:
    with LocalEndpoint("127.0.0.1", 0, evaluate_alarms=False) as ep:
        yield ep


@pytest.fixture()
def local(endpoint: LocalEndpoint) -> Iterator[LocalEndpoint]:
    endpoint.reset()
    yield endpoint
    endpoint.reset()


class Counter:
    """Counts the API calls a boto3 client really sends, by operation."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}
        self.sequence: list[str] = []  # every operation, in the order sent

    def __call__(self, model: Any, **_: Any) -> None:
        self.calls[model.name] = self.calls.get(model.name, 0) + 1
        self.sequence.append(model.name)

    def writes_in_order(self) -> list[str]:
        """Write operations in the order sent, repeats folded (``A A B A`` -> ``A B A``)."""
        out: list[str] = []
        for op in self.sequence:
            if op in WRITES and op != "TagResource" and (not out or out[-1] != op):
                out.append(op)
        return out

    def writes(self) -> int:
        return sum(n for op, n in self.calls.items() if op in WRITES)


def _context(url: str, counter: Counter, **extra: Any) -> AlarmsContext:
    config = load_config(overrides={"aws.endpoint_url": url, "aws.region": "us-east-1", "environment": "prod",
                                    **extra}, environ={})

    def make(service: str) -> Any:
        client = make_client(service, config.aws)
        client.meta.events.register("before-call.*.*", counter)
        return client

    return AlarmsContext.build(config, clock=FakeClock(), make=make)


def _plan(context: AlarmsContext) -> tuple[SyncSession, Plan]:
    session = session_for(context)
    return session, plan_session(session)


def _apply(context: AlarmsContext) -> Any:
    session, plan = _plan(context)
    return apply_plan(session, plan, context.clock)


def test_default_set_apply_then_zero_writes(local: LocalEndpoint) -> None:
    counter = Counter()
    context = _context(local.url, counter)
    session, plan = _plan(context)
    kinds = sorted({(c.action, c.kind) for c in plan.changes})
    assert plan.counts == {"create": 16, "update": 0, "delete": 0, "unchanged": 0}, kinds
    assert sum(c.kind == "sns-topic" for c in plan.changes) == 2
    assert sum(c.kind == "composite-alarm" for c in plan.changes) == 1
    outcome = apply_plan(session, plan, context.clock)
    assert outcome.ok and counter.writes() == outcome.writes == 16
    # the session's dependency order: topics, then the alarms whose actions name them, then the page
    assert counter.writes_in_order() == ["CreateTopic", "PutMetricAlarm", "PutCompositeAlarm"]
    # 12 alarms (the two per-DAG ones have no critical DAG here) + maintenance; 1 page
    cloudwatch = context.cloudwatch
    answer = cloudwatch.describe_alarms(AlarmNamePrefix="mwaa-ops/prod/", AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    assert (len(answer["MetricAlarms"]), len(answer["CompositeAlarms"])) == (13, 1)
    second = Counter()
    again = _context(local.url, second)
    session2, plan2 = _plan(again)
    assert plan2.empty and plan2.counts["unchanged"] == 16
    assert apply_plan(session2, plan2, again.clock).writes == 0
    assert second.writes() == 0 and sum(second.calls.values()) > 0  # read calls only


def test_routing_by_severity_and_team(local: LocalEndpoint) -> None:
    counter = Counter()
    context = _context(local.url, counter, **{
        "alarms.team_topics": {"data": {"high": "data-oncall"}},
        "alarms.environments": {"prod": {"team": "data", "critical_dags": ["billing"]}},
    })
    assert _apply(context).ok
    context.forget_topics()
    topics = context.existing_topics()
    assert set(topics) >= {"mwaa-ops-page", "mwaa-ops-notify", "data-oncall"}
    answer = context.cloudwatch.describe_alarms(AlarmNamePrefix="mwaa-ops/prod/",
                                                AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    by_name = {a["AlarmName"]: a for a in answer["MetricAlarms"] + answer["CompositeAlarms"]}
    page = by_name["mwaa-ops/prod/critical/data/page"]
    assert page["AlarmActions"] == page["OKActions"] == [topics["mwaa-ops-page"]]
    assert page["ActionsSuppressor"] == "mwaa-ops/prod/maintenance"
    assert 'ALARM("mwaa-ops/prod/high/data/critical-dag-failed/billing")' in page["AlarmRule"]
    assert "task-failure-rate" not in page["AlarmRule"]  # notifies, never pages
    for name, alarm in by_name.items():
        severity = name.split("/")[2]
        expected = {"critical": "mwaa-ops-page", "high": "data-oncall", "warning": "mwaa-ops-notify"}.get(severity)
        if expected:
            assert alarm["AlarmActions"] == [topics[expected]], name
        assert "Runbook: " in alarm["AlarmDescription"] and "[managed by mwaa-ops]" in alarm["AlarmDescription"]
    hb = by_name["mwaa-ops/prod/high/data/scheduler-heartbeat-missing"]
    assert hb["TreatMissingData"] == "breaching" and hb["Dimensions"] == [
        {"Name": "Environment", "Value": "prod"}, {"Name": "Function", "Value": "Scheduler"}]
    tags = context.cloudwatch.list_tags_for_resource(ResourceARN=hb["AlarmArn"])["Tags"]
    assert {t["Key"]: t["Value"] for t in tags}["Severity"] == "high"
    assert {t["Key"]: t["Value"] for t in tags}["managed-by"] == "mwaa-ops"


def test_changed_threshold_updates_one_alarm_and_removed_definitions_are_deleted(local: LocalEndpoint, tmp_path: Any) -> None:
    counter = Counter()
    context = _context(local.url, counter)
    assert _apply(context).ok
    foreign = {"AlarmName": "mwaa-ops/prod/someone-else", "MetricName": "X", "Namespace": "N", "Statistic": "Sum",
               "Period": 60, "EvaluationPeriods": 1, "Threshold": 1, "ComparisonOperator": "GreaterThanThreshold"}
    context.cloudwatch.put_metric_alarm(**foreign)
    changed = _context(local.url, Counter(), **{
        "alarms.environments": {"prod": {"parameters": {"max_failure_percent": 40}}}})
    _session, plan = _plan(changed)
    assert [(c.action, c.name) for c in plan.pending] == [("update", "mwaa-ops/prod/high/platform/task-failure-rate")]
    assert plan.pending[0].diff == ("~ Threshold: 25.0 -> 40.0",)
    # definitions folder with only the heartbeat: the other owned alarms go, the foreign one stays
    import shutil

    from mwaa_ops.alarms.definitions import DEFAULT_DEFINITIONS_DIR
    folder = tmp_path / "alarms"
    folder.mkdir()
    shutil.copy(DEFAULT_DEFINITIONS_DIR / "scheduler-heartbeat-missing.yaml", folder)
    calls = Counter()
    shrunk = _context(local.url, calls, **{"alarms.definitions_dir": str(folder)})
    session, plan = _plan(shrunk)
    deleted = [c.name for c in plan.pending if c.action == "delete"]
    assert len(deleted) == 11 and "mwaa-ops/prod/someone-else" not in deleted
    assert [c.action for c in plan.pending if c.action != "delete"] == ["update"]  # the page's rule
    assert apply_plan(session, plan, shrunk.clock).ok  # the page drops its children before they go
    assert calls.writes_in_order() == ["PutCompositeAlarm", "DeleteAlarms"]
    names = {a["AlarmName"] for a in shrunk.cloudwatch.describe_alarms(AlarmNamePrefix="mwaa-ops/prod/")["MetricAlarms"]}
    assert names == {"mwaa-ops/prod/high/platform/scheduler-heartbeat-missing", "mwaa-ops/prod/maintenance",
                     "mwaa-ops/prod/someone-else"}


def test_cli_plan_apply_json(local: LocalEndpoint) -> None:
    runner = CliRunner()
    env = {"MWAA_OPS_ENVIRONMENT": "prod", "AWS_DEFAULT_REGION": "us-east-1"}
    first = runner.invoke(cli, ["alarms", "apply", "--endpoint-url", local.url, "--json"], env=env)
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["result"]["writes"] == 16
    second = runner.invoke(cli, ["alarms", "plan", "--endpoint-url", local.url], env=env)
    assert second.exit_code == 0 and "0 to create, 0 to update, 0 to delete, 16 unchanged" in second.output
    for command in ("plan", "apply", "backtest", "status", "mute", "unmute"):
        shown = runner.invoke(cli, ["alarms", command, "--help"])
        assert shown.exit_code == 0 and "--json" in shown.output, command


def test_cli_mute_status_unmute_backtest(local: LocalEndpoint) -> None:
    runner = CliRunner()
    env = {"MWAA_OPS_ENVIRONMENT": "prod", "AWS_DEFAULT_REGION": "us-east-1"}
    url = ["--endpoint-url", local.url]
    assert runner.invoke(cli, ["alarms", "apply", *url, "--json"], env=env).exit_code == 0
    muted = runner.invoke(cli, ["alarms", "mute", "--environment", "prod", "--for", "2h", "--reason", "upgrade",
                                *url, "--json"], env=env)
    assert muted.exit_code == 0, muted.output
    assert json.loads(muted.output)["muted"] is True
    status = runner.invoke(cli, ["alarms", "status", *url, "--json"], env=env)
    (prod,) = json.loads(status.output)
    assert prod["mute"]["muted"] and prod["mute"]["reason"] == "upgrade"
    states = {a["alarm"]: a["state"] for a in prod["alarms"]}
    assert states["mwaa-ops/prod/maintenance"] == "ALARM" and len(states) == 14
    shown = runner.invoke(cli, ["alarms", "status", *url], env=env)
    assert "prod: 14 alarms, muted until" in shown.output
    assert "+00:00" not in shown.output and "Since (UTC)" in shown.output  # times for people, not ISO
    bad = runner.invoke(cli, ["alarms", "mute", "--environment", "prod", "--for", "30d", "--reason", "x", *url], env=env)
    assert bad.exit_code == 2 and "longer than alarms.max_mute_seconds" in bad.output
    unmuted = runner.invoke(cli, ["alarms", "unmute", "--environment", "prod", *url, "--json"], env=env)
    assert json.loads(unmuted.output)["muted"] is False
    # the mute's alarm change is not a drift: plan stays empty
    plan = runner.invoke(cli, ["alarms", "plan", *url, "--json"], env=env)
    assert json.loads(plan.output)["counts"]["unchanged"] == 16
    backtest = runner.invoke(cli, ["alarms", "backtest", "--days", "1", *url, "--json"], env=env)
    assert backtest.exit_code == 0, backtest.output
    rows = json.loads(backtest.output)["alarms"]
    assert len(rows) == 13 and [r["pages"] for r in rows].count(True) == 1
    heartbeat = next(r for r in rows if r["definition"] == "scheduler-heartbeat-missing")
    assert heartbeat["firings"] == 1 and heartbeat["final_state"] == "ALARM"  # no heartbeat at all: breaching


def test_cli_mute_of_an_unknown_environment_is_refused_and_names_the_known_ones(local: LocalEndpoint) -> None:
    runner = CliRunner()
    env = {"MWAA_OPS_ENVIRONMENT": "prod", "AWS_DEFAULT_REGION": "us-east-1"}
    url = ["--endpoint-url", local.url]
    assert runner.invoke(cli, ["alarms", "apply", *url, "--json"], env=env).exit_code == 0
    for args in (["mute", "--environment", "prdo", "--for", "2h", "--reason", "typo"],
                 ["unmute", "--environment", "prdo"]):
        refused = runner.invoke(cli, ["alarms", *args, *url], env=env)
        assert refused.exit_code == 2, refused.output
        assert "'prdo' has no page to mute" in refused.output and "environments with alarms: prod" in refused.output
    cloudwatch = make_client("cloudwatch", load_config(overrides={"aws.endpoint_url": local.url,
                                                                  "aws.region": "us-east-1"}, environ={}).aws)
    assert not cloudwatch.describe_alarms(AlarmNamePrefix="mwaa-ops/prdo/")["MetricAlarms"]  # nothing written
