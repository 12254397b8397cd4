"""Refresh both calendars from their sources and report what changed.

Each source is fetched and parsed on its own: a source that is unreachable or
whose format changed is reported with its error and its cache is left as it
was; the other source still refreshes. Changes are computed against the
previous calendar (the cache, or the shipped snapshot if there is no cache):
a new version, a version gone, a moved date.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

from packaging.version import Version

from mwaa_ops.config import Config
from mwaa_ops.errors import SourceError
from mwaa_ops.versions import cache
from mwaa_ops.versions.community import _pip_config_index_url, fetch_community, resolve_index_url
from mwaa_ops.versions.fetch import Fetcher, http_get
from mwaa_ops.versions.model import CommunityCalendar, MwaaCalendar
from mwaa_ops.versions.mwaa_page import fetch_mwaa_calendar

COMMUNITY = "community"
MWAA = "mwaa"


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between the previous and the fetched calendar."""

    kind: str  # "new_version" | "removed_version" | "moved_date"
    version: str
    field: str = ""
    old: str = ""
    new: str = ""

    def describe(self) -> str:
        if self.kind == "moved_date":
            return f"{self.version}: {self.field} moved {self.old or '(none)'} -> {self.new or '(none)'}"
        if self.kind == "new_version":
            return f"{self.version}: new ({self.field} {self.new})"
        return f"{self.version}: no longer listed"


@dataclass
class SourceResult:
    name: str
    url: str
    ok: bool = False
    error: str = ""
    versions: int = 0
    changes: list[Change] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.name,
            "url": self.url,
            "ok": self.ok,
            "error": self.error or None,
            "versions": self.versions,
            "changes": [
                {"kind": c.kind, "version": c.version, "field": c.field or None, "old": c.old or None, "new": c.new or None}
                for c in self.changes
            ],
        }


@dataclass
class RefreshReport:
    fetched_at: datetime
    results: list[SourceResult]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def to_json(self) -> dict[str, Any]:
        return {"fetched_at": self.fetched_at, "ok": self.ok, "sources": [r.to_json() for r in self.results]}


def _iso(value: Any) -> str:
    return value.isoformat() if value is not None else ""


def _diff(before: Mapping[Version, Any], after: Mapping[Version, Any], fields: tuple[str, ...]) -> list[Change]:
    """Versions added, gone, and moved ``fields`` (dates); ``fields[0]`` dates a new version."""
    changes: list[Change] = []
    for version in sorted(after.keys() | before.keys()):
        if version not in before:
            changes.append(Change("new_version", str(version), fields[0], "", _iso(getattr(after[version], fields[0]))))
        elif version not in after:
            changes.append(Change("removed_version", str(version)))
        else:
            for name in fields:
                was, now = getattr(before[version], name), getattr(after[version], name)
                if was != now:
                    changes.append(Change("moved_date", str(version), name, _iso(was), _iso(now)))
    return changes


def diff_community(old: CommunityCalendar | None, new: CommunityCalendar) -> list[Change]:
    before = {r.version: r for r in old.releases} if old else {}
    return _diff(before, {r.version: r for r in new.releases}, ("released",))


def diff_mwaa(old: MwaaCalendar | None, new: MwaaCalendar) -> list[Change]:
    before = {v.version: v for v in old.versions} if old else {}
    return _diff(before, {v.version: v for v in new.versions}, ("available", "end_of_support"))


def merge_mwaa(old: MwaaCalendar | None, new: MwaaCalendar) -> MwaaCalendar:
    """The fetched calendar, plus history the page no longer lists and the notes kept so far.

    The versions page drops versions some time after their end of support; the
    lag history and scorecard still need them, so they stay (reported as
    "no longer listed" by the diff).
    """
    if old is None:
        return new
    versions = {v.version: v for v in new.versions}
    for item in old.versions:
        if item.version not in versions:
            versions[item.version] = item
        elif item.notes and not versions[item.version].notes:
            versions[item.version] = replace(versions[item.version], notes=item.notes)
    return MwaaCalendar(tuple(versions.values()), new.source, new.fetched_at)


Progress = Callable[[str, str], None]  # (source name, "start" | "done" | "failed")


def _noop(name: str, event: str) -> None:
    return None


_Fetched = TypeVar("_Fetched")


def _refresh_source(
    result: SourceResult,
    fetch: Callable[[], _Fetched],
    keep: Callable[[_Fetched], None],
    progress: Progress,
) -> None:
    """Fetch one source and ``keep`` it (diff, cache); a :class:`SourceError` is recorded in ``result``."""
    progress(result.name, "start")
    try:
        fetched = fetch()
    except SourceError as exc:
        result.error = str(exc)
        progress(result.name, "failed")
        return
    keep(fetched)
    result.ok = True
    progress(result.name, "done")


def refresh_calendars(
    config: Config,
    now: datetime,
    *,
    environ: Mapping[str, str] | None = None,
    fetcher: Fetcher = http_get,
    pip_config: Callable[[], str] = _pip_config_index_url,
    progress: Progress = _noop,
) -> RefreshReport:
    """Fetch both calendars, update the cache for each one that parsed, report the changes."""
    state_dir = config.state_dir
    timeout = config.versions.fetch_timeout_seconds
    previous = cache.load_calendars(state_dir)
    index_url = resolve_index_url(config, environ, pip_config)

    community = SourceResult(COMMUNITY, index_url)

    def keep_community(fetched: CommunityCalendar) -> None:
        community.url = fetched.source
        community.changes = diff_community(previous.community, fetched)
        community.versions = len(fetched.releases)
        cache.write_community(state_dir, fetched)

    _refresh_source(
        community,
        lambda: fetch_community(index_url, timeout=timeout, now=now, fetcher=fetcher),
        keep_community,
        progress,
    )

    mwaa_url = config.versions.mwaa_versions_url
    mwaa = SourceResult(MWAA, mwaa_url)

    def keep_mwaa(fetched: MwaaCalendar) -> None:
        mwaa.changes = diff_mwaa(previous.mwaa, fetched)
        merged = merge_mwaa(previous.mwaa, fetched)
        mwaa.versions = len(merged.versions)
        cache.write_mwaa(state_dir, merged)

    _refresh_source(
        mwaa,
        lambda: fetch_mwaa_calendar(mwaa_url, timeout=timeout, now=now, fetcher=fetcher),
        keep_mwaa,
        progress,
    )
    return RefreshReport(now, [community, mwaa])
