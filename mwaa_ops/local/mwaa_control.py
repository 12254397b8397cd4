"""Test and demo controls of the MWAA emulator over HTTP (not part of the MWAA API).

Tests that run the driver in another process reach the emulator only over
HTTP, so fault injection and the UpdateEnvironment count are served here,
under ``/_mwaa-emulator/`` on the endpoint's port (unsigned requests):

- ``GET  /_mwaa-emulator/calls``: ``{"UpdateEnvironment": {name: count}}``
- ``POST /_mwaa-emulator/faults/{name}`` ``{"kind": "rollback"|"fail"|"hang",
  "error_code": "...", "message": "..."}``: the next update of ``name`` does that
- ``DELETE /_mwaa-emulator/faults/{name}``: forget injected faults of ``name``
- ``POST /_mwaa-emulator/status/{name}`` ``{"status": "UNAVAILABLE"}``: force a status
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from mwaa_ops.errors import FatalAwsError
from mwaa_ops.local.mwaa_emulator import MwaaEmulator

PREFIX = "/_mwaa-emulator/"


def _read(environ: dict[str, Any]) -> dict[str, Any]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    data = json.loads(raw) if raw.strip() else {}
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object")
    return data


class MwaaControlApp:
    """WSGI app for the emulator's controls."""

    def __init__(self, emulator: MwaaEmulator) -> None:
        self.emulator = emulator

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        rest = environ.get("PATH_INFO", "")[len(PREFIX):]
        emu = self.emulator
        try:
            if rest == "calls" and method == "GET":
                with emu._lock:
                    payload: dict[str, Any] = {"UpdateEnvironment": dict(emu.update_calls)}
            elif rest.startswith("faults/") and method == "POST":
                body = _read(environ)
                emu.inject_update_fault(rest[len("faults/"):], str(body.get("kind", "")),
                                        error_code=str(body.get("error_code", "")),
                                        message=str(body.get("message", "")))
                payload = {"injected": body.get("kind")}
            elif rest.startswith("faults/") and method == "DELETE":
                payload = {"cleared": emu.clear_update_faults(rest[len("faults/"):])}
            elif rest.startswith("status/") and method == "POST":
                emu.set_status(rest[len("status/"):], str(_read(environ).get("status", "")))
                payload = {"ok": True}
            else:
                return _answer(start_response, 404, {"message": f"no control {method} {rest}"})
        except (FatalAwsError, ValueError) as exc:
            return _answer(start_response, 400, {"message": str(exc)})
        return _answer(start_response, 200, payload)


def _answer(start_response: Callable[..., Any], status: int, payload: dict[str, Any]) -> list[bytes]:
    data = json.dumps(payload).encode()
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}[status]
    start_response(f"{status} {reason}", [("Content-Type", "application/json"),
                                          ("Content-Length", str(len(data)))])
    return [data]
