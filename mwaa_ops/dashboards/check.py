"""``dashboards check``: does CloudWatch hold data for every metric widget, and if not, why?

For each metric widget of each rendered dashboard, the widget's own queries
run over the window. A line without data is diagnosed with ``ListMetrics``:

- ``never published``: no metric of that name in the namespace;
- ``published under other dimensions``: the name exists, these dimensions not
  (the usual breakage after an Airflow upgrade renamed or re-tagged a metric);
- ``wrong statistic for the unit``: ``SampleCount`` has data where the
  widget's statistic has none (e.g. a percentile of a counter sent as sums);
- ``no data in the window``: published before, silent during ``--since``;
- ``no series matches the search``: a ``SEARCH`` whose metric is published
  with the right dimensions, but none with its filter values (e.g. no
  ``State=failed`` series while nothing failed).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from mwaa_ops.dashboards.data import Line, SeriesResult, fetch, widget_lines
from mwaa_ops.sync.plan import Resource

NEVER = "never published"
OTHER_DIMENSIONS = "published under other dimensions"
WRONG_STAT = "wrong statistic for the unit"
SILENT = "no data in the window"
EMPTY_INPUTS = "computed from lines without data"
NO_MATCHING_SERIES = "no series matches the search"


@dataclass
class LineFinding:
    line: str
    reason: str
    detail: str = ""


@dataclass
class WidgetReport:
    dashboard: str
    title: str
    status: str  # "ok" | "partial" | "empty"
    findings: list[LineFinding] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"dashboard": self.dashboard, "widget": self.title, "status": self.status,
                "findings": [f.__dict__ for f in self.findings]}


def check_dashboards(client: Any, dashboards: Iterable[Resource], since_seconds: int,
                     now: datetime,
                     progress: Callable[[str], None] | None = None) -> list[WidgetReport]:
    """A report per metric widget of every dashboard (``now``: aware UTC end of the window);
    ``progress`` is told each dashboard's name as its check starts."""
    end = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    start = end - timedelta(seconds=since_seconds)
    lister = _Lister(client)
    reports = []
    for dashboard in dashboards:
        if progress is not None:
            progress(dashboard.name)
        for widget in dashboard.body["widgets"]:
            if widget["type"] != "metric":
                continue
            lines = widget_lines(widget)
            results = fetch(client, lines, start, end)
            reports.append(_judge(dashboard.name, widget, lines, results, lister, client,
                                  start, end))
    return reports


def _judge(name: str, widget: dict[str, Any], lines: list[Line], results: list[SeriesResult],
           lister: _Lister, client: Any, start: datetime, end: datetime) -> WidgetReport:
    with_data = {r.id for r in results if r.values}
    findings = []
    for line in lines:
        if line.id in with_data:
            continue
        if line.kind == "expression":
            findings.append(LineFinding(line.label, EMPTY_INPUTS, line.expression))
        elif line.kind == "search":
            findings.append(_diagnose_search(line, lister))
        else:
            findings.append(_diagnose_metric(line, lister, client, start, end))
    title = widget["properties"].get("title", "")
    status = "ok" if not findings else "empty" if not with_data else "partial"
    return WidgetReport(name, title, status, findings)


def _diagnose_metric(line: Line, lister: _Lister, client: Any, start: datetime,
                     end: datetime) -> LineFinding:
    label = f"{line.metric} {_dims(line.dimensions)}"
    published = lister.metrics(line.namespace, line.metric)
    if not published:
        return LineFinding(label, NEVER, f"no {line.metric} in namespace {line.namespace}")
    wanted = sorted(line.dimensions)
    if not any(sorted(dims) == wanted for dims in published):
        others = "; ".join(_dims(d) for d in published[:3])
        return LineFinding(label, OTHER_DIMENSIONS, f"found with: {others}")
    if line.stat != "SampleCount":
        probe = Line("probe", "metric", "probe", True, line.namespace, line.metric,
                     line.dimensions, "SampleCount", line.period)
        if any(r.values for r in fetch(client, [probe], start, end)):
            return LineFinding(label, WRONG_STAT,
                               f"{line.stat} returns nothing; SampleCount has data")
    return LineFinding(label, SILENT)


def _diagnose_search(line: Line, lister: _Lister) -> LineFinding:
    schema = re.search(r"\{([^}]*)\}", line.expression)
    terms = dict(re.findall(r'(\w[\w ]*?)="([^"]*)"', line.expression))
    metric = terms.pop("MetricName", "")
    label = f"SEARCH {metric}"
    names = [n.strip() for n in schema.group(1).split(",")] if schema else []
    if not names or not metric:
        return LineFinding(label, NEVER, line.expression)
    published = lister.metrics(names[0], metric)
    if not published:
        return LineFinding(label, NEVER, f"no {metric} in namespace {names[0]}")
    wanted = sorted(names[1:])
    same_shape = [d for d in published if sorted(n for n, _ in d) == wanted]
    if any(all(dict(d).get(k) == v for k, v in terms.items()) for d in same_shape):
        return LineFinding(label, SILENT)
    environment = terms.get("Environment")
    same_env = [dict(d) for d in same_shape if dict(d).get("Environment") == environment]
    filters = {k: v for k, v in sorted(terms.items()) if k != "Environment"}
    if same_env and filters:
        wanted_text = ", ".join(f"{k}={v}" for k, v in filters.items())
        seen = ", ".join(f"{k}={'|'.join(sorted({d.get(k, '') for d in same_env}))}" for k in filters)
        return LineFinding(label, NO_MATCHING_SERIES, f"none with {wanted_text}; published: {seen}")
    mine = [d for d in published if dict(d).get("Environment") == environment]
    if mine:
        shapes = sorted({_dims((n, "…") for n, _ in d) for d in mine})
        return LineFinding(label, OTHER_DIMENSIONS, f"found with: {'; '.join(shapes[:3])}")
    return LineFinding(label, NEVER, f"not for Environment={environment}")


def _dims(pairs: Iterable[tuple[str, str]]) -> str:
    return "{" + ", ".join(f"{n}={v}" for n, v in pairs) + "}"


class _Lister:
    """ListMetrics by (namespace, name), cached for one check."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._cache: dict[tuple[str, str], list[list[tuple[str, str]]]] = {}

    def metrics(self, namespace: str, name: str) -> list[list[tuple[str, str]]]:
        key = (namespace, name)
        if key not in self._cache:
            from botocore.exceptions import BotoCoreError, ClientError

            from mwaa_ops.aws import aws_error

            found: dict[tuple[tuple[str, str], ...], None] = {}
            try:
                for page in self._client.get_paginator("list_metrics").paginate(
                        Namespace=namespace, MetricName=name):
                    for metric in page.get("Metrics", []):
                        found[tuple(sorted((d["Name"], d["Value"])
                                           for d in metric["Dimensions"]))] = None
            except (ClientError, BotoCoreError) as exc:
                raise aws_error(exc, "CloudWatch ListMetrics") from None
            self._cache[key] = [list(d) for d in found]
        return self._cache[key]
