"""The local health endpoint: ``/healthz`` (JSON) and ``/metrics`` (Prometheus text).

Bound to 127.0.0.1 by default; it serves only what the agent already knows,
so a scrape costs a snapshot, never an AWS call.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from mwaa_ops.telemetry import Telemetry

log = logging.getLogger("mwaa_ops.health")

PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class HealthServer:
    """A tiny threaded HTTP server in the agent process."""

    def __init__(
        self, host: str, port: int, telemetry: Telemetry, health: Callable[[], dict[str, Any]]
    ) -> None:
        self._telemetry = telemetry
        self._health = health
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                path = self.path.split("?", 1)[0]
                if path == "/healthz":
                    report = outer._health()
                    body = json.dumps(report, default=str, indent=2).encode()
                    status = 200 if report.get("ready") else 503
                    self._send(status, "application/json", body)
                elif path == "/metrics":
                    body = outer._telemetry.render_prometheus().encode()
                    self._send(200, PROMETHEUS_CONTENT_TYPE, body)
                else:
                    self._send(404, "text/plain", b"not found: try /healthz or /metrics\n")

            def _send(self, status: int, content_type: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return  # scrapes are not events worth a log line

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="health", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
