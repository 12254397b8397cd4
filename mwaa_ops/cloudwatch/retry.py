"""Exponential backoff with full jitter, and telling AWS failures apart.

Full jitter (a uniform draw between 0 and the capped exponential delay) is the
schedule the AWS Architecture Blog's "Exponential Backoff and Jitter" found to
spread retrying clients best. Whether an error is worth retrying is decided by
:func:`mwaa_ops.errors.is_retryable`; this module only extracts the code and
HTTP status from whatever botocore raised.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

import botocore.exceptions as botocore_errors

from mwaa_ops.errors import THROTTLING_CODES, is_retryable


@dataclass
class Backoff:
    """Delay before retry number ``attempt`` (1 for the first retry)."""

    base_seconds: float
    max_seconds: float
    random: Callable[[], float] = field(default=random.random)

    def ceiling(self, attempt: int) -> float:
        """The capped exponential delay: base * 2^(attempt-1), at most max."""
        exponent = min(max(attempt - 1, 0), 62)
        return min(self.max_seconds, self.base_seconds * (2.0**exponent))

    def delay(self, attempt: int) -> float:
        """A full-jitter delay: uniform in [0, ceiling(attempt))."""
        return self.random() * self.ceiling(attempt)


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
        # from CloudWatch, so the call may succeed later.
        return Failure(type(exc).__name__, 0, str(exc))
    # Anything else is a bug on our side or in a client stub: not retried, counted.
    return Failure(type(exc).__name__, 400, str(exc))
