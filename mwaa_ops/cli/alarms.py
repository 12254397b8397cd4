"""``mwaa-ops alarms``: plan, apply, backtest, status, mute and unmute the alarms of every environment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import click

from mwaa_ops.cli.common import build_config, config_option, endpoint_option
from mwaa_ops.cli.output import compact_table, console, emit, fail, json_option, table
from mwaa_ops.cli.plan_apply import add_plan_apply
from mwaa_ops.clock import SystemClock, utc_now
from mwaa_ops.errors import MwaaOpsError

F = TypeVar("F", bound=Callable[..., Any])
_STATE_STYLE = {"OK": "green", "ALARM": "bold red", "INSUFFICIENT_DATA": "yellow"}


def _common(func: F) -> F:
    for option in (
        json_option,
        endpoint_option,
        click.option("--environment", default=None, help="Only this environment (default: every configured one)."),
        config_option,
    ):
        func = option(func)
    return func


def _context(config_file: str | None, endpoint_url: str | None) -> Any:
    from mwaa_ops.alarms.context import AlarmsContext

    config = build_config(config_file, **{"aws.endpoint_url": endpoint_url})
    return AlarmsContext.build(config, clock=SystemClock())


def _when(iso: str | None) -> str:
    """``2026-11-30T22:22:03.807000+00:00`` -> ``2026-11-30 22:22:03`` (UTC) for the tables."""
    if not iso:
        return ""
    try:
        return f"{datetime.fromisoformat(iso).astimezone(UTC):%Y-%m-%d %H:%M:%S}"
    except ValueError:
        return iso


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds == 0:
        return "0"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{minutes}m" if minutes else ""]
    return "".join(parts) or f"{seconds}s"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def alarms() -> None:
    """CloudWatch alarms from alarms/*.yaml, routed to SNS by severity and team, with runbooks."""


def _prepare(config: Any, environment: str | None, make_client: Callable[[str], Any]) -> Any:
    from mwaa_ops.alarms.sync import prepare

    return prepare(config, environment, make_client)


add_plan_apply(
    alarms, noun="alarms", prepare=_prepare,
    plan_help="Show what `alarms apply` would change (no write calls): alarms and topics to create, "
              "update (with a field-level diff) or delete, and those unchanged.",
    apply_help="Create, update and delete mwaa-ops' alarms (and create missing topics) to match the "
               "definitions: paced under CloudWatch's PutMetricAlarm quota, no write call when nothing "
               "changed, alarms without the ownership marker never touched.",
)


@alarms.command()
@_common
@click.option("--days", type=click.IntRange(1, 63), default=14, show_default=True,
              help="History to replay (GetMetricData keeps 1-minute data 15 days, 5-minute data 63 days).")
def backtest(config_file: str | None, environment: str | None, endpoint_url: str | None, as_json: bool,
             days: int) -> None:
    """Replay every alarm over the metric history: how often it would have fired and paged, and for how long."""
    from mwaa_ops.alarms.backtest import backtest_environment
    from mwaa_ops.alarms.routing import environments

    err = console(stderr=True)
    try:
        context = _context(config_file, endpoint_url)
        end = context.clock.time()
        start = end - days * 86400
        reports = []
        router = context.router()
        assert context.definitions is not None
        for env in environments(context.config, environment):
            reports.extend(backtest_environment(
                context.cloudwatch, router, context.definitions, env, start=start, end=end,
                progress=(lambda name: None) if as_json else (lambda name: err.print(f"[dim]backtest: {name}[/]"))))
    except MwaaOpsError as exc:
        fail(str(exc), as_json)
    weeks = days / 7

    def render(out: Any) -> None:
        rows = [[r.alarm, r.severity, "page" if r.pages else "notify", r.firings,
                 f"{r.firings / weeks:.1f}", _duration(r.seconds_in_alarm), _duration(r.longest_seconds),
                 f"[{_STATE_STYLE.get(r.final_state, '')}]{r.final_state}[/]"] for r in reports]
        out.print(compact_table(table(
            f"Would-be firings over the last {days} days ({datetime.fromtimestamp(start, UTC):%Y-%m-%d %H:%M} "
            f"to {datetime.fromtimestamp(end, UTC):%Y-%m-%d %H:%M} UTC)",
            ["Alarm", "Severity", "Routes", "Firings", "Per week", "In ALARM", "Longest", "Now"], rows)))
        pages = sum(r.firings for r in reports if r.pages)
        out.print(f"Pages: {pages} in {days} days ({pages / weeks:.1f} a week). "
                  "[dim]Firings: transitions into ALARM; Routes: page = the environment's composite.[/]")

    emit({"days": days, "start": start, "end": end, "alarms": [r.to_json() for r in reports]}, as_json, render)


@alarms.command()
@_common
def status(config_file: str | None, environment: str | None, endpoint_url: str | None, as_json: bool) -> None:
    """Current states of mwaa-ops' alarms, whether each environment is muted, and the last transitions."""
    from mwaa_ops.alarms.routing import environments
    from mwaa_ops.alarms.status import environment_status

    try:
        context = _context(config_file, endpoint_url)
        results = [environment_status(context, env) for env in environments(context.config, environment)]
    except MwaaOpsError as exc:
        fail(str(exc), as_json)

    def render(out: Any) -> None:
        for item in results:
            mute = item.mute
            head = (f"[bold yellow]muted[/] until {mute.until:%Y-%m-%d %H:%M} UTC: {mute.reason}"
                    if mute.muted and mute.until else "not muted")
            rows = [[a["alarm"], f"[{_STATE_STYLE.get(a['state'], '')}]{a['state']}[/]", _when(a["since"]),
                     a["suppressed_by"] or "", a["reason"][:80]] for a in item.alarms]
            out.print(compact_table(table(f"{item.environment}: {len(rows)} alarms, {head}",
                                          ["Alarm", "State", "Since (UTC)", "Suppressed", "Reason"], rows)))
            if not rows:
                out.print("[dim]No mwaa-ops alarms: run `mwaa-ops alarms apply`.[/]")
            for t in item.transitions:
                out.print(f"[dim]{_when(t['at'])} UTC[/] {t['alarm']}: {t['from']} -> {t['to']}")

    emit([r.to_json() for r in results], as_json, render)


@alarms.command()
@click.option("--environment", required=True, help="The environment whose page to suppress.")
@click.option("--for", "duration", required=True, metavar="DURATION", help="How long: 2h, 90m, 1h30m, 1d.")
@click.option("--reason", required=True, help="Why (shown in `alarms status` and the maintenance alarm).")
@config_option
@endpoint_option
@json_option
def mute(environment: str, duration: str, reason: str, config_file: str | None, endpoint_url: str | None,
         as_json: bool) -> None:
    """Suppress an environment's page until a fixed end time; paging returns by itself at the end."""
    from mwaa_ops.alarms.mute import MaintenanceMute, parse_duration

    try:
        seconds = parse_duration(duration)
        config = build_config(config_file, **{"aws.endpoint_url": endpoint_url})
        from mwaa_ops.aws import make_client

        clock = SystemClock()
        muter = MaintenanceMute(make_client("cloudwatch", config.aws), config, clock)
        until = utc_now(clock) + timedelta(seconds=seconds)
        muter.require_known(environment)
        muter.mute(environment, until=until, reason=reason)
        result = muter.status(environment)
    except MwaaOpsError as exc:
        fail(str(exc), as_json)
    emit(result.to_json(), as_json, lambda out: out.print(
        f"{environment}: page muted until {until:%Y-%m-%d %H:%M:%S} UTC ({reason})"))


@alarms.command()
@click.option("--environment", required=True, help="The environment whose page to restore.")
@config_option
@endpoint_option
@json_option
def unmute(environment: str, config_file: str | None, endpoint_url: str | None, as_json: bool) -> None:
    """End an environment's mute now; a page held back goes out after the suppressor's extension period."""
    from mwaa_ops.alarms.mute import MaintenanceMute
    from mwaa_ops.aws import make_client

    try:
        config = build_config(config_file, **{"aws.endpoint_url": endpoint_url})
        muter = MaintenanceMute(make_client("cloudwatch", config.aws), config, SystemClock())
        muter.require_known(environment)
        muter.unmute(environment)
        result = muter.status(environment)
    except MwaaOpsError as exc:
        fail(str(exc), as_json)
    emit(result.to_json(), as_json, lambda out: out.print(f"{environment}: unmuted, paging restored"))
