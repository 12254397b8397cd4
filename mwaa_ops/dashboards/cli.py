"""``mwaa-ops dashboards plan|apply|check|preview|export``."""

from __future__ import annotations

from typing import Any

import click

from mwaa_ops.cli.common import config_option, endpoint_option, environment_option
from mwaa_ops.cli.output import emit, fail, json_option, table
from mwaa_ops.cli.plan_apply import add_plan_apply
from mwaa_ops.dashboards.build import prepare
from mwaa_ops.errors import MwaaOpsError
from mwaa_ops.readback import parse_duration


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def dashboards() -> None:
    """CloudWatch dashboards as code, from dashboards/*.yaml (docs/dashboards.md).

    plan and apply keep the dashboards mwaa-ops owns in sync with the
    definitions; check finds widgets without data; preview renders them to
    HTML offline; export writes CloudFormation, Terraform or raw JSON.
    """


add_plan_apply(dashboards, noun="dashboards", prepare=prepare)


def _session(config_file: str | None, environment: str | None, endpoint_url: str | None,
             as_json: bool) -> tuple[Any, Any]:
    from mwaa_ops.cli.plan_apply import open_session

    try:
        return open_session(prepare, config_file, environment, endpoint_url)
    except MwaaOpsError as exc:
        fail(str(exc), as_json)
        raise  # pragma: no cover - fail() exits


def _window(since: str, as_json: bool) -> int:
    try:
        return parse_duration(since)
    except ValueError as exc:
        fail(f"--since {since!r}: {exc}", as_json)
        raise  # pragma: no cover


@dashboards.command("check", context_settings={"help_option_names": ["-h", "--help"]})
@config_option
@environment_option
@endpoint_option
@click.option("--since", default="3h", show_default=True, help="Window: 90s, 15m, 3h, 2d.")
@json_option
def check(config_file: str | None, environment: str | None, endpoint_url: str | None,
          since: str, as_json: bool) -> None:
    """For every metric widget: does CloudWatch hold data for it? Empty widgets with the reason.

    Reasons: never published, published under other dimensions, wrong statistic
    for the unit, no data in the window. Exits 1 when a widget lacks data.
    """
    from mwaa_ops.aws import make_client
    from mwaa_ops.clock import SystemClock, utc_now
    from mwaa_ops.dashboards.check import check_dashboards

    window = _window(since, as_json)
    config, session = _session(config_file, environment, endpoint_url, as_json)
    from mwaa_ops.cli.output import console

    try:
        with console(stderr=True).status("checking widgets", spinner="dots") as spinner:
            reports = check_dashboards(
                make_client("cloudwatch", config.aws), session.desired, window,
                utc_now(SystemClock()),
                progress=None if as_json else lambda name: spinner.update(f"checking {name}"))
    except MwaaOpsError as exc:
        fail(str(exc), as_json)
    problems = [r for r in reports if r.status != "ok"]

    def render(out: Any) -> None:
        rows = []
        for report in problems:
            for finding in report.findings:
                rows.append([report.dashboard, report.title, report.status, finding.line,
                             finding.reason, finding.detail])
        if rows:
            out.print(table(f"Widgets without data (last {since})",
                            ["dashboard", "widget", "status", "line", "reason", "detail"], rows))
        out.print(f"{len(reports) - len(problems)} of {len(reports)} metric widgets have data "
                  f"(last {since}).")

    emit({"since": since, "widgets": [r.to_json() for r in reports],
          "with_data": len(reports) - len(problems), "total": len(reports)}, as_json, render)
    if problems:
        raise SystemExit(1)


@dashboards.command("export", context_settings={"help_option_names": ["-h", "--help"]})
@config_option
@environment_option
@endpoint_option
@click.option("--format", "fmt", type=click.Choice(["cloudformation", "terraform", "json"]),
              required=True, help="cloudformation template, Terraform JSON, or raw bodies.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Directory to write into (created).")
@json_option
def export_command(config_file: str | None, environment: str | None, endpoint_url: str | None,
                   fmt: str, out_dir: str, as_json: bool) -> None:
    """Write the rendered dashboards as CloudFormation, Terraform or raw JSON bodies."""
    from pathlib import Path

    from mwaa_ops.dashboards.export import export

    _config, session = _session(config_file, environment, endpoint_url, as_json)
    paths = export(session.desired, fmt, Path(out_dir))
    emit({"format": fmt, "files": [str(p) for p in paths],
          "dashboards": [d.name for d in session.desired]}, as_json,
         lambda out: out.print(f"{len(session.desired)} dashboard(s) as {fmt}: "
                               + ", ".join(str(p) for p in paths)))


@dashboards.command("preview", context_settings={"help_option_names": ["-h", "--help"]})
@config_option
@environment_option
@endpoint_option
@click.option("--since", default="3h", show_default=True, help="Window: 90s, 15m, 3h, 2d.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Directory for index.html, one page per dashboard and the PNG charts.")
@json_option
def preview(config_file: str | None, environment: str | None, endpoint_url: str | None,
            since: str, out_dir: str, as_json: bool) -> None:
    """Render the dashboards from live data to static HTML with PNG charts (works offline)."""
    from pathlib import Path

    from mwaa_ops.aws import make_client
    from mwaa_ops.cli.output import console
    from mwaa_ops.clock import SystemClock, utc_now
    from mwaa_ops.dashboards.preview import render_preview

    window = _window(since, as_json)
    config, session = _session(config_file, environment, endpoint_url, as_json)
    status = console(stderr=True)
    try:
        with status.status("rendering", spinner="dots") as spinner:
            index = render_preview(
                make_client("cloudwatch", config.aws), session.desired, window,
                utc_now(SystemClock()), Path(out_dir),
                progress=None if as_json else lambda name: spinner.update(f"rendering {name}"))
    except MwaaOpsError as exc:
        fail(str(exc), as_json)
    pages = sorted(str(p) for p in Path(out_dir).glob("*.html"))
    emit({"index": str(index), "pages": pages}, as_json,
         lambda out: out.print(f"Preview of {len(session.desired)} dashboard(s): {index}"))
