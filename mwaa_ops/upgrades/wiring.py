"""Build the driver with the real pieces: boto3 clients, the alarms' maintenance mute, the readiness checks.

Shared by ``mwaa-ops upgrade``, ``mwaa-ops windows`` and the agent's
``upgrade_tick`` job, so they all drive upgrades the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mwaa_ops.clock import Clock
from mwaa_ops.config import Config
from mwaa_ops.upgrades.driver import Progress, UpgradeDriver
from mwaa_ops.upgrades.seams import ReadinessGate


def client_factory(config: Config) -> Callable[[str], Any]:
    """``make_client(service)`` for ``config.aws``, one client per service."""
    from mwaa_ops.aws import make_client

    cache: dict[str, Any] = {}

    def make(service: str) -> Any:
        if service not in cache:
            cache[service] = make_client(service, config.aws)
        return cache[service]

    return make


def build_driver(config: Config, clock: Clock, *, progress: Progress | None = None,
                 holder: str | None = None, make_client: Callable[[str], Any] | None = None) -> UpgradeDriver:
    from mwaa_ops.alarms.mute import MaintenanceMute

    make = make_client or client_factory(config)
    return UpgradeDriver(
        config=config, clock=clock, make_client=make,
        mute=MaintenanceMute(make("cloudwatch"), config, clock),
        readiness=ReadinessGate(config, make, clock, config.upgrades.readiness_checks),
        holder=holder, progress=progress,
    )
