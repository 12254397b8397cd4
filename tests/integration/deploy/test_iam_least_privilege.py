"""The IAM policy is complete and minimal, proven from recorded calls (issue 14).

Each feature's integration scenario runs the real agent and CLI (``mwaa-ops up``,
``agent``, ``metrics``, ``status``, ``readiness``, ``report``, ``dashboards``, ``alarms``,
``windows``, ``upgrade``) against the embedded endpoint with
``MWAAOPS_RECORD_AWS_CALLS`` set, so every boto3 call of every process is
recorded as IAM sees it (action, resource ARN, condition keys). The recorded
calls are then evaluated against the policy ``mwaa-ops iam-policy`` prints for
that feature: every call must be allowed (complete) and every action of every
statement must have been needed by at least one call (minimal).

Adding a feature's scenario is one entry in SCENARIOS. A feature whose scenario
does not exist yet is listed as ``None`` and reported as SKIPPED with the reason
(its permissions written from its issue's text, not proven); today every feature has one.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mwaa_ops.aws_calls import RECORD_ENV
from mwaa_ops.deploy.iam import Placeholders, build_policy, load_table
from mwaa_ops.deploy.iam_eval import Call, evaluate, prove
from tests.support.agent_process import MWAA_OPS, AgentProcess, free_port, free_udp_port
from tests.support.cloudwatch_read import wait_for

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's account: what the embedded endpoint answers to
ENVIRONMENTS = ("local", "legacy")  # the scenarios' MWAA environments
UNREACHABLE = "http://127.0.0.1:9/"


def _env(record: Path) -> dict[str, str]:
    return {RECORD_ENV: str(record), "AWS_DEFAULT_REGION": REGION,
            "MWAA_OPS_VERSIONS__INDEX_URL": UNREACHABLE + "simple/",
            "MWAA_OPS_VERSIONS__MWAA_VERSIONS_URL": UNREACHABLE + "versions.html"}


def _cli(record: Path, *args: str, env: dict[str, str] | None = None,
         exit_codes: tuple[int, ...] = (0,)) -> dict[str, object]:
    done = subprocess.run([MWAA_OPS, *args, "--json"], capture_output=True, text=True,
                          timeout=600, env={**os.environ, **_env(record), **(env or {})})
    assert done.returncode in exit_codes, done.stderr + done.stdout
    out: dict[str, object] = json.loads(done.stdout)
    return out


def _offline_readiness(tmp: Path) -> dict[str, str]:
    """Readiness settings for a machine without GitHub: no constraints file, so the
    requirements check warns without running pip (docs/readiness.md)."""
    return {"MWAA_OPS_READINESS__CONSTRAINTS_URL": str(tmp / "no-constraints-{airflow}-{python}.txt"),
            "MWAA_OPS_READINESS__CHECK_TIMEOUT_SECONDS": "120", "MWAA_OPS_STATE_DIR": str(tmp / "cli-state")}


def _job_outcome(health_port: int, job: str, timeout: float) -> str | None:
    """The job's first outcome in the agent's /healthz (None if it did not run in time)."""
    def outcome() -> str | None:
        jobs = AgentProcess.health(health_port)["scheduler"]
        return next(j["last_outcome"] for j in jobs if j["job"] == job)

    found: str | None = wait_for(outcome, timeout=timeout)
    return found


def _only_job(job: str, **settings: str) -> dict[str, str]:
    """A jobs table from the environment (it replaces the default one): only ``job``."""
    prefix = f"MWAA_OPS_SCHEDULER__JOBS__{job.upper()}__"
    return {prefix + key.upper(): value for key, value in {"run_at_start": "true", **settings}.items()}


def _run_agent_job(tmp: Path, record: Path, endpoint_url: str, environment: str, job: str,
                   env: dict[str, str], timeout: float = 120) -> None:
    """`mwaa-ops agent` against ``endpoint_url`` until ``job`` (set up in ``env``) ran once, "ok"."""
    health_port = free_port()
    agent = AgentProcess(
        ["agent", "--environment", environment, "--statsd-port", str(free_udp_port()),
         "--health-port", str(health_port), "--flush-interval", "1", "--state-dir", str(tmp / "state")],
        env={**_env(record), "AWS_ENDPOINT_URL": endpoint_url, "AWS_ACCESS_KEY_ID": "testing",
             "AWS_SECRET_ACCESS_KEY": "testing", **env},
        log_path=tmp / "agent.log",
    ).start()
    try:
        agent.wait_healthy(health_port)
        assert _job_outcome(health_port, job, timeout=timeout) == "ok", agent.log()[-3000:]
    finally:
        assert agent.stop(signal.SIGINT) == 0, agent.log()[-3000:]


def metrics_scenario(tmp: Path, record: Path) -> None:
    """The sidecar receives StatsD and publishes; a user reads it back with `mwaa-ops metrics`."""
    statsd_port, endpoint_port, health_port = free_udp_port(), free_port(), free_port()
    up = AgentProcess(
        ["up", "--statsd-port", str(statsd_port), "--endpoint-port", str(endpoint_port),
         "--health-port", str(health_port), "--flush-interval", "1",
         "--state-dir", str(tmp / "state")],
        env={**_env(record), "MWAA_OPS_SCHEDULER__ENABLED": "false"},
        log_path=tmp / "up.log",
    ).start()
    endpoint = f"http://127.0.0.1:{endpoint_port}"
    try:
        up.wait_healthy(health_port)
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for line in (b"airflow.scheduler_heartbeat:1|c", b"airflow.dagbag_size:3|g",
                     b"airflow.dag_processing.total_parse_time:1.5|g"):
            sock.sendto(line, ("127.0.0.1", statsd_port))

        def published() -> bool:
            rows = _cli(record, "metrics", "--environment", "local", "--since", "10m",
                        "--endpoint-url", endpoint)["metrics"]
            assert isinstance(rows, list)
            return any(r["metric"] == "SchedulerHeartbeat" for r in rows)

        assert wait_for(published, timeout=60), up.log()
    finally:
        assert up.stop(signal.SIGINT) == 0, up.log()


def versions_scenario(tmp: Path, record: Path) -> None:
    """The versions job runs in the agent and publishes; a user asks `mwaa-ops status`."""
    endpoint_port, health_port = free_port(), free_port()
    up = AgentProcess(
        ["up", "--statsd-port", str(free_udp_port()), "--endpoint-port", str(endpoint_port),
         "--health-port", str(health_port), "--state-dir", str(tmp / "state")],
        # Only the versions job: the default jobs table runs dashboards and alarms too.
        env={**_env(record), **_only_job("versions_refresh", trigger="cron", cron="17 4 * * *")},
        log_path=tmp / "up.log",
    ).start()
    try:
        up.wait_healthy(health_port)

        # "partial": the calendar sources are unreachable on purpose; the AWS calls all ran.
        assert _job_outcome(health_port, "versions_refresh", timeout=90) in ("ok", "partial"), up.log()
        _cli(record, "status", "--endpoint-url", f"http://127.0.0.1:{endpoint_port}")
    finally:
        assert up.stop(signal.SIGINT) == 0, up.log()


def readiness_scenario(tmp: Path, record: Path) -> None:
    """A user runs `mwaa-ops readiness` against the embedded endpoint (what `mwaa-ops up`
    serves, with the files `up` seeds) for the embedded default's environment, and for one
    on Airflow 2.11.2, whose major upgrade also lists and reads its DAG folder in S3."""
    from mwaa_ops.aws import make_client
    from mwaa_ops.config import load_config
    from mwaa_ops.local import LocalEndpoint
    from mwaa_ops.local.seed import seed_environment_files

    with LocalEndpoint("127.0.0.1", 0) as endpoint:
        s3 = make_client("s3", load_config(overrides={"aws.endpoint_url": endpoint.url}, environ={}).aws,
                         record=False)
        endpoint.emulator.seed_environment("local", **seed_environment_files(s3, "local"))
        endpoint.emulator.seed_environment("legacy", "2.11.2", **seed_environment_files(s3, "legacy"))
        for name in ("local", "legacy"):
            report = _cli(record, "readiness", "--environment", name, "--endpoint-url", endpoint.url,
                          env=_offline_readiness(tmp), exit_codes=(0, 1))
            checks = {c["check"]: c for c in report["checks"]}  # type: ignore[attr-defined]
            assert set(checks) == {"path", "environment", "requirements", "plugins", "dags", "configuration"}
            text = json.dumps(checks)
            # Every source was read (an access problem would be a warning saying so).
            assert "could not be read" not in text and "AccessDenied" not in text, checks
            assert f"airflow-{name}" in text, checks


REPORT_BUCKET = f"mwaa-ops-reports-{ACCOUNT}-{REGION}"  # what the CloudFormation template names it
NOTIFY_TOPIC = "mwaa-ops-notify"                        # the template's notification topic


def reports_scenario(tmp: Path, record: Path) -> None:
    """The agent's weekly_report job stores the report in S3 and publishes its summary to
    SNS (presigned link included); then a user runs `mwaa-ops report`.

    The agent always publishes its own metrics too: its calls are metrics' + reports'."""
    from mwaa_ops.aws import make_client
    from mwaa_ops.config import load_config
    from mwaa_ops.local import LocalEndpoint
    from mwaa_ops.local.seed import seed_environment_files

    with LocalEndpoint("127.0.0.1", 0) as endpoint:
        aws = load_config(overrides={"aws.endpoint_url": endpoint.url}, environ={}).aws
        s3 = make_client("s3", aws, record=False)
        endpoint.emulator.seed_environment("local", **seed_environment_files(s3, "local"))
        # The report runs readiness for each environment: a major upgrade's reads DAGs too.
        endpoint.emulator.seed_environment("legacy", "2.11.2", **seed_environment_files(s3, "legacy"))
        s3.create_bucket(Bucket=REPORT_BUCKET)
        topic = make_client("sns", aws, record=False).create_topic(Name=NOTIFY_TOPIC)["TopicArn"]
        jobs = "MWAA_OPS_SCHEDULER__JOBS__WEEKLY_REPORT__"
        _run_agent_job(tmp, record, endpoint.url, "local", "weekly_report", timeout=300, env={
            **_offline_readiness(tmp),
            # Only the weekly report (a jobs table from the environment replaces the default).
            jobs + "TRIGGER": "cron", jobs + "CRON": "0 8 * * 1", jobs + "RUN_AT_START": "true",
            "MWAA_OPS_REPORT__BUCKET": REPORT_BUCKET, "MWAA_OPS_REPORT__SNS_TOPIC_ARN": topic})
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=REPORT_BUCKET)["Contents"]]
        assert len(keys) == 3 and all(k.startswith("mwaa-ops/reports/") for k in keys), keys
        done = _cli(record, "report", "--out", str(tmp / "out"), "--endpoint-url", endpoint.url,
                    env=_offline_readiness(tmp))
        assert set(done["paths"]) == {"html", "markdown", "json"}  # type: ignore[arg-type]


def dashboards_scenario(tmp: Path, record: Path) -> None:
    """The agent's dashboards_sync job creates the dashboards (the fleet's, the agent's, one per
    environment); a user runs `dashboards plan` and `apply`, which deletes a dashboard of its
    own whose definition is gone, then `check`.

    On an endpoint of the test's own without the local alarm evaluator (see alarms_scenario):
    in `mwaa-ops up` the evaluator's DescribeAlarms every 10 s would be recorded as the agent's."""
    from mwaa_ops.local import LocalEndpoint

    with LocalEndpoint("127.0.0.1", 0, evaluate_alarms=False) as endpoint:
        endpoint.emulator.seed_environment("local")
        _run_agent_job(tmp, record, endpoint.url, "local", "dashboards_sync",
                       env=_only_job("dashboards_sync", interval_seconds="900"))
        # A dashboard mwaa-ops made whose definition is gone: apply deletes it (DeleteDashboards).
        cloudwatch = _seeding_client("cloudwatch", endpoint.url)
        cloudwatch.put_dashboard(
            DashboardName="mwaa-ops-retired", DashboardBody=json.dumps({"widgets": [{
                "type": "text", "x": 0, "y": 0, "width": 6, "height": 2,
                "properties": {"markdown": "[managed by mwaa-ops]"}}]}))
        plan = _cli(record, "dashboards", "plan", "--endpoint-url", endpoint.url)
        assert "mwaa-ops-retired" in json.dumps(plan), plan
        _cli(record, "dashboards", "apply", "--endpoint-url", endpoint.url)
        entries = cloudwatch.list_dashboards(DashboardNamePrefix="mwaa-ops-")["DashboardEntries"]
        left = {d["DashboardName"] for d in entries}
        assert left == {"mwaa-ops-fleet", "mwaa-ops-agent", "mwaa-ops-overview-local"}, left
        _cli(record, "dashboards", "check", "--endpoint-url", endpoint.url, exit_codes=(0, 1))


def alarms_scenario(tmp: Path, record: Path) -> None:
    """The agent's alarms_sync job creates the topics, alarms and the page (and deletes an
    alarm of its own whose definition is gone); then a user runs `alarms plan`, `apply`,
    `status`, `backtest`, `mute` and `unmute`.

    On an endpoint of the test's own without the local alarm evaluator: the evaluator plays
    CloudWatch (evaluates, publishes notifications to SNS, as CloudWatch's service principal
    does through the topic policy), and its calls would be recorded as the agent's."""
    from mwaa_ops.local import LocalEndpoint

    with LocalEndpoint("127.0.0.1", 0, evaluate_alarms=False) as endpoint:
        _seeding_client("cloudwatch", endpoint.url).put_metric_alarm(
            AlarmName="mwaa-ops/local/warning/platform/retired", AlarmDescription="[managed by mwaa-ops]",
            Namespace="AmazonMWAA", MetricName="Retired", Statistic="Sum", Period=60,
            EvaluationPeriods=1, Threshold=1.0, ComparisonOperator="GreaterThanThreshold",
            Dimensions=[{"Name": "Environment", "Value": "local"}])
        _run_agent_job(tmp, record, endpoint.url, "local", "alarms_sync",
                       env=_only_job("alarms_sync", trigger="interval", interval_seconds="300"))
        names = {a["AlarmName"] for a in _seeding_client("cloudwatch", endpoint.url).describe_alarms(
            AlarmNamePrefix="mwaa-ops/local/")["MetricAlarms"]}
        assert names and "mwaa-ops/local/warning/platform/retired" not in names, names
        for args in (("plan",), ("apply",), ("status",), ("backtest", "--environment", "local", "--days", "1"),
                     ("mute", "--environment", "local", "--for", "2h", "--reason", "iam proof"),
                     ("unmute", "--environment", "local")):
            _cli(record, "alarms", *args, "--endpoint-url", endpoint.url)


