"""Metrics the MWAA page does not map, and version filtering."""

from __future__ import annotations

import pytest

from mwaa_ops.airflow import NameMapper


@pytest.mark.parametrize(
    ("name", "tags", "kind", "metric", "dims", "unit"),
    [
        pytest.param("scheduler.dagruns.running", (), "gauge", "scheduler.dagruns.running", (), "None",
                     id="plain-gauge"),
        pytest.param("scheduler.executor_heartbeat_duration", (("executor", "LocalExecutor"),), "timer",
                     "scheduler.executor_heartbeat_duration", (("executor", "LocalExecutor"),), "Milliseconds",
                     id="influx-timer-tags-become-dimensions"),
        pytest.param("dag_processor_heartbeat", (), "counter", "dag_processor_heartbeat", (), "Count",
                     id="counter"),
        pytest.param("weird name/with:chars", (), "set", "weird_name_with_chars_f53d9b2f", (), "Count", id="sanitised"),
        pytest.param("x", (("Environment", "spoof"), ("k", "")), "gauge", "x", (), "None",
                     id="environment-tag-and-empty-values-ignored"),
    ],
)
def test_fallback(name, tags, kind, metric, dims, unit):
    key = (name, tags)
    (target,) = NameMapper("prod").resolve([key], {key: kind})[key]
    assert (target.metric, target.dimensions, target.unit) == (
        metric, tuple(sorted((("Environment", "prod"), *dims))), unit
    )


def test_fallback_without_kind_is_unit_none():
    (target,) = NameMapper("prod").resolve([("foo.bar", ())])[("foo.bar", ())]
    assert target.unit == "None"


def test_fallback_name_capped_at_255_and_dimensions_at_30():
    tags = tuple((f"t{i:02d}", "v") for i in range(40))
    key = ("n" * 300, tags)
    (target,) = NameMapper("prod").resolve([key])[key]
    assert len(target.metric) == 255
    assert len(target.dimensions) == 30
    assert ("Environment", "prod") in target.dimensions


def test_fallback_can_be_turned_off():
    mapper = NameMapper("prod", fallback=False)
    out = mapper.resolve([("foo.bar", ()), ("scheduler_heartbeat", ())])
    assert out[("foo.bar", ())] == ()
    assert out[("scheduler_heartbeat", ())][0].metric == "SchedulerHeartbeat"


@pytest.mark.parametrize(
    ("name", "version", "metric"),
    [
        pytest.param("sla_missed", "2.10.3", "SLAMissed", id="sla-in-range"),
        pytest.param("sla_missed", "2.11.2", "sla_missed", id="sla-out-of-range-falls-back"),
        pytest.param("sla_missed", None, "SLAMissed", id="no-version-all-rows"),
        pytest.param("scheduler.tasks.pending", "2.1.0", "TasksPending", id="pending-before-2.2"),
        pytest.param("scheduler.tasks.pending", "2.11.2", "scheduler.tasks.pending", id="pending-after-2.2"),
        pytest.param("triggers.failed", "2.6.3", "triggers.failed", id="triggers-before-2.7.2"),
        pytest.param("triggers.failed", "2.7.2", "TriggersFailed", id="triggers-from-2.7.2"),
        pytest.param("asset.updates", "2.11.2", "asset.updates", id="alias-only-for-3x"),
        pytest.param("asset.updates", "3.3.2", "Updates", id="alias-for-3x"),
    ],
)
def test_version_filtering(name, version, metric):
    (target,) = NameMapper("prod", airflow_version=version).resolve([(name, ())])[(name, ())]
    assert target.metric == metric


def test_every_target_has_environment_and_canonical_order():
    mapper = NameMapper("staging")
    keys = [("ti.finish.d.t.success", ()), ("pool.open_slots.p", ()), ("foo", (("z", "1"), ("a", "2")))]
    for targets in mapper.resolve(keys).values():
        for target in targets:
            assert ("Environment", "staging") in target.dimensions
            assert list(target.dimensions) == sorted(target.dimensions)


def test_fallback_renames_keep_distinct_names_distinct():
    """Issue 8 case 8: lossy renames merged distinct series (and summed their gauges)."""
    mapper = NameMapper("prod")
    long_a, long_b = "custom." + "a" * 272 + "1", "custom." + "a" * 272 + "2"
    keys = [(long_a, ()), (long_b, ()), ("custom.pool a", ()), ("custom.pool_a", ())]
    out = mapper.resolve(keys, {k: "gauge" for k in keys})
    metrics = [out[k][0].metric for k in keys]
    assert len(set(metrics)) == 4
    assert metrics[3] == "custom.pool_a"  # a safe name is never changed
    assert all(len(m) <= 255 for m in metrics)
    assert metrics[2].startswith("custom.pool_a_") and len(metrics[2]) == len("custom.pool_a_") + 8
    # Stable: the same name gives the same metric in another process/interval.
    assert NameMapper("prod").resolve([keys[2]], {keys[2]: "gauge"})[keys[2]][0].metric == metrics[2]


def test_fallback_tag_keys_keep_distinct_keys_distinct():
    mapper = NameMapper("prod")
    key = ("custom.m", (("pool a", "1"), ("pool_a", "2")))
    (target,) = mapper.resolve([key], {key: "gauge"})[key]
    names = [n for n, _ in target.dimensions]
    assert "pool_a" in names and len(names) == 3
