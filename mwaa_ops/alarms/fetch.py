"""An alarm's datapoints over a time range, fetched with GetMetricData.

The same code serves ``mwaa-ops alarms backtest`` and the local endpoint's
evaluator: an alarm is given in the shape DescribeAlarms returns it (and
PutMetricAlarm takes it), its queries are sent as MetricStat queries, and a
math expression is computed here (:mod:`mwaa_ops.alarms.math`), so the result
does not depend on the endpoint's math support. Anomaly bands are computed
from the metric's own history (mean ± k standard deviations of the preceding
day): CloudWatch's anomaly model is not public, so a backtest of an anomaly
alarm is an approximation, and says so.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from mwaa_ops.alarms.evaluator import Point, Rule
from mwaa_ops.alarms.math import compile_expression, evaluate_series
from mwaa_ops.aws import aws_error
from mwaa_ops.metric_data import metric_data_results

BAND_HISTORY_SECONDS = 86400
_BAND = re.compile(r"ANOMALY_DETECTION_BAND\(\s*(\w+)\s*(?:,\s*([0-9.]+))?\s*\)")
_PERCENTILE = re.compile(r"^p(\d{1,2}(\.\d+)?|100)$")


def rule_of(alarm: Mapping[str, Any]) -> Rule:
    """The evaluator's :class:`Rule` for a metric alarm (DescribeAlarms / PutMetricAlarm shape)."""
    stat = alarm.get("ExtendedStatistic") or ""
    percentile = float(stat[1:]) if _PERCENTILE.match(stat) else None
    n = int(alarm["EvaluationPeriods"])
    return Rule(
        comparison=alarm["ComparisonOperator"],
        threshold=alarm.get("Threshold"),
        evaluation_periods=n,
        datapoints_to_alarm=int(alarm.get("DatapointsToAlarm") or n),
        treat_missing_data=alarm.get("TreatMissingData") or "missing",
        percentile=percentile,
        evaluate_low_sample_count_percentile=alarm.get("EvaluateLowSampleCountPercentile") or "evaluate",
    )


def period_of(alarm: Mapping[str, Any]) -> int:
    if alarm.get("Period"):
        return int(alarm["Period"])
    periods = [q["MetricStat"]["Period"] for q in alarm.get("Metrics") or () if q.get("MetricStat")]
    return int(periods[0]) if periods else 60


def _queries(alarm: Mapping[str, Any]) -> tuple[list[dict[str, Any]], str, str, float | None]:
    """(MetricStat queries, expression, output id, band width) for an alarm."""
    if alarm.get("MetricName"):
        metric: dict[str, Any] = {"Namespace": alarm["Namespace"], "MetricName": alarm["MetricName"],
                  "Dimensions": alarm.get("Dimensions") or []}
        stat = alarm.get("Statistic") or alarm.get("ExtendedStatistic")
        queries: list[dict[str, Any]] = [
            {"Id": "m1", "MetricStat": {"Metric": metric, "Period": period_of(alarm), "Stat": stat}}]
        if alarm.get("ExtendedStatistic") and alarm.get("EvaluateLowSampleCountPercentile") == "ignore":
            queries.append({"Id": "n1", "MetricStat": {"Metric": metric, "Period": period_of(alarm),
                                                        "Stat": "SampleCount"}})
        return queries, "", "m1", None
    stats = [q for q in alarm.get("Metrics") or () if q.get("MetricStat")]
    expressions = [q for q in alarm.get("Metrics") or () if q.get("Expression")]
    queries = [{"Id": q["Id"], "MetricStat": q["MetricStat"]} for q in stats]
    band_id = alarm.get("ThresholdMetricId")
    for q in expressions:
        match = _BAND.fullmatch(q["Expression"].strip())
        if match and q["Id"] == band_id:
            return queries, "", match.group(1), float(match.group(2) or 2)
    main = [q for q in expressions if q.get("ReturnData", True)]
    if not main:
        return queries, "", str(queries[0]["Id"]) if queries else "", None
    return queries, main[0]["Expression"], main[0]["Id"], None


def _get(cloudwatch: Any, queries: list[dict[str, Any]], start: float, end: float) -> dict[str, dict[float, float]]:
    out: dict[str, dict[float, float]] = {q["Id"]: {} for q in queries}
    wanted = [{**q, "ReturnData": True} for q in queries]
    try:
        for result in metric_data_results(cloudwatch, wanted, datetime.fromtimestamp(start, UTC),
                                          datetime.fromtimestamp(end, UTC), scan_by="TimestampAscending"):
            series = out.setdefault(result["Id"], {})
            for stamp, value in zip(result.get("Timestamps", []), result.get("Values", []), strict=False):
                series[stamp.timestamp()] = float(value)
    except Exception as exc:
        raise aws_error(exc, "CloudWatch GetMetricData") from exc
    return out


def _band(values: dict[float, float], width: float, history: float) -> dict[float, Point]:
    out: dict[float, Point] = {}
    stamps = sorted(values)
    for i, stamp in enumerate(stamps):
        before = [values[t] for t in stamps[:i] if t >= stamp - history]
        if len(before) >= 5:
            mean, spread = statistics.fmean(before), statistics.pstdev(before)
            out[stamp] = Point(values[stamp], lower=mean - width * spread, upper=mean + width * spread)
        else:
            out[stamp] = Point(values[stamp])
    return out


def alarm_series(cloudwatch: Any, alarm: Mapping[str, Any], start: float, end: float) -> dict[float, Point]:
    """The alarm's datapoints between ``start`` and ``end`` (epoch s), keyed by period start.

    Raises :class:`~mwaa_ops.errors.AwsError` when GetMetricData fails.
    """
    period = period_of(alarm)
    start = start - start % period
    queries, expression, output, band = _queries(alarm)
    if not queries:
        return {}
    fetch_start = start - BAND_HISTORY_SECONDS if band else start
    data = _get(cloudwatch, queries, fetch_start, end)
    if band is not None:
        points = _band(data.get(output, {}), band, BAND_HISTORY_SECONDS)
        return {t: p for t, p in points.items() if t >= start}
    if expression:
        values = evaluate_series(compile_expression(expression), data)
        return {t: Point(v) for t, v in values.items()}
    samples = data.get("n1", {})
    return {t: Point(v, samples=samples.get(t, 0.0) if "n1" in data else None) for t, v in data.get(output, {}).items()}
