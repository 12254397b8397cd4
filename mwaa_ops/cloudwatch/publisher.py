"""Delivery of datums to CloudWatch: disk first, acknowledged per request.

``submit`` packs an interval's datums into ``PutMetricData`` requests and
writes them to the on-disk spool right away, in the caller's thread, before
any send attempt (the way Vector's disk buffers work): a kill can then lose at
most the interval still being aggregated. One worker thread sends the spool's
rows oldest first, one row per request, and deletes a row only when
CloudWatch acknowledged it:

- requests paced by an adaptive token bucket;
- throttling, 5xx, connection errors and timeouts retried with exponential
  backoff and full jitter, up to ``max_attempts``; then the publisher turns
  *degraded* and probes CloudWatch with the oldest row, one attempt at a time,
  backing off up to ``backoff_max_seconds``, until a call succeeds;
- every call runs against a **total** deadline (not only a per-read timeout),
  so a trickling answer cannot hold the worker; a call that got no answer may
  have been stored, so its row is counted as a possible duplicate when sent
  again, and each such re-send gets twice the time (up to
  ``CALL_TIMEOUT_CAP_FACTOR`` times ``request_timeout_seconds``), which bounds
  the copies a slow CloudWatch can store;
- a 4xx validation error is not retried: the request is bisected until the
  refused datums are isolated; those are dropped and counted, the rest delivered.

When the spool cannot be written (full or failing disk) the publisher keeps
requests in memory, bounded by ``queue_max_datums``, and counts what it drops
(``memory_full``); it never re-sends in a loop. See ``docs/delivery.md``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mwaa_ops.clock import Clock, SystemClock
from mwaa_ops.cloudwatch.batching import pack
from mwaa_ops.cloudwatch.datum import Datum
from mwaa_ops.cloudwatch.limits import (
    AGE_SAFETY_MARGIN_SECONDS,
    MAX_AGE_SECONDS,
    MAX_FUTURE_SECONDS,
)
from mwaa_ops.cloudwatch.pacing import Pacer
from mwaa_ops.cloudwatch.retry import Backoff, Failure, classify, is_unanswered
from mwaa_ops.cloudwatch.spool import Spool
from mwaa_ops.config import PublisherConfig
from mwaa_ops.errors import SpoolError
from mwaa_ops.logs import event
from mwaa_ops.telemetry import Telemetry

log = logging.getLogger(__name__)

OPERATION = "PutMetricData"
# Spooled rows read per look at the spool (each one request).
ROUND_SPOOL_ROWS = 10
# A row re-sent after a call that got no answer gets twice the time, at most this
# factor of request_timeout_seconds: a CloudWatch answering in L seconds stores at
# most 1 + ceil(log2(L / request_timeout)) copies (<= 4 for L < 8x the timeout).
CALL_TIMEOUT_CAP_FACTOR = 8
# Calls past their deadline whose threads still wait on the network: beyond this
# many the worker waits instead of opening more connections.
MAX_ABANDONED_CALLS = 4
# An unavailable spool is tried again this often.
REOPEN_SECONDS = 30.0
# Poll step while waiting for a call (seconds): how fast stop() takes over.
_CALL_POLL_SECONDS = 0.05

# Drop reasons (the ``reason`` label of datums_dropped).
TOO_OLD = "too_old"
TOO_NEW = "timestamp_in_future"
REJECTED = "rejected"
MEMORY_FULL = "memory_full"
SHUTDOWN = "shutdown"


def client_timeout_seconds(config: PublisherConfig) -> float:
    """The botocore connect/read timeout the publisher's client needs: the longest call deadline."""
    return config.request_timeout_seconds * CALL_TIMEOUT_CAP_FACTOR


@dataclass
class _Work:
    """One request being delivered: a spool row (``row_id``) or a memory-only request."""

    datums: list[Datum]
    row_id: int | None = None
    unanswered: int = 0


