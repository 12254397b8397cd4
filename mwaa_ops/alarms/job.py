"""The agent's ``alarms_sync`` job: apply the alarms and topics, and keep long mutes topped up.

A definition error or an AWS failure fails the run (logged, counted, retried
at the next run by the scheduler frame); it never stops the agent.
"""

from __future__ import annotations

from typing import Any

from mwaa_ops.alarms.context import AlarmsContext
from mwaa_ops.alarms.mute import MaintenanceMute
from mwaa_ops.alarms.routing import environments
from mwaa_ops.alarms.sync import apply_alarms, plan_alarms

JOB_NAME = "alarms_sync"


def alarms_sync_job(ctx: Any) -> dict[str, Any]:
    """Plan and apply every environment's alarms; extend active mutes. Returns what it did."""
    context = AlarmsContext.build(ctx.config, clock=ctx.clock, make=ctx.make_client)
    plan = plan_alarms(context)
    outcome = apply_alarms(context, plan)
    muter = MaintenanceMute(context.cloudwatch, ctx.config, ctx.clock)
    muted = [env for env in environments(ctx.config) if muter.extend(env)]
    return {"writes": outcome["writes"], "unchanged": plan.unchanged, "conflicts": len(plan.conflicts),
            "muted": ",".join(muted) or "none"}
