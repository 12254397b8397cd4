"""The two release calendars as plain values: community releases and MWAA versions.

Both calendars are immutable and carry where they came from and when they
were fetched, so every answer can say how fresh it is. Dates are UTC calendar
days: lags are whole days between two dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from packaging.version import InvalidVersion, Version

from mwaa_ops.errors import SourceFormatError

Minor = tuple[int, int]


def parse_version(text: str) -> Version:
    """An Airflow version from ``"2.10.3"`` or ``"v2.10.3"``; SourceFormatError otherwise."""
    cleaned = text.strip().removeprefix("Apache Airflow").strip().lstrip("vV")
    try:
        return Version(cleaned)
    except InvalidVersion:
        raise SourceFormatError(f"not an Airflow version: {text!r}") from None


def minor_of(version: Version) -> Minor:
    """``(major, minor)`` of a version."""
    return (version.major, version.minor)


def minor_label(minor: Minor) -> str:
    return f"{minor[0]}.{minor[1]}"


@dataclass(frozen=True, slots=True)
class Release:
    """One community release: the first upload of that exact version to the package index."""

    version: Version
    released: date
    yanked: bool = False


@dataclass(frozen=True, slots=True)
class MinorInfo:
    """Per minor: the X.Y.0 date and the latest (non-yanked) patch, as of some date."""

    minor: Minor
    first_release: Release  # X.Y.0, or the earliest release of the minor if X.Y.0 is missing
    latest: Release


@dataclass(frozen=True)
class CommunityCalendar:
    """Every final Apache Airflow release with its date."""

    releases: tuple[Release, ...]
    source: str = ""
    fetched_at: datetime | None = None

    def released_by(self, as_of: date) -> list[Release]:
        """Releases published on or before ``as_of``, oldest version first."""
        return sorted((r for r in self.releases if r.released <= as_of), key=lambda r: r.version)

    def get(self, version: Version) -> Release | None:
        return self._by_version.get(version)

    @cached_property
    def _by_version(self) -> dict[Version, Release]:
        return {r.version: r for r in self.releases}

    def minors(self, as_of: date | None = None) -> dict[Minor, MinorInfo]:
        """Minors released by ``as_of`` (all when ``None``), in version order."""
        releases = self.released_by(as_of) if as_of else sorted(self.releases, key=lambda r: r.version)
        grouped: dict[Minor, list[Release]] = {}
        for release in releases:
            grouped.setdefault(minor_of(release.version), []).append(release)
        out: dict[Minor, MinorInfo] = {}
        for minor, items in sorted(grouped.items()):
            zero = next((r for r in items if r.version.micro == 0), None)
            first = zero or min(items, key=lambda r: r.released)
            usable = [r for r in items if not r.yanked] or items
            out[minor] = MinorInfo(minor, first, max(usable, key=lambda r: r.version))
        return out

    def newest(self, as_of: date) -> Release | None:
        """The highest non-yanked version released by ``as_of``."""
        usable = [r for r in self.released_by(as_of) if not r.yanked]
        return usable[-1] if usable else None


@dataclass(frozen=True, slots=True)
class MwaaVersion:
    """One Airflow version as Amazon MWAA offers it."""

    version: Version
    available: date
    end_of_support: date | None = None
    python: str = ""
    notes: str = ""

    def supported_on(self, day: date) -> bool:
        """Offered on ``day``: available, and its end of support not yet passed."""
        return self.available <= day and not self.past_end_of_support(day)

    def past_end_of_support(self, day: date) -> bool:
        """True after the end-of-support date (the date itself still counts as supported)."""
        return self.end_of_support is not None and day > self.end_of_support


@dataclass(frozen=True)
class MwaaCalendar:
    """Every Airflow version MWAA has offered, with availability and end of support."""

    versions: tuple[MwaaVersion, ...]
    source: str = ""
    fetched_at: datetime | None = None
    _index: dict[Version, MwaaVersion] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {v.version: v for v in self.versions})

    def get(self, version: Version) -> MwaaVersion | None:
        return self._index.get(version)

    def ordered(self) -> list[MwaaVersion]:
        return sorted(self.versions, key=lambda v: v.version)

    def available_by(self, as_of: date) -> list[MwaaVersion]:
        """Versions MWAA had made available by ``as_of`` (supported or not), in version order."""
        return [v for v in self.ordered() if v.available <= as_of]

    def supported(self, as_of: date) -> list[MwaaVersion]:
        """Versions a new environment could use on ``as_of``, in version order."""
        return [v for v in self.ordered() if v.supported_on(as_of)]

    def newest(self, as_of: date) -> MwaaVersion | None:
        offered = self.supported(as_of)
        return offered[-1] if offered else None

    def launch(self) -> date | None:
        """The earliest availability date: when the service started offering Airflow."""
        return min((v.available for v in self.versions), default=None)
