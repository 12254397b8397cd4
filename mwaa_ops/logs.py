"""Structured logging: one line per event, ``key=value`` or JSON.

Callers log an event name as the message and put the facts in ``extra={"kv": {...}}``
via :func:`event`, so both formats carry the same fields.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

_RESERVED = "kv"


def event(logger: logging.Logger, level: int, name: str, *, exc_info: bool = False, **fields: Any) -> None:
    """Log one structured event; ``exc_info=True`` adds the current exception's traceback."""
    if logger.isEnabledFor(level):
        logger.log(level, name, exc_info=exc_info, extra={_RESERVED: fields})


def _fields(record: logging.LogRecord) -> tuple[str, dict[str, Any]]:
    """The event name (the message) and the fields :func:`event` attached."""
    return record.getMessage(), dict(getattr(record, _RESERVED, {}))


def _quote(value: Any) -> str:
    text = str(value)
    if text == "" or any(c in text for c in ' ="\n'):
        return json.dumps(text)
    return text


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        parts = [
            f"ts={stamp}.{int(record.msecs):03d}Z",
            f"level={record.levelname.lower()}",
            f"logger={record.name}",
        ]
        name, fields = _fields(record)
        parts.append(f"event={_quote(name)}")
        for key, value in fields.items():
            parts.append(f"{key}={_quote(value)}")
        if record.exc_info:
            parts.append(f"error={_quote(self.formatException(record.exc_info))}")
        return " ".join(parts)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": record.created,
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        name, fields = _fields(record)
        payload["event"] = name
        payload.update(fields)
        if record.exc_info:
            payload["error"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


def setup_logging(level: str = "info", fmt: str = "kv") -> None:
    """Send the package's logs to stderr in the chosen format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else KeyValueFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("mwaa_ops").setLevel(level.upper())
    # APScheduler logs every run at INFO; the agent logs its own line per run instead.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
