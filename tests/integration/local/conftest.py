"""A LocalEndpoint on an ephemeral port, with a fake clock driving the MWAA emulator."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from mwaa_ops.clock import FakeClock
from mwaa_ops.local import LocalEndpoint, MwaaEmulator

EMULATOR_START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def endpoint() -> Iterator[LocalEndpoint]:
    with LocalEndpoint("127.0.0.1", 0) as ep:
        yield ep


@pytest.fixture()
def local(endpoint: LocalEndpoint) -> Iterator[LocalEndpoint]:
    """The shared endpoint with fresh state and a new fake clock for each test."""
    endpoint.reset()
    clock = FakeClock(EMULATOR_START)
    endpoint.emulator.clock = clock
    endpoint.emulator.create_seconds = 30
    endpoint.emulator.update_seconds = 60
    endpoint.emulator.delete_seconds = 10
    yield endpoint
    endpoint.reset()


@pytest.fixture()
def clock(local: LocalEndpoint) -> FakeClock:
    emulator: MwaaEmulator = local.emulator
    assert isinstance(emulator.clock, FakeClock)
    return emulator.clock
