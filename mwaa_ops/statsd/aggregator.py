"""Per-interval aggregation of raw StatsD datagrams: the hot path.

Airflow sends the same few thousand lines over and over, so the work is done
per *distinct* line, not per line:

1. :meth:`Aggregator.ingest` joins a batch of datagrams and splits it into
   lines in one go, and counts identical raw lines with ``Counter.update``
   (a C loop) into a small *window*;
2. when the window holds ``window_lines`` lines (and at every flush) it is
   *drained*: each distinct line is looked up in a cache of parsed lines
   (raw bytes -> series key and contribution) and its count applied. A line
   that is not cached (a timer with a new value, say) reuses a cached parse
   of its name/type/tags part and only converts the value.

The window and both caches are bounded, so memory stays bounded whatever
arrives. Gauge order matters (last value wins, deltas apply to it): when a
gauge got several different lines in one window they are replayed in arrival
order from the window's raw batches, so the result is the same as applying
every line in order.

Rules (documented for users in docs): the ``prefix.`` is stripped from names;
allow and block lists are regular expressions matched with ``re.search``
against the name without prefix (like Airflow's ``metrics_allow_list`` /
``metrics_block_list`` with pattern matching: anchor with ``^`` for a
prefix); an empty allow list allows everything and the block list wins.
Series are keyed by ``(name, tags)`` and kind: a name sent both as a counter
and as a gauge gives two aggregates. Histograms and distributions aggregate
as timers. A gauge is emitted only in intervals where it was received, but a
delta applies to its last known value, even from an earlier interval (Etsy
statsd semantics); an unknown gauge starts at 0. At most ``max_series``
distinct series per interval: lines for further new series are counted as
``series_over_cap`` and dropped (which new series take the last free slots
within one window is not in arrival order); every line is counted exactly once as
accepted, rejected (by reason), filtered or over the cap.

Memory (issue 3: 100,000 distinct series): lines of series over the cap are
not kept in the line cache, a cache holding more than ``CACHE_KEEP_AT_FLUSH``
entries is cleared at flush, and aggregates other than timers share one empty
``samples`` mapping.
"""

from __future__ import annotations

import logging
import math
import re
import sys
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, cast

from mwaa_ops.logs import event
from mwaa_ops.statsd import parser as _p
from mwaa_ops.statsd.bounds import MAX_SET_MEMBERS, MAX_TIMER_VALUES, bucket_value, compact
from mwaa_ops.statsd.series import COUNTER, GAUGE, SET, TIMER, SeriesAggregate, Tags
from mwaa_ops.telemetry import Telemetry

logger = logging.getLogger("mwaa_ops.statsd")

# Lines counted into the window before it is drained into series state: big
# enough to fold the repeats of a busy Airflow together, small enough to keep
# the window (its raw batches and distinct lines) to a few MB.
DEFAULT_WINDOW_LINES = 32_768
# ... and bytes, so that long lines cannot make the window big.
WINDOW_MAX_BYTES = 4 * 1024 * 1024
# Bounds of the parse caches (entries): a full line cache admits nothing more until
# the flush clears it; a full head cache is cleared and refilled.
LINE_CACHE_MAX = 50_000
HEAD_CACHE_MAX = 250_000
# A parse cache holding more entries than this at a flush is cleared there:
# a busy Airflow repeats a few thousand to a few tens of thousands of lines, so
# its caches stay; tens of thousands of distinct series (about 220 bytes per
# cached line) are mostly lines seen once or twice per interval, and clearing
# them before the flush's own work (mapping, datums) lowers the peak.
CACHE_KEEP_AT_FLUSH = 50_000
# Longest example line quoted in a rejection log line.
_EXAMPLE_BYTES = 120

# Entry kinds in the parse caches.
_K_COUNTER, _K_GAUGE, _K_SET, _K_TIMER, _K_REJECT, _K_FILTERED = range(6)
# Gauge entry modes: every value absolute / every value a delta / both.
_G_ABSOLUTE, _G_DELTA, _G_MIXED = range(3)

_KIND_OF_TYPE = {"c": _K_COUNTER, "g": _K_GAUGE, "s": _K_SET, "ms": _K_TIMER, "h": _K_TIMER, "d": _K_TIMER}

SeriesKey = tuple[str, Tags]

