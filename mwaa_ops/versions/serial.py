"""JSON form of the calendars, shared by the on-disk cache and the shipped snapshot."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from packaging.version import Version

from mwaa_ops.errors import SourceFormatError
from mwaa_ops.versions.model import CommunityCalendar, MwaaCalendar, MwaaVersion, Release


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def community_to_json(calendar: CommunityCalendar) -> dict[str, Any]:
    return {
        "source": calendar.source,
        "fetched_at": calendar.fetched_at.isoformat() if calendar.fetched_at else None,
        "releases": [
            {"version": str(r.version), "released": r.released.isoformat(), "yanked": r.yanked}
            for r in sorted(calendar.releases, key=lambda r: r.version)
        ],
    }


def community_from_json(data: dict[str, Any], where: str) -> CommunityCalendar:
    try:
        releases = tuple(
            Release(Version(item["version"]), date.fromisoformat(item["released"]), bool(item.get("yanked")))
            for item in data["releases"]
        )
        return CommunityCalendar(releases, data.get("source", ""), _moment(data.get("fetched_at")))
    except (KeyError, TypeError, ValueError) as exc:
        raise SourceFormatError(f"{where}: not a community calendar ({exc!r})") from None


def mwaa_to_json(calendar: MwaaCalendar) -> dict[str, Any]:
    return {
        "source": calendar.source,
        "fetched_at": calendar.fetched_at.isoformat() if calendar.fetched_at else None,
        "versions": [
            {
                "version": str(v.version),
                "available": v.available.isoformat(),
                "end_of_support": v.end_of_support.isoformat() if v.end_of_support else None,
                "python": v.python,
                "notes": v.notes,
            }
            for v in calendar.ordered()
        ],
    }


def mwaa_from_json(data: dict[str, Any], where: str) -> MwaaCalendar:
    try:
        versions = tuple(
            MwaaVersion(
                Version(item["version"]),
                date.fromisoformat(item["available"]),
                _day(item.get("end_of_support")),
                item.get("python", ""),
                item.get("notes", ""),
            )
            for item in data["versions"]
        )
        return MwaaCalendar(versions, data.get("source", ""), _moment(data.get("fetched_at")))
    except (KeyError, TypeError, ValueError) as exc:
        raise SourceFormatError(f"{where}: not an MWAA calendar ({exc!r})") from None
