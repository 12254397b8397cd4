"""A definition plus one environment's parameters -> a CloudWatch dashboard body.

The body follows "Dashboard Body Structure and Syntax" (CloudWatch API
reference): ``{"start", "periodOverride", "widgets": [{type, x, y, width,
height, properties}]}``. Metric lines are written ``[namespace, name, dim,
value, ..., {options}]`` with dimensions in canonical order (sorted by name,
as the agent publishes them). The first widget is the banner carrying the
ownership marker. The result is plain JSON data, so the plan compares it
with what ``GetDashboard`` returns.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mwaa_ops.airflow.target import canonical
from mwaa_ops.dashboards.layout import Cell, RowShape, place
from mwaa_ops.dashboards.limits import (
    GRID_COLUMNS,
    MAX_BODY_BYTES,
    MAX_METRICS_PER_DASHBOARD,
    MAX_WIDGETS_PER_DASHBOARD,
)
from mwaa_ops.dashboards.model import PARAMETER, PARAMETERS, Dashboard, MetricLine, Row, Widget
from mwaa_ops.dashboards.names import ENVIRONMENT_DIMENSION, registry
from mwaa_ops.errors import DefinitionError
from mwaa_ops.sync.ownership import OWNER_MARKER

BANNER_HEIGHT = 2
# Written into every banner; read back to scope plans by environment.
ENVIRONMENT_LABEL = re.compile(r"Environment `([^`]+)`")

# Resolves alarm names / "prefix*" to alarm ARNs (DescribeAlarms); [] when none exist yet.
AlarmLookup = Callable[[str], list[str]]


@dataclass(frozen=True)
class RenderInput:
    """What one body is rendered from."""

    definition: Dashboard
    source: str  # the definition file, shown in the banner
    params: Mapping[str, str]  # parameters of the dashboard (environment scope: its environment)
    fleet: Sequence[Mapping[str, str]] = ()  # parameters of every environment (fleet scope)
    environment_label: str | None = None


def fill(text: str, params: Mapping[str, str]) -> str:
    """Replace ``{parameter}`` (only the known names; SEARCH's braces are left alone)."""
    return PARAMETER.sub(lambda m: params[m.group(1)] if m.group(1) in PARAMETERS
                         and m.group(1) in params else m.group(0), text)


def render(item: RenderInput, alarm_lookup: AlarmLookup) -> dict[str, Any]:
    """The body, checked against the dashboard limits (DefinitionError naming the file)."""
    definition = item.definition
    rows: list[tuple[Row, Mapping[str, str]]] = []
    for row in definition.rows:
        if row.repeat == "environments":
            rows.extend((row, env) for env in item.fleet if _applies(row, env))
        elif _applies(row, item.params):
            rows.append((row, item.params))
    shapes = [RowShape(False, [(GRID_COLUMNS, BANNER_HEIGHT)])] + [
        RowShape(bool(row.section), [(w.width, w.height or row.height) for w in row.widgets])
        for row, _ in rows
    ]
    cells = place(shapes)
    widgets: list[dict[str, Any]] = [_banner(item, cells[0][1][0])]
    for (row, params), (header, row_cells) in zip(rows, cells[1:], strict=True):
        if header is not None and row.section:
            widgets.append(_text(header, f"## {fill(row.section, params)}", transparent=True))
        for widget, cell in zip(row.widgets, row_cells, strict=True):
            widgets.append(_widget(widget, cell, params, alarm_lookup))
    body = {"start": definition.start, "periodOverride": "inherit", "widgets": widgets}
    _check_limits(body, item.source)
    normalised: dict[str, Any] = json.loads(json.dumps(body))
    return normalised


def _applies(row: Row, params: Mapping[str, str]) -> bool:
    return row.when is None or row.when == params.get("kind")


def _banner(item: RenderInput, cell: Cell) -> dict[str, Any]:
    params = item.params
    title = fill(item.definition.title, params)
    parts = [f"# {title}"]
    facts = []
    if item.environment_label:
        facts.append(f"Environment `{item.environment_label}`")
        facts.append(f"Airflow {params.get('airflow_version', 'unknown')}")
        facts.append(f"{params.get('environment_class')} (max {params.get('max_workers')} workers)")
    if params.get("owner"):
        facts.append(f"owner {params['owner']}")
    if params.get("runbooks_url"):
        facts.append(f"[runbooks]({params['runbooks_url']})")
    facts.append(f"{OWNER_MARKER} from `{item.source}`: do not edit in the console "
                 "(changes are overwritten)")
    parts.append(" · ".join(facts))
    if item.definition.description:
        parts.append(fill(item.definition.description, params))
    return _text(cell, "\n\n".join(parts))


def _text(cell: Cell, markdown: str, transparent: bool = False) -> dict[str, Any]:
    properties: dict[str, Any] = {"markdown": markdown}
    if transparent:
        properties["background"] = "transparent"
    return {"type": "text", **_cell(cell), "properties": properties}


def _cell(cell: Cell) -> dict[str, int]:
    return {"x": cell.x, "y": cell.y, "width": cell.width, "height": cell.height}


def _widget(widget: Widget, cell: Cell, params: Mapping[str, str],
            alarm_lookup: AlarmLookup) -> dict[str, Any]:
    title = fill(widget.title, params)
    if widget.type == "text":
        return _text(cell, fill(widget.markdown, params))
    if widget.type == "logs":
        sources = " | ".join(f"SOURCE '{fill(g, params)}'" for g in widget.log_groups)
        return {"type": "log", **_cell(cell), "properties": {
            "title": title, "region": params["region"], "view": "table",
            "query": f"{sources} | {fill(widget.query, params)}"}}
    if widget.type == "alarms":
        arns: list[str] = []
        for pattern in widget.alarms:
            arns.extend(a for a in alarm_lookup(fill(pattern, params)) if a not in arns)
        if not arns:
            names = ", ".join(f"`{fill(p, params)}`" for p in widget.alarms)
            return _text(cell, f"**{title}**\n\nNo alarms match {names} yet "
                               "(`mwaa-ops alarms apply` creates them).")
        return {"type": "alarm", **_cell(cell), "properties": {
            "title": title, "alarms": sorted(arns), "sortBy": "stateUpdatedTimestamp",
            "states": []}}
    properties: dict[str, Any] = {
        "title": title, "region": params["region"], "stat": widget.stat,
        "period": widget.period,
        "view": {"graph": "timeSeries", "number": "singleValue", "gauge": "gauge"}[widget.type],
        "metrics": [_metric_line(line, widget, params) for line in widget.metrics],
    }
    if widget.type == "graph":
        properties["stacked"] = widget.stacked
    if widget.type == "number":
        properties["sparkline"] = True
    axis: dict[str, Any] = {}
    if widget.y_axis is not None:
        axis = {k: v for k, v in widget.y_axis.model_dump().items() if v is not None}
        axis.setdefault("showUnits", False)
    if widget.type == "gauge":
        axis = {"min": 0, "max": float(fill(widget.gauge_max or "0", params))}
    if axis:
        properties["yAxis"] = {"left": axis}
    if widget.annotations:
        lines = []
        for annotation in widget.annotations:
            line = {k: v for k, v in annotation.model_dump().items() if v not in (None, "")}
            line["value"] = float(fill(str(annotation.value), params))
            if "label" in line:
                line["label"] = fill(line["label"], params)
            lines.append(line)
        properties["annotations"] = {"horizontal": lines}
    return {"type": "metric", **_cell(cell), "properties": properties}


def _options(line: MetricLine, widget: Widget) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for key in ("label", "id", "color"):
        value = getattr(line, key)
        if value is not None:
            options[key] = value
    if line.stat and line.stat != widget.stat:
        options["stat"] = line.stat
    if line.period and line.period != widget.period:
        options["period"] = line.period
    if not line.visible:
        options["visible"] = False
    if line.right_axis:
        options["yAxis"] = "right"
    return options


def _metric_line(line: MetricLine, widget: Widget, params: Mapping[str, str]) -> list[Any]:
    options = _options(line, widget)
    if "label" in options:
        options["label"] = fill(options["label"], params)
    if line.expression is not None:
        return [{"expression": fill(line.expression, params), **options}]
    if line.search is not None:
        options["expression"] = search_expression(line, widget, params)
        options.pop("stat", None)
        options.pop("period", None)
        options.setdefault("id", "s1")
        return [options]
    assert line.metric is not None
    dims = {fill(k, params): fill(v, params) for k, v in line.dimensions.items()}
    if not line.custom:  # custom metrics carry exactly the dimensions written
        dims[ENVIRONMENT_DIMENSION] = params["environment"]
    flat: list[Any] = [fill(line.namespace, params), line.metric]
    for name, value in canonical(dims):
        flat += [name, value]
    return [*flat, options] if options else flat


def search_expression(line: MetricLine, widget: Widget, params: Mapping[str, str]) -> str:
    """``SEARCH('{ns,Dim,...} MetricName="X" Environment="e"', 'Stat', period)``, sorted/top-N.

    The schema lists the full dimension set the metric is published with, so
    the search matches exactly those series (not ones with extra dimensions).
    """
    assert line.search is not None
    search = line.search
    known = registry()[search.metric]
    wanted = {ENVIRONMENT_DIMENSION, *search.by, *search.where}
    dimset = next(s for s in known.dimension_sets if wanted <= set(s.names))
    schema = ",".join([params["namespace"], *dimset.names])
    terms = [f'MetricName="{search.metric}"', f'{ENVIRONMENT_DIMENSION}="{params["environment"]}"']
    terms += [f'{k}="{fill(v, params)}"' for k, v in sorted(search.where.items())]
    stat = line.stat or widget.stat
    period = line.period or widget.period
    expression = f"SEARCH('{{{schema}}} {' '.join(terms)}', '{stat}', {period})"
    if search.top:
        expression = f"SORT({expression}, {search.order}, DESC, {search.top})"
    return expression


def metric_count(body: Mapping[str, Any]) -> int:
    """Metrics of a body as CloudWatch counts them (each line of each metric widget)."""
    return sum(len(w["properties"].get("metrics", [])) for w in body["widgets"]
               if w["type"] == "metric")


def _check_limits(body: Mapping[str, Any], source: str) -> None:
    widgets = len(body["widgets"])
    if widgets > MAX_WIDGETS_PER_DASHBOARD:
        raise DefinitionError(f"{source}: {widgets} widgets; CloudWatch allows "
                              f"{MAX_WIDGETS_PER_DASHBOARD} per dashboard")
    metrics = metric_count(body)
    if metrics > MAX_METRICS_PER_DASHBOARD:
        raise DefinitionError(f"{source}: {metrics} metrics; CloudWatch allows "
                              f"{MAX_METRICS_PER_DASHBOARD} per dashboard")
    size = len(json.dumps(body, separators=(",", ":")).encode())
    if size > MAX_BODY_BYTES:
        raise DefinitionError(f"{source}: body of {size} bytes; the limit is {MAX_BODY_BYTES}")
