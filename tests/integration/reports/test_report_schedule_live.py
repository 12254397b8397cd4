"""The weekly job under a real APScheduler with its SQLite store: an agent that was down
for three Mondays runs the report once when it comes back, then waits for next Monday."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mwaa_ops.agent.scheduler import JOBSTORE_FILE, AgentScheduler, JobContext
from mwaa_ops.clock import SystemClock
from mwaa_ops.config import Config
from mwaa_ops.reports.schedule import due_runs, next_run
from mwaa_ops.telemetry import Telemetry

REGISTRY = {"weekly_report": "test_report_schedule_live:counting_job"}
RUNS: list[float] = []


def counting_job(context: JobContext) -> dict[str, int]:
    RUNS.append(time.time())
    return {"runs": len(RUNS)}


def _scheduler(state_dir: Path) -> AgentScheduler:
    jobs = {"weekly_report": Config().scheduler.jobs["weekly_report"]}
    context = JobContext(config=None, clock=SystemClock(), telemetry=Telemetry(), publisher=None,
                         make_client=lambda service: None)
    return AgentScheduler(jobs, context, state_dir=state_dir, registry=REGISTRY)


def _store_next_run(state_dir: Path, when: datetime) -> None:
    """Rewrite the stored next run time while no scheduler runs (as after a long outage)."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    store = SQLAlchemyJobStore(url=f"sqlite:///{state_dir / JOBSTORE_FILE}")
    store.start(BackgroundScheduler(timezone=UTC), "default")
    job = store.lookup_job("weekly_report")
    assert job is not None
    job._modify(next_run_time=when)
    store.update_job(job)
    store.shutdown()


def test_three_missed_mondays_run_once_after_restart(tmp_path: Path) -> None:
    job = Config().scheduler.jobs["weekly_report"]
    now = datetime.now(UTC)
    last_monday = next_run(job, now - timedelta(days=7))
    assert last_monday is not None and last_monday <= now
    down_since = last_monday - timedelta(days=21)  # the stored next run, three Mondays earlier

    first = _scheduler(tmp_path)
    first.start()
    first.shutdown()  # the agent goes down ...
    time.sleep(0.5)
    _store_next_run(tmp_path, down_since)  # ... with a next run three Mondays back in its store
    assert RUNS == []

    expected = due_runs(job, down_since, datetime.now(UTC))
    assert expected == [last_monday]  # the rule: one run, for the latest missed Monday

    second = _scheduler(tmp_path)  # the agent comes back
    second.start()
    try:
        deadline = time.monotonic() + 20
        while not RUNS and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.5)  # room for any further (wrong) catch-up runs
        assert len(RUNS) == 1, f"expected one make-up run, got {len(RUNS)}"
        upcoming = second.next_run_times()["weekly_report"]
        assert upcoming is not None and upcoming == next_run(job, datetime.now(UTC))
        assert upcoming.weekday() == 0 and (upcoming.hour, upcoming.minute) == (8, 0)
    finally:
        second.shutdown()
