"""Metric math and ``SEARCH`` in the local endpoint's GetMetricData.

moto 5.2 answers a ``SEARCH(...)`` expression and arithmetic such as
``CEIL((r + q) / 5)`` with empty values (FIELD-NOTES). Dashboards use both
(per-DAG widgets, MWAA's required-worker rule), so ``check`` and ``preview``
on the embedded default need them evaluated as CloudWatch does:

- ``SEARCH('{Namespace,Dim1,Dim2} MetricName="X" Dim1="v"', 'Stat', Period)``:
  every stored metric of that namespace whose dimension names are exactly the
  schema's and whose terms all match (``MetricName`` and ``Name="value"``
  pairs, exact); one result per series, all with the query's Id, labelled by
  the series' dimension values beyond the terms.
- ``SORT(<search>, SUM|MAX|AVG|MIN, DESC|ASC, N)``: the first N series by that
  function of their values.
- Arithmetic over ids and numbers: ``+ - * /``, parentheses, unary minus and
  ``CEIL``, ``FLOOR``, ``ABS``. Two series combine at their common timestamps;
  a number applies to every point; a division by zero drops that point.

Anything else is left to moto. :func:`apply_metric_math` wraps
``CloudWatchBackend.get_metric_data`` once per process; the local endpoint's
dispatcher calls it after :func:`mwaa_ops.local.moto_fixes.apply_cloudwatch_fixes`.
"""

from __future__ import annotations

import ast
import math
import re
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

Series = dict[datetime, float]

_SEARCH = re.compile(
    r"""^SEARCH\(\s*'\{(?P<schema>[^}]*)\}\s*(?P<terms>[^']*)'\s*,\s*'(?P<stat>[^']+)'\s*,"""
    r"""\s*(?P<period>\d+)\s*\)$"""
)
_SORT = re.compile(
    r"^SORT\(\s*(?P<inner>SEARCH\(.*\))\s*,\s*(?P<func>SUM|MAX|AVG|MIN)\s*,\s*"
    r"(?P<order>DESC|ASC)\s*,\s*(?P<n>\d+)\s*\)$"
)
_TERM = re.compile(r'(\w[\w ]*?|"[^"]+")\s*=\s*"([^"]*)"')
_FUNCTIONS: dict[str, Callable[[float], float]] = {
    "CEIL": math.ceil, "FLOOR": math.floor, "ABS": abs,
}
_applied = False
_lock = threading.Lock()


def apply_metric_math() -> None:
    """Wrap moto's GetMetricData with SEARCH, SORT and arithmetic (idempotent)."""
    global _applied
    with _lock:
        if _applied:
            return
        from moto.cloudwatch import models

        original = models.CloudWatchBackend.get_metric_data

        def get_metric_data(self: Any, queries: list[dict[str, Any]], start_time: datetime,
                            end_time: datetime, scan_by: str = "TimestampAscending") -> Any:
            return evaluate(self, original, queries, start_time, end_time, scan_by)

        models.CloudWatchBackend.get_metric_data = get_metric_data  # type: ignore[method-assign]
        _applied = True


def is_ours(expression: str) -> bool:
    """Expressions this module evaluates (SEARCH, SORT(SEARCH), arithmetic); not SELECT."""
    text = expression.strip()
    if text.startswith("SELECT"):
        return False
    if _SEARCH.match(text) or _SORT.match(text):
        return True
    try:
        _check(ast.parse(text, mode="eval").body)
    except (SyntaxError, ValueError):
        return False
    return True


def evaluate(backend: Any, original: Callable[..., list[dict[str, Any]]],
             queries: list[dict[str, Any]], start: datetime, end: datetime,
             scan_by: str) -> list[dict[str, Any]]:
    """Answer ``queries``: metric stats through moto, our expressions here, in request order."""
    ours = [q for q in queries if "Expression" in q and is_ours(q["Expression"])]
    if not ours:
        return original(backend, queries, start, end, scan_by)
    stats = [{**q, "ReturnData": True} for q in queries if "MetricStat" in q]
    rest = [q for q in queries if "MetricStat" not in q and q not in ours]
    answered = original(backend, stats + rest, start, end, scan_by) if stats or rest else []
    by_id = {r["id"]: r for r in answered}
    values: dict[str, Series] = {
        r["id"]: dict(zip(r["timestamps"], (float(v) for v in r["values"]), strict=False))
        for r in answered}
    out: list[dict[str, Any]] = []
    for query in queries:
        if query in ours:
            results = _expression(backend, original, query, values, start, end, scan_by)
            if len(results) == 1:
                values[query["Id"]] = results[0][1]
            if query.get("ReturnData", True):
                out.extend(_result(query["Id"], label, series, scan_by)
                           for label, series in results)
        elif query.get("ReturnData", True) and query["Id"] in by_id:
            out.append(by_id[query["Id"]])
    return out


def _result(query_id: str, label: str, series: Series, scan_by: str) -> dict[str, Any]:
    times = sorted(series, reverse=scan_by == "TimestampDescending")
    return {"id": query_id, "label": label, "values": [series[t] for t in times],
            "timestamps": times, "status_code": "Complete"}


