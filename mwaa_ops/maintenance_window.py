"""MWAA's weekly maintenance window: ``WeeklyMaintenanceWindowStart`` and its openings.

MWAA gives each environment one weekly window, ``DAY:HH:MM`` in UTC on
30-minute steps (UpdateEnvironment API reference; the emulator enforces the
same pattern). Pure, no clock: every function takes the instant to answer for.

It lives below the packages that need it (readiness/, reports/, upgrades/),
so none of them has to import another for it; upgrades/window.py builds
blackouts, freezes and window policies on top of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from mwaa_ops.errors import ConfigError

DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
# UpdateEnvironment's WeeklyMaintenanceWindowStart pattern (MWAA API reference).
_WINDOW_START = re.compile(r"^(MON|TUE|WED|THU|FRI|SAT|SUN):([01]\d|2[0-3]):(00|30)$")
WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class WeeklyWindow:
    """A window opening every week at ``weekday`` (0 = Monday) ``hour:minute`` UTC."""

    weekday: int
    hour: int
    minute: int

    @classmethod
    def parse(cls, text: str, where: str = "WeeklyMaintenanceWindowStart") -> WeeklyWindow:
        """``"SUN:03:00"`` → a window; :class:`ConfigError` naming ``where`` otherwise."""
        match = _WINDOW_START.match(str(text).strip().upper())
        if match is None:
            raise ConfigError(
                f"{where} = {text!r}: expected DAY:HH:MM in UTC with DAY one of "
                f"{', '.join(DAYS)} and minutes 00 or 30 (MWAA's 30-minute steps)"
            )
        return cls(DAYS.index(match.group(1)), int(match.group(2)), int(match.group(3)))

    def __str__(self) -> str:
        return f"{DAYS[self.weekday]}:{self.hour:02d}:{self.minute:02d}"

    def start_on_or_before(self, moment: datetime) -> datetime:
        """The latest opening at or before ``moment`` (aware UTC)."""
        base = moment.astimezone(UTC).replace(
            hour=self.hour, minute=self.minute, second=0, microsecond=0
        )
        base -= timedelta(days=(moment.astimezone(UTC).weekday() - self.weekday) % 7)
        return base if base <= moment else base - WEEK

    def start_on_or_after(self, moment: datetime) -> datetime:
        """The earliest opening at or after ``moment`` (aware UTC)."""
        latest = self.start_on_or_before(moment)
        return latest if latest == moment else latest + WEEK


def next_start(weekly_start: str, moment: datetime) -> datetime | None:
    """The next opening of ``WeeklyMaintenanceWindowStart`` at or after ``moment``; None when the
    value is not MWAA's ``DAY:HH:MM`` (for reports and checks that warn instead of failing)."""
    try:
        return WeeklyWindow.parse(weekly_start).start_on_or_after(moment)
    except ConfigError:
        return None
