"""The health endpoint over a real socket."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from mwaa_ops.agent.health import HealthServer
from mwaa_ops.telemetry import Telemetry


def test_healthz_and_metrics() -> None:
    telemetry = Telemetry()
    telemetry.inc("packets_received", 3)
    state = {"ready": True, "publisher": {"queue_depth": 0}}
    server = HealthServer("127.0.0.1", 0, telemetry, lambda: state)
    server.start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
            assert json.loads(response.read())["ready"] is True
        with urllib.request.urlopen(base + "/metrics", timeout=5) as response:
            assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            assert "mwaa_ops_packets_received 3" in response.read().decode()
        state["ready"] = False
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(base + "/healthz", timeout=5)
        assert error.value.code == 503
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(base + "/nope", timeout=5)
        assert error.value.code == 404
    finally:
        server.stop()
