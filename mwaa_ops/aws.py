"""The only place boto3 clients are made.

Honours the standard credential chain and region, ``AWS_ENDPOINT_URL`` and
``AWS_ENDPOINT_URL_<SERVICE>`` (read by botocore itself), and the config's
``aws.endpoint_url``, so the embedded endpoint, a real account and a
fault-injecting proxy are one setting apart.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from botocore.config import Config as BotoConfig

from mwaa_ops.config import AwsConfig

# Used only when nothing else names a region: the embedded endpoint does not care.
FALLBACK_REGION = "us-east-1"

# botocore service names, and the suffix of their AWS_ENDPOINT_URL_<SERVICE> variable.
_ENV_SUFFIX = {"cloudwatch": "CLOUDWATCH", "mwaa": "MWAA", "sns": "SNS", "s3": "S3"}


def endpoint_for(service: str, aws: AwsConfig, environ: dict[str, str] | None = None) -> str:
    """The endpoint URL a client for ``service`` will use, or ``""`` for AWS itself."""
    env = os.environ if environ is None else environ
    return (
        aws.endpoint_url
        or env.get(f"AWS_ENDPOINT_URL_{_ENV_SUFFIX.get(service, service.upper())}", "")
        or env.get("AWS_ENDPOINT_URL", "")
    )


def make_client(
    service: str,
    aws: AwsConfig,
    *,
    max_attempts: int | None = None,
    timeout_seconds: float | None = None,
    max_pool_connections: int = 10,
) -> Any:
    """A boto3 client for ``service``.

    ``max_attempts=1`` turns botocore's own retries off for callers that retry
    themselves (the publisher), so backoff is decided in one place.
    """
    session = boto3.session.Session(profile_name=aws.profile or None)
    endpoint = endpoint_for(service, aws)
    region = aws.region or session.region_name or FALLBACK_REGION
    options: dict[str, Any] = {"max_pool_connections": max_pool_connections}
    if max_attempts is not None:
        # botocore reads "max_attempts" as retries after the first call (1 would
        # mean two calls); "total_max_attempts" counts the first call too.
        options["retries"] = {"total_max_attempts": max_attempts, "mode": "standard"}
    if timeout_seconds is not None:
        options["connect_timeout"] = timeout_seconds
        options["read_timeout"] = timeout_seconds
    if service == "mwaa" and endpoint:
        # The MWAA client prefixes the host with "api."; a local endpoint has no such name.
        options["inject_host_prefix"] = False
    kwargs: dict[str, Any] = {"region_name": region, "config": BotoConfig(**options)}
    if endpoint:
        kwargs["endpoint_url"] = endpoint
        if session.get_credentials() is None:
            # A local endpoint accepts any credentials; AWS itself never gets these.
            kwargs["aws_access_key_id"] = "testing"
            kwargs["aws_secret_access_key"] = "testing"
    return session.client(service, **kwargs)
