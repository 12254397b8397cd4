"""A fresh embedded endpoint (moto + MWAA emulator) on an ephemeral port for each report test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mwaa_ops.local import LocalEndpoint


@pytest.fixture()
def endpoint() -> Iterator[LocalEndpoint]:
    with LocalEndpoint("127.0.0.1", 0) as local:
        local.reset()
        yield local
        local.reset()
