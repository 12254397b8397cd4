"""StatsD in: the line parser, the per-interval aggregator and the UDP receiver."""

from __future__ import annotations

from mwaa_ops.statsd.aggregator import Aggregator, AggregatorStats
from mwaa_ops.statsd.parser import REJECT_REASONS, Metric, Rejected, parse_datagram, parse_line
from mwaa_ops.statsd.series import COUNTER, GAUGE, SET, TIMER, SeriesAggregate, Tags
from mwaa_ops.statsd.server import StatsdServer

__all__ = [
    "COUNTER",
    "GAUGE",
    "REJECT_REASONS",
    "SET",
    "TIMER",
    "Aggregator",
    "AggregatorStats",
    "Metric",
    "Rejected",
    "SeriesAggregate",
    "StatsdServer",
    "Tags",
    "parse_datagram",
    "parse_line",
]
