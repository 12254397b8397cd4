"""Which Apache Airflow versions the MWAA emulator offers on a given day.

MWAA refuses new environments and upgrades to a version whose end of support
has passed, and does not offer a version before it became available. The
emulator applies the same rule to the version snapshot shipped in
``mwaa_ops/data/mwaa-versions.csv`` at its clock's date.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources

from packaging.version import Version

_VERSIONS_FILE = "mwaa-versions.csv"


@dataclass(frozen=True)
class OfferedVersion:
    """One row of the snapshot: when MWAA started and stops offering a version."""

    airflow_version: str
    available: date | None
    end_of_support: date | None

    def offered_on(self, day: date) -> bool:
        """Whether MWAA accepts this version for new environments and updates on ``day``."""
        if self.available is not None and day < self.available:
            return False
        return self.end_of_support is None or day < self.end_of_support


def _parse_day(text: str) -> date | None:
    text = text.strip()
    return date.fromisoformat(text) if text else None


@lru_cache(maxsize=1)
def snapshot_rows() -> tuple[OfferedVersion, ...]:
    """The rows of the packaged version snapshot, oldest version first."""
    text = resources.files("mwaa_ops.data").joinpath(_VERSIONS_FILE).read_text("utf-8")
    rows = [
        OfferedVersion(
            airflow_version=row["airflow_version"].strip(),
            available=_parse_day(row["mwaa_available"]),
            end_of_support=_parse_day(row["mwaa_end_of_support"]),
        )
        for row in csv.DictReader(io.StringIO(text))
    ]
    return tuple(sorted(rows, key=lambda r: Version(r.airflow_version)))


def offered_versions(day: date, rows: tuple[OfferedVersion, ...] | None = None) -> tuple[str, ...]:
    """Airflow versions MWAA offers on ``day``, oldest first."""
    source = snapshot_rows() if rows is None else rows
    return tuple(r.airflow_version for r in source if r.offered_on(day))


def latest(versions: tuple[str, ...] | list[str]) -> str:
    """The highest of ``versions`` (MWAA's default when CreateEnvironment names none)."""
    return max(versions, key=Version)
