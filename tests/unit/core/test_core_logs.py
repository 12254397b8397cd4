from __future__ import annotations

import io
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


def _emit_json(name: str, *, exc_info: bool = False, **fields: object) -> dict[str, object]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("mwaa_ops.test.json_event")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    try:
        event(logger, logging.ERROR, name, exc_info=exc_info, **fields)
    finally:
        logger.handlers[:] = []
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    payload: dict[str, object] = json.loads(lines[0])
    return payload


def test_event_values_with_spaces_stay_in_their_field() -> None:
    payload = _emit_json("spool_write_failed", datums=7, error="[Errno 28] No space left on device")
    assert payload["event"] == "spool_write_failed"
    assert payload["error"] == "[Errno 28] No space left on device"
    assert payload["datums"] == 7
    assert payload["level"] == "error"


def test_event_with_exc_info_carries_the_traceback() -> None:
    try:
        raise OSError(28, "No space left on device")
    except OSError:
        payload = _emit_json("publisher_round_failed", exc_info=True)
    assert payload["event"] == "publisher_round_failed"
    assert isinstance(payload["error"], str)
    assert "Traceback" in payload["error"]
    assert "OSError: [Errno 28] No space left on device" in payload["error"]
