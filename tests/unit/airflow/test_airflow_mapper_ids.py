"""Task groups and dotted ids in Airflow 2.x and 3.3 spellings."""

from __future__ import annotations

import pytest

from mwaa_ops.airflow import KnownIds, NameMapper


def _dims(mapper, name, tags=()):
    (target,) = mapper.resolve([(name, tags)])[(name, tags)]
    return {k: v for k, v in target.dimensions if k != "Environment"}


@pytest.mark.parametrize(
    ("learned", "name", "dag", "task"),
    [
        pytest.param([], "ti.finish.etl.section_1.task_1.success", "etl", "section_1.task_1",
                     id="2x-task-group-unknown-dag-first-segment"),
        pytest.param(["my.dag"], "ti.finish.my.dag.section_1.task_1.success", "my.dag", "section_1.task_1",
                     id="2x-dotted-dag-known"),
        pytest.param([], "ti.finish.my.dag.hello.success", "my", "dag.hello",
                     id="2x-dotted-dag-unknown-first-segment-rule"),
        pytest.param([], "ti.finish.etl.section_1__task_1.success", "etl", "section_1__task_1",
                     id="3x-escaped-task-unknown-kept"),
        pytest.param(["my.dag"], "ti.finish.my__dag.hello.success", "my.dag", "hello",
                     id="3x-escaped-dag-known-turned-back"),
    ],
)
def test_split_ti_finish(learned, name, dag, task):
    mapper = NameMapper("prod")
    mapper.learn("dag_id", learned)
    assert _dims(mapper, name) == {"DAG": dag, "Task": task, "State": "success"}


def test_dag_id_learned_from_dagrun_metric_in_same_interval():
    mapper = NameMapper("prod", airflow_version="2.11.2")
    keys = [("ti.finish.e2e.dotted_dag.hello.success", ()), ("dagrun.duration.success.e2e.dotted_dag", ())]
    out = mapper.resolve(keys)
    assert dict(out[keys[0]][0].dimensions)["DAG"] == "e2e.dotted_dag"
    assert dict(out[keys[0]][0].dimensions)["Task"] == "hello"


def test_dag_id_learned_later_redoes_cached_split():
    mapper = NameMapper("prod", airflow_version="2.11.2")
    key = ("ti.start.x.y.t", ())
    assert mapper.resolve([key]) and _dims(mapper, "dag.x.y.t.duration") == {"DAG": "x", "Task": "y.t"}
    mapper.resolve([("dagrun.schedule_delay.x.y", ())])
    assert _dims(mapper, "dag.x.y.t.duration") == {"DAG": "x.y", "Task": "t"}


def test_3x_real_ids_learned_from_tags_reach_the_legacy_dimension():
    mapper = NameMapper("prod", airflow_version="3.3.2")
    tags = (("dag_id", "e2e.dotted_dag"), ("task_id", "section_1.task_1"))
    mapper.resolve([("task.duration", tags)])
    # A later interval without the tagged twin (e.g. the legacy name came alone).
    assert _dims(mapper, "dag.e2e__dotted_dag.section_1__task_1.duration") == {
        "DAG": "e2e.dotted_dag",
        "Task": "section_1.task_1",
    }


def test_tags_on_a_2x_legacy_name_give_the_split():
    mapper = NameMapper("prod")
    tags = (("dag_id", "a.b"), ("task_id", "c.d"))
    assert _dims(mapper, "ti.finish.a.b.c.d.failed", tags) == {"DAG": "a.b", "Task": "c.d", "State": "failed"}


def test_tagged_form_keeps_real_ids():
    mapper = NameMapper("prod")
    tags = (("dag_id", "d.1"), ("state", "success"), ("task_id", "g.t"))
    assert _dims(mapper, "ti.finish", tags) == {"DAG": "d.1", "Task": "g.t", "State": "success"}


def test_unknown_state_is_not_a_ti_finish():
    (target,) = NameMapper("prod").resolve([("ti.finish.d.t.bogus", ())])[("ti.finish.d.t.bogus", ())]
    assert target.metric == "ti.finish.d.t.bogus"  # fallback, not TaskInstanceFinished


def test_escaped_pool_and_host_turned_back_when_known():
    mapper = NameMapper("prod", airflow_version="3.3.2")
    mapper.resolve([("pool.open_slots", (("pool_name", "p.1"),)), ("triggers.running", (("hostname", "h.example"),))])
    assert _dims(mapper, "pool.queued_slots.p__1") == {"Pool": "p.1"}
    assert _dims(mapper, "triggers.running.h__example") == {"Function": "Trigger", "HostName": "h.example"}


@pytest.mark.parametrize(
    ("text", "variables", "known", "expected"),
    [
        pytest.param("a.b", ("dag_id", "task_id"), [], ["a", "b"], id="two-segments"),
        pytest.param("a.b.c", ("dag_id", "task_id"), [], ["a", "b.c"], id="rest-to-last"),
        pytest.param("a.b.c", ("dag_id", "task_id"), ["a.b"], ["a.b", "c"], id="known-prefix"),
        pytest.param("a.b.c.d", ("dag_id", "task_id"), ["a", "a.b"], ["a.b", "c.d"], id="longest-known-prefix"),
        pytest.param("a.b.c", ("dag_id", "task_id"), ["a.b.c"], ["a", "b.c"], id="known-too-long-first-segment"),
        pytest.param("q.a.b.c", ("queue", "dag_id", "task_id"), ["a.b"], ["q", "a.b", "c"], id="three-ids"),
        pytest.param("a__b.c", ("dag_id", "task_id"), ["a.b"], ["a__b", "c"], id="escaped-prefix"),
    ],
)
def test_known_ids_split(text, variables, known, expected):
    ids = KnownIds({"dag_id": known})
    parts, _ = ids.split(text, variables)
    assert parts == expected


def test_split_needs_enough_segments():
    assert KnownIds().split("a", ("dag_id", "task_id")) is None
