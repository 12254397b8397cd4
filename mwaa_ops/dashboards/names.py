"""Which metrics mwaa-ops (and MWAA) publish, with their dimension names and units.

A dashboard may only reference a metric in the configured namespace when it
is in this registry (or the widget marks it ``custom: true``). The registry is
built from the same MWAA name catalogue the mapper uses
(:func:`mwaa_ops.airflow.catalogue.load_catalogue`), plus the agent's own
metrics (:data:`mwaa_ops.agent.self_metrics.PUBLISHED`) and the version
metrics (:mod:`mwaa_ops.versions.metrics`). Every published metric carries
``Environment``; dimensions are in canonical order (sorted by name,
:func:`mwaa_ops.airflow.target.canonical`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from mwaa_ops.agent.self_metrics import AGENT_FUNCTION, PUBLISHED
from mwaa_ops.airflow.catalogue import TEMPLATE_VARIABLE, load_catalogue

ENVIRONMENT_DIMENSION = "Environment"

# Published by the versions job (mwaa_ops/versions/metrics.py), dimension Environment only.
VERSION_METRICS: Mapping[str, str] = {
    "DaysBehindNewestMwaa": "None",
    "MinorsBehind": "Count",
    "MinorsBehindMwaa": "Count",
    "DaysToEndOfSupport": "None",
    "VersionSupportLevel": "None",
    "MwaaTargetLagDays": "None",
}


@dataclass(frozen=True)
class DimensionSet:
    """One way a metric is published: dimension name -> literal value, or None when variable."""

    values: tuple[tuple[str, str | None], ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.values)

    def describe(self) -> str:
        return ", ".join(f"{n}={v}" if v is not None else n for n, v in self.values)


@dataclass(frozen=True)
class MetricInfo:
    """A published metric: its unit, kind (counter/gauge/timer) and dimension sets."""

    name: str
    unit: str
    kind: str
    dimension_sets: tuple[DimensionSet, ...]

    def match(self, dimensions: Mapping[str, str]) -> DimensionSet | None:
        """The dimension set ``dimensions`` (Environment included) fits, if any."""
        for candidate in self.dimension_sets:
            if set(candidate.names) != set(dimensions):
                continue
            if all(v is None or dimensions[n] == v or "{" in dimensions[n]
                   for n, v in candidate.values):
                return candidate
        return None


def _dimset(pairs: Mapping[str, str | None]) -> DimensionSet:
    return DimensionSet(tuple(sorted(pairs.items())))


@lru_cache(maxsize=1)
def registry() -> Mapping[str, MetricInfo]:
    """Every metric name mwaa-ops publishes, by CloudWatch name."""
    found: dict[str, tuple[str, str, set[DimensionSet]]] = {}
    for row in load_catalogue().rows:
        pairs: dict[str, str | None] = {ENVIRONMENT_DIMENSION: None}
        for name, value in row.dimensions:
            pairs[name] = None if TEMPLATE_VARIABLE.search(value) else value
        entry = found.setdefault(row.cloudwatch_metric, (row.unit, row.kind, set()))
        entry[2].add(_dimset(pairs))
    for metric, unit in PUBLISHED.values():
        found[metric] = (unit, "agent", {_dimset({ENVIRONMENT_DIMENSION: None,
                                                  "Function": AGENT_FUNCTION})})
    for metric, unit in VERSION_METRICS.items():
        found[metric] = (unit, "gauge", {_dimset({ENVIRONMENT_DIMENSION: None})})
    return {
        name: MetricInfo(name, unit, kind, tuple(sorted(sets, key=lambda s: s.values)))
        for name, (unit, kind, sets) in sorted(found.items())
    }


def closest(name: str, limit: int = 3) -> list[str]:
    """Known names that look like ``name`` (for "did you mean")."""
    import difflib

    return difflib.get_close_matches(name, list(registry()), n=limit, cutoff=0.6)
