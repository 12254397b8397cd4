"""Series to datums: merging, scaling, compression and drops by reason."""

from __future__ import annotations

import math

import pytest

from mwaa_ops.airflow.target import Target
from mwaa_ops.cloudwatch.datum import Datum
from mwaa_ops.cloudwatch.datums import build_datums, invalid_reason
from mwaa_ops.statsd.series import COUNTER, GAUGE, SET, TIMER, SeriesAggregate

ENV = (("Environment", "local"),)
TS = 1_700_000_000.0


def _build(series: list[SeriesAggregate], by_key: dict, **kwargs):
    """build_datums with the targets given per series key (a series without one is not published)."""
    return build_datums(series, [by_key.get(s.key, ()) for s in series], **kwargs)


def _target(metric: str, dims=ENV, unit: str = "Count", scale: float = 1.0) -> tuple[Target, ...]:
    return (Target(metric, dims, unit, scale),)


def test_counters_mapping_to_one_metric_are_summed() -> None:
    a = SeriesAggregate("ti.finish.a", (), COUNTER, value=3)
    b = SeriesAggregate("ti.finish.b", (), COUNTER, value=4)
    targets = {a.key: _target("TaskInstanceFinished"), b.key: _target("TaskInstanceFinished")}
    datums, dropped = _build([a, b], targets, timestamp=TS, storage_resolution=60)
    assert dropped == {}
    assert datums == [
        Datum("TaskInstanceFinished", ENV, TS, "Count", value=7.0, storage_resolution=60)
    ]


def test_gauges_and_sets_summed_and_scaled() -> None:
    g1 = SeriesAggregate("pool.open_slots.a", (), GAUGE, value=2)
    g2 = SeriesAggregate("pool.open_slots.b", (), GAUGE, value=5)
    s = SeriesAggregate("users", (), SET, value=9)
    targets = {
        g1.key: _target("PoolOpenSlots"),
        g2.key: _target("PoolOpenSlots"),
        s.key: _target("Users", scale=2.0),
    }
    datums, _ = _build([g1, g2, s], targets, timestamp=TS, storage_resolution=1)
    by_metric = {d.metric: d for d in datums}
    assert by_metric["PoolOpenSlots"].value == 7.0
    assert by_metric["Users"].value == 18.0
    assert {d.storage_resolution for d in datums} == {1}


def test_timers_merged_scaled_and_sent_as_values() -> None:
    t1 = SeriesAggregate("dag.x.duration", (), TIMER, samples={1000.0: 2, 2000.0: 1}, unit_hint="ms")
    t2 = SeriesAggregate("dag.y.duration", (), TIMER, samples={1000.0: 1}, unit_hint="ms")
    targets = {
        t1.key: _target("DAGDuration", unit="Seconds", scale=0.001),
        t2.key: _target("DAGDuration", unit="Seconds", scale=0.001),
    }
    datums, dropped = _build([t1, t2], targets, timestamp=TS, storage_resolution=60)
    assert dropped == {}
    assert len(datums) == 1
    assert datums[0].values == (1.0, 2.0)
    assert datums[0].counts == (3, 1)
    assert datums[0].unit == "Seconds"


def test_timer_with_many_values_splits_into_several_datums_with_exact_count() -> None:
    t = SeriesAggregate("x", (), TIMER, samples={float(v): 1 for v in range(1, 50_001)})
    datums, _ = _build([t], {t.key: _target("X", unit="Milliseconds")}, timestamp=TS, storage_resolution=60)
    assert len(datums) > 1
    assert all(len(d.values) <= 150 for d in datums)
    assert sum(d.sample_count() for d in datums) == 50_000


def test_one_series_to_several_targets() -> None:
    c = SeriesAggregate("ti.finish", (), COUNTER, value=1)
    targets = {c.key: _target("A") + _target("B", dims=ENV + (("DAG", "d"),))}
    datums, _ = _build([c], targets, timestamp=TS, storage_resolution=60)
    assert sorted(d.metric for d in datums) == ["A", "B"]


