"""MWAA's 30-day target scorecard: per community minor, did MWAA ship it in time?

Each community minor released on or after MWAA's launch (its first
availability date) gets one outcome as of a date:

- ``met``: first MWAA version of the minor available <= 30 days after X.Y.0;
- ``late``: shipped, but later than that;
- ``skipped``: never shipped, and a later minor of the same major is on MWAA;
- ``overdue``: not on MWAA, not superseded, more than 30 days since X.Y.0;
- ``pending``: not on MWAA yet, still within its 30 days (not scored yet).

The scorecard counts ``met`` out of all decided minors (every outcome but
``pending``), and gives the median and worst minor lag of the shipped ones,
over all time and over the 12 months before the as-of date (by X.Y.0 date).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date
from typing import Any

from mwaa_ops.versions.lag import TARGET_DAYS, first_of_each_minor
from mwaa_ops.versions.model import CommunityCalendar, Minor, MwaaCalendar, minor_label

MET, LATE, SKIPPED, OVERDUE, PENDING = "met", "late", "skipped", "overdue", "pending"


@dataclass(frozen=True, slots=True)
class MinorOutcome:
    minor: Minor
    released: date  # the community X.Y.0
    mwaa_version: str  # first MWAA version of the minor, "" if none
    mwaa_available: date | None
    lag_days: int | None  # shipped: availability - X.Y.0
    days_waiting: int | None  # not shipped: as_of - X.Y.0
    outcome: str

    @property
    def label(self) -> str:
        return minor_label(self.minor)


@dataclass(frozen=True, slots=True)
class Period:
    """Scorecard figures over one period."""

    name: str
    since: date | None
    decided: int
    met: int
    late: int
    skipped: int
    overdue: int
    pending: int
    shipped: int
    median_lag_days: float | None
    worst_lag_days: int | None
    worst_minor: str

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.name,
            "since": self.since,
            "met": self.met,
            "decided": self.decided,
            "shipped": self.shipped,
            "late": self.late,
            "skipped": self.skipped,
            "overdue": self.overdue,
            "pending": self.pending,
            "median_lag_days": self.median_lag_days,
            "worst_lag_days": self.worst_lag_days,
            "worst_minor": self.worst_minor or None,
        }


@dataclass(frozen=True)
class Scorecard:
    as_of: date
    target_days: int
    launch: date | None
    outcomes: tuple[MinorOutcome, ...]
    all_time: Period
    last_12_months: Period

    @property
    def waiting(self) -> list[MinorOutcome]:
        """Minors released by the community and not (yet) on MWAA, not superseded."""
        return [o for o in self.outcomes if o.outcome in (OVERDUE, PENDING)]

    @property
    def skipped(self) -> list[MinorOutcome]:
        return [o for o in self.outcomes if o.outcome == SKIPPED]

    @property
    def current_lag_days(self) -> int:
        """Days the oldest community minor not yet on MWAA has been waiting (0 if none)."""
        return max((o.days_waiting or 0 for o in self.waiting), default=0)


def one_year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def minor_outcomes(community: CommunityCalendar, mwaa: MwaaCalendar, as_of: date) -> list[MinorOutcome]:
    """One outcome per community minor released between MWAA's launch and ``as_of``."""
    launch = mwaa.launch()
    firsts = first_of_each_minor(mwaa, as_of)
    out: list[MinorOutcome] = []
    for minor, info in community.minors(as_of).items():
        released = info.first_release.released
        if launch is None or released < launch:
            continue
        first = firsts.get(minor)
        if first is not None:
            lag = (first.available - released).days
            outcome = MET if lag <= TARGET_DAYS else LATE
            out.append(MinorOutcome(minor, released, str(first.version), first.available, lag, None, outcome))
            continue
        waiting = (as_of - released).days
        superseded = any(m[0] == minor[0] and m > minor for m in firsts)
        outcome = SKIPPED if superseded else OVERDUE if waiting > TARGET_DAYS else PENDING
        out.append(MinorOutcome(minor, released, "", None, None, waiting, outcome))
    return out


def _period(name: str, since: date | None, outcomes: list[MinorOutcome]) -> Period:
    def count(kind: str) -> int:
        return sum(1 for o in outcomes if o.outcome == kind)

    shipped = [o for o in outcomes if o.lag_days is not None]
    lags = [o.lag_days for o in shipped if o.lag_days is not None]
    worst = max(shipped, key=lambda o: o.lag_days or 0, default=None)
    return Period(
        name=name,
        since=since,
        decided=sum(1 for o in outcomes if o.outcome != PENDING),
        met=count(MET),
        late=count(LATE),
        skipped=count(SKIPPED),
        overdue=count(OVERDUE),
        pending=count(PENDING),
        shipped=len(shipped),
        median_lag_days=float(statistics.median(lags)) if lags else None,
        worst_lag_days=worst.lag_days if worst else None,
        worst_minor=worst.label if worst else "",
    )


def scorecard(community: CommunityCalendar, mwaa: MwaaCalendar, as_of: date) -> Scorecard:
    """The 30-day target scorecard as of ``as_of``."""
    outcomes = minor_outcomes(community, mwaa, as_of)
    since = one_year_before(as_of)
    recent = [o for o in outcomes if o.released > since]
    return Scorecard(
        as_of=as_of,
        target_days=TARGET_DAYS,
        launch=mwaa.launch(),
        outcomes=tuple(outcomes),
        all_time=_period("all time", mwaa.launch(), outcomes),
        last_12_months=_period("last 12 months", since, recent),
    )
