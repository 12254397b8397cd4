"""``mwaa-ops readiness``: is an environment ready for its next upgrade, with evidence.

Prints a checklist (pass / warn / fail, evidence, what to do); exits 0 when
no check failed, 1 when one did, 2 on a usage or access error.
"""

from __future__ import annotations

from pathlib import Path
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
from mwaa_ops.cli.output import console, emit, fail, json_option
from mwaa_ops.clock import Clock, SystemClock
from mwaa_ops.errors import MwaaOpsError

_MARK = {"pass": "[green]PASS[/]", "warn": "[yellow]WARN[/]", "fail": "[bold red]FAIL[/]"}
_PATH = click.Path(path_type=Path)


def render_report(report: Any, out: Any) -> None:
    out.print(f"[bold]Readiness of {report.environment}: {report.current} -> {report.target}[/]"
              f"  (checked {report.checked_at:%Y-%m-%d %H:%M} UTC)")
    if report.path:
        out.print(f"[dim]upgrade path: {report.path}[/]")
    for result in report.results:
        out.print(f"{_MARK[result.status]}  {result.check:<14} {result.summary}  [dim]({result.seconds:.1f} s)[/]")
        for line in result.evidence:
            out.print(f"        [dim]{line}[/]", soft_wrap=True)
        if result.remedy and result.status != "pass":
            out.print(f"        [cyan]to do:[/] {result.remedy}", soft_wrap=True)
    counts = report.counts()
    verdict = "[green]READY[/]" if report.passed else "[bold red]NOT READY[/]"
    out.print(f"{verdict}: {counts['pass']} pass, {counts['warn']} warn, {counts['fail']} fail")


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@config_option
@click.option("--environment", required=True, help="MWAA environment name.")
@click.option("--target", default=None, metavar="VERSION",
              help="Airflow version to check for (default: next step of the upgrade path).")
@click.option("--dags", "dags", type=_PATH, default=None, help="Scan this DAG folder instead of DagS3Path.")
@click.option("--requirements", "requirements", type=_PATH, default=None,
              help="Check this requirements.txt instead of the environment's.")
@click.option("--plugins", "plugins", type=_PATH, default=None,
              help="Check this plugins.zip instead of the environment's.")
@click.option("--import-check", is_flag=True, help="Also import the DAGs under the target Airflow.")
@click.option("--check", "only", multiple=True, help="Run only this check (repeatable).")
@endpoint_option
@as_of_option
@json_option
def readiness(config_file: str | None, environment: str, target: str | None, dags: Path | None,
              requirements: Path | None, plugins: Path | None, import_check: bool, only: tuple[str, ...],
              endpoint_url: str | None, as_of: str | None, as_json: bool) -> None:
    """Run every readiness check (path, environment, requirements, plugins, DAGs, configuration)."""
    from mwaa_ops.readiness import run_checks

    clock: Clock = parse_as_of(as_of) or SystemClock()
    progress_out = console(stderr=True)

    def progress(name: str, result: Any) -> None:
        if not as_json and result is None:
            progress_out.print(f"[dim]… {name}[/]")

    try:
        config = build_config(config_file, **{"aws.endpoint_url": endpoint_url})
        report = run_checks(
            environment, target, make_client=lambda service: make_client(service, config.aws),
            config=config, clock=clock, dags_dir=dags, requirements_file=requirements,
            plugins_file=plugins, import_check=import_check, only=only or None, progress=progress,
        )
    except MwaaOpsError as exc:
        fail(str(exc), as_json)
    emit(report.to_json(), as_json, lambda out: render_report(report, out))
    raise SystemExit(0 if report.passed else 1)