@dataclass
class _Call:
    """A PutMetricData call on its own thread, so its total duration can be bounded."""

    row_id: int | None
    done: threading.Event = field(default_factory=threading.Event)
    failure: Failure | None = None
    abandoned: bool = False


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
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client_factory = client_factory
        self._client: Any = None
        self._client_lock = threading.Lock()
        self.namespace = namespace
        self.config = config
        self._telemetry = telemetry
        self._clock: Clock = clock or SystemClock()
        # Call deadlines are wall durations on the network: real monotonic time.
        self._monotonic = monotonic
        self._stop_event = threading.Event()
        # Default sleep wakes up at stop(), so a long backoff never delays shutdown.
        self._sleep: Callable[[float], Any] = sleep or self._stop_event.wait
        self._spool = Spool(Path(spool_dir), config.spool_max_bytes, now=self._clock.time, sleep=self._sleep)
        self._pacer = Pacer(config.max_requests_per_second, self._clock)
        backoff_args: dict[str, Any] = {}
        if random is not None:
            backoff_args["random"] = random
        self._backoff = Backoff(config.backoff_base_seconds, config.backoff_max_seconds, **backoff_args)
        self._cond = threading.Condition()
        self._spool_lock = threading.Lock()  # submit (flush thread) vs the worker's reopen
        self._memory: deque[list[Datum]] = deque()  # requests the spool could not take
        self._memory_datums = 0
        self._inflight_rows: set[int] = set()  # rows being sent, or with a call still on the wire
        self._partial: dict[int, list[Datum]] = {}  # rows partly delivered whose rewrite failed
        self._unanswered_rows: dict[int, int] = {}  # unanswered sends of a row in this process
        self._abandoned: list[_Call] = []
        self._busy = False
        self._degraded = False
        self._probes = 0
        self._next_probe = 0.0
        self._next_reopen = 0.0
        self._abandon = False
        self._abandon_result: dict[str, int] | None = None
        self._available_at_stop = False
        self._last_success: float | None = None
        self._thread: threading.Thread | None = None
        self._adopt_orphans()
        self._publish_spool_gauges()
        self._drain_spool_counts()

    # -- public API ---------------------------------------------------------------

    def start(self) -> None:
        """Start the worker; it replays the spool before anything new."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="mwaa-ops-publisher", daemon=True)
        self._thread.start()

    def submit(self, datums: Sequence[Datum]) -> None:
        """Pack datums into requests and make them durable in the spool now.

        Never touches the network. When the spool cannot be written, the
        requests are kept in memory (bounded; what does not fit is dropped and
        counted as ``memory_full``).
        """
        if not datums:
            return
        requests = [list(r.datums) for r in pack(datums, default_namespace=self.namespace)]
        with self._cond:
            abandoned = self._abandon
        if abandoned:
            self._persist_or_drop(requests, SHUTDOWN)
        else:
            self._persist_or_drop(requests, None)
        with self._cond:
            self._cond.notify_all()

    def flush(self, timeout: float) -> bool:
        """Wait until everything submitted is acknowledged (or, while CloudWatch
        fails, durable in the spool). False if ``timeout`` ran out."""
        end = time.monotonic() + timeout
        with self._cond:
            while not self._idle_locked():
                remaining = end - time.monotonic()
                if remaining <= 0 or self._thread is None or not self._thread.is_alive():
                    return self._idle_locked()
                self._cond.wait(min(remaining, 0.05))
            return True

    def stop(self, deadline_seconds: float | None = None) -> dict[str, int]:
        """Deliver what it can within ``deadline_seconds`` (a real deadline: a call
        on the wire is abandoned, not awaited), keep the rest in the spool, stop.

        Returns what :meth:`abandon_to_spool` returns.
        """
        deadline = self.config.shutdown_deadline_seconds if deadline_seconds is None else deadline_seconds
        end = time.monotonic() + max(0.0, deadline)
        if self._thread is not None and self._thread.is_alive():
            self.flush(max(0.0, end - time.monotonic()))
        result = self.abandon_to_spool()
        if self._thread is not None:
            # The worker polls the abandon flag every _CALL_POLL_SECONDS.
            self._thread.join(max(0.0, end - time.monotonic()) + 2 * _CALL_POLL_SECONDS)
        self._drain_spool_counts()
        with self._spool_lock:
            # stats() after stop reports whether the spool was in use, not that it is closed.
            self._available_at_stop = self._spool.available
            self._spool.close()
        return result

    def abandon_to_spool(self) -> dict[str, int]:
        """Stop sending now and persist everything not yet acknowledged; idempotent.

        For a second Ctrl-C or a deadline: the worker stops at its next poll (a
        call on the wire is left to the network; its row stays in the spool and
        is marked as possibly delivered). Returns ``{"spooled": datums written
        to the spool now, "dropped": datums that could not be (counted as
        ``shutdown``), "on_wire": datums whose call had not answered,
        "spool_datums": datums the spool holds for the next start}``.
        """
        with self._cond:
            if self._abandon_result is not None:
                return dict(self._abandon_result)
            self._abandon = True
            self._cond.notify_all()
            memory = list(self._memory)
            self._memory.clear()
            self._memory_datums = 0
            self._telemetry.set("queue_depth", 0)
            on_wire_rows = set(self._inflight_rows)
        self._stop_event.set()
        partial = []
        for row_id, rest in list(self._partial.items()):
            partial.append(rest)
            self._spool.ack(row_id)
        self._partial.clear()
        spooled, dropped = self._persist_or_drop(memory + partial, SHUTDOWN)
        on_wire = 0
        for row_id in on_wire_rows:
            self._spool.mark_unanswered(row_id)
            on_wire += 1
        result = {"spooled": spooled, "dropped": dropped, "on_wire": on_wire,
                  "spool_datums": self._spool.datums}
        # Info only when something was left over: a clean stop (or a failed start) stays quiet.
        level = logging.INFO if (spooled or dropped or on_wire or result["spool_datums"]) else logging.DEBUG
        event(log, level, "publisher_abandoned", spooled=spooled, dropped=dropped,
              on_wire=on_wire, spool_datums=result["spool_datums"])
        with self._cond:
            self._abandon_result = result
            self._cond.notify_all()
        self._publish_spool_gauges()
        return dict(result)

    def stats(self) -> dict[str, Any]:
        """Queue depth, spool size, degraded flag and the last successful publish."""
        with self._cond:
            return {
                "queue_depth": self._memory_datums,
                "in_flight": len(self._inflight_rows),
                "spool_bytes": self._spool.bytes,
                "spool_datums": self._spool.datums,
                "spool_available": self._spool.available or self._available_at_stop,
                "degraded": self._degraded,
                "spool_quarantined_files": self._spool.quarantined_files,
                "spool_unreadable_rows": self._spool.unreadable_rows,
                "last_success_time": self._last_success,
                "request_rate": self._pacer.rate,
            }

    # -- persistence --------------------------------------------------------------

    def _persist_or_drop(self, requests: list[list[Datum]], drop_reason: str | None) -> tuple[int, int]:
        """Spool requests; what cannot be spooled goes to memory (or is dropped with
        ``drop_reason``). Returns (datums spooled, datums dropped)."""
        spooled = dropped = 0
        left: list[list[Datum]] = []
        with self._spool_lock:
            for index, request in enumerate(requests):
                if not self._spool.available:
                    left = requests[index:]
                    break
                try:
                    self._spool.append(request)
                except SpoolError as exc:
                    event(log, logging.ERROR, "spool_write_failed", datums=len(request), reason=exc.reason,
                          error=str(exc))
                    left = requests[index:]
                    break
                spooled += len(request)
        for request in left:
            if drop_reason is not None:
                self._drop(drop_reason, len(request))
                dropped += len(request)
            else:
                self._to_memory(request)
        self._drain_spool_counts()
        self._publish_spool_gauges()
        return spooled, dropped

    def _to_memory(self, request: list[Datum]) -> None:
        with self._cond:
            self._memory.append(request)
            self._memory_datums += len(request)
            while self._memory_datums > self.config.queue_max_datums and self._memory:
                oldest = self._memory.popleft()
                self._memory_datums -= len(oldest)
                self._drop(MEMORY_FULL, len(oldest))
            self._telemetry.set("queue_depth", self._memory_datums)
            self._cond.notify_all()

    def _adopt_orphans(self) -> None:
        orphans = self._spool.take_orphans()
        for start in range(0, len(orphans), 1000):
            self._to_memory(orphans[start : start + 1000])

    # -- worker -------------------------------------------------------------------

    def _idle_locked(self) -> bool:
        if self._abandon:
            return True
        return (
            not self._busy
            and not self._inflight_rows
            and (self._degraded or (not self._memory and self._spool.datums == 0))
        )

    def _run(self) -> None:
        while True:
            with self._cond:
                if self._abandon:
                    self._cond.notify_all()
                    return
                self._reap_abandoned_locked()
                due = not self._degraded or self._clock.monotonic() >= self._next_probe
                work = self._next_work_locked() if due else None
                if work is None:
                    wait = 1.0
                    if not due:
                        wait = max(0.0, self._next_probe - self._clock.monotonic())
                    self._busy = False
                    self._cond.notify_all()
                else:
                    self._busy = True
            if work is None:
                self._maintain()
                if not due:
                    # Waiting for the next probe: the injected sleep, so tests move through an outage.
                    self._sleep(wait)
                else:
                    with self._cond:
                        if not self._abandon:
                            self._cond.wait(wait)
                continue
            try:
                self._deliver(work)
            except Exception:  # never let the worker die: log, count and keep going
                event(log, logging.ERROR, "publisher_round_failed", exc_info=True)
                with self._cond:
                    if work.row_id is not None:
                        self._inflight_rows.discard(work.row_id)
                self._sleep(self.config.backoff_base_seconds)

    def _next_work_locked(self) -> _Work | None:
        """The oldest request to send: spooled rows first (they are older), then memory."""
        if len(self._abandoned) >= MAX_ABANDONED_CALLS:
            return None
        if self._spool.datums > 0:
            entries = self._spool.oldest(1, skip=self._inflight_rows)
            if entries:
                entry = entries[0]
                datums = self._partial.get(entry.id, list(entry.datums))
                self._inflight_rows.add(entry.id)
                unanswered = max(entry.unanswered, self._unanswered_rows.get(entry.id, 0))
                return _Work(datums, entry.id, unanswered)
        if self._memory:
            request = self._memory.popleft()
            self._memory_datums -= len(request)
            self._telemetry.set("queue_depth", self._memory_datums)
            return _Work(request)
        return None

    def _maintain(self) -> None:
        """Idle-time upkeep: reopen an unavailable spool, retry deferred deletes."""
        now = self._clock.monotonic()
        if not self._spool.available and now >= self._next_reopen:
            self._next_reopen = now + REOPEN_SECONDS
            with self._spool_lock:
                reopened = self._spool.reopen()
            if reopened:
                event(log, logging.INFO, "spool_available", path=str(self._spool.path))
                self._adopt_orphans()
                with self._cond:
                    memory = list(self._memory)
                    self._memory.clear()
                    self._memory_datums = 0
                self._persist_or_drop(memory, None)
        elif self._spool.state.acks:
            self._spool.retry_deferred()
        self._drain_spool_counts()

    def _enter_degraded(self) -> None:
        with self._cond:
            if self._abandon:
                return
            if not self._degraded:
                event(log, logging.WARNING, "publisher_degraded", spool_datums=self._spool.datums)
            self._degraded = True
            self._probes += 1
            self._next_probe = self._clock.monotonic() + self._backoff.delay(self._probes)

    def _leave_degraded(self) -> None:
        with self._cond:
            if self._degraded:
                event(log, logging.INFO, "publisher_recovered", spool_datums=self._spool.datums)
            self._degraded = False
            self._probes = 0

    # -- sending ------------------------------------------------------------------

    def _deliver(self, work: _Work) -> None:
        """Send one request; acknowledge its row, or keep it for later."""
        now = self._clock.time()
        oldest = now - MAX_AGE_SECONDS + AGE_SAFETY_MARGIN_SECONDS
        newest = now + MAX_FUTURE_SECONDS
        fresh = [d for d in work.datums if oldest <= d.timestamp <= newest]
        if len(fresh) != len(work.datums):
            too_old = sum(1 for d in work.datums if d.timestamp < oldest)
            self._drop(TOO_OLD, too_old)
            self._drop(TOO_NEW, len(work.datums) - len(fresh) - too_old)
        undelivered: list[Datum] = []
        on_wire = False
        if fresh:
            namespace = fresh[0].namespace or self.namespace
            undelivered, on_wire = self._send(namespace, fresh, work)
        with self._cond:
            abandoned = self._abandon
        if on_wire:
            # The row stays in flight until its call ends (see _reap_abandoned_locked);
            # a CloudWatch this slow is treated as failing: probe, do not pile up calls.
            if not abandoned:
                self._enter_degraded()
            return
        if work.row_id is None:
            if undelivered:
                if abandoned:
                    self._persist_or_drop([undelivered], SHUTDOWN)
                else:
                    with self._cond:
                        self._memory.appendleft(undelivered)
                        self._memory_datums += len(undelivered)
                        self._telemetry.set("queue_depth", self._memory_datums)
                    self._enter_degraded()
            return
        row_id = work.row_id
        if not undelivered:
            self._spool.ack(row_id)
            self._partial.pop(row_id, None)
            self._unanswered_rows.pop(row_id, None)
        elif len(undelivered) < len(work.datums):
            # Partly delivered (bisection met a transient failure): keep only the rest.
            if self._spool.replace(row_id, undelivered):
                self._partial.pop(row_id, None)
            else:
                self._partial[row_id] = undelivered
        with self._cond:
            self._inflight_rows.discard(row_id)
            self._cond.notify_all()
        self._drain_spool_counts()
        self._publish_spool_gauges()
        if undelivered and not abandoned:
            self._enter_degraded()

    def _send(self, namespace: str, datums: list[Datum], work: _Work) -> tuple[list[Datum], bool]:
        """One request with retries; bisected on validation errors.

        Returns (undelivered datums, whether a call is still on the wire).
        """
        attempt = 0
        max_attempts = 1 if self._degraded else self.config.max_attempts
        while True:
            with self._cond:
                if self._abandon:
                    return datums, False
            wait = self._pacer.reserve()
            if wait > 0:
                self._sleep(wait)
            if work.unanswered:
                # An earlier send got no answer: this one may store a second copy.
                self._telemetry.inc("datums_resent", len(datums), reason="unanswered")
            failure, on_wire = self._call(namespace, datums, work)
            if on_wire:
                return datums, True
            if failure is None:
                self._pacer.on_success()
                self._leave_degraded()
                return [], False
            if not failure.retryable:
                return self._bisect(namespace, datums, failure, work), False
            if failure.throttled:
                self._pacer.on_throttle()
            if is_unanswered(failure):
                work.unanswered += 1
                if work.row_id is not None:
                    self._unanswered_rows[work.row_id] = work.unanswered
                    self._spool.mark_unanswered(work.row_id)
            attempt += 1
            if attempt >= max_attempts:
                event(log, logging.WARNING, "publish_failed", code=failure.code, status=failure.status,
                      datums=len(datums), attempts=attempt)
                return datums, False
            self._telemetry.inc("retries")
            self._sleep(self._backoff.delay(attempt))

    def _bisect(self, namespace: str, datums: list[Datum], failure: Failure, work: _Work) -> list[Datum]:
        if len(datums) == 1:
            event(log, logging.WARNING, "datum_rejected", code=failure.code, metric=datums[0].metric,
                  message=failure.message[:200])
            self._drop(REJECTED, 1)
            return []
        middle = len(datums) // 2
        half = _Work(datums[:middle], None, work.unanswered)
        first, _ = self._send(namespace, datums[:middle], half)
        if first:
            return first + datums[middle:]
        rest, _ = self._send(namespace, datums[middle:], _Work(datums[middle:], None, work.unanswered))
        return rest

    def _call(self, namespace: str, datums: list[Datum], work: _Work) -> tuple[Failure | None, bool]:
        """One PutMetricData call bounded by a total deadline.

        Returns (failure or None, still on the wire). A call past its deadline is
        left to finish on its thread: if CloudWatch acknowledges it later its row
        is acknowledged then, and until it ends the row is not sent again.
        """
        self._telemetry.inc("api_calls", operation=OPERATION)
        factor = min(2 ** work.unanswered, CALL_TIMEOUT_CAP_FACTOR)
        limit = self.config.request_timeout_seconds * factor
        call = _Call(work.row_id)
        payload = [d.to_api() for d in datums]
        started = self._monotonic()
        thread = threading.Thread(target=self._call_thread, args=(call, namespace, payload, len(datums)),
                                  name="mwaa-ops-put", daemon=True)
        thread.start()
        while not call.done.wait(_CALL_POLL_SECONDS):
            with self._cond:
                stopping = self._abandon
            elapsed = self._monotonic() - started
            if stopping or elapsed >= limit:
                with self._cond:
                    if call.done.is_set():
                        break
                    call.abandoned = True
                    self._abandoned.append(call)
                reason = "shutdown" if stopping else "deadline"
                self._telemetry.inc("calls_abandoned", reason=reason)
                self._telemetry.inc("api_errors", code="CallDeadlineExceeded")
                event(log, logging.WARNING, "publish_call_abandoned", reason=reason,
                      seconds=round(elapsed, 2), datums=len(datums))
                if work.row_id is None and not stopping:
                    # A memory-only request: its copy on the wire may be stored; keep it and retry.
                    return Failure("CallDeadlineExceeded", 0, "call past its deadline"), False
                work.unanswered += 1
                if work.row_id is not None:
                    self._unanswered_rows[work.row_id] = work.unanswered
                    self._spool.mark_unanswered(work.row_id)
                return None, True
        self._telemetry.observe("publish_latency_seconds", self._monotonic() - started)
        return call.failure, False

    def _call_thread(self, call: _Call, namespace: str, payload: list[dict[str, Any]], count: int) -> None:
        failure: Failure | None = None
        try:
            with self._client_lock:
                if self._client is None:
                    self._client = self._client_factory()
                client = self._client
            client.put_metric_data(Namespace=namespace, MetricData=payload)
        except Exception as exc:
            failure = classify(exc)
            self._telemetry.inc("api_errors", code=failure.code or "unknown")
        with self._cond:
            call.failure = failure
            call.done.set()
            if failure is None:
                self._telemetry.inc("datums_sent", count)
                self._last_success = self._clock.time()
            if call.abandoned:
                self._cond.notify_all()

    def _reap_abandoned_locked(self) -> None:
        """Calls that ended after their deadline: acknowledge their rows if they succeeded."""
        for call in [c for c in self._abandoned if c.done.is_set()]:
            self._abandoned.remove(call)
            if call.row_id is None:
                continue
            if call.failure is None:
                self._spool.ack(call.row_id)
                self._unanswered_rows.pop(call.row_id, None)
                self._partial.pop(call.row_id, None)
            self._inflight_rows.discard(call.row_id)

    # -- bookkeeping --------------------------------------------------------------

    def _drop(self, reason: str, count: int) -> None:
        if count:
            self._telemetry.inc("datums_dropped", count, reason=reason)

    def _drain_spool_counts(self) -> None:
        counts = self._spool.take_counts()
        for (name, reason), amount in sorted(counts.items()):
            self._telemetry.inc(name, amount, reason=reason)
        dropped = {r: n for (name, r), n in counts.items() if name == "datums_dropped"}
        if dropped:
            event(log, logging.WARNING, "spool_dropped", counts=dropped)

    def _publish_spool_gauges(self) -> None:
        self._telemetry.set("spool_bytes", self._spool.bytes)
        self._telemetry.set("spool_datums", self._spool.datums)
        self._telemetry.set("spool_available", 1 if self._spool.available else 0)
