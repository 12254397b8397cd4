"""plan/apply against moto server over HTTP, write calls counted at a proxy in front of it."""

from __future__ import annotations

import json
from pathlib import Path

from mwaa_ops.clock import FakeClock
from mwaa_ops.dashboards.build import prepare
from mwaa_ops.local import LocalEndpoint
from mwaa_ops.sync.ownership import OWNER_MARKER
from mwaa_ops.sync.session import apply_session, plan_session
from tests.integration.dashboards.sync_env import ENV, ROOT, client, make_config, writes
from tests.support.fault_proxy import FaultProxy


def session(config, environment=None):  # type: ignore[no-untyped-def]
    return prepare(config, environment, lambda service: client(config, service), FakeClock())


def test_first_apply_creates_second_makes_no_write_then_update_orphan_foreign(
    proxy: FaultProxy, endpoint: LocalEndpoint, definitions: Path
) -> None:
    endpoint.emulator.seed_environment("prod", "2.10.3", EnvironmentClass="mw1.medium",
                                       MaxWorkers=12)
    config = make_config(proxy, definitions)
    cloudwatch = client(config, "cloudwatch")
    foreign_body = json.dumps({"widgets": [{"type": "text", "x": 0, "y": 0, "width": 6,
                                            "height": 2, "properties": {"markdown": "mine"}}]})
    cloudwatch.put_dashboard(DashboardName="mwaa-ops-by-hand", DashboardBody=foreign_body)
    cloudwatch.put_dashboard(DashboardName="team-board", DashboardBody=foreign_body)
    proxy.operations.clear()

    plan, result = apply_session(session(config), FakeClock())
    expected = {"mwaa-ops-agent", "mwaa-ops-fleet", f"mwaa-ops-overview-{ENV}",
                "mwaa-ops-overview-prod"}
    assert {c.name for c in plan.changes if c.action == "create"} == expected
    assert result.ok and result.writes == 4 == writes(proxy)
    names = {d["DashboardName"] for d in cloudwatch.list_dashboards()["DashboardEntries"]}
    assert names == expected | {"mwaa-ops-by-hand", "team-board"}
    prod = json.loads(cloudwatch.get_dashboard(DashboardName="mwaa-ops-overview-prod")["DashboardBody"])
    assert OWNER_MARKER in prod["widgets"][0]["properties"]["markdown"]
    assert any("AWS/MWAA" in json.dumps(w) for w in prod["widgets"])  # MWAA-only row
    local = json.loads(cloudwatch.get_dashboard(DashboardName=f"mwaa-ops-overview-{ENV}")["DashboardBody"])
    assert "AWS/MWAA" not in json.dumps(local)

    proxy.operations.clear()
    plan, result = apply_session(session(config), FakeClock())
    assert plan.counts == {"create": 0, "update": 0, "delete": 0, "unchanged": 4}
    assert result.writes == 0 and writes(proxy) == 0
    assert proxy.operations["GetDashboard"] == 5  # four owned + the foreign one with the prefix

    # A changed definition updates only that dashboard; a removed one is deleted.
    agent = definitions / "agent.yaml"
    agent.write_text(agent.read_text().replace("title: Active series", "title: Series in memory"))
    (definitions / "fleet.yaml").unlink()
    proxy.operations.clear()
    plan = plan_session(session(config))
    assert [(c.action, c.name) for c in plan.pending] == [
        ("delete", "mwaa-ops-fleet"), ("update", "mwaa-ops-agent")]
    update = plan.pending[1]
    assert update.diff == (
        "- widgets['metric:Active series']",
        "+ widgets['metric:Series in memory']",
    ), update.diff
    assert writes(proxy) == 0  # plan never writes
    plan, result = apply_session(session(config), FakeClock())
    assert result.writes == 2 == writes(proxy)
    assert proxy.operations["PutDashboard"] == 1 and proxy.operations["DeleteDashboards"] == 1
    names = {d["DashboardName"] for d in cloudwatch.list_dashboards()["DashboardEntries"]}
    assert names == expected - {"mwaa-ops-fleet"} | {"mwaa-ops-by-hand", "team-board"}
    assert cloudwatch.get_dashboard(DashboardName="mwaa-ops-by-hand")["DashboardBody"] == foreign_body


def test_environment_scope_leaves_other_environments_alone(
    proxy: FaultProxy, endpoint: LocalEndpoint, definitions: Path
) -> None:
    endpoint.emulator.seed_environment("prod", "2.10.3")
    config = make_config(proxy, definitions)
    apply_session(session(config), FakeClock())
    plan = plan_session(session(config, "prod"))
    assert [(c.action, c.name) for c in plan.changes] == [("unchanged", "mwaa-ops-overview-prod")]


def test_scheduler_job_applies_and_a_failure_is_counted_not_raised(
    proxy: FaultProxy, endpoint: LocalEndpoint, definitions: Path
) -> None:
    from mwaa_ops.agent.scheduler import JobContext, JobRunner, resolve_job
    from mwaa_ops.config import JobConfig
    from mwaa_ops.telemetry import Telemetry

    config = make_config(proxy, definitions)
    telemetry = Telemetry()
    context = JobContext(config=config, clock=FakeClock(), telemetry=telemetry, publisher=None,
                         make_client=lambda service: client(config, service))
    runner = JobRunner(context, {"dashboards_sync": JobConfig()})
    job = resolve_job("dashboards_sync")
    first = runner.run("dashboards_sync", job)
    assert first.outcome == "ok" and first.detail["writes"] == first.detail["create"] == 3
    again = runner.run("dashboards_sync", job)
    assert again.outcome == "ok" and again.detail["writes"] == 0

    (definitions / "agent.yaml").write_text("dashboard: agent\nscope: single\ntitle: [oops\n")
    broken = runner.run("dashboards_sync", job)
    assert broken.outcome == "failed" and "agent.yaml:4: not valid YAML" in broken.error, broken.error
    assert telemetry.get("job_runs", job="dashboards_sync", outcome="failed") == 1
    assert telemetry.get("sync_writes", kind="dashboards") == 3


def test_an_environment_gone_between_list_and_get_is_skipped(proxy: FaultProxy) -> None:
    from mwaa_ops.dashboards.environments import _get_environment

    config = make_config(proxy, ROOT / "dashboards")
    mwaa = client(config, "mwaa")
    assert _get_environment(mwaa, "no-such-environment") is None  # MWAA answered ResourceNotFoundException
