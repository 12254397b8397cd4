"""``dashboards preview``: the dashboards as static HTML pages with PNG charts, from live data.

Each dashboard becomes ``<name>.html`` laid out like CloudWatch's grid (24
columns; a widget at ``x, y, width, height`` is placed at those grid units,
:data:`COLUMN_PX` x :data:`ROW_PX` pixels each), with ``index.html`` linking
them and ``layout.json`` recording every chart's box in page pixels (tests
screenshot the page and check those boxes are drawn). Metric widgets query
``GetMetricData`` exactly like the dashboard (SEARCH and math included) and
are drawn with matplotlib (the only module that imports it); numbers, text
(Markdown) and alarm states are HTML. Works offline on the embedded default.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2
import matplotlib
from markdown_it import MarkdownIt

from mwaa_ops.dashboards.data import SeriesResult, fetch, widget_lines
from mwaa_ops.dashboards.limits import GRID_COLUMNS
from mwaa_ops.sync.plan import Resource

matplotlib.use("Agg")

from matplotlib import dates as mdates  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402

COLUMN_PX = 56
ROW_PX = 34
GAP_PX = 8
HEADER_PX = 64
MARGIN_PX = 16
TITLE_PX = 26
PAGE_WIDTH = MARGIN_PX * 2 + GRID_COLUMNS * COLUMN_PX
# CloudWatch's default palette, in its order.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")

# Autoescaped: names and titles come from definitions; pre-built HTML is marked |safe.
_TEMPLATES = jinja2.Environment(autoescape=True)

PAGE = _TEMPLATES.from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>
 body { margin: 0; font: 13px/1.4 "Amazon Ember", "Helvetica Neue", Arial, sans-serif;
        color: #16191f; background: #f2f3f3; }
 header { height: {{ header_px }}px; box-sizing: border-box; padding: 12px {{ margin }}px;
          background: #232f3e; color: #fff; }
 header h1 { margin: 0; font-size: 18px; } header p { margin: 2px 0 0; color: #d5dbdb; font-size: 12px; }
 header a { color: #8ec9ff; }
 main { position: relative; height: {{ grid_height }}px; }
 .w { position: absolute; box-sizing: border-box; background: #fff; border: 1px solid #d5dbdb;
      border-radius: 2px; overflow: hidden; }
 .w h2 { margin: 0; height: {{ title_px }}px; line-height: {{ title_px }}px; padding: 0 10px;
         font-size: 13px; font-weight: 700; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
 .w img { display: block; }
 .text { padding: 4px 12px; overflow: hidden; } .text h1 { font-size: 18px; margin: 4px 0; }
 .text h2 { font-size: 15px; margin: 2px 0 0; padding: 0; height: auto; line-height: 1.3; }
 .transparent .text { padding: 0 10px; }
 .text p { margin: 4px 0; } .text code { background: #eaeded; padding: 0 3px; }
 .transparent { background: transparent; border: none; }
 .numbers { display: flex; gap: 24px; padding: 8px 12px; flex-wrap: wrap; }
 .number b { display: block; font-size: 28px; font-weight: 400; color: #0073bb; }
 .number span { color: #545b64; font-size: 12px; } .nodata b { color: #879596; }
 .alarm { padding: 2px 12px; } .OK { color: #1d8102; } .ALARM { color: #d13212; }
 .INSUFFICIENT_DATA { color: #879596; }
 nav a { display: block; margin: 6px 0; }
</style></head>
<body><header><h1>{{ title }}</h1><p>{{ subtitle|safe }}</p></header>
<main>{% for w in widgets %}<section class="w {{ w.css }}" style="left:{{ w.left }}px;top:{{ w.top }}px;width:{{ w.width }}px;height:{{ w.height }}px">{{ w.html|safe }}</section>{% endfor %}</main>
</body></html>
""")

