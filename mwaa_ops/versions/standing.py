"""Where one environment's Airflow version stands on a date.

Support status from the days left until the version's MWAA end of support:
more than 180 days (or none announced) is ``ok``; at most 180 ``notice``; at
most 90 ``warning``; at most 30 ``critical``; after the date ``unsupported``.
A version MWAA never listed is ``unknown``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from packaging.version import InvalidVersion, Version

from mwaa_ops.versions.model import CommunityCalendar, MwaaCalendar, minor_of
from mwaa_ops.versions.paths import UpgradePath, upgrade_path
from mwaa_ops.versions.rules import UpgradeRules

# Days before end of support at which the status changes. MWAA announces end of
# support at least 180 days ahead (user guide, "Apache Airflow version support").
NOTICE_DAYS = 180
WARNING_DAYS = 90
CRITICAL_DAYS = 30

OK, NOTICE, WARNING, CRITICAL, UNSUPPORTED, UNKNOWN = (
    "ok", "notice", "warning", "critical", "unsupported", "unknown",
)
# Numeric level per status, for metrics and alarms (higher is worse).
LEVELS = {OK: 0, NOTICE: 1, WARNING: 2, CRITICAL: 3, UNSUPPORTED: 4, UNKNOWN: 5}


def support_status(days_left: int | None, known: bool = True) -> str:
    """The support status for ``days_left`` until end of support (``None``: none announced)."""
    if not known:
        return UNKNOWN
    if days_left is None or days_left > NOTICE_DAYS:
        return OK
    if days_left < 0:
        return UNSUPPORTED
    if days_left <= CRITICAL_DAYS:
        return CRITICAL
    if days_left <= WARNING_DAYS:
        return WARNING
    return NOTICE


@dataclass(frozen=True)
class Standing:
    environment: str
    environment_status: str  # MWAA's own status (AVAILABLE, UPDATING, ...)
    as_of: date
    current: str
    newest_mwaa: str
    newest_community: str
    minors_behind: int | None  # community minors newer than the current one
    minors_behind_mwaa: int | None  # MWAA-offered minors newer than the current one
    days_behind_newest_mwaa: int | None  # days since MWAA first offered a newer version
    end_of_support: date | None
    days_to_end_of_support: int | None
    status: str
    path: UpgradePath | None

    @property
    def level(self) -> int:
        return LEVELS[self.status]

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "environment_status": self.environment_status,
            "as_of": self.as_of,
            "airflow_version": self.current,
            "newest_mwaa_version": self.newest_mwaa or None,
            "newest_community_version": self.newest_community or None,
            "minors_behind": self.minors_behind,
            "minors_behind_mwaa": self.minors_behind_mwaa,
            "days_behind_newest_mwaa": self.days_behind_newest_mwaa,
            "end_of_support": self.end_of_support,
            "days_to_end_of_support": self.days_to_end_of_support,
            "status": self.status,
            "upgrade_path": self.path.to_json() if self.path else None,
        }


def standing(
    environment: str,
    airflow_version: str,
    community: CommunityCalendar,
    mwaa: MwaaCalendar,
    rules: UpgradeRules,
    as_of: date,
    environment_status: str = "",
) -> Standing:
    """The standing of one environment running ``airflow_version`` on ``as_of``."""
    newest_mwaa = mwaa.newest(as_of)
    newest_community = community.newest(as_of)
    try:
        current: Version | None = Version(airflow_version)
    except InvalidVersion:
        current = None
    entry = mwaa.get(current) if current else None
    days_left = (entry.end_of_support - as_of).days if entry and entry.end_of_support else None
    status = support_status(days_left, known=entry is not None)
    minors_behind = minors_behind_mwaa = days_behind = None
    path = None
    if current is not None:
        here = minor_of(current)
        minors_behind = sum(1 for m in community.minors(as_of) if m > here)
        minors_behind_mwaa = len({minor_of(v.version) for v in mwaa.supported(as_of) if minor_of(v.version) > here})
        newer = [v.available for v in mwaa.available_by(as_of) if v.version > current]
        days_behind = (as_of - min(newer)).days if newer else 0
        path = upgrade_path(current, mwaa, rules, as_of)
    return Standing(
        environment=environment,
        environment_status=environment_status,
        as_of=as_of,
        current=airflow_version,
        newest_mwaa=str(newest_mwaa.version) if newest_mwaa else "",
        newest_community=str(newest_community.version) if newest_community else "",
        minors_behind=minors_behind,
        minors_behind_mwaa=minors_behind_mwaa,
        days_behind_newest_mwaa=days_behind,
        end_of_support=entry.end_of_support if entry else None,
        days_to_end_of_support=days_left,
        status=status,
        path=path,
    )
