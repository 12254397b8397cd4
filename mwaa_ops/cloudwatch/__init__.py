"""Everything between aggregated series and CloudWatch.

``build_datums`` turns an interval's series into validated datums (timers
compressed to at most 150 values with <= 1% error); ``Publisher`` delivers
them: bounded queue, on-disk spool, retries with backoff and jitter, adaptive
pacing, bisection of rejected requests. ``pack`` is the request packer.
"""

from __future__ import annotations

from mwaa_ops.cloudwatch.batching import Request, estimate_size, pack
from mwaa_ops.cloudwatch.compress import compress
from mwaa_ops.cloudwatch.datum import Datum
from mwaa_ops.cloudwatch.datums import build_datums, invalid_reason
from mwaa_ops.cloudwatch.publisher import Publisher
from mwaa_ops.cloudwatch.spool import Spool

__all__ = [
    "Datum",
    "Publisher",
    "Request",
    "Spool",
    "build_datums",
    "compress",
    "estimate_size",
    "invalid_reason",
    "pack",
]