def _window_now() -> str:
    """A WeeklyMaintenanceWindowStart (30-minute steps, UTC) that opened at most 30 minutes ago."""
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    return f"{now.strftime('%a').upper()}:{now.hour:02d}:{30 if now.minute >= 30 else 0:02d}"


LEASE_TABLE = "mwaa-ops-upgrades"  # the config's upgrades.lease_table and the template's table


def upgrades_scenario(tmp: Path, record: Path) -> None:
    """A user looks at the windows, plans and approves an upgrade; the agent's upgrade_tick job
    runs it inside the open maintenance window (lease, mute, UpdateEnvironment, health gate,
    audit trail in S3, notifications, unmute); then the user plans again.

    What the CloudFormation template creates (the lease table keyed ``pk``, the report bucket
    that also keeps the audit trail, the two topics) is created first, unrecorded: the policy
    grants no CreateTable, CreateBucket or CreateTopic-less Publish."""
    import time as _time

    from mwaa_ops.local import LocalEndpoint, MwaaEmulator
    from tests.support.upgrade_env import publish_health

    emulator = MwaaEmulator(update_seconds=3, rollback_seconds=2, snapshot_seconds=1)
    with LocalEndpoint("127.0.0.1", 0, emulator=emulator, evaluate_alarms=False) as endpoint:
        endpoint.emulator.seed_environment("local")
        endpoint.emulator.seed_environment("legacy", "2.10.3", WeeklyMaintenanceWindowStart=_window_now())
        _seeding_client("dynamodb", endpoint.url).create_table(
            TableName=LEASE_TABLE, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        _seeding_client("s3", endpoint.url).create_bucket(Bucket=REPORT_BUCKET)
        sns = _seeding_client("sns", endpoint.url)
        for topic in ("mwaa-ops-page", NOTIFY_TOPIC):
            sns.create_topic(Name=topic)
        # The metrics the health gate compares: the hour before and the half hour after now.
        publish_health(_seeding_client("cloudwatch", endpoint.url), "legacy", _time.time() - 3600, 90)
        config = tmp / "mwaa-ops.toml"
        config.write_text(f"""state_dir = "{tmp / 'state'}"
[readiness]
expected_upgrade_minutes = 30
[upgrades]
audit_bucket = "{REPORT_BUCKET}"
readiness_checks = ["path"]
poll_seconds = 1
health_settle_seconds = 0
rollback_minutes = 15
""")
        settings = {"AWS_ENDPOINT_URL": endpoint.url, "MWAA_OPS_CONFIG": str(config)}
        _cli(record, "windows", "--environment", "legacy", env=settings)
        _cli(record, "upgrade", "plan", "--environment", "legacy", env=settings)
        _cli(record, "upgrade", "approve", "--environment", "legacy", "--target", "2.11.2",
             "--reason", "iam proof", env=settings)
        _run_agent_job(tmp, record, endpoint.url, "legacy", "upgrade_tick", timeout=300, env={
            **settings, **_only_job("upgrade_tick", trigger="interval", interval_seconds="300",
                                    max_runtime_seconds="600")})
        env = _seeding_client("mwaa", endpoint.url).get_environment(Name="legacy")["Environment"]
        assert (env["AirflowVersion"], env["Status"]) == ("2.11.2", "AVAILABLE"), (tmp / "agent.log").read_text()[-3000:]
        trail = _seeding_client("s3", endpoint.url).list_objects_v2(Bucket=REPORT_BUCKET)["Contents"]
        assert [o["Key"] for o in trail if o["Key"].startswith("mwaa-ops/upgrades/legacy/")], trail
        _cli(record, "upgrade", "plan", "--environment", "legacy", env=settings)


def _seeding_client(service: str, endpoint_url: str) -> Any:
    """A client for setting the endpoint up (what a template or a person creates): not recorded."""
    from mwaa_ops.aws import make_client
    from mwaa_ops.config import load_config

    aws = load_config(overrides={"aws.endpoint_url": endpoint_url, "aws.region": REGION}, environ={}).aws
    return make_client(service, aws, record=False)


# feature -> its integration scenario; None = not written yet (pending, reported as skipped).
SCENARIOS: dict[str, Callable[[Path, Path], None] | None] = {
    "metrics": metrics_scenario,
    "versions": versions_scenario,
    "dashboards": dashboards_scenario,
    "alarms": alarms_scenario,
    "readiness": readiness_scenario,
    "reports": reports_scenario,
    "upgrades": upgrades_scenario,
}


# Scenarios that run the agent also record what it always does (publish its own metrics):
# their calls are proven against the feature together with these always-on features.
AGENT_ALSO: dict[str, tuple[str, ...]] = {"reports": ("metrics",), "dashboards": ("metrics",)}


def _policy(features: list[str]) -> dict[str, object]:
    return build_policy(features, Placeholders(region=REGION, account=ACCOUNT, environments=ENVIRONMENTS))


def _calls(record: Path) -> list[Call]:
    records = [json.loads(line) for line in record.read_text().splitlines()]
    # Every call has a known IAM resource (aws_calls.RESOURCES, or "*" where IAM has none):
    # an unmapped one would be proven against "*" and hide a scoping gap.
    unmapped = sorted({(r["action"], r["resource"]) for r in records if r.get("unmapped")})
    assert not unmapped, f"calls without an IAM resource mapping in mwaa_ops/aws_calls.py: {unmapped}"
    return [Call.from_record(r) for r in records]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Call]]:
    """Each written scenario run once, its calls recorded in a file of its own."""
    out: dict[str, list[Call]] = {}
    for feature, scenario in SCENARIOS.items():
        if scenario is None:
            continue
        tmp = tmp_path_factory.mktemp(feature)
        record = tmp / "calls.jsonl"
        scenario(tmp, record)
        out[feature] = _calls(record)
    return out


