"""The IAM policy is complete and minimal, proven from recorded calls (issue 14).

Each feature's integration scenario runs the real agent and CLI (``mwaa-ops up``,
``agent``, ``metrics``, ``status``, ``readiness``, ``report``) against the embedded endpoint with
``MWAAOPS_RECORD_AWS_CALLS`` set, so every boto3 call of every process is
recorded as IAM sees it (action, resource ARN, condition keys). The recorded
calls are then evaluated against the policy ``mwaa-ops iam-policy`` prints for
that feature: every call must be allowed (complete) and every action of every
statement must have been needed by at least one call (minimal).

Adding a feature's scenario is one entry in SCENARIOS. Features whose scenario
does not exist yet are listed as ``None`` and reported as SKIPPED with the reason
(their permissions are written from their issue's text, not proven).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from mwaa_ops.aws_calls import RECORD_ENV
from mwaa_ops.deploy.iam import Placeholders, build_policy, load_table
from mwaa_ops.deploy.iam_eval import Call, prove
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
        env=_env(record), log_path=tmp / "up.log",
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
        health_port = free_port()
        jobs = "MWAA_OPS_SCHEDULER__JOBS__WEEKLY_REPORT__"
        agent = AgentProcess(
            ["agent", "--environment", "local", "--statsd-port", str(free_udp_port()),
             "--health-port", str(health_port), "--flush-interval", "1", "--state-dir", str(tmp / "state")],
            env={**_env(record), **_offline_readiness(tmp), "AWS_ENDPOINT_URL": endpoint.url,
                 "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                 # Only the weekly report (a jobs table from the environment replaces the default).
                 jobs + "TRIGGER": "cron", jobs + "CRON": "0 8 * * 1", jobs + "RUN_AT_START": "true",
                 "MWAA_OPS_REPORT__BUCKET": REPORT_BUCKET, "MWAA_OPS_REPORT__SNS_TOPIC_ARN": topic},
            log_path=tmp / "agent.log",
        ).start()
        try:
            agent.wait_healthy(health_port)
            assert _job_outcome(health_port, "weekly_report", timeout=300) == "ok", agent.log()[-3000:]
        finally:
            assert agent.stop(signal.SIGINT) == 0, agent.log()[-3000:]
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=REPORT_BUCKET)["Contents"]]
        assert len(keys) == 3 and all(k.startswith("mwaa-ops/reports/") for k in keys), keys
        done = _cli(record, "report", "--out", str(tmp / "out"), "--endpoint-url", endpoint.url,
                    env=_offline_readiness(tmp))
        assert set(done["paths"]) == {"html", "markdown", "json"}  # type: ignore[arg-type]


# feature -> its integration scenario; None = not written yet (pending, reported as skipped).
SCENARIOS: dict[str, Callable[[Path, Path], None] | None] = {
    "metrics": metrics_scenario,
    "versions": versions_scenario,
    "dashboards": None,   # issue 10
    "alarms": None,       # issue 11
    "readiness": readiness_scenario,
    "reports": reports_scenario,
    "upgrades": None,     # issue 13
}


# Scenarios that run the agent also record what it always does (publish its own metrics):
# their calls are proven against the feature together with these always-on features.
AGENT_ALSO: dict[str, tuple[str, ...]] = {"reports": ("metrics",)}


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
    proof = prove(policy, calls, load_table().no_permission_needed)
    assert proof.complete and proof.minimal, proof
    # The proof can fail: drop any one statement and some recorded call is refused.
    statements = policy["Statement"]
    assert isinstance(statements, list)
    for index, dropped in enumerate(statements):
        narrower = {**policy, "Statement": statements[:index] + statements[index + 1:]}
        assert not prove(narrower, calls).complete, f"{dropped['Sid']} was not needed"
    # ...and a policy for another namespace refuses the agent's PutMetricData.
    def denied_with(**where: object) -> set[str]:
        narrower = build_policy(features, Placeholders(**{  # type: ignore[arg-type]
            "region": REGION, "account": ACCOUNT, "environments": ENVIRONMENTS, **where}))
        return {f"{c.action} {c.resource}" for c in prove(narrower, calls).denied}

    assert {d.split()[0] for d in denied_with(namespace="Other")} == {"cloudwatch:PutMetricData"}
    # ...and resources are scoped by name and prefix: other names refuse the calls on them.
    assert {d.split()[0] for d in denied_with(environments=("local",))} == {"airflow:GetEnvironment"}
    if "reports" in features:
        assert {d.split()[0] for d in denied_with(report_prefix="other/")} == {"s3:PutObject", "s3:GetObject"}
        assert {d.split()[0] for d in denied_with(prefix="ops-")} == {"sns:Publish"}
