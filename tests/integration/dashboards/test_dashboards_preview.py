"""preview from metrics the agent itself published, opened in headless Chromium: the chart
areas of the overview are drawn (not blank), and the page has the dashboard's widgets."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from mwaa_ops.aws import make_client
from mwaa_ops.clock import FakeClock, SystemClock, utc_now
from mwaa_ops.config import load_config
from mwaa_ops.dashboards.build import prepare
from mwaa_ops.dashboards.preview import render_preview
from mwaa_ops.local import LocalEndpoint
from tests.integration.dashboards.agent_feed import feed_capture
from tests.support.browser import ink_fraction, screenshot

ENV = "preview"
ARTIFACTS = Path("/work/wt/artifacts")
# A drawn chart (axes, ticks, lines, legend) covers well above this share of its box;
# a blank box or an empty "No data" chart stays below.
MIN_INK = 0.03


def test_preview_of_agent_published_metrics_in_chromium(tmp_path: Path) -> None:
    with LocalEndpoint("127.0.0.1", 0) as endpoint:
        endpoint.reset()
        feed_capture("airflow-3.3.2-influx.txt", ENV, endpoint.url, tmp_path)
        config = load_config(None, overrides={
            "environment": ENV, "aws.endpoint_url": endpoint.url, "aws.region": "us-east-1",
            "dashboards.include_mwaa_environments": False}, environ={})
        session = prepare(config, None, lambda s: make_client(s, config.aws), FakeClock())
        out = tmp_path / "preview"
        index = render_preview(make_client("cloudwatch", config.aws), session.desired,
                               30 * 60, utc_now(SystemClock()), out)
    assert index.exists()
    layout = json.loads((out / "layout.json").read_text())
    page = layout[f"mwaa-ops-overview-{ENV}"]
    shot = screenshot(out / page["page"], tmp_path / "overview.png", width=page["width"],
                      height=page["height"])
    if ARTIFACTS.is_dir():
        shutil.copy(shot, ARTIFACTS / "dashboard-preview.png")
    inks = {chart["file"]: ink_fraction(shot, _box(chart["box"])) for chart in page["charts"]}
    assert len(inks) >= 12, inks
    # Charts whose metrics the capture has (see test_dashboards_check) are drawn.
    drawn = [name for name, ink in inks.items() if ink >= MIN_INK]
    assert len(drawn) >= 12, inks
    html = (out / page["page"]).read_text()
    assert "Scheduler heartbeat" in html and "managed by mwaa-ops" in html


def _box(box: list[int]) -> tuple[int, int, int, int]:
    left, top, width, height = box
    return left, top, left + width, top + height
