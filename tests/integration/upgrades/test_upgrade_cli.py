"""The CLI over HTTP: windows, plan, approve, run --dry-run, with --json and --help."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from mwaa_ops.cli.main import cli
from tests.integration.upgrades.conftest import Rig
from tests.support.upgrade_env import WINDOW_OPEN

NEXT_SUNDAY = (WINDOW_OPEN + timedelta(days=7)).date().isoformat()


def _invoke(rig: Rig, tmp_path: Path, *args: str) -> tuple[int, str]:
    config = tmp_path / "c.toml"
    config.write_text(f'state_dir = "{rig.state_dir}"\n[upgrades]\nreadiness_checks = ["path"]\n'
                      f'blackout_dates = [{NEXT_SUNDAY}]\n')
    result = CliRunner().invoke(
        cli, [*args, "--config", str(config), "--endpoint-url", rig.endpoint.url],
        env={"MWAA_OPS_CLOCK": rig.clock.spec(), "AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t"},
        catch_exceptions=False)
    return result.exit_code, result.output


@pytest.mark.parametrize("command", [["windows"], ["upgrade"], ["upgrade", "plan"], ["upgrade", "approve"],
                                     ["upgrade", "run"]])
def test_help(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output
    if command != ["upgrade"]:
        assert "--json" in result.output


def test_windows_plan_approve_dry_run_json(rig: Rig, tmp_path: Path) -> None:
    code, out = _invoke(rig, tmp_path, "windows", "--environment", rig.environment, "--count", "3", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert [w["usable"] for w in data["next"]] == [True, False, True]
    assert data["next"][1]["skipped"] == f"blackout date {NEXT_SUNDAY}"

    code, out = _invoke(rig, tmp_path, "upgrade", "plan", "--environment", rig.environment, "--json")
    assert code == 0, out
    plan = json.loads(out)
    assert [(s["from"], s["to"]) for s in plan["steps"]] == [("2.10.3", "2.11.2"), ("2.11.2", "3.3.1")]
    assert plan["readiness"]["passed"] is True and plan["readiness"]["target"] == "2.11.2"

    code, out = _invoke(rig, tmp_path, "upgrade", "run", "--environment", rig.environment, "--json")
    lines = out.splitlines()
    final = json.loads("\n".join(lines[max(i for i, line in enumerate(lines) if line == "{"):]))
    assert code == 1 and final["outcome"] == "refused" and "no approved upgrade" in final["reason"]
    assert any(json.loads(line).get("event") == "run_refused" for line in lines if line.startswith('{"'))

    code, out = _invoke(rig, tmp_path, "upgrade", "approve", "--environment", rig.environment,
                        "--target", "3.3.1", "--json")
    assert code == 0 and json.loads(out)["target"] == "3.3.1"

    code, out = _invoke(rig, tmp_path, "upgrade", "run", "--environment", rig.environment, "--dry-run")
    assert code == 0, out
    assert f"MWAA UpdateEnvironment Name={rig.environment} AirflowVersion=2.11.2" in out
    assert rig.emulator.update_calls.get(rig.environment, 0) == 0

    code, out = _invoke(rig, tmp_path, "upgrade", "approve", "--environment", rig.environment,
                        "--target", "9.9.9")
    assert code == 2 and "not offered by MWAA" in out
