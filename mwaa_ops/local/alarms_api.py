"""CloudWatch alarm calls moto lacks or gets wrong, added to the local endpoint.

- ``PutCompositeAlarm`` (request checked against botocore's service model,
  then ``AlarmRule`` parsed and ``ActionsSuppressor`` fields kept);
- ``DescribeAlarms`` returns composite alarms when ``AlarmTypes`` asks for
  them (CloudWatch returns only metric alarms when ``AlarmTypes`` is omitted);
- ``DescribeAlarmHistory`` (ConfigurationUpdate, StateUpdate and Action items,
  newest first, filtered by name, type and date);
- a new alarm starts in ``INSUFFICIENT_DATA`` and ``PutMetricAlarm`` on an
  existing alarm keeps its state and history (moto starts every put at ``OK``);
- ``SetAlarmState`` records history and runs the alarm's actions, as CloudWatch does.

State changes go through :func:`transition`, which the evaluator thread
(:mod:`mwaa_ops.local.alarm_evaluator`) also uses; notifications are queued
and published to SNS by that thread in CloudWatch's message format
(:mod:`mwaa_ops.local.alarm_notify`).
"""

from __future__ import annotations

import json
import threading
from collections import deque
from datetime import UTC, datetime
from typing import Any

from mwaa_ops.alarms.rule import RuleError, parse_rule, references

_applied = False
_lock = threading.Lock()
# Guards alarm state: request threads (SetAlarmState, PutMetricAlarm) and the evaluator.
STATE_LOCK = threading.RLock()
HISTORY_LIMIT = 1000  # per alarm, newest kept
# (alarm, old state, new state, reason, when) waiting for the evaluator thread to run actions
PENDING_ACTIONS: deque[tuple[Any, str, str, datetime]] = deque()


def now_utc() -> datetime:
    return datetime.now(UTC)


def _history(alarm: Any) -> deque[dict[str, Any]]:
    items = getattr(alarm, "mwaa_history", None)
    if items is None:
        items = deque(maxlen=HISTORY_LIMIT)
        alarm.mwaa_history = items
    return items


def record(alarm: Any, kind: str, summary: str, data: dict[str, Any], when: datetime | None = None) -> None:
    """Add one DescribeAlarmHistory item to ``alarm``."""
    _history(alarm).appendleft(
        {
            "AlarmName": alarm.name,
            "AlarmType": "CompositeAlarm" if alarm.rule else "MetricAlarm",
            "Timestamp": when or now_utc(),
            "HistoryItemType": kind,
            "HistorySummary": summary,
            "HistoryData": json.dumps(data),
        }
    )


def transition(alarm: Any, state: str, reason: str, reason_data: dict[str, Any] | None = None,
               when: datetime | None = None, *, run_actions: bool = True) -> bool:
    """Move ``alarm`` to ``state`` (history, timestamps, actions queued). False when unchanged."""
    with STATE_LOCK:
        old = alarm.state_value
        if old == state:
            return False
        when = when or now_utc()
        data_text = json.dumps(reason_data or {})
        record(alarm, "StateUpdate", f"Alarm updated from {old} to {state}", {
            "version": "1.0",
            "oldState": {"stateValue": old, "stateReason": alarm.state_reason},
            "newState": {"stateValue": state, "stateReason": reason, "stateReasonData": reason_data or {}},
        }, when)
        alarm.state_value = state
        alarm.state_reason = reason
        alarm.state_reason_data = data_text
        alarm.state_updated_timestamp = when
        alarm.state_transitioned_timestamp = when
        if run_actions:
            PENDING_ACTIONS.append((alarm, old, state, when))
        return True


def apply_alarm_fixes() -> None:
    """Patch moto's CloudWatch (idempotent); the dispatcher calls it with the other fixes."""
    global _applied
    with _lock:
        if not _applied:
            _patch()
            _applied = True


def _validate(operation: str, params: dict[str, Any]) -> None:
    from botocore.session import get_session
    from botocore.validate import ParamValidator
    from moto.cloudwatch.exceptions import ValidationError

    shape = get_session().get_service_model("cloudwatch").operation_model(operation).input_shape
    report = ParamValidator().validate(params, shape)
    if report.has_errors():
        raise ValidationError(report.generate_report())
    for member, value in params.items():
        limit = shape.members[member].metadata.get("max")
        if limit is not None and hasattr(value, "__len__") and len(value) > limit:
            raise ValidationError(f"{member} has {len(value)} items/characters; at most {limit} allowed")


