"""The health endpoint over a real socket: readiness, liveness, HEAD, bounds, bind errors (issue 8 cases 10, 13)."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from mwaa_ops.agent.health import HealthServer
from mwaa_ops.errors import StartupError
from mwaa_ops.telemetry import Telemetry
from tests.support.agent_process import MWAA_OPS, free_port, free_udp_port


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_healthz_livez_metrics_and_head() -> None:
    telemetry = Telemetry()
    telemetry.inc("packets_received", 3)
    state: dict[str, Any] = {"ready": True, "publisher": {"queue_depth": 0}}
    alive = {"live": True}
    server = HealthServer("127.0.0.1", 0, telemetry, lambda: state, lambda: alive["live"])
    server.start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        status, body = _get(base + "/healthz")
        assert status == 200 and json.loads(body)["ready"] is True
        with urllib.request.urlopen(base + "/metrics", timeout=5) as response:
            assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            assert "mwaa_ops_packets_received_total 3.0" in response.read().decode()
        state["ready"] = False
        assert _get(base + "/healthz")[0] == 503
        assert _get(base + "/livez") == (200, b'{"live": true}\n')  # not ready is not dead
        alive["live"] = False
        assert _get(base + "/livez")[0] == 503
        assert _get(base + "/nope")[0] == 404
        for path, expected in (("/healthz", 503), ("/livez", 503), ("/metrics", 200)):
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
            conn.request("HEAD", path)
            response = conn.getresponse()
            assert response.status == expected, path  # was 501 for HEAD
            assert int(response.headers["Content-Length"]) > 0
            assert response.read() == b""
            conn.close()
    finally:
        server.stop()


def test_connections_are_bounded_and_idle_ones_time_out() -> None:
    server = HealthServer("127.0.0.1", 0, Telemetry(), lambda: {"ready": True},
                          max_connections=2, connection_timeout=1.0)
    server.start()
    idle = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(2)]
    try:
        time.sleep(0.3)  # both are being served (waiting for a request line)
        status, body = _get(f"http://127.0.0.1:{server.port}/healthz")
        assert (status, body) == (503, b"too many connections\r\n")
        time.sleep(1.5)  # the idle clients hit the connection timeout and are closed
        for sock in idle:
            assert sock.recv(100) == b""  # closed by the server
        assert _get(f"http://127.0.0.1:{server.port}/healthz")[0] == 200
    finally:
        for sock in idle:
            sock.close()
        server.stop()


def test_port_in_use_is_one_line_naming_the_flag() -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        with pytest.raises(StartupError) as info:
            HealthServer("127.0.0.1", port, Telemetry(), dict)
        assert f"port {port} is already in use" in str(info.value)
        assert "--health-port" in str(info.value)
    finally:
        taken.close()


@pytest.mark.parametrize("which", ["health", "statsd"])
def test_cli_port_in_use_exits_2_with_one_line(tmp_path, which: str) -> None:
    """Issue 8 case 10: a health port in use ended in a Python traceback."""
    kind = socket.SOCK_STREAM if which == "health" else socket.SOCK_DGRAM
    taken = socket.socket(socket.AF_INET, kind)
    taken.bind(("127.0.0.1", 0))
    if which == "health":
        taken.listen()
    port = taken.getsockname()[1]
    health = port if which == "health" else free_port()
    statsd = port if which == "statsd" else free_udp_port()
    try:
        done = subprocess.run(
            [MWAA_OPS, "agent", "--health-port", str(health), "--statsd-port", str(statsd),
             "--state-dir", str(tmp_path / "state")],
            capture_output=True, text=True, timeout=60,
            env={"PATH": "/usr/bin:/bin", "MWAA_OPS_SCHEDULER__ENABLED": "false", "AWS_REGION": "us-east-1",
                 "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
                 "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"},
        )
    finally:
        taken.close()
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert f"port {port} is already in use" in lines[0]
    assert f"--{which}-port" in lines[0]
