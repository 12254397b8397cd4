"""The evaluator against hand-built series: CloudWatch's documented cases, state by state."""

from __future__ import annotations

import pytest

from mwaa_ops.alarms.evaluator import Point, Rule, State, episodes, evaluate, replay

OK, ALARM, INSUF = State.OK, State.ALARM, State.INSUFFICIENT_DATA


def _window(text: str) -> list[Point | None]:
    """``"0 - X - X"``: 0 not breaching, X breaching, - missing; oldest first."""
    return [None if c == "-" else Point(10.0 if c == "X" else 0.0) for c in text.split()]


def _rule(m: int, n: int, treatment: str) -> Rule:
    return Rule("GreaterThanThreshold", 5.0, n, m, treatment)


# The CloudWatch User Guide's tables ("Configuring how CloudWatch alarms treat missing
# data"): the 5 most recent datapoints, then the state for missing / ignore /
# breaching / notBreaching. "keep" = the state before (here OK and ALARM both tried).
DOCUMENTED = [
    # DatapointsToAlarm = EvaluationPeriods = 3
    (3, 3, "0 - X - X", (OK, OK, OK, OK)),
    (3, 3, "- - - - 0", (OK, OK, OK, OK)),
    (3, 3, "- - - - -", (INSUF, "keep", ALARM, OK)),
    (3, 3, "0 X X - X", (ALARM, ALARM, ALARM, ALARM)),
    (3, 3, "- - X - -", (ALARM, "keep", ALARM, OK)),
    # DatapointsToAlarm = 2, EvaluationPeriods = 3
    (2, 3, "0 - X - X", (ALARM, ALARM, ALARM, ALARM)),
    (2, 3, "0 0 X 0 X", (ALARM, ALARM, ALARM, ALARM)),
    (2, 3, "0 - X - -", (OK, "keep", ALARM, OK)),
    (2, 3, "- - - - 0", (OK, OK, ALARM, OK)),
    (2, 3, "- - - X -", (ALARM, "keep", ALARM, OK)),
]


@pytest.mark.parametrize(
    ("m", "n", "points", "expected"),
    DOCUMENTED,
    ids=[f"{m}of{n}[{p.replace(' ', '')}]" for m, n, p, _ in DOCUMENTED],
)
def test_documented_cases(m: int, n: int, points: str, expected: tuple[object, ...]) -> None:
    for treatment, want in zip(("missing", "ignore", "breaching", "notBreaching"), expected, strict=True):
        for before in (OK, ALARM):
            got = evaluate(_rule(m, n, treatment), _window(points), before).state
            assert got == (before if want == "keep" else want), (treatment, before)


def test_most_recent_missing_points_are_not_filled_while_enough_data_remains() -> None:
    # A heartbeat that stops: treat missing as breaching, 3 of 3. The last good
    # datapoints keep the alarm OK until they leave the 5-period evaluation range.
    rule = _rule(3, 3, "breaching")
    period = 60
    series = {float(t * period): Point(0.0) for t in range(10)}  # periods 0..9 fine, then nothing
    steps = replay(rule, series, period=period, start=10 * period, end=17 * period, initial=OK)
    states = [s.state for s in steps]
    # At t=10..12 the range still holds >= 3 real datapoints; at 13 only 2 remain
    # (periods 8, 9) and one slot is filled as breaching: 1 of 3; at 14 one remains: 2 of 3;
    # at 15 none remain: 3 of 3 -> ALARM.
    assert states == [OK, OK, OK, OK, OK, ALARM, ALARM, ALARM]