def test_every_feature_has_a_scenario_entry_and_the_table_agrees() -> None:
    table = load_table()
    assert set(SCENARIOS) == set(table.features)
    for name, feature in table.features.items():
        # Nobody may mark permissions proven without a scenario, nor leave a scenario unclaimed.
        assert feature.proven == (SCENARIOS[name] is not None), (name, feature.proof)


@pytest.mark.parametrize("feature", [
    pytest.param(name, marks=() if scenario else pytest.mark.skip(
        reason=f"{name}: {load_table().features[name].proof}; permissions written from the issue text, unproven"))
    for name, scenario in SCENARIOS.items()
])
def test_policy_is_complete_and_minimal_for(feature: str, recorded: dict[str, list[Call]]) -> None:
    calls = recorded[feature]
    assert calls, "the scenario made no AWS call: nothing would be proven"
    proof = prove(_policy([*AGENT_ALSO.get(feature, ()), feature]), calls, load_table().no_permission_needed)
    assert proof.complete, f"calls the policy refuses: {proof.denied}"
    assert proof.minimal, f"permissions no call needed: {proof.unused}"


def test_all_proven_features_together(recorded: dict[str, list[Call]]) -> None:
    features = [f for f, s in SCENARIOS.items() if s is not None]
    calls = [c for f in features for c in recorded[f]]
    policy = _policy(features)
    # Calls that need no permission (sts:GetCallerIdentity) must not make a narrower policy
    # look refused: every check below passes them as free.
    free = load_table().no_permission_needed
    proof = prove(policy, calls, free)
    assert proof.complete and proof.minimal, proof
    # The proof can fail: drop any one statement and some recorded call is refused.
    statements = policy["Statement"]
    assert isinstance(statements, list)
    for index, dropped in enumerate(statements):
        narrower = {**policy, "Statement": statements[:index] + statements[index + 1:]}
        assert not prove(narrower, calls, free).complete, f"{dropped['Sid']} was not needed"
    # ...and a policy for another namespace refuses the agent's PutMetricData.
    def denied_with(**where: object) -> set[str]:
        narrower = build_policy(features, Placeholders(**{  # type: ignore[arg-type]
            "region": REGION, "account": ACCOUNT, "environments": ENVIRONMENTS, **where}))
        return {f"{c.action} {c.resource}" for c in prove(narrower, calls, free).denied}

    def actions(denied: set[str]) -> set[str]:
        return {d.split()[0] for d in denied}

    assert actions(denied_with(namespace="Other")) == {"cloudwatch:PutMetricData"}
    # ...and resources are scoped by name and prefix: other names refuse the calls on them.
    assert actions(denied_with(environments=("local",))) == {"airflow:GetEnvironment", "airflow:UpdateEnvironment"}
    assert actions(denied_with(report_prefix="other/")) == {"s3:PutObject", "s3:GetObject"}
    # The audit trail is written under its own prefix only (the reports' PutObject stays allowed).
    audit = denied_with(audit_prefix="other/")
    assert actions(audit) == {"s3:PutObject"} and all("/mwaa-ops/upgrades/" in d for d in audit), audit
    assert actions(denied_with(lease_table="other")) == {
        "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem",
        "dynamodb:ConditionCheckItem"}
    # Another name prefix refuses every call on a dashboard, alarm or topic: all of them are named
    # "mwaa-ops-*" (dashboards, topics) or "mwaa-ops/<env>/*" (alarms).
    other = denied_with(prefix="ops")
    assert actions(other) == {
        "cloudwatch:PutDashboard", "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards",
        "cloudwatch:PutMetricAlarm", "cloudwatch:SetAlarmState", "cloudwatch:TagResource",
        "cloudwatch:PutCompositeAlarm", "cloudwatch:DeleteAlarms",
        "sns:CreateTopic", "sns:TagResource", "sns:Publish"}, sorted(other)


