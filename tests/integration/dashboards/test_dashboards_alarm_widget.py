"""The overview's alarm-status widget shows the alarms `mwaa-ops alarms apply` made (metric and composite)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from mwaa_ops.cli.main import cli
from mwaa_ops.clock import FakeClock
from mwaa_ops.dashboards.build import prepare
from mwaa_ops.sync.session import apply_session
from tests.integration.dashboards.sync_env import ENV, client, make_config
from tests.support.fault_proxy import FaultProxy


def test_overview_alarm_widget_lists_the_environments_alarms_and_its_page(
    proxy: FaultProxy, definitions: Path, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        cli, ["alarms", "apply", "--endpoint-url", proxy.url, "--json"],
        env={"MWAA_OPS_ENVIRONMENT": ENV, "MWAA_OPS_STATE_DIR": str(tmp_path / "state"),
             "AWS_DEFAULT_REGION": "us-east-1"})
    assert result.exit_code == 0, result.output
    cloudwatch = client(make_config(proxy, definitions), "cloudwatch")
    metric = [a["AlarmArn"] for a in cloudwatch.describe_alarms(AlarmNamePrefix=f"mwaa-ops/{ENV}/")["MetricAlarms"]]
    composite = [a["AlarmArn"] for a in cloudwatch.describe_alarms(
        AlarmNamePrefix=f"mwaa-ops/{ENV}/", AlarmTypes=["CompositeAlarm"])["CompositeAlarms"]]
    assert metric and composite

    config = make_config(proxy, definitions)
    apply_session(prepare(config, ENV, lambda service: client(config, service), FakeClock()), FakeClock())
    body = json.loads(cloudwatch.get_dashboard(DashboardName=f"mwaa-ops-overview-{ENV}")["DashboardBody"])
    (widget,) = [w for w in body["widgets"] if w["type"] == "alarm"]
    assert sorted(widget["properties"]["alarms"]) == sorted(metric + composite)
