"""The aggregator: kinds, tags, filters, the cap, accounting, and exactness under concurrency."""

from __future__ import annotations

import logging
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsd_reference import by_key, reference

from mwaa_ops.statsd import (
    COUNTER,
    GAUGE,
    SET,
    TIMER,
    Aggregator,
    SeriesAggregate,
)
from mwaa_ops.telemetry import Telemetry

WINDOWS = [1, 3, 32_768]  # drain after every line, every few lines, and the default


def run(lines: list[bytes], window: int = 32_768, **kwargs: object) -> dict:
    agg = Aggregator(window_lines=window, **kwargs)  # type: ignore[arg-type]
    agg.ingest(lines)
    return by_key(agg.flush())


@pytest.mark.parametrize("window", WINDOWS)
def test_counters_sum_with_sample_rates_and_strip_prefix(window: int) -> None:
    got = run([b"airflow.ti_successes:1|c", b"airflow.ti_successes:1|c|@0.5",
               b"airflow.ti_successes:2|c|@0.25", b"airflow.ti_successes:1|c"], window)
    assert got[(COUNTER, "ti_successes", ())].value == 1 + 2 + 8 + 1


def test_prefix_is_stripped_only_at_the_start_and_is_configurable() -> None:
    got = run([b"airflow.a:1|c", b"other.airflow.b:1|c", b"airflowx:1|c", b"airflow:1|c"])
    assert {k[1] for k in got} == {"a", "other.airflow.b", "airflowx", "airflow"}
    got = run([b"airflow.a:1|c", b"x.a:1|c"], prefix="x")
    assert {k[1] for k in got} == {"airflow.a", "a"}
    got = run([b"airflow.a:1|c"], prefix="")
    assert {k[1] for k in got} == {"airflow.a"}


def test_prefix_alone_is_an_empty_name() -> None:
    agg = Aggregator()
    agg.ingest([b"airflow.:1|c"])
    assert agg.flush() == []
    assert agg.stats().lines_rejected == {"empty_name": 1}


@pytest.mark.parametrize("window", WINDOWS)
def test_gauge_last_value_wins_in_arrival_order(window: int) -> None:
    got = run([b"g:5|g", b"g:3|g", b"g:5|g", b"g:3|g", b"g:7|g", b"g:3|g"], window)
    assert got[(GAUGE, "g", ())].value == 3


@pytest.mark.parametrize("window", WINDOWS)
def test_gauge_deltas_apply_in_order(window: int) -> None:
    # +1 before the last absolute value does not count; those after it do.
    got = run([b"g:+1|g", b"g:10|g", b"g:+1|g", b"g:-3|g", b"g:+1|g", b"g:4|g", b"g:+1|g", b"g:+1|g"], window)
    assert got[(GAUGE, "g", ())].value == 6


@pytest.mark.parametrize("window", WINDOWS)
def test_dogstatsd_signed_gauge_is_absolute(window: int) -> None:
    # Issue 8 case 3: Airflow's pool open slots go negative; DogStatsD sends them as absolute values.
    tags = (("pool_name", "transformation"),)
    got = run([b"airflow.pool.open_slots:6|g|#pool_name:transformation",
               b"airflow.pool.open_slots:-3|g|#pool_name:transformation"], window)
    assert got[(GAUGE, "pool.open_slots", tags)].value == -3
    # Plain StatsD keeps Etsy deltas.
    assert run([b"g:6|g", b"g:-3|g"], window)[(GAUGE, "g", ())].value == 3


@pytest.mark.parametrize("window", WINDOWS)
def test_digit_separators_are_rejected_on_every_path(window: int) -> None:
    agg = Aggregator(window_lines=window)
    agg.ingest([b"t:1_000|ms", b"c:1_000|c", b"g:1_0|g", b"t:1000|ms"])
    got = by_key(agg.flush())
    assert set(got) == {(TIMER, "t", ())}
    assert dict(got[(TIMER, "t", ())].samples) == {1000.0: 1.0}
    assert agg.stats().lines_rejected == {"bad_value": 3}


@pytest.mark.parametrize("window", WINDOWS)
def test_negative_gauge_as_the_statsd_client_sends_it(window: int) -> None:
    # statsd.StatsClient.gauge("g", -5) sends "g:0|g\ng:-5|g" in one datagram.
    agg = Aggregator(window_lines=window)
    agg.ingest([b"g:0|g\ng:-5|g", b"g:0|g\ng:-7|g", b"g:0|g\ng:-5|g"])
    assert by_key(agg.flush())[(GAUGE, "g", ())].value == -5


