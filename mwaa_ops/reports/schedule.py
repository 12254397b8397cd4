"""When the weekly report runs: the job's trigger, and the runs due at any instant.

The agent's APScheduler runs ``weekly_report`` on its cron trigger
(``scheduler.jobs.weekly_report.cron``, default ``0 8 * * 1``: Monday 08:00
UTC) with ``coalesce = true`` and a misfire grace of seven days, and keeps
the next run time in its SQLite job store. After the agent was down, the
missed Mondays are collapsed into one run when it comes back.

:func:`due_runs` states that rule as a pure function of the stored next run
time and an injected ``now``, computed with APScheduler's own trigger and the
same steps as its scheduler loop (every fire time up to ``now``; only the last
when coalescing; dropped when later than the grace time), so tests can check
the schedule at any instant without waiting.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from mwaa_ops.agent.scheduler import build_trigger
from mwaa_ops.config import JobConfig

JOB_NAME = "weekly_report"


def next_run(job: JobConfig, now: datetime) -> datetime | None:
    """The first fire time strictly after ``now`` (UTC)."""
    trigger = build_trigger(JOB_NAME, job.model_copy(update={"jitter_seconds": 0}))
    return trigger.get_next_fire_time(None, now + timedelta(microseconds=1))


def due_runs(job: JobConfig, stored_next_run: datetime | None, now: datetime) -> list[datetime]:
    """The scheduled times APScheduler runs at ``now`` for a job whose stored next run is
    ``stored_next_run``: every fire time up to ``now``; with ``coalesce`` only the latest;
    minus any older than ``misfire_grace_time_seconds``."""
    trigger = build_trigger(JOB_NAME, job.model_copy(update={"jitter_seconds": 0}))
    times: list[datetime] = []
    when = stored_next_run
    while when is not None and when <= now:
        times.append(when)
        when = trigger.get_next_fire_time(when, now)
    if job.coalesce:
        times = times[-1:]
    grace = timedelta(seconds=job.misfire_grace_time_seconds)
    return [t for t in times if now - t <= grace]
