from __future__ import annotations

from mwaa_ops.telemetry import Telemetry


def test_counters_gauges_and_summaries_render_as_prometheus_text() -> None:
    telemetry = Telemetry()
    telemetry.inc("packets_received", 5)
    telemetry.add_many("lines_rejected", {"bad_value": 2, "unknown_type": 1}, "reason")
    telemetry.set("queue_depth", 7)
    telemetry.observe("publish_latency_seconds", 0.25)
    telemetry.observe("publish_latency_seconds", 0.75)
    text = telemetry.render_prometheus()
    assert "# TYPE mwaa_ops_packets_received counter" in text
    assert "mwaa_ops_packets_received 5\n" in text
    assert 'mwaa_ops_lines_rejected{reason="bad_value"} 2' in text
    assert "# TYPE mwaa_ops_queue_depth gauge" in text
    assert "mwaa_ops_publish_latency_seconds_count 2" in text
    assert "mwaa_ops_publish_latency_seconds_sum 1\n" in text
    assert telemetry.get("lines_rejected") == 3
    assert telemetry.get("lines_rejected", reason="unknown_type") == 1


def test_label_values_are_escaped() -> None:
    telemetry = Telemetry()
    telemetry.inc("api_errors", code='a"b\\c')
    assert 'code="a\\"b\\\\c"' in telemetry.render_prometheus()
