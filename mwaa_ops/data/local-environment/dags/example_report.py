"""A daily report DAG for the local MWAA environment, using the standard provider."""

from __future__ import annotations

from datetime import datetime

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG("example_report", schedule="@daily", start_date=datetime(2026, 1, 1), catchup=False):
    BashOperator(task_id="build", bash_command="echo building the report")
