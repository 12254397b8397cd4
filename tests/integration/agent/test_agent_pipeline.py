"""The agent as a user runs it: a subprocess, real UDP in, CloudWatch (moto over HTTP) out."""

from __future__ import annotations

import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import statsd

from mwaa_ops.local import LocalEndpoint
from tests.support.agent_process import MWAA_OPS, AgentProcess, free_port, free_udp_port
from tests.support.cloudwatch_read import cloudwatch, metric_names, statistic, wait_for

ENV = "itest"


@pytest.fixture()
def endpoint() -> Iterator[LocalEndpoint]:
    local = LocalEndpoint("127.0.0.1", 0)
    local.start()
    local.reset()  # moto's state is per process: start from an empty CloudWatch
    yield local
    local.stop()


def _agent(tmp_path: Path, endpoint_url: str, *extra: str) -> tuple[AgentProcess, int, int]:
    statsd_port, health_port = free_udp_port(), free_port()
    agent = AgentProcess(
        ["agent", "--environment", ENV, "--flush-interval", "2",
         "--statsd-port", str(statsd_port), "--health-port", str(health_port),
         "--state-dir", str(tmp_path / "state"), *extra],
        env={"AWS_ENDPOINT_URL": endpoint_url, "AWS_ACCESS_KEY_ID": "testing",
             "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
             "MWAA_OPS_SCHEDULER__ENABLED": "false"},
        log_path=tmp_path / "agent.log",
    ).start()
    agent.wait_healthy(health_port)
    return agent, statsd_port, health_port


def _lines_received(health_port: int) -> float:
    return AgentProcess.prometheus(health_port).get("mwaa_ops_lines_received", 0.0)


def test_statsd_in_mwaa_names_out_with_exact_totals(tmp_path: Path, endpoint: LocalEndpoint) -> None:
    agent, port, health = _agent(tmp_path, endpoint.url)
    try:
        client = statsd.StatsClient("127.0.0.1", port, prefix="airflow")
        raw = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sent = 0

        def send(line: str, times: int = 1) -> None:
            nonlocal sent
            for _ in range(times):
                raw.sendto(line.encode(), ("127.0.0.1", port))
                sent += 1

        for _ in range(50):
            client.incr("scheduler_heartbeat")
            sent += 1
        client.gauge("executor.open_slots", 32)
        sent += 1
        for value in range(1, 301):
            client.timing("dagrun.duration.success.itest_dag", value)
            sent += 1
        send("airflow.ti_successes:1|c|@0.5", 10)  # sampled: each counts twice
        # Plain mode: legacy name with ids inside, and the bare base name, per event.
        send("airflow.ti.finish.itest_dag.section_1.task_1.success:1|c", 7)
        send("airflow.ti.finish:1|c", 7)
        # InfluxDB mode (another family): the tagged base carries the real, dotted DAG id;
        # the legacy twin spells the dot as "__" (Airflow 3.3).
        send("airflow.dagrun.duration.failed,dag_id=other.dag:500|ms", 4)
        send("airflow.dagrun.duration.failed.other__dag:500|ms", 4)
        send("airflow.pool.open_slots.default_pool:128|g")
        send("airflow.pool.open_slots.default_pool:-28|g")
        send("not a statsd line")
        send("airflow.bad_value:abc|c")

        assert wait_for(lambda: _lines_received(health) >= sent, timeout=30), agent.log()
        metrics = AgentProcess.prometheus(health)
        assert metrics['mwaa_ops_lines_rejected{reason="bad_value"}'] >= 1
    finally:
        assert agent.stop(signal.SIGTERM) == 0, agent.log()

    cw = cloudwatch(endpoint.url)
    env = {"Environment": ENV}
    assert statistic(cw, "SchedulerHeartbeat", {**env, "Function": "Scheduler"}, "Sum") == 50
    assert statistic(cw, "TaskInstanceSuccesses", {**env, "DAG": "All", "Task": "All"}, "Sum") == 20
    finished = {**env, "DAG": "itest_dag", "Task": "section_1.task_1", "State": "success"}
    assert statistic(cw, "TaskInstanceFinished", finished, "Sum") == 7
    failed = {**env, "DAG": "other.dag"}
    assert statistic(cw, "DAGDurationFailed", failed, "SampleCount") == 4
    assert statistic(cw, "DAGDurationFailed", failed, "Maximum") == 500
    assert statistic(cw, "OpenSlots", {**env, "Function": "Executor"}, "Maximum") == 32
    assert statistic(cw, "PoolOpenSlots", {**env, "Pool": "default_pool"}, "Minimum") == 100
    duration = {**env, "DAG": "itest_dag"}
    assert statistic(cw, "DAGDurationSuccess", duration, "SampleCount") == 300
    assert statistic(cw, "DAGDurationSuccess", duration, "Sum") == pytest.approx(45150, rel=0.01)
    assert statistic(cw, "DAGDurationSuccess", duration, "Minimum") == pytest.approx(1, rel=0.01)
    assert statistic(cw, "DAGDurationSuccess", duration, "Maximum") == pytest.approx(300, rel=0.01)
    assert statistic(cw, "DAGDurationSuccess", duration, "p50") == pytest.approx(150, rel=0.02)
    assert statistic(cw, "DAGDurationSuccess", duration, "p90") == pytest.approx(270, rel=0.02)
    names = metric_names(cw)
    # Every datum carries Environment; the agent's own counters are there too.
    assert all(dims.get("Environment") == ENV for sets in names.values() for dims in sets), names
    assert {"Environment": ENV, "Function": "MwaaOpsAgent"} in names["AgentLinesReceived"]


def test_bad_config_stops_start_up_with_the_key_named(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('flush_interval_seconds = 0\n[statsd]\nport = "eighty"\n')
    done = subprocess.run([MWAA_OPS, "agent", "--config", str(config)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    log = done.stderr
    assert "flush_interval_seconds = 0" in log
    assert "statsd.port = 'eighty'" in log
