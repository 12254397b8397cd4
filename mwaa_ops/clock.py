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


CLOCK_ENV = "MWAA_OPS_CLOCK"


class AcceleratedClock:
    """Wall time that starts at ``origin`` when the real clock read ``anchor`` and runs ``speed`` times faster.

    Processes built from the same :func:`clock_from_spec` string agree on the
    time without talking to each other, so an emulator and the driver processes
    of a test (or a demo) share one accelerated clock. ``sleep`` sleeps
    ``seconds / speed`` of real time.
    """

    def __init__(self, origin: float, anchor: float | None = None, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError(f"clock speed must be > 0, got {speed}")
        self.origin = origin
        self.anchor = time.time() if anchor is None else anchor
        self.speed = speed

    def time(self) -> float:
        return self.origin + (time.time() - self.anchor) * self.speed

    def monotonic(self) -> float:
        return time.monotonic() * self.speed

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds / self.speed)

    def spec(self) -> str:
        """The string that rebuilds this clock in another process (``MWAA_OPS_CLOCK``)."""
        return f"{datetime.fromtimestamp(self.origin, UTC).isoformat()}@{self.anchor!r}x{self.speed:g}"


def clock_from_spec(spec: str) -> AcceleratedClock:
    """``2026-12-06T03:05:00+00:00[@<real epoch>][x<speed>]`` → a clock.

    Without ``@anchor`` the clock starts at the given instant now; without
    ``x<speed>`` it runs at real speed. Raises ``ValueError`` naming the spec.
    """
    text, speed = spec.strip(), 1.0
    try:
        if "x" in text.rsplit("@", 1)[-1] and "@" in text:
            text, speed_text = text.rsplit("x", 1)
            speed = float(speed_text)
        elif "@" not in text and text.count("x") == 1:
            text, speed_text = text.split("x")
            speed = float(speed_text)
        moment_text, _, anchor_text = text.partition("@")
        moment = datetime.fromisoformat(moment_text.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        anchor = float(anchor_text) if anchor_text else None
    except ValueError as exc:
        raise ValueError(
            f"{CLOCK_ENV} = {spec!r}: expected ISO-TIME[@REAL-EPOCH][xSPEED], "
            f"e.g. 2026-12-06T03:05:00Z@1764500000.0x600 ({exc})"
        ) from None
    return AcceleratedClock(moment.timestamp(), anchor, speed)


def clock_from_environment(environ: dict[str, str] | None = None) -> Clock:
    """The clock ``MWAA_OPS_CLOCK`` names, else the system clock."""
    import os

    spec = (environ if environ is not None else os.environ).get(CLOCK_ENV, "")
    return clock_from_spec(spec) if spec else SystemClock()