def _composite_view(alarm: Any) -> dict[str, Any]:
    view = {
        "AlarmName": alarm.name,
        "AlarmArn": alarm.alarm_arn,
        "AlarmDescription": alarm.description,
        "AlarmRule": alarm.rule,
        "ActionsEnabled": alarm.actions_enabled,
        "AlarmActions": alarm.alarm_actions,
        "OKActions": alarm.ok_actions,
        "InsufficientDataActions": alarm.insufficient_data_actions,
        "StateValue": alarm.state_value,
        "StateReason": alarm.state_reason,
        "StateReasonData": alarm.state_reason_data,
        "StateUpdatedTimestamp": alarm.state_updated_timestamp,
        "StateTransitionedTimestamp": getattr(alarm, "state_transitioned_timestamp", alarm.state_updated_timestamp),
        "AlarmConfigurationUpdatedTimestamp": alarm.configuration_updated_timestamp,
    }
    for key, attribute in (
        ("ActionsSuppressor", "actions_suppressor"),
        ("ActionsSuppressorWaitPeriod", "actions_suppressor_wait_period"),
        ("ActionsSuppressorExtensionPeriod", "actions_suppressor_extension_period"),
        ("ActionsSuppressedBy", "actions_suppressed_by"),
        ("ActionsSuppressedReason", "actions_suppressed_reason"),
    ):
        value = getattr(alarm, attribute, None)
        if value is not None:
            view[key] = value
    return {k: v for k, v in view.items() if v is not None}


