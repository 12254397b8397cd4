"""``mwaa-ops agent``: the sidecar against AWS (or AWS_ENDPOINT_URL), from a config file."""

from __future__ import annotations

import click

from mwaa_ops.cli.common import config_option, environment_option
from mwaa_ops.cli.output import json_option
from mwaa_ops.cli.run import agent_options, config_from_flags, run_agent


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@config_option
@environment_option
@agent_options
@json_option
def agent(config_file: str | None, environment: str | None, as_json: bool, **flags: object) -> None:
    """Run the StatsD receiver and publisher against AWS.

    Uses the standard credential chain and region; AWS_ENDPOINT_URL and
    AWS_ENDPOINT_URL_<SERVICE> (or aws.endpoint_url in the config) redirect it.
    Stops cleanly on Ctrl-C or SIGTERM, flushing what was aggregated.
    """
    config = config_from_flags(config_file, environment, **flags)
    run_agent(config, as_json=as_json)
