"""Maintenance mutes: an environment's page suppressed until a fixed end time, whatever happens.

The environment's page (a composite alarm) names the maintenance alarm
``<prefix>/<env>/maintenance`` as its ``ActionsSuppressor``. That alarm
watches the metric ``MaintenanceMute`` with the dimensions ``Environment`` and
``MuteId`` (``Maximum >= 1`` over 60 s, missing data not breaching). To mute,
:meth:`MaintenanceMute.mute` publishes ``MaintenanceMute = 1`` datapoints for
every minute from now to the end — *ahead of time*, up to CloudWatch's
two-hour limit on future timestamps — then ``0`` for the minutes after the
end, and points the alarm at that new ``MuteId``. So:

- the mute ends on its own at its end time, with no process left running:
  CloudWatch evaluates the datapoints already stored and the alarm returns to
  ``OK``; if the muting process dies, nothing can extend the mute past the
  datapoints it published (at most two hours ahead);
- a mute longer than two hours is topped up by :meth:`MaintenanceMute.extend`,
  which the agent's ``alarms_sync`` job calls; if the agent is gone the mute
  ends early, so paging comes back rather than staying off;
- :meth:`MaintenanceMute.unmute` points the alarm back at ``MuteId=none``
  (a series with no data: ``OK``) and sets the state at once, so datapoints
  already published for the old mute are orphaned, not obeyed.

The page itself keeps evaluating while muted; when the suppressor leaves
``ALARM`` and the page is still in ``ALARM``, CloudWatch runs the page's
actions after ``ActionsSuppressorExtensionPeriod`` — paging returns.
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mwaa_ops.airflow.target import canonical
from mwaa_ops.alarms.definitions import MAINTENANCE_METRIC
from mwaa_ops.alarms.routing import NO_MUTE, OWNED_MARKER, Router
from mwaa_ops.aws import aws_error
from mwaa_ops.clock import Clock, SystemClock
from mwaa_ops.config import Config
from mwaa_ops.errors import ConfigError, MwaaOpsError
from mwaa_ops.sync.ownership import owner_tags

FUTURE_LIMIT_SECONDS = 2 * 3600  # PutMetricData: timestamps at most two hours ahead
SAFETY_SECONDS = 300  # publish ahead a little less than the limit
PERIOD = 60
TRAILING_ZEROS = 3  # 0 datapoints after the end, so the alarm sees "ended" at once
LEAD_PERIODS = 3  # 1 datapoints for the last few periods, so an evaluation now already sees the mute
_STATE = re.compile(r"mute-until=(\S+) mute-id=(\S+)")


@dataclass(frozen=True)
class MuteStatus:
    """Whether an environment's page is muted, until when and why."""

    environment: str
    alarm: str
    muted: bool
    until: datetime | None
    reason: str
    mute_id: str
    state: str  # the maintenance alarm's state ("" when it does not exist)

    def to_json(self) -> dict[str, Any]:
        return {"environment": self.environment, "alarm": self.alarm, "muted": self.muted,
                "until": self.until.isoformat() if self.until else None, "reason": self.reason,
                "mute_id": self.mute_id, "state": self.state}


class MuteError(MwaaOpsError, ValueError):
    """A mute that cannot be set (no end time, too long, in the past)."""


