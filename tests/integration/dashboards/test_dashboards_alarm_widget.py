"""The overview's alarm-status widget shows the alarms `mwaa-ops alarms apply` made (metric and composite)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mwaa_ops.cli.main import cli
from mwaa_ops.clock import FakeClock
from mwaa_ops.config import load_config
from mwaa_ops.dashboards.build import prepare
from mwaa_ops.errors import InvalidDefinitionError
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


def test_preview_shows_the_composite_pages_state(proxy: FaultProxy, definitions: Path, tmp_path: Path) -> None:
    """DescribeAlarms without AlarmTypes returns metric alarms only: the page read INSUFFICIENT_DATA."""
    from mwaa_ops.dashboards.preview import _alarms_html

    result = CliRunner().invoke(
        cli, ["alarms", "apply", "--endpoint-url", proxy.url, "--json"],
        env={"MWAA_OPS_ENVIRONMENT": ENV, "MWAA_OPS_STATE_DIR": str(tmp_path / "state"),
             "AWS_DEFAULT_REGION": "us-east-1"})
    assert result.exit_code == 0, result.output
    config = make_config(proxy, definitions)
    cloudwatch = client(config, "cloudwatch")
    page = f"mwaa-ops/{ENV}/critical/platform/page"
    cloudwatch.set_alarm_state(AlarmName=page, StateValue="ALARM", StateReason="test")
    arn = cloudwatch.describe_alarms(AlarmNames=[page], AlarmTypes=["CompositeAlarm"])["CompositeAlarms"][0]["AlarmArn"]
    shown = _alarms_html(cloudwatch, [arn])
    assert f'<div class="alarm ALARM">● {page} <small>ALARM</small></div>' in shown, shown


def test_default_definitions_are_found_from_any_working_directory(
        proxy: FaultProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`mwaa-ops up` started outside the checkout: the shipped dashboards/, like alarms/."""
    monkeypatch.chdir(tmp_path)
    config = load_config(None, overrides={
        "environment": ENV, "aws.endpoint_url": proxy.url, "aws.region": "us-east-1"}, environ={})
    session = prepare(config, None, lambda service: client(config, service))
    assert {d.name for d in session.desired} >= {"mwaa-ops-agent", f"mwaa-ops-overview-{ENV}"}


def test_a_missing_directory_is_named_with_its_key_and_full_path(
        proxy: FaultProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = make_config(proxy, Path("dashbords"))
    with pytest.raises(InvalidDefinitionError) as caught:
        prepare(config, ENV, lambda service: client(config, service))
    assert f"dashboards.directory = 'dashbords': not a directory ({tmp_path / 'dashbords'})" in str(caught.value)
