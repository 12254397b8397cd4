"""``mwaa-ops readiness`` against the embedded endpoint: checklist, --json, exit codes."""

from __future__ import annotations

import json

from click.testing import CliRunner

from mwaa_ops.cli.main import cli
from tests.integration.readiness.conftest import FIXTURES, GOOD_REQUIREMENTS, Setup


def _env(setup: Setup) -> dict[str, str]:
    return {
        "MWAA_OPS_STATE_DIR": str(setup.config.state_dir),
        "MWAA_OPS_READINESS__CONSTRAINTS_URL": setup.config.readiness.constraints_url,
        "MWAA_OPS_READINESS__INDEX_URL": setup.config.readiness.index_url,
    }


def test_cli_json_fails_with_exit_1_on_breaking_dags(setup: Setup) -> None:
    version = setup.put("requirements.txt", GOOD_REQUIREMENTS)
    setup.environment(RequirementsS3Path="requirements.txt", RequirementsS3ObjectVersion=version)
    result = CliRunner().invoke(
        cli, ["readiness", "--environment", "etl", "--as-of", "2026-11-30T12:00", "--json",
              "--endpoint-url", setup.endpoint.url, "--dags", str(FIXTURES / "dags_airflow2")],
        env=_env(setup),
    )
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    statuses = {c["check"]: c["status"] for c in data["checks"]}
    assert statuses == {"path": "pass", "environment": "pass", "requirements": "pass", "plugins": "pass",
                        "dags": "fail", "configuration": "pass"}
    assert data["passed"] is False and data["target_version"] == "3.3.1"


def test_cli_checklist_for_people_exit_0_when_ready(setup: Setup) -> None:
    setup.environment()
    result = CliRunner().invoke(
        cli, ["readiness", "--environment", "etl", "--as-of", "2026-11-30T12:00",
              "--endpoint-url", setup.endpoint.url, "--dags", str(FIXTURES / "dags_airflow3")],
        env=_env(setup),
    )
    assert result.exit_code == 0, result.output
    assert "PASS  dags" in result.output and "READY: 6 pass, 0 warn, 0 fail" in result.output


def test_cli_unknown_environment_is_a_clear_error(setup: Setup) -> None:
    result = CliRunner().invoke(
        cli, ["readiness", "--environment", "nope", "--json", "--endpoint-url", setup.endpoint.url],
        env=_env(setup),
    )
    assert result.exit_code == 2
    assert "does not exist" in json.loads(result.output)["error"]
