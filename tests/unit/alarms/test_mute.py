"""Mute arguments are checked before any call: an end time is required, bounded and in the future."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mwaa_ops.alarms.mute import MaintenanceMute, MuteError, parse_duration
from mwaa_ops.clock import FakeClock
from mwaa_ops.config import load_config
from mwaa_ops.errors import ConfigError

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "seconds"), [("2h", 7200), ("90m", 5400), ("1h30m", 5400), ("1d", 86400), ("45s", 45)])
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "2 hours", "-1h", "h"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ConfigError, match="--for"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("until", "reason", "message"),
    [
        (NOW - timedelta(minutes=1), "x", "is not in the future"),
        (NOW + timedelta(days=8), "x", "longer than alarms.max_mute_seconds"),
        (NOW.replace(tzinfo=None) + timedelta(hours=1), "x", "timezone-aware"),
        (NOW + timedelta(hours=1), "  ", "needs a reason"),
    ],
    ids=["past", "too-long", "naive", "no-reason"],
)
def test_bad_mutes_are_refused_before_any_call(until: datetime, reason: str, message: str) -> None:
    muter = MaintenanceMute(None, load_config(environ={}), FakeClock(NOW))  # no client: nothing may be called
    with pytest.raises(MuteError, match=message):
        muter.mute("prod", until=until, reason=reason)


def test_alarms_for_an_unconfigured_environment_are_refused() -> None:
    from mwaa_ops.alarms.routing import environments

    config = load_config(overrides={"environment": "prod", "alarms.environments": {"staging": {}}}, environ={})
    assert environments(config) == ["prod", "staging"]
    assert environments(config, "staging") == ["staging"]
    with pytest.raises(ConfigError, match=r"'prdo': alarms are made for prod, staging"):
        environments(config, "prdo")
