"""The agent's ``alarms_sync`` job: keep long mutes topped up, then apply the alarms and topics.

Mutes are extended first, so a broken definition cannot end a maintenance
early. The sync itself is the frame's :func:`~mwaa_ops.sync.job.run_sync_job`
(the session carries the alarms' apply order): writes and failures are counted
in telemetry and a failed change fails the run; it never stops the agent.
"""

from __future__ import annotations

from typing import Any

from mwaa_ops.alarms.context import AlarmsContext
from mwaa_ops.alarms.mute import MaintenanceMute
from mwaa_ops.alarms.routing import environments
from mwaa_ops.alarms.sync import session_for
from mwaa_ops.sync.job import run_sync_job

JOB_NAME = "alarms_sync"


def alarms_sync_job(ctx: Any) -> dict[str, Any]:
    """Plan and apply every environment's alarms; extend active mutes. Returns what it did."""
    context = AlarmsContext.build(ctx.config, clock=ctx.clock, make=ctx.make_client)
    muter = MaintenanceMute(context.cloudwatch, ctx.config, ctx.clock)
    muted = [env for env in environments(ctx.config) if muter.extend(env)]
    summary = run_sync_job(ctx, lambda _config, env, _make: session_for(context, env), kind="alarms")
    return {**summary, "muted": ",".join(muted) or "none"}
