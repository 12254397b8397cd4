"""One flush interval's work: aggregated series → MWAA names → datums → publisher.

Pure apart from what it is handed, so tests drive it with fakes at any instant.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from mwaa_ops.airflow.target import Target
from mwaa_ops.cloudwatch.datum import Datum
from mwaa_ops.logs import event
from mwaa_ops.statsd.series import SeriesAggregate
from mwaa_ops.telemetry import Telemetry

log = logging.getLogger("mwaa_ops.agent")


class _Aggregator(Protocol):
    def flush(self) -> list[SeriesAggregate]: ...


class _Mapper(Protocol):
    def resolve_series(self, series: Sequence[SeriesAggregate]) -> list[tuple[Target, ...]]: ...


BuildDatums = Callable[..., tuple[list[Datum], dict[str, int]]]


def consume(items: list[Any]) -> Iterator[Any]:
    """Yield ``items`` in order, removing each from the list as it goes.

    The flush hands the aggregates and their targets to ``build_datums`` this
    way, so each aggregate is released once merged instead of living until all
    100,000 datums exist (issue 15: the flush's peak).
    """
    items.reverse()
    while items:
        yield items.pop()


def interval_start(now: float, interval: float) -> float:
    """Start of the interval that contains ``now`` (intervals aligned to the epoch)."""
    return math.floor(now / interval) * interval


def next_boundary(now: float, interval: float) -> float:
    """The first interval boundary strictly after ``now``."""
    return interval_start(now, interval) + interval


@dataclass
class FlushResult:
    timestamp: float
    series: int
    datums: int
    dropped: dict[str, int] = field(default_factory=dict)


class FlushCycle:
    """Turns what the aggregator holds into datums and hands them to ``submit``.

    ``submit`` is ``Publisher.submit``, which writes the interval to the spool
    before returning (disk first, docs/delivery.md): once :meth:`run` returns,
    the interval survives a SIGKILL, whatever the network does.

    ``own_datums(timestamp)`` (the agent's self-metrics) is called once this
    interval's counts are recorded; its datums go in the same ``submit``, so an
    interval costs the minimum number of PutMetricData calls (issue 15).
    """

    def __init__(
        self,
        aggregator: _Aggregator,
        mapper: _Mapper,
        submit: Callable[[list[Datum]], Any],
        build_datums: BuildDatums,
        *,
        storage_resolution: int,
        telemetry: Telemetry,
        own_datums: Callable[[float], list[Datum]] | None = None,
    ) -> None:
        self._own_datums = own_datums
        self._aggregator = aggregator
        self._mapper = mapper
        self._submit = submit
        self._build_datums = build_datums
        self._resolution = storage_resolution
        self._telemetry = telemetry

    def run(self, timestamp: float) -> FlushResult:
        """Flush the interval that starts at ``timestamp``."""
        series = self._aggregator.flush()
        # Targets aligned with the series list: no per-key dict for 100k series.
        targets = self._mapper.resolve_series(series) if series else []
        rewritten: dict[str, int] = {}
        n_series = len(series)
        datums, dropped = self._build_datums(
            consume(series), consume(targets), timestamp=timestamp, storage_resolution=self._resolution,
            rewritten=rewritten,
        )
        if rewritten:
            self._telemetry.add_many("dimension_values_rewritten", rewritten, "reason")
        self._telemetry.inc("flushes")
        self._telemetry.inc("datums_aggregated", len(datums))
        if dropped:
            self._telemetry.add_many("datums_dropped", dropped, "reason")
        result = FlushResult(timestamp, n_series, len(datums), dict(dropped))
        if self._own_datums is not None:
            datums.extend(self._own_datums(timestamp))
        if datums:
            self._submit(datums)
        event(
            log,
            logging.DEBUG,
            "flush",
            timestamp=int(timestamp),
            series=result.series,
            datums=result.datums,
            dropped=sum(dropped.values()),
        )
        return result
