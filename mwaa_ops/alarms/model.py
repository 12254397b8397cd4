"""Alarm definitions as typed models (what ``alarms/*.yaml`` holds, validated).

Limits come from the PutMetricAlarm API reference: at most 10 metrics in a
math alarm, at most 5 actions per state, ``Period`` 10, 20, 30 or a multiple
of 60 seconds, and ``Period × EvaluationPeriods`` at most one day.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from mwaa_ops.alarms.evaluator import BAND_COMPARISONS, COMPARISONS, MISSING_DATA_TREATMENTS
from mwaa_ops.alarms.math import MAX_METRICS, MathError, compile_expression, variables

MAX_ACTIONS = 5  # PutMetricAlarm: AlarmActions / OKActions, at most 5 each
MAX_EVALUATION_SECONDS = 86400  # PutMetricAlarm: Period x EvaluationPeriods <= one day
HIGH_RESOLUTION_PERIODS = (10, 20, 30)
SEVERITIES = ("critical", "high", "warning")
Severity = Literal["critical", "high", "warning"]
STATISTICS = ("Sum", "Average", "Minimum", "Maximum", "SampleCount")
_PERCENTILE = re.compile(r"^p(\d{1,2}(\.\d+)?|100)$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_PARAMETER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MetricRef(_Model):
    """One metric by its MWAA CloudWatch name; ``Environment`` is added per environment."""

    namespace: str = ""  # "" = the configured namespace (AmazonMWAA); another one is not checked
    name: str
    dimensions: dict[str, str] = Field(default_factory=dict)
    statistic: str = "Average"

    @field_validator("name")
    @classmethod
    def _known(cls, value: str, info: ValidationInfo) -> str:
        catalogue = (info.context or {}).get("metrics")
        if catalogue is None or info.data.get("namespace") or value in catalogue:
            return value
        close = sorted(n for n in catalogue if n.lower()[:6] == value.lower()[:6])[:3]
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise ValueError(
            "unknown metric; not in the MWAA name catalogue, the agent's or the version metrics" + hint)

    @field_validator("dimensions")
    @classmethod
    def _dimension_names(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        catalogue = (info.context or {}).get("metrics")
        shapes = catalogue.get(info.data.get("name", "")) if catalogue and not info.data.get("namespace") else None
        given = frozenset(value) - {"Environment"}
        if shapes is not None and given not in shapes:
            allowed = " or ".join(sorted("{" + ", ".join(sorted(s)) + "}" for s in shapes))
            raise ValueError(f"{info.data['name']} is published with dimensions {allowed} (besides "
                             f"Environment), not {{{', '.join(sorted(given))}}}")
        return value

    @field_validator("statistic")
    @classmethod
    def _statistic(cls, value: str) -> str:
        if value not in STATISTICS and not _PERCENTILE.match(value):
            raise ValueError(f"one of {', '.join(STATISTICS)} or a percentile like p99")
        return value

    @property
    def percentile(self) -> float | None:
        return float(self.statistic[1:]) if _PERCENTILE.match(self.statistic) else None


class AlarmDefinition(_Model):
    """One metric, math or anomaly-detection alarm, before it is made per environment."""

    name: str
    description: str
    severity: Severity
    team: str = ""  # "" = the environment's team, else alarms.default_team
    runbook: str = ""  # "" = the alarm's name: runbooks/<name>.md
    page: bool = False  # part of the environment's composite page
    metric: MetricRef | None = None
    metrics: dict[str, MetricRef] = Field(default_factory=dict)
    expression: str = ""
    anomaly_band: float | None = Field(None, gt=0, le=100)  # standard deviations
    period: int = 300
    evaluation_periods: int = Field(1, ge=1)
    datapoints_to_alarm: int | None = Field(None, ge=1)
    comparison: str = "GreaterThanThreshold"
    threshold: float | str | None = None  # a number or "{parameter}"
    treat_missing_data: str = "missing"
    evaluate_low_sample_count_percentile: Literal["", "evaluate", "ignore"] = ""
    for_each: Literal["", "critical_dags"] = ""  # one alarm per listed DAG; "{each}" in dimensions
    parameters: dict[str, float | int | str] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("lower-case letters, digits and '-', at most 80 characters")
        return value

    @field_validator("comparison", "treat_missing_data")
    @classmethod
    def _one_of(cls, value: str, info: ValidationInfo) -> str:
        allowed = COMPARISONS if info.field_name == "comparison" else MISSING_DATA_TREATMENTS
        if value not in allowed:
            raise ValueError(f"one of {', '.join(allowed)}")
        return value

    @field_validator("period")
    @classmethod
    def _period(cls, value: int) -> int:
        if value not in HIGH_RESOLUTION_PERIODS and (value < 60 or value % 60):
            raise ValueError("10, 20, 30 or a multiple of 60 seconds (PutMetricAlarm Period)")
        return value

    @model_validator(mode="after")
    def _runbook(self, info: ValidationInfo) -> AlarmDefinition:
        runbooks = (info.context or {}).get("runbooks_dir")
        if runbooks is not None and not (runbooks / f"{self.runbook_name}.md").is_file():
            raise ValueError(f"missing runbook: {runbooks / (self.runbook_name + '.md')} does not exist")
        return self

    @model_validator(mode="after")
    def _shape(self) -> AlarmDefinition:
        kinds = [bool(self.metric), bool(self.expression)]
        if sum(kinds) != 1:
            raise ValueError("give exactly one of 'metric' or 'expression' (with 'metrics')")
        if self.expression:
            if not self.metrics:
                raise ValueError("'expression' needs 'metrics': id -> metric")
            if len(self.metrics) > MAX_METRICS:
                raise ValueError(
                    f"{len(self.metrics)} metrics: a math alarm takes at most {MAX_METRICS} "
                    "(PutMetricAlarm Metrics)"
                )
            for query_id in self.metrics:
                if not re.match(r"^[a-z][a-zA-Z0-9_]*$", query_id):
                    raise ValueError(f"metric id {query_id!r}: a lower-case letter, then letters, digits, _")
            try:
                used = variables(compile_expression(self.expression_text({})))
            except MathError as exc:
                raise ValueError(str(exc)) from None
            unknown = used - set(self.metrics)
            if unknown:
                raise ValueError(f"expression uses {', '.join(sorted(unknown))}, not in 'metrics'")
        elif self.metrics:
            raise ValueError("'metrics' only goes with 'expression'")
        band = self.comparison in BAND_COMPARISONS
        if band != (self.anomaly_band is not None):
            raise ValueError("anomaly_band goes with the band comparisons and only with them")
        if band and not self.metric:
            raise ValueError("an anomaly-detection alarm watches one 'metric'")
        if not band and self.threshold is None:
            raise ValueError("'threshold' is required (a number or '{parameter}')")
        if isinstance(self.threshold, str):
            match = _PARAMETER.fullmatch(self.threshold.strip())
            if not match:
                raise ValueError(f"threshold {self.threshold!r}: a number or '{{parameter}}'")
            if match.group(1) not in self.parameters:
                raise ValueError(f"threshold {self.threshold!r}: no default in 'parameters'")
        m = self.datapoints_to_alarm or self.evaluation_periods
        if m > self.evaluation_periods:
            raise ValueError(
                f"datapoints_to_alarm {m} is more than evaluation_periods {self.evaluation_periods}"
            )
        seconds = self.period * self.evaluation_periods
        if seconds > MAX_EVALUATION_SECONDS:
            raise ValueError(
                f"period x evaluation_periods = {self.period} x {self.evaluation_periods} = "
                f"{seconds} s, over CloudWatch's limit of {MAX_EVALUATION_SECONDS} s (one day)"
            )
        if self.evaluate_low_sample_count_percentile and not (
            self.metric and self.metric.percentile is not None
        ):
            raise ValueError("evaluate_low_sample_count_percentile is only for percentile statistics")
        return self

    @property
    def m(self) -> int:
        return self.datapoints_to_alarm or self.evaluation_periods

    @property
    def runbook_name(self) -> str:
        return self.runbook or self.name

    def expression_text(self, parameters: dict[str, float | int | str]) -> str:
        """The expression with ``{parameter}`` placeholders filled (defaults, then ``parameters``)."""
        values = {**self.parameters, **parameters}
        return _PARAMETER.sub(lambda m: str(values.get(m.group(1), 1)), self.expression)

    def threshold_value(self, parameters: dict[str, float | int | str]) -> float | None:
        if self.threshold is None or not isinstance(self.threshold, str):
            return None if self.threshold is None else float(self.threshold)
        key = _PARAMETER.fullmatch(self.threshold.strip()).group(1)  # type: ignore[union-attr]
        return float({**self.parameters, **parameters}[key])
