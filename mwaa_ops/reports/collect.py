"""Read what the weekly report needs from AWS: health over the last days, alarm history, usage.

Only boto3 clients from :func:`mwaa_ops.aws.make_client`, so the embedded
endpoint and a real account read the same way. Every read that fails is
recorded as a visible gap (``unavailable`` with the reason), never as a zero:
in particular ``DescribeAlarmHistory``, which moto lacks, makes the report
say "alarm history unavailable".

Health metrics are MWAA's names (namespace ``config.namespace``, dimension
``Environment``): ``TaskInstanceSuccesses`` / ``TaskInstanceFailures``
(``DAG=All, Task=All``), ``SchedulerHeartbeat`` (``Function=Scheduler``)
and ``ImportErrors`` (``Function=DAG Processing``). Metrics are looked up
with ``ListMetrics`` and queried with the dimensions it returns (moto
matches more than two dimensions in order).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mwaa_ops.aws import aws_error, classify
from mwaa_ops.metric_data import batch_results, query_batches
from mwaa_ops.reports.cost import DAYS_PER_MONTH, Usage

MakeClient = Callable[..., Any]
HEALTH_DAYS = 7
HEARTBEAT_GAP_MINUTES = 5  # a minute-bucket run without heartbeats this long counts as a gap
PUT_REQUESTS_METRIC = "AgentPutMetricDataRequests"
# PutMetricData takes at most 1000 datums per request (CloudWatch API reference).
DATUMS_PER_REQUEST = 1000


@dataclass
class Health:
    days: list[date]
    successes: list[float | None]  # per day; None: no data that day
    failures: list[float | None]
    import_errors: list[float | None]  # daily maximum of the gauge
    heartbeat_minutes: int  # minutes with at least one scheduler heartbeat
    heartbeat_gaps: list[tuple[datetime, int]]  # (gap start, minutes) of runs >= HEARTBEAT_GAP_MINUTES
    has_heartbeat: bool
    errors: list[str] = field(default_factory=list)


@dataclass
class AlarmWeek:
    available: bool
    reason: str  # why the history is unavailable ("" when available)
    firings: dict[str, int]  # alarm -> transitions into ALARM in the window
    pages: dict[str, int]  # alarm -> firings of alarms with actions (each one notified on-call)
    seconds_in_alarm: dict[str, float]
    firing_now: list[str]  # alarms in ALARM at the time of the report (DescribeAlarms)


def window(now: datetime, days: int = HEALTH_DAYS) -> tuple[datetime, datetime, list[date]]:
    """(start, end, days): ``days`` whole UTC days ending with today's midnight-to-midnight.

    The end is the coming midnight, not ``now``: queries then cover today's
    partial period (moto, unlike CloudWatch, leaves out a period that ends
    after ``EndTime``); today simply has no data after ``now`` yet.
    """
    first = (now - timedelta(days=days - 1)).date()
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    return start, start + timedelta(days=days), [first + timedelta(days=i) for i in range(days)]


def _find(cloudwatch: Any, namespace: str, name: str, environment: str) -> list[dict[str, Any]]:
    pages = cloudwatch.get_paginator("list_metrics").paginate(
        Namespace=namespace, MetricName=name, Dimensions=[{"Name": "Environment", "Value": environment}]
    )
    found = [m for page in pages for m in page.get("Metrics", [])]
    totals = [m for m in found if all(d["Value"] == "All" for d in m["Dimensions"] if d["Name"] in ("DAG", "Task"))]
    return totals or found


def _series(cloudwatch: Any, metrics: list[dict[str, Any]], stat: str, period: int,
            start: datetime, end: datetime) -> dict[datetime, float]:
    """One series: ``stat`` per ``period`` summed (or max'ed) over ``metrics``."""
    out: dict[datetime, float] = {}
    for batch in query_batches(metrics):
        queries = [{"Id": f"m{i}", "ReturnData": True,
                    "MetricStat": {"Metric": {k: m[k] for k in ("Namespace", "MetricName", "Dimensions")},
                                   "Period": period, "Stat": stat}} for i, m in enumerate(batch)]
        for result in batch_results(cloudwatch, queries, start, end):
            for stamp, value in zip(result.get("Timestamps", []), result.get("Values", []), strict=False):
                key = stamp.astimezone(UTC)
                out[key] = max(out.get(key, value), value) if stat == "Maximum" else out.get(key, 0.0) + value
    return out


def _daily(points: dict[datetime, float], days: list[date]) -> list[float | None]:
    by_day: dict[date, float] = {}
    for stamp, value in points.items():
        by_day[stamp.date()] = by_day.get(stamp.date(), 0.0) + value
    return [by_day.get(d) for d in days]


def heartbeat_gaps(minutes: list[datetime], start: datetime, end: datetime,
                   threshold: int = HEARTBEAT_GAP_MINUTES) -> list[tuple[datetime, int]]:
    """Runs of at least ``threshold`` minutes without a heartbeat between the first and last one."""
    if not minutes:
        return []
    ordered = sorted(minutes)
    gaps = []
    for before, after in zip(ordered, ordered[1:], strict=False):
        missing = int((after - before).total_seconds() // 60) - 1
        if missing >= threshold:
            gaps.append((before + timedelta(minutes=1), missing))
    return gaps


def read_health(cloudwatch: Any, namespace: str, environment: str, now: datetime) -> Health:
    """Task successes and failures, import errors per day, and scheduler heartbeat gaps."""
    start, end, days = window(now)
    health = Health(days, [None] * len(days), [None] * len(days), [None] * len(days), 0, [], False)
    try:
        for name, attribute, stat in (("TaskInstanceSuccesses", "successes", "Sum"),
                                      ("TaskInstanceFailures", "failures", "Sum")):
            found = _find(cloudwatch, namespace, name, environment)
            if found:
                setattr(health, attribute, _daily(_series(cloudwatch, found, stat, 86400, start, end), days))
        found = _find(cloudwatch, namespace, "ImportErrors", environment)
        if found:
            points = _series(cloudwatch, found, "Maximum", 86400, start, end)
            health.import_errors = [points.get(datetime(d.year, d.month, d.day, tzinfo=UTC)) for d in days]
        found = _find(cloudwatch, namespace, "SchedulerHeartbeat", environment)
        if found:
            beats = [t for t, v in _series(cloudwatch, found, "Sum", 60, start, end).items() if v > 0]
            health.has_heartbeat = bool(beats)
            health.heartbeat_minutes = len(beats)
            health.heartbeat_gaps = heartbeat_gaps(beats, start, end)
    except (ClientError, BotoCoreError) as exc:
        health.errors.append(str(aws_error(exc, "CloudWatch health metrics")))
    return health


LAG_METRIC = "DaysBehindNewestMwaa"  # published daily by the versions_refresh job
LAG_DAYS = 90


def read_version_lag(cloudwatch: Any, namespace: str, environment: str, now: datetime,
                     days: int = LAG_DAYS) -> list[tuple[str, float]]:
    """(UTC day, days behind the newest MWAA version) for the last ``days`` days, as the
    agent's ``versions_refresh`` job published them (daily maximum); [] when none."""
    start, end, _ = window(now, days)
    found = _find(cloudwatch, namespace, LAG_METRIC, environment)
    if not found:
        return []
    points = _series(cloudwatch, found, "Maximum", 86400, start, end)
    return [(stamp.date().isoformat(), value) for stamp, value in sorted(points.items())]


def _state_changes(item: dict[str, Any]) -> tuple[str, str] | None:
    try:
        data = json.loads(item.get("HistoryData") or "{}")
        return data["oldState"]["stateValue"], data["newState"]["stateValue"]
    except (ValueError, KeyError, TypeError):
        return None


def read_alarm_week(cloudwatch: Any, cloudwatch_once: Any, now: datetime) -> AlarmWeek:
    """Firings, pages and time in ALARM per alarm over the window, from DescribeAlarmHistory.

    ``cloudwatch_once`` is a client without retries, so an endpoint that lacks
    the call answers at once. Alarms "page" when they have actions.
    """
    start, _, _ = window(now)
    end = now
    alarms: dict[str, dict[str, Any]] = {}
    try:
        for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm", "CompositeAlarm"]):
            for alarm in page.get("MetricAlarms", []) + page.get("CompositeAlarms", []):
                alarms[alarm["AlarmName"]] = alarm
    except (ClientError, BotoCoreError) as exc:
        return AlarmWeek(False, str(aws_error(exc, "CloudWatch DescribeAlarms")), {}, {}, {}, [])
    firing_now = sorted(n for n, a in alarms.items() if a.get("StateValue") == "ALARM")
    items: list[dict[str, Any]] = []
    try:
        # Without AlarmTypes only metric alarms' history comes back (API reference), while
        # firing_now above lists composite alarms too.
        kwargs: dict[str, Any] = {"HistoryItemType": "StateUpdate", "StartDate": start, "EndDate": end,
                                  "ScanBy": "TimestampAscending", "MaxRecords": 100,
                                  "AlarmTypes": ["MetricAlarm", "CompositeAlarm"]}
        while True:
            answer = cloudwatch_once.describe_alarm_history(**kwargs)
            items.extend(answer.get("AlarmHistoryItems", []))
            token = answer.get("NextToken")
            if not token:
                break
            kwargs["NextToken"] = token
    except (ClientError, BotoCoreError) as exc:
        failure = classify(exc)
        reason = (f"CloudWatch DescribeAlarmHistory failed: HTTP {failure.status} "
                  "(the endpoint answered with an error page; it may not implement the call)"
                  if "<html" in failure.message.lower() else str(aws_error(exc, "CloudWatch DescribeAlarmHistory")))
        return AlarmWeek(False, reason, {}, {}, {}, firing_now)
    firings: dict[str, int] = {}
    entered: dict[str, datetime] = {}
    seconds: dict[str, float] = {}
    for item in sorted(items, key=lambda i: i["Timestamp"]):
        change = _state_changes(item)
        if change is None:
            continue
        name, stamp = item["AlarmName"], item["Timestamp"].astimezone(UTC)
        old, new = change
        if new == "ALARM" and old != "ALARM":
            firings[name] = firings.get(name, 0) + 1
            entered[name] = stamp
        elif old == "ALARM" and new != "ALARM":
            began = entered.pop(name, start)
            seconds[name] = seconds.get(name, 0.0) + (stamp - began).total_seconds()
    for name, began in entered.items():
        seconds[name] = seconds.get(name, 0.0) + (end - began).total_seconds()
    for name in firing_now:  # in ALARM since before the window, no transition in it
        if name not in firings and name not in seconds:
            seconds[name] = (end - start).total_seconds()
    pages = {n: c for n, c in firings.items() if alarms.get(n, {}).get("AlarmActions")}
    return AlarmWeek(True, "", firings, pages, seconds, firing_now)


def _span(minutes: float) -> str:
    if minutes < 120:
        return f"{minutes:.0f} min"
    if minutes < 2 * 1440:
        return f"{minutes / 60:.0f} h"
    return f"{minutes / 1440:.1f} days"


def read_usage(cloudwatch: Any, namespace: str, flush_interval_seconds: int, now: datetime) -> tuple[Usage, list[str]]:
    """Series published, PutMetricData requests, dashboards and alarms, for the cost estimate."""
    problems: list[str] = []
    series = per_task = 0
    try:
        for page in cloudwatch.get_paginator("list_metrics").paginate(Namespace=namespace):
            for metric in page.get("Metrics", []):
                series += 1
                dims = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
                if dims.get("Task", "All") != "All" or dims.get("DAG", "All") != "All":
                    per_task += 1
    except (ClientError, BotoCoreError) as exc:
        problems.append(str(aws_error(exc, "CloudWatch ListMetrics")))
    start, end, days = window(now)
    requests_month: float | None = None
    basis = ""
    try:
        pages = cloudwatch.get_paginator("list_metrics").paginate(Namespace=namespace, MetricName=PUT_REQUESTS_METRIC)
        found = [m for page in pages for m in page.get("Metrics", [])]
        if found:
            points = _series(cloudwatch, found, "Sum", 60, start, end)
            if points:
                # The rate over the minutes the agent was publishing, scaled to a month.
                minutes = (max(points) - min(points)).total_seconds() / 60 + 1
                requests_month = sum(points.values()) / minutes * 60 * 24 * DAYS_PER_MONTH
                basis = f"measured by the agent over {_span(minutes)}"
    except (ClientError, BotoCoreError) as exc:
        problems.append(str(aws_error(exc, "CloudWatch GetMetricData (agent request counts)")))
    if requests_month is None:
        per_flush = math.ceil(series / DATUMS_PER_REQUEST) if series else 0
        requests_month = per_flush * (86400 / flush_interval_seconds) * DAYS_PER_MONTH
        basis = f"estimated: {per_flush} per {flush_interval_seconds} s flush"
    dashboards = standard = high = composite = 0
    try:
        for page in cloudwatch.get_paginator("list_dashboards").paginate():
            dashboards += len(page.get("DashboardEntries", []))
        for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm", "CompositeAlarm"]):
            for alarm in page.get("MetricAlarms", []):
                if int(alarm.get("Period") or 60) < 60:
                    high += 1
                else:
                    standard += 1
            composite += len(page.get("CompositeAlarms", []))
    except (ClientError, BotoCoreError) as exc:
        problems.append(str(aws_error(exc, "CloudWatch dashboards/alarms")))
    return Usage(series, per_task, requests_month, basis, dashboards, standard, high, composite), problems
