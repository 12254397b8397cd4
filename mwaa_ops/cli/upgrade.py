"""``mwaa-ops upgrade plan|approve|run`` and ``mwaa-ops windows``: maintenance-window upgrades.

Parsing and printing only; the work is in :mod:`mwaa_ops.upgrades`. The clock
is ``--at`` (starts at that instant and runs on), else ``MWAA_OPS_CLOCK``,
else the system clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import click

from mwaa_ops.cli.common import build_config, config_option, endpoint_option
from mwaa_ops.cli.output import compact_table, console, emit, fail, json_option, print_event, table
from mwaa_ops.clock import Clock, clock_from_environment, clock_from_spec, utc_now
from mwaa_ops.errors import MwaaOpsError

F = TypeVar("F", bound=Callable[..., Any])


def _common(func: F) -> F:
    for option in (
        json_option,
        click.option("--at", "at", default=None, metavar="TIME",
                     help="Act as if the time were TIME (ISO, UTC), the clock running on from there. "
                          "Env: MWAA_OPS_CLOCK (ISO[@REAL-EPOCH][xSPEED])."),
        endpoint_option,
        config_option,
    ):
        func = option(func)
    return func


def _clock(at: str | None) -> Clock:
    try:
        return clock_from_spec(at) if at else clock_from_environment()
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--at") from None


def _setup(config_file: str | None, endpoint_url: str | None, at: str | None, environment: str | None,
           as_json: bool, progress: Any = None) -> tuple[Any, Any, str]:
    from mwaa_ops.upgrades.wiring import build_driver

    config = build_config(config_file, **{"aws.endpoint_url": endpoint_url})
    clock = _clock(at)
    return config, build_driver(config, clock, progress=progress), environment or config.environment


def _window_text(occ: Any) -> str:
    if occ is None:
        return "no usable window in the next 26 weeks"
    text = f"{occ.start:%a %Y-%m-%d %H:%M}–{occ.end:%H:%M} UTC ({occ.window})"
    return text if occ.usable else f"{text} skipped: {occ.skipped}"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def upgrade() -> None:
    """Plan, approve and run in-place Airflow upgrades inside maintenance windows."""


@upgrade.command("plan")
@click.option("--environment", default=None, help="MWAA environment (config: environment).")
@click.option("--target", default=None, metavar="VERSION", help="Stop at this version (default: the newest offered).")
@click.option("--no-readiness", is_flag=True, help="Skip the readiness checks of the first step.")
@_common
def plan_command(environment: str | None, target: str | None, no_readiness: bool, config_file: str | None,
                 endpoint_url: str | None, at: str | None, as_json: bool) -> None:
    """The steps on the allowed path, the window of each, and the first step's readiness (no writes)."""
    try:
        _, driver, name = _setup(config_file, endpoint_url, at, environment, as_json)
        plan = driver.plan(name, target, with_readiness=not no_readiness)
    except MwaaOpsError as exc:
        fail(str(exc), as_json)

    def render(out: Any) -> None:
        out.print(f"[bold]{plan.environment}[/] ({plan.status}): Airflow {plan.current} -> {plan.target}")
        if not plan.steps:
            out.print("Nothing to do: the environment runs the target version.")
            return
        rows = [[s.index, s.source, s.target, "in place" if s.kind == "in_place" else "[red]NEW ENVIRONMENT[/]",
                 s.reason, _window_text(s.window) if s.kind == "in_place" else "-"] for s in plan.steps]
        out.print(compact_table(table("Steps", ["#", "From", "To", "How", "Why", "Window"], rows)))
        out.print(f"Expected per step: {plan.needed.total_seconds() / 60:g} min ({plan.needed_source})")
        for note in plan.notes:
            out.print(f"[dim]note: {note}[/]")
        if plan.needs_new_environment:
            out.print("[red]This path needs a new environment; mwaa-ops never attempts it in place.[/] "
                      "Copy to the new environment:")
            for item in plan.copy:
                out.print(f"  - {item}")
        if plan.readiness:
            mark = "[green]passed[/]" if plan.readiness["passed"] else "[red]failed[/]"
            out.print(f"Readiness of step 1 ({plan.readiness['target']}): {mark}: {plan.readiness['summary']}")

    emit(plan.to_json(), as_json, render)


@upgrade.command("approve")
@click.option("--environment", default=None, help="MWAA environment (config: environment).")
@click.option("--target", required=True, metavar="VERSION", help="The version to upgrade to.")
@click.option("--not-before", type=click.DateTime(["%Y-%m-%d"]), default=None, metavar="DATE",
              help="Do not start before this UTC date.")
@click.option("--reason", default="", help="Why (kept in the audit trail).")
@_common
def approve_command(environment: str | None, target: str, not_before: Any, reason: str, config_file: str | None,
                    endpoint_url: str | None, at: str | None, as_json: bool) -> None:
    """Approve the upgrade of an environment to VERSION (recorded in the shared store and the audit trail)."""
    try:
        _, driver, name = _setup(config_file, endpoint_url, at, environment, as_json)
        day: date | None = not_before.date() if not_before else None
        approval = driver.approve(name, target, day, reason)
    except MwaaOpsError as exc:
        fail(str(exc), as_json)
    emit(approval.to_json(), as_json, lambda out: out.print(
        f"Approved: {approval.environment} -> {approval.target}"
        + (f" not before {approval.not_before}" if approval.not_before else "")
        + f" by {approval.approved_by}"))


