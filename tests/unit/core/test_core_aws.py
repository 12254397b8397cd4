"""AWS failures told apart once (mwaa_ops.aws), and which endpoint a client uses."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    ParamValidationError,
    ReadTimeoutError,
)

from mwaa_ops.aws import aws_error, classify, endpoint_for
from mwaa_ops.cloudwatch import retry
from mwaa_ops.config import AwsConfig
from mwaa_ops.errors import AwsError, FatalAwsError, RetryableAwsError


def _client_error(code: str, status: int, message: str, operation: str = "GetEnvironment") -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}},
        operation,
    )


@pytest.mark.parametrize(
    ("exc", "kind", "code", "status", "message"),
    [
        pytest.param(
            _client_error("ThrottlingException", 400, "Rate exceeded"), RetryableAwsError,
            "ThrottlingException", 400, "MWAA GetEnvironment failed: ThrottlingException: Rate exceeded",
            id="throttled",
        ),
        pytest.param(
            _client_error("InternalServerException", 500, "oops"), RetryableAwsError,
            "InternalServerException", 500, "MWAA GetEnvironment failed: InternalServerException: oops",
            id="5xx",
        ),
        pytest.param(
            _client_error("AccessDeniedException", 403, "not authorized"), FatalAwsError,
            "AccessDeniedException", 403, "MWAA GetEnvironment failed: AccessDeniedException: not authorized",
            id="403",
        ),
        pytest.param(
            EndpointConnectionError(endpoint_url="http://127.0.0.1:9/environments"), RetryableAwsError,
            "EndpointConnectionError", 0,
            'MWAA GetEnvironment failed: Could not connect to the endpoint URL: "http://127.0.0.1:9/environments"',
            id="refused",
        ),
        pytest.param(
            ReadTimeoutError(endpoint_url="http://x"), RetryableAwsError, "ReadTimeoutError", 0,
            'MWAA GetEnvironment failed: Read timeout on endpoint URL: "http://x"', id="timeout",
        ),
        pytest.param(
            NoCredentialsError(), RetryableAwsError, "NoCredentialsError", 0,
            "MWAA GetEnvironment failed: Unable to locate credentials", id="no-credentials",
        ),
        pytest.param(
            ParamValidationError(report="Invalid length for parameter Name"), FatalAwsError,
            "ParamValidation", 400,
            "MWAA GetEnvironment failed: Parameter validation failed:\nInvalid length for parameter Name",
            id="param-validation",
        ),
    ],
)
def test_aws_error_keeps_code_status_and_retry_verdict(
    exc: BaseException, kind: type[AwsError], code: str, status: int, message: str
) -> None:
    error = aws_error(exc, "MWAA GetEnvironment")
    assert type(error) is kind
    assert (error.code, error.status, str(error)) == (code, status, message)
    assert isinstance(error, RetryableAwsError) == classify(exc).retryable


def test_cloudwatch_retry_re_exports_the_one_classifier() -> None:
    assert retry.classify is classify
    assert retry.Failure is type(classify(TypeError("bug")))


def test_endpoint_config_wins_then_service_variable_then_global(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://global:1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH", "http://cw:2")
    monkeypatch.delenv("AWS_ENDPOINT_URL_MWAA", raising=False)
    assert endpoint_for("cloudwatch", AwsConfig(endpoint_url="http://config:3")) == "http://config:3"
    assert endpoint_for("cloudwatch", AwsConfig()) == "http://cw:2"
    assert endpoint_for("mwaa", AwsConfig()) == "http://global:1"
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    assert endpoint_for("mwaa", AwsConfig()) == ""
