"""The ``plan`` / ``apply`` click command pair every operations feature offers.

``add_plan_apply(group, noun="dashboards", prepare=...)`` adds::

    mwaa-ops <noun> plan  [--environment NAME] [--config F] [--endpoint-url U] [--json]
    mwaa-ops <noun> apply [--environment NAME] [--config F] [--endpoint-url U] [--json]

``plan`` prints created / updated (with field-level diffs) / deleted /
unchanged and makes no write; ``apply`` does the same plan, applies it with a
progress bar on stderr, and exits 1 when a change failed (the others are kept).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from mwaa_ops.cli.common import build_config, config_option, endpoint_option
from mwaa_ops.cli.output import console, emit, fail, json_option
from mwaa_ops.clock import SystemClock
from mwaa_ops.errors import MwaaOpsError
from mwaa_ops.sync.apply import ApplyResult, ProgressEvent
from mwaa_ops.sync.plan import Plan
from mwaa_ops.sync.session import Prepare, SyncSession, apply_session, plan_session

# Every feature plans/applies all environments unless told one (the prepare's ``environment=None``).
environment_option = click.option(
    "--environment", default=None, help="Only this environment (default: every one)."
)
STYLE = {"create": "green", "update": "yellow", "delete": "red", "unchanged": "dim"}
SYMBOL = {"create": "+", "update": "~", "delete": "-", "unchanged": "="}


def open_session(
    prepare: Prepare, config_file: str | None, environment: str | None, endpoint_url: str | None
) -> tuple[Any, SyncSession]:
    """Config (with the flags) and the feature's session; clients via mwaa_ops.aws."""
    from mwaa_ops.aws import make_client

    config = build_config(config_file, **{"aws.endpoint_url": endpoint_url})
    return config, prepare(config, environment, lambda service: make_client(service, config.aws))


def render_plan(plan: Plan, noun: str, out: Any) -> None:
    """Each change on a line (``+ create``, ``~ update`` with its diff lines, ...), then counts."""
    for change in plan.changes:
        style = STYLE[change.action]
        out.print(f"[{style}]{SYMBOL[change.action]} {change.action:<9} {change.kind} "
                  f"{change.name}[/]", highlight=False)
        for line in change.diff:
            out.print(f"      {line}", highlight=False, markup=False)
    counts = plan.counts
    out.print(f"{noun}: {counts['create']} to create, {counts['update']} to update, "
              f"{counts['delete']} to delete, {counts['unchanged']} unchanged")


def add_plan_apply(group: click.Group, *, noun: str, prepare: Prepare,
                   plan_help: str | None = None, apply_help: str | None = None) -> None:
    """Add ``plan`` and ``apply`` subcommands for one feature to ``group`` (help texts optional)."""

    def options(function: Callable[..., Any]) -> Callable[..., Any]:
        for decorator in (json_option, endpoint_option, environment_option, config_option):
            function = decorator(function)
        return function

    @group.command("plan", context_settings={"help_option_names": ["-h", "--help"]})
    @options
    def plan_command(config_file: str | None, environment: str | None,
                     endpoint_url: str | None, as_json: bool) -> None:
        try:
            _config, session = open_session(prepare, config_file, environment, endpoint_url)
            plan = plan_session(session)
        except MwaaOpsError as exc:
            fail(str(exc), as_json)
        emit(plan.to_json(), as_json, lambda out: render_plan(plan, noun, out))

    plan_command.help = plan_help or (f"Show what `{noun} apply` would change (no write calls): "
                                      "created, updated with a field-level diff, deleted, unchanged.")

    @group.command("apply", context_settings={"help_option_names": ["-h", "--help"]})
    @options
    def apply_command(config_file: str | None, environment: str | None,
                      endpoint_url: str | None, as_json: bool) -> None:
        try:
            _config, session = open_session(prepare, config_file, environment, endpoint_url)
            plan, result = _apply_with_progress(session, show=not as_json)
        except MwaaOpsError as exc:
            fail(str(exc), as_json)
        data = {"plan": plan.to_json(), "result": result.to_json()}

        def render(out: Any) -> None:
            render_plan(plan, noun, out)
            for name, error in result.failed.items():
                out.print(f"[red]failed[/] {name}: {error}", highlight=False)
            out.print(f"{noun}: {result.writes} write call(s)")

        emit(data, as_json, render)
        if not result.ok:
            raise SystemExit(1)

    apply_command.help = apply_help or (f"Create, update and delete the {noun} mwaa-ops owns so they "
                                        "match the definitions; no write call when nothing changed; "
                                        "resources without the ownership marker are never touched.")


def _apply_with_progress(session: SyncSession, *, show: bool) -> tuple[Plan, ApplyResult]:
    if not show:
        return apply_session(session, SystemClock())
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=console(stderr=True), transient=True) as bar:
        task = bar.add_task("applying", total=None)

        def on_event(event: ProgressEvent) -> None:
            bar.update(task, total=event.total,
                       description=f"{event.outcome} {event.change.action} {event.change.name}")
            if event.outcome != "retrying":
                bar.advance(task)

        return apply_session(session, SystemClock(), on_event)