@pytest.mark.parametrize(
    ("treatment", "expected"),
    [
        # evaluations at 120, 180, ..., 600 s
        ("missing", [INSUF, OK, OK, ALARM, ALARM, ALARM, ALARM, ALARM, INSUF]),
        ("ignore", [OK, OK, OK, ALARM, ALARM, ALARM, ALARM, ALARM, ALARM]),
        ("notBreaching", [OK, OK, OK, ALARM, ALARM, ALARM, ALARM, OK, OK]),
        ("breaching", [ALARM] * 9),
    ],
)
def test_state_sequence_per_missing_data_mode(treatment: str, expected: list[State]) -> None:
    # 2 of 3, 60 s periods, threshold 5. Datapoints for the periods starting at
    # 120 s (0), 180 s (9) and 240 s (9), nothing else. The evaluation at t sees the
    # five periods before t: at 480 only 180 and 240 remain (2 of 2 breach), at 540
    # only 240, at 600 none.
    rule = _rule(2, 3, treatment)
    series = {120.0: Point(0.0), 180.0: Point(9.0), 240.0: Point(9.0)}
    steps = replay(rule, series, period=60, start=120, end=600, initial=OK)
    assert [s.state for s in steps] == expected


def test_m_of_n_counts_breaches_not_consecutive_ones() -> None:
    rule = _rule(3, 5, "missing")
    assert evaluate(rule, _window("X X X 0 X X 0"), OK).state is ALARM  # 3 of the last 5
    assert evaluate(rule, _window("X X X 0 0 0 X"), OK).state is OK  # 2: older ones left the 5


@pytest.mark.parametrize(
    ("comparison", "value", "breaches"),
    [
        ("GreaterThanThreshold", 5.0, False),
        ("GreaterThanOrEqualToThreshold", 5.0, True),
        ("LessThanThreshold", 5.0, False),
        ("LessThanOrEqualToThreshold", 5.0, True),
        ("LessThanThreshold", 4.9, True),
    ],
)
def test_comparisons_at_the_threshold(comparison: str, value: float, breaches: bool) -> None:
    assert Rule(comparison, 5.0, 1, 1).breaches(Point(value)) is breaches


def test_band_comparisons() -> None:
    inside, above, below = Point(5, lower=1, upper=9), Point(10, lower=1, upper=9), Point(0, lower=1, upper=9)
    both = Rule("LessThanLowerOrGreaterThanUpperThreshold", None, 1, 1)
    assert [both.breaches(p) for p in (inside, above, below)] == [False, True, True]
    assert Rule("GreaterThanUpperThreshold", None, 1, 1).breaches(below) is False
    assert Rule("LessThanLowerThreshold", None, 1, 1).breaches(below) is True


def test_low_sample_count_percentile() -> None:
    # p99 needs 10 / (1 - 0.99) = 1000 samples to be significant.
    ignore = Rule("GreaterThanThreshold", 5.0, 1, 1, "missing", 99.0, "ignore")
    evaluate_anyway = Rule("GreaterThanThreshold", 5.0, 1, 1, "missing", 99.0, "evaluate")
    few, many = [Point(50.0, samples=999)], [Point(50.0, samples=1000)]
    assert evaluate(ignore, few, OK).state is OK  # kept
    assert evaluate(ignore, few, ALARM).state is ALARM  # kept
    assert evaluate(ignore, many, OK).state is ALARM
    assert evaluate(evaluate_anyway, few, OK).state is ALARM
    assert ignore.low_sample(Point(1.0, samples=19)) is True
    assert Rule("GreaterThanThreshold", 1, 1, 1, percentile=50.0).low_sample(Point(1, samples=20)) is False


def test_episodes_measure_time_in_alarm() -> None:
    rule = _rule(1, 1, "notBreaching")
    series = {0.0: Point(9), 60.0: Point(9), 120.0: Point(0), 180.0: Point(9)}
    steps = replay(rule, series, period=60, start=60, end=240, initial=OK)
    assert [s.state for s in steps] == [ALARM, ALARM, OK, ALARM]
    found = episodes(steps)
    assert [(e.start, e.end) for e in found] == [(60, 180), (240, None)]
    assert found[0].seconds(240) == 120


def test_rule_checks_its_fields() -> None:
    with pytest.raises(ValueError, match="DatapointsToAlarm"):
        Rule("GreaterThanThreshold", 1, 2, 3)
    with pytest.raises(ValueError, match="TreatMissingData"):
        Rule("GreaterThanThreshold", 1, 1, 1, "sometimes")
