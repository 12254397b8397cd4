"""Which Apache Airflow versions the MWAA emulator offers on a given day.

MWAA refuses new environments and upgrades to a version whose end of support
has passed, and does not offer a version before it became available. The
emulator asks the MWAA calendar of the shipped version snapshot
(:func:`mwaa_ops.versions.snapshot.load_snapshot`) at its clock's date, so it
offers exactly what :meth:`MwaaCalendar.supported` says: a version is still
offered on its end-of-support date and refused from the day after.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import TYPE_CHECKING

from packaging.version import Version

from mwaa_ops.local.mwaa_validation import validation_error

if TYPE_CHECKING:
    from mwaa_ops.versions.model import MwaaCalendar


@cache
def mwaa_calendar() -> MwaaCalendar:
    """The MWAA calendar of the shipped snapshot, loaded on first use."""
    # Imported here: loading mwaa_ops.versions would slow the endpoint's start.
    from mwaa_ops.versions.snapshot import load_snapshot

    return load_snapshot()[1]


def offered_versions(day: date) -> tuple[str, ...]:
    """Airflow versions MWAA offers on ``day``, oldest first."""
    return tuple(str(item.version) for item in mwaa_calendar().supported(day))


def latest(versions: Sequence[str]) -> str:
    """The highest of ``versions`` (MWAA's default when CreateEnvironment names none).

    ``ValidationException`` when no version is offered (before MWAA's first one).
    """
    if not versions:
        raise validation_error(
            "No Airflow version is offered at this date: AirflowVersion has no default"
        )
    return max(versions, key=Version)