def _expression(backend: Any, original: Callable[..., list[dict[str, Any]]],
                query: dict[str, Any], values: dict[str, Series], start: datetime,
                end: datetime, scan_by: str) -> list[tuple[str, Series]]:
    text = query["Expression"].strip()
    label = query.get("Label") or query["Id"]
    sort = _SORT.match(text)
    search = _SEARCH.match(sort.group("inner") if sort else text)
    if search is None:
        return [(label, _arith(ast.parse(text, mode="eval").body, values))]
    found = search_series(backend, original, search, start, end, scan_by)
    if sort:
        functions: dict[str, Callable[[list[float]], float]] = {
            "SUM": sum, "MAX": max, "MIN": min, "AVG": lambda v: sum(v) / len(v)}
        func = functions[sort.group("func")]
        found.sort(key=lambda item: func(list(item[1].values())) if item[1] else 0.0,
                   reverse=sort.group("order") == "DESC")
        found = found[: int(sort.group("n"))]
    return found


def search_series(backend: Any, original: Callable[..., list[dict[str, Any]]],
                  match: re.Match[str], start: datetime, end: datetime,
                  scan_by: str) -> list[tuple[str, Series]]:
    """Every stored series matching a parsed SEARCH, as (label, series)."""
    schema = [part.strip() for part in match.group("schema").split(",")]
    namespace, names = schema[0], sorted(n.strip('"') for n in schema[1:])
    terms = {k.strip().strip('"'): v for k, v in _TERM.findall(match.group("terms"))}
    metric_name = terms.pop("MetricName", None)
    seen: dict[tuple[str, tuple[tuple[str, str], ...]], None] = {}
    for datum in backend.get_all_metrics():
        if datum.namespace != namespace or (metric_name and datum.name != metric_name):
            continue
        if not start <= datum.timestamp < end:
            continue
        dims = tuple(sorted((d.name, d.value) for d in datum.dimensions))
        if [n for n, _ in dims] != names or any(dict(dims).get(k) != v for k, v in terms.items()):
            continue
        seen[(datum.name, dims)] = None
    if not seen:
        return []
    keys = list(seen)
    queries = [{
        "Id": f"search{i}", "ReturnData": True,
        "MetricStat": {"Metric": {"Namespace": namespace, "MetricName": name,
                                  "Dimensions": [{"Name": n, "Value": v} for n, v in dims]},
                       "Stat": match.group("stat"), "Period": int(match.group("period"))},
    } for i, (name, dims) in enumerate(keys)]
    answered = {r["id"]: r for r in original(backend, queries, start, end, scan_by)}
    out = []
    for i, (name, dims) in enumerate(keys):
        result = answered.get(f"search{i}", {"timestamps": [], "values": []})
        label = " ".join(v for n, v in dims if n not in terms) or name
        out.append((label, dict(zip(result["timestamps"], (float(v) for v in result["values"]),
                                    strict=False))))
    return out


def _check(node: ast.AST) -> None:
    """Only arithmetic over names, numbers and the known functions."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.Div):
        _check(node.left)
        _check(node.right)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        _check(node.operand)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id in _FUNCTIONS and len(node.args) == 1 and not node.keywords:
        _check(node.args[0])
    elif isinstance(node, ast.Name) or (isinstance(node, ast.Constant)
                                        and isinstance(node.value, int | float)):
        return
    else:
        raise ValueError(f"not supported locally: {ast.dump(node)}")


Value = Series | float


def _arith(node: ast.AST, values: dict[str, Series]) -> Series:
    result = _value(node, values)
    return result if isinstance(result, dict) else {}


def _value(node: ast.AST, values: dict[str, Series]) -> Value:
    if isinstance(node, ast.Constant):
        assert isinstance(node.value, int | float)
        return float(node.value)
    if isinstance(node, ast.Name):
        return values.get(node.id, {})
    if isinstance(node, ast.UnaryOp):
        operand = _value(node.operand, values)
        sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
        return _map(operand, lambda x: sign * x)
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        function = _FUNCTIONS[node.func.id]
        return _map(_value(node.args[0], values), lambda x: float(function(x)))
    assert isinstance(node, ast.BinOp)
    left, right = _value(node.left, values), _value(node.right, values)
    op: Callable[[float, float], float | None] = {
        ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
        ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b if b else None,
    }[type(node.op)]
    if isinstance(left, float) and isinstance(right, float):
        return op(left, right) or 0.0
    lseries = left if isinstance(left, dict) else None
    rseries = right if isinstance(right, dict) else None
    times = (set(lseries) & set(rseries) if lseries is not None and rseries is not None
             else set(lseries if lseries is not None else rseries or {}))
    out: Series = {}
    for t in times:
        a = lseries[t] if lseries is not None else float(left)  # type: ignore[arg-type]
        b = rseries[t] if rseries is not None else float(right)  # type: ignore[arg-type]
        value = op(a, b)
        if value is not None:
            out[t] = value
    return out


def _map(value: Value, function: Callable[[float], float]) -> Value:
    if isinstance(value, dict):
        return {t: function(v) for t, v in value.items()}
    return function(value)
