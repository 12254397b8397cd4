"""CloudWatch's alarm evaluation, as a pure function of a datapoint series.

One evaluation looks at the *evaluation range*: the last ``R`` periods ending
with the most recent complete period (``R = EvaluationPeriods + 2``: for
``EvaluationPeriods = 3`` CloudWatch retrieves the 5 most recent datapoints,
"Configuring how CloudWatch alarms treat missing data", CloudWatch User
Guide). Inside the range:

- When at least ``N = EvaluationPeriods`` datapoints exist, the ``N`` most
  recent *existing* datapoints decide, whatever the missing-data treatment:
  ``ALARM`` when ``M = DatapointsToAlarm`` of them breach, else ``OK``. This
  is how CloudWatch treats the most recent missing points: they are not filled
  in (even with ``breaching``) while enough real datapoints remain in the
  range, which avoids premature transitions from late or intermittent data.
- With fewer than ``N``, the gap is filled according to ``TreatMissingData``:
  ``breaching`` / ``notBreaching`` fill the missing slots as bad / good and
  ``M`` of ``N`` decides; ``missing`` decides on the existing datapoints alone
  (``ALARM`` when all of at least ``min(M, existing)`` breach) and goes to
  ``INSUFFICIENT_DATA`` when the range is empty; ``ignore`` keeps the current
  state when the most recent datapoint or the whole range is missing, else
  decides like ``missing``.
- ``EvaluateLowSampleCountPercentile = ignore`` (percentile statistics only):
  when the most recent datapoint has fewer samples than CloudWatch deems
  statistically significant (``10 / (1 - p)`` samples for ``pNN``; p99 needs
  1000), the state does not change; ``evaluate`` (the default) decides anyway.

The local endpoint's evaluator thread and ``mwaa-ops alarms backtest`` both
call :func:`evaluate` (through :func:`replay` for a history), so what the
backtest reports is what the embedded default does.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

EXTRA_RANGE_PERIODS = 2  # evaluation range = EvaluationPeriods + 2 (the User Guide's example)


class State(StrEnum):
    OK = "OK"
    ALARM = "ALARM"
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"


COMPARISONS = (
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
    "LessThanLowerOrGreaterThanUpperThreshold",
    "LessThanLowerThreshold",
    "GreaterThanUpperThreshold",
)
BAND_COMPARISONS = COMPARISONS[4:]
MISSING_DATA_TREATMENTS = ("breaching", "notBreaching", "ignore", "missing")


@dataclass(frozen=True, slots=True)
class Point:
    """One period's datapoint: its value, sample count and (anomaly alarms) band."""

    value: float
    samples: float | None = None
    lower: float | None = None
    upper: float | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """What CloudWatch needs to evaluate one metric alarm."""

    comparison: str
    threshold: float | None
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing_data: str = "missing"
    percentile: float | None = None  # 99.0 for p99: only for the low-sample rule
    evaluate_low_sample_count_percentile: str = "evaluate"

    def __post_init__(self) -> None:
        if self.comparison not in COMPARISONS:
            raise ValueError(f"unknown ComparisonOperator {self.comparison!r}")
        if self.treat_missing_data not in MISSING_DATA_TREATMENTS:
            raise ValueError(f"unknown TreatMissingData {self.treat_missing_data!r}")
        if not 1 <= self.datapoints_to_alarm <= self.evaluation_periods:
            raise ValueError("DatapointsToAlarm must be between 1 and EvaluationPeriods")

    @property
    def evaluation_range(self) -> int:
        return self.evaluation_periods + EXTRA_RANGE_PERIODS

    def breaches(self, point: Point) -> bool:
        """Whether one datapoint is on the wrong side of the threshold (or band)."""
        value, op = point.value, self.comparison
        if op in BAND_COMPARISONS:
            lower = point.lower if point.lower is not None else -math.inf
            upper = point.upper if point.upper is not None else math.inf
            if op == "LessThanLowerThreshold":
                return value < lower
            if op == "GreaterThanUpperThreshold":
                return value > upper
            return value < lower or value > upper
        threshold = self.threshold if self.threshold is not None else 0.0
        if op == "GreaterThanOrEqualToThreshold":
            return value >= threshold
        if op == "GreaterThanThreshold":
            return value > threshold
        if op == "LessThanThreshold":
            return value < threshold
        return value <= threshold

    def low_sample(self, point: Point) -> bool:
        """Too few samples for a percentile to be significant (``10 / (1 - p)``)."""
        if self.percentile is None or point.samples is None:
            return False
        if self.percentile >= 100:
            return False
        return point.samples < 10.0 / (1.0 - self.percentile / 100.0)


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The outcome of one evaluation and why."""

    state: State
    reason: str
    breaching: int
    evaluated: int


def evaluate(rule: Rule, window: Sequence[Point | None], current: State) -> Evaluation:
    """Evaluate one alarm on ``window``: the evaluation range, oldest first, ``None`` = missing.

    ``window`` should hold ``rule.evaluation_range`` slots (fewer are read as
    missing at the old end). ``current`` is the alarm's state before.
    """
    slots = list(window)[-rule.evaluation_range :]
    n, m = rule.evaluation_periods, rule.datapoints_to_alarm
    existing = [p for p in slots if p is not None]
    latest = slots[-1] if slots else None
    if (
        rule.evaluate_low_sample_count_percentile == "ignore"
        and latest is not None
        and rule.low_sample(latest)
    ):
        return Evaluation(current, "too few samples for the percentile: state kept", 0, 0)
    if len(existing) >= n:
        recent = existing[-n:]
        bad = sum(rule.breaches(p) for p in recent)
        return _decide(bad, m, n, n, f"{bad} of the {n} most recent datapoints breach")
    treatment = rule.treat_missing_data
    fill = n - len(existing)
    bad_existing = sum(rule.breaches(p) for p in existing)
    if treatment == "breaching":
        bad = bad_existing + fill
        return _decide(bad, m, n, n, f"{bad} of {n} breach ({fill} missing treated as breaching)")
    if treatment == "notBreaching":
        return _decide(
            bad_existing, m, n, n,
            f"{bad_existing} of {n} breach ({fill} missing treated as not breaching)",
        )
    if not existing:
        if treatment == "ignore":
            return Evaluation(current, "no datapoints in the evaluation range: state kept", 0, 0)
        return Evaluation(State.INSUFFICIENT_DATA, "no datapoints in the evaluation range", 0, 0)
    if treatment == "ignore" and latest is None:
        return Evaluation(current, "most recent datapoint missing: state kept", bad_existing, len(existing))
    needed = min(m, len(existing))
    return _decide(
        bad_existing, needed, len(existing), len(existing),
        f"{bad_existing} of {len(existing)} existing datapoints breach ({fill} missing)",
    )


def _decide(bad: int, needed: int, of: int, evaluated: int, reason: str) -> Evaluation:
    state = State.ALARM if bad >= needed else State.OK
    return Evaluation(state, reason + f" (needs {needed} of {of})", bad, evaluated)


@dataclass(frozen=True, slots=True)
class Step:
    """The state after evaluating at ``at`` (epoch seconds, the end of a period)."""

    at: float
    state: State
    reason: str


def window_at(rule: Rule, series: Mapping[float, Point], period: int, at: float) -> list[Point | None]:
    """The evaluation range seen by an evaluation at ``at``: the periods ended by then, oldest first."""
    last_end = math.floor(at / period) * period
    return [series.get(last_end - (k + 1) * period) for k in reversed(range(rule.evaluation_range))]


def replay(
    rule: Rule,
    series: Mapping[float, Point],
    *,
    period: int,
    start: float,
    end: float,
    initial: State = State.INSUFFICIENT_DATA,
) -> list[Step]:
    """Evaluate once per period from ``start`` to ``end`` (epoch seconds) as CloudWatch would.

    ``series`` maps each period's start (aligned to ``period``) to its
    datapoint. Evaluation at ``t`` sees the periods that ended at or before
    ``t``. Returns one :class:`Step` per evaluation.
    """
    steps: list[Step] = []
    state = initial
    t = math.floor(start / period) * period
    while t <= end:
        result = evaluate(rule, window_at(rule, series, period, t), state)
        state = result.state
        steps.append(Step(t, state, result.reason))
        t += period
    return steps


@dataclass(frozen=True, slots=True)
class Episode:
    """One stay in ``ALARM``: from the first evaluation in it to the first one out of it."""

    start: float
    end: float | None  # None: still in ALARM at the end of the history

    def seconds(self, until: float) -> float:
        return (self.end if self.end is not None else until) - self.start


def episodes(steps: Iterable[Step]) -> list[Episode]:
    """The ALARM episodes of a replay, in order."""
    out: list[Episode] = []
    opened: float | None = None
    for step in steps:
        if step.state is State.ALARM and opened is None:
            opened = step.at
        elif step.state is not State.ALARM and opened is not None:
            out.append(Episode(opened, step.at))
            opened = None
    if opened is not None:
        out.append(Episode(opened, None))
    return out
