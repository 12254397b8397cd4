"""Shared set-up for the upgrade tests: an accelerated clock, the endpoint, metrics, config.

The clock starts inside the ``SUN:03:00`` maintenance window of a recent
Sunday (03:05 UTC, one to eight days ago: the health metrics the tests publish
at that time must be within what PutMetricData accepts, two weeks back to two
hours ahead, and at :data:`SPEED` the clock stays in the past for the length of
a test run) and runs :data:`SPEED` times faster than real time; the endpoint's
emulator and every driver process (via ``MWAA_OPS_CLOCK``) share it. Dates the
tests need (blackouts, freezes, not-before) are derived from :data:`WINDOW_OPEN`.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mwaa_ops.clock import AcceleratedClock
from mwaa_ops.config import Config, load_config

SPEED = 200.0


def _recent_sunday_window(now: datetime) -> datetime:
    """Sunday 03:05 UTC at least one day and at most eight days before ``now``."""
    day = (now - timedelta(days=1)).replace(hour=3, minute=5, second=0, microsecond=0)
    if day > now - timedelta(days=1):
        day -= timedelta(days=1)
    return day - timedelta(days=(day.weekday() - 6) % 7)


WINDOW_OPEN = _recent_sunday_window(datetime.now(UTC))  # 5 minutes into SUN:03:00


def accelerated(origin: datetime = WINDOW_OPEN, speed: float = SPEED) -> AcceleratedClock:
    return AcceleratedClock(origin.timestamp(), time.time(), speed)


def upgrade_config(state_dir: Path, endpoint_url: str, **extra: Any) -> Config:
    overrides = {
        "state_dir": str(state_dir),
        "aws.endpoint_url": endpoint_url,
        "aws.region": "us-east-1",
        "readiness.expected_upgrade_minutes": 30,
        "readiness.maintenance_window_minutes": 240,
        "upgrades.rollback_minutes": 15,
        "upgrades.poll_seconds": 20,
        "upgrades.lease_seconds": 900,
        "upgrades.health_settle_seconds": 120,
        "upgrades.readiness_checks": ["path"],
        "upgrades.audit_bucket": "mwaa-ops-audit",
        **extra,
    }
    return load_config(None, overrides=overrides, environ={})


def publish_health(cloudwatch: Any, environment: str, start: float, minutes: int, *,
                   import_errors_after: float | None = None, after: float | None = None,
                   namespace: str = "AmazonMWAA") -> None:
    """Per-minute heartbeats, task successes and zero import errors, as the agent publishes them.

    With ``import_errors_after`` the ImportErrors gauge reads that value from ``after`` on.
    """
    data: list[dict[str, Any]] = []
    for k in range(minutes):
        stamp = start + k * 60
        errors = import_errors_after if (import_errors_after is not None and after is not None
                                         and stamp >= after) else 0.0
        for name, dims, value in (
            ("SchedulerHeartbeat", {"Function": "Scheduler"}, 12.0),
            ("ImportErrors", {"Function": "DAG Processing"}, errors),
            ("TaskInstanceSuccesses", {"DAG": "All", "Task": "All"}, 4.0),
            ("TaskInstanceFailures", {"DAG": "All", "Task": "All"}, 0.0),
        ):
            dimensions = sorted({**dims, "Environment": environment}.items())
            data.append({"MetricName": name, "Value": value, "Unit": "Count",
                         "Timestamp": datetime.fromtimestamp(stamp, UTC),
                         "Dimensions": [{"Name": n, "Value": v} for n, v in dimensions]})
    for i in range(0, len(data), 1000):
        cloudwatch.put_metric_data(Namespace=namespace, MetricData=data[i:i + 1000])
