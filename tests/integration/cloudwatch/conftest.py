"""Shared fixtures: the local endpoint (one per module) and a fault proxy in front of it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mwaa_ops.local.endpoint import LocalEndpoint
from tests.support.fault_proxy import FaultProxy


@pytest.fixture(scope="module")
def endpoint() -> Iterator[LocalEndpoint]:
    with LocalEndpoint(port=0) as ep:
        yield ep


@pytest.fixture
def proxy(endpoint: LocalEndpoint) -> Iterator[FaultProxy]:
    with FaultProxy(endpoint.url) as p:
        yield p
