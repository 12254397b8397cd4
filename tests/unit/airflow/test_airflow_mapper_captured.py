"""The mapper against StatsD traffic captured from real Airflow runs.

``tests/fixtures/airflow_statsd/`` holds what Airflow 3.3.2 (plain and InfluxDB
tags) and 2.11.2 (plain) sent while running the e2e DAGs. Airflow emits the base
name exactly once per event, so for every mapped family the published count of
each CloudWatch metric must equal the number of base-name events: neither the
legacy twin doubling it nor anything lost.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from mwaa_ops.airflow import NameMapper, load_catalogue

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "airflow_statsd"
KINDS = {"c": "counter", "g": "gauge", "ms": "timer", "h": "timer", "d": "timer", "s": "set"}
CAPTURES = [
    pytest.param("airflow-3.3.2-plain.txt", "3.3.2", id="3.3.2-plain"),
    pytest.param("airflow-3.3.2-influx.txt", "3.3.2", id="3.3.2-influx"),
    pytest.param("airflow-2.11.2-plain.txt", "2.11.2", id="2.11.2-plain"),
    pytest.param("airflow-3.3.2-influx.txt", None, id="3.3.2-influx-version-unknown"),
    pytest.param("airflow-2.11.2-plain.txt", None, id="2.11.2-plain-version-unknown"),
]


def _lines(path: Path):
    for raw in path.read_text().splitlines():
        if not raw.strip():
            continue
        head, _, rest = raw.partition(":")
        value, kind = rest.split("|")[:2]
        name, *pairs = head.split(",")
        tags = tuple(sorted(tuple(p.split("=", 1)) for p in pairs))
        yield name.removeprefix("airflow."), tags, float(value), KINDS[kind]


def _amount(value: float, kind: str) -> float:
    return value if kind == "counter" else 1.0


def _run(filename, version):
    path = FIXTURES / filename
    if not path.exists():
        pytest.skip(f"{path} not captured yet (tests/e2e/capture_airflow_statsd.py)")
    lines = list(_lines(path))
    keys = list(dict.fromkeys((n, t) for n, t, _, _ in lines))
    kinds = {(n, t): k for n, t, _, k in lines}
    resolved = NameMapper("local", airflow_version=version).resolve(keys, kinds)
    return lines, resolved


@pytest.mark.parametrize(("filename", "version"), CAPTURES)
def test_each_event_once_per_metric(filename, version):
    lines, resolved = _run(filename, version)
    base_of = {}
    for family in load_catalogue().families:
        for row in family.rows:
            if family.base and not row.compat_only:  # PoolFailures is off by default
                base_of.setdefault(row.cloudwatch_metric, set()).add(family.base)
    published: Counter = Counter()
    expected: Counter = Counter()
    for name, tags, value, kind in lines:
        for target in resolved[(name, tags)]:
            published[target.metric] += _amount(value, kind)
        for metric, bases in base_of.items():
            if name in bases:
                expected[metric] += _amount(value, kind)
    checked = {m: published[m] for m in expected}
    assert checked == dict(expected)
    assert published["TaskInstanceFinished"] == 8  # 8 tasks ran, each finished once


@pytest.mark.parametrize(
    ("filename", "version", "dag", "task"),
    [
        pytest.param("airflow-3.3.2-influx.txt", "3.3.2", "e2e_task_group", "section_1.task_1", id="3.3-influx-real-id"),
        pytest.param("airflow-3.3.2-influx.txt", "3.3.2", "e2e.dotted_dag", "hello", id="3.3-influx-dotted-dag"),
        pytest.param("airflow-3.3.2-plain.txt", "3.3.2", "e2e_task_group", "section_1__task_1",
                     id="3.3-plain-escaped-id-kept"),
        pytest.param("airflow-3.3.2-plain.txt", "3.3.2", "e2e__dotted_dag", "hello", id="3.3-plain-escaped-dag"),
        pytest.param("airflow-2.11.2-plain.txt", "2.11.2", "e2e_task_group", "section_1.task_1", id="2.11-task-group"),
        pytest.param("airflow-2.11.2-plain.txt", "2.11.2", "e2e.dotted_dag", "hello", id="2.11-dotted-dag-learned"),
    ],
)
def test_task_dimensions(filename, version, dag, task):
    lines, resolved = _run(filename, version)
    finished = Counter()
    for name, tags, value, _ in lines:
        for target in resolved[(name, tags)]:
            if target.metric == "TaskInstanceFinished":
                finished[(dict(target.dimensions)["DAG"], dict(target.dimensions)["Task"])] += value
    assert finished[(dag, task)] == 1
