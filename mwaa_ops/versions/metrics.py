"""The version figures as CloudWatch datums, one set per environment.

Metric names and what they mean (all dimensioned by ``Environment``):

- ``DaysBehindNewestMwaa``: days since MWAA first offered a version newer than
  the environment's (0 when it runs the newest);
- ``MinorsBehind``: community minors newer than the environment's minor;
- ``MinorsBehindMwaa``: MWAA-supported minors newer than the environment's;
- ``DaysToEndOfSupport``: days left (negative after the date); omitted when
  no end of support is announced, so an alarm treats it as missing data;
- ``VersionSupportLevel``: 0 ok, 1 notice, 2 warning, 3 critical,
  4 unsupported, 5 unknown version;
- ``MwaaTargetLagDays``: days the oldest community minor not yet on MWAA has
  been waiting (0 when none waits): MWAA's current lag against its 30-day target.
"""

from __future__ import annotations

from collections.abc import Iterable

from mwaa_ops.airflow.target import canonical
from mwaa_ops.cloudwatch.datum import Datum
from mwaa_ops.versions.scorecard import Scorecard
from mwaa_ops.versions.standing import Standing

# CloudWatch has no "Days" unit; day figures go out as plain numbers.
_DAYS_UNIT = "None"
_COUNT_UNIT = "Count"


def version_datums(
    standings: Iterable[Standing],
    card: Scorecard,
    *,
    timestamp: float,
    storage_resolution: int = 60,
) -> list[Datum]:
    """Datums for every environment's standing; dimensions in canonical order.

    They carry no namespace: the publisher sends them to its own (the configured one).
    """
    out: list[Datum] = []
    for item in standings:
        dimensions = canonical({"Environment": item.environment})
        figures: list[tuple[str, float | None, str]] = [
            ("DaysBehindNewestMwaa", item.days_behind_newest_mwaa, _DAYS_UNIT),
            ("MinorsBehind", item.minors_behind, _COUNT_UNIT),
            ("MinorsBehindMwaa", item.minors_behind_mwaa, _COUNT_UNIT),
            ("DaysToEndOfSupport", item.days_to_end_of_support, _DAYS_UNIT),
            ("VersionSupportLevel", item.level, "None"),
            ("MwaaTargetLagDays", card.current_lag_days, _DAYS_UNIT),
        ]
        for metric, value, unit in figures:
            if value is None:
                continue
            out.append(
                Datum(
                    metric=metric,
                    dimensions=dimensions,
                    timestamp=timestamp,
                    unit=unit,
                    value=float(value),
                    storage_resolution=storage_resolution,
                )
            )
    return out
