"""The weekly report end to end on the embedded default: the agent publishes metrics over
real UDP, alarms fire, the agent's job builds the report in a child process, stores it in
S3 under a dated key and sends its summary through SNS (to an SQS queue); the HTML, fetched
through the presigned link, is opened in headless Chromium and every plot must draw."""

from __future__ import annotations

import json
import re
import socket
import time
import urllib.request
from pathlib import Path

import pytest

from mwaa_ops.agent.scheduler import JobContext
from mwaa_ops.aws import make_client
from mwaa_ops.clock import FixedClock
from mwaa_ops.config import load_config
from mwaa_ops.local import LocalEndpoint
from mwaa_ops.local.seed import seed_environment_files
from mwaa_ops.reports.job import weekly_report_job
from mwaa_ops.telemetry import Telemetry
from tests.support.agent_process import AgentProcess, free_port, free_udp_port
from tests.support.browser import ink_fraction, screenshot
from tests.support.cloudwatch_read import wait_for

pytestmark = pytest.mark.slow
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "readiness"
PLOTS = ("plot-version-lag", "plot-environment-lag", "plot-end-of-support", "plot-task-failures",
         "plot-alarm-firings")
FAILURES_SENT = 7
SUCCESSES_SENT = 40


def _publish_with_the_agent(tmp_path: Path, endpoint: LocalEndpoint) -> None:
    statsd_port, health_port = free_udp_port(), free_port()
    agent = AgentProcess(
        ["agent", "--environment", "local", "--flush-interval", "2", "--statsd-port", str(statsd_port),
         "--health-port", str(health_port), "--state-dir", str(tmp_path / "agent-state")],
        env={"AWS_ENDPOINT_URL": endpoint.url, "AWS_ACCESS_KEY_ID": "testing",
             "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
             # The versions job runs at start and publishes DaysBehindNewestMwaa (the lag plot);
             # its calendar sources point nowhere, so it keeps the shipped snapshot, offline.
             "MWAA_OPS_VERSIONS__INDEX_URL": "http://127.0.0.1:9/simple/",
             "MWAA_OPS_VERSIONS__MWAA_VERSIONS_URL": "http://127.0.0.1:9/versions.html",
             # Only this job (a jobs table from the environment replaces the default one).
             "MWAA_OPS_SCHEDULER__JOBS__VERSIONS_REFRESH__TRIGGER": "cron",
             "MWAA_OPS_SCHEDULER__JOBS__VERSIONS_REFRESH__CRON": "17 4 * * *",
             "MWAA_OPS_SCHEDULER__JOBS__VERSIONS_REFRESH__RUN_AT_START": "true"},
        log_path=tmp_path / "agent.log",
    ).start()
    try:
        agent.wait_healthy(health_port)
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        lines = (["airflow.ti_failures:1|c"] * FAILURES_SENT + ["airflow.ti_successes:1|c"] * SUCCESSES_SENT
                 + ["airflow.scheduler_heartbeat:1|c"] * 5 + ["airflow.dag_processing.import_errors:2|g"])
        for line in lines:
            sock.sendto(line.encode(), ("127.0.0.1", statsd_port))
        cloudwatch = make_client("cloudwatch", load_config(overrides={"aws.endpoint_url": endpoint.url},
                                                           environ={}).aws)

        def failures_published() -> bool:
            names = {m["MetricName"] for m in cloudwatch.list_metrics(Namespace="AmazonMWAA")["Metrics"]}
            return {"TaskInstanceFailures", "TaskInstanceSuccesses", "SchedulerHeartbeat",
                    "DaysBehindNewestMwaa"} <= names

        assert wait_for(failures_published, timeout=60), agent.log()[-2000:]
        time.sleep(2.5)  # one more flush, so the agent's own request counter is published too
    finally:
        agent.stop()


