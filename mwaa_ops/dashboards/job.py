"""The agent's ``dashboards_sync`` job: apply the dashboards on start-up, then on its trigger.

Registered in :data:`mwaa_ops.agent.scheduler.JOBS`; config
``[scheduler.jobs.dashboards_sync]`` (default: every 900 s, at start). A
failure is logged and counted by the scheduler and retried on the next run.
"""

from __future__ import annotations

from typing import Any

from mwaa_ops.dashboards.build import prepare
from mwaa_ops.sync.job import run_sync_job

JOB_NAME = "dashboards_sync"


def sync_dashboards_job(ctx: Any) -> dict[str, Any]:
    """Plan and apply every dashboard; returns the write count and the changes by action."""
    return run_sync_job(
        ctx, lambda config, env, make_client: prepare(config, env, make_client, ctx.clock),
        kind="dashboards")
