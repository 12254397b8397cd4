"""End to end on the embedded default: a real Airflow StatsD capture into the agent, the
heartbeat stops, the heartbeat alarm goes to ALARM, the page reaches an SQS queue
subscribed to the critical topic; muted, no page; the page returns after the mute ends.

Everything is real except time: the agent, the mute and the local evaluator share one
clock that is the wall clock plus an offset, so 20 minutes of alarm time take seconds.
The agent (UDP receiver, aggregator, publisher) and the local endpoint (moto over
HTTP, the evaluator thread's code) run in this process.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mwaa_ops.agent.runner import Agent
from mwaa_ops.agent.scheduler import JobContext
from mwaa_ops.alarms.job import alarms_sync_job
from mwaa_ops.alarms.mute import MaintenanceMute
from mwaa_ops.aws import make_client
from mwaa_ops.clock import SystemClock
from mwaa_ops.config import load_config
from mwaa_ops.local import LocalEndpoint
from mwaa_ops.local.alarm_evaluator import AlarmEvaluator

CAPTURE = Path(__file__).resolve().parents[2] / "fixtures" / "airflow_statsd" / "airflow-3.3.2-plain.txt"
ENV = "e2e"
HEARTBEAT = f"mwaa-ops/{ENV}/high/platform/scheduler-heartbeat-missing"
PAGE = f"mwaa-ops/{ENV}/critical/platform/page"


class OffsetClock(SystemClock):
    """The wall clock plus an offset that the test moves forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset

    def set(self, when: float) -> None:
        self.offset = when - time.time()


@pytest.fixture()
def world(tmp_path: Path) -> Iterator[dict[str, Any]]:
    endpoint = LocalEndpoint("127.0.0.1", 0, evaluate_alarms=False).start()
    endpoint.reset()
    clock = OffsetClock()
    config = load_config(overrides={
        "environment": ENV, "flush_interval_seconds": 2, "state_dir": str(tmp_path / "state"),
        "statsd.port": 0, "health.enabled": False, "scheduler.enabled": False,
        "aws.endpoint_url": endpoint.url, "aws.region": "us-east-1",
    }, environ={})
    agent = Agent(config, clock=clock)
    agent.start()
    try:
        yield {"endpoint": endpoint, "clock": clock, "config": config, "agent": agent}
    finally:
        agent.stop()
        endpoint.stop()


def _lines(heartbeat: bool) -> list[bytes]:
    lines = [line for line in CAPTURE.read_bytes().splitlines() if line.strip()]
    return lines if heartbeat else [line for line in lines if b"heartbeat" not in line]


def _minute(world: dict[str, Any], minute: float, *, heartbeat: bool) -> None:
    """Move to 5 s into ``minute`` (epoch s of its start) and play one capture through the agent."""
    clock, agent = world["clock"], world["agent"]
    clock.set(minute + 5)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    lines = _lines(heartbeat)
    for line in lines:
        sock.sendto(line, ("127.0.0.1", agent.server.port))
    sock.close()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        totals = {s.name: s.value for s in agent.telemetry.samples()}
        if totals.get("lines_received", 0) >= world.setdefault("sent", 0) + len(lines):
            break
        time.sleep(0.05)
    world["sent"] = world.get("sent", 0) + len(lines)
    agent.flush_now()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        stats = agent.publisher.stats()
        if stats["queue_depth"] == 0 and stats["in_flight"] == 0:
            break
        time.sleep(0.05)
    assert clock.time() < minute + 55, "a step took too long to stay inside its minute"


def _messages(sqs: Any, queue: str) -> list[dict[str, Any]]:
    out = []
    while True:
        got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return out
        for message in got:
            envelope = json.loads(message["Body"])
            out.append({"Subject": envelope["Subject"], **json.loads(envelope["Message"])})
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])


