"""A DAG that succeeds: two tasks in sequence (e2e tests of the metrics pipeline)."""

from __future__ import annotations

from datetime import datetime

try:  # Airflow 3
    from airflow.sdk import DAG, task
except ImportError:  # Airflow 2.x
    from airflow.decorators import task
    from airflow.models.dag import DAG

with DAG(
    dag_id="e2e_success",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args={"retries": 0},
    tags=["mwaa-ops-e2e"],
):

    @task
    def extract() -> int:
        return 1

    @task
    def load(value: int) -> None:
        print(f"loaded {value}")

    load(extract())
