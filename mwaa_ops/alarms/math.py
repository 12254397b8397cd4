"""The subset of CloudWatch metric math that alarms here use, evaluated point by point.

CloudWatch evaluates a math alarm's expression itself; the local endpoint and
the backtest need the same result from the fetched series, so this module
computes it. Supported (CloudWatch "Metric math syntax and functions"):
``+ - * / ^``, comparisons (``< <= > >= == !=``, giving 1 or 0), ``AND`` /
``&&``, ``OR`` / ``||``, ``IF(cond, a, b)``, ``FILL(m, value)``, ``ABS``,
``CEIL``, ``FLOOR``, ``MAX(a, b)``, ``MIN(a, b)`` and numbers. A timestamp
where a referenced series has no datapoint (outside ``FILL``) has no result,
as in CloudWatch. Anything else is refused when the definition is loaded.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Mapping

FUNCTIONS = ("IF", "FILL", "ABS", "CEIL", "FLOOR", "MAX", "MIN")
MAX_METRICS = 10  # PutMetricAlarm: at most 10 metrics (MetricStat queries) in a math alarm


class MathError(ValueError):
    """An expression outside the supported subset."""


class _Missing(Exception):
    pass


def _translate(expression: str) -> str:
    # Python's and/or bind looser than comparisons, as CloudWatch's AND/OR do.
    text = re.sub(r"\bAND\b|&&", " and ", expression)
    text = re.sub(r"\bOR\b|\|\|", " or ", text)
    return text.replace("^", "**")


def compile_expression(expression: str) -> ast.Expression:
    """Parse and check ``expression``; :class:`MathError` names the unsupported part."""
    try:
        tree = ast.parse(_translate(expression), mode="eval")
    except SyntaxError as exc:
        raise MathError(f"not a metric math expression: {expression!r} ({exc.msg})") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id.upper() not in FUNCTIONS:
                name = getattr(node.func, "id", "?")
                raise MathError(
                    f"function {name} is not supported here (supported: {', '.join(FUNCTIONS)})"
                )
        elif not isinstance(
            node,
            ast.Expression | ast.BoolOp | ast.boolop | ast.BinOp | ast.UnaryOp | ast.Compare | ast.Name | ast.Constant
            | ast.Load | ast.operator | ast.unaryop | ast.cmpop,
        ):
            raise MathError(f"{type(node).__name__} is not supported in {expression!r}")
    return tree


def variables(tree: ast.Expression) -> set[str]:
    """The query ids (``m1``, ``e1``) the expression reads."""
    calls = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in calls}


def _value(node: ast.AST, env: Mapping[str, float | None]) -> float:
    if isinstance(node, ast.Expression):
        return _value(node.body, env)
    if isinstance(node, ast.Constant):
        if not isinstance(node.value, int | float):
            raise MathError(f"{node.value!r} is not a number")
        return float(node.value)
    if isinstance(node, ast.Name):
        value = env.get(node.id)
        if value is None:
            raise _Missing
        return value
    if isinstance(node, ast.UnaryOp):
        operand = _value(node.operand, env)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left, right = _value(node.left, env), _value(node.right, env)
        op = node.op
        if isinstance(op, ast.Add):
            return left + right
        if isinstance(op, ast.Sub):
            return left - right
        if isinstance(op, ast.Mult):
            return left * right
        if isinstance(op, ast.Div):
            if right == 0:
                raise _Missing  # CloudWatch drops the datapoint (division by zero)
            return left / right
        if isinstance(op, ast.Pow):
            return float(left**right)
        raise MathError(f"operator {type(op).__name__} is not supported")
    if isinstance(node, ast.BoolOp):
        truths = [bool(_value(v, env)) for v in node.values]
        return float(all(truths) if isinstance(node.op, ast.And) else any(truths))
    if isinstance(node, ast.Compare):
        left = _value(node.left, env)
        result = True
        for cmp, comparator in zip(node.ops, node.comparators, strict=True):
            right = _value(comparator, env)
            outcomes: dict[type[ast.cmpop], bool] = {
                ast.Lt: left < right, ast.LtE: left <= right, ast.Gt: left > right,
                ast.GtE: left >= right, ast.Eq: left == right, ast.NotEq: left != right,
            }
            result = result and outcomes[type(cmp)]
            left = right
        return float(result)
    if isinstance(node, ast.Call):
        name = node.func.id.upper()  # type: ignore[attr-defined]
        args = node.args
        if name == "FILL":
            try:
                return _value(args[0], env)
            except _Missing:
                return _value(args[1], env)
        if name == "IF":
            cond = _value(args[0], env)
            return _value(args[1], env) if cond else (_value(args[2], env) if len(args) > 2 else _nothing())
        values = [_value(a, env) for a in args]
        if name == "ABS":
            return abs(values[0])
        if name == "CEIL":
            return float(math.ceil(values[0]))
        if name == "FLOOR":
            return float(math.floor(values[0]))
        return max(values) if name == "MAX" else min(values)
    raise MathError(f"{type(node).__name__} is not supported")


def _nothing() -> float:
    raise _Missing


def evaluate_series(
    tree: ast.Expression, series: Mapping[str, Mapping[float, float]]
) -> dict[float, float]:
    """The expression at every timestamp any input has; timestamps without a result are left out."""
    stamps = sorted({t for values in series.values() for t in values})
    out: dict[float, float] = {}
    for stamp in stamps:
        env = {name: values.get(stamp) for name, values in series.items()}
        try:
            out[stamp] = _value(tree, env)
        except _Missing:
            continue
    return out