# The samples of every non-timer aggregate: one shared, read-only empty mapping
# instead of an empty dict per series (64 bytes each at 100,000 series).
_NO_SAMPLES = cast(dict[float, float], MappingProxyType({}))
# The one counter increment almost every line carries (``:1|c``), shared by the
# parse cache entries and new counters instead of a float object each.
_ONE = 1.0


@dataclass(frozen=True)
class AggregatorStats:
    """Line accounting since start: accepted + rejected + filtered + over_cap == lines_received."""

    packets_received: int
    lines_received: int
    lines_accepted: int
    lines_rejected: dict[str, int] = field(default_factory=dict)
    lines_filtered: int = 0
    series_over_cap: int = 0

    @property
    def rejected_total(self) -> int:
        return sum(self.lines_rejected.values())


class _Interval:
    """The series state of one interval; swapped whole at flush."""

    __slots__ = ("counters", "gauges", "sets", "timers", "timer_units", "n_series",
                 "rejected", "examples", "filtered", "over_cap", "compacted")

    def __init__(self) -> None:
        self.counters: dict[SeriesKey, float] = {}
        self.gauges: dict[SeriesKey, float] = {}
        self.sets: dict[SeriesKey, set[str]] = {}
        self.timers: dict[SeriesKey, dict[float, float]] = {}
        self.timer_units: dict[SeriesKey, str] = {}
        # Timer series past MAX_TIMER_VALUES: their values are kept by log bucket.
        self.compacted: set[SeriesKey] = set()
        self.n_series = 0
        self.rejected: dict[str, int] = {}
        self.examples: dict[str, bytes] = {}
        self.filtered = 0
        self.over_cap = 0


