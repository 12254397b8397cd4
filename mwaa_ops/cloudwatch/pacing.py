"""Adaptive request pacing: a token bucket whose rate backs off on throttling.

CloudWatch throttles ``PutMetricData`` per account and region; hammering it
while throttled only makes the storm last. The rate starts at the configured
maximum, halves on every throttling answer (down to a floor) and climbs back
by a tenth of the maximum per success: additive increase, multiplicative
decrease, the scheme TCP uses for the same problem.
"""

from __future__ import annotations

import threading

from mwaa_ops.clock import Clock

# Never slower than this: a request a second still notices recovery quickly.
MIN_RATE_PER_SECOND = 1.0
# Burst: up to this many seconds of tokens may accumulate while idle.
BURST_SECONDS = 1.0


class Pacer:
    """Token bucket at an adaptive rate, between MIN_RATE_PER_SECOND and ``max_rate``."""

    def __init__(self, max_rate: float, clock: Clock) -> None:
        self.max_rate = max_rate
        self._rate = max_rate
        self._clock = clock
        self._tokens = max(1.0, max_rate * BURST_SECONDS)
        self._last = clock.monotonic()
        self._lock = threading.Lock()

    @property
    def rate(self) -> float:
        return self._rate

    def _refill(self) -> None:
        now = self._clock.monotonic()
        capacity = max(1.0, self._rate * BURST_SECONDS)
        self._tokens = min(capacity, self._tokens + (now - self._last) * self._rate)
        self._last = now

    def reserve(self) -> float:
        """Take a token; return how long to wait before using it (0 when one is there)."""
        with self._lock:
            self._refill()
            self._tokens -= 1.0
            if self._tokens >= 0:
                return 0.0
            return -self._tokens / self._rate

    def on_throttle(self) -> None:
        with self._lock:
            self._refill()
            self._rate = max(MIN_RATE_PER_SECOND, self._rate / 2.0)
            self._tokens = min(self._tokens, max(1.0, self._rate * BURST_SECONDS))

    def on_success(self) -> None:
        with self._lock:
            if self._rate < self.max_rate:
                self._refill()
                self._rate = min(self.max_rate, self._rate + self.max_rate / 10.0)
