"""The mapper's cache shares what it can and stays bounded, without changing any answer."""

from __future__ import annotations

from mwaa_ops.airflow import NameMapper

Key = tuple[str, tuple[tuple[str, str], ...]]


def _keys(dags: int, tasks: int, first_dag: int = 0) -> list[Key]:
    return [
        (f"ti.finish.dag_{d}.task_{t}.success", ())
        for d in range(first_dag, first_dag + dags)
        for t in range(tasks)
    ]


def test_targets_share_their_dimension_pairs() -> None:
    mapper = NameMapper("env")
    got = mapper.resolve(_keys(2, 3))
    dims = [targets[0].dimensions for targets in got.values()]
    assert len(set(dims)) == 6
    by_value = {}
    for pairs in dims:
        for pair in pairs:
            by_value.setdefault(pair, []).append(pair)
    # ("Environment", "env") in all six, each DAG pair in three, each task pair in two.
    assert {pair: len(objs) for pair, objs in by_value.items()}[("Environment", "env")] == 6
    for objs in by_value.values():
        assert all(obj is objs[0] for obj in objs)


def test_untagged_and_tagged_series_keep_their_own_answers() -> None:
    mapper = NameMapper("env")
    keys: list[Key] = [("custom.metric", ()), ("custom.metric", (("k", "v"),))]
    first = mapper.resolve(keys, {k: "counter" for k in keys})
    again = mapper.resolve(keys, {k: "counter" for k in keys})
    assert first == again
    assert first[keys[0]][0].dimensions == (("Environment", "env"),)
    assert first[keys[1]][0].dimensions == (("Environment", "env"), ("k", "v"))


def test_a_full_cache_keeps_the_current_interval_and_answers_the_same() -> None:
    reference = NameMapper("env")
    bounded = NameMapper("env", max_cached=10)
    # (interval, cache size after it): room is made only when new series come.
    intervals = [(_keys(3, 4), 12), (_keys(2, 2), 12), (_keys(2, 2, first_dag=5), 4), (_keys(3, 4), 12)]
    for keys, size in intervals:
        assert bounded.resolve(keys) == reference.resolve(keys)
        assert len(bounded._cache) == size


def test_resolve_series_answers_like_resolve() -> None:
    from mwaa_ops.statsd import COUNTER, GAUGE, SeriesAggregate

    series = [
        SeriesAggregate("ti.finish.etl.load.success", (), COUNTER, 1.0),
        SeriesAggregate("ti.finish", (("dag_id", "etl"), ("state", "success"), ("task_id", "load")), COUNTER, 1.0),
        SeriesAggregate("pool.open_slots.default_pool", (), GAUGE, 3.0),
        SeriesAggregate("custom.thing", (("k", "v"),), GAUGE, 2.0),
    ]
    kinds = {s.key: s.kind for s in series}
    expected = NameMapper("env").resolve(list(kinds), kinds)
    aligned = NameMapper("env").resolve_series(series)
    assert aligned == [expected[s.key] for s in series]
    assert aligned[0] == ()  # the tagged twin wins the family
    assert aligned[1] and aligned[3][0].unit == "None"
