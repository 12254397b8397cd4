"""What the aggregator hands over at the end of an interval."""

from __future__ import annotations

from dataclasses import dataclass, field

Tags = tuple[tuple[str, str], ...]

# Aggregation kinds. Histograms ("h") and distributions ("d") aggregate as timers.
COUNTER = "counter"
GAUGE = "gauge"
SET = "set"
TIMER = "timer"


@dataclass(slots=True)
class SeriesAggregate:
    """One series (a name without the StatsD prefix, plus its sorted tags) over one interval.

    ``value``: the counter sum with sample rates applied, the gauge's last value
    (deltas applied) or the number of distinct set members. ``samples``: for
    timers, each distinct value and how many times it was seen (weighted by
    1/sample rate); empty for the other kinds. ``unit_hint`` is "ms" for
    timers, "" otherwise.
    """

    name: str
    tags: Tags
    kind: str
    value: float = 0.0
    samples: dict[float, float] = field(default_factory=dict)
    unit_hint: str = ""

    @property
    def key(self) -> tuple[str, Tags]:
        return (self.name, self.tags)
