"""Reading what a dashboard widget shows: its metric lines as GetMetricData queries.

Works on rendered bodies (:mod:`mwaa_ops.dashboards.body`), so ``check`` and
``preview`` see exactly what CloudWatch would draw. SEARCH and metric math
are sent as expressions (evaluated by CloudWatch, or by the local endpoint's
:mod:`mwaa_ops.local.metric_math`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mwaa_ops.metric_data import metric_data_results


@dataclass(frozen=True)
class Line:
    """One metric line of a widget, parsed from ``[ns, name, dim, value, ..., {options}]``."""

    id: str
    kind: str  # "metric" | "expression" | "search"
    label: str
    visible: bool
    namespace: str = ""
    metric: str = ""
    dimensions: tuple[tuple[str, str], ...] = ()
    stat: str = ""
    period: int = 60
    expression: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)

    def query(self) -> dict[str, Any]:
        if self.kind == "metric":
            return {"Id": self.id, "Label": self.label, "ReturnData": True, "MetricStat": {
                "Metric": {"Namespace": self.namespace, "MetricName": self.metric,
                           "Dimensions": [{"Name": n, "Value": v} for n, v in self.dimensions]},
                "Period": self.period, "Stat": self.stat}}
        return {"Id": self.id, "Label": self.label, "ReturnData": True,
                "Expression": self.expression, "Period": self.period}


def widget_lines(widget: Mapping[str, Any]) -> list[Line]:
    """The metric lines of a ``metric`` widget, each with an id (``m0``, ``e1`` when unset)."""
    props = widget["properties"]
    out = []
    for index, raw in enumerate(props.get("metrics", [])):
        options: dict[str, Any] = raw[-1] if raw and isinstance(raw[-1], dict) else {}
        parts = raw[:-1] if options else raw
        stat = options.get("stat", props.get("stat", "Average"))
        period = int(options.get("period", props.get("period", 300)))
        visible = options.get("visible", True)
        if not parts:
            expression = options["expression"]
            kind = "search" if "SEARCH(" in expression else "expression"
            out.append(Line(options.get("id", f"e{index}"), kind,
                            options.get("label", options.get("id", expression[:40])), visible,
                            stat=stat, period=period, expression=expression, options=options))
            continue
        namespace, metric, *dims = parts
        pairs = tuple(zip(dims[::2], dims[1::2], strict=True))
        label = options.get("label") or metric
        out.append(Line(options.get("id", f"m{index}"), "metric", label, visible, namespace,
                        metric, pairs, stat, period, options=options))
    return out


@dataclass
class SeriesResult:
    """One returned series (SEARCH returns several with the same id)."""

    id: str
    label: str
    timestamps: list[datetime]
    values: list[float]


def fetch(client: Any, lines: list[Line], start: datetime, end: datetime) -> list[SeriesResult]:
    """GetMetricData for the lines (batched, following NextToken); oldest point first."""
    from botocore.exceptions import BotoCoreError, ClientError

    from mwaa_ops.aws import aws_error

    queries = [line.query() for line in lines]
    merged: dict[tuple[str, str], SeriesResult] = {}
    try:
        for result in metric_data_results(client, queries, start, end, scan_by="TimestampAscending"):
            key = (result["Id"], result.get("Label", result["Id"]))
            entry = merged.setdefault(key, SeriesResult(key[0], key[1], [], []))
            entry.timestamps.extend(result.get("Timestamps", []))
            entry.values.extend(float(v) for v in result.get("Values", []))
    except (ClientError, BotoCoreError) as exc:
        raise aws_error(exc, "CloudWatch GetMetricData") from None
    for entry in merged.values():
        pairs = sorted(zip(entry.timestamps, entry.values, strict=True))
        entry.timestamps = [t for t, _ in pairs]
        entry.values = [v for _, v in pairs]
    return list(merged.values())
