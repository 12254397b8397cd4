"""The upgrade driver against the MWAA emulator, DynamoDB, CloudWatch, SNS and S3 over HTTP.

The real maintenance mute (alarms) and the real readiness checks (the ``path``
check) are wired in; the clock is accelerated (shared with the emulator), so
a 10-minute emulated update takes seconds.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from mwaa_ops.alarms.mute import MaintenanceMute
from mwaa_ops.clock import utc_now
from mwaa_ops.upgrades.audit import read_records
from mwaa_ops.upgrades.driver import RunOutcome, UpgradeDriver
from mwaa_ops.upgrades.seams import GateResult
from mwaa_ops.upgrades.store import UpgradeStore
from mwaa_ops.upgrades.wiring import build_driver
from tests.integration.upgrades.conftest import Rig
from tests.support.upgrade_env import publish_health


def driver(rig: Rig, **kwargs: Any) -> UpgradeDriver:
    return build_driver(rig.config, rig.clock, make_client=rig.client, **kwargs)


def muted(rig: Rig) -> bool:
    return MaintenanceMute(rig.client("cloudwatch"), rig.config, rig.clock).status(rig.environment).muted


def alarm_state(rig: Rig) -> str:
    return MaintenanceMute(rig.client("cloudwatch"), rig.config, rig.clock).status(rig.environment).state


def version(rig: Rig) -> tuple[str, str]:
    env = rig.client("mwaa").get_environment(Name=rig.environment)["Environment"]
    return env["AirflowVersion"], env["Status"]


def subscribe(rig: Rig, topic: str) -> str:
    sns, sqs = rig.client("sns"), rig.client("sqs")
    arn = sns.create_topic(Name=topic)["TopicArn"]
    url = sqs.create_queue(QueueName=f"{topic}-{rig.environment}")["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn)
    return url


def messages(rig: Rig, url: str) -> list[str]:
    sqs = rig.client("sqs")
    out: list[str] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return out
        for m in got:
            out.append(json.loads(m["Body"]).get("Message", ""))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def events(outcome: RunOutcome) -> list[str]:
    return [r["event"] for r in outcome.records]


def test_two_step_upgrade_succeeds_with_paging_muted_then_restored(rig: Rig) -> None:
    notify = subscribe(rig, rig.config.upgrades.notify_topic)
    d = driver(rig)
    d.approve(rig.environment, "3.3.1", reason="quarterly upgrade")
    seen_muted: list[bool] = []

    def progress(item: dict[str, Any]) -> None:
        if item.get("event") == "update_sent":
            seen_muted.append(muted(rig))

    d.progress = progress
    outcome = d.run(rig.environment)
    assert outcome.outcome == "succeeded", outcome.reason
    assert version(rig) == ("3.3.1", "AVAILABLE")
    assert [(s["from"], s["to"]) for s in outcome.steps] == [("2.10.3", "2.11.2"), ("2.11.2", "3.3.1")]
    assert rig.emulator.update_calls[rig.environment] == 2
    assert seen_muted == [True, True]
    assert outcome.paging_restored is True and not muted(rig) and alarm_state(rig) == "OK"
    got = events(outcome)
    for expected in ("lease_acquired", "window_ok", "readiness", "paging_muted", "update_sent",
                     "step_available", "health_gate", "step_finished", "run_finished", "paging_restored",
                     "lease_released"):
        assert expected in got
    # the trail: local file, S3 copy, start and end notifications, the metric
    local = read_records(rig.state_dir, rig.environment)
    assert [r["event"] for r in local if r["run_id"] == outcome.run_id] == got
    body = rig.client("s3").get_object(Bucket=rig.config.upgrades.audit_bucket,
                                       Key=f"mwaa-ops/upgrades/{rig.environment}/{outcome.run_id}.jsonl")
    assert len(body["Body"].read().decode().splitlines()) >= len(got) - 3
    texts = messages(rig, notify)
    assert any("started" not in t and "upgraded to 3.3.1" in t for t in texts)
    assert any("is upgrading" in t for t in texts)
    metrics = rig.client("cloudwatch").list_metrics(Namespace="AmazonMWAA", MetricName="UpgradeRun")["Metrics"]
    outcomes = {d["Value"] for m in metrics for d in m["Dimensions"] if d["Name"] == "Outcome"}
    assert {"started", "succeeded"} <= outcomes
    # learned duration: the next plan uses the steps just done
    assert "learned" in d.plan(rig.environment, with_readiness=False).needed_source
    # nothing left to do
    assert d.run(rig.environment).outcome == "nothing_to_do"
    assert rig.emulator.update_calls[rig.environment] == 2


def test_failed_update_rolls_back_pages_with_the_error_and_is_never_retried(rig: Rig) -> None:
    page = subscribe(rig, rig.config.upgrades.page_topic)
    rig.emulator.inject_update_fault(rig.environment, "rollback", error_code="UPGRADE_FAILED",
                                     message="requirements did not install on 2.11.2")
    d = driver(rig)
    d.approve(rig.environment, "3.3.1")
    outcome = d.run(rig.environment)
    assert outcome.outcome == "failed"
    assert "UPDATE_FAILED (rolled back to 2.10.3)" in outcome.reason
    assert "requirements did not install on 2.11.2" in outcome.reason
    assert version(rig) == ("2.10.3", "UPDATE_FAILED")
    statuses = [r["status"] for r in outcome.records if r["event"] == "status"]
    assert "ROLLING_BACK" in statuses and statuses[-1] == "UPDATE_FAILED"
    assert outcome.paging_restored is True and not muted(rig)
    assert any("requirements did not install" in t for t in messages(rig, page))
    again = d.run(rig.environment)
    assert again.outcome == "refused" and "never retried by itself" in again.reason
    assert rig.emulator.update_calls[rig.environment] == 1


def test_unavailable_stops_and_restores_paging(rig: Rig) -> None:
    rig.emulator.inject_update_fault(rig.environment, "fail", message="scheduler never came up")
    d = driver(rig)
    d.approve(rig.environment, "2.11.2")
    outcome = d.run(rig.environment)
    assert outcome.outcome == "failed" and "UNAVAILABLE" in outcome.reason
    assert "scheduler never came up" in outcome.reason
    assert outcome.paging_restored is True and not muted(rig)


def test_hung_update_is_reported_once_overdue_not_retried(rig: Rig) -> None:
    rig.reconfigure(**{"readiness.expected_upgrade_minutes": 15, "upgrades.rollback_minutes": 5})
    rig.emulator.inject_update_fault(rig.environment, "hang")
    d = driver(rig)
    d.approve(rig.environment, "2.11.2")
    outcome = d.run(rig.environment)
    assert outcome.outcome == "failed" and "still UPDATING" in outcome.reason
    assert outcome.paging_restored is True and not muted(rig)
    assert rig.emulator.update_calls[rig.environment] == 1


def test_health_gate_failing_after_available_stops_before_the_next_step(rig: Rig) -> None:
    d = driver(rig)
    d.approve(rig.environment, "3.3.1")

    def progress(item: dict[str, Any]) -> None:
        # ImportErrors rise from 0 to 7 once the first step is sent, as a broken DAG would make them.
        if item.get("event") == "update_sent" and item.get("reason", "").startswith("step 1"):
            start = rig.clock.time() + 60
            publish_health(rig.client("cloudwatch"), rig.environment, start, 3 * 60,
                           import_errors_after=7.0, after=start)

    d.progress = progress
    outcome = d.run(rig.environment)
    assert outcome.outcome == "failed"
    assert "health gate after 2.10.3 -> 2.11.2: import errors rose from 0 to 7" in outcome.reason
    assert version(rig) == ("2.11.2", "AVAILABLE")
    assert rig.emulator.update_calls[rig.environment] == 1
    assert outcome.paging_restored is True and not muted(rig)


class _Refusing:
    def check(self, environment: str, target: str) -> GateResult:
        return GateResult(False, f"readiness failed: requirements: apache-airflow-providers-foo has no {target} build")


@pytest.mark.parametrize("case", ["no-approval", "not-before", "outside-window", "too-late-in-window",
                                  "blackout", "freeze", "not-available", "lease-held", "readiness"])
def test_every_refusal_names_its_reason_and_sends_nothing(rig: Rig, case: str) -> None:
    today = utc_now(rig.clock).date()
    expected = {
        "no-approval": "no approved upgrade",
        "not-before": f"not before {today + timedelta(days=1)}",
        "outside-window": "outside the maintenance window",
        "too-late-in-window": "left in the window SUN:03:00",
        "blackout": f"blackout date {today}",
        "freeze": "year-end freeze",
        "not-available": "is MAINTENANCE, not AVAILABLE",
        "lease-held": "another driver holds the upgrade lease",
        "readiness": "apache-airflow-providers-foo has no 2.11.2 build",
    }[case]
    if case == "outside-window":
        rig.reconfigure(**{"upgrades.environments": {rig.environment: {"windows": ["WED:10:00"]}}})
    if case == "too-late-in-window":
        rig.reconfigure(**{"readiness.maintenance_window_minutes": 60})  # 55 min left, 45 needed + polls
        rig.reconfigure(**{"readiness.maintenance_window_minutes": 60, "readiness.expected_upgrade_minutes": 45})
    if case == "blackout":
        rig.reconfigure(**{"upgrades.blackout_dates": [today.isoformat()]})
    if case == "freeze":
        rig.reconfigure(**{"upgrades.freezes": [{"start": f"{today - timedelta(days=5)}T00:00:00Z",
                                                  "end": f"{today + timedelta(days=29)}T00:00:00Z",
                                                  "reason": "year-end freeze"}]})
    d = driver(rig) if case != "readiness" else UpgradeDriver(
        config=rig.config, clock=rig.clock, make_client=rig.client,
        mute=MaintenanceMute(rig.client("cloudwatch"), rig.config, rig.clock), readiness=_Refusing())
    if case != "no-approval":
        d.approve(rig.environment, "2.11.2", today + timedelta(days=1) if case == "not-before" else None)
    if case == "not-available":
        rig.emulator.set_status(rig.environment, "MAINTENANCE")
    if case == "lease-held":
        UpgradeStore(rig.client("dynamodb"), rig.config.upgrades.lease_table).acquire(
            rig.environment, "other-replica", rig.clock.time(), 3600)
    outcome = d.run(rig.environment)
    assert outcome.outcome == "refused"
    assert expected in outcome.reason
    assert rig.emulator.update_calls.get(rig.environment, 0) == 0
    assert "run_refused" in events(outcome)
    assert not muted(rig)
    if case == "outside-window":
        wednesday = datetime.combine(today + timedelta(days=3), time(10, 0), tzinfo=UTC)
        assert f"next usable window {wednesday.isoformat()}" in outcome.reason


def test_dry_run_prints_every_call_and_changes_nothing(rig: Rig) -> None:
    d = driver(rig)
    d.approve(rig.environment, "3.3.1")
    outcome = d.run(rig.environment, dry_run=True)
    assert outcome.outcome == "dry_run"
    updates = [c for c in outcome.calls if c.startswith("MWAA UpdateEnvironment")]
    assert updates == [f"MWAA UpdateEnvironment Name={rig.environment} AirflowVersion=2.11.2 "
                       "WorkerReplacementStrategy=GRACEFUL",
                       f"MWAA UpdateEnvironment Name={rig.environment} AirflowVersion=3.3.1 "
                       "WorkerReplacementStrategy=GRACEFUL"]
    assert rig.emulator.update_calls.get(rig.environment, 0) == 0
    assert version(rig) == ("2.10.3", "AVAILABLE")


def test_emulator_refuses_paths_mwaa_refuses_and_updates_while_running(rig: Rig) -> None:
    from botocore.exceptions import ClientError

    mwaa = rig.client("mwaa")
    with pytest.raises(ClientError, match="must start from the newest 2.11.x"):
        mwaa.update_environment(Name=rig.environment, AirflowVersion="3.3.1")
    with pytest.raises(ClientError, match="Invalid Airflow version '9.9.9'"):
        mwaa.update_environment(Name=rig.environment, AirflowVersion="9.9.9")
    mwaa.update_environment(Name=rig.environment, AirflowVersion="2.11.2")
    env = mwaa.get_environment(Name=rig.environment)["Environment"]
    assert env["Status"] in ("CREATING_SNAPSHOT", "UPDATING")
    assert env["LastUpdate"]["Status"] == "PENDING" and env["LastUpdate"]["Source"] == "API"
    with pytest.raises(ClientError, match="cannot be updated"):
        mwaa.update_environment(Name=rig.environment, AirflowVersion="2.11.2")
    assert rig.emulator.update_calls[rig.environment] == 4
    rig.clock.sleep(timedelta(minutes=12).total_seconds())
    env = mwaa.get_environment(Name=rig.environment)["Environment"]
    assert (env["Status"], env["AirflowVersion"], env["LastUpdate"]["Status"]) == ("AVAILABLE", "2.11.2", "SUCCESS")


def test_agent_tick_runs_the_due_approved_upgrade_and_skips_the_rest(rig: Rig) -> None:
    from mwaa_ops.agent.scheduler import JOBS, JobContext, resolve_job

    other = f"{rig.environment}-idle"
    rig.emulator.seed_environment(other, "2.10.3")  # no approval: skipped quietly
    driver(rig).approve(rig.environment, "2.11.2")
    tick = resolve_job("upgrade_tick", JOBS)
    ctx = JobContext(config=rig.config, clock=rig.clock, telemetry=None, publisher=None,
                     make_client=rig.client)
    result = tick(ctx)["environments"]
    assert result[rig.environment].startswith("succeeded")
    assert other not in result
    assert version(rig) == ("2.11.2", "AVAILABLE")
    assert tick(ctx)["environments"][rig.environment] == "at target"
    assert rig.emulator.update_calls[rig.environment] == 1
