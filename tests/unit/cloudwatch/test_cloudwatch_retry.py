"""Backoff schedule, error classification and adaptive pacing."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ConnectionClosedError,
    EndpointConnectionError,
    ParamValidationError,
    ReadTimeoutError,
)
from cloudwatch_fakes import client_error

from mwaa_ops.clock import FakeClock
from mwaa_ops.cloudwatch.pacing import MIN_RATE_PER_SECOND, Pacer
from mwaa_ops.cloudwatch.retry import Backoff, classify


def test_backoff_ceiling_doubles_then_caps() -> None:
    backoff = Backoff(0.2, 3.0, random=lambda: 1.0)
    assert [backoff.ceiling(n) for n in range(1, 7)] == [0.2, 0.4, 0.8, 1.6, 3.0, 3.0]
    assert backoff.ceiling(10_000) == 3.0


def test_full_jitter_draws_between_zero_and_ceiling() -> None:
    draws = iter([0.0, 0.5, 0.999])
    backoff = Backoff(1.0, 100.0, random=lambda: next(draws))
    assert [backoff.delay(3) for _ in range(3)] == [0.0, 2.0, pytest.approx(3.996)]


@pytest.mark.parametrize(
    ("exc", "code", "retryable", "throttled"),
    [
        pytest.param(client_error("Throttling", 400), "Throttling", True, True, id="throttling"),
        pytest.param(client_error("ThrottlingException", 400), "ThrottlingException", True, True, id="throttling-exc"),
        pytest.param(client_error("ServiceUnavailable", 503), "ServiceUnavailable", True, False, id="503"),
        pytest.param(client_error("500", 500), "500", True, False, id="bare-500"),
        pytest.param(client_error("InvalidParameterValue", 400), "InvalidParameterValue", False, False, id="400-invalid"),
        pytest.param(client_error("AccessDenied", 403), "AccessDenied", False, False, id="403"),
        pytest.param(EndpointConnectionError(endpoint_url="http://x"), "EndpointConnectionError", True, False, id="refused"),
        pytest.param(ConnectionClosedError(endpoint_url="http://x"), "ConnectionClosedError", True, False, id="closed"),
        pytest.param(ReadTimeoutError(endpoint_url="http://x"), "ReadTimeoutError", True, False, id="timeout"),
        pytest.param(ParamValidationError(report="bad"), "ParamValidation", False, False, id="param-validation"),
        pytest.param(TypeError("bug"), "TypeError", False, False, id="bug"),
    ],
)
def test_classify(exc: BaseException, code: str, retryable: bool, throttled: bool) -> None:
    failure = classify(exc)
    assert (failure.code, failure.retryable, failure.throttled) == (code, retryable, throttled)


def test_pacer_bursts_then_waits_at_the_rate() -> None:
    clock = FakeClock()
    pacer = Pacer(10.0, clock)
    waits = [pacer.reserve() for _ in range(12)]
    assert waits[:10] == [0.0] * 10
    assert waits[10] == pytest.approx(0.1)
    assert waits[11] == pytest.approx(0.2)
    clock.advance(1.0)
    assert pacer.reserve() == 0.0


def test_pacer_halves_on_throttle_and_recovers_on_success() -> None:
    pacer = Pacer(100.0, FakeClock())
    for _ in range(3):
        pacer.on_throttle()
    assert pacer.rate == 12.5
    for _ in range(100):
        pacer.on_throttle()
    assert pacer.rate == MIN_RATE_PER_SECOND
    for _ in range(20):
        pacer.on_success()
    assert pacer.rate == 100.0
