"""Body generation: a snapshot of a small definition's body, and properties of the defaults."""

from __future__ import annotations

import json
from pathlib import Path

from mwaa_ops.dashboards.body import RenderInput, render
from mwaa_ops.dashboards.build import desired_dashboards, load_definitions
from mwaa_ops.dashboards.environments import EnvironmentParams, required_workers
from mwaa_ops.dashboards.model import Dashboard
from mwaa_ops.sync.definitions import load_file
from mwaa_ops.sync.ownership import OWNER_MARKER, Ownership

ROOT = Path(__file__).resolve().parents[3]
SNAPSHOT = Path(__file__).parent / "snapshots" / "mini-body.json"
SHARED = {"namespace": "AmazonMWAA", "region": "eu-west-1", "alarm_prefix": "mwaa-ops-",
          "owner": "data-platform", "runbooks_url": "", "dashboard_prefix": "mwaa-ops-"}
MINI = """\
dashboard: mini
scope: environment
title: "Mini {environment}"
rows:
  - section: Capacity
    widgets:
      - type: graph
        title: Required workers vs {max_workers}
        stat: Maximum
        period: 60
        metrics:
          - {metric: RunningTasks, dimensions: {Function: Executor}, id: r, visible: false}
          - {metric: QueuedTasks, dimensions: {Function: Executor}, id: q, visible: false}
          - {expression: "CEIL((r + q) / {tasks_per_worker})", label: workers}
        annotations: [{value: "{max_workers}", label: max}]
      - type: graph
        title: Slowest DAGs
        stat: Maximum
        metrics:
          - search: {metric: DAGDurationSuccess, by: [DAG], top: 5, order: MAX}
      - type: number
        title: Failed finishes
        width: 4
        metrics:
          - {metric: TaskInstanceFinished, dimensions: {DAG: etl, Task: load, State: failed}, stat: Sum}
"""


def _env() -> EnvironmentParams:
    return EnvironmentParams("prod", "mwaa", "2.10.3", "mw1.medium", 12)


def test_body_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "mini.yaml"
    path.write_text(MINI)
    model = load_file(path, Dashboard)
    body = render(RenderInput(model, "dashboards/mini.yaml", _env().parameters(SHARED), (),
                              "prod"), lambda pattern: [])
    text = json.dumps(body, indent=1, sort_keys=True) + "\n"
    # To accept an intended change: write ``text`` to SNAPSHOT, review the diff, commit.
    assert text == SNAPSHOT.read_text()


def test_metric_lines_use_canonical_dimension_order(tmp_path: Path) -> None:
    path = tmp_path / "mini.yaml"
    path.write_text(MINI)
    body = render(RenderInput(load_file(path, Dashboard), "mini.yaml", _env().parameters(SHARED),
                              (), "prod"), lambda pattern: [])
    finished = body["widgets"][-1]["properties"]["metrics"][0]
    assert finished[:10] == ["AmazonMWAA", "TaskInstanceFinished", "DAG", "etl",
                             "Environment", "prod", "State", "failed", "Task", "load"]


def test_defaults_carry_the_marker_and_mwaa_only_rows() -> None:
    definitions = load_definitions(ROOT / "dashboards")
    envs = [_env(), EnvironmentParams("local", "self-managed", "", "mw1.small", 10)]
    out = {r.name: r for r in desired_dashboards(definitions, envs, SHARED, Ownership(),
                                                 lambda p: [], self_managed="local")}
    assert set(out) == {"mwaa-ops-agent", "mwaa-ops-fleet", "mwaa-ops-overview-prod",
                        "mwaa-ops-overview-local"}
    for resource in out.values():
        assert OWNER_MARKER in resource.body["widgets"][0]["properties"]["markdown"]
    assert "AWS/MWAA" in json.dumps(out["mwaa-ops-overview-prod"].body)
    assert "AWS/MWAA" not in json.dumps(out["mwaa-ops-overview-local"].body)
    fleet = json.dumps(out["mwaa-ops-fleet"].body)
    assert "prod health" in fleet and "local health" in fleet
    assert "CEIL((r + q) / 10)" in json.dumps(out["mwaa-ops-overview-prod"].body)  # mw1.medium


def test_required_workers_rule() -> None:
    assert required_workers(0, 0, 5) == 0
    assert required_workers(3, 3, 5) == 2
    assert required_workers(10, 0, 5) == 2


def test_matplotlib_is_imported_by_the_preview_only() -> None:
    import subprocess
    import sys

    code = ("import sys, mwaa_ops.dashboards.cli, mwaa_ops.dashboards.check, "
            "mwaa_ops.dashboards.export, mwaa_ops.dashboards.job; "
            "print('matplotlib' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"
