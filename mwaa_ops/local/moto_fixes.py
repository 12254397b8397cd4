"""Fixes to moto's CloudWatch so the local endpoint answers like CloudWatch does.

moto 5.2's CloudWatch falls short of the calls mwaa-ops makes (checked with
botocore 1.44, smithy-rpc-v2-cbor over HTTP):

- percentile statistics (``p50``, ``p99.9``) in ``GetMetricData`` end in an
  HTTP 500, and ``GetMetricStatistics`` ignores ``ExtendedStatistics``;
- ``PutMetricData`` stores each of ``Values`` as ``Counts`` separate
  datapoints, so reading a busy metric back scans millions of entries;
- ``ListMetrics`` lists a metric once per datapoint when it has two or more
  dimensions (a broken dimension comparison), and dimension order decides
  whether ``GetMetricData`` finds a metric with more than two dimensions
  (a broken ``Dimension.__lt__``);
- ``PutMetricData`` accepts what real CloudWatch refuses (non-ASCII, blank or
  control-character dimension values, values outside 2^-360..2^360, too many
  datums, dimensions or values, timestamps outside the accepted window, ...):
  :func:`put_metric_data_problem` checks a request as CloudWatch does, and the
  local endpoint answers ``InvalidParameterValue`` (HTTP 400) for it, so tests
  against the embedded default see the rejections an AWS account would give.

:func:`apply_cloudwatch_fixes` patches those classes in place, once per
process; the local endpoint calls it before its first moto request. The
integration tests in ``tests/integration/local`` check every fix over HTTP,
so a moto upgrade that changes these internals fails there, loudly.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from mwaa_ops.cloudwatch.limits import (
    MAX_AGE_SECONDS,
    MAX_DATUMS_PER_REQUEST,
    MAX_DIMENSION_NAME_LENGTH,
    MAX_DIMENSION_VALUE_LENGTH,
    MAX_DIMENSIONS,
    MAX_FUTURE_SECONDS,
    MAX_METRIC_NAME_LENGTH,
    MAX_NAMESPACE_LENGTH,
    MAX_VALUE_MAGNITUDE,
    MAX_VALUES_PER_DATUM,
    MIN_NONZERO_MAGNITUDE,
    STANDARD_UNITS,
    STORAGE_RESOLUTIONS,
)
from mwaa_ops.cloudwatch.names import dimension_value_problem

_PERCENTILE = re.compile(r"^p(\d{1,2}(\.\d+)?|100)$")
_applied = False
_lock = threading.Lock()


def percentile_of(pairs: list[tuple[float, float]], p: float) -> float:
    """The ``p``-th percentile (nearest rank) of weighted values ``(value, count)``."""
    ordered = sorted((value, count) for value, count in pairs if count > 0)
    total = sum(count for _, count in ordered)
    if total <= 0:
        raise ValueError("no samples")
    rank = max(1.0, math.ceil(p / 100.0 * total))
    seen = 0.0
    for value, count in ordered:
        seen += count
        if seen >= rank:
            return value
    return ordered[-1][0]


def parse_percentile(stat: str) -> float | None:
    """``99.9`` for ``"p99.9"``; ``None`` for anything that is not a percentile."""
    match = _PERCENTILE.match(stat)
    return float(stat[1:]) if match else None


def _epoch(timestamp: Any) -> float | None:
    if isinstance(timestamp, datetime):
        return timestamp.timestamp()
    if isinstance(timestamp, (int, float)):
        return float(timestamp)
    if isinstance(timestamp, str) and timestamp:
        try:
            return float(timestamp)
        except ValueError:
            return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()
    return None


def _number_problem(value: Any, where: str) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return f"The value {value!r} for parameter {where} is invalid."
    if not math.isfinite(number):
        return f"The value {value} for parameter {where} is invalid (NaN and infinities are not supported)."
    if abs(number) > MAX_VALUE_MAGNITUDE or (number != 0 and abs(number) < MIN_NONZERO_MAGNITUDE):
        return (f"The value {value!r} for parameter {where} is invalid: values must be 0 or of magnitude "
                f"2^-360 to 2^360.")
    return ""


def put_metric_data_problem(
    namespace: Any, metric_data: Sequence[dict[str, Any]], now: float
) -> str:
    """Why real CloudWatch would refuse this ``PutMetricData`` request, or ``""``.

    ``metric_data`` as moto parses it (``MetricName``, ``Dimensions`` as
    ``[{"Name", "Value"}]``, ``Value``/``Values``/``Counts``, ``Timestamp``,
    ``Unit``, ``StorageResolution``); ``now`` in epoch seconds. The limits and
    their sources are in :mod:`mwaa_ops.cloudwatch.limits`. The message names
    the member and the parameter, as CloudWatch's ``InvalidParameterValue`` does.
    """
    if not isinstance(namespace, str) or not 1 <= len(namespace) <= MAX_NAMESPACE_LENGTH:
        return f"The parameter Namespace must be 1 to {MAX_NAMESPACE_LENGTH} characters."
    if namespace.startswith(":") or dimension_value_problem(namespace):
        return f"The value {namespace!r} for parameter Namespace is invalid."
    if not metric_data:
        return "The parameter MetricData is required."
    if len(metric_data) > MAX_DATUMS_PER_REQUEST:
        return (f"The collection MetricData must not have a size greater than {MAX_DATUMS_PER_REQUEST} "
                f"(it has {len(metric_data)}).")
    for i, member in enumerate(metric_data, start=1):
        where = f"MetricData.member.{i}"
        name = member.get("MetricName") or ""
        if not 1 <= len(name) <= MAX_METRIC_NAME_LENGTH:
            return f"The parameter {where}.MetricName must be 1 to {MAX_METRIC_NAME_LENGTH} characters."
        dims = member.get("Dimensions") or []
        if len(dims) > MAX_DIMENSIONS:
            return f"The collection {where}.Dimensions must not have a size greater than {MAX_DIMENSIONS}."
        seen: set[str] = set()
        for j, dim in enumerate(dims, start=1):
            dname, dvalue = str(dim.get("Name") or ""), str(dim.get("Value") or "")
            dwhere = f"{where}.Dimensions.member.{j}"
            if not dname or len(dname) > MAX_DIMENSION_NAME_LENGTH or dname.startswith(":") \
                    or dimension_value_problem(dname):
                return (f"The value {dname!r} for parameter {dwhere}.Name is invalid: 1-255 ASCII characters, "
                        f"at least one not whitespace, no control characters, not starting with ':'.")
            if not dvalue or len(dvalue) > MAX_DIMENSION_VALUE_LENGTH or dimension_value_problem(dvalue):
                return (f"The value {dvalue[:64]!r} for parameter {dwhere}.Value is invalid: 1-1024 ASCII "
                        f"characters, at least one not whitespace, no control characters.")
            if dname in seen:
                return f"The dimension {dname!r} appears more than once in {where}.Dimensions."
            seen.add(dname)
        values = member.get("Values")
        if "Value" in member and member["Value"] is not None:
            if values:
                return f"The parameters {where}.Value and {where}.Values are mutually exclusive."
            problem = _number_problem(member["Value"], f"{where}.Value")
            if problem:
                return problem
        if values:
            if len(values) > MAX_VALUES_PER_DATUM:
                return (f"The collection {where}.Values must not have a size greater than "
                        f"{MAX_VALUES_PER_DATUM} (it has {len(values)}).")
            counts = member.get("Counts")
            if counts and len(counts) != len(values):
                return f"The parameters {where}.Values and {where}.Counts must be of the same size."
            for value in values:
                problem = _number_problem(value, f"{where}.Values")
                if problem:
                    return problem
            for count in counts or ():
                problem = _number_problem(count, f"{where}.Counts")
                if problem:
                    return problem
        unit = member.get("Unit")
        if unit and unit not in STANDARD_UNITS:
            return f"The value {unit!r} for parameter {where}.Unit is invalid."
        resolution = member.get("StorageResolution")
        if resolution is not None and int(resolution) not in STORAGE_RESOLUTIONS:
            return f"The value {resolution!r} for parameter {where}.StorageResolution is invalid: 1 or 60."
        epoch = _epoch(member.get("Timestamp"))
        if epoch is not None and not now - MAX_AGE_SECONDS <= epoch <= now + MAX_FUTURE_SECONDS:
            return (f"The parameter {where}.Timestamp must specify a time no more than two weeks in the past "
                    f"and no more than two hours in the future.")
    return ""


def apply_cloudwatch_fixes(now: Callable[[], float] = time.time) -> None:
    """Patch moto's CloudWatch models and responses (idempotent)."""
    global _applied
    with _lock:
        if _applied:
            return
        _patch(now)
        _applied = True


