"""Where an Airflow metric that the MWAA page does not map goes.

Fallback rule (docs/metric-names.md): CloudWatch metric name = the Airflow name
(the *base* name when the catalogue knows the metric's family); a name with
characters outside ``[A-Za-z0-9_.-]`` or longer than 255 characters has them
replaced by ``_``, is cut, and gets a short hash of the original as a suffix
(:func:`mwaa_ops.cloudwatch.names.metric_name`), so two names never merge into
one metric; dimensions = ``Environment`` plus the series' tags (or, for a
known family, its id variables), tag keys by the same rule, sorted by name, at
most 30 in all; unit from the StatsD type. Dimension values are kept as they
are here: :func:`mwaa_ops.cloudwatch.build_datums` rewrites the ones CloudWatch
refuses, for every metric alike.
"""

from __future__ import annotations

from collections.abc import Iterable

from mwaa_ops.airflow.target import Dimensions, Target, canonical
from mwaa_ops.cloudwatch.limits import MAX_DIMENSIONS
from mwaa_ops.cloudwatch.names import dimension_name
from mwaa_ops.cloudwatch.names import metric_name as metric_name

ENVIRONMENT = "Environment"

# StatsD aggregation kind -> CloudWatch unit for metrics the page does not map.
UNIT_BY_KIND = {
    "counter": "Count",
    "set": "Count",
    "timer": "Milliseconds",
    "gauge": "None",
}
DEFAULT_UNIT = "None"


def dimensions(environment: str, pairs: Iterable[tuple[str, str]]) -> Dimensions:
    """``Environment`` plus ``pairs`` (empty values skipped), canonical, capped at 30.

    When there are more than 29 pairs, the first 29 by name are kept: the same
    series always keeps the same dimensions.
    """
    dims: dict[str, str] = {}
    for name, value in pairs:
        if not name or not value:
            continue
        name = dimension_name(name)
        if name == ENVIRONMENT or name in dims:
            continue
        dims[name] = value
    kept = sorted(dims.items())[: MAX_DIMENSIONS - 1]
    return canonical(((ENVIRONMENT, environment), *kept))


def target(environment: str, name: str, pairs: Iterable[tuple[str, str]], kind: str) -> Target:
    """The fallback target of one series."""
    return Target(metric_name(name), dimensions(environment, pairs), UNIT_BY_KIND.get(kind, DEFAULT_UNIT))
