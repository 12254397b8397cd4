"""`mwaa-ops up` from a user's point of view: start, send, see it with `mwaa-ops metrics`."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
from pathlib import Path

from tests.support.agent_process import MWAA_OPS, AgentProcess, free_port, free_udp_port
from tests.support.cloudwatch_read import wait_for


def _published(endpoint_port: int) -> dict[str, object]:
    done = subprocess.run(
        [MWAA_OPS, "metrics", "--environment", "local", "--since", "10m", "--json",
         "--endpoint-url", f"http://127.0.0.1:{endpoint_port}"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    data: dict[str, object] = json.loads(done.stdout)
    return data


def test_up_serves_everything_and_metrics_reads_it_back(tmp_path: Path) -> None:
    statsd_port, endpoint_port, health_port = free_udp_port(), free_port(), free_port()
    up = AgentProcess(
        ["up", "--statsd-port", str(statsd_port), "--endpoint-port", str(endpoint_port),
         "--health-port", str(health_port), "--flush-interval", "1",
         "--state-dir", str(tmp_path / "state"), "--json"],
        env={"MWAA_OPS_SCHEDULER__ENABLED": "false"},
        log_path=tmp_path / "up.log",
    ).start()
    try:
        up.wait_healthy(health_port)
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for _ in range(25):
            sock.sendto(b"airflow.scheduler_heartbeat:1|c", ("127.0.0.1", statsd_port))

        def heartbeat_sum() -> float:
            rows = _published(endpoint_port)["metrics"]
            assert isinstance(rows, list)
            return sum(r["sum"] or 0 for r in rows if r["metric"] == "SchedulerHeartbeat")

        assert wait_for(lambda: heartbeat_sum() == 25, timeout=30), up.log()

        # The MWAA environment exists in the emulator behind the same endpoint.
        from mwaa_ops.aws import make_client
        from mwaa_ops.config import AwsConfig

        mwaa = make_client("mwaa", AwsConfig(endpoint_url=f"http://127.0.0.1:{endpoint_port}"))
        assert mwaa.get_environment(Name="local")["Environment"]["Name"] == "local"
    finally:
        assert up.stop(signal.SIGINT) == 0, up.log()
    events = [json.loads(line) for line in up.log().splitlines() if line.startswith('{"event"')]
    started = next(e for e in events if e["event"] == "started")
    assert started["statsd"]["port"] == statsd_port
    assert started["endpoint_url"] == f"http://127.0.0.1:{endpoint_port}"
    assert events[-1]["event"] == "stopped"


def test_help_everywhere() -> None:
    for command in (["--help"], ["up", "--help"], ["agent", "--help"], ["metrics", "--help"]):
        done = subprocess.run([MWAA_OPS, *command], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert "--json" in done.stdout or command == ["--help"]


def test_metrics_names_a_bad_since() -> None:
    done = subprocess.run([MWAA_OPS, "metrics", "--since", "soon", "--json"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--since 'soon'" in json.loads(done.stdout)["error"]
