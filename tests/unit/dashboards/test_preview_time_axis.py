"""The preview's charts draw the usual windows without matplotlib warnings on the user's terminal."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mwaa_ops.dashboards.data import SeriesResult
from mwaa_ops.dashboards.preview import _draw

END = datetime(2026, 11, 30, 22, 29, tzinfo=UTC)


@pytest.mark.parametrize("window", [timedelta(minutes=15), timedelta(hours=3), timedelta(hours=12),
                                    timedelta(days=2), timedelta(days=14)],
                         ids=["15m", "3h", "12h", "2d", "14d"])
def test_time_axis_draws_without_warnings(window: timedelta, tmp_path: Path) -> None:
    start = END - window
    series = SeriesResult("m1", "heartbeats", [END - timedelta(minutes=5), END], [3.0, 4.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _draw({"metrics": []}, [series], 300, 150, start, END, tmp_path / "chart.png")
    assert (tmp_path / "chart.png").stat().st_size > 0


def test_index_lists_each_dashboard_on_its_own_line_escaped() -> None:
    """The index ran its links together ("mwaa-ops-agentmwaa-ops-fleet...")."""
    from mwaa_ops.dashboards.preview import INDEX

    page = INDEX.render(window="w", dashboards=[{"file": "a.html", "name": "mwaa-ops-agent"},
                                                {"file": "b.html", "name": "<b>x</b>"}])
    assert '<li><a href="a.html">mwaa-ops-agent</a></li>' in page
    assert "<li><a href=\"b.html\">&lt;b&gt;x&lt;/b&gt;</a></li>" in page
