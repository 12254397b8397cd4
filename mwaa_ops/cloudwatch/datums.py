"""Aggregated series to validated CloudWatch datums.

Several StatsD series can land on one CloudWatch metric (a legacy name and its
tagged twin are settled earlier, but e.g. two pools' series can share a target
once a dimension is dropped). They are merged here, per (metric, dimensions,
kind): counters summed, timer samples merged, set sizes summed, and gauges
summed too: the series that share a target are disjoint parts of one quantity
(slots of several executors, tasks of several pools), so their sum is the
metric's value. A dimension value CloudWatch refuses (non-ASCII, blank, a
control character, too long) is rewritten by the documented rule of
:mod:`mwaa_ops.cloudwatch.names` and counted by reason; whatever else CloudWatch
would reject is dropped here and counted by reason, so one bad datum never
costs a whole request.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from mwaa_ops.airflow.target import Target
from mwaa_ops.cloudwatch.compress import compress
from mwaa_ops.cloudwatch.datum import Datum
from mwaa_ops.cloudwatch.limits import (
    MAX_DIMENSION_NAME_LENGTH,
    MAX_DIMENSION_VALUE_LENGTH,
    MAX_DIMENSIONS,
    MAX_METRIC_NAME_LENGTH,
    MAX_VALUE_MAGNITUDE,
    MIN_NONZERO_MAGNITUDE,
    STANDARD_UNITS,
    STORAGE_RESOLUTIONS,
)
from mwaa_ops.cloudwatch.names import dimension_value, dimension_value_problem
from mwaa_ops.statsd.series import TIMER, SeriesAggregate

# Reasons a datum is dropped before sending (the ``reason`` label of datums_dropped).
NON_FINITE = "non_finite"
VALUE_OUT_OF_RANGE = "value_out_of_range"
TOO_MANY_DIMENSIONS = "too_many_dimensions"
NAME_TOO_LONG = "name_too_long"
EMPTY_NAME = "empty_name"
DIMENSION_TOO_LONG = "dimension_too_long"
EMPTY_DIMENSION = "empty_dimension"
DUPLICATE_DIMENSION = "duplicate_dimension"
BAD_DIMENSION = "bad_dimension"  # non-ASCII, blank or control characters (not rewritten: a caller's datum)
BAD_UNIT = "bad_unit"
BAD_COUNT = "bad_count"


@dataclass(slots=True)
class _Merged:
    target: Target
    kind: str
    value: float = 0.0
    samples: dict[float, float] | None = None  # timers only


def build_datums(
    series: Iterable[SeriesAggregate],
    targets: Iterable[tuple[Target, ...]],
    *,
    timestamp: float,
    storage_resolution: int,
    rewritten: dict[str, int] | None = None,
) -> tuple[list[Datum], dict[str, int]]:
    """Datums for one interval, and how many were dropped by reason.

    ``rewritten``, when given, receives how many dimension values were
    rewritten to values CloudWatch accepts, by reason (``non_ascii``,
    ``control_character``, ``blank``, ``too_long``).

    ``series`` and ``targets`` are read once, in step (the agent passes
    :func:`mwaa_ops.agent.flush.consume` iterators, so each aggregate is freed
    once merged). ``targets[i]`` is where ``series[i]`` goes (as
    :meth:`NameMapper.resolve_series` returns them); an empty tuple is not
    published. ``scale`` of each target converts the StatsD value (e.g. ms to
    seconds).

    Memory (100,000 series make 100,000 datums): the merge is looked up by
    kind, metric and the target's own dimensions tuple, so no key tuple is
    made per target, and each merged slot is released as soon as its datums
    are made.
    """
    if storage_resolution not in STORAGE_RESOLUTIONS:
        raise ValueError(
            f"storage_resolution must be one of {sorted(STORAGE_RESOLUTIONS)}, not {storage_resolution!r}"
        )
    # kind -> metric -> dimensions -> slot; ``slots`` keeps the order of first appearance.
    lookup: dict[str, dict[str, dict[tuple[tuple[str, str], ...], _Merged]]] = {}
    slots: list[_Merged] = []
    for aggregate, its_targets in zip(series, targets, strict=True):
        for target in its_targets:
            kind = aggregate.kind
            by_metric = lookup.get(kind)
            if by_metric is None:
                by_metric = lookup[kind] = {}
            by_dims = by_metric.get(target.metric)
            if by_dims is None:
                by_dims = by_metric[target.metric] = {}
            slot = by_dims.get(target.dimensions)
            if kind != TIMER:
                scale = target.scale
                value = aggregate.value if scale == 1.0 else aggregate.value * scale
                if slot is None:
                    # The aggregate's own float (0.0 + value, without a new object; -0.0 -> 0.0).
                    slots.append(_Merged(target, kind, value if value else 0.0))
                    by_dims[target.dimensions] = slots[-1]
                else:
                    slot.value += value
                continue
            if slot is None:
                slot = by_dims[target.dimensions] = _Merged(target, kind)
                slots.append(slot)
            scale = target.scale
            merged_samples = slot.samples
            if merged_samples is None:
                merged_samples = slot.samples = {}
            for sample, count in aggregate.samples.items():
                scaled = sample * scale
                merged_samples[scaled] = merged_samples.get(scaled, 0.0) + count
    del lookup

    datums: list[Datum] = []
    dropped: dict[str, int] = {}
    rewrites = {} if rewritten is None else rewritten
    slots.reverse()
    while slots:
        merged = slots.pop()  # in order of first appearance; released once turned into datums
        for datum in _to_datums(merged, timestamp, storage_resolution, rewrites):
            reason = invalid_reason(datum)
            if reason:
                dropped[reason] = dropped.get(reason, 0) + 1
            else:
                datums.append(datum)
    return datums, dropped


def _valid_dimensions(
    dimensions: tuple[tuple[str, str], ...], rewrites: dict[str, int]
) -> tuple[tuple[str, str], ...]:
    """``dimensions`` with every value CloudWatch refuses rewritten (same object when none is)."""
    out: list[tuple[str, str]] | None = None
    for i, (name, value) in enumerate(dimensions):
        if value.isascii() and value.isprintable() and len(value) <= MAX_DIMENSION_VALUE_LENGTH \
                and not value.isspace():
            if out is not None:
                out.append((name, value))
            continue
        new, reason = dimension_value(value)
        if reason:
            rewrites[reason] = rewrites.get(reason, 0) + 1
        if out is None:
            out = list(dimensions[:i])
        out.append((name, new))
    return dimensions if out is None else tuple(out)


def _to_datums(
    slot: _Merged, timestamp: float, storage_resolution: int, rewrites: dict[str, int]
) -> list[Datum]:
    target = slot.target

    datum = partial(
        Datum,
        metric=target.metric,
        dimensions=_valid_dimensions(target.dimensions, rewrites),
        timestamp=timestamp,
        unit=target.unit,
        storage_resolution=storage_resolution,
    )
    if slot.kind != TIMER:
        return [datum(value=_clamp_tiny(slot.value))]
    samples: dict[float, float] = {}
    for value, count in (slot.samples or {}).items():
        value = _clamp_tiny(value)
        samples[value] = samples.get(value, 0.0) + count
    if any(not math.isfinite(v) for v in samples):
        # Compression cannot bucket NaN; one datum carrying the bad value is dropped.
        return [datum(values=tuple(samples), counts=tuple(samples.values()))]
    return [datum(values=values, counts=counts) for values, counts in compress(samples)]


def _clamp_tiny(value: float) -> float:
    """CloudWatch rejects non-zero magnitudes below 2^-360 (limits.py); such a value is sent as 0.

    2^-360 is about 8.5e-109: the nearest value CloudWatch can store is 0.
    """
    if value != 0 and abs(value) < MIN_NONZERO_MAGNITUDE:
        return 0.0
    return value


def _bad_value(value: float) -> str:
    if not math.isfinite(value):
        return NON_FINITE
    if abs(value) > MAX_VALUE_MAGNITUDE or (value != 0 and abs(value) < MIN_NONZERO_MAGNITUDE):
        return VALUE_OUT_OF_RANGE
    return ""


def invalid_reason(datum: Datum) -> str:
    """Why CloudWatch would reject ``datum`` (a drop reason), or ``""`` if it is fine.

    Timestamps are not checked here: their window moves with time, so the
    publisher checks them just before sending.
    """
    if not datum.metric:
        return EMPTY_NAME
    if len(datum.metric) > MAX_METRIC_NAME_LENGTH:
        return NAME_TOO_LONG
    if len(datum.dimensions) > MAX_DIMENSIONS:
        return TOO_MANY_DIMENSIONS
    names = set()
    for name, value in datum.dimensions:
        if not name or not value:
            return EMPTY_DIMENSION
        if len(name) > MAX_DIMENSION_NAME_LENGTH or len(value) > MAX_DIMENSION_VALUE_LENGTH:
            return DIMENSION_TOO_LONG
        if dimension_value_problem(value) or dimension_value_problem(name) or name.startswith(":"):
            return BAD_DIMENSION
        if name in names:
            return DUPLICATE_DIMENSION
        names.add(name)
    if datum.unit not in STANDARD_UNITS:
        return BAD_UNIT
    if datum.values:
        if len(datum.values) != len(datum.counts):
            return BAD_COUNT
        for number in datum.values:
            reason = _bad_value(number)
            if reason:
                return reason
        for count in datum.counts:
            if not math.isfinite(count) or count <= 0 or count > MAX_VALUE_MAGNITUDE:
                return BAD_COUNT
        return ""
    if datum.value is None:
        return NON_FINITE
    return _bad_value(datum.value)
