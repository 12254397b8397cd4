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
        pytest.param(Datum("M", ENV, TS, value=2.0**-361), "value_out_of_range", id="too-small"),
        pytest.param(Datum("M", (("D", "données"),), TS, value=1), "bad_dimension", id="non-ascii-dim-value"),
        pytest.param(Datum("M", (("D", "   "),), TS, value=1), "bad_dimension", id="blank-dim-value"),
        pytest.param(Datum("M", (("D", "a\tb"),), TS, value=1), "bad_dimension", id="tab-dim-value"),
        pytest.param(Datum("M", (("Dé", "v"),), TS, value=1), "bad_dimension", id="non-ascii-dim-name"),
        pytest.param(Datum("M", ((":D", "v"),), TS, value=1), "bad_dimension", id="colon-dim-name"),
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
    # CloudWatch's range is 2^-360..2^360 (API_MetricDatum), not 2^-260.
    assert invalid_reason(Datum("M", ENV, TS, value=2.0**-359)) == ""
    assert invalid_reason(Datum("M", ENV, TS, value=2.0**-360)) == ""
    assert invalid_reason(Datum("M", ENV, TS, value=-(2.0**-360))) == ""


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


def test_values_below_cloudwatch_range_are_sent_as_zero() -> None:
    g = SeriesAggregate("g", (), GAUGE, value=1e-300)
    datums, dropped = _build([g], {g.key: _target("G")}, timestamp=TS, storage_resolution=60)
    assert dropped == {}
    assert datums[0].value == 0.0


def test_tiny_values_inside_cloudwatch_range_are_kept() -> None:
    # Issue 8 case 4: custom.tiny:1e-100|g and a 1e-100 timer sample reached CloudWatch as 0.0.
    g = SeriesAggregate("custom.tiny", (), GAUGE, value=1e-100)
    t = SeriesAggregate("custom.t", (), TIMER, samples={1e-100: 1.0, 2.0**-359: 2.0})
    targets = {g.key: _target("Tiny"), t.key: _target("T", unit="Milliseconds")}
    datums, dropped = _build([g, t], targets, timestamp=TS, storage_resolution=60)
    assert dropped == {}
    assert datums[0].value == 1e-100
    assert sorted(zip(datums[1].values, datums[1].counts, strict=True)) == [(2.0**-359, 2.0), (1e-100, 1.0)]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        pytest.param("données", "non_ascii", id="non-ascii"),
        pytest.param("   ", "blank", id="whitespace-only"),
        pytest.param("a\tb", "control_character", id="tab"),
        pytest.param("x" * 1025, "too_long", id="too-long"),
    ],
)
def test_refused_dimension_values_are_rewritten_and_counted(value: str, reason: str) -> None:
    s = SeriesAggregate("c", (), COUNTER, value=1)
    rewritten: dict[str, int] = {}
    datums, dropped = _build([s], {s.key: _target("C", dims=(("DAG", value), *ENV))},
                             timestamp=TS, storage_resolution=60, rewritten=rewritten)
    assert dropped == {}
    assert rewritten == {reason: 1}
    (datum,) = datums
    new = dict(datum.dimensions)["DAG"]
    assert invalid_reason(datum) == ""
    assert new != value and new.isascii() and new.isprintable() and not new.isspace() and len(new) <= 1024
    assert dict(datum.dimensions)["Environment"] == "local"


def test_rewritten_dimension_values_keep_distinct_ids_distinct() -> None:
    # "données" and "donnÉes" both clean to "donn_es"; two long ids share their first 1024 characters.
    ids = ["données", "donnÉes", "donn_es", "x" * 1100 + "a", "x" * 1100 + "b", " ", "  "]
    series = [SeriesAggregate(f"g{i}", (), GAUGE, value=i + 1) for i in range(len(ids))]
    targets = {s.key: _target("G", dims=(("DAG", v), *ENV)) for s, v in zip(series, ids, strict=True)}
    datums, dropped = _build(series, targets, timestamp=TS, storage_resolution=60)
    assert dropped == {}
    values = [dict(d.dimensions)["DAG"] for d in datums]
    assert len(set(values)) == len(ids)
    assert [d.value for d in datums] == [1, 2, 3, 4, 5, 6, 7]  # no gauge summed into another
    assert values[2] == "donn_es"  # a valid id is never changed
    # Deterministic: the same id gives the same value every interval.
    again, _ = _build(series, targets, timestamp=TS + 60, storage_resolution=60)
    assert [dict(d.dimensions)["DAG"] for d in again] == values