INDEX = _TEMPLATES.from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mwaa-ops dashboards preview</title>
<style>body { font: 14px/1.5 Arial, sans-serif; margin: 24px; } nav li { margin: 6px 0; }</style></head>
<body><h1>mwaa-ops dashboards preview</h1><p>{{ window }}</p><nav><ul>
{% for d in dashboards %}<li><a href="{{ d.file }}">{{ d.name }}</a></li>
{% endfor %}</ul></nav></body></html>
""")


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    width: int
    height: int


def widget_box(widget: dict[str, Any]) -> Box:
    """The widget's box in page pixels (grid units times the cell size, minus the gap)."""
    return Box(MARGIN_PX + widget["x"] * COLUMN_PX, widget["y"] * ROW_PX + GAP_PX // 2,
               widget["width"] * COLUMN_PX - GAP_PX, widget["height"] * ROW_PX - GAP_PX)


def render_preview(
    client: Any, dashboards: Sequence[Resource], since_seconds: int, now: datetime, out: Path,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Write ``index.html``, one page per dashboard, its charts and ``layout.json``; returns index."""
    out.mkdir(parents=True, exist_ok=True)
    end = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    start = end - timedelta(seconds=since_seconds)
    window = f"{start:%Y-%m-%d %H:%M} to {end:%H:%M} UTC"
    markdown = MarkdownIt("commonmark")
    layout: dict[str, Any] = {}
    pages = []
    for dashboard in sorted(dashboards, key=lambda d: d.name):
        if progress:
            progress(dashboard.name)
        widgets, charts = [], []
        for position, widget in enumerate(dashboard.body["widgets"]):
            box = widget_box(widget)
            html_text, css, chart = _widget_html(client, widget, box, start, end, markdown,
                                                 out, f"{dashboard.name}-{position}")
            if chart:
                charts.append({"file": chart, "box": [box.left, HEADER_PX + box.top + TITLE_PX,
                                                      box.width, box.height - TITLE_PX]})
            widgets.append({"left": box.left, "top": box.top, "width": box.width,
                            "height": box.height, "html": html_text, "css": css})
        rows = max((w["y"] + w["height"] for w in dashboard.body["widgets"]), default=0)
        grid_height = rows * ROW_PX + MARGIN_PX
        page = f"{dashboard.name}.html"
        (out / page).write_text(PAGE.render(
            title=dashboard.name, subtitle=html.escape(f"{window} · rendered by mwaa-ops "
                                                       "dashboards preview"),
            widgets=widgets, header_px=HEADER_PX, margin=MARGIN_PX, title_px=TITLE_PX,
            grid_height=grid_height))
        layout[dashboard.name] = {"page": page, "width": PAGE_WIDTH,
                                  "height": HEADER_PX + grid_height, "charts": charts}
        pages.append({"name": dashboard.name, "file": page})
    (out / "layout.json").write_text(json.dumps(layout, indent=2) + "\n")
    index_page = out / "index.html"
    index_page.write_text(INDEX.render(dashboards=pages, window=window))
    return index_page


def _widget_html(client: Any, widget: dict[str, Any], box: Box, start: datetime, end: datetime,
                 markdown: MarkdownIt, out: Path, stem: str) -> tuple[str, str, str | None]:
    kind, props = widget["type"], widget["properties"]
    title = f"<h2>{html.escape(props.get('title', ''))}</h2>"
    if kind == "text":
        css = "transparent" if props.get("background") == "transparent" else ""
        return f'<div class="text">{markdown.render(props["markdown"])}</div>', css, None
    if kind == "alarm":
        return title + _alarms_html(client, props.get("alarms", [])), "", None
    if kind == "log":
        query = html.escape(props.get("query", ""))
        return (title + '<div class="text"><p>Logs Insights query (not run by the preview):'
                f"</p><code>{query}</code></div>", "", None)
    results = fetch(client, widget_lines(widget), start, end)
    view = props.get("view", "timeSeries")
    if view == "singleValue":
        return title + _numbers_html(props, results), "", None
    if view == "gauge":
        return title + _gauge_html(props, results), "", None
    chart = f"{stem}.png"
    _draw(props, results, box.width, box.height - TITLE_PX, start, end, out / chart)
    return title + f'<img src="{chart}" alt="" width="{box.width}" ' \
                   f'height="{box.height - TITLE_PX}">', "", chart


def _visible(props: dict[str, Any], results: list[SeriesResult]) -> list[SeriesResult]:
    hidden = {opts.get("id") for line in props.get("metrics", []) for opts in line[-1:]
              if isinstance(opts, dict) and opts.get("visible") is False}
    return [r for r in results if r.id not in hidden]


def _label(props: dict[str, Any], result: SeriesResult) -> str:
    return result.label


def _numbers_html(props: dict[str, Any], results: list[SeriesResult]) -> str:
    cells = []
    for result in _visible(props, results):
        if result.values:
            cells.append(f'<div class="number"><b>{_fmt(result.values[-1])}</b>'
                         f"<span>{html.escape(_label(props, result))}</span></div>")
        else:
            cells.append(f'<div class="number nodata"><b>–</b>'
                         f"<span>{html.escape(_label(props, result))} (no data)</span></div>")
    return f'<div class="numbers">{"".join(cells)}</div>'


def _gauge_html(props: dict[str, Any], results: list[SeriesResult]) -> str:
    top = props.get("yAxis", {}).get("left", {}).get("max", 100) or 100
    bars = []
    for result in _visible(props, results):
        value = result.values[-1] if result.values else 0.0
        share = max(0.0, min(1.0, value / top))
        bars.append(f'<div class="number"><b>{_fmt(value)} / {_fmt(top)}</b>'
                    f'<div style="background:#eaeded;height:10px;width:240px">'
                    f'<div style="background:#0073bb;height:10px;width:{share * 240:.0f}px">'
                    f"</div></div><span>{html.escape(result.label)}</span></div>")
    return f'<div class="numbers">{"".join(bars)}</div>'


def _alarms_html(client: Any, arns: list[str]) -> str:
    names = [arn.rsplit(":alarm:", 1)[-1] for arn in arns]
    states: dict[str, str] = {}
    for offset in range(0, len(names), 100):  # DescribeAlarms takes up to 100 names
        # without AlarmTypes DescribeAlarms returns metric alarms only: the page (composite) too
        answer = client.describe_alarms(AlarmNames=names[offset:offset + 100],
                                        AlarmTypes=["MetricAlarm", "CompositeAlarm"])
        for alarm in answer.get("MetricAlarms", []) + answer.get("CompositeAlarms", []):
            states[alarm["AlarmName"]] = alarm["StateValue"]
    rows = "".join(f'<div class="alarm {states.get(n, "INSUFFICIENT_DATA")}">● '
                   f'{html.escape(n)} <small>{states.get(n, "INSUFFICIENT_DATA")}</small></div>'
                   for n in names)
    return rows or '<div class="alarm">no alarms</div>'


def _fmt(value: float) -> str:
    if abs(value) >= 1e6:
        return f"{value / 1e6:.1f}M"
    if abs(value) >= 1e4:
        return f"{value / 1e3:.1f}k"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


def _draw(props: dict[str, Any], results: list[SeriesResult], width: int, height: int,
          start: datetime, end: datetime, path: Path) -> None:
    """A time-series chart of ``width`` x ``height`` pixels, CloudWatch-like."""
    fig = plt.figure(figsize=(width / 100, height / 100), dpi=100)
    try:
        series = [r for r in _visible(props, results) if r.values]
        columns = max(1, min(len(series), width // 120))
        legend_rows = -(-len(series) // columns) if series else 0
        # Room below the axes for the time labels (28 px) and each legend row (17 px),
        # and left of them for the value labels (46 px).
        bottom = min(0.6, (28 + 17 * legend_rows) / height)
        left, right = 46 / width, 1 - 40 / width
        ax = fig.add_axes((left, bottom, right - left, 0.94 - bottom))
        right_ids = {opts.get("id") for line in props.get("metrics", []) for opts in line[-1:]
                     if isinstance(opts, dict) and opts.get("yAxis") == "right"}
        right_labels = {opts.get("label") for line in props.get("metrics", []) for opts in line[-1:]
                        if isinstance(opts, dict) and opts.get("yAxis") == "right"}
        ax2 = None
        colors = _colors(props)
        for index, result in enumerate(series):
            on_right = result.id in right_ids or result.label in right_labels
            if on_right and ax2 is None:
                ax2 = ax.twinx()
            target = ax2 if on_right and ax2 is not None else ax
            color = colors.get(result.label) or PALETTE[index % len(PALETTE)]
            target.plot(mdates.date2num(result.timestamps), result.values, color=color, linewidth=1.6,
                        marker="o" if len(result.values) < 4 else None, markersize=5,
                        label=result.label)
        for line in props.get("annotations", {}).get("horizontal", []):
            ax.axhline(line["value"], color=line.get("color", "#d62728"), linestyle="--",
                       linewidth=1)
            ax.annotate(line.get("label", ""), (0.01, line["value"]), xycoords=("axes fraction",
                        "data"), fontsize=7, color=line.get("color", "#d62728"), va="bottom")
        axis = props.get("yAxis", {}).get("left", {})
        low, high = axis.get("min"), axis.get("max")
        _limits(ax, [r for r in series if r.id not in right_ids and r.label not in right_labels],
                low, high, props)
        ax.set_xlim(float(mdates.date2num(start)), float(mdates.date2num(end)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M"))
        # maxticks 8: a 3 h window (the default --since) gets its 30-minute ticks without
        # matplotlib warning that no interval fits 6 ticks (it printed on every preview)
        ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=8))
        for spine in ("top", "right"):
            ax.spines[spine].set_visible(False)
        ax.grid(axis="y", color="#eaeded", linewidth=0.8)
        ax.tick_params(labelsize=7, colors="#545b64")
        if ax2 is not None:
            ax2.tick_params(labelsize=7, colors="#545b64")
            _limits(ax2, [r for r in series if r.id in right_ids or r.label in right_labels],
                    0, None, {})
        if series:
            handles, labels = ax.get_legend_handles_labels()
            if ax2 is not None:
                more = ax2.get_legend_handles_labels()
                handles, labels = handles + more[0], labels + more[1]
            fig.legend(handles, labels, loc="lower left", ncol=columns, fontsize=7,
                       frameon=False, bbox_to_anchor=(left - 0.02, 0.0), handlelength=1.2,
                       columnspacing=1.0)
        else:
            ax.text(0.5, 0.5, "No data for this time range", transform=ax.transAxes,
                    ha="center", va="center", color="#879596", fontsize=9)
        fig.savefig(path, dpi=100)
    finally:
        plt.close(fig)


def _limits(ax: Any, series: list[SeriesResult], low: float | None, high: float | None,
            props: dict[str, Any]) -> None:
    """Y limits: the widget's own, else from zero to a little above the data (1 when all zero)."""
    values = [v for r in series for v in r.values]
    marks = [a["value"] for a in props.get("annotations", {}).get("horizontal", [])]
    top = max(values + marks, default=0.0)
    if low is None and min(values, default=0.0) >= 0:
        low = 0.0
    if high is None:
        high = top * 1.15 if top > 0 else 1.0
    ax.set_ylim(bottom=low, top=high)


def _colors(props: dict[str, Any]) -> dict[str, str]:
    out = {}
    for line in props.get("metrics", []):
        if line and isinstance(line[-1], dict) and "color" in line[-1] and "label" in line[-1]:
            out[line[-1]["label"]] = line[-1]["color"]
    return out
