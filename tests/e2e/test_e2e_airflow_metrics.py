"""End to end: a real Airflow sends StatsD to ``mwaa-ops up``; CloudWatch shows MWAA metrics.

For each case (Airflow 3.x plain, 3.x with InfluxDB tags, 2.11.x plain) one
module-scoped scenario runs: the agent starts as a subprocess with its
embedded endpoint, ``airflow standalone`` starts with its StatsD pointed at
the agent, every DAG in ``tests/e2e/dags/`` runs once, Airflow stops, the
agent gets two more flush intervals, and the tests read CloudWatch back over
HTTP while the agent (and so its endpoint) still runs. The agent is stopped
with SIGINT at teardown, which must exit 0.

Counts are exact: Airflow 2.6+ sends most events twice (a legacy name with
ids inside and a base or tagged name), so a total above the number of task
instances means double counting, below it means loss.
"""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.airflow_env import AIRFLOW_2, AIRFLOW_3, ensure_airflow_venv
from tests.e2e.airflow_runner import (
    E2E_DAGS,
    E2E_EXPECTED_RUN_STATE,
    E2E_EXPECTED_TASK_STATES,
    AirflowStandalone,
    StatsdSettings,
)
from tests.support.agent_process import AgentProcess, free_port, free_udp_port
from tests.support.cloudwatch_read import cloudwatch, metric_names

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

NAMESPACE = "AmazonMWAA"
ENVIRONMENT = "e2e"
FLUSH_INTERVAL_S = 5
# Slots of Airflow's default_pool, set at `db migrate` from this setting, so
# the PoolOpenSlots value is known exactly (Airflow's own default is 128).
DEFAULT_POOL_SLOTS = 16
# After Airflow stops: two flush intervals and a little for the last flush's
# PutMetricData round trip.
_SETTLE_S = 2 * FLUSH_INTERVAL_S + 2
_RUN_TIMEOUT_S = 240.0

ALL_TASKS = [(dag, task) for dag, tasks in E2E_DAGS.items() for task in tasks]
SUCCESSFUL_DAGS = [dag for dag, state in E2E_EXPECTED_RUN_STATE.items() if state == "success"]
FAILED_DAGS = [dag for dag, state in E2E_EXPECTED_RUN_STATE.items() if state == "failed"]
TASK_SUCCESSES = sum(
    state == "success" for states in E2E_EXPECTED_TASK_STATES.values() for state in states.values()
)
TASK_FAILURES = len(ALL_TASKS) - TASK_SUCCESSES
# Every e2e task is a @task, so all run the same operator class.
OPERATOR = "_PythonDecoratedOperator"


@dataclass(frozen=True)
class Case:
    version: str
    mode: str  # "plain" or "influx"

    @property
    def influx(self) -> bool:
        return self.mode == "influx"

    def spelling(self, airflow_id: str) -> str:
        """How a DAG or task id reaches its dimension (docs/metric-names.md).

        The real id, dots included, whenever Airflow sends it in a tag or in a
        name as is (2.x). Airflow 3.3 in plain mode sends ids only inside
        legacy names, writing each dot as ``__``, and no metric carries the
        real id; the mapper never guesses it back (a real id may contain
        ``__``), so the ``__`` spelling is what is published there.
        """
        if self.version.startswith("3.") and not self.influx:
            return airflow_id.replace(".", "__")
        return airflow_id


CASES = [
    pytest.param(Case(AIRFLOW_3, "plain"), id=f"airflow-{AIRFLOW_3}-plain"),
    pytest.param(Case(AIRFLOW_3, "influx"), id=f"airflow-{AIRFLOW_3}-influx"),
    pytest.param(Case(AIRFLOW_2, "plain"), id=f"airflow-{AIRFLOW_2}-plain"),
]


