"""Put the pieces together: calendars + rules + environments -> lags, scorecard, standings.

Pure functions over values, shared by the CLI commands and the agent job, and
:func:`status_report`, which also reads them (cache or snapshot, MWAA).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from mwaa_ops.versions.cache import Calendars, load_calendars
from mwaa_ops.versions.environments import EnvironmentVersion, read_environments
from mwaa_ops.versions.lag import VersionLag, version_lags
from mwaa_ops.versions.rules import UpgradeRules, load_upgrade_rules
from mwaa_ops.versions.scorecard import Period, Scorecard, scorecard
from mwaa_ops.versions.standing import Standing, standing


@dataclass(frozen=True)
class VersionsReport:
    as_of: date
    calendars: Calendars
    lags: list[VersionLag]
    card: Scorecard

    def to_json(self) -> dict[str, Any]:
        card = self.card
        return {
            "as_of": self.as_of,
            "target_days": card.target_days,
            "sources": {
                "community": _source(self.calendars.community, self.calendars.community_origin),
                "mwaa": _source(self.calendars.mwaa, self.calendars.mwaa_origin),
            },
            "versions": [
                {
                    "airflow_version": str(row.version),
                    "mwaa_available": row.available,
                    "mwaa_end_of_support": row.end_of_support,
                    "python": row.python or None,
                    "community_release": row.community_release,
                    "minor_x_y_0_release": row.minor_release,
                    "lag_exact_days": row.lag_exact_days,
                    "lag_minor_days": row.lag_minor_days,
                    "first_of_minor": row.first_of_minor,
                    "met_target": row.met_target,
                    "notes": row.notes or None,
                }
                for row in self.lags
            ],
            "minors": [
                {
                    "minor": o.label,
                    "x_y_0_release": o.released,
                    "first_mwaa_version": o.mwaa_version or None,
                    "mwaa_available": o.mwaa_available,
                    "lag_days": o.lag_days,
                    "days_waiting": o.days_waiting,
                    "outcome": o.outcome,
                }
                for o in card.outcomes
            ],
            "scorecard": {
                "all_time": card.all_time.to_json(),
                "last_12_months": card.last_12_months.to_json(),
                "skipped": [o.label for o in card.skipped],
                "waiting": [{"minor": o.label, "released": o.released, "days_waiting": o.days_waiting} for o in card.waiting],
                "current_lag_days": card.current_lag_days,
            },
        }


def _source(calendar: Any, origin: str) -> dict[str, Any]:
    return {"origin": origin, "url": calendar.source, "fetched_at": calendar.fetched_at}


def versions_report(calendars: Calendars, as_of: date) -> VersionsReport:
    """The calendar table with lags and the 30-day scorecard as of ``as_of``."""
    return VersionsReport(
        as_of=as_of,
        calendars=calendars,
        lags=version_lags(calendars.community, calendars.mwaa, as_of),
        card=scorecard(calendars.community, calendars.mwaa, as_of),
    )


def standings(
    environments: Iterable[EnvironmentVersion], calendars: Calendars, rules: UpgradeRules, as_of: date
) -> list[Standing]:
    """Each environment's standing as of ``as_of``."""
    return [
        standing(e.name, e.airflow_version, calendars.community, calendars.mwaa, rules, as_of, e.status)
        for e in environments
    ]


@dataclass(frozen=True)
class StatusReport:
    """Each environment's standing as of ``as_of``, and the calendars it was judged by."""

    as_of: date
    calendars: Calendars
    standings: list[Standing]

    def to_json(self) -> dict[str, Any]:
        return {"as_of": self.as_of, "environments": [s.to_json() for s in self.standings]}


def status_report(state_dir: Path, mwaa_client: Any, as_of: date, only: str | None = None) -> StatusReport:
    """Read the calendars (cache or snapshot), the upgrade rules and the environments
    from MWAA (``only`` that one, else all), and judge each environment as of ``as_of``."""
    calendars = load_calendars(state_dir)
    rules = load_upgrade_rules()
    environments = read_environments(mwaa_client, only)
    return StatusReport(as_of, calendars, standings(environments, calendars, rules, as_of))


def describe_period(period: Period, target_days: int) -> str:
    """One line for people: ``0 of 16 minors within 30 days; median 101 d, worst 232 d (2.11)``."""
    median = "-" if period.median_lag_days is None else f"{period.median_lag_days:g} d"
    worst = "-" if period.worst_lag_days is None else f"{period.worst_lag_days} d ({period.worst_minor})"
    return (
        f"{period.met} of {period.decided} minors within {target_days} days "
        f"({period.late} late, {period.skipped} skipped, {period.overdue} overdue, {period.pending} pending); "
        f"median lag {median}, worst {worst}"
    )