@pytest.mark.slow
def test_stopped_heartbeat_pages_muted_does_not_and_paging_returns(world: dict[str, Any]) -> None:
    config, clock, agent = world["config"], world["clock"], world["agent"]
    clients = {s: make_client(s, config.aws) for s in ("cloudwatch", "sns", "sqs")}
    cloudwatch, sns, sqs = clients["cloudwatch"], clients["sns"], clients["sqs"]
    # The agent's scheduler job creates the default alarms, the page and the topics.
    job = alarms_sync_job(JobContext(config, clock, agent.telemetry, agent.publisher, agent.make_client))
    assert (job["writes"], job["create"], job["muted"]) == (16, 16, "none")
    topic = next(t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith(":mwaa-ops-page"))
    queue = sqs.create_queue(QueueName="oncall")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    evaluator = AlarmEvaluator(world["endpoint"].url, clock=clock)

    def states() -> dict[str, str]:
        answer = cloudwatch.describe_alarms(AlarmNamePrefix=f"mwaa-ops/{ENV}/",
                                            AlarmTypes=["MetricAlarm", "CompositeAlarm"])
        return {a["AlarmName"]: a["StateValue"] for a in answer["MetricAlarms"] + answer["CompositeAlarms"]}

    start = (time.time() // 60) * 60
    minute = start
    for _ in range(3):  # Airflow running: heartbeats every minute
        _minute(world, minute, heartbeat=True)
        minute += 60
    clock.set(minute + 5)
    evaluator.evaluate_once()
    assert states()[HEARTBEAT] == "OK" and states()[PAGE] == "OK"
    assert [m["NewStateValue"] for m in _messages(sqs, queue)] == ["OK"]  # INSUFFICIENT_DATA -> OK

    # The scheduler dies: the rest of the capture keeps coming (the agent is alive).
    for _ in range(4):
        _minute(world, minute, heartbeat=False)
        minute += 60
        evaluator.evaluate_once()
        assert states()[HEARTBEAT] == "OK"  # 3 of 3 not reached while real datapoints remain in range
    _minute(world, minute, heartbeat=False)
    minute += 60
    evaluator.evaluate_once()
    now = states()
    assert now[HEARTBEAT] == "ALARM" and now[PAGE] == "ALARM"
    in_alarm = sorted(n for n, s in now.items() if s == "ALARM")
    assert in_alarm == [PAGE, HEARTBEAT], in_alarm
    assert _messages(sqs, queue) == []  # ActionsSuppressorWaitPeriod: 60 s
    got: list[dict[str, Any]] = []
    for _ in range(2):  # the next evaluation, or the one after: 60 s after the first, to the ms
        _minute(world, minute, heartbeat=False)
        minute += 60
        evaluator.evaluate_once()
        got = _messages(sqs, queue)
        if got:
            break
    (page,) = got
    assert page["Subject"] == f'ALARM: "{PAGE}" in US East (N. Virginia)'
    assert (page["NewStateValue"], page["OldStateValue"]) == ("ALARM", "OK")
    assert [c["Arn"].split(":alarm:")[1] for c in page["TriggeringChildren"]] == [HEARTBEAT]
    assert "Runbook: " in page["AlarmDescription"]

    # Back to normal, then a maintenance: muted for 10 minutes while the heartbeat stops again.
    for _ in range(3):
        _minute(world, minute, heartbeat=True)
        minute += 60
    clock.set(minute + 5)
    evaluator.evaluate_once()
    assert states()[PAGE] == "OK"
    assert [m["NewStateValue"] for m in _messages(sqs, queue)] == ["OK"]
    muter = MaintenanceMute(cloudwatch, config, clock)
    until = datetime.fromtimestamp(minute, UTC) + timedelta(minutes=10)
    muter.mute(ENV, until=until, reason="upgrade to 3.3.2")
    assert muter.status(ENV).muted
    for _ in range(8):
        _minute(world, minute, heartbeat=False)
        minute += 60
        evaluator.evaluate_once()
    now = states()
    assert now[HEARTBEAT] == "ALARM" and now[PAGE] == "ALARM" and now[f"mwaa-ops/{ENV}/maintenance"] == "ALARM"
    assert _messages(sqs, queue) == []  # muted: no page
    # The mute ends by itself at `until` (its datapoints turn to 0): the held page goes out
    # after ActionsSuppressorExtensionPeriod. Nothing calls unmute. The maintenance alarm
    # sees the first 0 once the minute after `until` has ended (until + 60 s), then the
    # page waits 60 s more: evaluated once a minute, it goes out 2-3 minutes after `until`.
    paged_at = None
    for _ in range(6):
        _minute(world, minute, heartbeat=False)
        minute += 60
        evaluator.evaluate_once()
        got = _messages(sqs, queue)
        if got:
            assert [m["NewStateValue"] for m in got] == ["ALARM"]
            paged_at = minute
            break
    assert paged_at is not None, "paging did not return after the mute ended"
    assert 120 <= paged_at - until.timestamp() <= 240
    assert not muter.status(ENV).muted
