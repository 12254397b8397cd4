"""The Airflow major version: configured or detected from the traffic, and every rule following it (issue 8 case 1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mwaa_ops.airflow import NameMapper, load_catalogue
from mwaa_ops.cloudwatch.datums import build_datums
from mwaa_ops.statsd import Aggregator

BUNDLED = "dag_processing.last_duration.my-git-repo.my_dag_file"


def _publish(mapper: NameMapper, lines: list[bytes]) -> dict[tuple[str, str], float | tuple[float, ...]]:
    """Lines through the real aggregator, mapper and datum builder: (metric, DAG Filename) -> value(s)."""
    agg = Aggregator()
    agg.ingest(lines)
    series = agg.flush()
    datums, dropped = build_datums(series, mapper.resolve_series(series), timestamp=0.0, storage_resolution=60)
    assert dropped == {}
    out: dict[tuple[str, str], float | tuple[float, ...]] = {}
    for d in datums:
        out[(d.metric, dict(d.dimensions).get("DAG Filename", ""))] = d.value if d.values == () else d.values
    return out


def test_airflow3_configured_reads_bundle_and_seconds() -> None:
    mapper = NameMapper("prod", airflow_major=3)
    got = _publish(mapper, [f"airflow.{BUNDLED}:1.52|ms".encode()])
    assert got == {("DAGFileProcessingLastDuration", "my_dag_file"): (1.52,)}
    assert (mapper.major_version, mapper.major_source) == (3, "config")


def test_airflow2_configured_reads_milliseconds() -> None:
    mapper = NameMapper("prod", airflow_major=2)
    got = _publish(mapper, [b"airflow.dag_processing.last_duration.my_dag_file:1520|ms"])
    assert got == {("DAGFileProcessingLastDuration", "my_dag_file"): (1.52,)}


@pytest.mark.parametrize(
    "signal",
    [
        pytest.param(b"airflow.dag_processor_heartbeat:1|c", id="dag-processor-heartbeat"),
        pytest.param(b"airflow.dag_processing.last_run.seconds_ago:3|g", id="seconds-ago-base-name"),
        pytest.param(b"airflow.dag_processing.last_duration,bundle_name=my-git-repo,file_name=my_dag_file:1.52|ms",
                     id="influx-bundle-tag"),
        pytest.param(b"airflow.scheduler.dag_bag.cache_hit:1|c", id="dag-bag-cache"),
    ],
)
def test_airflow3_detected_from_traffic(signal: bytes) -> None:
    seen: list[tuple[int, str]] = []
    mapper = NameMapper("prod", on_major_detected=lambda major, name: seen.append((major, name)))
    assert (mapper.major_version, mapper.major_source) == (None, "unknown")
    got = _publish(mapper, [f"airflow.{BUNDLED}:1.52|ms".encode(), signal])
    assert (mapper.major_version, mapper.major_source) == (3, "traffic")
    assert len(seen) == 1 and seen[0][0] == 3
    assert got[("DAGFileProcessingLastDuration", "my_dag_file")] == (1.52,)
    assert ("DAGFileProcessingLastDuration", "my-git-repo.my_dag_file") not in got


def test_detection_redoes_mappings_cached_before_it() -> None:
    mapper = NameMapper("prod")
    before = _publish(mapper, [f"airflow.{BUNDLED}:1.52|ms".encode()])
    # Unknown bundle, unknown major: read the 2.x way (ms, no bundle) -- the fault the issue saw.
    assert before == {("DAGFileProcessingLastDuration", "my-git-repo.my_dag_file"): (0.00152,)}
    after = _publish(mapper, [f"airflow.{BUNDLED}:1.52|ms".encode(), b"airflow.dag_processor_heartbeat:1|c"])
    assert after[("DAGFileProcessingLastDuration", "my_dag_file")] == (1.52,)


def test_airflow2_detected_from_traffic() -> None:
    mapper = NameMapper("prod")
    _publish(mapper, [b"airflow.local_task_job.task_exit.123.my_dag.my_task.0:1|c"])
    assert (mapper.major_version, mapper.major_source) == (2, "traffic")


def test_configured_major_is_never_overridden_by_traffic() -> None:
    mapper = NameMapper("prod", airflow_major=2)
    _publish(mapper, [b"airflow.dag_processor_heartbeat:1|c"])
    assert (mapper.major_version, mapper.major_source) == (2, "config")


FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "airflow_statsd"


@pytest.mark.parametrize(("capture", "major"), [("airflow-2.11.2-plain.txt", 2), ("airflow-3.3.2-plain.txt", 3),
                                                 ("airflow-3.3.2-influx.txt", 3)])
def test_signals_never_contradict_real_traffic(capture: str, major: int) -> None:
    """Every series of a real capture proves its own major or nothing (2.10+ also sends bare last_duration)."""
    signals = load_catalogue().signals
    proved = set()
    for raw in (FIXTURES / capture).read_text().splitlines():
        if not raw.strip():
            continue
        head = raw.partition(":")[0]
        name, *pairs = head.split(",")
        tags = tuple(tuple(p.split("=", 1)) for p in pairs)
        found = signals.major_of(name.removeprefix("airflow."), tags)  # type: ignore[arg-type]
        if found is not None:
            proved.add(found)
    assert proved == {major}


@pytest.mark.parametrize(("capture", "major"), [("airflow-2.11.2-plain.txt", 2), ("airflow-3.3.2-plain.txt", 3)])
def test_real_capture_maps_parse_times_to_file_names(capture: str, major: int) -> None:
    """Detected from the capture alone: DAGFileProcessingLastDuration per file, in seconds."""
    lines = [raw.encode() for raw in (FIXTURES / capture).read_text().splitlines() if raw.strip()]
    mapper = NameMapper("e2e")
    got = _publish(mapper, lines)
    assert mapper.major_version == major
    files = {f for (metric, f) in got if metric == "DAGFileProcessingLastDuration"}
    assert {"e2e_success", "e2e_failing", "e2e_task_group", "e2e_dotted_dag"} <= files
    for (metric, _), values in got.items():
        if metric == "DAGFileProcessingLastDuration" and isinstance(values, tuple):
            assert all(0.01 < v < 10 for v in values), values  # seconds, not ms or 1000x too small
