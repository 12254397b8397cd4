"""The upgrade driver: one approved plan, one allowed step at a time, inside the window.

:meth:`UpgradeDriver.run` is what ``mwaa-ops upgrade run`` and the agent's
``upgrade_tick`` call. In order, it refuses (with the reason, recorded) when:
there is no approval or its ``not_before`` is ahead; another driver holds the
environment's lease; the last run failed (never retried by itself: approve
again); the environment is not ``AVAILABLE``; the step does not fit in an
open window (upgrade plus rollback); readiness fails. Then per step:

1. mute paging until the window closes (:class:`~mwaa_ops.upgrades.seams.PagingMute`);
2. record ``phase = sending`` in the shared store, send ``UpdateEnvironment``
   (``AirflowVersion``; ``WorkerReplacementStrategy=GRACEFUL`` from versions in
   ``upgrades.graceful_versions``), record ``phase = sent``;
3. follow the status (``CREATING_SNAPSHOT``, ``UPDATING``, ``ROLLING_BACK`` …),
   renewing the lease on every poll;
4. on ``AVAILABLE`` at the target, wait ``upgrades.health_settle_seconds`` and
   run the health gate; on ``UPDATE_FAILED`` / ``UNAVAILABLE``, a failed gate or
   a step still running past its expected duration: stop, notify on-call with
   MWAA's ``LastUpdate.Error``, never retry.

Paging is restored (unmute) in ``finally``, whatever happened; a killed driver
cannot unmute, but its mute ends by itself at the window's end and the next
lease holder unmutes when it finishes. A resumed driver reads the recorded
phase and the environment's real state: a step recorded ``sent`` (or
``sending`` with MWAA showing the update: status in progress, a
``LastUpdate.CreatedAt`` at or after ``sent_at``, or the target version) is
followed, never sent again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from mwaa_ops.aws import aws_error
from mwaa_ops.clock import Clock, utc_now
from mwaa_ops.errors import AwsError, MwaaOpsError
from mwaa_ops.upgrades.approval import Approval, find_approval
from mwaa_ops.upgrades.audit import AuditTrail, default_actor
from mwaa_ops.upgrades.health import check_health
from mwaa_ops.upgrades.plan import UpgradePlan, plan_upgrade, window_policy
from mwaa_ops.upgrades.seams import PagingMute, Readiness
from mwaa_ops.upgrades.store import LeaseHeldError, LeaseLostError, UpgradeStore
from mwaa_ops.upgrades.window import can_start
from mwaa_ops.versions.cache import load_calendars
from mwaa_ops.versions.environments import describe_environment
from mwaa_ops.versions.paths import IN_PLACE
from mwaa_ops.versions.rules import load_upgrade_rules

IN_PROGRESS = frozenset({"UPDATING", "CREATING_SNAPSHOT", "ROLLING_BACK", "PENDING", "MAINTENANCE"})
FAILED = frozenset({"UPDATE_FAILED", "UNAVAILABLE", "CREATE_FAILED"})

Progress = Callable[[dict[str, Any]], None]


@dataclass
class RunOutcome:
    """What a run did. ``outcome``: succeeded, nothing_to_do, refused, stopped, failed, dry_run."""

    environment: str
    outcome: str
    reason: str
    run_id: str = ""
    steps: list[dict[str, Any]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    resumed: bool = False
    paging_restored: bool | None = None
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome in ("succeeded", "nothing_to_do", "dry_run")

    def to_json(self) -> dict[str, Any]:
        return {"environment": self.environment, "outcome": self.outcome, "reason": self.reason,
                "run_id": self.run_id, "resumed": self.resumed, "steps": self.steps,
                "paging_restored": self.paging_restored, "calls": self.calls or None}


class _Stop(MwaaOpsError):
    """Ends a run early with an outcome (refused / stopped / failed)."""

    def __init__(self, outcome: str, reason: str, *, page: bool = False) -> None:
        super().__init__(reason)
        self.outcome, self.reason, self.page = outcome, reason, page


def _epoch(value: Any) -> float | None:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, int | float):
        return float(value)
    return None


class UpgradeDriver:
    """Runs approved upgrades. Clients come from ``make_client(service)`` (:func:`mwaa_ops.aws.make_client`)."""

    def __init__(self, *, config: Any, clock: Clock, make_client: Callable[[str], Any], mute: PagingMute,
                 readiness: Readiness, holder: str | None = None, progress: Progress | None = None) -> None:
        self.config = config
        self.clock = clock
        clients: dict[str, Any] = {}

        def cached(service: str) -> Any:  # boto3 clients are slow to make; one per service
            if service not in clients:
                clients[service] = make_client(service)
            return clients[service]

        self.make_client = cached
        self.mute = mute
        self.readiness = readiness
        self.holder = holder or default_actor()
        self.progress = progress or (lambda item: None)
        self.store = UpgradeStore(make_client("dynamodb"), config.upgrades.lease_table)

    # ---- plan and approve ---------------------------------------------------

    def plan(self, environment: str, target: str | None = None, *, with_readiness: bool = True) -> UpgradePlan:
        """The plan (no writes); the readiness of the first in-place step when asked."""
        raw = describe_environment(self.make_client("mwaa"), environment)
        calendars = load_calendars(self.config.state_dir)
        plan = plan_upgrade(raw, target, config=self.config, state_dir=self.config.state_dir,
                            mwaa=calendars.mwaa, rules=load_upgrade_rules(), now=utc_now(self.clock))
        if with_readiness and plan.steps and plan.steps[0].kind == IN_PLACE:
            gate = self.readiness.check(environment, plan.steps[0].target)
            plan = UpgradePlan(**{**plan.__dict__, "readiness": {"passed": gate.passed, "summary": gate.summary,
                                                                  "target": plan.steps[0].target}})
        return plan

    def approve(self, environment: str, target: str, not_before: date | None = None,
                reason: str = "") -> Approval:
        """Record an approval (shared store and audit trail); the target must be on the allowed path."""
        plan = self.plan(environment, target, with_readiness=False)
        now = utc_now(self.clock)
        approval = Approval(environment, plan.target, not_before, self.holder, now.isoformat(), "command")
        self.store.save_approval(environment, approval.to_json())
        previous = self.store.run(environment)
        if previous and previous.get("phase") == "failed":
            self.store.clear_run(environment)  # a new approval is what lets a failed upgrade run again
        trail = self._trail(environment, f"approve-{uuid.uuid4().hex[:8]}")
        trail.record("approved", reason or "approved by command", target=plan.target,
                     not_before=approval.to_json()["not_before"],
                     steps=[s.to_json() for s in plan.steps], needs_new_environment=plan.needs_new_environment)
        return approval

    # ---- run ----------------------------------------------------------------

    def run(self, environment: str, *, dry_run: bool = False) -> RunOutcome:
        """Execute the approved plan for ``environment`` (see the module docstring)."""
        if dry_run:
            return self._dry_run(environment)
        state = self.store.run(environment)
        run_id = state["run_id"] if state and state.get("phase") in ("sending", "sent") else uuid.uuid4().hex[:12]
        trail = self._trail(environment, run_id)
        outcome = RunOutcome(environment, "", "", run_id)
        muted = False
        leased = False
        try:
            approval = self._approval(environment)
            try:
                self.store.acquire(environment, self.holder, self.clock.time(), self.config.upgrades.lease_seconds)
            except LeaseHeldError as exc:
                raise _Stop("refused", str(exc)) from None
            leased = True
            trail.record("lease_acquired", "one driver per environment", holder=self.holder,
                         lease_seconds=self.config.upgrades.lease_seconds)
            state = self.store.run(environment)  # re-read under the lease
            if state and state.get("phase") == "failed":
                raise _Stop("refused", f"the last run ({state.get('run_id')}) failed: {state.get('reason')}; "
                            "it is never retried by itself: approve again to retry")
            resume = state if state and state.get("phase") in ("sending", "sent") else None
            outcome.resumed = resume is not None
            if resume:
                trail.record("resumed", "a previous driver stopped during a step", previous=resume)
            announced = False
            while True:
                raw = self._describe(environment, trail)
                plan = self._current_plan(raw, approval)
                if resume is None and not plan.steps:
                    if not outcome.steps:
                        raise _Stop("nothing_to_do", f"{environment} already runs {raw.get('AirflowVersion')}")
                    break
                if resume is None and plan.needs_new_environment:
                    raise _Stop("refused", "the path needs a new environment and is never attempted in place: "
                                + "; ".join(s.reason for s in plan.steps if s.kind != IN_PLACE))
                if not announced:
                    trail.announce("started", f"mwaa-ops upgrade of {environment} started",
                                   f"{self.holder} is upgrading {environment} from {raw.get('AirflowVersion')} "
                                   f"to {approval.target} (run {run_id}, approval by {approval.approved_by}).")
                    announced = True
                if resume is None:
                    step = plan.steps[0]
                    source, target, index = step.source, step.target, len(outcome.steps) + 1
                    self._gate_fresh_step(environment, raw, source, target, plan, trail)
                    if not muted:
                        muted = self._mute(environment, raw, plan, trail)
                    sent_at = self._send(environment, run_id, index, source, target, approval, trail)
                else:
                    source, target, index = resume["source"], resume["target"], int(resume["step"])
                    sent_at = float(resume["sent_at"])
                    if resume["phase"] == "sending" and not self._was_sent(raw, resume):
                        trail.record("resume_not_sent", "the recorded update never reached MWAA: the step "
                                     "starts again after its checks", target=target)
                        resume = None
                        self.store.clear_run(environment)
                        continue
                    if not muted:
                        muted = self._mute(environment, raw, plan, trail)
                    self._save(environment, {**resume, "phase": "sent"})
                    trail.record("resume_following", "the step's UpdateEnvironment was already sent: "
                                 "following it, not sending it again", target=target, sent_at=sent_at)
                    resume = None
                result = self._follow(environment, run_id, index, source, target, sent_at, trail)
                outcome.steps.append(result)
            self.store.clear_run(environment)
            outcome.outcome, outcome.reason = "succeeded", f"{environment} upgraded to {approval.target}"
            trail.record("run_finished", outcome.reason, outcome="succeeded")
            trail.announce("succeeded", f"mwaa-ops upgrade of {environment} succeeded", outcome.reason)
        except _Stop as stop:
            outcome.outcome, outcome.reason = stop.outcome, stop.reason
            trail.record("run_" + stop.outcome, stop.reason)
            if stop.outcome in ("failed", "stopped"):
                trail.announce(stop.outcome, f"mwaa-ops upgrade of {environment} {stop.outcome}", stop.reason,
                               page=stop.page)
        except (AwsError, LeaseLostError) as exc:
            outcome.outcome, outcome.reason = "stopped", f"{type(exc).__name__}: {exc}"
            trail.record("run_stopped", outcome.reason)
            trail.announce("stopped", f"mwaa-ops upgrade of {environment} stopped", outcome.reason, page=True)
        finally:
            if muted:
                outcome.paging_restored = self._unmute(environment, trail)
            if leased:
                try:
                    self.store.release(environment, self.holder)
                    trail.record("lease_released", "run over")
                except AwsError as exc:
                    trail.record("lease_release_failed", f"{exc}: it expires by itself")
            outcome.records = trail.records
        return outcome

    # ---- the pieces ---------------------------------------------------------

    def _trail(self, environment: str, run_id: str) -> AuditTrail:
        return AuditTrail(state_dir=self.config.state_dir, environment=environment, run_id=run_id,
                          clock=self.clock, config=self.config, make_client=self.make_client,
                          actor=self.holder, echo=lambda r: self.progress({"kind": "audit", **r}))

    def _approval(self, environment: str) -> Approval:
        approval = find_approval(self.store, self.config, environment)
        if approval is None:
            raise _Stop("refused", f"no approved upgrade for {environment}: run `mwaa-ops upgrade approve "
                        f"--environment {environment} --target VERSION` (or set "
                        f"upgrades.environments.{environment}.approved_target)")
        today = utc_now(self.clock).date()
        if approval.not_before and today < approval.not_before:
            raise _Stop("refused", f"approved for {approval.target} not before {approval.not_before} "
                        f"(today is {today})")
        return approval

    def _describe(self, environment: str, trail: AuditTrail | None) -> dict[str, Any]:
        return describe_environment(self.make_client("mwaa"), environment)

    def _current_plan(self, raw: dict[str, Any], approval: Approval) -> UpgradePlan:
        """The remaining steps from the environment's real version to the approved target."""
        if Version(raw.get("AirflowVersion", "0")) >= Version(approval.target):
            return UpgradePlan(raw.get("Name", ""), raw.get("Status", ""), raw.get("AirflowVersion", ""),
                               raw.get("AirflowVersion", ""), (), timedelta(0), "")
        calendars = load_calendars(self.config.state_dir)
        return plan_upgrade(raw, approval.target, config=self.config, state_dir=self.config.state_dir,
                            mwaa=calendars.mwaa, rules=load_upgrade_rules(), now=utc_now(self.clock))

    def _gate_fresh_step(self, environment: str, raw: dict[str, Any], source: str, target: str,
                         plan: UpgradePlan, trail: AuditTrail) -> None:
        status = raw.get("Status", "")
        if status != "AVAILABLE":
            raise _Stop("refused", f"{environment} is {status}, not AVAILABLE: no step starts")
        policy = window_policy(self.config, environment, raw.get("WeeklyMaintenanceWindowStart"))
        answer = can_start(policy, utc_now(self.clock), plan.needed)
        if not answer.allowed:
            later = (f"; next usable window {answer.next_usable.start.isoformat()}"
                     if answer.next_usable else "")
            raise _Stop("refused", f"step {source} -> {target}: {answer.reason}{later}")
        trail.record("window_ok", answer.reason, needed_minutes=plan.needed.total_seconds() / 60,
                     needed_source=plan.needed_source)
        gate = self.readiness.check(environment, target)
        trail.record("readiness", gate.summary, passed=gate.passed, target=target)
        if not gate.passed:
            raise _Stop("refused", f"step {source} -> {target}: {gate.summary}")

    def _mute(self, environment: str, raw: dict[str, Any], plan: UpgradePlan, trail: AuditTrail) -> bool:
        """Mute paging until the open window closes (at least five minutes, at most the expected step)."""
        now = utc_now(self.clock)
        policy = window_policy(self.config, environment, raw.get("WeeklyMaintenanceWindowStart"))
        window = can_start(policy, now, timedelta(0)).window
        until = window.end if window is not None and window.contains(now) else now + plan.needed
        until = max(until, now + timedelta(minutes=5))
        self.mute.mute(environment, until=until, reason=f"mwaa-ops upgrade to {plan.target}")
        trail.record("paging_muted", "maintenance: an upgrade is running", until=until.isoformat())
        return True

    def _unmute(self, environment: str, trail: AuditTrail) -> bool:
        try:
            self.mute.unmute(environment)
        except Exception as exc:  # still recorded; the mute ends by itself at its end time
            trail.record("paging_restore_failed", f"{type(exc).__name__}: {exc}; the mute ends by itself")
            return False
        trail.record("paging_restored", "run over")
        return True

    def _save(self, environment: str, state: dict[str, Any]) -> None:
        """Renew the lease, then record progress (conditional on still holding it)."""
        self._renew(environment)
        self.store.save_run(environment, self.holder, state, self.clock.time())

    def _renew(self, environment: str) -> None:
        try:
            self.store.acquire(environment, self.holder, self.clock.time(), self.config.upgrades.lease_seconds)
        except LeaseHeldError as exc:
            raise LeaseLostError(f"lost the lease while following the step: {exc}") from None

    def _send(self, environment: str, run_id: str, index: int, source: str, target: str,
              approval: Approval, trail: AuditTrail) -> float:
        sent_at = self.clock.time()
        self._save(environment, {"run_id": run_id, "step": index, "source": source, "target": target,
                                 "final_target": approval.target, "phase": "sending", "sent_at": sent_at})
        body: dict[str, Any] = {"Name": environment, "AirflowVersion": target}
        if self._graceful(source):
            body["WorkerReplacementStrategy"] = "GRACEFUL"
        trail.record("update_sending", f"step {index}: {source} -> {target}", call="MWAA UpdateEnvironment",
                     request=body)
        try:
            self.make_client("mwaa").update_environment(**body)
        except (ClientError, BotoCoreError) as exc:
            error = aws_error(exc, "MWAA UpdateEnvironment")
            self.store.clear_run(environment)
            trail.record("update_rejected", str(error), code=error.code)
            raise _Stop("failed", f"step {source} -> {target}: {error}", page=True) from None
        self._save(environment, {"run_id": run_id, "step": index, "source": source, "target": target,
                                 "final_target": approval.target, "phase": "sent", "sent_at": sent_at})
        trail.record("update_sent", f"step {index}: {source} -> {target}", call="MWAA UpdateEnvironment")
        return sent_at

    def _graceful(self, source: str) -> bool:
        try:
            return Version(source) in SpecifierSet(self.config.upgrades.graceful_versions)
        except InvalidSpecifier:
            return False

    def _was_sent(self, raw: dict[str, Any], state: dict[str, Any]) -> bool:
        if raw.get("Status") in IN_PROGRESS or raw.get("AirflowVersion") == state["target"]:
            return True
        created = _epoch((raw.get("LastUpdate") or {}).get("CreatedAt"))
        return created is not None and created >= float(state["sent_at"]) - 1.0

    def _follow(self, environment: str, run_id: str, index: int, source: str, target: str, sent_at: float,
                trail: AuditTrail) -> dict[str, Any]:
        upgrades = self.config.upgrades
        needed, _ = self._needed(environment)
        deadline = sent_at + needed.total_seconds()
        last_status = ""
        while True:
            raw = self._describe(environment, trail)
            status = raw.get("Status", "")
            now = self.clock.time()
            self.progress({"kind": "status", "step": index, "from": source, "to": target, "status": status,
                           "elapsed_seconds": round(now - sent_at, 1)})
            if status != last_status:
                trail.record("status", f"step {index}: {status}", status=status,
                             airflow_version=raw.get("AirflowVersion"))
                last_status = status
            if status == "AVAILABLE" and raw.get("AirflowVersion") == target:
                break
            if status in FAILED or status == "AVAILABLE":
                error = (raw.get("LastUpdate") or {}).get("Error") or {}
                detail = (f"{error.get('ErrorCode', '?')}: {error.get('ErrorMessage', '')}" if error
                          else f"status {status}, Airflow {raw.get('AirflowVersion')}")
                self._save(environment, {"run_id": run_id, "step": index, "source": source, "target": target,
                                         "phase": "failed", "sent_at": sent_at, "reason": detail})
                rolled = " (rolled back to " + str(raw.get("AirflowVersion")) + ")" if status == "UPDATE_FAILED" else ""
                raise _Stop("failed", f"step {source} -> {target} ended {status}{rolled}: {detail}; "
                            "not retried", page=True)
            if now > deadline:
                raise _Stop("failed", f"step {source} -> {target} still {status} "
                            f"{(now - sent_at) / 60:.0f} min after it was sent (expected at most "
                            f"{needed.total_seconds() / 60:.0f} min incl. rollback); not retried, "
                            "left for the operator", page=True)
            self._renew(environment)
            self.clock.sleep(upgrades.poll_seconds)
        available_at = self.clock.time()
        trail.record("step_available", f"step {index}: AVAILABLE on {target}",
                     update_seconds=round(available_at - sent_at, 1))
        settle_until = available_at + upgrades.health_settle_seconds
        while self.clock.time() < settle_until:
            self.progress({"kind": "status", "step": index, "from": source, "to": target,
                           "status": "HEALTH_CHECK_WAIT",
                           "elapsed_seconds": round(self.clock.time() - sent_at, 1)})
            self._renew(environment)
            self.clock.sleep(min(upgrades.poll_seconds, max(settle_until - self.clock.time(), 0.001)))
        health = check_health(self.make_client("cloudwatch"), namespace=self.config.namespace,
                              environment=environment, sent_at=sent_at, available_at=available_at,
                              now=self.clock.time(), lookback_minutes=upgrades.health_lookback_minutes,
                              tolerance=upgrades.health_failure_rate_tolerance)
        trail.record("health_gate", health.summary, passed=health.passed, figures=health.figures)
        if not health.passed:
            self._save(environment, {"run_id": run_id, "step": index, "source": source, "target": target,
                                     "phase": "failed", "sent_at": sent_at, "reason": health.summary})
            raise _Stop("failed", f"health gate after {source} -> {target}: {health.summary}; "
                        "no further step", page=True)
        self._save(environment, {"run_id": run_id, "step": index, "source": source, "target": target,
                                 "phase": "done", "sent_at": sent_at})
        duration = available_at - sent_at
        trail.record("step_finished", f"step {index}: {source} -> {target} done", duration_seconds=duration)
        return {"step": index, "from": source, "to": target, "duration_seconds": round(duration, 1),
                "health": health.summary}

    def _needed(self, environment: str) -> tuple[timedelta, str]:
        from mwaa_ops.upgrades.plan import expected_duration

        return expected_duration(self.config, self.config.state_dir, environment)

    # ---- dry run --------------------------------------------------------------

    def _dry_run(self, environment: str) -> RunOutcome:
        outcome = RunOutcome(environment, "dry_run", "", "dry-run")
        calls = outcome.calls
        table = self.config.upgrades.lease_table
        calls.append(f"DynamoDB GetItem {table} approval#{environment}")
        try:
            approval = self._approval(environment)
        except _Stop as stop:
            outcome.reason = f"would refuse: {stop.reason}"
            return outcome
        calls.append(f"DynamoDB PutItem {table} lease#{environment} holder={self.holder} "
                     "(condition: no lease, expired, or ours)")
        lease = self.store.lease(environment)
        if lease and lease.holder != self.holder and lease.expires_at >= self.clock.time():
            outcome.reason = f"would refuse: lease held by {lease.holder}"
            return outcome
        calls.append(f"MWAA GetEnvironment Name={environment}")
        raw = describe_environment(self.make_client("mwaa"), environment)
        plan = self._current_plan(raw, approval)
        if not plan.steps:
            outcome.reason = f"nothing to do: {environment} runs {raw.get('AirflowVersion')}"
            return outcome
        if plan.needs_new_environment:
            outcome.reason = "would refuse: the path needs a new environment"
            return outcome
        first = True
        reasons: list[str] = []
        for step in plan.steps:
            if first:
                try:
                    self._gate_fresh_step(environment, raw, step.source, step.target, plan,
                                          _NullTrail())  # type: ignore[arg-type]
                except _Stop as stop:
                    reasons.append(f"would refuse now: {stop.reason}")
                first = False
            calls.append(f"readiness checks {environment} -> {step.target}")
            if step.index == 1:
                calls.append(f"CloudWatch PutMetricData {self.config.namespace} UpgradeRun Outcome=started; "
                             f"SNS Publish {self.config.upgrades.notify_topic}")
                calls.append(f"mute paging of {environment} until the window closes (CloudWatch PutMetricData "
                             "MaintenanceMute, PutMetricAlarm, SetAlarmState ALARM)")
            body = f"Name={environment} AirflowVersion={step.target}"
            if self._graceful(step.source):
                body += " WorkerReplacementStrategy=GRACEFUL"
            calls.append(f"DynamoDB TransactWriteItems {table} run#{environment} phase=sending step={step.index}")
            calls.append(f"MWAA UpdateEnvironment {body}")
            calls.append(f"DynamoDB TransactWriteItems {table} run#{environment} phase=sent")
            calls.append(f"MWAA GetEnvironment Name={environment} every {self.config.upgrades.poll_seconds:g} s "
                         "until AVAILABLE / UPDATE_FAILED / UNAVAILABLE (lease renewed each time)")
            calls.append(f"CloudWatch GetMetricData (health gate) {self.config.upgrades.health_settle_seconds} s "
                         "after AVAILABLE")
        calls.append(f"unmute paging of {environment} (PutMetricAlarm, SetAlarmState OK)")
        calls.append(f"CloudWatch PutMetricData UpgradeRun Outcome=succeeded; SNS Publish "
                     f"{self.config.upgrades.notify_topic}")
        calls.append(f"DynamoDB DeleteItem {table} lease#{environment}")
        outcome.reason = "; ".join(reasons) or (
            f"would run {len(plan.steps)} step(s): " + ", ".join(f"{s.source} -> {s.target}" for s in plan.steps))
        outcome.steps = [s.to_json() for s in plan.steps]
        return outcome


class _NullTrail:
    def record(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return {}

