"""``mwaa-ops metrics``: what the agent has published, read back from CloudWatch."""

from __future__ import annotations

from typing import Any

import click

from mwaa_ops.cli.common import build_config, config_option, endpoint_option, environment_option
from mwaa_ops.cli.output import emit, fail, json_option, table
from mwaa_ops.clock import SystemClock
from mwaa_ops.errors import MwaaOpsError
from mwaa_ops.readback import parse_duration, read_published


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@config_option
@environment_option
@endpoint_option
@click.option("--since", default="15m", show_default=True, help="How far back: 90s, 15m, 3h, 2d.")
@click.option("--namespace", default=None, help="CloudWatch namespace (config: namespace).")
@click.option("--metric", "metric_filter", default=None, help="Only metrics whose name contains this.")
@json_option
def metrics(
    config_file: str | None,
    environment: str | None,
    endpoint_url: str | None,
    since: str,
    namespace: str | None,
    metric_filter: str | None,
    as_json: bool,
) -> None:
    """List published metrics, read back from CloudWatch.

    Per metric and dimension set: the sum of its latest minute (and when, UTC),
    then sum, sample count, average and maximum over --since. Counters read
    as sums; gauges and timers as averages and maxima.
    """
    try:
        window = parse_duration(since)
    except ValueError as exc:
        fail(f"--since {since!r}: {exc}", as_json)
    try:
        config = build_config(
            config_file,
            environment=environment,
            namespace=namespace,
            **{"aws.endpoint_url": endpoint_url},
        )
        rows = read_published(config, window_seconds=window, clock=SystemClock(),
                              name_filter=metric_filter, progress=not as_json)
    except MwaaOpsError as exc:
        fail(str(exc), as_json)

    def render(out: Any) -> None:
        if not rows:
            out.print(
                f"No metrics for environment {config.environment!r} in namespace "
                f"{config.namespace!r} during the last {since}."
            )
            return
        out.print(
            table(
                f"{config.namespace} · Environment={config.environment} · last {since}",
                ["metric", "dimensions", "last min", "at", "sum", "samples", "avg", "max"],
                [
                    [
                        r["metric"],
                        ", ".join(f"{k}={v}" for k, v in r["dimensions"].items() if k != "Environment"),
                        _fmt(r["latest"]),
                        (r["latest_at"] or "")[11:16],
                        _fmt(r["sum"]),
                        _fmt(r["samples"]),
                        _fmt(r["average"]),
                        _fmt(r["max"]),
                    ]
                    for r in rows
                ],
            )
        )

    emit(
        {"namespace": config.namespace, "environment": config.environment, "since": since,
         "metrics": rows},
        as_json,
        render,
    )


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.3f}"
