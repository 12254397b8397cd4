"""The agent's job scheduler: APScheduler 3.x beside the StatsD receiver.

Jobs are declared in config (``[scheduler.jobs.<name>]``: cron or interval
trigger, jitter, coalesce, misfire grace) and implemented by functions that
features register by name in :data:`JOBS`. Schedules live in a SQLite job
store under the state directory, so a restart keeps each job's next run
(and a run missed while the agent was down is made up once, within the
misfire grace time). Jobs run on a thread pool, one instance at a time each,
so a failing or slow job blocks neither the receiver nor the other jobs; in
the agent each scheduled run happens in a child process
(:mod:`mwaa_ops.agent.job_child`, ``scheduler.isolate_jobs``), so the job's
imports and data never stay in the sidecar (issue 15).
Every run is logged with its outcome and duration.
"""

from __future__ import annotations

import importlib
import logging
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from mwaa_ops.agent.job_child import JobChildError, run_in_child, terminate_all
from mwaa_ops.clock import Clock
from mwaa_ops.config import JobConfig
from mwaa_ops.errors import ConfigError
from mwaa_ops.logs import event
from mwaa_ops.telemetry import Telemetry

log = logging.getLogger("mwaa_ops.scheduler")

# Job name -> "module:function". A function takes the JobContext and returns a
# small dict describing what it did (logged with the run). Later features add here.
JOBS: dict[str, str] = {
    "versions_refresh": "mwaa_ops.versions.job:refresh_versions_job",
    "weekly_report": "mwaa_ops.reports.job:weekly_report_job",
    "dashboards_sync": "mwaa_ops.dashboards.job:sync_dashboards_job",
    "upgrade_tick": "mwaa_ops.upgrades.job:upgrade_tick_job",
    "alarms_sync": "mwaa_ops.alarms.job:alarms_sync_job",
}

JOBSTORE_FILE = "scheduler.sqlite"
EXECUTOR_THREADS = 4


@dataclass
class JobContext:
    """What a job may use: config, clock, telemetry, the publisher and AWS clients."""

    config: Any
    clock: Clock
    telemetry: Telemetry
    publisher: Any
    make_client: Callable[[str], Any]


# The outcome a job reports (as ``{"outcome": PARTIAL}`` in its result) when part of its work failed.
PARTIAL = "partial"


@dataclass
class JobRun:
    name: str
    started: float
    duration: float
    outcome: str  # "ok" | "partial" | "failed" | "overran"
    detail: dict[str, Any] = field(default_factory=dict)
    error: str = ""


_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _crontab_weekdays(expression: str) -> str:
    """Numeric day-of-week values read the crontab way (0 and 7 Sunday, 1 Monday):
    APScheduler 3's ``from_crontab`` would read ``1`` as Tuesday (its 0 is Monday)."""
    fields = expression.split()
    if len(fields) == 5:
        fields[4] = re.sub(r"(?<!/)\b[0-7]\b", lambda m: _CRON_DAYS[int(m.group())], fields[4])
    return " ".join(fields)


def build_trigger(name: str, job: JobConfig) -> BaseTrigger:
    """The APScheduler trigger for one configured job (UTC)."""
    jitter = job.jitter_seconds or None
    if job.trigger == "cron":
        try:
            trigger = CronTrigger.from_crontab(_crontab_weekdays(job.cron), timezone=UTC)
        except ValueError as exc:
            raise ConfigError(
                f"scheduler.jobs.{name}.cron = {job.cron!r}: not a 5-field crontab "
                f"expression ({exc})"
            ) from None
        trigger.jitter = jitter  # from_crontab takes no jitter argument
        return trigger
    return IntervalTrigger(seconds=job.interval_seconds, timezone=UTC, jitter=jitter)


def resolve_job(name: str, registry: Mapping[str, str] = JOBS) -> Callable[[JobContext], Any]:
    """The function behind a job name; an unknown name is a config error."""
    target = registry.get(name)
    if target is None:
        allowed = ", ".join(sorted(registry)) or "none"
        raise ConfigError(f"scheduler.jobs.{name}: unknown job (known jobs: {allowed})")
    module, attribute = target.split(":")
    function: Callable[[JobContext], Any] = getattr(importlib.import_module(module), attribute)
    return function


class JobRunner:
    """Runs one job function, timing it with the injected clock and recording the outcome."""

    def __init__(self, context: JobContext, jobs: Mapping[str, JobConfig]) -> None:
        self._context = context
        self._jobs = dict(jobs)
        self._lock = threading.Lock()
        self.last: dict[str, JobRun] = {}

    def run(self, name: str, function: Callable[[JobContext], Any]) -> JobRun:
        clock = self._context.clock
        started, start_mono = clock.time(), clock.monotonic()
        outcome, detail, error = "ok", {}, ""
        try:
            result = function(self._context)
            detail = result if isinstance(result, dict) else {}
        except JobChildError as exc:  # already "Type: message" from the child process
            outcome, error = "failed", str(exc)
        except Exception as exc:  # a job's failure must never reach the scheduler thread
            outcome, error = "failed", f"{type(exc).__name__}: {exc}"
        # A job that failed part of its work says so in its result: {"outcome": "partial", ...}.
        if outcome == "ok" and detail.get("outcome") == PARTIAL:
            outcome = PARTIAL
        detail = {k: v for k, v in detail.items() if k != "outcome"}
        duration = clock.monotonic() - start_mono
        limit = self._jobs[name].max_runtime_seconds if name in self._jobs else None
        if outcome == "ok" and limit is not None and duration > limit:
            outcome = "overran"
        run = JobRun(name, started, duration, outcome, detail, error)
        with self._lock:
            self.last[name] = run
        self._context.telemetry.inc("job_runs", job=name, outcome=outcome)
        level = logging.INFO if outcome == "ok" else logging.WARNING
        event(log, level, "job_run", job=name, outcome=outcome,
              duration_s=round(duration, 3), error=error, **detail)
        return run


