"""``mwaa-ops versions``: the release calendars, MWAA's lags and the 30-day scorecard.

Offline by default (the cache, or the snapshot shipped with the package);
``mwaa-ops versions refresh`` fetches both sources and reports what changed.
"""

from __future__ import annotations

from typing import Any

import click
from rich.progress import Progress, SpinnerColumn, TextColumn

from mwaa_ops.cli.common import as_of_option, build_config, config_option, parse_as_of
from mwaa_ops.cli.output import compact_table, console, emit, fail, json_option, table
from mwaa_ops.clock import Clock, SystemClock, today, utc_now
from mwaa_ops.errors import MwaaOpsError
from mwaa_ops.versions.cache import load_calendars
from mwaa_ops.versions.refresh import RefreshReport, refresh_calendars
from mwaa_ops.versions.report import VersionsReport, describe_period, versions_report

_SOURCE_LABEL = {"community": "Apache Airflow releases (package index)", "mwaa": "MWAA versions page"}


def _days(value: int | None) -> str:
    return "" if value is None else str(value)


def _target(value: bool | None) -> str:
    return {True: "met", False: "missed", None: ""}[value]


def _render_report(report: VersionsReport, out: Any) -> None:
    card = report.card
    rows = [
        [
            str(r.version),
            r.available,
            r.end_of_support or "",
            r.python,
            r.community_release or "?",
            _days(r.lag_exact_days),
            r.minor_release or "?",
            _days(r.lag_minor_days),
            _target(r.met_target),
        ]
        for r in report.lags
    ]
    out.print(
        compact_table(
            table(
                f"Airflow on Amazon MWAA as of {report.as_of} (lags in days)",
                ["Airflow", "On MWAA", "Ends", "Py", "Released", "Lag", "X.Y.0", "MinLag", "Target"],
                rows,
            )
        )
    )
    out.print(
        "[dim]Ends: MWAA end of support. Lag: days from the community release of the exact "
        f"version; MinLag: from its minor's X.Y.0. Target: first MWAA version of a minor "
        f"within {card.target_days} days of X.Y.0.[/]"
    )
    for r in report.lags:
        if r.notes:
            out.print(f"[dim]  {r.version}: {r.notes}[/]")
    minor_rows = [
        [o.label, o.released, o.mwaa_version or "", o.mwaa_available or "",
         _days(o.lag_days), _days(o.days_waiting), o.outcome]
        for o in card.outcomes
    ]
    out.print(
        compact_table(
            table(
                f"Community minors since MWAA launched ({card.launch})",
                ["Minor", "X.Y.0", "First on MWAA", "On MWAA", "Lag", "Waiting", "Outcome"],
                minor_rows,
            )
        )
    )
    out.print(f"[bold]{card.target_days}-day target scorecard[/] (as of {report.as_of})")
    out.print(f"  all time:       {describe_period(card.all_time, card.target_days)}")
    out.print(
        f"  last 12 months: {describe_period(card.last_12_months, card.target_days)} "
        f"(minors released after {card.last_12_months.since})"
    )
    skipped = ", ".join(o.label for o in card.skipped) or "none"
    waiting = ", ".join(f"{o.label} ({o.days_waiting} d)" for o in card.waiting) or "none"
    out.print(f"  skipped by MWAA: {skipped}")
    out.print(f"  released, not yet on MWAA: {waiting}")
    for name, calendar, origin in (
        ("community", report.calendars.community, report.calendars.community_origin),
        ("mwaa", report.calendars.mwaa, report.calendars.mwaa_origin),
    ):
        fetched = calendar.fetched_at.date() if calendar.fetched_at else "unknown"
        out.print(f"[dim]{_SOURCE_LABEL[name]}: {origin}, fetched {fetched}[/]")


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@config_option
@as_of_option
@json_option
@click.pass_context
def versions(ctx: click.Context, config_file: str | None, as_of: str | None, as_json: bool) -> None:
    """Calendar table with MWAA lags and the 30-day scorecard (offline: cache or snapshot)."""
    ctx.obj = {"config_file": config_file, "as_json": as_json}
    if ctx.invoked_subcommand is not None:
        return
    clock: Clock = parse_as_of(as_of) or SystemClock()
    try:
        config = build_config(config_file)
        report = versions_report(load_calendars(config.state_dir), today(clock))
    except MwaaOpsError as exc:
        fail(str(exc), as_json)
    emit(report.to_json(), as_json, lambda out: _render_report(report, out))


def _render_refresh(report: RefreshReport, out: Any) -> None:
    rows = [
        [r.name, "ok" if r.ok else "[red]FAILED[/] (cache kept)", r.versions if r.ok else "",
         len(r.changes) if r.ok else "", r.url]
        for r in report.results
    ]
    out.print(
        compact_table(
            table(f"Calendar refresh at {report.fetched_at:%Y-%m-%d %H:%M} UTC",
                  ["Source", "Result", "Versions", "Changes", "URL"], rows)
        )
    )
    for result in report.results:
        if not result.ok:
            continue
        if not result.changes:
            out.print(f"{_SOURCE_LABEL[result.name]}: no change since the last fetch")
        for change in result.changes:
            out.print(f"{_SOURCE_LABEL[result.name]}: {change.describe()}")


@versions.command()
@config_option
@json_option
@click.pass_context
def refresh(ctx: click.Context, config_file: str | None, as_json: bool) -> None:
    """Fetch both calendars, update the cache and report what changed."""
    parent = ctx.obj or {}
    config_file = config_file or parent.get("config_file")
    as_json = as_json or bool(parent.get("as_json"))
    try:
        config = build_config(config_file)
    except MwaaOpsError as exc:
        fail(str(exc), as_json)
    clock = SystemClock()
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=console(stderr=True),
                  transient=True, disable=as_json) as progress:
        tasks: dict[str, Any] = {}

        def step(name: str, event: str) -> None:
            if event == "start":
                tasks[name] = progress.add_task(f"fetching {_SOURCE_LABEL[name]}", total=1)
            else:
                progress.update(tasks[name], completed=1, description=f"{_SOURCE_LABEL[name]}: {event}")

        report = refresh_calendars(config, utc_now(clock), progress=step)
    emit(report.to_json(), as_json, lambda out: _render_refresh(report, out))
    if not report.ok:
        failures = "; ".join(f"{r.name}: {r.error}" for r in report.results if not r.ok)
        if not as_json:
            console(stderr=True).print(f"[bold red]error:[/] {failures} (previous cache kept)")
        raise SystemExit(1)
