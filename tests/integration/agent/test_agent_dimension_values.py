"""Ids CloudWatch refuses as dimension values reach the (validating) endpoint rewritten, never bisected away (issue 8 case 5)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from mwaa_ops.agent.runner import Agent
from mwaa_ops.cloudwatch.names import short_hash
from mwaa_ops.config import load_config
from mwaa_ops.local import LocalEndpoint
from tests.support.cloudwatch_read import cloudwatch, wait_for


def test_refused_ids_are_rewritten_counted_and_accepted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with LocalEndpoint("127.0.0.1", 0) as endpoint:
        endpoint.reset()
        config = load_config(environ={"MWAA_OPS_SCHEDULER__ENABLED": "false"}, overrides={
            "statsd.port": 0, "health.port": 0, "flush_interval_seconds": 1, "state_dir": str(tmp_path / "s"),
            "aws.endpoint_url": endpoint.url, "aws.region": "us-east-1", "environment": "ids"})
        agent = Agent(config)
        agent.start()
        try:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            for dag in ("données", "   ", "tab\there", "plain_dag"):
                line = f"airflow.ti.finish,dag_id={dag},task_id=t,state=success:1|c"
                sock.sendto(line.encode(), ("127.0.0.1", agent.server.port))
            cw = cloudwatch(endpoint.url)

            def dags() -> set[str]:
                listed = cw.list_metrics(Namespace="AmazonMWAA", MetricName="TaskInstanceFinished")["Metrics"]
                return {d["Value"] for m in listed for d in m["Dimensions"] if d["Name"] == "DAG"}

            expected = {f"donn_es~{short_hash('données')}", f"   ~{short_hash('   ')}",
                        f"tab_here~{short_hash('tab' + chr(9) + 'here')}", "plain_dag"}
            assert wait_for(lambda: dags() == expected, timeout=20), dags()
            assert agent.telemetry.get("dimension_values_rewritten", reason="non_ascii") >= 1
            assert agent.telemetry.get("dimension_values_rewritten", reason="blank") >= 1
            assert agent.telemetry.get("dimension_values_rewritten", reason="control_character") >= 1
            assert agent.telemetry.get("datums_dropped") == 0
            assert agent.telemetry.get("api_errors") == 0  # no request was refused, nothing bisected
        finally:
            agent.stop()
