"""One local endpoint per module; each test gets a fresh accelerated clock and a fresh state dir."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from mwaa_ops.aws import make_client
from mwaa_ops.clock import AcceleratedClock
from mwaa_ops.config import Config
from mwaa_ops.local import LocalEndpoint, MwaaEmulator
from tests.support.upgrade_env import accelerated, publish_health, upgrade_config

_names = itertools.count(1)


@dataclass
class Rig:
    endpoint: LocalEndpoint
    clock: AcceleratedClock
    config: Config
    environment: str
    state_dir: Path
    _clients: dict[str, Any] = field(default_factory=dict)

    @property
    def emulator(self) -> MwaaEmulator:
        return self.endpoint.emulator

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = make_client(service, self.config.aws)
        return self._clients[service]

    def reconfigure(self, **extra: Any) -> Config:
        self.config = upgrade_config(self.state_dir, self.endpoint.url, **extra)
        return self.config


@pytest.fixture(scope="module")
def endpoint() -> Iterator[LocalEndpoint]:
    emulator = MwaaEmulator(update_seconds=600, rollback_seconds=300, snapshot_seconds=60)
    with LocalEndpoint("127.0.0.1", 0, emulator=emulator, evaluate_alarms=False) as ep:
        ep.dispatcher.prewarm(("cloudwatch", "sns", "s3", "sqs", "dynamodb"))
        yield ep


@pytest.fixture()
def rig(endpoint: LocalEndpoint, tmp_path: Path) -> Rig:
    """A new environment at 2.10.3 (SUN:03:00 window), the clock 5 minutes into that window."""
    endpoint.reset()  # moto (DynamoDB approvals and leases included) and the emulator start empty
    clock = accelerated()
    endpoint.emulator.clock = clock
    name = f"up{next(_names)}"
    endpoint.emulator.seed_environment(name, "2.10.3", WeeklyMaintenanceWindowStart="SUN:03:00")
    config = upgrade_config(tmp_path / "state", endpoint.url)
    rig = Rig(endpoint, clock, config, name, tmp_path / "state")
    publish_health(rig.client("cloudwatch"), name, clock.time() - 3600, 6 * 60)
    return rig
