"""A DAG whose id contains a dot (``e2e.dotted_dag``), to exercise id splitting."""

from __future__ import annotations

from datetime import datetime

try:  # Airflow 3
    from airflow.sdk import DAG, task
except ImportError:  # Airflow 2.x
    from airflow.decorators import task
    from airflow.models.dag import DAG

with DAG(
    dag_id="e2e.dotted_dag",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args={"retries": 0},
    tags=["mwaa-ops-e2e"],
):

    @task
    def hello() -> None:
        print("hello")

    hello()
