"""Validation of dashboard definitions: the shipped ones, and bad ones with readable errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from mwaa_ops.dashboards.build import load_definitions
from mwaa_ops.dashboards.limits import MAX_METRICS_PER_WIDGET
from mwaa_ops.dashboards.model import Dashboard
from mwaa_ops.errors import InvalidDefinitionError
from mwaa_ops.sync.definitions import load_file

ROOT = Path(__file__).resolve().parents[3]

GOOD = """\
dashboard: mini
scope: environment
title: "Mini {environment}"
rows:
  - section: Scheduler
    widgets:
      - type: graph
        title: Heartbeat
        stat: Sum
        period: 60
        metrics:
          - {metric: SchedulerHeartbeat, dimensions: {Function: Scheduler}}
"""


def test_shipped_definitions_are_valid() -> None:
    names = sorted(d.model.dashboard for d in load_definitions(ROOT / "dashboards"))
    assert names == ["agent", "fleet", "overview"]


def _widgets(count: int) -> str:
    widget = ("      - type: text\n        markdown: hi\n")
    return "".join(f"  - widgets:\n{widget}" for _ in range(count))


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        pytest.param(GOOD.replace("SchedulerHeartbeat", "SchedulerHeartbeats"), 12,
                     "unknown metric 'SchedulerHeartbeats'", id="unknown-metric"),
        pytest.param(GOOD.replace("SchedulerHeartbeat", "SchedulerHeartbeats"), 12,
                     "did you mean SchedulerHeartbeat", id="unknown-metric-suggests"),
        pytest.param(GOOD.replace("Function: Scheduler", "Function: Executor"), 12,
                     "not published with dimensions Environment={environment}, Function=Executor "
                     "(published with: Environment, Function=Scheduler)", id="wrong-dimension-value"),
        pytest.param(GOOD.replace("{Function: Scheduler}", "{Function: Scheduler, Environment: x}"),
                     12, "do not set Environment", id="environment-given"),
        pytest.param(GOOD.replace("stat: Sum", "stat: Total"), 9,
                     "widgets[0].stat = 'Total': not a CloudWatch statistic", id="bad-statistic"),
        pytest.param(GOOD.replace("period: 60", "period: 90"), 10,
                     "a period is 1, 5, 10, 30 or a multiple of 60", id="bad-period"),
        pytest.param(GOOD.replace("type: graph", "type: pie"), 7,
                     "rows[0].widgets[0].type = 'pie': Input should be 'graph', 'number', 'gauge', "
                     "'alarms', 'text' or 'logs'", id="unknown-widget-type"),
        pytest.param(GOOD.replace('"Mini {environment}"', '"Mini {enviroment}"'), 3,
                     "unknown parameter {enviroment}", id="unknown-parameter"),
        pytest.param(GOOD.replace("    widgets:\n", "    widgets:\n" + "      - {type: text, markdown: x, width: 24}\n"),
                     5, "need 25 columns; the grid has 24", id="row-too-wide"),
        pytest.param(GOOD.replace("scope: environment", "scope: everywhere"), 2,
                     "scope = 'everywhere'", id="bad-scope"),
        pytest.param(GOOD.replace("title: Heartbeat", "title: [Heartbeat"), 9,
                     "not valid YAML (expected ',' or ']', but got ':') column 13; while parsing "
                     "a flow sequence on line 8", id="bad-yaml-line"),
        pytest.param("dashboard: many\nscope: single\ntitle: t\nrows:\n" + _widgets(1),
                     None, None, id="ok-minimal"),
    ],
)
def test_bad_definitions_name_file_line_and_problem(
    tmp_path: Path, text: str, line: int | None, needle: str | None
) -> None:
    path = tmp_path / "mini.yaml"
    path.write_text(text)
    if needle is None:
        load_file(path, Dashboard)
        return
    with pytest.raises(InvalidDefinitionError) as info:
        load_file(path, Dashboard)
    message = str(info.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert needle in message, message


def test_too_many_metrics_in_a_widget(tmp_path: Path) -> None:
    lines = "".join("          - {metric: SchedulerHeartbeat, dimensions: {Function: Scheduler}}\n"
                    for _ in range(MAX_METRICS_PER_WIDGET + 1))
    path = tmp_path / "big.yaml"
    path.write_text(GOOD.split("        metrics:\n")[0] + "        metrics:\n" + lines)
    with pytest.raises(InvalidDefinitionError, match=r"big.yaml:11: rows\[0\].widgets\[0\].metrics"
                       r" = .*List should have at most 500 items"):
        load_file(path, Dashboard)


def test_too_many_widgets_is_refused_before_sending(tmp_path: Path) -> None:
    from mwaa_ops.dashboards.body import RenderInput, render
    from mwaa_ops.errors import DefinitionError

    path = tmp_path / "wide.yaml"
    path.write_text("dashboard: wide\nscope: single\ntitle: t\nrows:\n" + _widgets(500))
    model = load_file(path, Dashboard)  # 500 widgets + the banner: 501
    with pytest.raises(DefinitionError, match="wide.yaml: 501 widgets; CloudWatch allows 500"):
        render(RenderInput(model, "wide.yaml", {"environment": "e", "region": "r"}), lambda p: [])


def test_directory_reports_every_bad_file_and_keeps_nothing_silently(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD.replace("SchedulerHeartbeat", "Nope"))
    (tmp_path / "c.yaml").write_text(GOOD.replace("stat: Sum", "stat: Total"))
    with pytest.raises(InvalidDefinitionError) as info:
        load_definitions(tmp_path)
    assert [(Path(i.file).name, i.line) for i in info.value.issues] == [("b.yaml", 12), ("c.yaml", 9)]
