"""The agent's ``upgrade_tick`` job: every few minutes, run each approved upgrade that is due.

For each environment MWAA lists, the tick skips quietly (no audit record)
when there is no approval, its ``not_before`` is ahead, or no window is
open with room for a step; otherwise it calls :meth:`UpgradeDriver.run`,
which records every decision. Several agent replicas may tick at once: the
lease lets one act. A failed run is never retried by a later tick (the
driver refuses until the upgrade is approved again).
"""

from __future__ import annotations

from typing import Any

from mwaa_ops.clock import utc_now
from mwaa_ops.upgrades.approval import find_approval
from mwaa_ops.upgrades.plan import expected_duration, window_policy
from mwaa_ops.upgrades.window import can_start
from mwaa_ops.upgrades.wiring import build_driver
from mwaa_ops.versions.environments import describe_environment, list_environment_names

JOB_NAME = "upgrade_tick"


def upgrade_tick_job(ctx: Any) -> dict[str, Any]:
    """One tick; returns what happened per environment (logged with the run)."""
    config, clock = ctx.config, ctx.clock
    driver = build_driver(config, clock, make_client=ctx.make_client, holder=None)
    now = utc_now(clock)
    done: dict[str, str] = {}
    for name in list_environment_names(ctx.make_client("mwaa")):
        approval = find_approval(driver.store, config, name)
        if approval is None:
            continue
        if approval.not_before and now.date() < approval.not_before:
            done[name] = f"not before {approval.not_before}"
            continue
        raw = describe_environment(ctx.make_client("mwaa"), name)
        if raw.get("AirflowVersion") == approval.target:
            done[name] = "at target"
            continue
        needed, _ = expected_duration(config, config.state_dir, name)
        answer = can_start(window_policy(config, name, raw.get("WeeklyMaintenanceWindowStart")), now, needed)
        state = driver.store.run(name)
        resuming = bool(state and state.get("phase") in ("sending", "sent"))
        if not answer.allowed and not resuming:
            done[name] = answer.reason
            continue
        outcome = driver.run(name)
        done[name] = f"{outcome.outcome}: {outcome.reason}"
    return {"environments": done}
