"""``mwaa-ops doctor``: inspect a running set-up and print what to fix."""

from __future__ import annotations

import click

from mwaa_ops.cli.common import config_option, endpoint_option, environment_option
from mwaa_ops.cli.output import emit, json_option, table

STYLE = {"ok": "green", "unknown": "dim", "warn": "yellow", "fail": "bold red"}
AGENT_PATHS = ("/healthz", "/livez", "/metrics")


def health_base(url: str | None) -> str | None:
    """The agent's base URL from what a user pastes: ``http://h:9125``, ``.../`` or the
    ``.../healthz`` that ``mwaa-ops up`` prints (also ``/livez``, ``/metrics``)."""
    if url is None:
        return None
    base = url.strip().rstrip("/")
    for path in AGENT_PATHS:
        if base.endswith(path):
            return base[: -len(path)]
    return base


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@config_option
@environment_option
@endpoint_option
@click.option("--health-url", default=None, metavar="URL",
              help="The agent's health URL, e.g. http://127.0.0.1:9125 or the /healthz URL `up` prints "
                   "(default http://<health.host>:<health.port>).")
@click.option("--sample-seconds", type=float, default=3.0, show_default=True,
              help="Read the agent twice this far apart (arrival rate, spool growth).")
@click.option("--definitions", "definitions_root", type=click.Path(file_okay=False), default=None,
              help="Folder holding dashboards/ and alarms/ (default: the current folder).")
@json_option
def doctor(config_file: str | None, environment: str | None, endpoint_url: str | None,
           health_url: str | None, sample_seconds: float, definitions_root: str | None,
           as_json: bool) -> None:
    """Say why metrics are not arriving, and what to fix.

    Reads the running agent's /healthz and /metrics, and asks AWS (or the
    endpoint) who we are and what was published. Checks: agent, StatsD
    arriving, Airflow version and tag mode, metrics the dashboards and alarms
    need, endpoint, credentials, permissions, clock, spool. Run it with the
    agent's own config. Exit status 1 when any check warns or fails.
    """
    from pathlib import Path

    from mwaa_ops.cli.common import build_config
    from mwaa_ops.clock import SystemClock
    from mwaa_ops.deploy.doctor import definition_folders, diagnose, healthy, report
    from mwaa_ops.deploy.needs import needed_metrics
    from mwaa_ops.deploy.probe import observe

    config = build_config(config_file, environment=environment,
                          **{"aws.endpoint_url": endpoint_url})
    clock = SystemClock()
    if not as_json:
        click.echo(f"doctor: reading the agent for {sample_seconds:g} s and asking AWS ...", err=True)
    observations = observe(config, clock, health_base_url=health_base(health_url), sample_seconds=sample_seconds)
    needs = needed_metrics(definition_folders(Path(definitions_root) if definitions_root else None))
    findings = diagnose(observations, config, needs, clock.time())

    def render(out: object) -> None:
        rows = [[f.check, f"[{STYLE[f.status]}]{f.status}[/]", f.message, f.fix] for f in findings]
        verdict = "healthy" if healthy(findings) else "problems found"
        out.print(table(f"mwaa-ops doctor: {verdict}", ["check", "status", "finding", "fix"], rows))  # type: ignore[attr-defined]

    emit(report(findings), as_json, render)
    if not healthy(findings):
        raise SystemExit(1)
