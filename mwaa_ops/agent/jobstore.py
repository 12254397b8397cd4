"""APScheduler 3's persistent job store on the standard library's ``sqlite3``.

The same table as APScheduler's ``SQLAlchemyJobStore`` (``apscheduler_jobs``:
``id`` text primary key, ``next_run_time`` float, ``job_state`` pickled
``Job.__getstate__()``), so a ``scheduler.sqlite`` written by earlier versions
of the agent is read unchanged. Why not SQLAlchemy's store: importing
SQLAlchemy costs the agent 11 MB of resident memory for the whole of its life
(measured, issue 15), for five rows.

Each operation opens its own connection (the scheduler calls from its own
thread and from the executor's), serialised by a lock.
"""

from __future__ import annotations

import pickle
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from apscheduler.job import Job
from apscheduler.jobstores.base import BaseJobStore, ConflictingIdError, JobLookupError
from apscheduler.util import datetime_to_utc_timestamp, utc_timestamp_to_datetime

TABLE = "apscheduler_jobs"


class SqliteJobStore(BaseJobStore):
    """Jobs kept in the SQLite file ``path`` (created with its table when missing)."""

    def __init__(self, path: Path, pickle_protocol: int = pickle.HIGHEST_PROTOCOL) -> None:
        super().__init__()
        self.path = Path(path)
        self.pickle_protocol = pickle_protocol
        self._lock = threading.Lock()

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            connection = sqlite3.connect(self.path, timeout=30)
            try:
                with connection:  # commit on success, roll back on error
                    yield connection
            finally:
                connection.close()

    def start(self, scheduler: Any, alias: str) -> None:
        super().start(scheduler, alias)
        with self._db() as db:
            db.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (id VARCHAR(191) NOT NULL PRIMARY KEY, "
                       "next_run_time FLOAT, job_state BLOB NOT NULL)")
            db.execute(f"CREATE INDEX IF NOT EXISTS ix_{TABLE}_next_run_time ON {TABLE} (next_run_time)")

    def lookup_job(self, job_id: str) -> Job | None:
        with self._db() as db:
            row = db.execute(f"SELECT job_state FROM {TABLE} WHERE id = ?", (job_id,)).fetchone()
        return self._reconstitute_job(row[0]) if row else None

    def get_due_jobs(self, now: datetime) -> list[Job]:
        return self._get_jobs("WHERE next_run_time <= ?", (datetime_to_utc_timestamp(now),))

    def get_next_run_time(self) -> datetime | None:
        with self._db() as db:
            row = db.execute(f"SELECT next_run_time FROM {TABLE} WHERE next_run_time IS NOT NULL "
                             "ORDER BY next_run_time LIMIT 1").fetchone()
        return utc_timestamp_to_datetime(row[0]) if row else None

    def get_all_jobs(self) -> list[Job]:
        jobs = self._get_jobs()
        self._fix_paused_jobs_sorting(jobs)
        return jobs

    def add_job(self, job: Job) -> None:
        try:
            with self._db() as db:
                db.execute(f"INSERT INTO {TABLE} (id, next_run_time, job_state) VALUES (?, ?, ?)",
                           (job.id, datetime_to_utc_timestamp(job.next_run_time), self._state(job)))
        except sqlite3.IntegrityError:
            raise ConflictingIdError(job.id) from None

    def update_job(self, job: Job) -> None:
        with self._db() as db:
            cursor = db.execute(f"UPDATE {TABLE} SET next_run_time = ?, job_state = ? WHERE id = ?",
                                (datetime_to_utc_timestamp(job.next_run_time), self._state(job), job.id))
            if cursor.rowcount == 0:
                raise JobLookupError(job.id)

    def remove_job(self, job_id: str) -> None:
        with self._db() as db:
            if db.execute(f"DELETE FROM {TABLE} WHERE id = ?", (job_id,)).rowcount == 0:
                raise JobLookupError(job_id)

    def remove_all_jobs(self) -> None:
        with self._db() as db:
            db.execute(f"DELETE FROM {TABLE}")

    def shutdown(self) -> None:
        """Nothing held open between operations."""

    def _state(self, job: Job) -> bytes:
        return pickle.dumps(job.__getstate__(), self.pickle_protocol)

    def _reconstitute_job(self, job_state: bytes) -> Job:
        state = pickle.loads(job_state)
        state["jobstore"] = self
        job = Job.__new__(Job)
        job.__setstate__(state)
        job._scheduler = self._scheduler
        job._jobstore_alias = self._alias
        return job

    def _get_jobs(self, where: str = "", args: tuple[Any, ...] = ()) -> list[Job]:
        jobs: list[Job] = []
        failed: list[str] = []
        with self._db() as db:
            rows = db.execute(f"SELECT id, job_state FROM {TABLE} {where} ORDER BY next_run_time", args).fetchall()
            for job_id, state in rows:
                try:
                    jobs.append(self._reconstitute_job(state))
                except BaseException:
                    self._logger.exception('Unable to restore job "%s" -- removing it', job_id)
                    failed.append(job_id)
            for job_id in failed:
                db.execute(f"DELETE FROM {TABLE} WHERE id = ?", (job_id,))
        return jobs

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__} (path={self.path})>"
