"""The sqlite3 job store (agent/jobstore.py): APScheduler's job store contract, and the file
SQLAlchemy's store wrote before it is read unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.jobstores.base import ConflictingIdError, JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from mwaa_ops.agent.jobstore import SqliteJobStore

# In the future, so that no scheduler here ever finds a job due.
T0 = datetime(2036, 11, 30, 12, 0, tzinfo=UTC)


def _job(scheduler: BackgroundScheduler, job_id: str, next_run: datetime | None) -> object:
    scheduler.add_job("mwaa_ops.agent.scheduler:_run_by_name", IntervalTrigger(seconds=300, timezone=UTC),
                      args=[job_id], id=job_id, next_run_time=next_run)
    return scheduler.get_job(job_id)


def _store(path: Path) -> tuple[SqliteJobStore, BackgroundScheduler]:
    store = SqliteJobStore(path)
    scheduler = BackgroundScheduler(jobstores={"default": store}, timezone=UTC)
    scheduler.start(paused=True)
    return store, scheduler


def test_add_lookup_due_update_remove(tmp_path: Path) -> None:
    store, scheduler = _store(tmp_path / "s.sqlite")
    try:
        _job(scheduler, "b", T0 + timedelta(minutes=5))
        _job(scheduler, "a", T0)
        _job(scheduler, "paused", None)
        assert [j.id for j in store.get_all_jobs()] == ["a", "b", "paused"]  # paused last
        assert [j.id for j in store.get_due_jobs(T0 + timedelta(minutes=1))] == ["a"]
        assert store.get_due_jobs(T0 - timedelta(minutes=1)) == []
        assert store.get_next_run_time() == T0
        job = store.lookup_job("b")
        assert job is not None and job.args == ("b",) and job.next_run_time == T0 + timedelta(minutes=5)
        job._modify(next_run_time=T0 - timedelta(minutes=1))
        store.update_job(job)
        assert store.get_next_run_time() == T0 - timedelta(minutes=1)
        with pytest.raises(ConflictingIdError):
            store.add_job(job)
        store.remove_job("a")
        assert store.lookup_job("a") is None
        with pytest.raises(JobLookupError):
            store.remove_job("a")
        store.remove_all_jobs()
        assert store.get_all_jobs() == [] and store.get_next_run_time() is None
    finally:
        scheduler.shutdown(wait=False)


def test_reads_what_sqlalchemy_store_wrote(tmp_path: Path) -> None:
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    path = tmp_path / "scheduler.sqlite"
    old = BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{path}")}, timezone=UTC)
    old.start(paused=True)
    _job(old, "alarms_sync", T0)
    old.shutdown(wait=False)

    store, scheduler = _store(path)
    try:
        job = store.lookup_job("alarms_sync")
        assert job is not None and job.next_run_time == T0 and str(job.trigger) == "interval[0:05:00]"
    finally:
        scheduler.shutdown(wait=False)
