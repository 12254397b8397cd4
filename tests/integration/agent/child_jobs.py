"""Job functions for tests/integration/agent/test_agent_job_child.py, run in a child process."""

from __future__ import annotations

import os
import sys
from typing import Any

from mwaa_ops.cloudwatch.datum import Datum


def publishing_job(context: Any) -> dict[str, Any]:
    """Submits two datums, counts a sync write, answers with its process id."""
    context.publisher.submit([
        Datum("AirflowVersionSupported", (("Environment", context.config.environment),), 1_800_000_000.0,
              "Count", value=1.0),
        Datum("Timer", (("Environment", "e"),), 1_800_000_000.0, "Seconds", values=(0.5, 2.0), counts=(3.0, 1.0)),
    ])
    context.telemetry.inc("sync_writes", 4, kind="alarms")
    return {"pid": os.getpid(), "environment": context.config.environment,
            "imported_here": "tests.integration.agent.child_jobs" in sys.modules}


def failing_job(context: Any) -> dict[str, Any]:
    raise ValueError("definitions/bad.yaml line 3: threshold = 'x' is not a number")


def clock_job(context: Any) -> dict[str, Any]:
    """Answers with the time its context's clock reads."""
    return {"time": context.clock.time()}
