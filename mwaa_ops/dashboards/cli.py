"""``mwaa-ops dashboards plan|apply|check|preview|export``."""

from __future__ import annotations

import click

from mwaa_ops.dashboards.build import prepare
from mwaa_ops.sync.commands import add_plan_apply


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def dashboards() -> None:
    """CloudWatch dashboards as code, from dashboards/*.yaml (docs/dashboards.md).

    plan and apply keep the dashboards mwaa-ops owns in sync with the
    definitions; check finds widgets without data; preview renders them to
    HTML offline; export writes CloudFormation, Terraform or raw JSON.
    """


add_plan_apply(dashboards, noun="dashboards", prepare=prepare)
