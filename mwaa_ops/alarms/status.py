"""``alarms status``: each owned alarm's state, the environment's mute, and the last transitions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mwaa_ops.alarms.context import AlarmsContext
from mwaa_ops.alarms.mute import MaintenanceMute, MuteStatus
from mwaa_ops.alarms.routing import owned
from mwaa_ops.aws import aws_error

RECENT_TRANSITIONS = 10


@dataclass(frozen=True)
class EnvironmentAlarms:
    environment: str
    alarms: list[dict[str, Any]]
    mute: MuteStatus
    transitions: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {"environment": self.environment, "alarms": self.alarms, "mute": self.mute.to_json(),
                "transitions": self.transitions}


def current_alarms(cloudwatch: Any, prefix: str) -> list[dict[str, Any]]:
    """Every alarm (metric and composite) whose name starts with ``prefix`` (DescribeAlarms, paginated)."""
    out: list[dict[str, Any]] = []
    try:
        pages = cloudwatch.get_paginator("describe_alarms").paginate(
            AlarmNamePrefix=prefix, AlarmTypes=["MetricAlarm", "CompositeAlarm"])
        for page in pages:
            out.extend({**a, "_kind": "metric"} for a in page.get("MetricAlarms", []))
            out.extend({**a, "_kind": "composite"} for a in page.get("CompositeAlarms", []))
    except Exception as exc:
        raise aws_error(exc, "CloudWatch DescribeAlarms") from exc
    return out


def _when(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


def environment_status(context: AlarmsContext, environment: str) -> EnvironmentAlarms:
    router = context.router()
    alarms = [a for a in current_alarms(context.cloudwatch, router.prefix(environment))
              if owned(a.get("AlarmDescription"))]
    rows = [{
        "alarm": a["AlarmName"],
        "kind": a["_kind"],
        "state": a["StateValue"],
        "since": _when(a.get("StateTransitionedTimestamp") or a.get("StateUpdatedTimestamp")),
        "reason": a.get("StateReason", ""),
        "suppressed_by": a.get("ActionsSuppressedBy"),
    } for a in sorted(alarms, key=lambda a: a["AlarmName"])]
    transitions: list[dict[str, Any]] = []
    names = {a["AlarmName"] for a in alarms}
    try:
        answer = context.cloudwatch.describe_alarm_history(
            HistoryItemType="StateUpdate", MaxRecords=100, ScanBy="TimestampDescending")
        for item in answer.get("AlarmHistoryItems", []):
            if item["AlarmName"] not in names:
                continue
            data = json.loads(item.get("HistoryData") or "{}")
            transitions.append({
                "at": _when(item["Timestamp"]), "alarm": item["AlarmName"],
                "from": data.get("oldState", {}).get("stateValue"),
                "to": data.get("newState", {}).get("stateValue"),
            })
            if len(transitions) >= RECENT_TRANSITIONS:
                break
    except Exception as exc:
        raise aws_error(exc, "CloudWatch DescribeAlarmHistory") from exc
    mute = MaintenanceMute(context.cloudwatch, context.config, context.clock).status(environment)
    return EnvironmentAlarms(environment, rows, mute, transitions)
