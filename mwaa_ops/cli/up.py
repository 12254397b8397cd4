"""``mwaa-ops up``: the agent on its embedded default, no AWS account needed.

Starts a local AWS endpoint in this process (moto for CloudWatch, SNS, S3 and
the project's MWAA emulator behind one port), creates the MWAA environment,
and runs the agent against it.
"""

from __future__ import annotations

from typing import Any

import click

from mwaa_ops.cli.common import config_option, environment_option
from mwaa_ops.cli.output import json_option
from mwaa_ops.cli.run import agent_options, config_from_flags, default_info, run_agent

DEFAULT_ENDPOINT_PORT = 4566


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@config_option
@environment_option
@click.option(
    "--endpoint-port",
    type=int,
    default=DEFAULT_ENDPOINT_PORT,
    show_default=True,
    help="Port of the embedded AWS endpoint (0 picks a free one).",
)
@click.option(
    "--airflow-version",
    default=None,
    metavar="VERSION",
    help="Airflow version of the emulated environment (default: the newest MWAA offers).",
)
@agent_options
@json_option
def up(
    config_file: str | None,
    environment: str | None,
    endpoint_port: int,
    airflow_version: str | None,
    as_json: bool,
    **flags: Any,
) -> None:
    """Run the agent on the embedded default.

    A local AWS endpoint (CloudWatch, SNS, S3 and an MWAA emulator) starts on
    127.0.0.1, an MWAA environment is created in it, and the StatsD receiver
    listens on 127.0.0.1:8125. Ctrl-C stops everything and flushes.
    """
    from mwaa_ops.local import LocalEndpoint

    endpoint = LocalEndpoint("127.0.0.1", endpoint_port)
    endpoint.start()
    try:
        config = config_from_flags(
            config_file, environment, endpoint_url=endpoint.url, **flags
        )
        from mwaa_ops.aws import make_client
        from mwaa_ops.local.seed import seed_environment_files

        # Seeding the embedded endpoint is not an AWS call of the agent's: not recorded
        # for the IAM proof (docs/deploy.md).
        files = seed_environment_files(make_client("s3", config.aws, record=False), config.environment)
        seeded = endpoint.emulator.seed_environment(config.environment, airflow_version, **files)
    except BaseException:
        endpoint.stop()
        raise

    def banner(agent: Any) -> dict[str, Any]:
        info = default_info(agent)
        info["endpoint_url"] = endpoint.url
        info["mwaa"] = (
            f"{config.environment} (Airflow {seeded.get('AirflowVersion', '?')}, "
            f"{seeded.get('Status', '?')})"
        )
        return info

    run_agent(config, as_json=as_json, banner=banner, on_stop=endpoint.stop)