@upgrade.command("run")
@click.option("--environment", default=None, help="MWAA environment (config: environment).")
@click.option("--dry-run", is_flag=True, help="Print every call it would make; change nothing.")
@_common
def run_command(environment: str | None, dry_run: bool, config_file: str | None, endpoint_url: str | None,
                at: str | None, as_json: bool) -> None:
    """Execute the approved plan: inside the window, readiness passing, paging muted and restored.

    Exit status: 0 succeeded (or nothing to do, or dry run), 1 refused, 3 stopped or failed.
    """
    err = console(stderr=True)
    status_line: dict[str, Any] = {}

    def progress(item: dict[str, Any]) -> None:
        if as_json:
            print_event(item)
            return
        if item.get("kind") == "status":
            spinner = status_line.get("spinner")
            text = (f"step {item['step']}: {item['from']} -> {item['to']}  [bold]{item['status']}[/]  "
                    f"{item['elapsed_seconds'] / 60:.1f} min")
            if spinner is None:
                spinner = status_line["spinner"] = err.status(text)
                spinner.start()
            else:
                spinner.update(text)
            return
        spinner = status_line.pop("spinner", None)
        if spinner is not None:
            spinner.stop()
        err.print(f"[dim]{item['at'][11:19]}[/] {item['event']}: {item.get('reason', '')}")

    try:
        _, driver, name = _setup(config_file, endpoint_url, at, environment, as_json, progress)
        outcome = driver.run(name, dry_run=dry_run)
    except MwaaOpsError as exc:
        fail(str(exc), as_json)
    finally:
        spinner = status_line.pop("spinner", None)
        if spinner is not None:
            spinner.stop()

    def render(out: Any) -> None:
        if outcome.calls:
            out.print("[bold]Calls it would make:[/]")
            for i, call in enumerate(outcome.calls, 1):
                out.print(f"  {i:2d}. {call}")
        style = {"succeeded": "green", "dry_run": "cyan", "nothing_to_do": "green", "refused": "yellow"}
        out.print(f"[{style.get(outcome.outcome, 'red')}]{outcome.outcome}[/]: {outcome.reason}")
        for step in outcome.steps:
            if "duration_seconds" in step:
                out.print(f"  step {step['step']}: {step['from']} -> {step['to']} in "
                          f"{step['duration_seconds'] / 60:.1f} min; {step['health']}")
        if outcome.paging_restored is not None:
            out.print(f"paging restored: {'yes' if outcome.paging_restored else 'NO (ends by itself)'}")

    emit(outcome.to_json(), as_json, render)
    if outcome.outcome == "refused":
        raise SystemExit(1)
    if not outcome.ok:
        raise SystemExit(3)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--environment", default=None, help="MWAA environment (config: environment).")
@click.option("--count", default=6, show_default=True, type=click.IntRange(1, 52), help="How many windows.")
@_common
def windows(environment: str | None, count: int, config_file: str | None, endpoint_url: str | None,
            at: str | None, as_json: bool) -> None:
    """The next maintenance windows of an environment, and why any is skipped."""
    from mwaa_ops.upgrades.plan import window_policy
    from mwaa_ops.upgrades.window import occurrences
    from mwaa_ops.upgrades.wiring import client_factory
    from mwaa_ops.versions.environments import describe_environment

    try:
        config = build_config(config_file, **{"aws.endpoint_url": endpoint_url})
        name = environment or config.environment
        clock = _clock(at)
        raw = describe_environment(client_factory(config)("mwaa"), name)
        policy = window_policy(config, name, raw.get("WeeklyMaintenanceWindowStart"))
        now = utc_now(clock)
        found = occurrences(policy, now, count)
    except MwaaOpsError as exc:
        fail(str(exc), as_json)
    data = {"environment": name, "now": now.isoformat(), "source": policy.source,
            "windows": [str(w) for w in policy.windows], "length_minutes": policy.length.total_seconds() / 60,
            "next": [o.to_json() for o in found]}

    def render(out: Any) -> None:
        out.print(f"{name}: windows {', '.join(str(w) for w in policy.windows)} from {policy.source}, "
                  f"{policy.length.total_seconds() / 60:g} min each; now {now:%a %Y-%m-%d %H:%M} UTC")
        rows = [[f"{o.start:%a %Y-%m-%d %H:%M}", f"{o.end:%a %H:%M}", o.window,
                 "[green]open now[/]" if o.contains(now) and o.usable else
                 ("[green]usable[/]" if o.usable else f"[yellow]skipped: {o.skipped}[/]")] for o in found]
        out.print(compact_table(table("Next windows (UTC)", ["Start", "End", "Window", "Use"], rows)))

    emit(data, as_json, render)
