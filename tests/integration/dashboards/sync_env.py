"""Helpers of the dashboards integration tests: config on the counting proxy, write counts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mwaa_ops.aws import make_client
from mwaa_ops.config import Config, load_config
from tests.support.fault_proxy import FaultProxy

ROOT = Path(__file__).resolve().parents[3]
ENV = "itest"
WRITE_CALLS = ("PutDashboard", "DeleteDashboards")


def make_config(proxy: FaultProxy, definitions: Path, **extra: Any) -> Config:
    return load_config(None, overrides={
        "environment": ENV, "aws.endpoint_url": proxy.url, "aws.region": "us-east-1",
        "dashboards.directory": str(definitions), **extra}, environ={})


def writes(proxy: FaultProxy) -> int:
    return sum(proxy.operations[name] for name in WRITE_CALLS)


def client(config: Config, service: str) -> Any:
    return make_client(service, config.aws)