def test_gauge_delta_applies_to_value_from_earlier_interval_and_is_sent_only_when_received() -> None:
    agg = Aggregator()
    agg.ingest([b"g:10|g"])
    assert by_key(agg.flush())[(GAUGE, "g", ())].value == 10
    assert agg.flush() == []  # not received: not emitted
    agg.ingest([b"g:-4|g"])
    assert by_key(agg.flush())[(GAUGE, "g", ())].value == 6
    agg.ingest([b"new:+2|g"])
    assert by_key(agg.flush())[(GAUGE, "new", ())].value == 2  # unknown gauge starts at 0


@pytest.mark.parametrize("window", WINDOWS)
def test_multi_value_gauge_line_applies_each_value(window: int) -> None:
    got = run([b"g:5:+1:+1|g", b"g:5:+1:+1|g"], window)
    assert got[(GAUGE, "g", ())].value == 7


@pytest.mark.parametrize("window", WINDOWS)
def test_sets_count_distinct_members(window: int) -> None:
    got = run([b"s:a|s", b"s:b|s", b"s:a|s", b"s:c:a|s"], window)
    assert got[(SET, "s", ())].value == 3


@pytest.mark.parametrize("window", WINDOWS)
def test_timers_keep_weighted_samples_and_multi_values(window: int) -> None:
    got = run([b"t:10|ms", b"t:10|ms", b"t:20|ms|@0.5", b"t:1:2:10|ms", b"t:30.5|ms"], window)
    series = got[(TIMER, "t", ())]
    assert series.samples == {10.0: 3.0, 20.0: 2.0, 1.0: 1.0, 2.0: 1.0, 30.5: 1.0}
    assert series.unit_hint == "ms"


def test_histograms_and_distributions_aggregate_as_timers_without_ms_unit() -> None:
    got = run([b"h:1|h", b"h:1|h", b"d:2|d"])
    assert got[(TIMER, "h", ())].samples == {1.0: 2.0}
    assert got[(TIMER, "d", ())].samples == {2.0: 1.0}
    assert got[(TIMER, "h", ())].unit_hint == ""


def test_influx_and_dogstatsd_tags_reach_the_same_series() -> None:
    got = run([
        b"airflow.ti.finish,dag_id=d,state=success,task_id=t:1|c",
        b"airflow.ti.finish,task_id=t,dag_id=d,state=success:1|c",
        b"airflow.ti.finish:1|c|#state:success,task_id:t,dag_id:d",
        b"airflow.ti.finish:1|c|#dag_id:other",
    ])
    tags = (("dag_id", "d"), ("state", "success"), ("task_id", "t"))
    assert got[(COUNTER, "ti.finish", tags)].value == 3
    assert got[(COUNTER, "ti.finish", (("dag_id", "other"),))].value == 1


def test_same_name_as_counter_and_gauge_gives_two_series() -> None:
    got = run([b"x:1|c", b"x:5|g"])
    assert got[(COUNTER, "x", ())].value == 1
    assert got[(GAUGE, "x", ())].value == 5


def test_allow_and_block_lists_are_regexes_searched_in_the_name_without_prefix() -> None:
    agg = Aggregator(allow_list=[r"^ti\.", "heartbeat"], block_list=[r"\.failed$"])
    agg.ingest([
        b"airflow.ti.finish.d.t.success:1|c",
        b"airflow.ti.finish.d.t.failed:1|c",
        b"airflow.scheduler_heartbeat:1|c",
        b"airflow.executor.open_slots:3|g",
        b"airflow.executor.open_slots:3|g",
    ])
    assert {s.name for s in agg.flush()} == {"ti.finish.d.t.success", "scheduler_heartbeat"}
    stats = agg.stats()
    assert stats.lines_filtered == 3
    assert stats.lines_accepted == 2


@pytest.mark.parametrize("window", WINDOWS)
def test_series_cap_counts_lines_of_new_series_and_resets_each_interval(window: int) -> None:
    tel = Telemetry()
    agg = Aggregator(max_series=3, window_lines=window, telemetry=tel)
    agg.ingest([b"a:1|c", b"b:1|g", b"c:1|ms"])
    assert agg.series_count == 3
    # Which new series take the last free slots within one window is not
    # specified; once the cap is reached, every line of a new series is over it.
    agg.ingest([b"d:1|c", b"a:1|c", b"e:x|s", b"d:1|c", b"b:2|g", b"f:1|g"])
    got = by_key(agg.flush())
    assert set(got) == {(COUNTER, "a", ()), (GAUGE, "b", ()), (TIMER, "c", ())}
    assert got[(COUNTER, "a", ())].value == 2
    assert got[(GAUGE, "b", ())].value == 2
    stats = agg.stats()
    assert stats.series_over_cap == 4  # d twice, e, f
    assert stats.lines_accepted == 5
    assert tel.get("series_over_cap") == 4
    agg.ingest([b"d:1|c"])
    assert by_key(agg.flush())[(COUNTER, "d", ())].value == 1


