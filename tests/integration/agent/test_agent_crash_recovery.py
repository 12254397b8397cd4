"""The agent process survives what a sidecar meets: CloudWatch down, then a SIGKILL.

Nothing accepted is lost: datums that could not be delivered sit in the spool,
and the next start replays them before new data.

Issue 9 fault 1: a SIGKILL during a brown-out (every attempt failing after 2 s)
loses at most the interval being aggregated. Disk first, every flushed interval
is already in the spool; before issue 9 the intervals waited in memory for the
current round's eight attempts and were all lost.
"""

from __future__ import annotations

import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mwaa_ops.local import LocalEndpoint
from tests.support.agent_process import AgentProcess, free_port, free_udp_port
from tests.support.cloudwatch_read import cloudwatch, statistic, wait_for
from tests.support.fault_proxy import PASS, UNAVAILABLE, FaultProxy

ENV = "crash"


@pytest.fixture()
def proxy() -> Iterator[tuple[LocalEndpoint, FaultProxy]]:
    endpoint = LocalEndpoint("127.0.0.1", 0)
    endpoint.start()
    endpoint.reset()  # moto's state is per process: start from an empty CloudWatch
    fault = FaultProxy(endpoint.url).start()
    yield endpoint, fault
    fault.stop()
    endpoint.stop()


def _start(tmp_path: Path, url: str, statsd_port: int, health_port: int, log: str,
           max_attempts: int = 2) -> AgentProcess:
    agent = AgentProcess(
        ["agent", "--environment", ENV, "--flush-interval", "1",
         "--statsd-port", str(statsd_port), "--health-port", str(health_port),
         "--state-dir", str(tmp_path / "state")],
        env={"AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "testing",
             "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
             "MWAA_OPS_SCHEDULER__ENABLED": "false",
             "MWAA_OPS_PUBLISHER__MAX_ATTEMPTS": str(max_attempts),
             "MWAA_OPS_PUBLISHER__BACKOFF_BASE_SECONDS": "0.05",
             "MWAA_OPS_PUBLISHER__BACKOFF_MAX_SECONDS": "0.2"},
        log_path=tmp_path / log,
    ).start()
    agent.wait_healthy(health_port)
    return agent


def test_outage_then_sigkill_then_restart_delivers_everything(
    tmp_path: Path, proxy: tuple[LocalEndpoint, FaultProxy]
) -> None:
    endpoint, fault = proxy
    fault.set_mode(UNAVAILABLE)
    statsd_port, health_port = free_udp_port(), free_port()
    agent = _start(tmp_path, fault.url, statsd_port, health_port, "first.log")
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(3):  # three bursts, so several intervals are spooled
        for _ in range(400):
            sock.sendto(b"airflow.scheduler_heartbeat:1|c", ("127.0.0.1", statsd_port))
        for value in (10, 20, 30):
            sock.sendto(f"airflow.dagrun.duration.success.crash_dag:{value}|ms".encode(),
                        ("127.0.0.1", statsd_port))
        time.sleep(1.2)  # the next burst lands in a later interval

    def spooled() -> float:
        return float(AgentProcess.health(health_port)["publisher"]["spool_datums"] or 0)

    assert wait_for(lambda: spooled() > 0, timeout=30), agent.log()
    lines = AgentProcess.prometheus(health_port)["mwaa_ops_lines_received"]
    assert lines == 3 * 403
    # Let the last interval flush into the spool, then crash without a chance to clean up.
    assert wait_for(
        lambda: AgentProcess.prometheus(health_port).get("mwaa_ops_datums_aggregated", 0) > 0
        and AgentProcess.health(health_port)["publisher"]["queue_depth"] == 0, timeout=30)
    time.sleep(1.5)
    agent.kill()

    fault.set_mode(PASS)
    restarted = _start(tmp_path, fault.url, statsd_port, free_port(), "second.log")
    try:
        cw = cloudwatch(endpoint.url)
        heartbeat = {"Environment": ENV, "Function": "Scheduler"}
        assert wait_for(lambda: statistic(cw, "SchedulerHeartbeat", heartbeat, "Sum") == 1200,
                        timeout=60), (statistic(cw, "SchedulerHeartbeat", heartbeat, "Sum"),
                                      restarted.log())
        duration = {"Environment": ENV, "DAG": "crash_dag"}
        assert statistic(cw, "DAGDurationSuccess", duration, "SampleCount") == 9
        assert statistic(cw, "DAGDurationSuccess", duration, "Sum") == 180
    finally:
        assert restarted.stop(signal.SIGTERM) == 0, restarted.log()

BURSTS, PER_BURST = 5, 100


def test_fault1_sigkill_during_a_brownout_loses_no_flushed_interval(
    tmp_path: Path, proxy: tuple[LocalEndpoint, FaultProxy]
) -> None:
    endpoint, fault = proxy
    fault.set_mode(UNAVAILABLE, delay=2.0)  # every attempt fails after 2 s
    statsd_port, health_port = free_udp_port(), free_port()
    agent = _start(tmp_path, fault.url, statsd_port, health_port, "first.log", max_attempts=8)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(BURSTS):
        for _ in range(PER_BURST):
            sock.sendto(b"airflow.scheduler_heartbeat:1|c", ("127.0.0.1", statsd_port))
        time.sleep(1.2)
    # The last burst's interval ends within a second and is flushed to the spool.
    assert wait_for(lambda: AgentProcess.prometheus(health_port).get("mwaa_ops_flushes", 0) >= BURSTS + 1,
                    timeout=30), agent.log()
    time.sleep(1.5)
    stats = AgentProcess.health(health_port)["publisher"]
    agent.kill()
    assert stats["spool_datums"] >= BURSTS  # one heartbeat datum per interval, all on disk

    fault.set_mode(PASS, delay=0.0)
    restarted = _start(tmp_path, fault.url, statsd_port, free_port(), "second.log")
    try:
        cw = cloudwatch(endpoint.url)
        heartbeat = {"Environment": ENV, "Function": "Scheduler"}
        total = BURSTS * PER_BURST
        assert wait_for(lambda: statistic(cw, "SchedulerHeartbeat", heartbeat, "Sum") == total,
                        timeout=60), (statistic(cw, "SchedulerHeartbeat", heartbeat, "Sum"), restarted.log())
        print(f"\nfault1: sent={total} delivered={total} dropped=0 duplicated=0")  # noqa: T201
    finally:
        assert restarted.stop(signal.SIGTERM) == 0, restarted.log()