def test_weekly_report_end_to_end_renders_in_chromium(tmp_path: Path, endpoint: LocalEndpoint) -> None:
    base = load_config(overrides={"aws.endpoint_url": endpoint.url}, environ={})
    s3 = make_client("s3", base.aws)
    endpoint.emulator.seed_environment("local", **seed_environment_files(s3, "local"))
    _publish_with_the_agent(tmp_path, endpoint)

    sns, sqs, cloudwatch = (make_client(s, base.aws) for s in ("sns", "sqs", "cloudwatch"))
    topic = sns.create_topic(Name="mwaa-ops-reports")["TopicArn"]
    queue = sqs.create_queue(QueueName="report-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    s3.create_bucket(Bucket="platform-reports")
    cloudwatch.put_metric_alarm(
        AlarmName="local-critical-task-failures", AlarmDescription="severity: critical",
        Namespace="AmazonMWAA", MetricName="TaskInstanceFailures", Statistic="Sum", Period=60,
        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
        Dimensions=[{"Name": "DAG", "Value": "All"}, {"Name": "Environment", "Value": "local"},
                    {"Name": "Task", "Value": "All"}], AlarmActions=[topic])
    cloudwatch.set_alarm_state(AlarmName="local-critical-task-failures", StateValue="ALARM",
                               StateReason="7 failed task instances")

    config = load_config(overrides={
        "aws.endpoint_url": endpoint.url, "state_dir": str(tmp_path / "state"),
        "report.bucket": "platform-reports", "report.sns_topic_arn": topic,
        # No constraints file for 3.3.1 offline: the requirements check warns without running pip.
        "readiness.constraints_url": str(tmp_path / "no-constraints-{airflow}-{python}.txt"),
        "readiness.check_timeout_seconds": 60,
    }, environ={})
    now = time.time()
    clock = FixedClock(now)
    context = JobContext(config=config, clock=clock, telemetry=Telemetry(), publisher=None,
                         make_client=lambda service: make_client(service, config.aws))
    done = weekly_report_job(context)

    day = time.strftime("%Y-%m-%d", time.gmtime(now))
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="platform-reports")["Contents"])
    assert keys == [f"mwaa-ops/reports/{day}/report.{ext}" for ext in ("html", "json", "md")]
    assert done["s3"] == f"s3://platform-reports/mwaa-ops/reports/{day}/report.html"

    # The topic also carries the alarm's own notification (the local endpoint runs alarm actions
    # since issue 11): find the report's message among what arrived.
    bodies: list[str] = []
    for _ in range(5):
        answer = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=2, MaxNumberOfMessages=10)
        bodies += [json.loads(m["Body"])["Message"] for m in answer.get("Messages", [])]
        if any("week of" in b for b in bodies):
            break
    summary = next((b for b in bodies if "week of" in b), "\n".join(bodies))
    assert f"week of {day}" in summary and "local 3.3.1" in summary and "Report: http" in summary
    link = summary.rsplit("Report: ", 1)[1].strip()
    with urllib.request.urlopen(link, timeout=30) as answer:  # the link a reader clicks
        html = answer.read().decode()

    data = json.loads(s3.get_object(Bucket="platform-reports", Key=f"mwaa-ops/reports/{day}/report.json")["Body"].read())
    local = data["environments"][0]
    assert sum(v or 0 for v in local["health"]["task_failures"]) == FAILURES_SENT
    assert sum(v or 0 for v in local["health"]["task_successes"]) == SUCCESSES_SENT
    assert local["health"]["has_heartbeat"] and max(v or 0 for v in local["health"]["import_errors"]) == 2
    assert data["alarms"]["firing_now"] == ["local-critical-task-failures"]
    assert [value for _day, value in local["version_lag_history"]["points"]] == [0.0]  # on the newest
    assert [c["check"] for c in local["readiness"]["checks"]] == [
        "path", "environment", "requirements", "plugins", "dags", "configuration"]
    environment_check = next(c for c in local["readiness"]["checks"] if c["check"] == "environment")
    assert environment_check["status"] == "fail" and "local-critical-task-failures" in environment_check["summary"]
    assert data["usage"]["metric_series"] >= 3 and data["usage"]["alarms_standard"] == 1
    if data["alarms"]["available"]:  # an endpoint with DescribeAlarmHistory (the alarms work)
        assert data["alarms"]["firings"].get("local-critical-task-failures", 0) >= 1
    else:  # moto alone: the gap is said out loud, never a silent zero
        assert "Alarm history unavailable" in html and data["alarms"]["firings"] == {}

    # Self-contained: no external resource, every image inline.
    assert not re.search(r'<(?:img|script|link)[^>]+(?:src|href)="(?!data:)', html)
    page = tmp_path / "report.html"
    page.write_text(html)
    full = screenshot(page, tmp_path / "report.png", width=1200, height=2400)
    assert ink_fraction(full) > 0.05
    for plot in PLOTS:
        alone = tmp_path / f"{plot}.html"
        alone.write_text(html.replace(
            "</head>",
            f"<style>body * {{visibility: hidden}} #{plot} {{visibility: visible; position: absolute;"
            f" top: 0; left: 0; width: 700px}}</style></head>"))
        shot = screenshot(alone, tmp_path / f"{plot}.png", width=800, height=400)
        assert ink_fraction(shot, (0, 0, 700, 200)) > 0.02, f"{plot} did not draw"
        assert ink_fraction(shot, (720, 0, 800, 400)) < 0.01, f"{plot}: page content leaked into the check"
