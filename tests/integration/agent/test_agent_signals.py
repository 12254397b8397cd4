"""Stopping the agent with signals never drops buffered data (issue 8 case 9).

With CloudWatch unreachable (a port that accepts connections and never
answers) and 6,000 lines buffered, the first SIGINT says what it delivers, for
how long and what a second signal does; the second SIGINT spools what is left
and exits 0. A restart against a working endpoint then delivers all of it.
"""

from __future__ import annotations

import signal
import socket
import time
from pathlib import Path

from mwaa_ops.local import LocalEndpoint
from tests.support.agent_process import AgentProcess, free_port, free_udp_port
from tests.support.cloudwatch_read import cloudwatch, statistic, wait_for

ENV = "signals"


def _agent(tmp_path: Path, url: str, statsd_port: int, health_port: int, log: str) -> AgentProcess:
    return AgentProcess(
        ["agent", "--environment", ENV, "--flush-interval", "60",
         "--statsd-port", str(statsd_port), "--health-port", str(health_port),
         "--state-dir", str(tmp_path / "state")],
        env={"AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "testing",
             "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
             "MWAA_OPS_SCHEDULER__ENABLED": "false",
             "MWAA_OPS_PUBLISHER__REQUEST_TIMEOUT_SECONDS": "3",
             "MWAA_OPS_PUBLISHER__SHUTDOWN_DEADLINE_SECONDS": "60"},
        log_path=tmp_path / log,
    ).start()


def test_second_sigint_spools_everything_and_a_restart_delivers_it(tmp_path: Path) -> None:
    blackhole = socket.socket()
    blackhole.bind(("127.0.0.1", 0))
    blackhole.listen(64)  # accepts (in the kernel) and never answers
    statsd_port, health_port = free_udp_port(), free_port()
    agent = _agent(tmp_path, f"http://127.0.0.1:{blackhole.getsockname()[1]}", statsd_port, health_port,
                   "first.log")
    try:
        agent.wait_healthy(health_port)
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for i in range(6000):
            sock.sendto(b"airflow.scheduler_heartbeat:1|c", ("127.0.0.1", statsd_port))
            if i % 500 == 0:
                time.sleep(0.01)
        assert wait_for(lambda: AgentProcess.prometheus(health_port).get("mwaa_ops_lines_received") == 6000,
                        timeout=30), agent.log()
        assert agent.proc is not None
        agent.proc.send_signal(signal.SIGINT)
        assert wait_for(lambda: "Press Ctrl-C again" in agent.log(), timeout=10), agent.log()
        time.sleep(1.0)  # the delivery attempt hangs on the blackhole
        assert agent.proc.poll() is None, agent.log()
        started = time.monotonic()
        code = agent.stop(signal.SIGINT, timeout=30)
        took = time.monotonic() - started
    finally:
        agent.kill()
        blackhole.close()
    log = agent.log()
    assert code == 0, log
    assert "Aborted!" not in log and "Traceback" not in log
    assert "SIGINT: stopping. Flushing the current interval and delivering" in log
    assert "for up to 60 s" in log
    assert "SIGINT again: not waiting for CloudWatch any longer; spooling" in log
    assert "datums spooled in" in log, log
    assert took < 10, (took, log)  # bounded by the request timeout, not by the 60 s deadline

    endpoint = LocalEndpoint("127.0.0.1", 0)
    endpoint.start()
    endpoint.reset()
    restarted = _agent(tmp_path, endpoint.url, free_udp_port(), free_port(), "second.log")
    try:
        cw = cloudwatch(endpoint.url)
        heartbeat = {"Environment": ENV, "Function": "Scheduler"}
        assert wait_for(lambda: statistic(cw, "SchedulerHeartbeat", heartbeat, "Sum") == 6000, timeout=60), (
            statistic(cw, "SchedulerHeartbeat", heartbeat, "Sum"), restarted.log())
    finally:
        assert restarted.stop(signal.SIGTERM) == 0, restarted.log()
        endpoint.stop()
