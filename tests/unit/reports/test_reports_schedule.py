"""The weekly job's schedule and misfire handling, at injected instants (no waiting)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mwaa_ops.clock import FakeClock, utc_now
from mwaa_ops.config import Config
from mwaa_ops.reports.schedule import due_runs, next_run

JOB = Config().scheduler.jobs["weekly_report"]
MONDAY_8 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # a Monday


def test_default_is_monday_0800_utc_coalescing() -> None:
    assert (JOB.trigger, JOB.cron, JOB.coalesce) == ("cron", "0 8 * * 1", True)
    clock = FakeClock(datetime(2026, 11, 25, 15, 0, tzinfo=UTC))  # a Wednesday
    assert next_run(JOB, utc_now(clock)) == MONDAY_8
    clock.advance((MONDAY_8 - utc_now(clock)).total_seconds())
    assert next_run(JOB, utc_now(clock)) == MONDAY_8 + timedelta(days=7)


def test_on_time_runs_once() -> None:
    assert due_runs(JOB, MONDAY_8, MONDAY_8) == [MONDAY_8]
    assert due_runs(JOB, MONDAY_8, MONDAY_8 - timedelta(seconds=1)) == []


def test_agent_down_three_weeks_runs_once_for_the_latest_missed_week() -> None:
    clock = FakeClock(MONDAY_8 - timedelta(days=21))  # stored next run three Mondays ago
    stored = utc_now(clock)
    clock.advance(timedelta(days=22, hours=3).total_seconds())  # back on Tuesday 11:00
    runs = due_runs(JOB, stored, utc_now(clock))
    assert runs == [MONDAY_8 + timedelta(days=0)]  # one run, for the latest Monday (not three)


def test_down_six_days_still_makes_up_the_run() -> None:
    now = MONDAY_8 + timedelta(days=6, hours=23)  # Sunday night, next Monday not yet due
    assert due_runs(JOB, MONDAY_8, now) == [MONDAY_8]


def test_without_coalesce_every_missed_week_would_run() -> None:
    plain = JOB.model_copy(update={"coalesce": False, "misfire_grace_time_seconds": 30 * 86400})
    now = MONDAY_8 + timedelta(days=1)
    assert len(due_runs(plain, MONDAY_8 - timedelta(days=14), now)) == 3


def test_numeric_weekdays_are_read_the_crontab_way() -> None:
    from mwaa_ops.agent.scheduler import _crontab_weekdays

    assert _crontab_weekdays("0 8 * * 1") == "0 8 * * mon"
    assert _crontab_weekdays("0 8 * * 0,7") == "0 8 * * sun,sun"
    assert _crontab_weekdays("0 8 * * 1-5") == "0 8 * * mon-fri"
    assert _crontab_weekdays("0 8 * * */2") == "0 8 * * */2"
    assert _crontab_weekdays("17 4 * * *") == "17 4 * * *"
