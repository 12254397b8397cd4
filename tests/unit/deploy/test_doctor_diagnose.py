"""The doctor's verdicts on hand-written observations (pure logic, no sockets)."""

from __future__ import annotations

from typing import Any

import pytest

from mwaa_ops.config import load_config
from mwaa_ops.deploy.doctor import diagnose, healthy
from mwaa_ops.deploy.needs import Need
from mwaa_ops.deploy.probe import AwsAnswer, Observations

NOW = 1_800_000_000.0
NEEDS = [Need("SchedulerHeartbeat", True, "alarms/heartbeat.yaml"), Need("TaskInstanceFailures", False, "x")]


def _obs(health: dict[str, Any] | None = None, **kw: Any) -> Observations:
    base = {"ready": True, "environment": "local", "uptime_s": 60, "statsd_port": 8125,
            "publisher": {"spool_bytes": 0, "degraded": False},
            "statsd": {"last_datagram_at": "2027-01-15T08:00:00+00:00", "lines_per_second": 120.0},
            "airflow": {"major_version": 3, "source": "traffic", "tag_mode": "influxdb"}}
    obs = Observations(health_url="http://127.0.0.1:9125/healthz", endpoint="http://127.0.0.1:4566",
                       health={**base, **(health or {})}, health_later={**base, **(health or {})},
                       sample_seconds=3.0)
    obs.identity = AwsAnswer(True, result={"Arn": "arn:aws:iam::1:role/x"}, server_time=NOW, local_time=NOW)
    obs.published = AwsAnswer(True, result={"names": ["SchedulerHeartbeat"]}, server_time=NOW, local_time=NOW)
    for key, value in kw.items():
        setattr(obs, key, value)
    return obs


def _verdicts(obs: Observations, **config: Any) -> dict[str, str]:
    findings = diagnose(obs, load_config(environ={}, overrides=config), NEEDS, NOW)
    return {f.check: f.status for f in findings}


def test_all_good() -> None:
    # NOW (1.8e9) is 2027-01-15T08:00:00Z, the last datagram's time in _obs().
    findings = diagnose(_obs(), load_config(environ={}), NEEDS, NOW)
    assert healthy(findings), findings


@pytest.mark.parametrize(("health", "check", "status", "words"), [
    pytest.param({"airflow": {"major_version": 3, "source": "traffic", "tag_mode": "plain"}},
                 "airflow", "warn", "STATSD_INFLUXDB_ENABLED", id="airflow3-plain-mode"),
    pytest.param({"airflow": {"major_version": 2, "source": "config", "tag_mode": "plain"}},
                 "airflow", "ok", "Airflow 2", id="airflow2-plain-is-fine"),
    pytest.param({"airflow": None}, "airflow", "unknown", "agent too old", id="too-old-airflow"),
    pytest.param({"statsd": {"last_datagram_at": None, "lines_per_second": 0.0}},
                 "statsd", "fail", "AIRFLOW__METRICS__STATSD_PORT=8125", id="nothing-arrived"),
    pytest.param({"statsd": {"last_datagram_at": "2027-01-15T07:00:00+00:00", "lines_per_second": 0.0}},
                 "statsd", "fail", "is Airflow running", id="silent-for-an-hour"),
    pytest.param({"ready": False}, "agent", "fail", "see the agent's log", id="not-ready"),
    pytest.param({"publisher": {"spool_bytes": 10, "degraded": True}}, "spool", "fail", "keeps failing",
                 id="degraded"),
])
def test_verdicts(health: dict[str, Any], check: str, status: str, words: str) -> None:
    obs = _obs(health)
    findings = [f for f in diagnose(obs, load_config(environ={}), NEEDS, NOW) if f.check == check]
    assert [f.status for f in findings] == [status]
    assert words in findings[0].message + findings[0].fix


def test_spool_growing_between_samples() -> None:
    obs = _obs()
    obs.health_later = {**(obs.health or {}), "publisher": {"spool_bytes": 5000, "degraded": False}}
    assert _verdicts(obs)["spool"] == "fail"


@pytest.mark.parametrize(("skew", "status"), [(0.0, "ok"), (90.0, "warn"), (-400.0, "fail")])
def test_clock_skew(skew: float, status: str) -> None:
    obs = _obs()
    obs.identity = AwsAnswer(True, result={"Arn": "a"}, server_time=NOW, local_time=NOW + skew)
    assert _verdicts(obs)["clock"] == status


def test_access_denied_in_the_agents_own_calls() -> None:
    obs = _obs(prometheus_later={'mwaa_ops_api_errors{code="AccessDenied"}': 4.0})
    assert _verdicts(obs)["permissions"] == "fail"


def test_heartbeat_not_published_while_events_may_be_missing() -> None:
    obs = _obs(published=AwsAnswer(True, result={"names": []}, server_time=NOW, local_time=NOW))
    findings = diagnose(obs, load_config(environ={}), NEEDS, NOW)
    (needed,) = [f for f in findings if f.check == "needed_metrics"]
    assert needed.status == "warn" and "SchedulerHeartbeat" in needed.message
    assert "TaskInstanceFailures" not in needed.message


def test_old_agent_without_new_fields_does_not_crash() -> None:
    old = {"ready": True, "environment": "local", "uptime_s": 5, "statsd_port": 8125, "publisher": {}}
    obs = Observations(health_url="u", endpoint="", health=old, health_later=old,
                       prometheus={"mwaa_ops_lines_received": 10.0},
                       prometheus_later={"mwaa_ops_lines_received": 12.0}, sample_seconds=2.0)
    got = {f.check: f for f in diagnose(obs, load_config(environ={}), NEEDS, NOW)}
    assert got["airflow"].status == "unknown" and "agent too old" in got["airflow"].message
    assert got["statsd"].status == "ok" and "1.0 lines/s" in got["statsd"].message
    assert got["spool"].status == "unknown"
