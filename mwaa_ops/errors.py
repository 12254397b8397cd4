"""The one exception tree of mwaa-ops.

Every error the package raises on purpose derives from :class:`MwaaOpsError`.
Whether an AWS failure is worth retrying is decided in one place,
:func:`is_retryable`, so the publisher, the scheduler jobs and the upgrade
driver agree on it.
"""

from __future__ import annotations


class MwaaOpsError(Exception):
    """Base class of every error raised by mwaa-ops."""


class ConfigError(MwaaOpsError, ValueError):
    """A configuration value is missing or not allowed; the message names the key."""


class DefinitionError(MwaaOpsError, ValueError):
    """A definition file (dashboards, alarms) is invalid; the message names file and line."""


class AwsError(MwaaOpsError):
    """An AWS API call failed."""

    def __init__(self, message: str, *, code: str = "", status: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class RetryableAwsError(AwsError):
    """Throttling, a 5xx answer or a broken connection: the call may succeed later."""


class FatalAwsError(AwsError):
    """The request itself is wrong (a 4xx validation error): retrying cannot help."""


class SpoolError(MwaaOpsError):
    """The on-disk spool cannot be opened or written."""


class SourceError(MwaaOpsError):
    """An external data source (release calendar, versions page) is unreachable."""


class SourceFormatError(SourceError, ValueError):
    """An external data source answered, but not in the format mwaa-ops understands."""


class EnvironmentNotFoundError(MwaaOpsError, LookupError):
    """The named MWAA environment does not exist."""


class EndpointError(MwaaOpsError, OSError):
    """The embedded local AWS endpoint could not be started (port in use, ...)."""


# Codes that mean "slow down" rather than "broken": retried, and they also cut the request rate.
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
        "LimitExceededException",
    }
)

# Error codes AWS documents as transient. Anything else in the 4xx range is the
# caller's fault and is not retried.
RETRYABLE_CODES = THROTTLING_CODES | frozenset(
    {
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalFailure",
        "InternalServiceError",
        "InternalServerError",
        "InternalError",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)


def is_retryable(code: str, status: int) -> bool:
    """Tell a transient AWS failure (retry later) from a permanent one (drop or fix)."""
    if code in RETRYABLE_CODES:
        return True
    return status == 429 or status >= 500 or status == 0


class InvalidDefinitionError(DefinitionError):
    """One or more problems in definition files, each with file, line, key path and value.

    ``issues`` holds :class:`mwaa_ops.sync.definitions.Issue` records; the
    message lists them one per line as ``file:line: key = value: problem``.
    """

    def __init__(self, issues: tuple[object, ...]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))
