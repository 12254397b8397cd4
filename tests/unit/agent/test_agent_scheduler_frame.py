"""The scheduler frame with an injected clock: triggers, run records, failures."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from mwaa_ops.agent.scheduler import JobContext, JobRunner, build_trigger, resolve_job
from mwaa_ops.clock import FakeClock
from mwaa_ops.config import JobConfig
from mwaa_ops.errors import ConfigError
from mwaa_ops.telemetry import Telemetry

AT = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)


def _context(clock: FakeClock) -> JobContext:
    return JobContext(config=None, clock=clock, telemetry=Telemetry(), publisher=None,
                      make_client=lambda service: None)


def test_cron_trigger_fires_at_the_next_matching_minute_utc() -> None:
    trigger = build_trigger("versions_refresh", JobConfig(trigger="cron", cron="17 4 * * *"))
    assert trigger.get_next_fire_time(None, AT) == datetime(2026, 11, 26, 4, 17, tzinfo=UTC)


def test_interval_trigger_and_jitter() -> None:
    trigger = build_trigger("tick", JobConfig(trigger="interval", interval_seconds=900,
                                               jitter_seconds=30))
    assert trigger.jitter == 30
    first = trigger.get_next_fire_time(None, AT)
    assert first is not None
    second = trigger.get_next_fire_time(first, first)
    assert second is not None
    assert 870 <= (second - first).total_seconds() <= 930


def test_cron_jitter_is_kept() -> None:
    trigger = build_trigger("x", JobConfig(trigger="cron", cron="0 * * * *", jitter_seconds=60))
    assert trigger.jitter == 60


def test_bad_cron_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"scheduler.jobs.nightly.cron = '61 \* \* \* \*'"):
        build_trigger("nightly", JobConfig(trigger="cron", cron="61 * * * *"))


def test_unknown_job_names_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="unknown job .*known jobs: .*versions_refresh"):
        resolve_job("dashboards_sync")


def test_run_records_outcome_and_duration_from_the_clock() -> None:
    clock = FakeClock(AT)
    jobs = {"work": JobConfig(max_runtime_seconds=60)}
    runner = JobRunner(_context(clock), jobs)

    def work(context: JobContext) -> dict[str, Any]:
        context.clock.sleep(12.5)  # FakeClock: moves time, does not wait
        return {"changed": 2}

    run = runner.run("work", work)
    assert run.outcome == "ok"
    assert run.duration == pytest.approx(12.5)
    assert run.started == AT.timestamp()
    assert run.detail == {"changed": 2}
    assert runner.last["work"] is run


def test_failing_job_is_contained_and_counted() -> None:
    clock = FakeClock(AT)
    context = _context(clock)
    runner = JobRunner(context, {"boom": JobConfig()})

    def boom(context: JobContext) -> None:
        raise RuntimeError("source unreachable")

    run = runner.run("boom", boom)
    assert run.outcome == "failed"
    assert run.error == "RuntimeError: source unreachable"
    assert context.telemetry.get("job_runs", job="boom", outcome="failed") == 1


def test_slow_job_is_reported_as_overrun() -> None:
    clock = FakeClock(AT)
    runner = JobRunner(_context(clock), {"slow": JobConfig(max_runtime_seconds=10)})
    run = runner.run("slow", lambda context: context.clock.sleep(11))
    assert run.outcome == "overran"
