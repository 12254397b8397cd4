"""The StatsD line parser: every accepted form, every rejection reason, and properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mwaa_ops.statsd import REJECT_REASONS, Metric, Rejected, parse_datagram, parse_line

VALID = [
    ("counter", b"airflow.scheduler_heartbeat:1|c",
     Metric("airflow.scheduler_heartbeat", "c", (1.0,))),
    ("counter_sample_rate", b"a.b:3|c|@0.1", Metric("a.b", "c", (3.0,), 0.1)),
    ("counter_float", b"a:2.5|c", Metric("a", "c", (2.5,))),
    ("counter_negative", b"a:-1|c", Metric("a", "c", (-1.0,))),
    ("gauge", b"airflow.executor.open_slots:32|g",
     Metric("airflow.executor.open_slots", "g", (32.0,), deltas=(False,))),
    ("gauge_plus_delta", b"g:+3|g", Metric("g", "g", (3.0,), deltas=(True,))),
    # DogStatsD has no delta gauges: a signed gauge with DogStatsD fields is absolute.
    ("dogstatsd_gauge_negative_is_absolute", b"airflow.pool.open_slots:-3|g|#pool_name:transformation",
     Metric("airflow.pool.open_slots", "g", (-3.0,), tags=(("pool_name", "transformation"),), deltas=(False,))),
    ("dogstatsd_gauge_plus_is_absolute", b"g:+3|g|#k:v", Metric("g", "g", (3.0,), tags=(("k", "v"),), deltas=(False,))),
    ("dogstatsd_gauge_empty_tags_is_absolute", b"g:-3|g|#", Metric("g", "g", (-3.0,), deltas=(False,))),
    ("dogstatsd_gauge_timestamp_field_is_absolute", b"g:-3|g|T1656581400",
     Metric("g", "g", (-3.0,), deltas=(False,))),
    ("influx_gauge_minus_is_delta", b"g,k=v:-3|g", Metric("g", "g", (-3.0,), tags=(("k", "v"),), deltas=(True,))),
    ("dogstatsd_empty_tag_entries_skipped", b"test.metric:42|c|#,,key:value",
     Metric("test.metric", "c", (42.0,), tags=(("key", "value"),))),
    ("dogstatsd_empty_tag_entry_middle", b"m:1|c|#a:1,,b:2", Metric("m", "c", (1.0,), tags=(("a", "1"), ("b", "2")))),
    ("dogstatsd_trailing_comma", b"m:1|c|#a:1,", Metric("m", "c", (1.0,), tags=(("a", "1"),))),
    ("influx_empty_tag_entries_skipped", b"m,,a=1,:1|c", Metric("m", "c", (1.0,), tags=(("a", "1"),))),
    ("exponent_tiny", b"m:1e-100|g", Metric("m", "g", (1e-100,), deltas=(False,))),
    ("leading_dot", b"m:.5|ms", Metric("m", "ms", (0.5,))),
    ("gauge_minus_delta", b"g:-2|g", Metric("g", "g", (-2.0,), deltas=(True,))),
    ("gauge_multi_mixed", b"g:5:+1:-2|g",
     Metric("g", "g", (5.0, 1.0, -2.0), deltas=(False, True, True))),
    ("timer", b"airflow.dag_processing.last_duration.x:123.456|ms",
     Metric("airflow.dag_processing.last_duration.x", "ms", (123.456,))),
    ("timer_sample_rate", b"t:10|ms|@0.5", Metric("t", "ms", (10.0,), 0.5)),
    ("timer_multi_value", b"t:1:2:3|ms", Metric("t", "ms", (1.0, 2.0, 3.0))),
    ("histogram", b"h:7|h", Metric("h", "h", (7.0,))),
    ("distribution", b"d:0.25|d", Metric("d", "d", (0.25,))),
    ("set", b"users:alice|s", Metric("users", "s", ("alice",))),
    ("set_numeric_member", b"users:42|s", Metric("users", "s", ("42",))),
    ("dogstatsd_tags", b"ti.finish:1|c|#dag_id:x,task_id:y",
     Metric("ti.finish", "c", (1.0,), tags=(("dag_id", "x"), ("task_id", "y")))),
    ("dogstatsd_tags_sorted", b"m:1|c|#z:1,a:2", Metric("m", "c", (1.0,), tags=(("a", "2"), ("z", "1")))),
    ("dogstatsd_rate_then_tags", b"m:1|c|@0.5|#k:v", Metric("m", "c", (1.0,), 0.5, (("k", "v"),))),
    ("dogstatsd_tags_then_rate", b"m:1|c|#k:v|@0.5", Metric("m", "c", (1.0,), 0.5, (("k", "v"),))),
    ("dogstatsd_bare_tag", b"m:1|c|#prod,k:v", Metric("m", "c", (1.0,), tags=(("k", "v"), ("prod", "")))),
    ("dogstatsd_tag_value_with_colon", b"m:1|c|#url:http://x", Metric("m", "c", (1.0,), tags=(("url", "http://x"),))),
    ("dogstatsd_extension_fields_ignored", b"m:1|c|c:abc123|T1656581400",
     Metric("m", "c", (1.0,))),
    ("influx_tags", b"airflow.ti.finish,dag_id=x,task_id=y,state=success:1|c",
     Metric("airflow.ti.finish", "c", (1.0,),
            tags=(("dag_id", "x"), ("state", "success"), ("task_id", "y")))),
    ("influx_and_dogstatsd_tags", b"m,b=2:1|c|#a:1", Metric("m", "c", (1.0,), tags=(("a", "1"), ("b", "2")))),
    ("influx_empty_tag_value", b"m,k=:1|c", Metric("m", "c", (1.0,), tags=(("k", ""),))),
    ("task_group_dotted_id", b"airflow.ti.finish.dag.section_1.task_1.success:1|c",
     Metric("airflow.ti.finish.dag.section_1.task_1.success", "c", (1.0,))),
    ("crlf_tolerated", b"m:1|c\r", Metric("m", "c", (1.0,))),
    ("utf8_name", "métrique:1|c".encode(), Metric("métrique", "c", (1.0,))),
    ("exponent_value", b"m:1e3|ms", Metric("m", "ms", (1000.0,))),
    ("trailing_empty_field", b"m:1|c|", Metric("m", "c", (1.0,))),
]


@pytest.mark.parametrize(("line", "expected"), [v[1:] for v in VALID], ids=[v[0] for v in VALID])
def test_valid_forms(line: bytes, expected: Metric) -> None:
    assert parse_line(line) == expected


REJECTED = [
    ("empty_name", b":1|c", "empty_name"),
    ("blank_name", b"  :1|c", "empty_name"),
    ("empty_name_with_influx_tags", b",k=v:1|c", "empty_name"),
    ("no_colon", b"just.a.name", "missing_value"),
    ("empty_value", b"m:|c", "missing_value"),
    ("empty_value_in_multi", b"m:1::2|ms", "missing_value"),
    ("empty_set_member", b"s:|s", "missing_value"),
    ("no_type", b"m:1", "missing_type"),
    ("bad_value_word", b"m:abc|c", "bad_value"),
    ("bad_value_nan", b"m:nan|c", "bad_value"),
    ("bad_value_inf", b"m:inf|ms", "bad_value"),
    ("bad_value_minus_inf_gauge", b"g:-inf|g", "bad_value"),
    ("bad_value_overflow", b"m:1e400|ms", "bad_value"),
    ("unknown_type", b"m:1|x", "unknown_type"),
    ("empty_type", b"m:1|", "unknown_type"),
    ("type_case_matters", b"m:1|C", "unknown_type"),
    ("bad_sample_rate_word", b"m:1|c|@abc", "bad_sample_rate"),
    ("bad_sample_rate_zero", b"m:1|c|@0", "bad_sample_rate"),
    ("bad_sample_rate_above_one", b"m:1|c|@1.5", "bad_sample_rate"),
    ("bad_sample_rate_negative", b"m:1|c|@-0.5", "bad_sample_rate"),
    ("bad_sample_rate_nan", b"m:1|c|@nan", "bad_sample_rate"),
    ("bad_tags_influx_no_equals", b"m,novalue:1|c", "bad_tags"),
    ("bad_tags_influx_empty_key", b"m,=v:1|c", "bad_tags"),
    ("digit_separator", b"m:1_000|c", "bad_value"),
    ("digit_separator_gauge", b"m:1_0|g", "bad_value"),
    ("digit_separator_timer", b"m:1_000.5|ms", "bad_value"),
    ("digit_separator_exponent", b"m:1e1_0|g", "bad_value"),
    ("digit_separator_sample_rate", b"m:1|c|@0.1_0", "bad_sample_rate"),
    ("infinity_word", b"m:infinity|g", "bad_value"),
    ("bad_tags_dogstatsd_empty_key", b"m:1|c|#:v", "bad_tags"),
    ("invalid_utf8_name", b"m\xff:1|c", "invalid_utf8"),
    ("invalid_utf8_tags", b"m:1|c|#k:\xc3", "invalid_utf8"),
    ("invalid_utf8_set_member", b"s:\xff|s", "invalid_utf8"),
    ("line_too_long", b"m" * 5000 + b":1|c", "line_too_long"),
]


@pytest.mark.parametrize(("line", "reason"), [r[1:] for r in REJECTED], ids=[r[0] for r in REJECTED])
def test_rejections(line: bytes, reason: str) -> None:
    result = parse_line(line)
    assert isinstance(result, Rejected)
    assert result.reason == reason


def test_every_reason_is_covered() -> None:
    assert {r[2] for r in REJECTED} == set(REJECT_REASONS)


def test_max_line_bytes_is_configurable() -> None:
    line = b"m:1|c"
    assert isinstance(parse_line(line, max_line_bytes=len(line)), Metric)
    assert parse_line(line, max_line_bytes=len(line) - 1) == Rejected("line_too_long", line)


def test_datagram_with_several_lines_keeps_order_and_skips_empty_lines() -> None:
    results = parse_datagram(b"a:1|c\n\nb:2|g\nbad\nc:3|ms\n")
    assert [getattr(r, "name", None) or r.reason for r in results] == ["a", "b", "missing_value", "c"]


# ------------------------------------------------------------------ properties

_name_chars = st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
_names = st.text(_name_chars, min_size=1, max_size=40).filter(lambda s: s.strip(".") != "")
_tag_text = st.text(_name_chars, min_size=1, max_size=12)
_tags = st.lists(st.tuples(_tag_text, _tag_text), max_size=4)
_numbers = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)
_rates = st.sampled_from([1.0, 0.5, 0.25, 0.1, 0.01])


@st.composite
def _valid_lines(draw: st.DrawFn) -> tuple[bytes, Metric]:
    name = draw(_names)
    kind = draw(st.sampled_from(["c", "g", "ms", "h", "d", "s"]))
    influx = draw(_tags)
    dog = draw(_tags)
    rate = draw(_rates)
    count = draw(st.integers(1, 3))
    if kind == "s":
        values: tuple[float | str, ...] = tuple(draw(st.lists(_tag_text, min_size=count, max_size=count)))
        texts = list(values)
        deltas: tuple[bool, ...] = ()
    else:
        numbers = draw(st.lists(_numbers, min_size=count, max_size=count))
        values = tuple(numbers)
        texts = [repr(v) for v in numbers]
        if kind == "g":
            signs = draw(st.lists(st.booleans(), min_size=count, max_size=count))
            # An explicit "+" only in front of a text without a sign ("-0.0" already has one).
            texts = [("+" if s and not t.startswith("-") else "") + t
                     for s, t in zip(signs, texts, strict=True)]
            # DogStatsD form (tags after "|#") has no delta gauges.
            deltas = tuple((t[0] in "+-") and not dog for t in texts)
        else:
            deltas = ()
    line = name + "".join(f",{k}={v}" for k, v in influx) + ":" + ":".join(texts) + "|" + kind  # type: ignore[arg-type]
    if rate != 1.0:
        line += f"|@{rate}"
    if dog:
        line += "|#" + ",".join(f"{k}:{v}" for k, v in dog)
    expected = Metric(name, kind, values, rate, tuple(sorted(influx + dog)), deltas)
    return line.encode(), expected


@settings(max_examples=500)
@given(_valid_lines())
def test_round_trip_of_generated_valid_lines(case: tuple[bytes, Metric]) -> None:
    line, expected = case
    assert parse_line(line) == expected


@settings(max_examples=1000)
@given(st.binary(max_size=300))
def test_never_raises_on_arbitrary_bytes(data: bytes) -> None:
    for result in parse_datagram(data):
        if isinstance(result, Rejected):
            assert result.reason in REJECT_REASONS
        else:
            assert result.name
            assert all(isinstance(v, str) or math.isfinite(v) for v in result.values)


@settings(max_examples=500)
@given(st.text(max_size=120))
def test_never_raises_on_arbitrary_text(text: str) -> None:
    for result in parse_datagram(text.encode("utf-8", "surrogatepass")):
        assert isinstance(result, (Metric, Rejected))
