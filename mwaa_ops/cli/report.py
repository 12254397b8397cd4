"""``mwaa-ops report``: write the weekly upgrade readiness report (Markdown, HTML, JSON)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from mwaa_ops.cli.common import (
    as_of_option,
    build_config,
    config_option,
    endpoint_option,
    parse_as_of,
)
from mwaa_ops.cli.output import console, emit, fail, json_option
from mwaa_ops.clock import Clock, SystemClock
from mwaa_ops.errors import MwaaOpsError


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@config_option
@click.option("--environment", "environments", multiple=True,
              help="Only this environment (repeatable; default: report.environments, else all).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write report.md, report.html and report.json into.")
@click.option("--no-readiness", is_flag=True, help="Skip the readiness checks (faster).")
@endpoint_option
@as_of_option
@json_option
def report(config_file: str | None, environments: tuple[str, ...], out_dir: Path, no_readiness: bool,
           endpoint_url: str | None, as_of: str | None, as_json: bool) -> None:
    """Per environment: standing, upgrade path, readiness, health, alarms; the fleet; the cost."""
    clock: Clock = parse_as_of(as_of) or SystemClock()
    err = console(stderr=True)

    def progress(text: str) -> None:
        if not as_json:
            err.print(f"[dim]… {text}[/]")

    try:
        config = build_config(config_file, **{"aws.endpoint_url": endpoint_url})
        from mwaa_ops.reports.generate import generate_report  # pandas + matplotlib: only here

        result = generate_report(config, clock, out_dir, environments=environments or config.report.environments,
                                 readiness=config.report.readiness and not no_readiness, progress=progress)
    except MwaaOpsError as exc:
        fail(str(exc), as_json)

    def render(out: Any) -> None:
        for line in result.summary:
            out.print(line, soft_wrap=True)
        for kind, path in result.paths.items():
            out.print(f"[dim]{kind}:[/] {path}")

    emit({"paths": result.paths, "summary": result.summary}, as_json, render)
