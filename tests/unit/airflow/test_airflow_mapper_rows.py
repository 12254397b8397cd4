"""Every row of the MWAA map: its Airflow name reaches its CloudWatch metric."""

from __future__ import annotations

import re

import pytest

from mwaa_ops.airflow import NameMapper, Target, load_catalogue

SAMPLE = {
    "dag_id": "my_dag",
    "task_id": "my_task",
    "state": "success",
    "operator_name": "BashOperator",
    "pool_name": "default_pool",
    "hostname": "worker-1",
    "dag_filename": "my_file",
    "job_name": "schedulerjob",
}
_VAR = re.compile(r"\{(\w+)\}")
ROWS = load_catalogue().rows


def _fill(text: str) -> str:
    return _VAR.sub(lambda m: SAMPLE[m.group(1)], text)


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.cloudwatch_metric}<-{r.airflow_metric}" for r in ROWS])
def test_every_map_row_reaches_its_metric(row):
    name = _fill(row.airflow_metric)
    compat = [row.cloudwatch_metric] if row.compat_only else []
    targets = NameMapper("prod", compat_metrics=compat).resolve([(name, ())])[(name, ())]
    expected_dims = tuple(sorted([("Environment", "prod"), *((n, _fill(v)) for n, v in row.dimensions)]))
    assert (row.cloudwatch_metric, expected_dims, row.unit) in {
        (t.metric, t.dimensions, t.unit) for t in targets
    }


def test_map_has_the_pages_83_rows_plus_aliases():
    page_rows = [r for r in ROWS if not r.alias_of]
    assert len(page_rows) == 83
    assert {r.airflow_metric for r in ROWS if r.alias_of} == {
        "task_instances_without_heartbeats_killed",
        "asset.updates",
        "asset.orphaned",
        "asset.triggered_dagruns",
    }


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param(
            "ti.finish.my_dag.my_task.failed",
            [Target("TaskInstanceFinished",
                    (("DAG", "my_dag"), ("Environment", "prod"), ("State", "failed"), ("Task", "my_task")),
                    "Count")],
            id="ti-finish-state-dimension",
        ),
        pytest.param(
            "ti.start.my_dag.my_task",
            [Target("StartedTaskInstances", (("DAG", "All"), ("Environment", "prod"), ("Task", "All")), "Count")],
            id="ti-start-keeps-literal-All",
        ),
        pytest.param(
            "pool.open_slots.default_pool",
            [Target("PoolOpenSlots", (("Environment", "prod"), ("Pool", "default_pool")), "Count")],
            id="pool-open-slots-feeds-only-open-slots",
        ),
        pytest.param(
            "task_instance_created_BashOperator",
            [Target("TaskInstanceCreatedUsingOperator", (("Environment", "prod"), ("Operator", "BashOperator")), "Count")],
            id="task-instance-created-underscore-once",
        ),
        pytest.param(
            "task_instance_created-BashOperator",
            [Target("TaskInstanceCreatedUsingOperator", (("Environment", "prod"), ("Operator", "BashOperator")), "Count")],
            id="task-instance-created-hyphen",
        ),
        pytest.param(
            "job_end",
            [Target("JobEnd", (("Environment", "prod"), ("Job", "job")), "Count")],
            id="job-end-from-airflow-3-job-class",
        ),
        pytest.param(
            "scheduler_job_heartbeat_failure",
            [Target("JobHeartbeatFailure", (("Environment", "prod"), ("Job", "scheduler_job")), "Count")],
            id="job-heartbeat-failure-snake-case",
        ),
        pytest.param(
            "triggerer_heartbeat",
            [Target("TriggerHeartbeat", (("Environment", "prod"), ("Function", "Triggerer")), "Count")],
            id="triggerer-heartbeat-function-triggerer",
        ),
        pytest.param(
            "dag_processing.total_parse_time",
            [Target("TotalParseTime", (("Environment", "prod"), ("Function", "DAG Processing")), "Seconds")],
            id="total-parse-time-seconds",
        ),
        pytest.param(
            "task.cpu_usage.my_dag.my_task",
            [Target("TaskCpuUsage", (("DAG", "my_dag"), ("Environment", "prod"), ("Task", "my_task")), "Percent")],
            id="cpu-usage-as-airflow-2-10-emits-it",
        ),
        pytest.param(
            "task_instances_without_heartbeats_killed",
            [Target("ZombiesKilled", (("DAG", "All"), ("Environment", "prod"), ("Task", "All")), "Count")],
            id="alias-airflow-3-rename-of-zombies",
        ),
        pytest.param(
            "asset.updates",
            [Target("Updates", (("Environment", "prod"), ("Function", "Scheduler")), "Count")],
            id="alias-airflow-3-assets",
        ),
    ],
)
def test_named_examples(name, expected):
    assert list(NameMapper("prod").resolve([(name, ())])[(name, ())]) == expected


@pytest.mark.parametrize(
    ("name", "tags", "version", "scale"),
    [
        pytest.param("dag_processing.last_duration.my_file", (), None, 0.001, id="2x-legacy-ms-to-seconds"),
        pytest.param("dag_processing.last_duration.dags-folder.my_file", (), None, 1.0, id="3x-legacy-seconds"),
        pytest.param("dag_processing.last_duration", (("file_name", "my_file"),), "2.11.2", 0.001,
                     id="2x-tagged-ms-to-seconds"),
        pytest.param("dag_processing.last_duration", (("bundle_name", "b"), ("file_name", "my_file")), None, 1.0,
                     id="3x-tagged-seconds"),
        pytest.param("dag_processing.last_duration.mybundle.my_file", (), "3.3.2", 1.0,
                     id="3x-legacy-any-bundle-when-version-known"),
    ],
)
def test_last_duration_unit_per_airflow_major(name, tags, version, scale):
    targets = NameMapper("prod", airflow_version=version).resolve([(name, tags)])[(name, tags)]
    assert [(t.metric, t.dimensions, t.unit, t.scale) for t in targets] == [
        ("DAGFileProcessingLastDuration", (("DAG Filename", "my_file"), ("Environment", "prod")), "Seconds", scale)
    ]


def test_pool_failures_only_behind_the_compatibility_setting():
    """Issue 8 case 6: PoolFailures carried pool.open_slots (128 for default_pool) and would page forever."""
    name = "pool.open_slots.default_pool"
    off = NameMapper("prod").resolve([(name, ())])[(name, ())]
    assert [t.metric for t in off] == ["PoolOpenSlots"]
    on = NameMapper("prod", compat_metrics=["PoolFailures"]).resolve([(name, ())])[(name, ())]
    assert sorted(t.metric for t in on) == ["PoolFailures", "PoolOpenSlots"]
