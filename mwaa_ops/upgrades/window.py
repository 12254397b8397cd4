"""Maintenance windows: when an environment may be changed, and why a window is skipped.

MWAA gives each environment one weekly window, ``WeeklyMaintenanceWindowStart``
``DAY:HH:MM`` in UTC on 30-minute steps (parsed by
:class:`mwaa_ops.maintenance_window.WeeklyWindow`). Its length is not part of the API:
it comes from config (``readiness.maintenance_window_minutes``, or per
environment ``upgrades.environments.<name>.window_minutes``). Config may
replace the window with several weekly windows, and add blackout dates
(a window touching one of these UTC dates is skipped) and change freezes
(a window overlapping one is skipped).

Everything here is pure and takes the instant to answer for, so boundaries
are tested at any time without a clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from mwaa_ops.errors import ConfigError
from mwaa_ops.maintenance_window import WEEK, WeeklyWindow


@dataclass(frozen=True, slots=True)
class Freeze:
    """A change freeze: no window overlapping ``[start, end)`` is used."""

    start: datetime
    end: datetime
    reason: str = "change freeze"


@dataclass(frozen=True)
class WindowPolicy:
    """Where an environment's windows come from and what rules them out."""

    windows: tuple[WeeklyWindow, ...]
    length: timedelta
    blackout_dates: frozenset[date] = frozenset()
    freezes: tuple[Freeze, ...] = ()
    source: str = "WeeklyMaintenanceWindowStart"

    def __post_init__(self) -> None:
        if not self.windows:
            raise ConfigError(f"{self.source}: no maintenance window")
        if self.length <= timedelta(0) or self.length > WEEK:
            raise ConfigError(f"window length {self.length}: must be more than 0 and at most 7 days")


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One opening of a window; ``skipped`` says why it cannot be used ("" when usable)."""

    start: datetime
    end: datetime
    window: str
    skipped: str = ""

    @property
    def usable(self) -> bool:
        return not self.skipped

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def to_json(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "window": self.window,
                "usable": self.usable, "skipped": self.skipped or None}


@dataclass(frozen=True)
class WindowAnswer:
    """Whether a step that needs ``needed`` may start at ``at``, and the window it falls in."""

    at: datetime
    allowed: bool
    reason: str
    window: Occurrence | None = None
    next_usable: Occurrence | None = None
    needed: timedelta = field(default=timedelta(0))


def _skip_reason(start: datetime, end: datetime, policy: WindowPolicy) -> str:
    day = start.date()
    last = (end - timedelta(microseconds=1)).date()
    while day <= last:
        if day in policy.blackout_dates:
            return f"blackout date {day.isoformat()}"
        day += timedelta(days=1)
    for freeze in policy.freezes:
        if start < freeze.end and freeze.start < end:
            return (f"{freeze.reason} ({freeze.start.isoformat()} to {freeze.end.isoformat()})")
    return ""


def occurrences(policy: WindowPolicy, after: datetime, count: int = 6) -> list[Occurrence]:
    """The next ``count`` openings that have not closed by ``after`` (an open one first), skipped ones included."""
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    out: list[Occurrence] = []
    for window in policy.windows:
        start = window.start_on_or_before(after)
        # A window opened up to a week ago may still be open (length <= 7 days).
        while start + policy.length <= after:
            start += WEEK
        for k in range(count + 1):
            begin = start + k * WEEK
            end = begin + policy.length
            out.append(Occurrence(begin, end, str(window), _skip_reason(begin, end, policy)))
    out.sort(key=lambda o: (o.start, o.window))
    return out[:count]


def can_start(policy: WindowPolicy, at: datetime, needed: timedelta, *, horizon: int = 12) -> WindowAnswer:
    """May a step expected to take ``needed`` (upgrade or rollback) start at ``at``?

    Yes only inside a usable window with at least ``needed`` left before it
    closes. The answer names the window and, when no, the next usable one.
    """
    upcoming = occurrences(policy, at, horizon)
    current = next((o for o in upcoming if o.contains(at)), None)
    later = next(
        (o for o in upcoming if o.usable and o.start > at and o.end - o.start >= needed), None
    )
    if current is None:
        return WindowAnswer(at, False, "outside the maintenance window", None, later, needed)
    if not current.usable:
        return WindowAnswer(at, False, f"window {current.window} skipped: {current.skipped}",
                            current, later, needed)
    left = current.end - at
    if left < needed:
        return WindowAnswer(
            at, False,
            f"only {_minutes(left)} left in the window {current.window} closing "
            f"{current.end.isoformat()}; the step needs {_minutes(needed)} (upgrade + rollback)",
            current, later, needed,
        )
    return WindowAnswer(at, True, f"inside the window {current.window} until {current.end.isoformat()}",
                        current, later, needed)


def first_fit(policy: WindowPolicy, after: datetime, needed: timedelta, *, horizon: int = 26) -> Occurrence | None:
    """The first usable window from ``after`` on (the open one counts if ``needed`` still fits)."""
    for occ in occurrences(policy, after, horizon):
        if not occ.usable:
            continue
        begin = max(occ.start, after)
        if occ.end - begin >= needed:
            return occ
    return None


def _minutes(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 60:g} min"


def build_policy(
    weekly_start: str | None,
    *,
    overrides: Sequence[str] = (),
    length_minutes: int,
    blackout_dates: Iterable[date] = (),
    freezes: Iterable[Freeze] = (),
    environment: str = "",
) -> WindowPolicy:
    """The policy for one environment: config windows when given, else MWAA's own window."""
    if overrides:
        key = f"upgrades.environments.{environment}.windows"
        windows = tuple(WeeklyWindow.parse(w, f"{key}[{i}]") for i, w in enumerate(overrides))
        source = key
    else:
        if not weekly_start:
            raise ConfigError(
                f"environment {environment!r} has no WeeklyMaintenanceWindowStart; set "
                f"upgrades.environments.{environment}.windows"
            )
        windows = (WeeklyWindow.parse(weekly_start, f"{environment}: WeeklyMaintenanceWindowStart"),)
        source = "WeeklyMaintenanceWindowStart"
    return WindowPolicy(windows, timedelta(minutes=length_minutes), frozenset(blackout_dates),
                        tuple(freezes), source)
