"""Approvals: nothing upgrades without one, given by command or config, and recorded.

``mwaa-ops upgrade approve`` writes ``approval#<env>`` in the shared store
(who, when, the target, ``not_before``) and the audit trail; config
``upgrades.environments.<env>.approved_target`` approves as well (recorded in
the trail when a run uses it). A command approval wins over config.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from mwaa_ops.upgrades.store import UpgradeStore


@dataclass(frozen=True)
class Approval:
    environment: str
    target: str
    not_before: date | None
    approved_by: str
    approved_at: str
    source: str  # "command" | "config"

    def to_json(self) -> dict[str, Any]:
        return {"environment": self.environment, "target": self.target,
                "not_before": self.not_before.isoformat() if self.not_before else None,
                "approved_by": self.approved_by, "approved_at": self.approved_at, "source": self.source}


def find_approval(store: UpgradeStore, config: Any, environment: str) -> Approval | None:
    saved = store.approval(environment)
    if saved:
        nb = saved.get("not_before")
        return Approval(environment, saved["target"], date.fromisoformat(nb) if nb else None,
                        saved.get("approved_by", "?"), saved.get("approved_at", "?"), "command")
    own = config.upgrades.environments.get(environment)
    if own and own.approved_target:
        return Approval(environment, own.approved_target, own.approved_not_before, "config", "",
                        f"config upgrades.environments.{environment}.approved_target")
    return None
