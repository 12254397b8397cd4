"""Exponential backoff with full jitter, and telling AWS failures apart.

Full jitter (a uniform draw between 0 and the capped exponential delay) is the
schedule the AWS Architecture Blog's "Exponential Backoff and Jitter" found to
spread retrying clients best. Telling a transient failure from a permanent
one is :func:`mwaa_ops.aws.classify`, re-exported here for the publisher.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from mwaa_ops.aws import Failure, classify

__all__ = ["Backoff", "Failure", "classify", "is_unanswered"]

# Failures where the request never left: no copy can have been stored.
_NOT_SENT = frozenset({"EndpointConnectionError", "ConnectTimeoutError", "ConnectionRefusedError"})


def is_unanswered(failure: Failure) -> bool:
    """True when the request may have reached CloudWatch but no answer came back
    (read timeout, connection closed or reset after sending, call deadline): a
    re-send may store a second copy."""
    return failure.status == 0 and failure.code not in _NOT_SENT


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
