"""A driver process killed (SIGKILL) mid-upgrade is resumed by another process, without a second UpdateEnvironment.

Both drivers are real ``mwaa-ops upgrade run`` processes sharing the test's
accelerated clock (``MWAA_OPS_CLOCK``); the UpdateEnvironment count is read
from the emulator over HTTP, as another process would.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from mwaa_ops.alarms.mute import MaintenanceMute
from mwaa_ops.upgrades.audit import read_records
from mwaa_ops.upgrades.wiring import build_driver
from tests.integration.upgrades.conftest import Rig

REPO = Path(__file__).resolve().parents[3]


def _config_file(rig: Rig, path: Path) -> Path:
    path.write_text(f"""
state_dir = "{rig.state_dir}"
[aws]
endpoint_url = "{rig.endpoint.url}"
region = "us-east-1"
[readiness]
expected_upgrade_minutes = 30
maintenance_window_minutes = 240
[upgrades]
rollback_minutes = 15
poll_seconds = 20
lease_seconds = 300
health_settle_seconds = 120
readiness_checks = ["path"]
""")
    return path


def _update_calls(rig: Rig) -> int:
    with urllib.request.urlopen(f"{rig.endpoint.url}/_mwaa-emulator/calls", timeout=5) as answer:
        return int(json.load(answer)["UpdateEnvironment"].get(rig.environment, 0))


def _result(log: Path) -> dict[str, Any]:
    """The command's final JSON document (progress events before it are one line each)."""
    lines = log.read_text().splitlines()
    start = max(i for i, line in enumerate(lines) if line == "{")
    document: dict[str, Any] = json.loads("\n".join(lines[start:]))
    return document


def _driver(rig: Rig, config: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MWAA_OPS_CLOCK": rig.clock.spec(), "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "PYTHONPATH": str(REPO)}
    env.pop("AWS_ENDPOINT_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "mwaa_ops", "upgrade", "run", "--environment", rig.environment,
         "--config", str(config), "--json"],
        stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env, cwd=REPO)


def test_killed_driver_is_resumed_by_another_process_without_a_second_update(rig: Rig, tmp_path: Path) -> None:
    config = _config_file(rig, tmp_path / "mwaa-ops.toml")
    mute = MaintenanceMute(rig.client("cloudwatch"), rig.config, rig.clock)
    build_driver(rig.config, rig.clock, make_client=rig.client).approve(rig.environment, "3.3.1")

    first = _driver(rig, config, tmp_path / "first.log")
    deadline = time.monotonic() + 60
    while _update_calls(rig) < 1:
        assert first.poll() is None, (tmp_path / "first.log").read_text()
        assert time.monotonic() < deadline, "the first driver never sent UpdateEnvironment"
        time.sleep(0.05)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(10)
    assert first.returncode == -signal.SIGKILL
    status = rig.client("mwaa").get_environment(Name=rig.environment)["Environment"]["Status"]
    assert status in ("CREATING_SNAPSHOT", "UPDATING")
    assert mute.status(rig.environment).muted  # the dead driver could not unmute; the mute ends by itself

    # The second driver waits out the dead one's lease (300 s of the shared clock), then resumes.
    attempts = 0
    while True:
        attempts += 1
        log = tmp_path / f"second-{attempts}.log"
        second = _driver(rig, config, log)
        assert second.wait(120) is not None
        result = _result(log)
        if result.get("outcome") == "refused" and "holds the upgrade lease" in result.get("reason", ""):
            assert attempts < 20, result
            time.sleep(0.3)
            continue
        break
    assert second.returncode == 0, log.read_text()
    assert result["outcome"] == "succeeded" and result["resumed"] is True
    assert [(s["from"], s["to"]) for s in result["steps"]] == [("2.10.3", "2.11.2"), ("2.11.2", "3.3.1")]
    update_calls = _update_calls(rig)
    print(f"UpdateEnvironment calls counted at the emulator: {update_calls} for 2 steps")
    assert update_calls == 2  # step 1 sent once (by the killed driver), step 2 once
    env = rig.client("mwaa").get_environment(Name=rig.environment)["Environment"]
    assert (env["AirflowVersion"], env["Status"]) == ("3.3.1", "AVAILABLE")
    assert result["paging_restored"] is True and not mute.status(rig.environment).muted
    trail = [r["event"] for r in read_records(rig.state_dir, rig.environment)]
    # Each step was sent once; the kill may land before or after step 1's "update_sent" record.
    assert trail.count("update_sending") == 2 and "resumed" in trail and "resume_following" in trail
    assert "resume_not_sent" not in trail
