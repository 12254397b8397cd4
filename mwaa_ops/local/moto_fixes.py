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
  (a broken ``Dimension.__lt__``).

:func:`apply_cloudwatch_fixes` patches those classes in place, once per
process; the local endpoint calls it before its first moto request. The
integration tests in ``tests/integration/local`` check every fix over HTTP,
so a moto upgrade that changes these internals fails there, loudly.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Iterator
from typing import Any

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


def apply_cloudwatch_fixes() -> None:
    """Patch moto's CloudWatch models and responses (idempotent)."""
    global _applied
    with _lock:
        if _applied:
            return
        _patch()
        _applied = True


def _patch() -> None:
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
