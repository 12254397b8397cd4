"""The community calendar from the package index JSON simple API.

PEP 691 defines the JSON form of the simple repository API; PEP 700 (API
version 1.1) adds each file's ``upload-time``. A release's date is the
earliest upload time of any of its files. Pre-releases, development and post
releases are skipped: the calendar lists final X.Y.Z versions only.

The index URL follows the user's pip setup so that mirrors work.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from mwaa_ops.config import Config
from mwaa_ops.errors import SourceFormatError
from mwaa_ops.versions.fetch import Fetcher, http_get
from mwaa_ops.versions.model import CommunityCalendar, Release

PROJECT = "apache-airflow"
DEFAULT_INDEX_URL = "https://pypi.org/simple/"
# PEP 691: the JSON serialisation of the simple API, version 1.
ACCEPT = "application/vnd.pypi.simple.v1+json"
_JSON_TYPES = {ACCEPT, "application/json"}
# Old sdists of Airflow are named "apache-airflow-1.10.0.tar.gz", which packaging rejects.
_LEGACY_SDIST = re.compile(r"^apache[-_]airflow-(?P<version>[^-]+?)\.(tar\.gz|zip|tar\.bz2)$", re.I)

PipConfigReader = Callable[[], str]


def _pip_config_index_url() -> str:
    """``pip config get global.index-url``, or ``""`` when pip has none set (or no pip)."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pip", "config", "get", "global.index-url"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def resolve_index_url(
    config: Config,
    environ: Mapping[str, str] | None = None,
    pip_config: PipConfigReader = _pip_config_index_url,
) -> str:
    """The package index to read: ``versions.index_url``, then ``PIP_INDEX_URL``,
    then pip's ``global.index-url``, then PyPI."""
    env = os.environ if environ is None else environ
    for candidate in (config.versions.index_url, env.get("PIP_INDEX_URL", "")):
        if candidate:
            return candidate
    return pip_config() or DEFAULT_INDEX_URL


def project_url(index_url: str) -> str:
    return index_url.rstrip("/") + f"/{PROJECT}/"


def _version_of(filename: str) -> Version | None:
    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[1]
        return parse_sdist_filename(filename)[1]
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        match = _LEGACY_SDIST.match(filename)
        if match:
            try:
                return Version(match.group("version"))
            except InvalidVersion:
                return None
    return None


def _upload_time(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise SourceFormatError(f"{where}: 'upload-time' is {value!r}, expected an ISO 8601 string")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise SourceFormatError(f"{where}: 'upload-time' {value!r} is not ISO 8601") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_simple_json(payload: bytes | str | Mapping[str, Any], source: str = "") -> CommunityCalendar:
    """The community calendar from a PEP 691 project page.

    Raises :class:`SourceFormatError` naming what was expected when the answer
    is not PEP 691 JSON, has no files, or lacks PEP 700 ``upload-time``.
    """
    where = source or "package index answer"
    if isinstance(payload, Mapping):
        data: Any = payload
    else:
        try:
            data = json.loads(payload)
        except (ValueError, UnicodeDecodeError) as exc:
            raise SourceFormatError(f"{where}: expected PEP 691 JSON, got unparseable text ({exc})") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("meta"), Mapping):
        raise SourceFormatError(f"{where}: expected a PEP 691 object with 'meta' and 'files'")
    files = data.get("files")
    if not isinstance(files, list) or not files:
        raise SourceFormatError(f"{where}: expected a non-empty 'files' list (PEP 691)")
    earliest: dict[Version, datetime] = {}
    yanked: dict[Version, bool] = {}
    timed = 0
    for index, item in enumerate(files):
        if not isinstance(item, Mapping) or not isinstance(item.get("filename"), str):
            raise SourceFormatError(f"{where}: files[{index}] has no 'filename'")
        version = _version_of(item["filename"])
        if version is None or version.is_prerelease or version.is_devrelease or version.is_postrelease:
            continue
        if "upload-time" not in item:
            continue
        timed += 1
        uploaded = _upload_time(item["upload-time"], f"{where}: {item['filename']}")
        if version not in earliest or uploaded < earliest[version]:
            earliest[version] = uploaded
        # A version counts as yanked only when every one of its files is.
        yanked[version] = yanked.get(version, True) and bool(item.get("yanked"))
    if not timed:
        api = data["meta"].get("api-version", "?")
        raise SourceFormatError(
            f"{where}: no file carries 'upload-time' (PEP 700, simple API 1.1; index speaks {api})"
        )
    releases = tuple(
        Release(version, moment.astimezone(UTC).date(), yanked[version])
        for version, moment in sorted(earliest.items())
    )
    return CommunityCalendar(releases, source=source)


def fetch_community(
    index_url: str,
    *,
    timeout: float,
    now: datetime,
    fetcher: Fetcher = http_get,
) -> CommunityCalendar:
    """Fetch and parse the community calendar from ``index_url``."""
    url = project_url(index_url)
    answer = fetcher(url, ACCEPT, timeout)
    if answer.content_type and answer.content_type not in _JSON_TYPES:
        raise SourceFormatError(
            f"{url}: expected {ACCEPT} (PEP 691), got {answer.content_type!r}; "
            "the index may not support the JSON simple API"
        )
    calendar = parse_simple_json(answer.body, source=url)
    return CommunityCalendar(calendar.releases, source=url, fetched_at=now)
