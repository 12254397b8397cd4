"""The agent's own telemetry on prometheus_client: one table, live values, zeros, help texts (issue 8 case 12)."""

from __future__ import annotations

import re
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from mwaa_ops.cloudwatch import datums as datums_module
from mwaa_ops.cloudwatch import publisher as publisher_module
from mwaa_ops.cloudwatch import spool as spool_module
from mwaa_ops.cloudwatch.names import REWRITE_REASONS
from mwaa_ops.statsd import REJECT_REASONS
from mwaa_ops.statsd.aggregator import Aggregator
from mwaa_ops.telemetry import METRICS, Telemetry


def _families(text: str) -> dict[str, object]:
    return {f.name: f for f in text_string_to_metric_families(text)}


def test_counters_gauges_and_summaries_render_as_prometheus_text() -> None:
    telemetry = Telemetry()
    telemetry.inc("packets_received", 5)
    telemetry.add_many("lines_rejected", {"bad_value": 2, "unknown_type": 1}, "reason")
    telemetry.set("queue_depth", 7)
    telemetry.observe("publish_latency_seconds", 0.25)
    telemetry.observe("publish_latency_seconds", 0.75)
    text = telemetry.render_prometheus()
    assert "# TYPE mwaa_ops_packets_received_total counter" in text
    assert "mwaa_ops_packets_received_total 5.0\n" in text
    assert 'mwaa_ops_lines_rejected_total{reason="bad_value"} 2.0' in text
    assert "# TYPE mwaa_ops_queue_depth gauge" in text
    assert "mwaa_ops_publish_latency_seconds_count 2.0" in text
    assert "mwaa_ops_publish_latency_seconds_sum 1.0\n" in text
    assert telemetry.get("lines_rejected") == 3
    assert telemetry.get("lines_rejected", reason="unknown_type") == 1
    assert telemetry.get("publish_latency_seconds_count") == 2


def test_every_metric_is_there_at_zero_with_its_help_before_anything_happens() -> None:
    text = Telemetry().render_prometheus()
    families = _families(text)
    for name, spec in METRICS.items():
        family = families["mwaa_ops_" + name]
        assert family.documentation == spec.help  # type: ignore[attr-defined]
        assert spec.help and "Undocumented" not in spec.help
    assert 'mwaa_ops_lines_received_total 0.0' in text
    for reason in REJECT_REASONS:
        assert f'mwaa_ops_lines_rejected_total{{reason="{reason}"}} 0.0' in text
    assert 'mwaa_ops_dimension_values_rewritten_total{reason="non_ascii"} 0.0' in text


def test_zero_label_lists_match_their_sources() -> None:
    assert set(METRICS["lines_rejected"].labels["reason"]) == set(REJECT_REASONS)
    assert set(METRICS["dimension_values_rewritten"].labels["reason"]) == set(REWRITE_REASONS)
    drop_reasons = {v for m in (datums_module, publisher_module, spool_module) for k, v in vars(m).items()
                    if k.isupper() and isinstance(v, str) and k in {
                        "NON_FINITE", "VALUE_OUT_OF_RANGE", "TOO_MANY_DIMENSIONS", "NAME_TOO_LONG", "EMPTY_NAME",
                        "DIMENSION_TOO_LONG", "EMPTY_DIMENSION", "DUPLICATE_DIMENSION", "BAD_UNIT", "BAD_COUNT",
                        "BAD_DIMENSION", "TOO_OLD", "TOO_NEW", "REJECTED", "MEMORY_FULL", "SHUTDOWN",
                        "SPOOL_FULL", "SPOOL_CORRUPT", "SPOOL_LOST"}}
    assert len(drop_reasons) == 19
    assert drop_reasons == set(METRICS["datums_dropped"].labels["reason"])


def test_every_name_the_code_writes_is_in_the_table() -> None:
    """A counter someone adds with telemetry.inc("x") must get a row (kind, help) in METRICS."""
    root = Path(__file__).resolve().parents[3] / "mwaa_ops"
    used = set()
    for path in root.rglob("*.py"):
        if path.name == "telemetry.py":
            continue  # its docstring shows how to add a row
        used.update(re.findall(r"telemetry\.(?:inc|set|add_many|observe)\(\s*\"([a-z_]+)\"", path.read_text()))
    assert used, "the scan found no writers"
    assert used <= set(METRICS), sorted(used - set(METRICS))


def test_lines_received_are_live_before_the_first_flush() -> None:
    """15,000 lines received and no lines_received before the first flush was the fault."""
    telemetry = Telemetry()
    agg = Aggregator(telemetry=telemetry)
    telemetry.add_refresher(agg.stats)
    agg.ingest([b"a:1|c"] * 15_000)
    text = telemetry.render_prometheus()
    assert "mwaa_ops_lines_received_total 15000.0" in text
    assert "mwaa_ops_series_active 1.0" in text  # the interval being aggregated, not the last one
    agg.flush()
    text = telemetry.render_prometheus()
    assert "mwaa_ops_series_active 0.0" in text
    assert "mwaa_ops_series_last_interval 1.0" in text


def test_unknown_name_still_counts_with_a_help_asking_for_a_row() -> None:
    telemetry = Telemetry()
    telemetry.inc("brand_new_thing", 2, reason="x")
    assert telemetry.get("brand_new_thing", reason="x") == 2
    assert "Undocumented" in telemetry.render_prometheus()


def test_label_values_are_escaped() -> None:
    telemetry = Telemetry()
    telemetry.inc("api_errors", code='a"b\\c')
    assert 'code="a\\"b\\\\c"' in telemetry.render_prometheus()


def test_wrong_labels_never_raise_into_the_caller() -> None:
    telemetry = Telemetry()
    telemetry.inc("lines_rejected", 1, cause="x")  # the table says "reason"
    telemetry.inc("packets_received", 1, reason="x")  # the table says no labels
    telemetry.inc("packets_received", 2)
    assert telemetry.get("packets_received") == 2
