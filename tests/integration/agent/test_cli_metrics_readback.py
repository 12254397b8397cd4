"""`mwaa-ops metrics` on a real endpoint: statistics per kind, units, --dag/--top, other environments (issue 8 case 16)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mwaa_ops.aws import make_client
from mwaa_ops.config import AwsConfig
from mwaa_ops.local import LocalEndpoint
from tests.support.agent_process import MWAA_OPS


@pytest.fixture(scope="module")
def endpoint() -> Iterator[LocalEndpoint]:
    with LocalEndpoint("127.0.0.1", 0) as ep:
        ep.reset()
        cw = make_client("cloudwatch", AwsConfig(endpoint_url=ep.url, region="us-east-1"))
        now = datetime.now(UTC) - timedelta(seconds=30)
        data: list[dict[str, Any]] = []

        def datum(metric: str, dims: dict[str, str], unit: str, **value: Any) -> None:
            data.append({"MetricName": metric, "Unit": unit, "Timestamp": now,
                         "Dimensions": [{"Name": k, "Value": v} for k, v in sorted({**dims, "Environment": "prod"}.items())],
                         **value})

        datum("SchedulerHeartbeat", {"Function": "Scheduler"}, "Count", Value=30)
        for i in range(12):  # 12 DAGs: --top 10 hides 2
            extra = [31454.0] if i == 11 else []
            datum("TaskInstanceDuration", {"DAG": f"dag_{i:02}", "Task": "load"}, "Milliseconds",
                  Values=[1000.0 * (i + 1), *extra], Counts=[3, *([1] * len(extra))])
        datum("PoolOpenSlots", {"Pool": "default_pool"}, "Count", Value=11.8)
        datum("DAGFileProcessingLastDuration", {"DAG Filename": "etl"}, "Seconds", Values=[0.09, 0.29], Counts=[1, 1])
        datum("AgentAirflowMajorVersion", {"Function": "MwaaOpsAgent"}, "None", Value=3)
        cw.put_metric_data(Namespace="AmazonMWAA", MetricData=data)
        yield ep


def _run(endpoint: LocalEndpoint, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "100", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1"}
    return subprocess.run([MWAA_OPS, "metrics", "--endpoint-url", endpoint.url, *args],
                          capture_output=True, text=True, timeout=60, env=env)


def test_statistics_fit_each_kind(endpoint: LocalEndpoint) -> None:
    done = _run(endpoint, "--environment", "prod", "--since", "15m", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["airflow_major_version"] == 3
    rows = {(r["metric"], r["dimensions"].get("DAG")): r for r in data["metrics"]}
    heartbeat = rows[("SchedulerHeartbeat", None)]
    assert (heartbeat["kind"], heartbeat["unit"], heartbeat["sum"]) == ("counter", "Count", 30)
    assert heartbeat["rate_per_minute"] == pytest.approx(2.0)  # 30 over 15 minutes
    assert "last" not in heartbeat and "p90" not in heartbeat
    pool = rows[("PoolOpenSlots", None)]
    assert (pool["kind"], pool["last"], pool["min"], pool["max"]) == ("gauge", 11.8, 11.8, 11.8)
    assert "sum" not in pool  # no sum for gauges
    duration = rows[("TaskInstanceDuration", "dag_11")]
    assert (duration["kind"], duration["unit"], duration["count"]) == ("timer", "Milliseconds", 4)
    assert (duration["p50"], duration["p90"], duration["max"]) == (12000.0, 31454.0, 31454.0)
    # --top 10 (default): of 12 DAGs, the 10 with the largest p90 (dag_02 .. dag_11).
    shown = sorted(r["dimensions"]["DAG"] for r in data["metrics"] if r["metric"] == "TaskInstanceDuration")
    assert shown == [f"dag_{i:02}" for i in range(2, 12)]
    assert data["hidden_series"] == {"TaskInstanceDuration": 2}


def test_dag_filter_and_top_all(endpoint: LocalEndpoint) -> None:
    done = _run(endpoint, "--environment", "prod", "--dag", "dag_03", "--json")
    rows = json.loads(done.stdout)["metrics"]
    assert [(r["metric"], r["dimensions"]["DAG"]) for r in rows] == [("TaskInstanceDuration", "dag_03")]
    every = json.loads(_run(endpoint, "--environment", "prod", "--top", "0", "--json").stdout)
    assert sum(1 for r in every["metrics"] if r["metric"] == "TaskInstanceDuration") == 12
    assert every["hidden_series"] == {}


def test_table_shows_units_and_fits_100_columns(endpoint: LocalEndpoint) -> None:
    done = _run(endpoint, "--environment", "prod")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Airflow 3" in out
    assert "31.45 s" in out and "1.0 ms" not in out  # 31454 ms shown as seconds, like the other durations
    assert "90.0 ms" in out and "290.0 ms" in out  # parse times in Seconds shown in ms
    assert "… 2 more" in out
    assert all(len(line) <= 100 for line in out.splitlines()), max(out.splitlines(), key=len)
    assert "DAG=dag_11" in out and "DAG=dag_01" not in out


def test_empty_environment_names_those_with_data(endpoint: LocalEndpoint) -> None:
    done = _run(endpoint, "--environment", "staging")
    assert done.returncode == 0, done.stderr
    assert "No metrics for environment 'staging'" in done.stdout
    assert "Environments with data in AmazonMWAA: prod" in done.stdout
    data = json.loads(_run(endpoint, "--environment", "staging", "--json").stdout)
    assert data["environments_with_data"] == ["prod"]
