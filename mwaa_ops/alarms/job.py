"""The agent's ``alarms_sync`` job: keep long mutes topped up, then apply the alarms and topics.

Mutes are extended first, so a broken definition cannot end a maintenance
early. Like the frame's :func:`~mwaa_ops.sync.job.run_sync_job` (which applies
one plan in one go; alarms need three phases, see
:func:`mwaa_ops.alarms.sync.apply_alarms`), writes and failures are counted in
telemetry and a failed change fails the run; it never stops the agent.
"""

from __future__ import annotations

from typing import Any

from mwaa_ops.alarms.context import AlarmsContext
from mwaa_ops.alarms.mute import MaintenanceMute
from mwaa_ops.alarms.routing import environments
from mwaa_ops.alarms.sync import apply_alarms, plan_alarms
from mwaa_ops.sync.job import SyncFailedError

JOB_NAME = "alarms_sync"


def alarms_sync_job(ctx: Any) -> dict[str, Any]:
    """Plan and apply every environment's alarms; extend active mutes. Returns what it did."""
    context = AlarmsContext.build(ctx.config, clock=ctx.clock, make=ctx.make_client)
    muter = MaintenanceMute(context.cloudwatch, ctx.config, ctx.clock)
    muted = [env for env in environments(ctx.config) if muter.extend(env)]
    session, plan = plan_alarms(context)
    result = apply_alarms(session, plan, ctx.clock)
    ctx.telemetry.inc("sync_writes", result.writes, kind="alarms")
    if result.failed:
        ctx.telemetry.inc("sync_failures", len(result.failed), kind="alarms")
        details = "; ".join(f"{name}: {error}" for name, error in sorted(result.failed.items()))
        raise SyncFailedError(f"alarms: {len(result.failed)} change(s) failed: {details}")
    summary = result.to_json()
    summary.pop("failed")
    return {**summary, "muted": ",".join(muted) or "none"}
