"""Memory bounds of one series within an interval: timer samples and set members.

A timer series keeps its distinct values exactly up to ``MAX_TIMER_VALUES``;
past that it is *compacted*: every value, present and future, is replaced by
the fixed representative of its log-scale bucket (buckets span a ratio of
``BUCKET_RATIO``; the representative is the harmonic mean of the bucket's
bounds, within (1.02 - 1) / (1.02 + 1) = 0.99% of any member). Counts are kept
whole, so the sample count stays exact, and the result is what
:func:`mwaa_ops.cloudwatch.compress.compress` would send anyway (its buckets are
the same, and a fixed representative falls in its own bucket), so the error
bound of the datum is unchanged. Memory is then bounded by the number of
buckets a series' values span (about 1,400 per sign for 1 ms to 10^9 ms).

A set keeps at most ``MAX_SET_MEMBERS`` members; occurrences of new members
past that are not stored and are counted (``set_members_over_cap``).
"""

from __future__ import annotations

import math

# Distinct values a timer series keeps exactly before it is compacted (issue 9:
# 1.5 M distinct values in one series took 672 MB).
MAX_TIMER_VALUES = 10_000
# Members a set series keeps (issue 9: 1.5 M members took 366 MB).
MAX_SET_MEMBERS = 10_000
# The bucket ratio of mwaa_ops.cloudwatch.compress (a test checks they agree):
# a 1% relative error bound.
BUCKET_RATIO = 1.02
_LOG_RATIO = math.log(BUCKET_RATIO)
_HARMONIC = 2.0 * BUCKET_RATIO / (1.0 + BUCKET_RATIO)


def bucket_value(value: float) -> float:
    """The fixed representative of ``value``'s log bucket (0 and non-finite values kept)."""
    if value == 0 or not math.isfinite(value):
        return value
    magnitude = abs(value)
    index = math.floor(math.log(magnitude) / _LOG_RATIO)
    lo = BUCKET_RATIO**index
    # Rounding in the log (or the power) can miss the bucket by one: step into it.
    while magnitude < lo:
        index -= 1
        lo = BUCKET_RATIO**index
    while magnitude >= lo * BUCKET_RATIO:
        index += 1
        lo = BUCKET_RATIO**index
    # The harmonic mean of lo and lo * ratio, without overflowing near 1e308.
    rep = lo * _HARMONIC
    return rep if value > 0 else -rep


def compact(samples: dict[float, float]) -> None:
    """Replace ``{value: count}`` in place by ``{bucket representative: count}``."""
    merged: dict[float, float] = {}
    for value, count in samples.items():
        rep = bucket_value(value)
        merged[rep] = merged.get(rep, 0.0) + count
    samples.clear()
    samples.update(merged)
