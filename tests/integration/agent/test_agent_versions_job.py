"""`mwaa-ops up` runs the versions job at start and publishes version metrics (issue 4)."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

from tests.support.agent_process import MWAA_OPS, AgentProcess, free_port, free_udp_port
from tests.support.cloudwatch_read import cloudwatch, statistic, wait_for

# Sources that refuse at once: the job must keep the shipped snapshot and still publish.
UNREACHABLE = "http://127.0.0.1:9/"


def test_versions_job_publishes_standing_of_the_local_environment(tmp_path: Path) -> None:
    endpoint_port, health_port = free_port(), free_port()
    up = AgentProcess(
        ["up", "--statsd-port", str(free_udp_port()), "--endpoint-port", str(endpoint_port),
         "--health-port", str(health_port), "--state-dir", str(tmp_path / "state")],
        env={"MWAA_OPS_VERSIONS__INDEX_URL": UNREACHABLE + "simple/",
             "MWAA_OPS_VERSIONS__MWAA_VERSIONS_URL": UNREACHABLE + "versions.html"},
        log_path=tmp_path / "up.log",
    ).start()
    endpoint = f"http://127.0.0.1:{endpoint_port}"
    try:
        up.wait_healthy(health_port)

        def job_outcome() -> str | None:
            jobs = AgentProcess.health(health_port)["scheduler"]
            return next(j["last_outcome"] for j in jobs if j["job"] == "versions_refresh")

        # Both calendar sources are unreachable: the job publishes from the snapshot, and says
        # that part of its work failed (issue 8 case 14).
        assert wait_for(job_outcome, timeout=60) == "partial", up.log()
        assert "outcome=partial" in up.log()
        assert "versions_refresh" in up.log()
        cw = cloudwatch(endpoint)
        # `up` creates `local` on the newest version MWAA offers: nothing newer on MWAA.
        assert wait_for(
            lambda: statistic(cw, "DaysBehindNewestMwaa", {"Environment": "local"}, "Maximum")
            is not None, timeout=30,
        ), up.log()
        assert statistic(cw, "DaysBehindNewestMwaa", {"Environment": "local"}, "Maximum") == 0

        done = subprocess.run([MWAA_OPS, "status", "--endpoint-url", endpoint, "--json"],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert "local" in json.dumps(json.loads(done.stdout))
    finally:
        assert up.stop(signal.SIGINT) == 0, up.log()
