"""The dated snapshot of both calendars shipped inside the package.

It makes every offline command work without a network. It is built once from
a saved PEP 691 answer of the package index and the MWAA table in
``mwaa_ops/data/mwaa-versions.csv`` (the reference snapshot, whose notes say
where sources disagree)::

    python -m mwaa_ops.versions.snapshot simple.json mwaa_ops/data/mwaa-versions.csv 2026-11-25
"""

from __future__ import annotations

import csv
import json
import sys
from datetime import UTC, date, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from packaging.version import Version

from mwaa_ops.errors import SourceFormatError
from mwaa_ops.versions.community import parse_simple_json
from mwaa_ops.versions.model import CommunityCalendar, MwaaCalendar, MwaaVersion
from mwaa_ops.versions.serial import (
    community_from_json,
    community_to_json,
    mwaa_from_json,
    mwaa_to_json,
)

SNAPSHOT_FILE = "versions-snapshot.json"
COMMUNITY_SOURCE = "https://pypi.org/simple/apache-airflow/"
MWAA_SOURCE = "https://docs.aws.amazon.com/mwaa/latest/userguide/airflow-versions.html"


@cache
def load_snapshot() -> tuple[CommunityCalendar, MwaaCalendar, date]:
    """The shipped calendars and the snapshot's date (parsed once: all three are immutable)."""
    text = resources.files("mwaa_ops.data").joinpath(SNAPSHOT_FILE).read_text(encoding="utf-8")
    data = json.loads(text)
    where = f"shipped snapshot {SNAPSHOT_FILE}"
    return (
        community_from_json(data["community"], where),
        mwaa_from_json(data["mwaa"], where),
        date.fromisoformat(data["snapshot_date"]),
    )


def mwaa_from_csv(path: Path, fetched_at: datetime) -> MwaaCalendar:
    """The MWAA calendar from the reference CSV (``airflow_version,...,mwaa_available,...``)."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    try:
        versions = tuple(
            MwaaVersion(
                Version(row["airflow_version"]),
                date.fromisoformat(row["mwaa_available"]),
                date.fromisoformat(row["mwaa_end_of_support"]) if row["mwaa_end_of_support"] else None,
                row["python"],
                row.get("notes", "") or "",
            )
            for row in rows
        )
    except (KeyError, ValueError) as exc:
        raise SourceFormatError(f"{path}: not the reference MWAA versions table ({exc!r})") from None
    return MwaaCalendar(versions, MWAA_SOURCE, fetched_at)


def build_snapshot(simple_json: Path, mwaa_csv: Path, snapshot_date: date) -> dict[str, Any]:
    """The snapshot document from a saved index answer and the reference CSV."""
    fetched_at = datetime(snapshot_date.year, snapshot_date.month, snapshot_date.day, tzinfo=UTC)
    community = parse_simple_json(simple_json.read_bytes(), COMMUNITY_SOURCE)
    community = CommunityCalendar(community.releases, COMMUNITY_SOURCE, fetched_at)
    return {
        "snapshot_date": snapshot_date.isoformat(),
        "community": community_to_json(community),
        "mwaa": mwaa_to_json(mwaa_from_csv(mwaa_csv, fetched_at)),
    }


def main(argv: list[str]) -> int:
    simple_json, mwaa_csv, day = Path(argv[0]), Path(argv[1]), date.fromisoformat(argv[2])
    document = build_snapshot(simple_json, mwaa_csv, day)
    target = Path(__file__).resolve().parent.parent / "data" / SNAPSHOT_FILE
    target.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
