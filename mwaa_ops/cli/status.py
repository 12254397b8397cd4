"""``mwaa-ops status``: each MWAA environment's Airflow version standing and upgrade path.

Reads the environments from MWAA (the real service, ``AWS_ENDPOINT_URL`` or
``aws.endpoint_url``, e.g. the embedded endpoint of ``mwaa-ops up``) and the
calendars from the cache or the shipped snapshot.
"""

from __future__ import annotations

from typing import Any

import click

from mwaa_ops.aws import make_client
from mwaa_ops.cli.common import (
    as_of_option,
    build_config,
    config_option,
    endpoint_option,
    parse_as_of,
)
from mwaa_ops.cli.output import compact_table, emit, fail, json_option, table
from mwaa_ops.clock import Clock, SystemClock, today
from mwaa_ops.errors import MwaaOpsError
from mwaa_ops.versions.report import status_report
from mwaa_ops.versions.standing import Standing

_STYLE = {"ok": "green", "notice": "cyan", "warning": "yellow", "critical": "red", "unsupported": "bold red"}


def _render(items: list[Standing], as_of: Any, out: Any) -> None:
    if not items:
        out.print("No MWAA environments found.")
        return
    rows = [
        [
            s.environment,
            s.current,
            s.newest_mwaa,
            s.newest_community,
            "" if s.minors_behind is None else s.minors_behind,
            "" if s.days_behind_newest_mwaa is None else s.days_behind_newest_mwaa,
            s.end_of_support or "-",
            "" if s.days_to_end_of_support is None else s.days_to_end_of_support,
            f"[{_STYLE.get(s.status, 'magenta')}]{s.status}[/]",
        ]
        for s in items
    ]
    out.print(
        compact_table(
            table(
                f"Environment version standing as of {as_of}",
                ["Environment", "Airflow", "MWAA", "Community", "Minors", "Behind", "Ends", "Left",
                 "Status"],
                rows,
            )
        )
    )
    out.print(
        "[dim]MWAA / Community: newest version offered / released. Minors: community minors "
        "newer than the environment's. Behind: days since MWAA first offered a newer version. "
        "Ends / Left: end of support and days to it.[/]"
    )
    for s in items:
        path = s.path.describe() if s.path else "no upgrade path (unknown version)"
        out.print(f"{s.environment} ({s.environment_status or 'state unknown'}): {path}")
        for note in s.path.notes if s.path else ():
            out.print(f"[dim]  {note}[/]")


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@config_option
@click.option("--environment", default=None, help="Only this MWAA environment.")
@endpoint_option
@as_of_option
@json_option
def status(
    config_file: str | None, environment: str | None, endpoint_url: str | None, as_of: str | None, as_json: bool
) -> None:
    """Each environment's version, what is newer, days to end of support, and the upgrade path."""
    clock: Clock = parse_as_of(as_of) or SystemClock()
    day = today(clock)
    try:
        config = build_config(config_file, **{"aws.endpoint_url": endpoint_url})
        report = status_report(config.state_dir, make_client("mwaa", config.aws), day, environment)
    except MwaaOpsError as exc:
        fail(str(exc), as_json)
    emit(report.to_json(), as_json, lambda out: _render(report.standings, day, out))
