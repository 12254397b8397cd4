"""Window computation at instants on both sides of every boundary."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from mwaa_ops.errors import ConfigError
from mwaa_ops.maintenance_window import WeeklyWindow
from mwaa_ops.upgrades.window import (
    Freeze,
    WindowPolicy,
    build_policy,
    can_start,
    first_fit,
    occurrences,
)

MIN = timedelta(minutes=1)
US = timedelta(microseconds=1)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def policy(*starts: str, minutes: int = 240, blackouts: tuple[date, ...] = (),
           freezes: tuple[Freeze, ...] = ()) -> WindowPolicy:
    return WindowPolicy(tuple(WeeklyWindow.parse(s) for s in starts), timedelta(minutes=minutes),
                        frozenset(blackouts), freezes)


@pytest.mark.parametrize("text", ["SUN:03:15", "sun:3:00", "SUN:24:00", "FUNDAY:03:00", "SUN-03:00", ""],
                         ids=["not-30-min-step", "short-hour", "hour-24", "bad-day", "bad-separator", "empty"])
def test_bad_window_start_names_the_value(text: str) -> None:
    with pytest.raises(ConfigError, match="expected DAY:HH:MM"):
        WeeklyWindow.parse(text)


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        ("2026-12-05T21:59:59.999999", False),  # Saturday, just before
        ("2026-12-05T22:00:00", True),          # opens
        ("2026-12-05T23:59:59", True),          # before midnight
        ("2026-12-06T00:00:00", True),          # after midnight, Sunday
        ("2026-12-06T01:59:59.999999", True),   # last instant
        ("2026-12-06T02:00:00", False),         # closed
    ],
)
def test_window_crossing_midnight(moment: str, inside: bool) -> None:
    answer = can_start(policy("SAT:22:00"), at(moment), timedelta(0))
    assert answer.allowed is inside
    if inside:
        assert answer.window is not None and answer.window.start == at("2026-12-05T22:00:00")


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        ("2026-12-06T22:59:59.999999", False),  # Sunday, before
        ("2026-12-06T23:00:00", True),
        ("2026-12-07T00:30:00", True),          # Monday: the week wrapped
        ("2026-12-07T02:59:59.999999", True),
        ("2026-12-07T03:00:00", False),
    ],
)
def test_window_crossing_the_week_end(moment: str, inside: bool) -> None:
    answer = can_start(policy("SUN:23:00"), at(moment), timedelta(0))
    assert answer.allowed is inside


def test_step_must_fit_before_the_window_closes() -> None:
    p = policy("SUN:03:00")
    need = timedelta(minutes=45)
    assert can_start(p, at("2026-12-06T06:15:00"), need).allowed  # exactly 45 min left
    late = can_start(p, at("2026-12-06T06:15:00") + US, need)
    assert not late.allowed and "45 min (upgrade + rollback)" in late.reason
    assert late.next_usable is not None and late.next_usable.start == at("2026-12-13T03:00:00")


@pytest.mark.parametrize(
    ("blackout", "skipped"),
    [(date(2026, 12, 5), True), (date(2026, 12, 6), True), (date(2026, 12, 4), False), (date(2026, 12, 7), False)],
    ids=["start-day", "end-day", "day-before", "day-after"],
)
def test_blackout_date_on_either_day_of_a_midnight_window(blackout: date, skipped: bool) -> None:
    p = policy("SAT:22:00", blackouts=(blackout,))
    first = occurrences(p, at("2026-12-05T12:00:00"), 2)[0]
    assert first.start == at("2026-12-05T22:00:00")
    assert (not first.usable) is skipped
    answer = can_start(p, at("2026-12-05T23:00:00"), timedelta(0))
    assert answer.allowed is (not skipped)
    if skipped:
        assert f"blackout date {blackout.isoformat()}" in answer.reason


def test_blackout_on_the_day_after_a_window_that_ends_at_midnight_does_not_skip_it() -> None:
    p = policy("SAT:20:00", blackouts=(date(2026, 12, 6),))  # 20:00-24:00 Saturday
    assert occurrences(p, at("2026-12-05T12:00:00"), 1)[0].usable


def test_freeze_boundaries() -> None:
    freeze = Freeze(at("2026-12-06T07:00:00"), at("2026-12-13T03:00:00"), "year-end freeze")
    p = policy("SUN:03:00", freezes=(freeze,))
    first, second, third = occurrences(p, at("2026-12-06T00:00:00"), 3)
    assert first.usable  # ends exactly when the freeze starts
    assert second.usable  # starts exactly when the freeze ends
    assert third.usable
    p2 = policy("SUN:03:00", freezes=(Freeze(at("2026-12-06T06:59:00"), at("2026-12-13T03:00:01"), "freeze"),))
    a, b, _ = occurrences(p2, at("2026-12-06T00:00:00"), 3)
    assert not a.usable and not b.usable and "freeze" in a.skipped
    assert first_fit(p2, at("2026-12-06T00:00:00"), timedelta(minutes=30)) == occurrences(
        p2, at("2026-12-06T00:00:00"), 3)[2]


def test_several_windows_in_order_and_open_one_first() -> None:
    p = policy("WED:01:00", "SAT:22:00", minutes=120)
    found = occurrences(p, at("2026-12-05T23:30:00"), 3)
    assert [o.start for o in found] == [at("2026-12-05T22:00:00"), at("2026-12-09T01:00:00"),
                                        at("2026-12-12T22:00:00")]


def test_first_fit_uses_the_rest_of_an_open_window_only_if_the_step_fits() -> None:
    p = policy("SUN:03:00")
    assert first_fit(p, at("2026-12-06T05:00:00"), timedelta(hours=2)).start == at("2026-12-06T03:00:00")
    assert first_fit(p, at("2026-12-06T05:00:00") + MIN, timedelta(hours=2)).start == at("2026-12-13T03:00:00")


def test_build_policy_prefers_config_windows_and_names_bad_keys() -> None:
    p = build_policy("SUN:03:00", overrides=("TUE:10:30",), length_minutes=60, environment="prod")
    assert [str(w) for w in p.windows] == ["TUE:10:30"]
    with pytest.raises(ConfigError, match=r"upgrades.environments.prod.windows\[0\] = 'TUE:10:15'"):
        build_policy("SUN:03:00", overrides=("TUE:10:15",), length_minutes=60, environment="prod")
    with pytest.raises(ConfigError, match="no WeeklyMaintenanceWindowStart"):
        build_policy(None, length_minutes=60, environment="prod")
