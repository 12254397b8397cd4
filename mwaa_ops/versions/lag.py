"""How long MWAA took to offer each Airflow version and each minor.

Definitions (see docs/versions.md):

- exact-version lag: MWAA availability of X.Y.Z minus the community release of X.Y.Z;
- minor lag: MWAA availability of X.Y.Z minus the community release of X.Y.0;
- the 30-day target applies per minor: it is met when the *first* MWAA version
  of a minor became available at most 30 days after that minor's X.Y.0. Later
  patches of a minor already on MWAA show their lags but the target does not
  apply to them.

Everything is computed "as of" a date: calendar entries after it are ignored,
so past and future dates can be checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from packaging.version import Version

from mwaa_ops.versions.model import CommunityCalendar, Minor, MwaaCalendar, MwaaVersion, minor_of

# MWAA's stated goal: offer each new Airflow minor within 30 days of its community release.
TARGET_DAYS = 30


@dataclass(frozen=True, slots=True)
class VersionLag:
    """One MWAA version with its community dates and lags (days; ``None`` when unknown)."""

    version: Version
    available: date
    end_of_support: date | None
    python: str
    notes: str
    community_release: date | None
    minor_release: date | None
    lag_exact_days: int | None
    lag_minor_days: int | None
    first_of_minor: bool
    met_target: bool | None  # only for the first MWAA version of a minor


def _days(later: date | None, earlier: date | None) -> int | None:
    return (later - earlier).days if later and earlier else None


def first_of_each_minor(mwaa: MwaaCalendar, as_of: date) -> dict[Minor, MwaaVersion]:
    """Per minor, the first MWAA version of it available by ``as_of``."""
    out: dict[Minor, MwaaVersion] = {}
    for item in sorted(mwaa.available_by(as_of), key=lambda v: (v.available, v.version)):
        out.setdefault(minor_of(item.version), item)
    return out


def version_lags(community: CommunityCalendar, mwaa: MwaaCalendar, as_of: date) -> list[VersionLag]:
    """Every MWAA version available by ``as_of`` with its lags, in version order."""
    minors = community.minors(as_of)
    firsts = first_of_each_minor(mwaa, as_of)
    launch = mwaa.launch()
    rows: list[VersionLag] = []
    for item in mwaa.available_by(as_of):
        exact = community.get(item.version)
        exact_date = exact.released if exact and exact.released <= as_of else None
        info = minors.get(minor_of(item.version))
        minor_date = info.first_release.released if info else None
        lag_minor = _days(item.available, minor_date)
        first = firsts.get(minor_of(item.version)) is item
        # A minor released before MWAA existed cannot be held to the target (as in the scorecard).
        scored = first and lag_minor is not None and not (
            launch and minor_date and minor_date < launch
        )
        rows.append(
            VersionLag(
                version=item.version,
                available=item.available,
                end_of_support=item.end_of_support,
                python=item.python,
                notes=item.notes,
                community_release=exact_date,
                minor_release=minor_date,
                lag_exact_days=_days(item.available, exact_date),
                lag_minor_days=lag_minor,
                first_of_minor=first,
                met_target=(lag_minor <= TARGET_DAYS) if scored and lag_minor is not None else None,
            )
        )
    return rows
