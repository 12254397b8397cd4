"""Delivery of datums to CloudWatch: queue, retries, pacing, spool.

``submit`` never waits on the network: datums go to a bounded in-memory queue
and, when it is full or CloudWatch is failing, to the on-disk spool. One worker
thread sends them:

- the spool first (oldest first), so data left by a previous run or an outage
  goes out before new data;
- requests packed by :mod:`batching`, paced by an adaptive token bucket;
- throttling, 5xx and connection errors retried with exponential backoff and
  full jitter, up to ``max_attempts``; then the undelivered datums are spooled
  and the publisher turns *degraded*: new datums go straight to the spool and
  the worker probes CloudWatch with the oldest spooled request, one attempt at
  a time, until a call succeeds;
- a 4xx validation error is not retried: the request is bisected until the
  datums CloudWatch refuses are isolated; those are dropped and counted, the
  rest delivered.

Delivery is at least once: a datum is removed from the spool only after
CloudWatch acknowledged it, so a duplicate can only come from a request that
CloudWatch processed but whose answer was lost (or that outlived ``stop``'s
deadline). See ``docs/delivery.md``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from mwaa_ops.clock import Clock, SystemClock
from mwaa_ops.cloudwatch.batching import pack
from mwaa_ops.cloudwatch.datum import Datum
from mwaa_ops.cloudwatch.limits import (
    AGE_SAFETY_MARGIN_SECONDS,
    MAX_AGE_SECONDS,
    MAX_DATUMS_PER_REQUEST,
    MAX_FUTURE_SECONDS,
)
from mwaa_ops.cloudwatch.pacing import Pacer
from mwaa_ops.cloudwatch.retry import Backoff, Failure, classify
from mwaa_ops.cloudwatch.spool import Spool
from mwaa_ops.config import PublisherConfig
from mwaa_ops.errors import SpoolError
from mwaa_ops.logs import event
from mwaa_ops.telemetry import Telemetry

log = logging.getLogger(__name__)

OPERATION = "PutMetricData"
# Datums taken from the queue per round: a whole interval's flush at once (up to
# 100 full requests), so packing can mix large timer datums with small counters
# and stay within 1% of the fewest calls. Datums in flight are as safe as
# queued ones: stop() spools them.
ROUND_DATUMS = 100 * MAX_DATUMS_PER_REQUEST
# Spooled rows replayed per round (each up to one request's worth).
ROUND_SPOOL_ROWS = 10

# Drop reasons (the ``reason`` label of datums_dropped).
TOO_OLD = "too_old"
TOO_NEW = "timestamp_in_future"
REJECTED = "rejected"
SPOOL_ERROR = "spool_error"


class Publisher:
    """Sends datums to CloudWatch without ever blocking the caller on the network."""

    def __init__(
        self,
        client_factory: Callable[[], Any],
        namespace: str,
        config: PublisherConfig,
        spool_dir: Path,
        *,
        telemetry: Telemetry,
        clock: Clock | None = None,
        sleep: Callable[[float], Any] | None = None,
        random: Callable[[], float] | None = None,
    ) -> None:
        self._client_factory = client_factory
        self._client: Any = None
        self.namespace = namespace
        self.config = config
        self._telemetry = telemetry
        self._clock: Clock = clock or SystemClock()
        self._stop_event = threading.Event()
        # Default sleep wakes up at stop(), so a long backoff never delays shutdown.
        self._sleep: Callable[[float], Any] = sleep or self._stop_event.wait
        self._spool = Spool(Path(spool_dir), config.spool_max_bytes, now=self._clock.time)
        self._pacer = Pacer(config.max_requests_per_second, self._clock)
        backoff_args: dict[str, Any] = {}
        if random is not None:
            backoff_args["random"] = random
        self._backoff = Backoff(config.backoff_base_seconds, config.backoff_max_seconds, **backoff_args)
        self._cond = threading.Condition()
        self._queue: deque[Datum] = deque()
        self._inflight: list[Datum] = []
        self._busy = False
        self._degraded = False
        self._probes = 0
        self._next_probe = 0.0
        self._abandon = False
        self._taken_over = False
        self._last_success: float | None = None
        self._thread: threading.Thread | None = None
        self._publish_spool_gauges()
        self._count_spool_drops()

    # -- public API ---------------------------------------------------------------

    def start(self) -> None:
        """Start the worker; it replays the spool before anything new."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="mwaa-ops-publisher", daemon=True)
        self._thread.start()

    def submit(self, datums: Sequence[Datum]) -> None:
        """Queue datums for delivery; overflow (or everything, while degraded) is spooled."""
        if not datums:
            return
        with self._cond:
            if self._degraded or self._abandon:
                overflow = list(datums)
            else:
                room = max(0, self.config.queue_max_datums - len(self._queue))
                self._queue.extend(datums[:room])
                overflow = list(datums[room:])
                self._cond.notify_all()
            self._telemetry.set("queue_depth", len(self._queue))
        if overflow:
            self._to_spool(overflow)
            with self._cond:
                self._cond.notify_all()

    def flush(self, timeout: float) -> bool:
        """Wait until everything queued is delivered or spooled (and, while
        CloudWatch answers, the spool replayed). False if ``timeout`` ran out."""
        end = time.monotonic() + timeout
        with self._cond:
            while not self._idle_locked():
                remaining = end - time.monotonic()
                if remaining <= 0 or self._thread is None or not self._thread.is_alive():
                    return self._idle_locked()
                self._cond.wait(min(remaining, 0.05))
            return True

    def stop(self, deadline_seconds: float | None = None) -> None:
        """Deliver what is queued within the deadline, spool the rest, stop the worker."""
        deadline = self.config.shutdown_deadline_seconds if deadline_seconds is None else deadline_seconds
        if self._thread is not None and self._thread.is_alive():
            self.flush(deadline)
        with self._cond:
            self._abandon = True
            self._cond.notify_all()
        self._stop_event.set()
        if self._thread is not None:
            # A call already on the wire finishes within the request timeout.
            self._thread.join(self.config.request_timeout_seconds + 1.0)
        with self._cond:
            self._taken_over = True
            leftover = list(self._inflight) + list(self._queue)
            self._inflight = []
            self._queue.clear()
            self._telemetry.set("queue_depth", 0)
        if leftover:
            self._to_spool(leftover)
        self._spool.close()

    def stats(self) -> dict[str, Any]:
        """Queue depth, spool size, degraded flag and the last successful publish."""
        with self._cond:
            return {
                "queue_depth": len(self._queue),
                "in_flight": len(self._inflight),
                "spool_bytes": self._spool.bytes,
                "spool_datums": self._spool.datums,
                "degraded": self._degraded,
                "spool_quarantined_files": self._spool.quarantined_files,
                "spool_unreadable_rows": self._spool.unreadable_rows,
                "last_success_time": self._last_success,
                "request_rate": self._pacer.rate,
            }

    # -- worker -------------------------------------------------------------------

    def _idle_locked(self) -> bool:
        return (
            not self._queue
            and not self._busy
            and (self._spool.datums == 0 or self._degraded or self._abandon)
        )

    def _run(self) -> None:
        while True:
            probe_wait = 0.0
            with self._cond:
                if self._abandon:
                    self._cond.notify_all()
                    return
                work = bool(self._queue) or (
                    self._spool.datums > 0 and (not self._degraded or self._probe_due_locked())
                )
                if not work:
                    if self._degraded and self._spool.datums > 0:
                        probe_wait = max(0.0, self._next_probe - self._clock.monotonic())
                    else:
                        self._cond.wait(1.0)
                        continue
                else:
                    self._busy = True
            if not work:
                # Waiting for the next probe of a failing CloudWatch: the injected
                # sleep, so tests move through an outage without waiting.
                self._sleep(probe_wait)
                continue
            try:
                self._round()
            except Exception:  # never let the worker die: log, count and keep going
                event(log, logging.ERROR, "publisher_round_failed", exc_info=True)
                self._sleep(self.config.backoff_base_seconds)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _probe_due_locked(self) -> bool:
        return self._clock.monotonic() >= self._next_probe

    def _round(self) -> None:
        """One unit of work: replay spooled rows, or send a round from the queue."""
        if self._spool.datums and (not self._degraded or self._probe_due_locked()):
            self._replay_spool()
            return
        # While degraded the queue is empty: _enter_degraded empties it under the
        # lock that submit() holds to check the flag before queueing.
        with self._cond:
            count = min(ROUND_DATUMS, len(self._queue))
            self._inflight = [self._queue.popleft() for _ in range(count)]
            self._telemetry.set("queue_depth", len(self._queue))
        undelivered = self._deliver(self._inflight)
        with self._cond:
            if self._taken_over:
                return
            self._inflight = []
        if undelivered:
            self._to_spool(undelivered)
            self._enter_degraded()

    def _replay_spool(self) -> None:
        # A probe of a failing CloudWatch needs one row, not ten.
        for entry in self._spool.oldest(1 if self._degraded else ROUND_SPOOL_ROWS):
            undelivered = self._deliver(list(entry.datums))
            if undelivered:
                self._spool.replace(entry.id, undelivered)
                self._publish_spool_gauges()
                self._enter_degraded()
                return
            self._spool.delete(entry.id)
            self._publish_spool_gauges()
            with self._cond:
                if self._abandon:
                    return
        self._count_spool_drops()
        self._publish_spool_gauges()

    def _enter_degraded(self) -> None:
        with self._cond:
            if self._abandon:
                return
            if not self._degraded:
                event(log, logging.WARNING, "publisher_degraded", spool_datums=self._spool.datums)
            self._degraded = True
            self._probes += 1
            self._next_probe = self._clock.monotonic() + self._backoff.delay(self._probes)
            moved = list(self._queue)
            self._queue.clear()
            self._telemetry.set("queue_depth", 0)
        if moved:
            self._to_spool(moved)

    def _leave_degraded(self) -> None:
        with self._cond:
            if self._degraded:
                event(log, logging.INFO, "publisher_recovered", spool_datums=self._spool.datums)
            self._degraded = False
            self._probes = 0

    # -- sending ------------------------------------------------------------------

    def _deliver(self, datums: list[Datum]) -> list[Datum]:
        """Send datums; return those that could not be delivered (to be spooled)."""
        now = self._clock.time()
        oldest = now - MAX_AGE_SECONDS + AGE_SAFETY_MARGIN_SECONDS
        newest = now + MAX_FUTURE_SECONDS
        fresh = [d for d in datums if oldest <= d.timestamp <= newest]
        if len(fresh) != len(datums):
            too_old = sum(1 for d in datums if d.timestamp < oldest)
            self._drop(TOO_OLD, too_old)
            self._drop(TOO_NEW, len(datums) - len(fresh) - too_old)
        requests = pack(fresh, default_namespace=self.namespace)
        for index, request in enumerate(requests):
            undelivered = self._send(request.namespace, list(request.datums))
            if undelivered:
                rest = [d for r in requests[index + 1 :] for d in r.datums]
                return undelivered + rest
        return []

    def _send(self, namespace: str, datums: list[Datum]) -> list[Datum]:
        """One request with retries; bisected on validation errors."""
        attempt = 0
        max_attempts = 1 if self._degraded else self.config.max_attempts
        while True:
            with self._cond:
                if self._abandon:
                    return datums
            wait = self._pacer.reserve()
            if wait > 0:
                self._sleep(wait)
            failure = self._call(namespace, datums)
            if failure is None:
                self._pacer.on_success()
                self._leave_degraded()
                return []
            if not failure.retryable:
                return self._bisect(namespace, datums, failure)
            if failure.throttled:
                self._pacer.on_throttle()
            attempt += 1
            if attempt >= max_attempts:
                event(
                    log,
                    logging.WARNING,
                    "publish_failed",
                    code=failure.code,
                    status=failure.status,
                    datums=len(datums),
                    attempts=attempt,
                )
                return datums
            self._telemetry.inc("retries")
            self._sleep(self._backoff.delay(attempt))

    def _bisect(self, namespace: str, datums: list[Datum], failure: Failure) -> list[Datum]:
        if len(datums) == 1:
            event(
                log,
                logging.WARNING,
                "datum_rejected",
                code=failure.code,
                metric=datums[0].metric,
                message=failure.message[:200],
            )
            self._drop(REJECTED, 1)
            return []
        middle = len(datums) // 2
        first = self._send(namespace, datums[:middle])
        if first:
            return first + datums[middle:]
        return self._send(namespace, datums[middle:])

    def _call(self, namespace: str, datums: list[Datum]) -> Failure | None:
        self._telemetry.inc("api_calls", operation=OPERATION)
        started = self._clock.monotonic()
        try:
            if self._client is None:
                self._client = self._client_factory()
            self._client.put_metric_data(Namespace=namespace, MetricData=[d.to_api() for d in datums])
        except Exception as exc:
            failure = classify(exc)
            self._telemetry.inc("api_errors", code=failure.code or "unknown")
            return failure
        finally:
            self._telemetry.observe("publish_latency_seconds", self._clock.monotonic() - started)
        self._telemetry.inc("datums_sent", len(datums))
        with self._cond:
            self._last_success = self._clock.time()
        return None

    # -- bookkeeping --------------------------------------------------------------

    def _to_spool(self, datums: list[Datum]) -> None:
        try:
            self._spool.append(datums)
        except SpoolError as exc:
            event(log, logging.ERROR, "spool_write_failed", datums=len(datums), error=str(exc))
            self._drop(SPOOL_ERROR, len(datums))
        self._count_spool_drops()
        self._publish_spool_gauges()

    def _drop(self, reason: str, count: int) -> None:
        if count:
            self._telemetry.add_many("datums_dropped", {reason: count}, "reason")

    def _count_spool_drops(self) -> None:
        dropped = self._spool.take_dropped()
        if dropped:
            event(log, logging.WARNING, "spool_dropped", counts=dropped)
            self._telemetry.add_many("datums_dropped", dropped, "reason")

    def _publish_spool_gauges(self) -> None:
        self._telemetry.set("spool_bytes", self._spool.bytes)
        self._telemetry.set("spool_datums", self._spool.datums)