def test_unmapped_series_are_skipped() -> None:
    c = SeriesAggregate("nobody", (), COUNTER, value=1)
    assert _build([c], {}, timestamp=TS, storage_resolution=60) == ([], {})


def test_bad_storage_resolution_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="storage_resolution"):
        _build([], {}, timestamp=TS, storage_resolution=5)


@pytest.mark.parametrize(
    ("datum", "reason"),
    [
        pytest.param(Datum("M", ENV, TS, value=math.nan), "non_finite", id="nan"),
        pytest.param(Datum("M", ENV, TS, value=math.inf), "non_finite", id="inf"),
        pytest.param(Datum("M", ENV, TS, value=-math.inf), "non_finite", id="minus-inf"),
        pytest.param(Datum("M", ENV, TS, value=2.0**361), "value_out_of_range", id="too-big"),
        pytest.param(Datum("M", ENV, TS, value=2.0**-261), "value_out_of_range", id="too-small"),
        pytest.param(Datum("M" * 256, ENV, TS, value=1), "name_too_long", id="long-name"),
        pytest.param(Datum("", ENV, TS, value=1), "empty_name", id="empty-name"),
        pytest.param(
            Datum("M", tuple((f"d{i:02}", "v") for i in range(31)), TS, value=1),
            "too_many_dimensions",
            id="31-dimensions",
        ),
        pytest.param(Datum("M", (("D", "v" * 1025),), TS, value=1), "dimension_too_long", id="long-dim-value"),
        pytest.param(Datum("M", (("D" * 256, "v"),), TS, value=1), "dimension_too_long", id="long-dim-name"),
        pytest.param(Datum("M", (("D", ""),), TS, value=1), "empty_dimension", id="empty-dim-value"),
        pytest.param(Datum("M", (("D", "a"), ("D", "b")), TS, value=1), "duplicate_dimension", id="dup-dim"),
        pytest.param(Datum("M", ENV, TS, unit="Furlongs", value=1), "bad_unit", id="bad-unit"),
        pytest.param(Datum("M", ENV, TS, values=(1.0, math.nan), counts=(1, 1)), "non_finite", id="nan-in-values"),
        pytest.param(Datum("M", ENV, TS, values=(1.0,), counts=(0,)), "bad_count", id="zero-count"),
    ],
)
def test_invalid_reason(datum: Datum, reason: str) -> None:
    assert invalid_reason(datum) == reason


def test_boundaries_are_accepted() -> None:
    assert invalid_reason(Datum("M" * 255, tuple((f"d{i:02}", "v" * 1024) for i in range(30)), TS, value=2.0**360)) == ""
    assert invalid_reason(Datum("M", ENV, TS, value=0.0)) == ""


def test_invalid_datums_are_dropped_and_counted() -> None:
    good = SeriesAggregate("good", (), COUNTER, value=1)
    nan = SeriesAggregate("nan", (), GAUGE, value=math.nan)
    wide = SeriesAggregate("wide", (), COUNTER, value=1)
    targets = {
        good.key: _target("Good"),
        nan.key: _target("Nan"),
        wide.key: _target("Wide", dims=tuple((f"d{i:02}", "v") for i in range(31))),
    }
    datums, dropped = _build([good, nan, wide], targets, timestamp=TS, storage_resolution=60)
    assert [d.metric for d in datums] == ["Good"]
    assert dropped == {"non_finite": 1, "too_many_dimensions": 1}


def test_tiny_values_are_sent_as_zero() -> None:
    g = SeriesAggregate("g", (), GAUGE, value=1e-300)
    datums, dropped = _build([g], {g.key: _target("G")}, timestamp=TS, storage_resolution=60)
    assert dropped == {}
    assert datums[0].value == 0.0