# The scheduler of this process, for jobs restored from the persistent store
# (the store keeps a textual reference to _run_by_name, not a closure).
_ACTIVE: AgentScheduler | None = None


def _run_by_name(name: str) -> None:
    scheduler = _ACTIVE
    if scheduler is not None:
        scheduler.run_scheduled(name)


class AgentScheduler:
    """APScheduler with the agent's jobs, persistent schedules and per-run records."""

    def __init__(
        self,
        jobs: Mapping[str, JobConfig],
        context: JobContext,
        *,
        state_dir: Path | None,
        registry: Mapping[str, str] = JOBS,
        isolate: bool = False,
    ) -> None:
        self._jobs = {name: job for name, job in jobs.items() if job.enabled}
        self._registry = dict(registry)
        # ``isolate``: scheduled runs happen in a child process (agent/job_child.py), so the
        # job modules are not even imported here; only the names are checked.
        self._isolate = isolate
        self._functions: dict[str, Callable[[JobContext], Any]] = {}
        for name in self._jobs:
            if isolate:
                if name not in registry:
                    resolve_job(name, registry)  # the ConfigError naming the known jobs
            else:
                self._functions[name] = resolve_job(name, registry)
        self._triggers = {name: build_trigger(name, job) for name, job in self._jobs.items()}
        self.runner = JobRunner(context, self._jobs)
        if state_dir is not None:
            # The stdlib sqlite3 store (agent/jobstore.py), not SQLAlchemy's: 11 MB less RSS.
            from mwaa_ops.agent.jobstore import SqliteJobStore

            state_dir.mkdir(parents=True, exist_ok=True)
            store: Any = SqliteJobStore(state_dir / JOBSTORE_FILE)
        else:
            from apscheduler.jobstores.memory import MemoryJobStore

            store = MemoryJobStore()
        self._scheduler = BackgroundScheduler(
            jobstores={"default": store},
            executors={"default": ThreadPoolExecutor(EXECUTOR_THREADS)},
            timezone=UTC,
            daemon=True,
        )

    def start(self) -> None:
        global _ACTIVE
        _ACTIVE = self
        self._scheduler.start(paused=True)
        configured = set(self._jobs)
        for job in self._scheduler.get_jobs():
            if job.id not in configured:
                self._scheduler.remove_job(job.id)
        for name, job_config in self._jobs.items():
            self._install(name, job_config)
            if job_config.run_at_start:
                # Once now (on the pool, not here), then on its trigger again.
                self._scheduler.modify_job(name, next_run_time=datetime.now(UTC))
        self._scheduler.resume()

    def _install(self, name: str, job: JobConfig) -> None:
        trigger = self._triggers[name]
        options = {
            "coalesce": job.coalesce,
            "misfire_grace_time": job.misfire_grace_time_seconds,
            "max_instances": 1,
        }
        existing = self._scheduler.get_job(name)
        if existing is not None and str(existing.trigger) == str(trigger):
            # Same schedule as before the restart: keep its stored next run time.
            existing.modify(**options)
            return
        self._scheduler.add_job(
            "mwaa_ops.agent.scheduler:_run_by_name",
            trigger=trigger,
            args=[name],
            id=name,
            name=name,
            replace_existing=True,
            **options,
        )

    def run_now(self, name: str) -> JobRun:
        """Run one job at once in the calling thread (the CLI and tests use this too)."""
        function = self._functions.get(name)
        if function is None:
            function = self._functions[name] = resolve_job(name, self._registry)
        return self.runner.run(name, function)

    def run_scheduled(self, name: str) -> JobRun:
        """A run from the schedule: in a child process when isolated, else as :meth:`run_now`."""
        if not self._isolate:
            return self.run_now(name)
        target = self._registry[name]
        return self.runner.run(name, lambda context: run_in_child(name, target, context))

    def next_run_times(self) -> dict[str, datetime | None]:
        return {job.id: job.next_run_time for job in self._scheduler.get_jobs()}

    def status(self) -> list[dict[str, Any]]:
        """Each job's trigger, last run (time, outcome, duration) and next run."""
        next_runs = self.next_run_times() if self._scheduler.running else {}
        out = []
        for name in self._jobs:
            last = self.runner.last.get(name)
            next_run = next_runs.get(name)
            out.append(
                {
                    "job": name,
                    "trigger": str(self._triggers[name]),
                    "last_run": datetime.fromtimestamp(last.started, UTC).isoformat()
                    if last
                    else None,
                    "last_outcome": last.outcome if last else None,
                    "last_duration_s": round(last.duration, 3) if last else None,
                    "next_run": next_run.isoformat() if next_run else None,
                }
            )
        return out

    def shutdown(self) -> None:
        global _ACTIVE
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        if self._isolate:
            terminate_all()
        if _ACTIVE is self:
            _ACTIVE = None
