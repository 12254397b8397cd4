"""Injected time: every time-dependent piece takes a :class:`Clock`.

Tests use :class:`FakeClock` to be at any instant without sleeping; the CLI's
``--as-of`` builds a :class:`FixedClock`.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime
from typing import Protocol


class Clock(Protocol):
    """Source of wall time (epoch seconds), monotonic time and sleeping."""

    def time(self) -> float: ...

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class FakeClock:
    """A clock that only moves when told to; ``sleep`` advances it instantly."""

    def __init__(self, start: float | datetime = 1_700_000_000.0) -> None:
        if isinstance(start, datetime):
            start = start.timestamp()
        self._now = float(start)
        self._mono = 1000.0
        self._lock = threading.Lock()

    def time(self) -> float:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds
            self._mono += seconds

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.advance(seconds)


class FixedClock(FakeClock):
    """A clock frozen at one instant, for ``--as-of``."""


def utc_now(clock: Clock) -> datetime:
    """The clock's wall time as an aware UTC datetime."""
    return datetime.fromtimestamp(clock.time(), UTC)


def today(clock: Clock) -> date:
    """The clock's current UTC date."""
    return utc_now(clock).date()
