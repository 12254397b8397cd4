"""Timer samples to CloudWatch ``Values``/``Counts`` with a bounded error.

CloudWatch keeps percentiles of a datum sent as ``Values``/``Counts``, but takes
at most 150 values per datum. An interval with at most 150 distinct values is
sent exactly. With more, values are grouped into log-scale buckets whose
largest and smallest members differ by at most ``BUCKET_RATIO``; each bucket is
sent as one representative value carrying the bucket's total count. The
representative is the harmonic mean of the bucket's smallest and largest member,
the point that equalises their relative errors: ``(hi - lo) / (hi + lo)``, at
most 0.99% for a ratio of 1.02. Counts are never merged across buckets or
rounded, so the sample count is exact. Buckets beyond 150 spill into further
chunks (one datum each) for the same metric and timestamp.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from mwaa_ops.cloudwatch.limits import MAX_VALUES_PER_DATUM

# Issue 2: "compress them with a bounded relative error of at most 1%".
MAX_RELATIVE_ERROR = 0.01
# Buckets span a ratio of 1.02 at most: (1.02 - 1) / (1.02 + 1) = 0.0099 < 1%.
BUCKET_RATIO = 1.02
_LOG_RATIO = math.log(BUCKET_RATIO)

Chunk = tuple[tuple[float, ...], tuple[float, ...]]


def compress(samples: Mapping[float, float], max_values: int = MAX_VALUES_PER_DATUM) -> list[Chunk]:
    """Split ``{value: count}`` into ``(values, counts)`` chunks of at most ``max_values``.

    Exact when there are at most ``max_values`` distinct values; otherwise each
    sample moves by at most 1% of itself. Values come out sorted; samples with a
    count of zero or less are ignored.
    """
    items = sorted((v, c) for v, c in samples.items() if c > 0)
    if len(items) > max_values:
        items = _bucket(items)
    return [
        (
            tuple(v for v, _ in items[i : i + max_values]),
            tuple(c for _, c in items[i : i + max_values]),
        )
        for i in range(0, len(items), max_values)
    ]


def _bucket_index(value: float) -> tuple[int, int]:
    """(sign, log bucket) of a value; zero has its own bucket."""
    if value == 0:
        return (0, 0)
    sign = 1 if value > 0 else -1
    return (sign, math.floor(math.log(abs(value)) / _LOG_RATIO))


def _bucket(items: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Group sorted ``(value, count)`` pairs into buckets; one representative each."""
    out: list[tuple[float, float]] = []
    current: tuple[int, int] | None = None
    lo = hi = 0.0
    total = 0.0
    for value, count in items:
        index = _bucket_index(value)
        # A bucket also closes when floating-point rounding in the log would
        # let it span more than the ratio: the bound must hold for real members.
        if index != current or not _within_ratio(lo, value):
            if current is not None:
                out.append((_representative(lo, hi), total))
            current, lo, hi, total = index, value, value, 0.0
        hi = value
        total += count
    if current is not None:
        out.append((_representative(lo, hi), total))
    return out


def _within_ratio(first: float, value: float) -> bool:
    if first == value:
        return True
    a, b = abs(first), abs(value)
    return max(a, b) <= min(a, b) * BUCKET_RATIO


def _representative(lo: float, hi: float) -> float:
    """The value equally close, relatively, to ``lo`` and ``hi`` (same sign)."""
    if lo == hi:
        return lo
    rep = 2.0 * lo * hi / (lo + hi)
    # Rounding can push the harmonic mean a hair outside [lo, hi].
    return min(max(rep, min(lo, hi)), max(lo, hi))


def relative_error(original: float, sent: float) -> float:
    """How far ``sent`` is from ``original``, relative to ``original`` (0 for 0 -> 0)."""
    if original == sent:
        return 0.0
    return abs(sent - original) / abs(original)