@dataclass
class Published:
    """What reached CloudWatch in one scenario, read back over HTTP."""

    case: Case
    client: Any
    start: datetime
    end: datetime
    series: dict[str, list[dict[str, str]]]
    ordered: dict[str, list[list[str]]]  # metric -> dimension names as ListMetrics returns them
    agent_log: str = ""
    airflow_home: Path | None = None
    _cache: dict[tuple[str, tuple[tuple[str, str], ...]], dict[str, float]] = field(
        default_factory=dict
    )

    def stats(self, metric: str, dims: dict[str, str]) -> dict[str, float]:
        """Sum, SampleCount, Minimum and Maximum of one series over the whole scenario."""
        key = (metric, tuple(sorted(dims.items())))
        if key not in self._cache:
            period = 60 * (1 + int((self.end - self.start).total_seconds()) // 60)
            response = self.client.get_metric_statistics(
                Namespace=NAMESPACE,
                MetricName=metric,
                # Canonical order, as the agent publishes (moto matches in order).
                Dimensions=[{"Name": k, "Value": v} for k, v in sorted(dims.items())],
                StartTime=self.start,
                EndTime=self.end,
                Period=period,
                Statistics=["Sum", "SampleCount", "Minimum", "Maximum"],
            )
            points = response["Datapoints"]
            self._cache[key] = {
                "Sum": sum(p["Sum"] for p in points),
                "SampleCount": sum(p["SampleCount"] for p in points),
                "Minimum": min((p["Minimum"] for p in points), default=float("nan")),
                "Maximum": max((p["Maximum"] for p in points), default=float("nan")),
                "Datapoints": len(points),
            }
        return self._cache[key]

    def total(self, metric: str, stat: str) -> float:
        """``stat`` summed over every series of ``metric`` (all dimension sets)."""
        return sum(self.stats(metric, dims)[stat] for dims in self.series.get(metric, []))

    def dims_of(self, metric: str) -> list[dict[str, str]]:
        assert metric in self.series, (
            f"{metric} never reached CloudWatch; published: {sorted(self.series)}\n{self.agent_log}"
        )
        return self.series[metric]

    def find(self, metric: str, **expected: str | set[str]) -> list[dict[str, str]]:
        """Series of ``metric`` whose dimensions match (a set means any of its values)."""
        found = []
        for dims in self.dims_of(metric):
            if all(
                dims.get(name) in (want if isinstance(want, set) else {want})
                for name, want in expected.items()
            ):
                found.append(dims)
        return found


def _run_scenario(case: Case, tmp: Path) -> tuple[AgentProcess, int, datetime]:
    """Agent up, Airflow run, Airflow stopped; return the running agent and its endpoint port."""
    venv = ensure_airflow_venv(case.version)
    statsd_port, endpoint_port, health_port = free_udp_port(), free_port(), free_port()
    agent = AgentProcess(
        ["up", "--statsd-port", str(statsd_port), "--endpoint-port", str(endpoint_port),
         "--health-port", str(health_port), "--flush-interval", str(FLUSH_INTERVAL_S),
         "--environment", ENVIRONMENT, "--state-dir", str(tmp / "agent-state"), "--json"],
        env={"MWAA_OPS_SCHEDULER__ENABLED": "false"},
        log_path=tmp / "agent.log",
    ).start()
    start = datetime.now(UTC)
    try:
        agent.wait_healthy(health_port)
        airflow = AirflowStandalone(
            venv=venv,
            version=case.version,
            home=tmp / "airflow-home",
            statsd=StatsdSettings(port=statsd_port, influxdb=case.influx),
            extra_env={"AIRFLOW__CORE__DEFAULT_POOL_TASK_SLOT_COUNT": str(DEFAULT_POOL_SLOTS),
                       # Airflow's own per-file parse times, logged as "DAG File Processing Stats".
                       "AIRFLOW__DAG_PROCESSOR__PRINT_STATS_INTERVAL": "5",
                       "AIRFLOW__SCHEDULER__PRINT_STATS_INTERVAL": "5"},
        )
        with airflow:
            airflow.wait_ready(E2E_DAGS)
            runs = {dag_id: airflow.unpause_and_trigger(dag_id) for dag_id in E2E_DAGS}
            for dag_id, run_id in runs.items():
                state = airflow.wait_for_run(dag_id, run_id, timeout=_RUN_TIMEOUT_S)
                tasks = airflow.task_states(dag_id, run_id)
                assert (state, tasks) == (
                    E2E_EXPECTED_RUN_STATE[dag_id],
                    E2E_EXPECTED_TASK_STATES[dag_id],
                ), airflow.log_tail()
        time.sleep(_SETTLE_S)  # let the agent flush what Airflow sent last
    except BaseException:
        agent.kill()
        print(agent.log())
        raise
    return agent, endpoint_port, start


@pytest.fixture(scope="module", params=CASES)
def published(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    case: Case = request.param
    tmp = tmp_path_factory.mktemp(f"e2e-{case.version}-{case.mode}")
    agent, endpoint_port, start = _run_scenario(case, tmp)
    try:
        client = cloudwatch(f"http://127.0.0.1:{endpoint_port}")
        ordered: dict[str, list[list[str]]] = {}
        for page in client.get_paginator("list_metrics").paginate(Namespace=NAMESPACE):
            for metric in page["Metrics"]:
                ordered.setdefault(metric["MetricName"], []).append(
                    [d["Name"] for d in metric["Dimensions"]]
                )
        yield Published(
            case=case,
            client=client,
            start=start - timedelta(minutes=5),
            end=datetime.now(UTC) + timedelta(minutes=5),
            series=metric_names(client, NAMESPACE),
            ordered=ordered,
            agent_log=agent.log(),
            airflow_home=tmp / "airflow-home",
        )
    finally:
        code = agent.stop(signal.SIGINT)
    assert code == 0, f"mwaa-ops up exited {code} on SIGINT:\n{agent.log()}"


# ---------------------------------------------------------------- dimensions
def test_every_series_carries_the_environment_in_canonical_order(published: Published) -> None:
    assert published.series, "nothing reached CloudWatch"
    for metric, dim_sets in published.series.items():
        for dims in dim_sets:
            assert dims.get("Environment") == ENVIRONMENT, (metric, dims)
    for metric, name_lists in published.ordered.items():
        for names in name_lists:
            assert names == sorted(names), (metric, names)


def test_ids_reach_dimensions_under_one_spelling(published: Published) -> None:
    case = published.case
    expected_dags = {case.spelling(dag) for dag in E2E_DAGS}
    expected_tasks = {(case.spelling(dag), case.spelling(task)) for dag, task in ALL_TASKS}
    for metric in ("TaskInstanceFinished", "TaskInstanceDuration"):
        pairs = {(d["DAG"], d["Task"]) for d in published.dims_of(metric)}
        assert pairs == expected_tasks, metric
    dags = {d["DAG"] for d in published.dims_of("DAGDurationSuccess")}
    dags |= {d["DAG"] for d in published.dims_of("DAGDurationFailed")}
    assert dags == expected_dags


# ---------------------------------------------------------------- scheduler
def test_scheduler_heartbeat(published: Published) -> None:
    dims = published.dims_of("SchedulerHeartbeat")
    assert dims == [{"Environment": ENVIRONMENT, "Function": "Scheduler"}]
    assert published.stats("SchedulerHeartbeat", dims[0])["Sum"] > 0


def test_queued_tasks_gauge(published: Published) -> None:
    wanted = {"Environment": ENVIRONMENT, "Function": "Executor"}
    # The executor gauge comes twice (`executor.queued_tasks` and
    # `...queued_tasks.<ExecutorClass>`); one series, never a sum of both.
    assert published.dims_of("QueuedTasks") == [wanted]
    stats = published.stats("QueuedTasks", wanted)
    assert stats["SampleCount"] >= 1
    assert 0 <= stats["Minimum"] <= stats["Maximum"] <= len(ALL_TASKS)


def test_pool_open_slots(published: Published) -> None:
    wanted = {"Environment": ENVIRONMENT, "Pool": "default_pool"}
    assert wanted in published.dims_of("PoolOpenSlots")
    # Idle between runs, so every slot of the pool is open at some flush.
    assert published.stats("PoolOpenSlots", wanted)["Maximum"] == DEFAULT_POOL_SLOTS


def test_total_parse_time(published: Published) -> None:
    wanted = {"Environment": ENVIRONMENT, "Function": "DAG Processing"}
    assert published.dims_of("TotalParseTime") == [wanted]
    stats = published.stats("TotalParseTime", wanted)
    assert stats["SampleCount"] >= 1
    assert stats["Maximum"] > 0


# ---------------------------------------------------------- task instances
@pytest.mark.parametrize(("dag_id", "task_id"), ALL_TASKS, ids=[f"{d}/{t}" for d, t in ALL_TASKS])
def test_task_instance_finished_once_per_task(
    published: Published, dag_id: str, task_id: str
) -> None:
    expected_state = E2E_EXPECTED_TASK_STATES[dag_id][task_id]
    series = published.find(
        "TaskInstanceFinished",
        DAG=published.case.spelling(dag_id),
        Task=published.case.spelling(task_id),
    )
    by_state = {dims["State"]: published.stats("TaskInstanceFinished", dims)["Sum"] for dims in series}
    # Airflow 2.x also sends 0-valued counters for every other state; those may
    # appear, but only the real final state counts 1.
    assert by_state.get(expected_state) == 1, by_state
    assert sum(by_state.values()) == 1, by_state


def test_task_instance_finished_total_has_no_double_count(published: Published) -> None:
    assert published.total("TaskInstanceFinished", "Sum") == len(ALL_TASKS)
    for dims in published.dims_of("TaskInstanceFinished"):
        assert set(dims) == {"DAG", "Environment", "State", "Task"}, dims


@pytest.mark.parametrize(("dag_id", "task_id"), ALL_TASKS, ids=[f"{d}/{t}" for d, t in ALL_TASKS])
def test_task_instance_duration_one_sample_per_task(
    published: Published, dag_id: str, task_id: str
) -> None:
    series = published.find(
        "TaskInstanceDuration",
        DAG=published.case.spelling(dag_id),
        Task=published.case.spelling(task_id),
    )
    assert len(series) == 1, series
    assert set(series[0]) == {"DAG", "Environment", "Task"}
    stats = published.stats("TaskInstanceDuration", series[0])
    assert stats["SampleCount"] == 1
    assert stats["Minimum"] >= 0


def test_task_instance_duration_total(published: Published) -> None:
    assert published.total("TaskInstanceDuration", "SampleCount") == len(ALL_TASKS)


def test_task_successes_failures_and_starts_counted_once(published: Published) -> None:
    assert published.total("TaskInstanceSuccesses", "Sum") == TASK_SUCCESSES
    assert published.total("TaskInstanceFailures", "Sum") == TASK_FAILURES
    assert published.total("StartedTaskInstances", "Sum") == len(ALL_TASKS)


def test_operator_successes_and_failures(published: Published) -> None:
    assert published.find("OperatorSuccesses", Operator=OPERATOR), published.dims_of(
        "OperatorSuccesses"
    )
    assert published.total("OperatorSuccesses", "Sum") == TASK_SUCCESSES
    assert published.total("OperatorFailures", "Sum") == TASK_FAILURES


# -------------------------------------------------------------------- DAG runs
@pytest.mark.parametrize("dag_id", SUCCESSFUL_DAGS)
def test_dag_duration_success_one_sample_per_run(published: Published, dag_id: str) -> None:
    series = published.find("DAGDurationSuccess", DAG=published.case.spelling(dag_id))
    assert len(series) == 1, series
    assert set(series[0]) == {"DAG", "Environment"}
    assert published.stats("DAGDurationSuccess", series[0])["SampleCount"] == 1


def test_dag_duration_failed_one_sample(published: Published) -> None:
    (dag_id,) = FAILED_DAGS
    series = published.find("DAGDurationFailed", DAG=published.case.spelling(dag_id))
    assert len(series) == 1, series
    assert published.stats("DAGDurationFailed", series[0])["SampleCount"] == 1


def test_dag_durations_have_no_double_count(published: Published) -> None:
    assert published.total("DAGDurationSuccess", "SampleCount") == len(SUCCESSFUL_DAGS)
    assert published.total("DAGDurationFailed", "SampleCount") == len(FAILED_DAGS)


# ----------------------------------------------------------- DAG file parsing
# A row of Airflow's "DAG File Processing Stats" table: the file, then the last
# parse duration ("0.09s") right before the time it finished (3.x "Last Duration",
# 2.x "Last Runtime"; dag_processing/manager.py, _log_file_processing_stats).
_STATS_ROW = re.compile(r"(\S+\.py)\s.*?(\d+\.\d+)s\s+(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)")


def _airflow_parse_times(home: Path) -> dict[str, list[float]]:
    """Airflow's own record of each DAG file's parse durations (seconds), from its logs."""
    texts = [p.read_text(errors="replace") for p in home.rglob("*.log")]
    out: dict[str, list[float]] = {}
    for text in texts:
        for block in text.split("DAG File Processing Stats")[1:]:
            for line in block.splitlines()[:40]:
                match = _STATS_ROW.search(line)
                if match:
                    out.setdefault(Path(match.group(1)).stem, []).append(float(match.group(2)))
    return out


def test_dag_file_parse_durations_match_airflows_own(published: Published) -> None:
    """Issue 8 case 1: Airflow 3 parse times came out 1000x too small, with the bundle in the file name."""
    assert published.airflow_home is not None
    airflow_times = _airflow_parse_times(published.airflow_home)
    files = sorted(f.stem for f in (Path(__file__).parent / "dags").glob("*.py"))
    assert set(files) <= set(airflow_times), (airflow_times, files)
    dims = {d["DAG Filename"] for d in published.dims_of("DAGFileProcessingLastDuration")}
    assert set(files) <= dims, dims  # file names only: no bundle segment
    assert all("." not in d for d in dims), dims
    rows = []
    for stem in files:
        agent = published.stats("DAGFileProcessingLastDuration",
                                {"Environment": ENVIRONMENT, "DAG Filename": stem})
        ours = sorted(airflow_times[stem])
        rows.append(f"{stem}: agent min {agent['Minimum']:.4f} s max {agent['Maximum']:.4f} s "
                    f"({int(agent['SampleCount'])} samples); Airflow's log {ours[0]:.2f}-{ours[-1]:.2f} s "
                    f"({len(ours)} rows)")
        # Same scale as Airflow's own record (rounded to 0.01 s there): a unit error is 1000x.
        assert ours[0] / 3 - 0.01 <= agent["Maximum"] and agent["Minimum"] <= ours[-1] * 3 + 0.01, rows[-1]
    print(f"\n[{published.case.version} {published.case.mode}] DAGFileProcessingLastDuration vs Airflow:\n  "
          + "\n  ".join(rows))
