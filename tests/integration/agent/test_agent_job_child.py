"""Scheduled jobs in a child process (agent/job_child.py): results, datums, telemetry and errors cross over."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mwaa_ops.agent.job_child import JobChildError, run_in_child
from mwaa_ops.agent.scheduler import AgentScheduler, JobContext
from mwaa_ops.clock import AcceleratedClock, SystemClock
from mwaa_ops.cloudwatch.datum import Datum
from mwaa_ops.config import Config, JobConfig
from mwaa_ops.errors import ConfigError
from mwaa_ops.telemetry import Telemetry

MODULE = "tests.integration.agent.child_jobs"
REGISTRY = {"publish": f"{MODULE}:publishing_job", "fail": f"{MODULE}:failing_job",
            "clock": f"{MODULE}:clock_job"}


class _Publisher:
    def __init__(self) -> None:
        self.submitted: list[Datum] = []

    def submit(self, datums: list[Datum]) -> None:
        self.submitted.extend(datums)


def _context(publisher: _Publisher, telemetry: Telemetry) -> JobContext:
    return JobContext(config=Config(environment="child-env"), clock=SystemClock(), telemetry=telemetry,
                      publisher=publisher, make_client=lambda service: None)


def test_result_datums_and_telemetry_come_back_from_the_child() -> None:
    publisher, telemetry = _Publisher(), Telemetry()
    detail = run_in_child("publish", REGISTRY["publish"], _context(publisher, telemetry))
    assert detail["pid"] != os.getpid()
    assert detail["environment"] == "child-env"
    assert detail["imported_here"] is True
    assert publisher.submitted == [
        Datum("AirflowVersionSupported", (("Environment", "child-env"),), 1_800_000_000.0, "Count", value=1.0),
        Datum("Timer", (("Environment", "e"),), 1_800_000_000.0, "Seconds", values=(0.5, 2.0), counts=(3.0, 1.0)),
    ]
    assert telemetry.get("sync_writes", kind="alarms") == 4


def test_the_child_reads_the_agents_accelerated_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    # A stale MWAA_OPS_CLOCK in the environment must not win over the agent's own clock.
    monkeypatch.setenv("MWAA_OPS_CLOCK", "2001-01-01T00:00:00Z")
    clock = AcceleratedClock(datetime(2030, 6, 2, 3, 5, tzinfo=UTC).timestamp(), speed=60.0)
    context = JobContext(config=Config(environment="child-env"), clock=clock, telemetry=Telemetry(),
                         publisher=_Publisher(), make_client=lambda service: None)
    before = clock.time()
    detail = run_in_child("clock", REGISTRY["clock"], context)
    assert before <= detail["time"] <= clock.time()


def test_a_failing_job_reports_its_own_error() -> None:
    with pytest.raises(JobChildError, match=r"^ValueError: definitions/bad.yaml line 3: threshold = 'x'"):
        run_in_child("fail", REGISTRY["fail"], _context(_Publisher(), Telemetry()))


def test_isolated_scheduler_never_imports_the_job_and_records_outcomes(tmp_path: Path) -> None:
    sys.modules.pop(MODULE, None)
    publisher, telemetry = _Publisher(), Telemetry()
    jobs = {"publish": JobConfig(trigger="interval", interval_seconds=3600),
            "fail": JobConfig(trigger="interval", interval_seconds=3600)}
    scheduler = AgentScheduler(jobs, _context(publisher, telemetry), state_dir=tmp_path, registry=REGISTRY,
                               isolate=True)
    ok = scheduler.run_scheduled("publish")
    failed = scheduler.run_scheduled("fail")
    assert MODULE not in sys.modules
    assert ok.outcome == "ok" and ok.detail["environment"] == "child-env"
    assert len(publisher.submitted) == 2
    assert failed.outcome == "failed"
    assert failed.error.startswith("ValueError: definitions/bad.yaml line 3")
    assert telemetry.get("job_runs", job="fail", outcome="failed") == 1


def test_an_unknown_job_is_still_a_config_error_when_isolated(tmp_path: Path) -> None:
    context = _context(_Publisher(), Telemetry())
    with pytest.raises(ConfigError, match="scheduler.jobs.nope: unknown job"):
        AgentScheduler({"nope": JobConfig()}, context, state_dir=tmp_path, registry=REGISTRY, isolate=True)
