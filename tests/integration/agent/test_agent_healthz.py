"""/healthz of a real agent: readiness means receiving and delivering; one time format (issue 8 case 13)."""

from __future__ import annotations

import json
import re
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mwaa_ops.agent.runner import Agent
from mwaa_ops.config import load_config
from mwaa_ops.local import LocalEndpoint
from tests.support.agent_process import free_port
from tests.support.cloudwatch_read import wait_for

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _healthz(agent: Agent) -> tuple[int, dict[str, Any]]:
    assert agent.health_server is not None
    url = f"http://127.0.0.1:{agent.health_server.port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _agent(tmp_path: Path, endpoint_url: str, **env: str) -> Agent:
    config = load_config(
        environ={"MWAA_OPS_SCHEDULER__ENABLED": "false", "MWAA_OPS_PUBLISHER__MAX_ATTEMPTS": "1",
                 "MWAA_OPS_PUBLISHER__BACKOFF_BASE_SECONDS": "0.05", **env},
        overrides={"statsd.port": 0, "health.port": 0, "flush_interval_seconds": 1,
                   "state_dir": str(tmp_path / "state"), "aws.endpoint_url": endpoint_url,
                   "aws.region": "us-east-1", "environment": "health"},
    )
    return Agent(config)


@pytest.fixture()
def endpoint() -> Iterator[LocalEndpoint]:
    with LocalEndpoint("127.0.0.1", 0) as ep:
        ep.reset()
        yield ep


def _send(agent: Agent, lines: list[bytes]) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for line in lines:
        sock.sendto(line, ("127.0.0.1", agent.server.port))


def test_ready_and_reports_airflow_and_statsd(tmp_path: Path, endpoint: LocalEndpoint,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    agent = _agent(tmp_path, endpoint.url)
    agent.start()
    try:
        status, body = _healthz(agent)
        assert status == 200 and body["ready"] is True and body["ready_reasons"] == []
        assert body["airflow"] == {"major_version": None, "source": "unknown", "tag_mode": "unknown"}
        assert body["statsd"]["last_datagram_at"] is None
        _send(agent, [b"airflow.dag_processing.last_duration,bundle_name=b,file_name=f:0.2|ms"] * 50)
        assert wait_for(lambda: _healthz(agent)[1]["statsd"]["lines_received"] == 50)
        assert wait_for(lambda: _healthz(agent)[1]["airflow"]["major_version"] == 3, timeout=10)
        status, body = _healthz(agent)
        assert body["airflow"] == {"major_version": 3, "source": "traffic", "tag_mode": "influxdb"}
        assert ISO_UTC.match(body["statsd"]["last_datagram_at"])
        assert isinstance(body["statsd"]["lines_per_second"], float)
        assert body["statsd"]["lines_per_second"] > 0
        assert wait_for(lambda: _healthz(agent)[1]["publisher"]["last_success_time"] is not None, timeout=10)
        status, body = _healthz(agent)
        assert status == 200
        for key in ("now", "started_at"):
            assert ISO_UTC.match(body[key]), key
        assert ISO_UTC.match(body["publisher"]["last_success_time"])
    finally:
        agent.stop()


def test_not_ready_while_nothing_is_delivered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """It answered 200 ready: true while degraded with nothing ever delivered."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    agent = _agent(tmp_path, f"http://127.0.0.1:{free_port()}")  # nothing listens there
    agent.start()
    try:
        _send(agent, [b"airflow.scheduler_heartbeat:1|c"] * 10)
        assert wait_for(lambda: _healthz(agent)[0] == 503, timeout=30)
        status, body = _healthz(agent)
        assert body["ready"] is False
        assert body["ready_reasons"], body
        assert body["live"] is True
        assert body["publisher"]["last_success_time"] is None
    finally:
        agent.stop()
