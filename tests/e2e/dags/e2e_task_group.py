"""A DAG with a task group, so task ids contain a dot (``section_1.task_1``)."""

from __future__ import annotations

from datetime import datetime

try:  # Airflow 3
    from airflow.sdk import DAG, TaskGroup, task
except ImportError:  # Airflow 2.x
    from airflow.decorators import task
    from airflow.models.dag import DAG
    from airflow.utils.task_group import TaskGroup

with DAG(
    dag_id="e2e_task_group",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args={"retries": 0},
    tags=["mwaa-ops-e2e"],
):

    @task
    def task_1() -> None:
        print("task 1")

    @task
    def task_2() -> None:
        print("task 2")

    @task
    def end() -> None:
        print("end")

    with TaskGroup("section_1"):
        first = task_1()
        second = task_2()
        first >> second

    second >> end()