class Aggregator:
    """Aggregates raw StatsD datagrams into :class:`SeriesAggregate` per interval.

    Thread-safe: any number of receiver threads may call :meth:`ingest` while
    another thread calls :meth:`flush`. Never raises on input.
    """

    def __init__(
        self,
        *,
        prefix: str = "airflow",
        max_series: int = 100_000,
        allow_list: Iterable[str] = (),
        block_list: Iterable[str] = (),
        max_line_bytes: int = _p.DEFAULT_MAX_LINE_BYTES,
        telemetry: Telemetry | None = None,
        window_lines: int = DEFAULT_WINDOW_LINES,
    ) -> None:
        self._prefix = prefix + "." if prefix else ""
        self._max_series = max_series
        allow = list(allow_list)
        block = list(block_list)
        self._allow = re.compile("|".join(f"(?:{p})" for p in allow)) if allow else None
        self._block = re.compile("|".join(f"(?:{p})" for p in block)) if block else None
        self._max_line_bytes = max_line_bytes
        self._telemetry = telemetry
        self._window_max = max(1, window_lines)

        self._lock = threading.Lock()
        self._window: Counter[bytes] = Counter()
        self._window_lines = 0
        self._window_bytes = 0
        self._blobs: list[bytes] = []
        self._interval = _Interval()
        self._gauge_last: dict[SeriesKey, float] = {}
        self._line_cache: dict[bytes, tuple[Any, ...]] = {}
        self._head_cache: dict[bytes, tuple[Any, ...]] = {}
        # Tag syntaxes seen in accepted lines ("dogstatsd", "influxdb", "plain"): see tag_mode.
        self._tag_forms: set[str] = set()

        # Cumulative accounting.
        self._packets = 0
        self._packets_reported = 0
        self._lines = 0
        self._rejected: dict[str, int] = {}
        self._filtered = 0
        self._over_cap = 0

    # ---------------------------------------------------------------- ingest

    def ingest(self, datagrams: list[bytes]) -> None:
        """Take a batch of raw datagrams (as received, one or more lines each)."""
        if not datagrams:
            return
        data = b"\n".join(datagrams)
        lines = data.split(b"\n")
        with self._lock:
            self._window.update(lines)
            self._blobs.append(data)
            self._packets += len(datagrams)
            self._window_lines += len(lines)
            self._window_bytes += len(data)
            if self._window_lines >= self._window_max or self._window_bytes >= WINDOW_MAX_BYTES:
                self._drain()

    def flush(self) -> list[SeriesAggregate]:
        """End the interval: return one aggregate per series and start a new one.

        The state is swapped under the lock; building the result, logging and
        telemetry happen outside it, so receivers wait only for the swap.
        """
        with self._lock:
            self._drain()
            interval = self._interval
            self._interval = _Interval()
            last = self._gauge_last
            if len(last) + len(interval.gauges) > self._max_series:
                last.clear()  # bound memory: keep only the gauges of this interval
            last.update(interval.gauges)
            if len(self._line_cache) >= min(CACHE_KEEP_AT_FLUSH, LINE_CACHE_MAX):
                self._line_cache = {}  # full: refill with the next interval's lines
            if len(self._head_cache) > CACHE_KEEP_AT_FLUSH:
                self._head_cache = {}
        out: list[SeriesAggregate] = []
        for (name, tags), value in interval.counters.items():
            out.append(SeriesAggregate(name, tags, COUNTER, value, _NO_SAMPLES))
        for (name, tags), value in interval.gauges.items():
            out.append(SeriesAggregate(name, tags, GAUGE, value, _NO_SAMPLES))
        for (name, tags), members in interval.sets.items():
            out.append(SeriesAggregate(name, tags, SET, float(len(members)), _NO_SAMPLES))
        units = interval.timer_units
        for key, samples in interval.timers.items():
            out.append(SeriesAggregate(key[0], key[1], TIMER, 0.0, samples, units.get(key, "")))
        self._log_interval(interval)
        if self._telemetry is not None:
            self._telemetry.set("series_last_interval", interval.n_series)
            self._telemetry.set("series_active", 0)  # the new interval has none yet
        return out

    def stats(self) -> AggregatorStats:
        """Cumulative line accounting (drains the window first, so it is exact)."""
        with self._lock:
            self._drain()
            rejected = dict(self._rejected)
            bad = sum(rejected.values())
            return AggregatorStats(
                packets_received=self._packets,
                lines_received=self._lines,
                lines_accepted=self._lines - bad - self._filtered - self._over_cap,
                lines_rejected=rejected,
                lines_filtered=self._filtered,
                series_over_cap=self._over_cap,
            )

    @property
    def tag_mode(self) -> str:
        """How the sender tags its lines: ``dogstatsd``, ``influxdb`` (any such line seen), else
        ``plain`` (lines seen, none tagged), or ``unknown`` (nothing parsed yet)."""
        forms = self._tag_forms
        for mode in ("dogstatsd", "influxdb", "plain"):
            if mode in forms:
                return mode
        return "unknown"

    @property
    def series_count(self) -> int:
        """Distinct series in the current interval (after draining the window)."""
        with self._lock:
            self._drain()
            return self._interval.n_series

    # ----------------------------------------------------------------- drain

    def _drain(self) -> None:
        """Apply the window to the interval state. Caller holds the lock."""
        packets = self._packets - self._packets_reported
        self._packets_reported = self._packets
        counts = self._window
        if not counts:
            self._report(packets, 0, {}, 0, 0)
            return
        blobs = self._blobs
        self._window = Counter()
        self._blobs = []
        self._window_lines = 0
        self._window_bytes = 0
        counts.pop(b"", None)  # empty lines (trailing newlines) are not lines
        received = counts.total()

        st = self._interval
        counters = st.counters
        sets = st.sets
        timers = st.timers
        cache = self._line_cache
        resolve = self._resolve
        cap = self._max_series
        n_series = st.n_series
        rejected: dict[str, int] = {}
        examples = st.examples
        filtered = 0
        over_cap = 0
        compacted = 0
        set_over_cap = 0
        gauge_lines: dict[SeriesKey, list[tuple[bytes, tuple[Any, ...], int]]] = {}

        for line, n in counts.items():
            e = cache.get(line)
            if e is None:
                e = resolve(line)
            kind = e[0]
            if kind == _K_COUNTER:
                key = e[1]
                old = counters.get(key)
                if old is None:
                    if n_series >= cap:
                        over_cap += n
                        cache.pop(line, None)  # lines over the cap are not kept (memory)
                        continue
                    n_series += 1
                    if n == 1 and e[2] is _ONE:
                        counters[key] = _ONE  # 0.0 + 1.0 without a new float
                        continue
                    old = 0.0
                counters[key] = old + e[2] * n
            elif kind == _K_TIMER:
                key = e[1]
                samples = timers.get(key)
                if samples is None:
                    if n_series >= cap:
                        over_cap += n
                        continue
                    n_series += 1
                    samples = timers[key] = {}
                    st.timer_units[key] = e[4]
                w = e[3] * n
                if key in st.compacted:
                    for v in e[2]:
                        r = bucket_value(v)
                        samples[r] = samples.get(r, 0.0) + w
                else:
                    for v in e[2]:
                        samples[v] = samples.get(v, 0.0) + w
                    if len(samples) > MAX_TIMER_VALUES:
                        compact(samples)
                        st.compacted.add(key)
                        compacted += 1
            elif kind == _K_GAUGE:
                entries = gauge_lines.get(e[1])
                if entries is None:
                    gauge_lines[e[1]] = [(line, e, n)]
                else:
                    entries.append((line, e, n))
            elif kind == _K_SET:
                key = e[1]
                members = sets.get(key)
                if members is None:
                    if n_series >= cap:
                        over_cap += n
                        cache.pop(line, None)
                        continue
                    n_series += 1
                    members = sets[key] = set()
                if len(members) + len(e[2]) <= MAX_SET_MEMBERS:
                    members.update(e[2])
                else:
                    for m in e[2]:
                        if m in members:
                            continue
                        if len(members) < MAX_SET_MEMBERS:
                            members.add(m)
                        else:
                            set_over_cap += n
                            cache.pop(line, None)  # dropped members are not kept (memory)
            elif kind == _K_REJECT:
                reason = e[1]
                rejected[reason] = rejected.get(reason, 0) + n
                if reason not in examples:
                    examples[reason] = line[:_EXAMPLE_BYTES]
            else:
                filtered += n

        st.n_series = n_series
        if gauge_lines:
            over_cap += self._apply_gauges(gauge_lines, blobs)

        st.filtered += filtered
        st.over_cap += over_cap
        for reason, n in rejected.items():
            st.rejected[reason] = st.rejected.get(reason, 0) + n
            self._rejected[reason] = self._rejected.get(reason, 0) + n
        self._lines += received
        self._filtered += filtered
        self._over_cap += over_cap
        self._report(packets, received, rejected, filtered, over_cap)
        if self._telemetry is not None and (compacted or set_over_cap):
            if compacted:
                self._telemetry.inc("timer_series_compacted", compacted, reason="value_cap")
            if set_over_cap:
                self._telemetry.inc("set_members_over_cap", set_over_cap, reason="member_cap")

    def _apply_gauges(
        self, gauge_lines: dict[SeriesKey, list[tuple[bytes, tuple[Any, ...], int]]], blobs: list[bytes]
    ) -> int:
        """Apply gauge lines in arrival order; returns the lines over the cap."""
        st = self._interval
        gauges = st.gauges
        last = self._gauge_last
        over_cap = 0
        replay: dict[bytes, tuple[Any, ...]] = {}
        for key, entries in gauge_lines.items():
            if key not in gauges:
                if st.n_series >= self._max_series:
                    over_cap += sum(n for _, _, n in entries)
                    for line, _, _ in entries:
                        self._line_cache.pop(line, None)
                    continue
                st.n_series += 1
                gauges[key] = last.get(key, 0.0)
            if len(entries) == 1 or all(e[2] == _G_DELTA for _, e, _ in entries):
                for _, e, n in entries:
                    gauges[key] = _apply_gauge(gauges[key], e, n)
            else:
                # Several different lines for one gauge: order decides the result.
                for line, e, _ in entries:
                    replay[line] = e
        if replay:
            for blob in blobs:
                for line in blob.split(b"\n"):
                    found = replay.get(line)
                    if found is not None:
                        gauges[found[1]] = _apply_gauge(gauges[found[1]], found, 1)
        return over_cap

    # --------------------------------------------------------------- parsing

    def _resolve(self, line: bytes) -> tuple[Any, ...]:
        """Parse a line that is not in the line cache; cache it unless it is a timer."""
        if len(line) > self._max_line_bytes:
            return (_K_REJECT, _p.LINE_TOO_LONG)
        cache = self._line_cache
        # A full cache admits no more lines until the flush clears it: past the
        # working set of a busy Airflow, new lines are mostly seen once, and
        # caching them only costs memory (issue 15: ~200 bytes a line).
        admit = len(cache) < LINE_CACHE_MAX
        parts = _p.split_line(line)
        if isinstance(parts, str):
            e: tuple[Any, ...] = (_K_REJECT, parts)
            if admit:
                cache[line] = e
            return e
        name_part, values_part, tail = parts
        # Neither part contains the first ":", so joining on it is unambiguous.
        head_key = name_part + b":" + tail
        head = self._head_cache.get(head_key)
        if head is None:
            head = self._resolve_head(head_key, name_part, tail)
        kind = head[0]
        if kind >= _K_REJECT:
            if admit:
                cache[line] = head
            return head
        if kind == _K_TIMER and b"_" not in values_part:
            try:
                number = float(values_part)
            except ValueError:
                pass
            else:
                if math.isfinite(number):
                    return (_K_TIMER, head[1], (number,), 1.0 / head[2], head[3])
        parsed = _p.parse_values(
            values_part, head[3] if kind != _K_TIMER else "ms", dogstatsd=kind == _K_GAUGE and head[4]
        )
        if isinstance(parsed, str):
            e = (_K_REJECT, parsed)
            if admit:
                cache[line] = e
            return e
        values, deltas = parsed
        key = head[1]
        if kind == _K_COUNTER:
            increment = sum(values) / head[2]  # type: ignore[arg-type]
            e = (_K_COUNTER, key, _ONE if increment == 1.0 else increment)
        elif kind == _K_TIMER:
            return (_K_TIMER, key, values, 1.0 / head[2], head[3])
        elif kind == _K_SET:
            e = (_K_SET, key, frozenset(values))
        elif not any(deltas):
            e = (_K_GAUGE, key, _G_ABSOLUTE, values[-1], None)
        elif all(deltas):
            e = (_K_GAUGE, key, _G_DELTA, sum(values), None)
        else:
            e = (_K_GAUGE, key, _G_MIXED, 0.0, tuple(zip(deltas, values, strict=True)))
        if admit:
            cache[line] = e
        return e

    def _resolve_head(self, head_key: bytes, name_part: bytes, tail: bytes) -> tuple[Any, ...]:
        """Parse the name/type/tags part: (kind, key, rate, type-or-unit).

        Only timer heads are cached: their lines rarely repeat, so they reach
        this cache on every new value. Other lines are cached whole.
        """
        head = _p.parse_head(name_part, tail)
        if isinstance(head, str):
            return (_K_REJECT, head)
        self._tag_forms.add(
            "dogstatsd" if b"|#" in b"|" + tail else "influxdb" if b"," in name_part else "plain"
        )
        name = head.name
        if self._prefix and name.startswith(self._prefix):
            name = name[len(self._prefix):]
        if not name:
            return (_K_REJECT, _p.EMPTY_NAME)
        if (self._allow is not None and self._allow.search(name) is None) or (
            self._block is not None and self._block.search(name) is not None
        ):
            return (_K_FILTERED,)
        kind = _KIND_OF_TYPE[head.type]
        if kind != _K_TIMER:
            return (kind, (sys.intern(name), head.tags), head.sample_rate, head.type, head.dogstatsd)
        entry = (kind, (sys.intern(name), head.tags), head.sample_rate, "ms" if head.type == "ms" else "")
        cache = self._head_cache
        if len(cache) >= HEAD_CACHE_MAX:
            cache.clear()
        cache[head_key] = entry
        return entry

    # ------------------------------------------------------------- reporting

    def _report(self, packets: int, lines: int, rejected: dict[str, int], filtered: int, over_cap: int) -> None:
        tel = self._telemetry
        if tel is None:
            return
        if packets:
            tel.inc("packets_received", packets)
        if lines:
            tel.inc("lines_received", lines)
        if rejected:
            tel.add_many("lines_rejected", rejected, "reason")
        if filtered:
            tel.inc("lines_filtered", filtered)
        if over_cap:
            tel.inc("series_over_cap", over_cap)
        tel.set("series_active", self._interval.n_series)

    def _log_interval(self, interval: _Interval) -> None:
        """One log line per rejection reason per interval, with the count."""
        for reason, count in sorted(interval.rejected.items()):
            event(logger, logging.WARNING, "statsd_lines_rejected", reason=reason, count=count,
                  example=repr(interval.examples.get(reason, b"")))
        if interval.over_cap:
            event(logger, logging.WARNING, "statsd_series_over_cap", count=interval.over_cap,
                  max_series=self._max_series)


def _apply_gauge(current: float, e: tuple[Any, ...], n: int) -> float:
    """Apply a gauge cache entry ``(kind, key, mode, number, ops)`` ``n`` times to ``current``."""
    mode = e[2]
    if mode == _G_ABSOLUTE:
        return float(e[3])
    if mode == _G_DELTA:
        return current + e[3] * n
    for _ in range(n):
        for is_delta, value in e[4]:
            current = current + value if is_delta else value
    return current
