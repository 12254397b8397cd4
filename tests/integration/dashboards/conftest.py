"""The embedded endpoint (moto server + MWAA emulator over HTTP) behind a counting proxy."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from mwaa_ops.local import LocalEndpoint
from tests.integration.dashboards.sync_env import ROOT
from tests.support.fault_proxy import FaultProxy


@pytest.fixture(scope="module")
def endpoint() -> Iterator[LocalEndpoint]:
    with LocalEndpoint("127.0.0.1", 0) as ep:
        yield ep


@pytest.fixture()
def proxy(endpoint: LocalEndpoint) -> Iterator[FaultProxy]:
    endpoint.reset()
    with FaultProxy(endpoint.url) as counting:
        yield counting
    endpoint.reset()


@pytest.fixture()
def definitions(tmp_path: Path) -> Path:
    """A copy of the shipped dashboards/ the test may edit."""
    target = tmp_path / "dashboards"
    shutil.copytree(ROOT / "dashboards", target, ignore=shutil.ignore_patterns("*.md"))
    return target
