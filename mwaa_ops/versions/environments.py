"""Each MWAA environment's name, Airflow version and status, from the MWAA API.

Uses only ``ListEnvironments`` and ``GetEnvironment`` through a boto3 client
(made by :func:`mwaa_ops.aws.make_client`), so it works the same on the real
service and on the project's emulator. boto3 errors become the project's
error tree through :func:`mwaa_ops.aws.aws_error`: no answer (connection
refused, timeout), throttling and 5xx are retryable, other 4xx are fatal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mwaa_ops.aws import aws_error
from mwaa_ops.errors import EnvironmentNotFoundError


@dataclass(frozen=True, slots=True)
class EnvironmentVersion:
    name: str
    airflow_version: str
    status: str


def describe_environment(client: Any, name: str) -> dict[str, Any]:
    """GetEnvironment's ``Environment`` member as is; :class:`EnvironmentNotFoundError` if none."""
    try:
        answer = client.get_environment(Name=name)
    except (ClientError, BotoCoreError) as exc:
        error = aws_error(exc, "MWAA GetEnvironment")
        if error.code == "ResourceNotFoundException":
            raise EnvironmentNotFoundError(f"MWAA environment {name!r} does not exist") from None
        raise error from None
    environment: dict[str, Any] = answer.get("Environment", {})
    return environment


def get_environment(client: Any, name: str) -> EnvironmentVersion:
    """One environment; :class:`EnvironmentNotFoundError` if it does not exist."""
    environment = describe_environment(client, name)
    return EnvironmentVersion(
        name=environment.get("Name", name),
        airflow_version=environment.get("AirflowVersion", ""),
        status=environment.get("Status", ""),
    )


def list_environment_names(client: Any) -> list[str]:
    """Every environment name, following ``NextToken`` pages."""
    names: list[str] = []
    token = ""
    try:
        while True:
            answer = client.list_environments(**({"NextToken": token} if token else {}))
            names.extend(answer.get("Environments", []))
            token = answer.get("NextToken", "")
            if not token:
                return sorted(names)
    except (ClientError, BotoCoreError) as exc:
        raise aws_error(exc, "MWAA ListEnvironments") from None


def read_environments(client: Any, only: str | None = None) -> list[EnvironmentVersion]:
    """The named environment, or all of them (an environment deleted meanwhile is skipped)."""
    if only:
        return [get_environment(client, only)]
    out: list[EnvironmentVersion] = []
    for name in list_environment_names(client):
        try:
            out.append(get_environment(client, name))
        except EnvironmentNotFoundError:
            continue
    return out
