"""A fresh embedded endpoint (moto + MWAA emulator) on an ephemeral port for each report test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mwaa_ops.local import LocalEndpoint


@pytest.fixture()
def endpoint() -> Iterator[LocalEndpoint]:
    # No evaluator thread: it would re-evaluate the alarms a test sets with SetAlarmState (back to
    # OK within 10 s on a loaded machine) and publish their notifications to the report's topic.
    with LocalEndpoint("127.0.0.1", 0, evaluate_alarms=False) as local:
        local.reset()
        yield local
        local.reset()
