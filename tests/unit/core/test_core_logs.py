from __future__ import annotations

import json
import logging

from mwaa_ops.logs import JsonFormatter, KeyValueFormatter, event


def _record(fields: dict[str, object]) -> logging.LogRecord:
    record = logging.LogRecord("mwaa_ops.test", logging.WARNING, __file__, 1, "job_run", (), None)
    record.kv = fields
    return record


def test_key_value_lines_quote_what_needs_it() -> None:
    line = KeyValueFormatter().format(_record({"job": "versions_refresh", "error": "bad thing"}))
    assert "event=job_run" in line
    assert "job=versions_refresh" in line
    assert 'error="bad thing"' in line
    assert "\n" not in line


def test_json_lines_carry_the_same_fields() -> None:
    payload = json.loads(JsonFormatter().format(_record({"count": 3})))
    assert payload["event"] == "job_run"
    assert payload["count"] == 3
    assert payload["level"] == "warning"


def test_event_skips_disabled_levels(caplog: object) -> None:
    logger = logging.getLogger("mwaa_ops.test.quiet")
    logger.setLevel(logging.ERROR)
    event(logger, logging.INFO, "nothing")  # must not raise or emit


def test_messages_already_in_key_value_form_are_not_quoted_twice() -> None:
    record = logging.LogRecord("mwaa_ops.local", logging.INFO, __file__, 1,
                               "event=endpoint_stopped url=%s", ("http://127.0.0.1:4566",), None)
    line = KeyValueFormatter().format(record)
    assert "event=endpoint_stopped url=http://127.0.0.1:4566" in line
    payload = json.loads(JsonFormatter().format(record))
    assert payload["event"] == "endpoint_stopped"
    assert payload["url"] == "http://127.0.0.1:4566"
