"""The embedded endpoint (moto server + MWAA emulator over HTTP) behind a counting proxy."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mwaa_ops.aws import make_client
from mwaa_ops.config import Config, load_config
from mwaa_ops.local import LocalEndpoint
from tests.support.fault_proxy import FaultProxy

ROOT = Path(__file__).resolve().parents[3]
ENV = "itest"
WRITE_CALLS = ("PutDashboard", "DeleteDashboards")


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


def make_config(proxy: FaultProxy, definitions: Path, **extra: Any) -> Config:
    return load_config(None, overrides={
        "environment": ENV, "aws.endpoint_url": proxy.url, "aws.region": "us-east-1",
        "dashboards.directory": str(definitions), **extra}, environ={})


def writes(proxy: FaultProxy) -> int:
    return sum(proxy.operations[name] for name in WRITE_CALLS)


def client(config: Config, service: str) -> Any:
    return make_client(service, config.aws)