def _patch() -> None:
    from moto.cloudwatch import models, responses
    from moto.cloudwatch.exceptions import ResourceNotFound, ValidationError
    from moto.core.responses import ActionResult, EmptyResult

    backend_cls = models.CloudWatchBackend
    original_put = backend_cls.put_metric_alarm

    def put_metric_alarm(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        with STATE_LOCK:
            previous = self.alarms.get(name)
            alarm = original_put(self, name, *args, **kwargs)
            if previous is not None:
                for attribute in ("state_value", "state_reason", "state_reason_data",
                                  "state_updated_timestamp", "mwaa_history", "mwaa_runtime"):
                    if hasattr(previous, attribute):
                        setattr(alarm, attribute, getattr(previous, attribute))
                alarm.state_transitioned_timestamp = getattr(  # type: ignore[attr-defined]
                    previous, "state_transitioned_timestamp", previous.state_updated_timestamp)
                record(alarm, "ConfigurationUpdate", f'Alarm "{name}" updated', {"type": "Update"})
            else:
                alarm.state_value = "INSUFFICIENT_DATA"
                alarm.state_transitioned_timestamp = alarm.state_updated_timestamp  # type: ignore[attr-defined]
                record(alarm, "ConfigurationUpdate", f'Alarm "{name}" created', {"type": "Create"})
            return alarm

    def set_alarm_state(self: Any, alarm_name: str, reason: str, reason_data: str, state_value: str) -> None:
        if alarm_name not in self.alarms:
            raise ResourceNotFound()
        if state_value not in ("OK", "ALARM", "INSUFFICIENT_DATA"):
            raise ValidationError(f"Value '{state_value}' at 'stateValue' failed to satisfy constraint")
        try:
            data = json.loads(reason_data) if reason_data else {}
        except ValueError:
            raise ValidationError("StateReasonData is not valid JSON") from None
        transition(self.alarms[alarm_name], state_value, reason, data)

    def put_composite_alarm(self: Any) -> Any:
        shape_members = ("AlarmName", "AlarmRule", "AlarmDescription", "ActionsEnabled", "AlarmActions",
                         "OKActions", "InsufficientDataActions", "Tags", "ActionsSuppressor",
                         "ActionsSuppressorWaitPeriod", "ActionsSuppressorExtensionPeriod")
        params = {k: self._get_param(k) for k in shape_members}
        params = {k: v for k, v in params.items() if v is not None}
        _validate("PutCompositeAlarm", params)
        try:
            node = parse_rule(params["AlarmRule"])
        except RuleError as exc:
            raise ValidationError(f"AlarmRule: {exc}") from None
        missing = sorted({r.alarm for r in references(node)} - set(self.cloudwatch_backend.alarms))
        if missing:
            raise ValidationError(
                f"Could not save the composite alarm as alarms {missing} in the alarm rule do not exist")
        suppressor = params.get("ActionsSuppressor")
        if suppressor is None and (
            "ActionsSuppressorWaitPeriod" in params or "ActionsSuppressorExtensionPeriod" in params
        ):
            raise ValidationError("ActionsSuppressorWaitPeriod/ExtensionPeriod need ActionsSuppressor")
        backend = self.cloudwatch_backend
        alarm = backend.put_metric_alarm(
            name=params["AlarmName"], namespace=None, metric_name=None, comparison_operator=None,
            evaluation_periods=None, period=None, threshold=None, statistic=None,
            description=params.get("AlarmDescription"), dimensions=[],
            alarm_actions=params.get("AlarmActions", []), ok_actions=params.get("OKActions", []),
            insufficient_data_actions=params.get("InsufficientDataActions", []),
            actions_enabled=params.get("ActionsEnabled", True), rule=params["AlarmRule"],
            tags=params.get("Tags", []),
        )
        alarm.actions_suppressor = suppressor
        if suppressor:
            alarm.actions_suppressor_wait_period = params.get("ActionsSuppressorWaitPeriod", 60)
            alarm.actions_suppressor_extension_period = params.get("ActionsSuppressorExtensionPeriod", 60)
        return EmptyResult()

    def describe_alarms(self: Any) -> Any:
        types = self._get_param("AlarmTypes") or ["MetricAlarm"]
        prefix = self._get_param("AlarmNamePrefix")
        names = self._get_param("AlarmNames") or []
        state = self._get_param("StateValue")
        action_prefix = self._get_param("ActionPrefix")
        selected = []
        for alarm in list(self.cloudwatch_backend.alarms.values()):
            if prefix and not alarm.name.startswith(prefix):
                continue
            if names and alarm.name not in names:
                continue
            if state and alarm.state_value != state:
                continue
            if action_prefix and not any(a.startswith(action_prefix) for a in alarm.alarm_actions):
                continue
            selected.append(alarm)
        metric = [a for a in selected if a.rule is None] if "MetricAlarm" in types else []
        composite = [_composite_view(a) for a in selected if a.rule is not None] if "CompositeAlarm" in types else []
        return ActionResult({"MetricAlarms": metric, "CompositeAlarms": composite})

    def describe_alarm_history(self: Any) -> Any:
        params = {k: self._get_param(k) for k in ("AlarmName", "AlarmTypes", "HistoryItemType", "StartDate",
                                                   "EndDate", "MaxRecords", "NextToken", "ScanBy")}
        params = {k: v for k, v in params.items() if v is not None}
        _validate("DescribeAlarmHistory", params)
        items: list[dict[str, Any]] = []
        for alarm in list(self.cloudwatch_backend.alarms.values()):
            if params.get("AlarmName") and alarm.name != params["AlarmName"]:
                continue
            items.extend(getattr(alarm, "mwaa_history", ()))
        types = params.get("AlarmTypes") or ["MetricAlarm", "CompositeAlarm"]
        items = [i for i in items if i["AlarmType"] in types]
        if params.get("HistoryItemType"):
            items = [i for i in items if i["HistoryItemType"] == params["HistoryItemType"]]
        start, end = params.get("StartDate"), params.get("EndDate")
        if start is not None:
            items = [i for i in items if i["Timestamp"] >= _aware(start)]
        if end is not None:
            items = [i for i in items if i["Timestamp"] <= _aware(end)]
        items.sort(key=lambda i: i["Timestamp"], reverse=params.get("ScanBy") != "TimestampAscending")
        offset = int(params.get("NextToken") or 0)
        limit = int(params.get("MaxRecords") or 100)
        page = items[offset : offset + limit]
        result: dict[str, Any] = {"AlarmHistoryItems": page}
        if offset + limit < len(items):
            result["NextToken"] = str(offset + limit)
        return ActionResult(result)

    patches: list[tuple[Any, str, Any]] = [
        (backend_cls, "put_metric_alarm", put_metric_alarm),
        (backend_cls, "set_alarm_state", set_alarm_state),
        (responses.CloudWatchResponse, "put_composite_alarm", put_composite_alarm),
        (responses.CloudWatchResponse, "describe_alarms", describe_alarms),
        (responses.CloudWatchResponse, "describe_alarm_history", describe_alarm_history),
    ]
    for owner, attribute, value in patches:
        setattr(owner, attribute, value)


def _aware(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
