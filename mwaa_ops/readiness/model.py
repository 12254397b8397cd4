"""Readiness results as values: one :class:`CheckResult` per check, one :class:`ReadinessReport`.

A check ends ``pass``, ``warn`` or ``fail``. ``warn`` covers both "this may
hurt" and "this check could not run" (timed out, a source unreachable): a
check that cannot run is never a silent pass. A report has ``passed`` when no
check failed; the upgrade driver uses it as its gate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

PASS, WARN, FAIL = "pass", "warn", "fail"
STATUSES = (PASS, WARN, FAIL)
# Worst first, for ordering and the overall verdict.
_RANK = {FAIL: 2, WARN: 1, PASS: 0}


@dataclass(frozen=True)
class CheckResult:
    """One check's verdict.

    ``evidence``: lines a person can verify (versions, file:line, error text);
    ``remedy``: what to do, empty when nothing is needed; ``seconds``: how long
    the check ran (wall time of the injected clock's monotonic source).
    """

    check: str
    status: str
    summary: str
    evidence: tuple[str, ...] = ()
    remedy: str = ""
    seconds: float = 0.0
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"check {self.check}: status {self.status!r}, allowed {STATUSES}")

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "status": self.status,
            "summary": self.summary,
            "evidence": list(self.evidence),
            "remedy": self.remedy or None,
            "seconds": round(self.seconds, 3),
            **({"data": self.data} if self.data else {}),
        }


@dataclass(frozen=True)
class ReadinessReport:
    """Every check for one environment and target version, as of ``checked_at`` (UTC)."""

    environment: str
    current: str
    target: str
    checked_at: datetime
    results: tuple[CheckResult, ...]
    path: str = ""  # the upgrade path from versions/paths.py, described

    @property
    def passed(self) -> bool:
        """True when no check failed (warnings do not block)."""
        return all(r.status != FAIL for r in self.results)

    @property
    def status(self) -> str:
        """The worst status of any check."""
        return max((r.status for r in self.results), key=_RANK.__getitem__, default=PASS)

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for r in self.results if r.status == s) for s in STATUSES}

    def result(self, check: str) -> CheckResult | None:
        return next((r for r in self.results if r.check == check), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "current_version": self.current,
            "target_version": self.target,
            "upgrade_path": self.path,
            "checked_at": self.checked_at.isoformat(),
            "passed": self.passed,
            "status": self.status,
            "counts": self.counts(),
            "checks": [r.to_json() for r in self.results],
        }
