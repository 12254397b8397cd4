"""`mwaa-ops doctor` on the embedded default (healthy) and on broken set-ups (issue 14).

Each test runs the real agent (`mwaa-ops up` or `mwaa-ops agent`) in its own process
on ephemeral ports, sends StatsD over UDP as Airflow would, then runs
`mwaa-ops doctor --json` as a user would and reads its verdicts.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.agent_process import MWAA_OPS, AgentProcess, free_port, free_udp_port
from tests.support.cloudwatch_read import wait_for

# What a running Airflow sends all the time (needed-metrics.yaml's "always" metrics).
AIRFLOW_LINES = [
    b"airflow.scheduler_heartbeat:1|c",
    b"airflow.dagbag_size:4|g",
    b"airflow.dag_processing.import_errors:0|g",
    b"airflow.dag_processing.total_parse_time:1.2|g",
    b"airflow.executor.open_slots:16|g",
    b"airflow.executor.queued_tasks:0|g",
    b"airflow.executor.running_tasks:1|g",
]


class SetUp:
    def __init__(self, tmp: Path, *, command: str = "up", env: dict[str, str] | None = None,
                 endpoint_url: str | None = None) -> None:
        self.statsd_port, self.health_port = free_udp_port(), free_port()
        self.endpoint_port = free_port()
        self.env = {"MWAA_OPS_SCHEDULER__ENABLED": "false", "AWS_DEFAULT_REGION": "us-east-1",
                    **(env or {})}
        args = [command, "--statsd-port", str(self.statsd_port), "--health-port", str(self.health_port),
                "--flush-interval", "1", "--state-dir", str(tmp / "state")]
        if command == "up":
            args += ["--endpoint-port", str(self.endpoint_port)]
            self.endpoint_url = f"http://127.0.0.1:{self.endpoint_port}"
        else:
            assert endpoint_url is not None
            self.endpoint_url = endpoint_url
            self.env["MWAA_OPS_AWS__ENDPOINT_URL"] = endpoint_url
            self.env.setdefault("AWS_ACCESS_KEY_ID", "testing")
            self.env.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        self.agent = AgentProcess(args, env=self.env, log_path=tmp / f"{command}.log").start()
        self.agent.wait_healthy(self.health_port)

    def send(self, lines: list[bytes] = AIRFLOW_LINES, port: int | None = None) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for line in lines:
            sock.sendto(line, ("127.0.0.1", port or self.statsd_port))
        sock.close()

    def doctor(self, *extra: str, env: dict[str, str | None] | None = None,
               endpoint: str | None = "same") -> tuple[int, dict[str, Any]]:
        args = [MWAA_OPS, "doctor", "--json", "--sample-seconds", "1.5",
                "--health-url", f"http://127.0.0.1:{self.health_port}", *extra]
        if endpoint is not None:
            args += ["--endpoint-url", self.endpoint_url if endpoint == "same" else endpoint]
        merged: dict[str, str | None] = {**os.environ, **self.env, **(env or {})}
        done = subprocess.run(args, capture_output=True, text=True, timeout=120,
                              env={k: v for k, v in merged.items() if v is not None})
        data: dict[str, Any] = json.loads(done.stdout)
        return done.returncode, data

    def stop(self) -> None:
        assert self.agent.stop(signal.SIGINT) == 0, self.agent.log()


def by_check(report: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for finding in report["checks"]:
        out.setdefault(finding["check"], []).append(finding)
    return out


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {c: "fail" if any(f["status"] == "fail" for f in fs) else fs[0]["status"]
            for c, fs in by_check(report).items()}


@pytest.fixture
def default(tmp_path: Path) -> Iterator[SetUp]:
    setup = SetUp(tmp_path)
    yield setup
    setup.stop()


def _published(setup: SetUp) -> bool:
    code, report = setup.doctor("--sample-seconds", "0")
    return statuses(report).get("needed_metrics") == "ok"


def test_embedded_default_with_airflow_traffic_is_healthy(default: SetUp) -> None:
    default.send()
    assert wait_for(lambda: _published(default), timeout=30), default.agent.log()
    default.send()
    code, report = default.doctor()
    got = statuses(report)
    assert code == 0 and report["healthy"], report
    assert got == {"agent": "ok", "statsd": "ok", "airflow": got["airflow"], "needed_metrics": "ok",
                   "endpoint": "ok", "credentials": "ok", "permissions": "ok", "clock": "ok",
                   "spool": "ok"}
    # This branch's agent does not report the Airflow fields yet: said plainly, not a crash.
    assert got["airflow"] in ("ok", "unknown")
    human = subprocess.run([MWAA_OPS, "doctor", "--sample-seconds", "0", "--health-url",
                            f"http://127.0.0.1:{default.health_port}", "--endpoint-url", default.endpoint_url],
                           capture_output=True, text=True, timeout=120, env={**os.environ, **default.env})
    assert human.returncode == 0 and "healthy" in human.stdout, human.stdout + human.stderr


def test_wrong_statsd_port_nothing_arriving(default: SetUp) -> None:
    default.send(port=free_udp_port())  # Airflow configured with another port
    code, report = default.doctor()
    assert code == 1 and not report["healthy"]
    (finding,) = by_check(report)["statsd"]
    assert finding["status"] == "fail"
    assert f"udp 127.0.0.1:{default.statsd_port}" in finding["message"]
    assert f"AIRFLOW__METRICS__STATSD_PORT={default.statsd_port}" in finding["fix"]


def test_no_credentials(default: SetUp, tmp_path: Path) -> None:
    # Against AWS itself (no endpoint), with every credential source emptied.
    nothing = str(tmp_path / "none")
    unset = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
             "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
             "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
             "AWS_ENDPOINT_URL", "MWAA_OPS_AWS__ENDPOINT_URL")
    env: dict[str, str | None] = {name: None for name in unset}
    env.update(AWS_SHARED_CREDENTIALS_FILE=nothing, AWS_CONFIG_FILE=nothing,
               AWS_EC2_METADATA_DISABLED="true")
    code, report = default.doctor(env=env, endpoint=None)
    assert code == 1
    (finding,) = by_check(report)["credentials"]
    assert finding["status"] == "fail" and "no AWS credentials" in finding["message"], report


def test_endpoint_refusing_and_spool_growing(tmp_path: Path) -> None:
    refused = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    setup = SetUp(tmp_path, command="agent", endpoint_url=refused)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            setup.send()
            if AgentProcess.health(setup.health_port)["publisher"]["spool_bytes"] > 0:
                break
            time.sleep(0.5)
        setup.send()
        code, report = setup.doctor()
        assert code == 1
        got = by_check(report)
        assert got["endpoint"][0]["status"] == "fail"
        assert refused in got["endpoint"][0]["message"] and "unreachable" in got["endpoint"][0]["message"]
        assert got["spool"][0]["status"] in ("fail", "warn"), got["spool"]
    finally:
        setup.agent.kill()


def test_allow_list_blocks_a_metric_the_alarms_need(tmp_path: Path) -> None:
    # A plausible mistake: ^scheduler\. looks like it keeps the scheduler's metrics,
    # but the heartbeat is "scheduler_heartbeat" (no dot). The rest keeps every metric the
    # shipped dashboards/ and alarms/ definitions name (dagrun.*, pool.*, ti.*, task.* too).
    setup = SetUp(tmp_path, env={"MWAA_OPS_STATSD__ALLOW_LIST":
                                 "^dag_processing,^dagbag,^dagrun,^dag\\.,^executor,^pool,^scheduler\\.,"
                                 "^task,^ti[._]"})
    try:
        setup.send()
        code, report = setup.doctor()
        assert code == 1
        blocked = [f for f in by_check(report)["needed_metrics"] if f["status"] == "fail"]
        assert [f["message"].split(" ", 1)[0] for f in blocked] == ["SchedulerHeartbeat"]
        assert "scheduler_heartbeat" in blocked[0]["message"] and "statsd.allow_list" in blocked[0]["message"]
        assert "'^scheduler_heartbeat'" in blocked[0]["fix"]
    finally:
        setup.stop()


def test_airflow_3_in_plain_mode_where_tags_would_give_real_ids(default: SetUp) -> None:
    # Airflow 3.x plain mode: a legacy name with a mangled dotted task id, no tags;
    # dag_processor_heartbeat is sent by Airflow 3 only, so the agent detects the major.
    default.send([b"airflow.dag_processor_heartbeat:1|c",
                  b"airflow.dag.example_task_group.section_1__task_2.duration:12|ms",
                  b"airflow.task.duration:12|ms", b"airflow.scheduler_heartbeat:1|c",
                  b"airflow.executor.open_slots.LocalExecutor:16|g"])
    # The major is detected when the interval is mapped (the next 1 s flush).
    assert wait_for(lambda: AgentProcess.health(default.health_port)["airflow"]["major_version"] == 3,
                    timeout=30), default.agent.log()
    code, report = default.doctor()
    (finding,) = by_check(report)["airflow"]
    assert finding["status"] == "warn" and "plain" in finding["message"], finding
    assert "STATSD_INFLUXDB_ENABLED=True" in finding["fix"]
