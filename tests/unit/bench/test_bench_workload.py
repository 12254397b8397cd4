"""The benchmark's expected totals follow exactly from how many datagrams were sent."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))

from workload import (  # noqa: E402
    COUNTER_FAMILIES,
    TIMER_FAMILIES,
    airflow_workload,
    distinct_workload,
    family_of,
)


def _count_by_hand(workload, total_sent):
    counters, timers = Counter(), Counter()
    for i in range(total_sent):
        message = workload.messages[i % len(workload)]
        if message.kind == "counter":
            counters[message.family] += message.counter
        elif message.kind == "timer":
            timers[message.family] += 1
    return counters, timers


@pytest.mark.parametrize("total_sent", [0, 1, 499, 500, 501, 1234], ids=lambda n: f"sent={n}")
def test_expected_totals_match_a_send_by_send_count(total_sent):
    workload = airflow_workload(size=500, seed=7)
    counters, timers = _count_by_hand(workload, total_sent)
    expected = workload.expected(total_sent)
    assert expected["counters"] == {f: counters.get(f, 0) for f in COUNTER_FAMILIES}
    assert expected["timers"] == {f: timers.get(f, 0) for f in TIMER_FAMILIES}


def test_airflow_mix_has_about_fifteen_percent_timers_and_one_metric_per_datagram():
    workload = airflow_workload(size=20_000)
    kinds = Counter(m.kind for m in workload.messages)
    assert 0.13 < kinds["timer"] / len(workload) < 0.17
    assert all(m.payload.count(b"\n") == 0 and m.payload.count(b"|") == 1 for m in workload.messages)
    assert len({m.payload for m in workload.messages if m.family == "ti.finish"}) > 200


def test_distinct_workload_names_are_all_different():
    workload = distinct_workload(1000)
    assert len({m.payload for m in workload.messages}) == 1000
    assert workload.expected(2500)["counters"]["ti.finish"] == 2500


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("airflow.ti.finish.d.t.success", "ti.finish"),
        ("airflow.scheduler_heartbeat", "scheduler_heartbeat"),
        ("airflow.dagrun.duration.success.d", "dagrun.duration.success"),
        ("airflow.ti_failures", None),
        ("statsd.packets_received", None),
    ],
    ids=["legacy-ti-finish", "heartbeat", "dagrun-duration", "other", "statsd-own"],
)
def test_family_of(name, family):
    assert family_of(name) == family
