"""The only place boto3 clients are made, and where AWS failures are told apart.

Honours the standard credential chain and region, ``AWS_ENDPOINT_URL`` and
``AWS_ENDPOINT_URL_<SERVICE>`` (read by botocore itself), and the config's
``aws.endpoint_url``, so the embedded endpoint, a real account and a
fault-injecting proxy are one setting apart.

:func:`classify` extracts the code and HTTP status from whatever botocore
raised; whether that is worth retrying is decided by
:func:`mwaa_ops.errors.is_retryable`. :func:`aws_error` turns the same
exception into the project's error tree.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

import botocore.exceptions as botocore_errors

from mwaa_ops.aws_calls import RECORD_ENV, install_recorder
from mwaa_ops.config import AwsConfig
from mwaa_ops.errors import (
    THROTTLING_CODES,
    AwsError,
    FatalAwsError,
    RetryableAwsError,
    is_retryable,
)

# Used only when nothing else names a region: the embedded endpoint does not care.
FALLBACK_REGION = "us-east-1"


@dataclass(frozen=True, slots=True)
class Failure:
    """What went wrong with one call."""

    code: str
    status: int
    message: str

    @property
    def retryable(self) -> bool:
        return is_retryable(self.code, self.status)

    @property
    def throttled(self) -> bool:
        return self.code in THROTTLING_CODES or self.status == 429


def classify(exc: BaseException) -> Failure:
    """Code and HTTP status of a botocore/boto3 exception (status 0: no answer)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error") or {}
        meta = response.get("ResponseMetadata") or {}
        code = str(error.get("Code") or "")
        status = int(meta.get("HTTPStatusCode") or 0)
        return Failure(code or str(status), status, str(error.get("Message") or exc))
    if isinstance(exc, botocore_errors.ParamValidationError):
        # Rejected by botocore before sending: the request itself is wrong.
        return Failure("ParamValidation", 400, str(exc))
    if isinstance(exc, botocore_errors.BotoCoreError | OSError):
        # Connection refused/closed/reset, timeouts, unparseable answers: no verdict
        # from the service, so the call may succeed later.
        return Failure(type(exc).__name__, 0, str(exc))
    # Anything else is a bug on our side or in a client stub: not retried, counted.
    return Failure(type(exc).__name__, 400, str(exc))


def aws_error(exc: BaseException, what: str) -> AwsError:
    """``exc`` from botocore as :class:`RetryableAwsError` or :class:`FatalAwsError`.

    ``what`` names the call (``"MWAA GetEnvironment"``). The message is
    ``<what> failed: <code>: <message>`` for an answer from the service, and
    ``<what> failed: <message>`` when there was none (connection refused, timeout,
    a request botocore rejected before sending).
    """
    failure = classify(exc)
    answered = isinstance(getattr(exc, "response", None), dict)
    detail = f"{failure.code}: {failure.message}" if answered else failure.message
    kind = RetryableAwsError if failure.retryable else FatalAwsError
    return kind(f"{what} failed: {detail}", code=failure.code, status=failure.status)


def endpoint_for(service: str, aws: AwsConfig) -> str:
    """The endpoint URL a client for ``service`` will use, or ``""`` for AWS itself."""
    return (
        aws.endpoint_url
        or os.environ.get(f"AWS_ENDPOINT_URL_{service.upper()}", "")
        or os.environ.get("AWS_ENDPOINT_URL", "")
    )


# One boto3 Session per profile and AWS_* environment, shared by every client:
# each Session parses botocore's endpoint and partition data again, and a
# client from a fresh Session loads its service model again (about 8 MB per
# client, issue 15); from a shared one the second client of a service costs
# well under 1 MB.
_SESSIONS: dict[tuple[str, tuple[tuple[str, str], ...]], Any] = {}
_SESSION_LOCK = threading.Lock()


def _session(profile: str) -> Any:
    """The shared boto3 Session for ``profile`` and the current ``AWS_*`` variables."""
    import boto3

    environment = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("AWS_")))
    key = (profile, environment)
    with _SESSION_LOCK:
        session = _SESSIONS.get(key)
        if session is None:
            if len(_SESSIONS) >= 8:  # the environment changed (tests): forget the old ones
                _SESSIONS.clear()
            session = _SESSIONS[key] = boto3.session.Session(profile_name=profile or None)
        return session


def make_client(
    service: str,
    aws: AwsConfig,
    *,
    max_attempts: int | None = None,
    timeout_seconds: float | None = None,
    max_pool_connections: int = 10,
    record: bool = True,
) -> Any:
    """A boto3 client for ``service``.

    ``max_attempts=1`` turns botocore's own retries off for callers that retry
    themselves (the publisher), so backoff is decided in one place.
    ``record=False`` leaves the client out of the IAM call recording
    (``MWAAOPS_RECORD_AWS_CALLS``): only for setting up the embedded endpoint,
    which is not an AWS call the agent makes.
    """
    # Imported here: boto3 is slow to load, and commands that only classify errors
    # (or never call AWS, like the offline ``versions``) should not pay for it.
    from botocore.config import Config as BotoConfig

    session = _session(aws.profile)
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
    with _SESSION_LOCK:  # a boto3 Session is not thread-safe; its clients are
        client = session.client(service, **kwargs)
    record_to = os.environ.get(RECORD_ENV)
    if record_to and record:
        # Every call's IAM action and resource, for the least-privilege proof
        # (mwaa_ops/aws_calls.py; docs/deploy.md).
        install_recorder(client, record_to)
    return client
