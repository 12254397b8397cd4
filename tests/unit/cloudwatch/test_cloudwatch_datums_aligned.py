"""build_datums with targets aligned to the series (list) gives what the key mapping gives."""

from __future__ import annotations

import math

from mwaa_ops.airflow.target import Target
from mwaa_ops.cloudwatch.datums import build_datums
from mwaa_ops.statsd.series import COUNTER, GAUGE, TIMER, SeriesAggregate

ENV = (("Environment", "local"),)
TS = 1_700_000_000.0


def test_aligned_targets_give_the_same_datums_as_the_mapping() -> None:
    shared = Target("Shared", ENV, "Count")
    series = [
        SeriesAggregate("a", (), COUNTER, 3.0),
        SeriesAggregate("b", (), COUNTER, 4.0),
        SeriesAggregate("g", (), GAUGE, -0.0),
        SeriesAggregate("t", (), TIMER, 0.0, {100.0: 2.0, 300.0: 1.0}),
        SeriesAggregate("skip", (), COUNTER, 9.0),
    ]
    aligned = [
        (shared,),
        (shared, Target("B", ENV, "Count", 2.0)),
        (Target("G", ENV, "None"),),
        (Target("T", ENV, "Seconds", 0.001),),
        (),
    ]
    by_key = {s.key: t for s, t in zip(series, aligned, strict=True)}
    got = build_datums(series, aligned, timestamp=TS, storage_resolution=60)
    assert got == build_datums(series, by_key, timestamp=TS, storage_resolution=60)
    datums, dropped = got
    assert dropped == {}
    assert [(d.metric, d.value) for d in datums[:3]] == [("Shared", 7.0), ("B", 8.0), ("G", 0.0)]
    assert math.copysign(1.0, datums[2].value or 0.0) == 1.0  # 0.0 + -0.0, as before
    assert datums[3].values == (0.1, 0.3) and datums[3].counts == (2.0, 1.0)