def test_rejections_are_counted_by_reason_and_logged_once_per_interval(caplog: pytest.LogCaptureFixture) -> None:
    tel = Telemetry()
    agg = Aggregator(telemetry=tel, window_lines=2)
    agg.ingest([b"bad"] * 50 + [b"m:abc|c"] * 3 + [b"m:1|zz", b"ok:1|c", b"x" * 5000 + b":1|c"])
    with caplog.at_level(logging.WARNING, logger="mwaa_ops.statsd"):
        agg.flush()
    stats = agg.stats()
    assert stats.lines_rejected == {"missing_value": 50, "bad_value": 3, "unknown_type": 1, "line_too_long": 1}
    assert stats.lines_accepted == 1
    assert tel.get("lines_rejected", reason="missing_value") == 50
    assert tel.get("lines_received") == 56
    assert tel.get("packets_received") == 56
    logged = [(r.getMessage(), r.kv) for r in caplog.records]  # type: ignore[attr-defined]
    assert len(logged) == 4
    assert ("statsd_lines_rejected", {"reason": "missing_value", "count": 50, "example": "b'bad'"}) in logged
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="mwaa_ops.statsd"):
        agg.flush()
    assert caplog.records == []  # nothing new, nothing logged


def test_empty_lines_are_not_lines_and_batches_split_on_newlines() -> None:
    agg = Aggregator()
    agg.ingest([b"a:1|c\n", b"\n\na:1|c\nb:1|c", b""])
    stats = agg.stats()
    assert (stats.packets_received, stats.lines_received, stats.lines_accepted) == (3, 3, 3)


def test_line_cache_and_window_stay_correct_over_many_intervals() -> None:
    agg = Aggregator(window_lines=100)
    for interval in range(5):
        agg.ingest([b"c:1|c"] * 250 + [f"t:{i}|ms".encode() for i in range(interval + 1)])
        got = by_key(agg.flush())
        assert got[(COUNTER, "c", ())].value == 250
        assert sum(got[(TIMER, "t", ())].samples.values()) == interval + 1


def test_flush_is_atomic_under_concurrent_ingestion() -> None:
    agg = Aggregator(window_lines=1000)
    batches = 2000
    batch = [b"airflow.c:1|c", b"airflow.c:2|c|@0.5", b"t:5|ms", b"s:x|s"] * 25
    done = threading.Event()

    def feed() -> None:
        for _ in range(batches):
            agg.ingest(batch)
        done.set()

    thread = threading.Thread(target=feed)
    thread.start()
    counted = 0.0
    timer_samples = 0.0
    flushes = 0
    while not done.is_set():
        got = by_key(agg.flush())
        flushes += 1
        counted += got[(COUNTER, "c", ())].value if (COUNTER, "c", ()) in got else 0
        timer_samples += sum(got[(TIMER, "t", ())].samples.values()) if (TIMER, "t", ()) in got else 0
    thread.join()
    got = by_key(agg.flush())
    counted += got.get((COUNTER, "c", ()), SeriesAggregate("c", (), COUNTER)).value
    timer_samples += sum(got[(TIMER, "t", ())].samples.values()) if (TIMER, "t", ()) in got else 0
    assert counted == batches * 25 * (1 + 4)
    assert timer_samples == batches * 25
    assert flushes > 1
    assert agg.stats().lines_received == batches * len(batch)


# ----------------------------------------------- equivalence with a reference

_line = st.sampled_from([
    b"airflow.c:1|c", b"airflow.c:3|c|@0.5", b"c,k=v:1|c", b"c:1|c|#k:v",
    b"g:1|g", b"g:2|g", b"g:+1|g", b"g:-2|g", b"g:0|g", b"g:4:-1|g", b"h,a=b:3|g",
    b"s:a|s", b"s:b|s", b"s:a:c|s",
    b"t:1|ms", b"t:2|ms|@0.25", b"t:1:2|ms", b"d:7|d",
    b"bad", b"x:1|q", b"x:nan|c", b"",
]) | st.builds(lambda v: b"t:%d|ms" % v, st.integers(0, 20)) | st.builds(lambda v: b"g:%d|g" % v, st.integers(-3, 3))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_line, max_size=6), max_size=40), st.sampled_from([1, 2, 5, 1000]))
def test_matches_reference_for_any_split_into_datagrams_batches_and_windows(
    datagrams: list[list[bytes]], window: int
) -> None:
    agg = Aggregator(window_lines=window)
    raw = [b"\n".join(d) for d in datagrams]
    for i in range(0, len(raw), 7):
        agg.ingest(raw[i:i + 7])
    got = {k: (s.samples if s.kind == TIMER else s.value) for k, s in by_key(agg.flush()).items()}
    expected = reference([line for d in datagrams for line in d])
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value), key
