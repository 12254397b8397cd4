"""`doctor --health-url` takes the URL `mwaa-ops up` prints (…/healthz), not only the base."""

from __future__ import annotations

import pytest

from mwaa_ops.cli.doctor import health_base


@pytest.mark.parametrize("given", [
    "http://127.0.0.1:9125", "http://127.0.0.1:9125/", "http://127.0.0.1:9125/healthz",
    "http://127.0.0.1:9125/healthz/", " http://127.0.0.1:9125/livez", "http://127.0.0.1:9125/metrics",
])
def test_pasted_agent_urls_give_the_base(given: str) -> None:
    assert health_base(given) == "http://127.0.0.1:9125"


def test_unset_keeps_the_configured_default() -> None:
    assert health_base(None) is None
