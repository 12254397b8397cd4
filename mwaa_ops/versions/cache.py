"""The on-disk cache of both calendars under ``<state_dir>/versions/``.

Each calendar is one JSON file carrying its source URL and ``fetched_at``
time. Files are replaced atomically (write, then rename), so a failed or
interrupted refresh always leaves the previous cache intact. Readers take,
per calendar, whichever is fresher: the cache or the snapshot shipped with
the package.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mwaa_ops.errors import SourceFormatError
from mwaa_ops.versions.model import CommunityCalendar, MwaaCalendar
from mwaa_ops.versions.serial import (
    community_from_json,
    community_to_json,
    mwaa_from_json,
    mwaa_to_json,
)
from mwaa_ops.versions.snapshot import load_snapshot

COMMUNITY_FILE = "community.json"
MWAA_FILE = "mwaa.json"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def cache_dir(state_dir: Path) -> Path:
    return Path(state_dir) / "versions"


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # an unreadable cache is as good as none; the snapshot stands in
    return data if isinstance(data, dict) else None


def _write(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=1)
            out.write("\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_community(state_dir: Path) -> CommunityCalendar | None:
    path = cache_dir(state_dir) / COMMUNITY_FILE
    data = _read(path)
    try:
        return community_from_json(data, str(path)) if data else None
    except SourceFormatError:
        return None


def read_mwaa(state_dir: Path) -> MwaaCalendar | None:
    path = cache_dir(state_dir) / MWAA_FILE
    data = _read(path)
    try:
        return mwaa_from_json(data, str(path)) if data else None
    except SourceFormatError:
        return None


def write_community(state_dir: Path, calendar: CommunityCalendar) -> None:
    _write(cache_dir(state_dir) / COMMUNITY_FILE, community_to_json(calendar))


def write_mwaa(state_dir: Path, calendar: MwaaCalendar) -> None:
    _write(cache_dir(state_dir) / MWAA_FILE, mwaa_to_json(calendar))


@dataclass(frozen=True)
class Calendars:
    """Both calendars and where each came from (``cache`` or ``snapshot``)."""

    community: CommunityCalendar
    mwaa: MwaaCalendar
    community_origin: str
    mwaa_origin: str


def _fresher(cached: Any, shipped: Any) -> tuple[Any, str]:
    if cached is not None and (cached.fetched_at or _EPOCH) >= (shipped.fetched_at or _EPOCH):
        return cached, "cache"
    return shipped, "snapshot"


def load_calendars(state_dir: Path) -> Calendars:
    """Both calendars for offline use: the cache where it is at least as fresh as the snapshot."""
    shipped_community, shipped_mwaa, _ = load_snapshot()
    community, community_origin = _fresher(read_community(state_dir), shipped_community)
    mwaa, mwaa_origin = _fresher(read_mwaa(state_dir), shipped_mwaa)
    return Calendars(community, mwaa, community_origin, mwaa_origin)
