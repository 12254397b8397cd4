"""The two things the driver takes from other packages, as protocols.

Paging is muted through the alarms package's maintenance mute
(:class:`mwaa_ops.alarms.mute.MaintenanceMute` satisfies :class:`PagingMute`),
and each step is gated on the readiness checks
(:class:`ReadinessGate` wraps :func:`mwaa_ops.readiness.runner.run_checks`).
The driver only sees these protocols, so its unit tests can pass recording
implementations and the integration tests pass the real ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


class PagingMute(Protocol):
    """Suppress an environment's page until a fixed time, and restore it."""

    def mute(self, environment: str, *, until: datetime, reason: str) -> None: ...

    def unmute(self, environment: str) -> None: ...


@dataclass(frozen=True)
class GateResult:
    """A readiness verdict: ``passed`` and one line saying why."""

    passed: bool
    summary: str
    detail: dict[str, Any] | None = None


class Readiness(Protocol):
    """Is ``environment`` ready to move to Airflow ``target``?"""

    def check(self, environment: str, target: str) -> GateResult: ...


class ReadinessGate:
    """:class:`Readiness` from the readiness package's checks (``run_checks``)."""

    def __init__(self, config: Any, make_client: Any, clock: Any, only: tuple[str, ...] = ()) -> None:
        self._config, self._make_client, self._clock, self._only = config, make_client, clock, only

    def check(self, environment: str, target: str) -> GateResult:
        from mwaa_ops.readiness.runner import run_checks

        report = run_checks(environment, target, make_client=self._make_client, config=self._config,
                            clock=self._clock, only=self._only or None)
        failed = [f"{r.check}: {r.summary}" for r in report.results if r.status == "fail"]
        summary = ("readiness passed (" + ", ".join(f"{k} {v}" for k, v in report.counts().items() if v) + ")"
                   if report.passed else "readiness failed: " + "; ".join(failed))
        return GateResult(report.passed, summary, report.to_json())
