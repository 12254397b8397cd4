"""Feed a real Airflow StatsD capture through the agent (a subprocess) into the local endpoint."""

from __future__ import annotations

import signal
import socket
from pathlib import Path

from tests.support.agent_process import AgentProcess, free_port, free_udp_port
from tests.support.cloudwatch_read import wait_for

ROOT = Path(__file__).resolve().parents[3]
CAPTURES = ROOT / "tests" / "fixtures" / "airflow_statsd"


def feed_capture(capture: str, environment: str, endpoint_url: str, tmp_path: Path) -> int:
    """Send every datagram of ``capture`` to an agent publishing as ``environment``; returns the count.

    The agent flushes every 2 s and is stopped with SIGTERM (final flush) once
    it has counted every line.
    """
    statsd_port, health_port = free_udp_port(), free_port()
    agent = AgentProcess(
        ["agent", "--environment", environment, "--flush-interval", "2",
         "--statsd-port", str(statsd_port), "--health-port", str(health_port),
         "--state-dir", str(tmp_path / f"state-{environment}")],
        env={"AWS_ENDPOINT_URL": endpoint_url, "AWS_ACCESS_KEY_ID": "testing",
             "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
             "MWAA_OPS_SCHEDULER__ENABLED": "false"},
        log_path=tmp_path / f"agent-{environment}.log",
    ).start()
    try:
        agent.wait_healthy(health_port)
        lines = [line for line in (CAPTURES / capture).read_text().splitlines() if line.strip()]
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            for line in lines:
                sock.sendto(line.encode(), ("127.0.0.1", statsd_port))

        def counted() -> bool:
            received = AgentProcess.prometheus(health_port).get("mwaa_ops_lines_received", 0.0)
            return received >= len(lines)

        assert wait_for(counted, timeout=60), agent.log()
    finally:
        assert agent.stop(signal.SIGTERM) == 0, agent.log()
    return len(lines)
