"""dashboards check after the agent was fed real Airflow StatsD captures (3.3.2 plain and
InfluxDB-tagged, 2.11.2 plain): every overview widget has data except those whose source the
capture lacks, each listed here with its reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mwaa_ops.aws import make_client
from mwaa_ops.clock import FakeClock, SystemClock, utc_now
from mwaa_ops.config import load_config
from mwaa_ops.dashboards.build import prepare
from mwaa_ops.dashboards.check import NEVER, check_dashboards
from mwaa_ops.local import LocalEndpoint
from tests.integration.dashboards.agent_feed import feed_capture

# Widgets of the overview whose metrics the captures cannot contain, and why.
NOT_IN_ANY_CAPTURE = {
    # DaysToEndOfSupport, MinorsBehind, VersionSupportLevel come from the versions_refresh
    # job, not from Airflow's StatsD (the agent runs without its scheduler here).
    "Version standing",
    # dagrun.schedule_delay and dagrun.<dag>.first_task_scheduling_delay are sent for
    # scheduled runs only; the capture triggers every DAG by hand.
    "DAG schedule delay (ms, slowest DAGs)",
    "First task scheduling delay (ms)",
}
# Airflow 3.3.2 sent no dag.<dag>.<task>.queued_duration in the captures (2.11.2 did).
NOT_IN_AIRFLOW_3 = {"Task queued duration (ms)"}


@pytest.mark.parametrize(
    ("capture", "expected_empty"),
    [
        pytest.param("airflow-3.3.2-plain.txt", NOT_IN_ANY_CAPTURE | NOT_IN_AIRFLOW_3,
                     id="airflow-3.3.2-plain"),
        pytest.param("airflow-3.3.2-influx.txt", NOT_IN_ANY_CAPTURE | NOT_IN_AIRFLOW_3,
                     id="airflow-3.3.2-influx"),
        pytest.param("airflow-2.11.2-plain.txt", NOT_IN_ANY_CAPTURE, id="airflow-2.11.2-plain"),
    ],
)
def test_overview_widgets_have_data_after_real_airflow_traffic(
    capture: str, expected_empty: set[str], tmp_path: Path, endpoint: LocalEndpoint
) -> None:
    environment = "cov" + capture.split("-")[1].replace(".", "") + capture.split("-")[2][:5]
    endpoint.reset()
    feed_capture(capture, environment, endpoint.url, tmp_path)
    config = load_config(None, overrides={
        "environment": environment, "aws.endpoint_url": endpoint.url,
        "aws.region": "us-east-1", "dashboards.include_mwaa_environments": False,
    }, environ={})
    session = prepare(config, environment, lambda s: make_client(s, config.aws), FakeClock())
    reports = check_dashboards(make_client("cloudwatch", config.aws), session.desired,
                               3 * 3600, utc_now(SystemClock()))
    overview = [r for r in reports if r.dashboard == f"mwaa-ops-overview-{environment}"]
    assert len(overview) == 17
    empty = {r.title: r for r in overview if r.status != "ok"}
    assert set(empty) == expected_empty, {t: r.findings for t, r in empty.items()}
    for report in empty.values():
        assert report.status == "empty"
        assert {f.reason for f in report.findings} == {NEVER}, report.findings


def _fresh_cloudwatch(endpoint: LocalEndpoint) -> Any:
    """A CloudWatch client on the module's endpoint, emptied first."""
    endpoint.reset()
    config = load_config(None, overrides={"aws.endpoint_url": endpoint.url, "aws.region": "us-east-1"},
                         environ={})
    return make_client("cloudwatch", config.aws)


def test_reasons_for_empty_lines(endpoint: LocalEndpoint) -> None:
    from datetime import timedelta

    from mwaa_ops.dashboards.check import OTHER_DIMENSIONS, SILENT
    from mwaa_ops.sync.plan import Resource

    def line(metric: str, stat: str, **dims: str) -> list[object]:
        flat: list[object] = ["NS", metric]
        for name, value in sorted(dims.items()):
            flat += [name, value]
        return [*flat, {"stat": stat}]

    now = utc_now(SystemClock())
    cw = _fresh_cloudwatch(endpoint)
    cw.put_metric_data(Namespace="NS", MetricData=[
        {"MetricName": "Beat", "Value": 1.0, "Timestamp": now,
         "Dimensions": [{"Name": "Environment", "Value": "e"}, {"Name": "Function", "Value": "Sched"}]},
        {"MetricName": "Old", "Value": 1.0, "Timestamp": now - timedelta(hours=2),
         "Dimensions": [{"Name": "Environment", "Value": "e"}]},
    ])
    body = {"widgets": [{"type": "metric", "properties": {"title": "w", "period": 60, "metrics": [
        line("Beat", "Sum", Environment="e", Function="Scheduler"),
        line("Nope", "Sum", Environment="e"),
        line("Old", "Sum", Environment="e"),
    ]}}]}
    [report] = check_dashboards(cw, [Resource("dashboard", "d", body)], 1800, now)
    assert report.status == "empty", report.findings
    assert [f.reason for f in report.findings] == [OTHER_DIMENSIONS, NEVER, SILENT]
    assert "Function=Sched" in report.findings[0].detail


def test_search_with_no_series_for_its_filter_is_not_blamed_on_dimensions(endpoint: LocalEndpoint) -> None:
    """Only successful task instances published: 'Most failing DAGs' (State=failed) is empty
    because nothing failed, not because the metric has other dimensions."""
    from mwaa_ops.dashboards.check import NO_MATCHING_SERIES
    from mwaa_ops.sync.plan import Resource

    now = utc_now(SystemClock())
    dims = {"DAG": "d1", "Environment": "e", "State": "success", "Task": "t1"}
    search = ("SEARCH('{NS,DAG,Environment,State,Task} MetricName=\"TaskInstanceFinished\" "
              "Environment=\"e\" State=\"failed\"', 'Sum', 300)")
    cw = _fresh_cloudwatch(endpoint)
    cw.put_metric_data(Namespace="NS", MetricData=[
        {"MetricName": "TaskInstanceFinished", "Value": 1.0, "Timestamp": now,
         "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()]}])
    body = {"widgets": [{"type": "metric", "properties": {"title": "w", "period": 300, "metrics": [
        [{"expression": search, "id": "s1"}]]}}]}
    [report] = check_dashboards(cw, [Resource("dashboard", "d", body)], 1800, now)
    [finding] = report.findings
    assert finding.reason == NO_MATCHING_SERIES, finding
    assert "State=failed" in finding.detail and "State=success" in finding.detail, finding
