"""``alarms backtest``: how often each alarm would have fired and paged over the metric history.

Each metric alarm of an environment (as :class:`~mwaa_ops.alarms.routing.Router`
would create it, thresholds and all) is replayed over its history with the
evaluator CloudWatch's semantics are modelled in
(:func:`mwaa_ops.alarms.evaluator.replay`), fed by GetMetricData
(:func:`mwaa_ops.alarms.fetch.alarm_series`, the local endpoint's evaluator
uses the same). The composite page is replayed from the children's states on
a common one-minute grid. On-call reads the result as alert fatigue: firings
per week, time spent in ``ALARM``, pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mwaa_ops.alarms.definitions import Definitions
from mwaa_ops.alarms.evaluator import Episode, State, Step, episodes, replay
from mwaa_ops.alarms.fetch import alarm_series, period_of, rule_of
from mwaa_ops.alarms.routing import MAINTENANCE, AlarmSpec, Router
from mwaa_ops.alarms.rule import holds, parse_rule

GRID_SECONDS = 60


@dataclass(frozen=True)
class AlarmReport:
    """One alarm's replay."""

    environment: str
    alarm: str
    definition: str
    severity: str
    pages: bool  # a page itself (the composite)
    firings: int
    seconds_in_alarm: float
    longest_seconds: float
    evaluations: int
    final_state: str

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _report(spec: AlarmSpec, steps: list[Step], found: list[Episode], end: float, pages: bool) -> AlarmReport:
    durations = [e.seconds(end) for e in found]
    return AlarmReport(spec.environment, spec.name, spec.definition, spec.severity, pages, len(found),
                       sum(durations), max(durations, default=0.0), len(steps),
                       steps[-1].state.value if steps else State.INSUFFICIENT_DATA.value)


def _state_at(steps: list[Step], t: float, cursor: dict[str, int], key: str) -> str:
    i = cursor.get(key, -1)
    while i + 1 < len(steps) and steps[i + 1].at <= t:
        i += 1
    cursor[key] = i
    return steps[i].state.value if i >= 0 else State.INSUFFICIENT_DATA.value


def backtest_environment(
    cloudwatch: Any,
    router: Router,
    definitions: Definitions,
    environment: str,
    *,
    start: float,
    end: float,
    progress: Callable[[str], None] = lambda name: None,
) -> list[AlarmReport]:
    """Replay every alarm of ``environment`` from ``start`` to ``end`` (epoch seconds)."""
    specs = [s for s in router.specs(environment, definitions.alarms) if s.definition != MAINTENANCE]
    reports: list[AlarmReport] = []
    replays: dict[str, list[Step]] = {}
    for spec in specs:
        if spec.kind != "metric":
            continue
        progress(spec.name)
        rule, period = rule_of(spec.request), period_of(spec.request)
        lookback = rule.evaluation_range * period
        series = alarm_series(cloudwatch, spec.request, start - lookback, end)
        steps = replay(rule, series, period=period, start=start, end=end)
        replays[spec.name] = steps
        reports.append(_report(spec, steps, episodes(steps), end, False))
    for spec in specs:
        if spec.kind != "composite":
            continue
        node = parse_rule(spec.request["AlarmRule"])
        cursor: dict[str, int] = {}
        steps = []
        t = start - start % GRID_SECONDS
        while t <= end:
            states = {name: _state_at(s, t, cursor, name) for name, s in replays.items()}
            steps.append(Step(t, State.ALARM if holds(node, states) else State.OK, "rule"))
            t += GRID_SECONDS
        reports.append(_report(spec, steps, episodes(steps), end, True))
    return reports
