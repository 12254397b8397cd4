"""Composite rules and the metric math subset."""

from __future__ import annotations

import pytest

from mwaa_ops.alarms.math import MathError, compile_expression, evaluate_series, variables
from mwaa_ops.alarms.rule import RuleError, any_in_alarm, holds, parse_rule, references


def test_rule_parses_and_evaluates() -> None:
    rule = parse_rule('(ALARM("a b") OR ALARM(c)) AND NOT OK("d")')
    assert [r.alarm for r in references(rule)] == ["a b", "c", "d"]
    assert holds(rule, {"a b": "ALARM", "d": "ALARM"}) is True
    assert holds(rule, {"a b": "ALARM", "d": "OK"}) is False
    assert holds(rule, {"c": "OK"}) is False
    assert holds(parse_rule("TRUE"), {}) is True


@pytest.mark.parametrize("text", ['ALARM("a"', 'ALARM("a") XOR ALARM("b")', "ALARM()", 'WARN("a")'])
def test_bad_rules_are_refused(text: str) -> None:
    with pytest.raises(RuleError):
        parse_rule(text)


def test_any_in_alarm_round_trips() -> None:
    text = any_in_alarm(["x", "y"])
    assert text == 'ALARM("x") OR ALARM("y")'
    assert holds(parse_rule(text), {"y": "ALARM"})


def test_failure_rate_with_a_minimum_count() -> None:
    tree = compile_expression("IF((f + s) >= 10, 100 * f / (f + s), 0)")
    assert variables(tree) == {"f", "s"}
    out = evaluate_series(tree, {"f": {0: 1, 60: 4, 120: 0}, "s": {0: 1, 60: 6}})
    # one failure in two tasks: below the minimum count, 0; at 120 s s is missing: no result
    assert out == {0: 0.0, 60: 40.0}


def test_fill_and_logic() -> None:
    tree = compile_expression("FILL(q, 0) > 0 AND FILL(r, 0) == 0")
    assert evaluate_series(tree, {"q": {0: 3, 60: 3}, "r": {0: 1}}) == {0: 0.0, 60: 1.0}


@pytest.mark.parametrize("text", ["SEARCH('x')", "m1.__class__", "lambda: 1", "m1 +"])
def test_unsupported_math_is_refused(text: str) -> None:
    with pytest.raises(MathError):
        compile_expression(text)
