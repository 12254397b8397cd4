"""A real APScheduler with the SQLite job store: persistence and isolation of jobs."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from mwaa_ops.agent.scheduler import JOBSTORE_FILE, AgentScheduler, JobContext
from mwaa_ops.clock import SystemClock
from mwaa_ops.config import JobConfig
from mwaa_ops.telemetry import Telemetry

REGISTRY = {
    "fast": "test_agent_scheduler_live:fast_job",
    "slow": "test_agent_scheduler_live:slow_job",
    "failing": "test_agent_scheduler_live:failing_job",
    "hourly": "test_agent_scheduler_live:fast_job",
}
RUNS: dict[str, int] = {"fast": 0, "slow": 0}
RELEASE = threading.Event()


def fast_job(context: JobContext) -> dict[str, int]:
    RUNS["fast"] += 1
    return {"n": RUNS["fast"]}


def slow_job(context: JobContext) -> None:
    RUNS["slow"] += 1
    RELEASE.wait(30)


def failing_job(context: JobContext) -> None:
    raise ValueError("always fails")


def _context() -> JobContext:
    return JobContext(config=None, clock=SystemClock(), telemetry=Telemetry(), publisher=None,
                      make_client=lambda service: None)


def test_slow_and_failing_jobs_do_not_block_others(tmp_path: Path) -> None:
    jobs = {
        "fast": JobConfig(interval_seconds=1),
        "slow": JobConfig(interval_seconds=1),
        "failing": JobConfig(interval_seconds=1),
    }
    context = _context()
    scheduler = AgentScheduler(jobs, context, state_dir=tmp_path, registry=REGISTRY)
    scheduler.start()
    try:
        deadline = time.monotonic() + 20
        while RUNS["fast"] < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert RUNS["fast"] >= 3, "the fast job was blocked"
        assert RUNS["slow"] == 1, "the slow job must not overlap itself"
        status = {row["job"]: row for row in scheduler.status()}
        assert status["fast"]["last_outcome"] == "ok"
        assert status["failing"]["last_outcome"] == "failed"
        assert status["fast"]["next_run"] is not None
        assert context.telemetry.get("job_runs", job="failing", outcome="failed") >= 1
    finally:
        RELEASE.set()
        scheduler.shutdown()


def test_schedules_survive_a_restart(tmp_path: Path) -> None:
    jobs = {"hourly": JobConfig(interval_seconds=3600, coalesce=True, misfire_grace_time_seconds=120)}
    first = AgentScheduler(jobs, _context(), state_dir=tmp_path, registry=REGISTRY)
    first.start()
    planned = first.next_run_times()["hourly"]
    first.shutdown()
    assert (tmp_path / JOBSTORE_FILE).exists()

    second = AgentScheduler(jobs, _context(), state_dir=tmp_path, registry=REGISTRY)
    second.start()
    try:
        assert second.next_run_times()["hourly"] == planned
        job = second._scheduler.get_job("hourly")
        assert job.coalesce is True
        assert job.misfire_grace_time == 120
    finally:
        second.shutdown()


def test_changed_schedule_and_removed_jobs_are_updated(tmp_path: Path) -> None:
    first = AgentScheduler({"hourly": JobConfig(interval_seconds=3600), "fast": JobConfig()},
                           _context(), state_dir=tmp_path, registry=REGISTRY)
    first.start()
    first.shutdown()
    second = AgentScheduler({"hourly": JobConfig(interval_seconds=60)}, _context(),
                            state_dir=tmp_path, registry=REGISTRY)
    second.start()
    try:
        assert set(second.next_run_times()) == {"hourly"}
        assert "0:01:00" in str(second._scheduler.get_job("hourly").trigger)
    finally:
        second.shutdown()


def test_run_at_start_runs_once_then_follows_the_trigger(tmp_path: Path) -> None:
    before = RUNS["fast"]
    jobs = {"hourly": JobConfig(interval_seconds=3600, run_at_start=True)}
    scheduler = AgentScheduler(jobs, _context(), state_dir=tmp_path, registry=REGISTRY)
    scheduler.start()
    try:
        deadline = time.monotonic() + 20
        while RUNS["fast"] == before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert RUNS["fast"] == before + 1
        next_run = scheduler.next_run_times()["hourly"]
        assert next_run is not None
        assert (next_run - datetime.now(UTC)).total_seconds() > 3000
    finally:
        scheduler.shutdown()
