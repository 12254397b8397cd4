"""Where one Airflow series goes in CloudWatch."""

from __future__ import annotations

from dataclasses import dataclass

Dimensions = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Target:
    """A CloudWatch metric name, its dimensions and unit.

    ``dimensions`` is in the canonical order used by every writer and reader of
    mwaa-ops: sorted by dimension name (so ``DAG, Environment, Task``), and
    always includes ``Environment``. ``scale`` converts the StatsD value into
    ``unit`` (1.0 almost always).
    """

    metric: str
    dimensions: Dimensions
    unit: str
    scale: float = 1.0


def canonical(dimensions: dict[str, str] | Dimensions) -> Dimensions:
    """Dimensions in the one canonical order: sorted by name."""
    items = dimensions.items() if isinstance(dimensions, dict) else dimensions
    return tuple(sorted(items))