class MaintenanceMute:
    """Mutes and unmutes environments' pages; ``cloudwatch`` is a boto3 CloudWatch client."""

    def __init__(self, cloudwatch: Any, config: Config, clock: Clock | None = None) -> None:
        self._cw = cloudwatch
        self._config = config
        self._clock = clock or SystemClock()
        self._router = Router(config, topic_arn=lambda name: name)

    def mute(self, environment: str, *, until: datetime, reason: str) -> None:
        """Suppress ``environment``'s page until ``until`` (aware datetime). Raises :class:`MuteError`."""
        now = self._clock.time()
        if until.tzinfo is None:
            raise MuteError("until must be timezone-aware (UTC)")
        end = until.timestamp()
        if end <= now:
            raise MuteError(f"until {until.isoformat()} is not in the future")
        limit = self._config.alarms.max_mute_seconds
        if end - now > limit:
            raise MuteError(
                f"a mute of {int(end - now)} s is longer than alarms.max_mute_seconds ({limit} s)")
        if not reason.strip():
            raise MuteError("a mute needs a reason")
        mute_id = uuid.uuid4().hex[:12]
        self._publish(environment, mute_id, now, end)
        self._put_alarm(environment, mute_id,
                        f"Muted: {reason.strip()[:300]}\nmute-until={until.astimezone(UTC).isoformat()} "
                        f"mute-id={mute_id}")
        self._set_state(environment, "ALARM",
                        f"Muted until {until.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC: {reason.strip()[:200]}")

    def require_known(self, environment: str) -> None:
        """Raise :class:`MuteError` unless ``alarms apply`` made ``environment``'s maintenance alarm.

        Without it there is no page to suppress: a typo in the name would
        otherwise "mute" nothing while the real environment still pages.
        """
        name = self._router.maintenance_name(environment)
        prefix = f"{self._config.alarms.name_prefix}/"
        try:
            if self._cw.describe_alarms(AlarmNames=[name])["MetricAlarms"]:
                return
            known = sorted(
                alarm["AlarmName"][len(prefix):].rsplit("/", 1)[0]
                for page in self._cw.get_paginator("describe_alarms").paginate(
                    AlarmNamePrefix=prefix, AlarmTypes=["MetricAlarm"])
                for alarm in page.get("MetricAlarms", [])
                if alarm["AlarmName"] == self._router.maintenance_name(
                    alarm["AlarmName"][len(prefix):].rsplit("/", 1)[0]))
        except Exception as exc:
            raise aws_error(exc, "CloudWatch DescribeAlarms") from exc
        choices = f"environments with alarms: {', '.join(known)}" if known else "no environment has alarms yet"
        raise MuteError(
            f"environment {environment!r} has no page to mute (no alarm {name}); {choices} "
            "(`mwaa-ops alarms apply` creates them)")

    def unmute(self, environment: str) -> None:
        """End ``environment``'s mute now (no error when it is not muted)."""
        self._put_alarm(environment, NO_MUTE, "Not muted.")
        self._set_state(environment, "OK", "Unmuted")

    def extend(self, environment: str) -> bool:
        """Publish the next datapoints of an active mute longer than two hours. True if muted."""
        status = self.status(environment)
        if not status.muted or status.until is None:
            return False
        self._publish(environment, status.mute_id, self._clock.time(), status.until.timestamp())
        return True

    def status(self, environment: str) -> MuteStatus:
        name = self._router.maintenance_name(environment)
        try:
            alarms = self._cw.describe_alarms(AlarmNames=[name])["MetricAlarms"]
        except Exception as exc:
            raise aws_error(exc, "CloudWatch DescribeAlarms") from exc
        if not alarms:
            return MuteStatus(environment, name, False, None, "", NO_MUTE, "")
        alarm = alarms[0]
        description = alarm.get("AlarmDescription") or ""
        match = _STATE.search(description)
        if match is None:
            return MuteStatus(environment, name, False, None, "", NO_MUTE, alarm["StateValue"])
        until = datetime.fromisoformat(match.group(1))
        reason = description.split("\n", 1)[0].removeprefix("Muted: ")
        muted = until.timestamp() > self._clock.time()
        return MuteStatus(environment, name, muted, until, reason, match.group(2), alarm["StateValue"])

    def _publish(self, environment: str, mute_id: str, now: float, end: float) -> None:
        first = (math.floor(now / PERIOD) - LEAD_PERIODS) * PERIOD
        horizon = now + FUTURE_LIMIT_SECONDS - SAFETY_SECONDS
        stamps: list[tuple[float, float]] = []
        t = first
        while t < end and t <= horizon:
            stamps.append((t, 1.0))
            t += PERIOD
        if end <= horizon:
            last = math.ceil(end / PERIOD) * PERIOD
            stamps.extend((last + k * PERIOD, 0.0) for k in range(TRAILING_ZEROS) if last + k * PERIOD <= horizon)
        dimensions = [{"Name": k, "Value": v} for k, v in canonical({"Environment": environment, "MuteId": mute_id})]
        data = [{"MetricName": MAINTENANCE_METRIC, "Dimensions": dimensions,
                 "Timestamp": datetime.fromtimestamp(stamp, UTC), "Value": value, "StorageResolution": 60}
                for stamp, value in stamps]
        for offset in range(0, len(data), 1000):  # PutMetricData: at most 1000 datums per request
            try:
                self._cw.put_metric_data(Namespace=self._config.namespace, MetricData=data[offset : offset + 1000])
            except Exception as exc:
                raise aws_error(exc, "CloudWatch PutMetricData") from exc

    def _put_alarm(self, environment: str, mute_id: str, text: str) -> None:
        spec = self._router.specs_maintenance(environment)
        request = dict(spec.request)
        request["Dimensions"] = [
            {"Name": k, "Value": v} for k, v in canonical({"Environment": environment, "MuteId": mute_id})]
        tail = request["AlarmDescription"].split("\nRunbook: ", 1)[1]
        request["AlarmDescription"] = f"{text}\nRunbook: {tail}"
        assert OWNED_MARKER in request["AlarmDescription"]
        try:
            self._cw.put_metric_alarm(
                **request, Tags=owner_tags() + [{"Key": k, "Value": v} for k, v in spec.tags.items()])
        except Exception as exc:
            raise aws_error(exc, "CloudWatch PutMetricAlarm") from exc

    def _set_state(self, environment: str, state: str, reason: str) -> None:
        try:
            self._cw.set_alarm_state(AlarmName=self._router.maintenance_name(environment),
                                     StateValue=state, StateReason=reason[:1023])
        except Exception as exc:
            raise aws_error(exc, "CloudWatch SetAlarmState") from exc


def parse_duration(text: str) -> int:
    """``2h``, ``90m``, ``1h30m``, ``45s``, ``1d`` -> seconds. Raises :class:`ConfigError`."""
    match = re.fullmatch(r"\s*(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?\s*", text or "")
    if not match or not any(match.groups()):
        raise ConfigError(f"--for {text!r}: a duration like 2h, 90m, 1h30m or 1d")
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return days * 86400 + hours * 3600 + minutes * 60 + seconds
