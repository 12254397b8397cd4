"""Options shared by several commands, and turning them into a Config."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import click

from mwaa_ops.clock import FixedClock
from mwaa_ops.config import Config, load_config

F = TypeVar("F", bound=Callable[..., Any])

config_option = click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    default=None,
    envvar="MWAA_OPS_CONFIG",
    help="TOML config file (see docs/configuration.md). Env: MWAA_OPS_CONFIG.",
)
environment_option = click.option(
    "--environment", default=None, help="MWAA environment name (config: environment)."
)
endpoint_option = click.option(
    "--endpoint-url",
    default=None,
    help="AWS endpoint to use instead of AWS (e.g. http://127.0.0.1:4566 for `mwaa-ops up`).",
)


def as_of_option(func: F) -> F:
    return click.option(
        "--as-of",
        "as_of",
        default=None,
        metavar="DATE",
        help="Answer as of this date (YYYY-MM-DD or ISO time, UTC) instead of now.",
    )(func)


def parse_as_of(value: str | None) -> FixedClock | None:
    """``--as-of 2026-11-25`` → a clock frozen at that instant (UTC)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM", param_hint="--as-of"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return FixedClock(moment)


def build_config(config_file: str | None, **overrides: Any) -> Config:
    """Load the config with flag overrides (dotted keys; ``None`` means unset)."""
    return load_config(config_file, overrides=overrides)