def test_each_prefix_scope_is_the_one_the_code_names_with(recorded: dict[str, list[Call]]) -> None:
    """Dashboards "mwaa-ops-*", alarms "mwaa-ops/<env>/*", topics "mwaa-ops-*": one more or one
    fewer separator in the policy would refuse the calls (or, for the alarms, let a dashboard-like
    name "mwaa-ops-x" in)."""
    calls = [c for f in ("dashboards", "alarms", "upgrades") for c in recorded[f]]
    dashboards = {c.resource.rsplit("/", 1)[1] for c in calls if ":dashboard/" in c.resource}
    alarms = {c.resource.split(":alarm:", 1)[1] for c in calls if ":alarm:" in c.resource} - {"*"}
    topics = {c.resource.rsplit(":", 1)[1] for c in calls if c.action.startswith("sns:") and c.resource != "*"}
    assert dashboards and all(d.startswith("mwaa-ops-") for d in dashboards), dashboards
    assert alarms and all(a.startswith(("mwaa-ops/local/", "mwaa-ops/legacy/")) for a in alarms), alarms
    assert topics == {"mwaa-ops-page", "mwaa-ops-notify"}, topics
    policy = _policy(["dashboards", "alarms", "upgrades"])
    alarm_arn = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:"

    assert not evaluate(policy, Call("cloudwatch:PutMetricAlarm", alarm_arn + "mwaa-ops-x", {})).allowed
    assert not evaluate(policy, Call("cloudwatch:DeleteDashboards",
                                     f"arn:aws:cloudwatch::{ACCOUNT}:dashboard/mwaa-opsx", {})).allowed
