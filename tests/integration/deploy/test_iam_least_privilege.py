"""The IAM policy is complete and minimal, proven from recorded calls (issue 14).

Each feature's integration scenario runs the real agent and CLI (``mwaa-ops up``,
``metrics``, ``status``) against the embedded endpoint with
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
UNREACHABLE = "http://127.0.0.1:9/"


def _env(record: Path) -> dict[str, str]:
    return {RECORD_ENV: str(record), "AWS_DEFAULT_REGION": REGION,
            "MWAA_OPS_VERSIONS__INDEX_URL": UNREACHABLE + "simple/",
            "MWAA_OPS_VERSIONS__MWAA_VERSIONS_URL": UNREACHABLE + "versions.html"}


def _cli(record: Path, *args: str) -> dict[str, object]:
    import os
    done = subprocess.run([MWAA_OPS, *args, "--json"], capture_output=True, text=True,
                          timeout=120, env={**os.environ, **_env(record)})
    assert done.returncode == 0, done.stderr
    out: dict[str, object] = json.loads(done.stdout)
    return out


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

        def job_outcome() -> str | None:
            jobs = AgentProcess.health(health_port)["scheduler"]
            return next(j["last_outcome"] for j in jobs if j["job"] == "versions_refresh")

        assert wait_for(job_outcome, timeout=90) == "ok", up.log()
        _cli(record, "status", "--endpoint-url", f"http://127.0.0.1:{endpoint_port}")
    finally:
        assert up.stop(signal.SIGINT) == 0, up.log()


# feature -> its integration scenario; None = not written yet (pending, reported as skipped).
SCENARIOS: dict[str, Callable[[Path, Path], None] | None] = {
    "metrics": metrics_scenario,
    "versions": versions_scenario,
    "dashboards": None,   # issue 10
    "alarms": None,       # issue 11
    "readiness": None,    # issue 12
    "reports": None,      # issue 12
    "upgrades": None,     # issue 13
}


def _policy(features: list[str]) -> dict[str, object]:
    return build_policy(features, Placeholders(region=REGION, account=ACCOUNT, environments=("local",)))


def _calls(record: Path) -> list[Call]:
    return [Call.from_record(json.loads(line)) for line in record.read_text().splitlines()]


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
    assert not any(c.resource == "*" and c.action.split(":")[1] not in ("PutMetricData", "ListMetrics",
               "GetMetricData", "ListEnvironments", "GetCallerIdentity") for c in calls), calls
    proof = prove(_policy([feature]), calls, load_table().no_permission_needed)
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
    other = build_policy(features, Placeholders(namespace="Other", region=REGION, account=ACCOUNT))
    denied = prove(other, calls).denied
    assert {c.action for c in denied} == {"cloudwatch:PutMetricData"}
