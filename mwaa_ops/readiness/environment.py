"""Environment check: AVAILABLE, no update running, no critical alarm firing, a long enough window.

Alarms come from CloudWatch ``DescribeAlarms`` (state ``ALARM``): an alarm
is this environment's when one of its metrics carries the dimension
``Environment=<name>`` or its name contains the environment's name. It is
*critical* when its name or description says ``critical`` (the severity the
alarm definitions write into both). A critical alarm fails the check; any
other firing alarm warns.

The maintenance window starts at ``WeeklyMaintenanceWindowStart`` (``DAY:HH:MM``
UTC, read by :mod:`mwaa_ops.maintenance_window`) and lasts ``readiness.maintenance_window_minutes``; the check passes
when ``readiness.expected_upgrade_minutes`` fits in it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mwaa_ops.aws import aws_error
from mwaa_ops.maintenance_window import next_start
from mwaa_ops.readiness.context import ReadinessContext
from mwaa_ops.readiness.model import FAIL, PASS, WARN, CheckResult

NAME = "environment"
_RUNNING_UPDATE = frozenset({"PENDING", "IN_PROGRESS"})


def _dimensions(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    dims = list(alarm.get("Dimensions", []))
    for query in alarm.get("Metrics", []) or []:
        dims += query.get("MetricStat", {}).get("Metric", {}).get("Dimensions", [])
    return dims


def firing_alarms(cloudwatch: Any, environment: str) -> list[dict[str, Any]]:
    """This environment's metric and composite alarms in state ALARM."""
    found: list[dict[str, Any]] = []
    token = ""
    while True:
        # Without AlarmTypes, DescribeAlarms returns metric alarms only (API reference).
        kwargs: dict[str, Any] = {"StateValue": "ALARM", "AlarmTypes": ["MetricAlarm", "CompositeAlarm"]}
        if token:
            kwargs["NextToken"] = token
        page = cloudwatch.describe_alarms(**kwargs)
        for alarm in page.get("MetricAlarms", []) + page.get("CompositeAlarms", []):
            mine = any(
                d.get("Name") == "Environment" and d.get("Value") == environment
                for d in _dimensions(alarm)
            ) or environment in alarm.get("AlarmName", "")
            if mine:
                found.append(alarm)
        token = page.get("NextToken", "")
        if not token:
            return found


def is_critical(alarm: dict[str, Any]) -> bool:
    text = f"{alarm.get('AlarmName', '')} {alarm.get('AlarmDescription', '')}".lower()
    return "critical" in text


def check_environment(ctx: ReadinessContext) -> CheckResult:
    env = ctx.environment
    problems: list[tuple[str, str, str]] = []  # (status, what, remedy)
    evidence: list[str] = []
    status = env.get("Status", "")
    evidence.append(f"status {status or 'unknown'}")
    if status != "AVAILABLE":
        problems.append((FAIL, f"status is {status or 'unknown'}, not AVAILABLE",
                         "wait until the environment is AVAILABLE"))
    last = env.get("LastUpdate") or {}
    if last:
        evidence.append(f"last update: {last.get('Status', '?')} at {last.get('CreatedAt', '?')}")
    if last.get("Status") in _RUNNING_UPDATE or status == "UPDATING":
        problems.append((FAIL, "an update is already running", "wait for it to finish"))
    try:
        alarms = firing_alarms(ctx.make_client("cloudwatch"), ctx.name)
    except (ClientError, BotoCoreError) as exc:
        problems.append((WARN, f"alarms could not be read: {aws_error(exc, 'CloudWatch DescribeAlarms')}",
                         "check CloudWatch access; alarms were not checked"))
    else:
        critical = [a["AlarmName"] for a in alarms if is_critical(a)]
        other = [a["AlarmName"] for a in alarms if not is_critical(a)]
        evidence.append(f"alarms in ALARM: {len(critical)} critical, {len(other)} other")
        if critical:
            problems.append((FAIL, f"critical alarm(s) firing: {', '.join(critical)}",
                             "resolve the critical alarms before upgrading"))
        if other:
            problems.append((WARN, f"alarm(s) firing: {', '.join(other)}",
                             "look at each firing alarm (and its runbook) before upgrading"))
    window = env.get("WeeklyMaintenanceWindowStart")
    start = next_start(window, ctx.now) if window else None
    if start is None:
        problems.append((WARN, f"no usable maintenance window ({window!r})",
                         "set WeeklyMaintenanceWindowStart"))
    else:
        length = ctx.settings.maintenance_window_minutes
        need = ctx.settings.expected_upgrade_minutes
        end = start + timedelta(minutes=length)
        evidence.append(
            f"next maintenance window {start:%a %Y-%m-%d %H:%M}–{end:%H:%M} UTC ({length} min); "
            f"expected upgrade {need} min"
        )
        if need > length:
            problems.append((FAIL, f"the upgrade ({need} min) does not fit the {length}-minute window",
                             "raise readiness.maintenance_window_minutes only if MWAA's window is longer"))
    if not problems:
        return CheckResult(NAME, PASS, "AVAILABLE, no update running, no alarm firing, window fits",
                           tuple(evidence))
    worst = FAIL if any(p[0] == FAIL for p in problems) else WARN
    return CheckResult(NAME, worst, "; ".join(p[1] for p in problems), tuple(evidence),
                       "; ".join(p[2] for p in problems))
