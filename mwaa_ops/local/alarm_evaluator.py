"""The local endpoint's alarm evaluator: what CloudWatch does with alarms, moto does not.

Every ``interval`` seconds (and on :meth:`AlarmEvaluator.evaluate_once`) it

1. reads the metric alarms with DescribeAlarms and their datapoints with
   GetMetricData, through the endpoint's own HTTP API, and evaluates each with
   :func:`mwaa_ops.alarms.evaluator.evaluate` — the same fetch and evaluation
   code as ``mwaa-ops alarms backtest``;
2. evaluates composite alarms' ``AlarmRule`` on their children's states;
3. records each state change in the alarm history and runs the actions:
   publishes CloudWatch's notification (:mod:`mwaa_ops.local.alarm_notify`)
   to each SNS topic in ``AlarmActions`` / ``OKActions`` /
   ``InsufficientDataActions``.

A composite alarm with an ``ActionsSuppressor`` does not act while the
suppressor is in ``ALARM``; on entering ``ALARM`` it waits up to
``ActionsSuppressorWaitPeriod`` for the suppressor to go to ``ALARM``; when the
suppressor leaves ``ALARM``, an action held back runs after
``ActionsSuppressorExtensionPeriod`` if the composite is still in that state
(PutCompositeAlarm API reference). Time comes from the injected clock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from mwaa_ops.alarms.evaluator import State, evaluate, window_at
from mwaa_ops.alarms.fetch import alarm_series, period_of, rule_of
from mwaa_ops.alarms.rule import holds, parse_rule, references
from mwaa_ops.clock import Clock, SystemClock
from mwaa_ops.local.alarm_notify import notification
from mwaa_ops.local.alarms_api import PENDING_ACTIONS, STATE_LOCK, record, transition
from mwaa_ops.local.mwaa_emulator import ACCOUNT_ID
from mwaa_ops.logs import event

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_SECONDS = 10.0  # CloudWatch evaluates each minute; locally more often is harmless
DEFAULT_REGION = "us-east-1"


class AlarmEvaluator:
    """Evaluates the endpoint's alarms on a background thread (or on demand in tests)."""

    def __init__(self, endpoint_url: str, *, clock: Clock | None = None,
                 interval: float = DEFAULT_INTERVAL_SECONDS, region: str = DEFAULT_REGION,
                 ready: Callable[[], bool] = lambda: True) -> None:
        self.endpoint_url = endpoint_url
        self.clock = clock or SystemClock()
        self.interval = interval
        self.region = region
        self._ready = ready  # False until moto is loaded: nothing to evaluate, nothing to import
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._clients: tuple[Any, Any] | None = None
        self._run_lock = threading.Lock()
        self.evaluations = 0
        self.notifications = 0

    def _client(self) -> tuple[Any, Any]:
        if self._clients is None:
            from mwaa_ops.aws import make_client
            from mwaa_ops.config import AwsConfig

            aws = AwsConfig(endpoint_url=self.endpoint_url, region=self.region)
            # CloudWatch's own evaluation, not the agent's calls: never recorded for the IAM proof.
            self._clients = (make_client("cloudwatch", aws, max_attempts=2, record=False),
                             make_client("sns", aws, max_attempts=2, record=False))
        return self._clients

    def _backend(self) -> Any:
        from moto.cloudwatch.models import cloudwatch_backends

        return cloudwatch_backends[ACCOUNT_ID][self.region]

    def start(self) -> AlarmEvaluator:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="local-alarm-evaluator", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            if not self._ready():
                continue
            try:
                self.evaluate_once()
            except Exception as exc:  # a bad alarm or a transient error must not end the thread
                event(log, logging.WARNING, "alarm_evaluation_failed", error=f"{type(exc).__name__}: {exc}")

    def evaluate_once(self) -> dict[str, int]:
        """One round: metric alarms, composites, then the actions. Returns what it did."""
        with self._run_lock:
            now = self.clock.time()
            when = datetime.fromtimestamp(now, UTC)
            changed = self._metric_alarms(now, when)
            changed += self._composites(when)
            sent = self._run_actions(now, when)
            self.evaluations += 1
            return {"changed": changed, "notifications": sent}

    def _metric_alarms(self, now: float, when: datetime) -> int:
        cloudwatch, _ = self._client()
        backend = self._backend()
        changed = 0
        for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"]):
            for alarm in page["MetricAlarms"]:
                rule = rule_of(alarm)
                period = period_of(alarm)
                start = now - (rule.evaluation_range + 1) * period
                try:
                    series = alarm_series(cloudwatch, alarm, start, now)
                except Exception as exc:
                    event(log, logging.WARNING, "alarm_fetch_failed", alarm=alarm["AlarmName"], error=str(exc))
                    continue
                current = State(alarm["StateValue"])
                result = evaluate(rule, window_at(rule, series, period, now), current)
                model = backend.alarms.get(alarm["AlarmName"])
                if model is not None and result.state != current:
                    reason = f"Threshold Crossed: {result.reason}."
                    if transition(model, result.state.value, reason,
                                  {"version": "1.0", "evaluatedDatapoints": result.evaluated,
                                   "breachingDatapoints": result.breaching}, when):
                        changed += 1
        return changed

    def _composites(self, when: datetime) -> int:
        backend = self._backend()
        changed = 0
        with STATE_LOCK:
            alarms = dict(backend.alarms)
            states = {name: a.state_value for name, a in alarms.items()}
            for alarm in alarms.values():
                if not alarm.rule:
                    continue
                node = parse_rule(alarm.rule)
                new = "ALARM" if holds(node, states) else "OK"
                if new != alarm.state_value:
                    children = [r.alarm for r in references(node) if states.get(r.alarm) == r.state]
                    alarm.mwaa_children = [
                        (alarms[c].alarm_arn, alarms[c].state_value,
                         getattr(alarms[c], "state_transitioned_timestamp", when))
                        for c in children if c in alarms
                    ]
                    if transition(alarm, new, f"{alarm.rule} evaluated to {new == 'ALARM'}"
                                  + (f": {', '.join(children)}" if children else ""),
                                  {"triggeringAlarms": children}, when):
                        states[alarm.name] = new
                        changed += 1
        return changed

    def _suppression(self, alarm: Any, runtime: dict[str, Any], now: float) -> str | None:
        """Why ``alarm``'s pending actions are held back now: ``Alarm``, ``WaitPeriod``,
        ``ExtensionPeriod``, or ``None`` (run them)."""
        name = getattr(alarm, "actions_suppressor", None)
        if not name:
            return None
        suppressor = self._backend().alarms.get(name)
        if suppressor is not None and suppressor.state_value == "ALARM":
            runtime["suppressor_was_alarm"] = True
            runtime["suppressor_left_at"] = None
            return "Alarm"
        if runtime.get("suppressor_was_alarm"):
            left = runtime.get("suppressor_left_at")
            if left is None:
                left = runtime["suppressor_left_at"] = now
            return "ExtensionPeriod" if now < left + alarm.actions_suppressor_extension_period else None
        if runtime["pending"] == "ALARM" and now < runtime["pending_since"] + alarm.actions_suppressor_wait_period:
            return "WaitPeriod"
        return None

    def _run_actions(self, now: float, when: datetime) -> int:
        backend = self._backend()
        while PENDING_ACTIONS:
            alarm, old, new, at = PENDING_ACTIONS.popleft()
            runtime = alarm.__dict__.setdefault("mwaa_runtime", {})
            runtime.update(pending=new, pending_old=old, pending_at=at, pending_since=now,
                           suppressor_was_alarm=False, suppressor_left_at=None)
        sent = 0
        for alarm in list(backend.alarms.values()):
            runtime = alarm.__dict__.get("mwaa_runtime") or {}
            pending = runtime.get("pending")
            if pending is None:
                continue
            if pending != alarm.state_value:
                runtime["pending"] = None
                continue
            why = self._suppression(alarm, runtime, now)
            if getattr(alarm, "actions_suppressor", None):
                alarm.actions_suppressed_by = why
                alarm.actions_suppressed_reason = (
                    f"Alarm is in ALARM/WaitPeriod/ExtensionPeriod of {alarm.actions_suppressor}: {why}"
                    if why else None)
            if why:
                continue
            runtime["pending"] = None
            sent += self._act(alarm, runtime["pending_old"], pending, runtime["pending_at"])
        return sent

    def _act(self, alarm: Any, old: str, new: str, at: datetime) -> int:
        if not alarm.actions_enabled:
            return 0
        targets = {"ALARM": alarm.alarm_actions, "OK": alarm.ok_actions,
                   "INSUFFICIENT_DATA": alarm.insufficient_data_actions}[new]
        _, sns = self._client()
        sent = 0
        for arn in targets or ():
            if not arn.startswith("arn:aws:sns:"):
                record(alarm, "Action", f"Failed to execute action {arn}: only SNS actions run locally",
                       {"actionState": "Failed", "notificationResource": arn})
                continue
            subject, message = notification(alarm, old, new, at, self.region,
                                            getattr(alarm, "mwaa_children", None))
            try:
                sns.publish(TopicArn=arn, Subject=subject, Message=message)
            except Exception as exc:
                record(alarm, "Action", f"Failed to execute action {arn}",
                       {"actionState": "Failed", "notificationResource": arn, "error": str(exc)})
                continue
            record(alarm, "Action", f"Successfully executed action {arn}",
                   {"actionState": "Succeeded", "notificationResource": arn})
            sent += 1
            self.notifications += 1
        event(log, logging.INFO, "alarm_actions", alarm=alarm.name, state=new, sent=sent)
        return sent
