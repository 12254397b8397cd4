"""``mwaa-ops report`` against the embedded endpoint: three files, the summary, --json."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from mwaa_ops.aws import make_client
from mwaa_ops.cli.main import cli
from mwaa_ops.config import AwsConfig
from mwaa_ops.local import LocalEndpoint


def test_report_cli_writes_three_files_and_prints_the_summary(tmp_path: Path, endpoint: LocalEndpoint) -> None:
    endpoint.emulator.seed_environment("analytics", "2.11.2", WeeklyMaintenanceWindowStart="WED:01:00")
    endpoint.emulator.seed_environment("platform", "3.3.1")
    cloudwatch = make_client("cloudwatch", AwsConfig(endpoint_url=endpoint.url))
    cloudwatch.put_dashboard(DashboardName="mwaa-ops-platform", DashboardBody='{"widgets": []}')
    out = tmp_path / "report"
    result = CliRunner().invoke(
        cli, ["report", "--out", str(out), "--no-readiness", "--as-of", "2026-11-30T08:00",
              "--endpoint-url", endpoint.url, "--environment", "analytics", "--json"],
        env={"MWAA_OPS_STATE_DIR": str(tmp_path / "state")},
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert sorted(Path(p).name for p in answer["paths"].values()) == ["report.html", "report.json", "report.md"]
    assert answer["summary"][0] == "mwaa-ops Upgrade readiness report, week of 2026-11-30 (1 environment(s))"
    data = json.loads((out / "report.json").read_text())
    assert [e["environment"] for e in data["environments"]] == ["analytics"]
    analytics = data["environments"][0]
    assert analytics["next_step"] == "3.3.1" and analytics["upgrade_path"] == "2.11.2 -> 3.3.1 (in place)"
    assert analytics["next_maintenance_window"] == "2026-12-02T01:00:00+00:00"
    assert analytics["readiness"] is None and "readiness not run" in answer["summary"][1]
    assert data["usage"]["dashboards"] == 1 and data["cost"]["lines"][2]["monthly"] == 3.0
    markdown = (out / "report.md").read_text()
    assert "## analytics (Airflow 2.11.2)" in markdown and "## Alarms (last 7 days)" in markdown
    # The embedded endpoint answers DescribeAlarmHistory (local/alarms_api.py): no gap to report.
    assert data["alarms"]["available"] is True and "Alarm history unavailable" not in markdown


def test_report_cli_unknown_environment_is_reported_not_hidden(tmp_path: Path, endpoint: LocalEndpoint) -> None:
    result = CliRunner().invoke(
        cli, ["report", "--out", str(tmp_path / "r"), "--no-readiness", "--endpoint-url", endpoint.url,
              "--environment", "ghost", "--json"],
        env={"MWAA_OPS_STATE_DIR": str(tmp_path / "state")},
    )
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "r" / "report.json").read_text())
    assert data["environments"] == [] and any("ghost" in p for p in data["problems"])
    # and the person who typed the name is told, not only the report's reader
    assert any("Could not read: ghost: MWAA environment 'ghost' does not exist" in line
               for line in json.loads(result.output)["summary"]), result.output
