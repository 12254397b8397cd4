"""One sync run's inputs, and plan/apply over them (shared by the CLI and the job).

A feature provides a *prepare* function ``(config, environment, make_client)
-> SyncSession``: its validated desired resources and the adapters to reach
AWS. Everything after that is the frame's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mwaa_ops.clock import Clock
from mwaa_ops.sync.apply import Adapter, Applier, ApplyResult, ProgressCallback, read_owned
from mwaa_ops.sync.plan import Plan, Resource, compute_plan


@dataclass(frozen=True)
class SyncSession:
    """Desired resources (already validated), their adapters, and the plan's scope."""

    desired: Sequence[Resource]
    adapters: Sequence[Adapter]
    # Which owned resources this run may delete (None: all owned of the adapters' kinds).
    in_scope: Callable[[Resource], bool] | None = None
    # Labels list items in diffs (e.g. a widget's title); see plan.diff_lines.
    item_key: Callable[[Any], str | None] | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    # Kinds in dependency order (see apply.apply_order); empty: the plan's order.
    order: tuple[str, ...] = ()


Prepare = Callable[[Any, "str | None", Callable[[str], Any]], SyncSession]


def plan_session(session: SyncSession) -> Plan:
    """Read what is owned now (read calls only) and compute the plan."""
    current = read_owned(session.adapters)
    return compute_plan(session.desired, current, in_scope=session.in_scope,
                        item_key=session.item_key)


def apply_session(
    session: SyncSession, clock: Clock, progress: ProgressCallback | None = None
) -> tuple[Plan, ApplyResult]:
    """Plan, then apply what is pending; returns both."""
    plan = plan_session(session)
    return plan, apply_plan(session, plan, clock, progress)


def apply_plan(
    session: SyncSession, plan: Plan, clock: Clock, progress: ProgressCallback | None = None
) -> ApplyResult:
    """Apply a plan already made for ``session`` (e.g. one shown first), in the session's order."""
    return Applier(session.adapters, clock, order=session.order).apply(plan, progress)
