"""Entry point: ``mwaa-ops <command>``. Commands live in their own modules."""

from __future__ import annotations

import importlib

import click

from mwaa_ops import __version__
from mwaa_ops.cli.output import fail
from mwaa_ops.errors import MwaaOpsError

# command name -> "module:attribute"; modules are imported only when their command runs.
COMMANDS: dict[str, str] = {
    "up": "mwaa_ops.cli.up:up",
    "agent": "mwaa_ops.cli.agent:agent",
    "metrics": "mwaa_ops.cli.metrics:metrics",
    "versions": "mwaa_ops.cli.versions:versions",
    "status": "mwaa_ops.cli.status:status",
    "iam-policy": "mwaa_ops.cli.iam_policy:iam_policy",
    "deploy": "mwaa_ops.cli.deploy:deploy",
    "doctor": "mwaa_ops.cli.doctor:doctor",
    "readiness": "mwaa_ops.cli.readiness:readiness",
    "report": "mwaa_ops.cli.report:report",
    "dashboards": "mwaa_ops.dashboards.cli:dashboards",
    "alarms": "mwaa_ops.cli.alarms:alarms",
    "windows": "mwaa_ops.cli.upgrade:windows",
    "upgrade": "mwaa_ops.cli.upgrade:upgrade",
}

HELP = {
    "up": "Run the agent on the embedded default (local AWS endpoint, no account needed).",
    "agent": "Run the agent against AWS (or AWS_ENDPOINT_URL) from a config file.",
    "metrics": "List what the agent has published, read back from CloudWatch.",
    "versions": "Airflow release calendars, MWAA lags and the 30-day scorecard.",
    "status": "Each environment's Airflow version standing and upgrade path.",
    "iam-policy": "The least-privilege IAM policy for the enabled features.",
    "deploy": "Render sidecar files for compose, ECS or Kubernetes from the config.",
    "doctor": "Inspect a running set-up and say what to fix.",
    "readiness": "Is an environment ready to upgrade: checklist with evidence and what to do.",
    "report": "Write the weekly upgrade readiness report (Markdown, HTML, JSON).",
    "dashboards": "CloudWatch dashboards as code: plan, apply, check, preview, export.",
    "alarms": "CloudWatch alarms, SNS routing and runbooks: plan, apply, backtest, status, mute.",
    "windows": "An environment's next maintenance windows and why any is skipped.",
    "upgrade": "Plan, approve and run in-place Airflow upgrades inside maintenance windows.",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, HELP.get(name, "")) for name in COMMANDS])


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mwaa-ops")
def cli() -> None:
    """mwaa-ops: metrics, versions and operations for Apache Airflow on Amazon MWAA."""


def main() -> None:
    try:
        cli(standalone_mode=True)
    except MwaaOpsError as exc:
        fail(str(exc))


if __name__ == "__main__":
    main()
