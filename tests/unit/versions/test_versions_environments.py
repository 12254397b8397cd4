"""Reading environments from MWAA: boto3 errors become the project's error tree."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from mwaa_ops.errors import EnvironmentNotFoundError, FatalAwsError, RetryableAwsError
from mwaa_ops.versions.environments import get_environment, read_environments


def _client_error(code: str, status: int, operation: str) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": f"{code} says no"}, "ResponseMetadata": {"HTTPStatusCode": status}},
        operation,
    )


class FailingMwaa:
    """Raises the given exceptions from ListEnvironments / GetEnvironment (None: answer)."""

    def __init__(self, on_list: BaseException | None = None, on_get: BaseException | None = None) -> None:
        self.on_list = on_list
        self.on_get = on_get

    def list_environments(self, **kwargs: Any) -> dict[str, Any]:
        if self.on_list:
            raise self.on_list
        return {"Environments": ["prod"]}

    def get_environment(self, Name: str) -> dict[str, Any]:  # noqa: N803 - boto3's name
        if self.on_get:
            raise self.on_get
        return {"Environment": {"Name": Name, "AirflowVersion": "2.10.3", "Status": "AVAILABLE"}}


def test_missing_environment_is_not_found() -> None:
    client = FailingMwaa(on_get=_client_error("ResourceNotFoundException", 404, "GetEnvironment"))
    with pytest.raises(EnvironmentNotFoundError, match="'gone' does not exist"):
        get_environment(client, "gone")
    # Listed, then deleted before GetEnvironment: skipped.
    assert read_environments(client) == []


def test_denied_is_fatal_with_code_and_status() -> None:
    client = FailingMwaa(on_get=_client_error("AccessDeniedException", 403, "GetEnvironment"))
    with pytest.raises(FatalAwsError) as error:
        read_environments(client, "prod")
    assert (error.value.code, error.value.status) == ("AccessDeniedException", 403)
    assert str(error.value) == "MWAA GetEnvironment failed: AccessDeniedException: AccessDeniedException says no"


def test_server_error_while_listing_is_retryable() -> None:
    client = FailingMwaa(on_list=_client_error("InternalServerException", 500, "ListEnvironments"))
    with pytest.raises(RetryableAwsError) as error:
        read_environments(client)
    assert (error.value.code, error.value.status) == ("InternalServerException", 500)
    assert str(error.value).startswith("MWAA ListEnvironments failed: InternalServerException: ")


def test_no_connection_is_retryable() -> None:
    refused = EndpointConnectionError(endpoint_url="http://127.0.0.1:9/environments")
    for client in (FailingMwaa(on_list=refused), FailingMwaa(on_get=refused)):
        with pytest.raises(RetryableAwsError) as error:
            read_environments(client)
        assert (error.value.code, error.value.status) == ("EndpointConnectionError", 0)
        assert "Could not connect to the endpoint URL" in str(error.value)
