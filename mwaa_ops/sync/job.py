"""The APScheduler job wrapper: a feature's sync as an agent job.

Register ``"<name>": "<feature module>:<job function>"`` in
:data:`mwaa_ops.agent.scheduler.JOBS`, where the job function is
``lambda ctx: run_sync_job(ctx, prepare, kind="dashboards")``. The
scheduler's JobRunner logs each run, counts it in ``job_runs`` by outcome and
runs it again on its trigger; a failure is never fatal to the agent. This
wrapper adds the writes made and the changes failed to the run's record and
to telemetry (``sync_writes``, ``sync_failures`` by kind).
"""

from __future__ import annotations

from typing import Any

from mwaa_ops.errors import MwaaOpsError
from mwaa_ops.sync.session import Prepare, apply_session


class SyncFailedError(MwaaOpsError):
    """Some changes of a sync failed; the others were applied. Retried on the next run."""


def run_sync_job(ctx: Any, prepare: Prepare, *, kind: str) -> dict[str, Any]:
    """Plan and apply every environment's resources of one feature.

    Returns ``{"writes": n, "create": n, "update": n, "delete": n,
    "unchanged": n}``; raises :class:`SyncFailedError` (after applying what it
    could) when a change failed, so the run counts as failed.
    """
    session = prepare(ctx.config, None, ctx.make_client)
    _plan, result = apply_session(session, ctx.clock)
    ctx.telemetry.inc("sync_writes", result.writes, kind=kind)
    if result.failed:
        ctx.telemetry.inc("sync_failures", len(result.failed), kind=kind)
        details = "; ".join(f"{name}: {error}" for name, error in sorted(result.failed.items()))
        raise SyncFailedError(f"{kind}: {len(result.failed)} change(s) failed: {details}")
    summary = result.to_json()
    summary.pop("failed")
    return summary
