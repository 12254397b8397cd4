"""The overview's alarm-status widget lists the alarms `alarms apply` created (names agree)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mwaa_ops.cli.main import cli
from mwaa_ops.config import load_config
from mwaa_ops.dashboards.build import prepare
from mwaa_ops.errors import InvalidDefinitionError
from mwaa_ops.local import LocalEndpoint
from tests.integration.dashboards.sync_env import ENV, client, make_config
from tests.support.fault_proxy import FaultProxy


def test_overview_alarm_widget_shows_the_applied_alarms(proxy: FaultProxy, endpoint: LocalEndpoint,
                                                        definitions: Path) -> None:
    env = {"MWAA_OPS_ENVIRONMENT": ENV, "AWS_DEFAULT_REGION": "us-east-1"}
    applied = CliRunner().invoke(cli, ["alarms", "apply", "--endpoint-url", endpoint.url, "--json"], env=env)
    assert applied.exit_code == 0, applied.output
    config = make_config(proxy, definitions)
    session = prepare(config, ENV, lambda service: client(config, service))
    overview = next(d for d in session.desired if d.name == f"mwaa-ops-overview-{ENV}")
    widgets = overview.body["widgets"]
    (alarm_widget,) = [w for w in widgets if w["type"] == "alarm"]
    names = {arn.rsplit(":", 1)[1] for arn in alarm_widget["properties"]["alarms"]}
    assert f"mwaa-ops/{ENV}/high/platform/scheduler-heartbeat-missing" in names
    assert f"mwaa-ops/{ENV}/critical/platform/page" in names  # the composite page too
    assert not any("No alarms match" in w.get("properties", {}).get("markdown", "") for w in widgets)
    # the preview shows the composite page's real state, not INSUFFICIENT_DATA
    from mwaa_ops.dashboards.preview import _alarms_html

    page = f"mwaa-ops/{ENV}/critical/platform/page"
    cloudwatch = client(config, "cloudwatch")
    cloudwatch.set_alarm_state(AlarmName=page, StateValue="ALARM", StateReason="test")
    shown = _alarms_html(cloudwatch, alarm_widget["properties"]["alarms"])
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
