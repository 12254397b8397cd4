"""The local health endpoint: ``/healthz`` (readiness, JSON), ``/livez`` (liveness) and ``/metrics``.

Bound to 127.0.0.1 by default; it serves only what the agent already knows,
so a scrape costs a snapshot, never an AWS call.

- ``GET|HEAD /healthz``: 200 when the agent is *ready* (receiving StatsD and
  delivering to CloudWatch), else 503; the body says why (``ready_reasons``).
- ``GET|HEAD /livez``: 200 while the agent's threads run (a supervisor restarts
  the process on 503), whatever CloudWatch does.
- ``GET|HEAD /metrics``: the Prometheus text exposition of the agent's counters.

Every time in a body is an ISO-8601 UTC string (``2026-11-30T19:02:03.123Z``).

Connections are bounded (:data:`MAX_CONNECTIONS` at once; more get a 503 and
are closed) and each has a socket timeout (:data:`CONNECTION_TIMEOUT_SECONDS`),
so a slow or stuck client cannot hold threads or memory in the sidecar.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from mwaa_ops.errors import StartupError, bind_failure
from mwaa_ops.telemetry import CONTENT_TYPE, Telemetry

log = logging.getLogger("mwaa_ops.health")

PROMETHEUS_CONTENT_TYPE = CONTENT_TYPE
# At most this many requests are served at once; more are answered 503 and closed.
MAX_CONNECTIONS = 8
# A client must send its request (and read the answer) within this many seconds.
CONNECTION_TIMEOUT_SECONDS = 5.0
_BUSY = (b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 22\r\n"
         b"Connection: close\r\n\r\ntoo many connections\r\n")


def iso_utc(epoch: float | None) -> str | None:
    """Epoch seconds as an ISO-8601 UTC string with milliseconds (``None`` stays ``None``)."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class RateMeter:
    """Rate of a growing total (lines received) over roughly the last ``window_seconds``."""

    def __init__(self, window_seconds: float = 60.0) -> None:
        self._window = window_seconds
        self._points: deque[tuple[float, float]] = deque(maxlen=256)
        self._lock = threading.Lock()

    def add(self, now: float, total: float) -> float:
        """Record ``total`` at ``now``; the per-second rate since the oldest point in the window."""
        with self._lock:
            points = self._points
            while len(points) > 1 and now - points[1][0] >= self._window:
                points.popleft()
            if not points or now > points[-1][0]:
                points.append((now, total))
            first_t, first_total = points[0]
            if now - first_t <= 0:
                return 0.0
            return max(0.0, (total - first_total) / (now - first_t))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], slots: int) -> None:
        self._slots = threading.BoundedSemaphore(max(1, slots))
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            try:
                request.settimeout(1.0)
                request.sendall(_BUSY)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


class HealthServer:
    """A small bounded threaded HTTP server in the agent process.

    ``health()`` returns the ``/healthz`` body (with ``ready``: bool);
    ``live()`` whether the agent's threads run (default: always).
    Raises :class:`StartupError` (one line, naming ``--health-port``) when the port cannot be bound.
    """

    def __init__(
        self,
        host: str,
        port: int,
        telemetry: Telemetry,
        health: Callable[[], dict[str, Any]],
        live: Callable[[], bool] | None = None,
        *,
        max_connections: int = MAX_CONNECTIONS,
        connection_timeout: float = CONNECTION_TIMEOUT_SECONDS,
    ) -> None:
        self._telemetry = telemetry
        self._health = health
        self._live = live or (lambda: True)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            timeout = connection_timeout  # socket timeout for this connection

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                self._answer(head=False)

            def do_HEAD(self) -> None:  # noqa: N802
                self._answer(head=True)

            def _answer(self, head: bool) -> None:
                path = self.path.split("?", 1)[0]
                try:
                    if path == "/healthz":
                        report = outer._health()
                        body = json.dumps(report, default=str, indent=2).encode() + b"\n"
                        self._send(200 if report.get("ready") else 503, "application/json", body, head)
                    elif path == "/livez":
                        alive = outer._live()
                        body = json.dumps({"live": alive}).encode() + b"\n"
                        self._send(200 if alive else 503, "application/json", body, head)
                    elif path == "/metrics":
                        body = outer._telemetry.render_prometheus().encode()
                        self._send(200, PROMETHEUS_CONTENT_TYPE, body, head)
                    else:
                        self._send(404, "text/plain", b"not found: try /healthz, /livez or /metrics\n", head)
                except (TimeoutError, BrokenPipeError, ConnectionResetError):
                    return  # the client left; nothing to answer
                except Exception:  # a bug in a report must not kill the server thread silently
                    log.exception("health_request_failed")
                    self._send(500, "text/plain", b"internal error; see the agent's log\n", head)

            def _send(self, status: int, content_type: str, body: bytes, head: bool) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                if not head:
                    self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return  # scrapes are not events worth a log line

        try:
            self._server = _Server((host, port), Handler, max_connections)
        except OSError as exc:
            raise StartupError(bind_failure("serve /healthz and /metrics on", host, port, "--health-port", exc)) \
                from exc
        self._thread = threading.Thread(target=self._server.serve_forever, name="health", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()
