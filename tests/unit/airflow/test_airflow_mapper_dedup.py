"""Each event counted once per CloudWatch metric, whatever Airflow's StatsD mode."""

from __future__ import annotations

from collections import Counter

import pytest

from mwaa_ops.airflow import NameMapper

TI = (("dag_id", "etl"), ("task_id", "load"))

# One simulated interval per mode: (name, tags, count) as Airflow sends them for
# one finished task, one pool gauge and one executor gauge.
PLAIN_2X = [
    ("ti.finish.etl.load.success", (), 1),
    ("ti.finish", (), 1),
    ("ti.start.etl.load", (), 1),
    ("ti.start", (), 1),
    ("pool.open_slots.default_pool", (), 1),
    ("pool.open_slots", (), 1),
    ("executor.open_slots", (), 1),
]
INFLUX_2X = [  # 2.x tags its legacy names too
    ("ti.finish.etl.load.success", TI, 1),
    ("ti.finish", (*TI, ("state", "success")), 1),
    ("ti.start.etl.load", TI, 1),
    ("ti.start", TI, 1),
    ("pool.open_slots.default_pool", (), 1),
    ("pool.open_slots", (("pool_name", "default_pool"),), 1),
    ("executor.open_slots", (("name", "LocalExecutor"), ("status", "open")), 1),
]
PLAIN_3X = [
    ("ti.finish.etl.load.success", (), 1),
    ("ti.finish", (), 1),
    ("ti.start.etl.load", (), 1),
    ("ti.start", (), 1),
    ("pool.open_slots.default_pool", (), 1),
    ("pool.open_slots", (), 1),
    ("executor.open_slots.LocalExecutor", (), 1),
    ("executor.open_slots", (), 1),
]
INFLUX_3X = [
    ("ti.finish.etl.load.success", (), 1),
    ("ti.finish", (*TI, ("state", "success")), 1),
    ("ti.start.etl.load", (), 1),
    ("ti.start", TI, 1),
    ("pool.open_slots.default_pool", (), 1),
    ("pool.open_slots", (("pool_name", "default_pool"),), 1),
    ("executor.open_slots.LocalExecutor", (("status", "open"),), 1),
    ("executor.open_slots", (("executor_class_name", "LocalExecutor"), ("status", "open")), 1),
]
# DogStatsD tags arrive as the same (key, value) pairs; only the wire format differs.
DATADOG_3X = INFLUX_3X


def _published(interval, version=None):
    mapper = NameMapper("prod", airflow_version=version)
    resolved = mapper.resolve([(n, t) for n, t, _ in interval])
    fed: Counter = Counter()
    for name, tags, count in interval:
        for target in resolved[(name, tags)]:
            fed[(target.metric, dict(target.dimensions).get("DAG"), dict(target.dimensions).get("Task"))] += count
    return fed


@pytest.mark.parametrize(
    ("interval", "version"),
    [
        pytest.param(PLAIN_2X, "2.11.2", id="plain-2.11"),
        pytest.param(INFLUX_2X, "2.11.2", id="influx-2.11"),
        pytest.param(PLAIN_3X, "3.3.2", id="plain-3.3"),
        pytest.param(INFLUX_3X, "3.3.2", id="influx-3.3"),
        pytest.param(DATADOG_3X, "3.3.2", id="datadog-3.3"),
        pytest.param(PLAIN_3X, None, id="plain-unknown-version"),
        pytest.param(INFLUX_3X, None, id="influx-unknown-version"),
    ],
)
def test_each_event_is_counted_once_per_metric(interval, version):
    assert _published(interval, version) == {
        ("TaskInstanceFinished", "etl", "load"): 1,
        ("StartedTaskInstances", "All", "All"): 1,
        ("PoolOpenSlots", None, None): 1,
        ("OpenSlots", None, None): 1,
    }


def test_tagged_base_wins_over_legacy():
    mapper = NameMapper("prod")
    tagged = ("ti.finish", (*TI, ("state", "success")))
    legacy = ("ti.finish.etl.load.success", ())
    out = mapper.resolve([legacy, tagged])
    assert out[legacy] == ()
    assert out[tagged][0].metric == "TaskInstanceFinished"


def test_legacy_wins_over_bare_base():
    mapper = NameMapper("prod")
    bare, legacy = ("dagrun.duration.success", ()), ("dagrun.duration.success.etl", ())
    out = mapper.resolve([bare, legacy])
    assert out[bare] == ()
    assert dict(out[legacy][0].dimensions)["DAG"] == "etl"


def test_bare_base_alone_is_published_with_All():
    out = NameMapper("prod").resolve([("dagrun.duration.success", ())])
    assert dict(out[("dagrun.duration.success", ())][0].dimensions)["DAG"] == "All"


def test_choice_is_per_interval():
    mapper = NameMapper("prod")
    legacy = ("ti.finish.etl.load.success", ())
    tagged = ("ti.finish", (*TI, ("state", "success")))
    assert mapper.resolve([legacy, tagged])[legacy] == ()
    assert mapper.resolve([legacy])[legacy] != ()  # the twin did not come this interval


def test_several_executors_each_legacy_name_published():
    mapper = NameMapper("prod", airflow_version="3.3.2")
    keys = [("executor.open_slots.LocalExecutor", ()), ("executor.open_slots.CeleryExecutor", ())]
    out = mapper.resolve(keys)
    assert all(out[k][0].metric == "OpenSlots" for k in keys)


def test_unmapped_family_deduplicated_under_fallback():
    mapper = NameMapper("prod")
    legacy = ("triggerer.capacity_left.host1", ())
    tagged = ("triggerer.capacity_left", (("hostname", "host1"),))
    out = mapper.resolve([legacy, tagged])
    assert out[legacy] == ()
    assert [(t.metric, t.dimensions) for t in out[tagged]] == [
        ("triggerer.capacity_left", (("Environment", "prod"), ("hostname", "host1")))
    ]
    # Plain mode: the legacy name carries the host, under the same fallback name and dimension.
    plain = mapper.resolve([legacy, ("triggerer.capacity_left", ())])
    assert [(t.metric, t.dimensions) for t in plain[legacy]] == [
        ("triggerer.capacity_left", (("Environment", "prod"), ("hostname", "host1")))
    ]
    assert plain[("triggerer.capacity_left", ())] == ()
