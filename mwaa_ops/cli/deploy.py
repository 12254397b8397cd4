"""``mwaa-ops deploy render``: sidecar files for compose, ECS or Kubernetes."""

from __future__ import annotations

import json
from pathlib import Path

import click

from mwaa_ops.cli.common import build_config, config_option
from mwaa_ops.cli.output import json_option

TARGETS = ("compose", "ecs", "kubernetes", "cloudformation", "terraform")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def deploy() -> None:
    """Deployment files for running mwaa-ops next to Airflow (docs/deploy.md)."""


@deploy.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--target", type=click.Choice(TARGETS), required=True,
              help="compose: docker compose project; ecs: RegisterTaskDefinition JSON; "
                   "kubernetes: ServiceAccount, ConfigMap, Service, Deployment with a native sidecar; "
                   "cloudformation / terraform: role, topics, lease table, report bucket.")
@config_option
@click.option("--image", default=None, help="The mwaa-ops image (default mwaa-ops:latest).")
@click.option("--out", "out_file", type=click.Path(dir_okay=False), default=None,
              help="Write to this file instead of standard output.")
@json_option
def render(target: str, config_file: str | None, image: str | None, out_file: str | None,
           as_json: bool) -> None:
    """Render the sidecar's deployment file for TARGET from the config.

    Config keys that differ from their defaults become MWAA_OPS_* variables;
    Airflow's [metrics] settings point at the sidecar. ECS is printed as JSON
    (aws ecs register-task-definition --cli-input-json file://...), the others
    as YAML unless --json.
    """
    import yaml

    from mwaa_ops.deploy.infra import cloudformation, terraform
    from mwaa_ops.deploy.render import DEFAULT_IMAGE
    from mwaa_ops.deploy.render import render as render_target

    config = build_config(config_file)
    try:
        if target == "cloudformation":
            data: object = cloudformation()
        elif target == "terraform":
            data = terraform()
        else:
            data = render_target(target, config, image or DEFAULT_IMAGE)  # type: ignore[arg-type]
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if as_json or target in ("ecs", "terraform"):
        text = json.dumps(data, indent=2) + "\n"
    elif isinstance(data, list):
        text = yaml.safe_dump_all(data, sort_keys=False, default_flow_style=False)
    else:
        text = yaml.safe_dump(data, sort_keys=False, default_flow_style=False)
    if out_file:
        Path(out_file).write_text(text, encoding="utf-8")
        click.echo(f"wrote {out_file} ({target})", err=True)
    else:
        click.echo(text, nl=False)
