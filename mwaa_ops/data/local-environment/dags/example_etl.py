"""A small ETL DAG for the local MWAA environment (Airflow 3 task SDK)."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import dag, task


@dag(schedule="@hourly", start_date=datetime(2026, 1, 1), catchup=False, tags=["local"])
def example_etl() -> None:
    @task
    def extract() -> list[int]:
        return [1, 2, 3]

    @task
    def load(rows: list[int]) -> int:
        return sum(rows)

    load(extract())


example_etl()
