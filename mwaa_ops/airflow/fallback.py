"""Where an Airflow metric that the MWAA page does not map goes.

Fallback rule (docs/metric-names.md): CloudWatch metric name = the Airflow name
(the *base* name when the catalogue knows the metric's family), characters
outside ``[A-Za-z0-9_.-]`` replaced by ``_``, cut to 255 characters; dimensions
= ``Environment`` plus the series' tags (or, for a known family, its id
variables), sorted by name, at most 30 in all; unit from the StatsD type.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mwaa_ops.airflow.target import Dimensions, Target, canonical
from mwaa_ops.cloudwatch.limits import (
    MAX_DIMENSION_NAME_LENGTH,
    MAX_DIMENSION_VALUE_LENGTH,
    MAX_DIMENSIONS,
    MAX_METRIC_NAME_LENGTH,
)

ENVIRONMENT = "Environment"

# StatsD aggregation kind -> CloudWatch unit for metrics the page does not map.
UNIT_BY_KIND = {
    "counter": "Count",
    "set": "Count",
    "timer": "Milliseconds",
    "gauge": "None",
}
DEFAULT_UNIT = "None"

_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]")


def metric_name(name: str) -> str:
    """A CloudWatch-safe metric name for an Airflow name."""
    return _UNSAFE.sub("_", name)[:MAX_METRIC_NAME_LENGTH] or "_"


def dimensions(environment: str, pairs: Iterable[tuple[str, str]]) -> Dimensions:
    """``Environment`` plus ``pairs`` (empty values skipped), canonical, capped at 30.

    When there are more than 29 pairs, the first 29 by name are kept: the same
    series always keeps the same dimensions.
    """
    dims: dict[str, str] = {}
    for name, value in pairs:
        name = _UNSAFE.sub("_", name)[:MAX_DIMENSION_NAME_LENGTH]
        if not name or not value or name == ENVIRONMENT or name in dims:
            continue
        dims[name] = value[:MAX_DIMENSION_VALUE_LENGTH]
    kept = sorted(dims.items())[: MAX_DIMENSIONS - 1]
    return canonical(((ENVIRONMENT, environment), *kept))


def target(environment: str, name: str, pairs: Iterable[tuple[str, str]], kind: str) -> Target:
    """The fallback target of one series."""
    return Target(metric_name(name), dimensions(environment, pairs), UNIT_BY_KIND.get(kind, DEFAULT_UNIT))
