"""The typed form of a dashboard definition file (``dashboards/*.yaml``).

Shape (docs/dashboards.md has the full reference)::

    dashboard: overview              # name part: <prefix>overview-<environment>
    scope: environment               # environment (one per environment) | fleet | single
    title: "Airflow {environment}"
    rows:
      - section: Scheduler           # optional header line above the row
        height: 6                    # grid units (default 6)
        when: mwaa                   # optional: only for MWAA (or self-managed) environments
        repeat: environments         # fleet only: the row once per environment
        widgets:
          - type: graph              # graph | number | gauge | alarms | text | logs
            title: Heartbeat
            width: 12                # optional; the row's free columns are shared otherwise
            stat: Sum                # default for the widget's metrics
            period: 60
            metrics:
              - metric: SchedulerHeartbeat
                dimensions: {Function: Scheduler}   # Environment is added
              - expression: "CEIL((running + queued) / {tasks_per_worker})"
                id: required
              - search: {metric: TaskInstanceFailures, by: [DAG]}
            y_axis: {min: 0, label: tasks}
            annotations: [{value: 10, label: max workers}]

Strings may use the parameters in :data:`PARAMETERS` as ``{name}``. Metrics
are checked against :func:`mwaa_ops.dashboards.names.registry` unless marked
``custom: true``.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mwaa_ops.dashboards.limits import GRID_COLUMNS, MAX_METRICS_PER_WIDGET, MAX_WIDGET_HEIGHT
from mwaa_ops.dashboards.names import ENVIRONMENT_DIMENSION, closest, registry

# Filled per environment (see mwaa_ops.dashboards.environments.EnvironmentParams).
PARAMETERS = (
    "environment", "namespace", "region", "alarm_prefix", "environment_class", "max_workers",
    "tasks_per_worker", "airflow_version", "owner", "runbooks_url", "kind", "dashboard_prefix",
)
PARAMETER = re.compile(r"\{([a-z_]+)\}")
STATISTIC = re.compile(r"^(SampleCount|Average|Sum|Minimum|Maximum|p\d{1,2}(\.\d+)?|p100)$")
# Metric ids in GetMetricData / dashboards: a lowercase letter first (GetMetricData reference).
METRIC_ID = re.compile(r"^[a-z][a-zA-Z0-9_]{0,254}$")
# Periods a dashboard accepts: 1, 5, 10, 30 (high resolution) or a multiple of 60 seconds.
HIGH_RES_PERIODS = (1, 5, 10, 30)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_parameters(text: str) -> str:
    for name in PARAMETER.findall(text):
        if name not in PARAMETERS:
            raise ValueError(f"unknown parameter {{{name}}} (allowed: "
                             + ", ".join(f"{{{p}}}" for p in PARAMETERS) + ")")
    return text


def _check_stat(value: str | None) -> str | None:
    if value is not None and not STATISTIC.match(value):
        raise ValueError("not a CloudWatch statistic (allowed: SampleCount, Average, Sum, "
                         "Minimum, Maximum, p0-p100 such as p99 or p99.9)")
    return value


def _check_period(value: int | None) -> int | None:
    if value is not None and value not in HIGH_RES_PERIODS and value % 60:
        raise ValueError("a period is 1, 5, 10, 30 or a multiple of 60 seconds")
    return value


class SearchRef(_Strict):
    """Every series of one metric split by some dimensions (a CloudWatch ``SEARCH``)."""

    metric: str
    by: list[str] = Field(min_length=1)
    where: dict[str, str] = Field(default_factory=dict)  # e.g. {State: failed}
    top: int | None = Field(None, ge=1, le=MAX_METRICS_PER_WIDGET)  # keep the N largest
    order: Literal["SUM", "MAX", "AVG"] = "SUM"  # what "largest" means for top

    @model_validator(mode="after")
    def _published(self) -> SearchRef:
        known = registry().get(self.metric)
        if known is None:
            raise ValueError(_unknown(self.metric))
        names = {ENVIRONMENT_DIMENSION, *self.by, *self.where}
        if not any(names <= set(s.names) for s in known.dimension_sets):
            allowed = "; ".join(s.describe() for s in known.dimension_sets)
            raise ValueError(f"{self.metric} has no dimensions {', '.join(sorted(names))} "
                             f"(published with: {allowed})")
        return self


class MetricLine(_Strict):
    """One entry of ``metrics``: exactly one of ``metric``, ``search`` or ``expression``.

    ``metric`` names a published metric (``Environment`` is added to
    ``dimensions``); ``search`` lists every series of a metric split by
    dimensions; ``expression`` is metric math over the widget's ids.
    """

    metric: str | None = None
    search: SearchRef | None = None
    expression: str | None = None
    dimensions: dict[str, str] = Field(default_factory=dict)
    namespace: str = "{namespace}"
    stat: str | None = None
    period: int | None = None
    label: str | None = None
    id: str | None = None
    visible: bool = True
    right_axis: bool = False
    color: str | None = None
    custom: bool = False  # not one of the published names (e.g. AWS/MWAA service metrics)

    _stat = field_validator("stat")(_check_stat)
    _period = field_validator("period")(_check_period)
    _expression = field_validator("expression")(_check_parameters)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str | None) -> str | None:
        if value is not None and not METRIC_ID.match(value):
            raise ValueError("a metric id starts with a lowercase letter, then letters, "
                             "digits or '_'")
        return value

    @property
    def kind(self) -> str:
        return "search" if self.search else "expression" if self.expression else "metric"

    @model_validator(mode="after")
    def _check(self) -> MetricLine:
        kinds = [k for k in ("metric", "search", "expression") if getattr(self, k)]
        if len(kinds) != 1:
            raise ValueError("each metrics entry has exactly one of metric, search, "
                             f"expression (found: {', '.join(kinds) or 'none'})")
        if self.metric is None or self.custom:
            return self
        if self.namespace != "{namespace}":
            raise ValueError(f"metric {self.metric!r} in namespace {self.namespace!r} is not "
                             "one mwaa-ops publishes: mark it custom: true")
        known = registry().get(self.metric)
        if known is None:
            raise ValueError(_unknown(self.metric))
        if ENVIRONMENT_DIMENSION in self.dimensions:
            raise ValueError("do not set Environment: it is added from the environment")
        dims = {**self.dimensions, ENVIRONMENT_DIMENSION: "{environment}"}
        if known.match(dims) is None:
            allowed = "; ".join(s.describe() for s in known.dimension_sets)
            given = ", ".join(f"{k}={v}" for k, v in sorted(dims.items()))
            raise ValueError(f"{self.metric} is not published with dimensions {given} "
                             f"(published with: {allowed})")
        return self


def _unknown(metric: str) -> str:
    hint = closest(metric)
    did = f"; did you mean {', '.join(hint)}?" if hint else ""
    return (f"unknown metric {metric!r}: not in the MWAA name catalogue "
            f"(docs/metric-names.md){did} (a metric published by something else needs "
            "custom: true)")


class Annotation(_Strict):
    """A horizontal line: a number, or a parameter such as ``"{max_workers}"``."""

    value: float | str
    label: str = ""
    color: str | None = None
    fill: Literal["above", "below"] | None = None

    @field_validator("value")
    @classmethod
    def _value(cls, value: float | str) -> float | str:
        if isinstance(value, str):
            if not PARAMETER.fullmatch(value):
                raise ValueError("a number, or one numeric parameter such as '{max_workers}'")
            _check_parameters(value)
        return value


class YAxis(_Strict):
    min: float | None = None
    max: float | None = None
    label: str | None = None


class Widget(_Strict):
    """One widget; ``type`` decides which keys apply."""

    type: Literal["graph", "number", "gauge", "alarms", "text", "logs"]
    title: str = ""
    width: int | None = Field(None, ge=1, le=GRID_COLUMNS)
    height: int | None = Field(None, ge=1, le=MAX_WIDGET_HEIGHT)
    metrics: list[MetricLine] = Field(default_factory=list, max_length=MAX_METRICS_PER_WIDGET)
    stat: str = "Average"
    period: int = 300
    stacked: bool = False
    y_axis: YAxis | None = None
    annotations: list[Annotation] = Field(default_factory=list)
    markdown: str = ""
    alarms: list[str] = Field(default_factory=list)  # alarm names or "{alarm_prefix}*" prefixes
    query: str = ""
    log_groups: list[str] = Field(default_factory=list)
    gauge_max: str | None = None  # a number or a parameter such as "{max_workers}"

    _stat = field_validator("stat")(_check_stat)
    _period = field_validator("period")(_check_period)
    _text = field_validator("title", "markdown", "query")(_check_parameters)

    @model_validator(mode="after")
    def _fits_type(self) -> Widget:
        metric_types = ("graph", "number", "gauge")
        if self.type in metric_types and not self.metrics:
            raise ValueError(f"a {self.type} widget needs metrics")
        if self.type not in metric_types and self.metrics:
            raise ValueError(f"a {self.type} widget takes no metrics")
        if self.type == "text" and not self.markdown:
            raise ValueError("a text widget needs markdown")
        if self.type == "logs" and not (self.query and self.log_groups):
            raise ValueError("a logs widget needs query and log_groups")
        if self.type == "alarms" and not self.alarms:
            raise ValueError("an alarms widget needs alarms (names or prefixes ending in *)")
        if self.type == "gauge" and self.gauge_max is None:
            raise ValueError("a gauge widget needs gauge_max")
        ids = [m.id for m in self.metrics if m.id]
        if len(ids) != len(set(ids)):
            raise ValueError("metric ids must be unique within a widget")
        return self


class Row(_Strict):
    section: str | None = None
    height: int = Field(6, ge=1, le=MAX_WIDGET_HEIGHT)
    when: Literal["mwaa", "self-managed"] | None = None
    repeat: Literal["environments"] | None = None
    widgets: list[Widget] = Field(min_length=1)

    @model_validator(mode="after")
    def _fits_grid(self) -> Row:
        fixed = sum(w.width or 0 for w in self.widgets)
        free = sum(1 for w in self.widgets if w.width is None)
        if fixed + free > GRID_COLUMNS:
            raise ValueError(f"the row's widgets need {fixed + free} columns; the grid has "
                             f"{GRID_COLUMNS} (split it into more rows)")
        return self


class Dashboard(_Strict):
    """One definition file."""

    dashboard: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,60}$")
    scope: Literal["environment", "fleet", "single"]
    title: str
    description: str = ""
    start: str = "-PT3H"
    rows: list[Row] = Field(min_length=1)

    _title = field_validator("title", "description")(_check_parameters)

    @model_validator(mode="after")
    def _repeat_only_in_fleet(self) -> Dashboard:
        for row in self.rows:
            if row.repeat and self.scope != "fleet":
                raise ValueError("repeat: environments is for scope: fleet only")
        return self