def _patch(now: Callable[[], float]) -> None:
    from moto.cloudwatch import models, responses
    from moto.cloudwatch.exceptions import InvalidParameterValue

    patches: list[tuple[Any, str, Any]] = []

    class WeightedDatum(models.MetricDatum):
        """One of ``Values`` with its ``Count``, stored once instead of ``Count`` times."""

        def __init__(self, *args: Any, count: float = 1.0, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.count = count

    def weighted(stats: Any) -> Iterator[tuple[float, float]]:
        for md in stats.metric_data or []:
            if isinstance(md, models.MetricDatum):
                yield md.value, getattr(md, "count", 1.0)
            elif isinstance(md, models.MetricAggregatedDatum) and md.sample_count:
                # A StatisticValues set has no distribution: count it at its mean.
                yield md.sum / md.sample_count, md.sample_count

    def calc_sample_count(self: Any) -> float:
        return sum(count for _, count in weighted(self))

    def calc_sum(self: Any) -> float:
        return sum(value * count for value, count in weighted(self))

    original_stat = models.Statistics.get_statistics_for_type

    def get_statistics_for_type(self: Any, stat: str) -> Any:
        p = parse_percentile(stat)
        if p is None:
            result = original_stat(self, stat)
            if result is None and stat not in (
                "Sum",
                "Average",
                "Minimum",
                "Maximum",
                "SampleCount",
            ):
                raise InvalidParameterValue(f"The statistic {stat} is not supported locally")
            return result
        pairs = list(weighted(self))
        return percentile_of(pairs, p) if pairs else None

    def extended_statistics(self: Any) -> dict[str, float] | None:
        out = {}
        pairs = list(weighted(self))
        for stat in self.stats:
            p = parse_percentile(stat)
            if p is not None and pairs:
                out[stat] = percentile_of(pairs, p)
        return out or None

    patches.append((models.Statistics, "calc_sample_count", calc_sample_count))
    patches.append((models.Statistics, "calc_sum", calc_sum))
    patches.append((models.Statistics, "get_statistics_for_type", get_statistics_for_type))
    patches.append((models.Statistics, "extended_statistics", property(extended_statistics)))

    def dimension_lt(self: Any, other: Any) -> bool:
        return (self.name or "", self.value or "") < (other.name or "", other.value or "")

    patches.append((models.Dimension, "__lt__", dimension_lt))

    def are_dimensions_same(left: list[Any], right: list[Any]) -> bool:
        return {(d.name, d.value) for d in left} == {(d.name, d.value) for d in right}

    patches.append((models, "are_dimensions_same", are_dimensions_same))

    def get_filtered_metrics(
        self: Any, metric_name: str, namespace: str, dimensions: list[dict[str, str]]
    ) -> list[Any]:
        seen: set[tuple[Any, ...]] = set()
        out = []
        for md in self.get_all_metrics():
            if not md.filter(namespace=namespace, name=metric_name, dimensions=dimensions):
                continue
            key = (md.namespace, md.name, frozenset((d.name, d.value) for d in md.dimensions))
            if key not in seen:
                seen.add(key)
                out.append(md)
        return out

    patches.append((models.CloudWatchBackend, "get_filtered_metrics", get_filtered_metrics))

    original_put = models.CloudWatchBackend.put_metric_data

    def put_metric_data(self: Any, namespace: str, metric_data: list[dict[str, Any]]) -> None:
        problem = put_metric_data_problem(namespace, metric_data, now())
        if problem:
            raise InvalidParameterValue(problem)
        for i, member in enumerate(metric_data):
            self._validate_parameters_put_metric_data(member, i + 1)
        rest = []
        for member in metric_data:
            values = member.get("Values")
            if not values:
                rest.append(member)
                continue
            counts = member.get("Counts") or [1] * len(values)
            for value, count in zip(values, counts, strict=False):
                if float(count) <= 0:
                    continue
                self.metric_data.append(
                    WeightedDatum(
                        namespace,
                        member["MetricName"],
                        float(value),
                        member.get("Dimensions", ()),
                        member.get("Timestamp"),
                        member.get("Unit"),
                        count=float(count),
                    )
                )
        if rest:
            original_put(self, namespace, rest)

    patches.append((models.CloudWatchBackend, "put_metric_data", put_metric_data))

    def get_metric_statistics(self: Any) -> Any:
        from moto.cloudwatch.exceptions import InvalidParameterCombination
        from moto.core.responses import ActionResult

        statistics = self._get_param("Statistics", [])
        extended = self._get_param("ExtendedStatistics", [])
        if not statistics and not extended:
            raise InvalidParameterCombination(
                "Must specify either Statistics or ExtendedStatistics"
            )
        for stat in extended:
            if parse_percentile(stat) is None:
                raise InvalidParameterValue(
                    f"The extended statistic {stat} is not supported locally"
                )
        metric_name = self._get_param("MetricName")
        datapoints = self.cloudwatch_backend.get_metric_statistics(
            self._get_param("Namespace"),
            metric_name,
            self._get_param("StartTime"),
            self._get_param("EndTime"),
            self._get_int_param("Period"),
            list(statistics) + list(extended),
            unit=self._get_param("Unit"),
            dimensions=self._get_param("Dimensions", []),
        )
        return ActionResult({"Label": metric_name, "Datapoints": datapoints})

    patches.append((responses.CloudWatchResponse, "get_metric_statistics", get_metric_statistics))
    for owner, attribute, value in patches:
        setattr(owner, attribute, value)
