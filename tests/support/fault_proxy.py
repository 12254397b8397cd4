"""A small fault-injecting HTTP proxy for CloudWatch tests.

It listens on an ephemeral port and forwards every request, body untouched, to
an upstream endpoint (the moto server). At any moment a test can switch it to
answer 503 or 500, answer CloudWatch throttling in the protocol botocore
expects, delay answers, drop the connection without answering, forward the
request and then drop the response (the "lost response": CloudWatch got the
data, the client does not know), or reject requests that carry a "poison"
metric name with a 400 ``InvalidParameterValue``. Every request is counted by
outcome.

Two slow-failure modes forward the request first (CloudWatch stores the data)
and then answer late: ``slow_answer`` after ``delay`` seconds, ``trickle``
one byte of the answer every ``delay`` seconds (a per-read timeout never
fires). ``stored`` counts, per datum, how many copies reached the upstream and
were accepted by it (status 200), so a test can tell delivered datums from
duplicates exactly: datums are told apart by metric, dimensions and value.

Errors are spelled in the protocol of the request. CloudWatch's service model
lists ``json``, ``smithy-rpc-v2-cbor`` and ``query``; botocore 1.44 picks
``json`` (awsJson1_0, ``X-Amz-Target`` names the operation), earlier 1.43
releases ``smithy-rpc-v2-cbor`` (the operation in the path). A CBOR request gets
a CBOR body with ``__type`` and the header ``smithy-protocol: rpc-v2-cbor``
(botocore's ``RpcV2CBORParser``), a JSON request a JSON body with ``__type``;
both carry the ``x-amzn-query-error`` header that maps the code back to the
query-protocol name (``Throttling``, ``InvalidParameterValue``).
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import cbor2

PASS = "pass"
UNAVAILABLE = "503"
INTERNAL_ERROR = "500"
THROTTLE = "throttle"
DROP = "drop"  # close the connection without reading an answer upstream
LOSE_RESPONSE = "lose_response"  # forward, then close without answering
SLOW_ANSWER = "slow_answer"  # forward, then answer after ``delay`` seconds
TRICKLE = "trickle"  # forward, then send the answer one byte every ``delay`` seconds
MODES = frozenset({PASS, UNAVAILABLE, INTERNAL_ERROR, THROTTLE, DROP, LOSE_RESPONSE, SLOW_ANSWER, TRICKLE})

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
               "proxy-authorization", "proxy-authenticate"}


def _is_cbor(headers: Any) -> bool:
    return "cbor" in (headers.get("Content-Type") or "") or bool(headers.get("smithy-protocol"))


def _plain(body: bytes, headers: Any) -> bytes:
    """The request body as serialized: botocore gzips PutMetricData bodies over 10 kB."""
    if "gzip" in (headers.get("Content-Encoding") or ""):
        try:
            return gzip.decompress(body)
        except OSError:
            return b""
    return body


def metric_data(body: bytes, cbor: bool = True) -> list[dict[str, Any]]:
    """The MetricData items of a PutMetricData body, CBOR or JSON ([] when it is not one)."""
    try:
        decoded = cbor2.loads(body) if cbor else json.loads(body)
    except Exception:
        return []
    if not isinstance(decoded, dict):
        return []
    return [item for item in decoded.get("MetricData") or [] if isinstance(item, dict)]


def datum_key(item: dict[str, Any]) -> tuple[Any, ...]:
    """What tells two stored datums apart: metric, dimensions, value(s) and counts."""
    dims = tuple(sorted((d.get("Name", ""), d.get("Value", "")) for d in item.get("Dimensions") or []))
    return (item.get("MetricName", ""), dims, item.get("Value"),
            tuple(item.get("Values") or ()), tuple(item.get("Counts") or ()))


def metric_names(body: bytes, cbor: bool = True) -> list[str]:
    """Metric names in a PutMetricData body, CBOR or JSON ([] when it is not one)."""
    return [item.get("MetricName", "") for item in metric_data(body, cbor)]


def _operation(handler: BaseHTTPRequestHandler) -> str:
    """The API operation of a request: from X-Amz-Target (JSON), the path (CBOR), or the route."""
    target = handler.headers.get("X-Amz-Target", "")
    if target:
        return target.rsplit(".", 1)[-1]
    if "/operation/" in handler.path:
        return handler.path.rsplit("/", 1)[-1]
    return f"{handler.command} {handler.path.split('?', 1)[0]}"


class FaultProxy:
    """Threaded proxy in front of ``upstream``; switch behaviour with :meth:`set_mode`."""

    def __init__(self, upstream: str, host: str = "127.0.0.1") -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self._lock = threading.Lock()
        self._mode = PASS
        self._mode_left: int | None = None
        self._pass_first = 0
        self.delay_seconds = 0.0
        self.answer_delay_seconds = 0.0
        self.poison: set[str] = set()
        self.counts: Counter[str] = Counter()
        self.put_requests = 0
        self.stored: Counter[tuple[Any, ...]] = Counter()
        # Requests by API operation ("PutDashboard", ...; MWAA's REST calls as "GET /environments").
        self.operations: Counter[str] = Counter()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

            def do_POST(self) -> None:  # noqa: N802
                proxy._handle(self)

            do_GET = do_POST  # noqa: N815
            do_PUT = do_POST  # noqa: N815
            do_PATCH = do_POST  # noqa: N815
            do_DELETE = do_POST  # noqa: N815

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)

    # -- control ------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def set_mode(self, mode: str, *, requests: int | None = None, delay: float | None = None,
                 after: int = 0) -> None:
        """Behave as ``mode`` from now on, or for the next ``requests`` requests only,
        after ``after`` more requests passed. ``delay``: for ``slow_answer`` and
        ``trickle`` the answer's delay (per byte for ``trickle``), else a delay
        before every PutMetricData."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; one of {sorted(MODES)}")
        with self._lock:
            self._mode = mode
            self._mode_left = requests
            self._pass_first = after
            if delay is not None:
                if mode in (SLOW_ANSWER, TRICKLE):
                    self.answer_delay_seconds = delay
                else:
                    self.delay_seconds = delay

    def stored_totals(self) -> tuple[int, int]:
        """(distinct datums stored, copies stored beyond the first)."""
        with self._lock:
            return len(self.stored), sum(n - 1 for n in self.stored.values())

    def outcome_counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self.counts)

    def _next_mode(self) -> str:
        with self._lock:
            if self._pass_first > 0:
                self._pass_first -= 1
                return PASS
            mode = self._mode
            if self._mode_left is not None:
                self._mode_left -= 1
                if self._mode_left <= 0:
                    self._mode, self._mode_left = PASS, None
            return mode

    def _count(self, outcome: str) -> None:
        with self._lock:
            self.counts[outcome] += 1

    # -- serving ------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        # smithy-rpc-v2-cbor names the operation in the path, awsJson1_0 in X-Amz-Target.
        is_put = handler.path.endswith("/PutMetricData") or (
            handler.headers.get("X-Amz-Target", "").endswith(".PutMetricData")
        )
        mode = self._next_mode() if is_put else PASS
        with self._lock:
            self.operations[_operation(handler)] += 1
        if is_put:
            with self._lock:
                self.put_requests += 1
        if self.delay_seconds and is_put:
            time.sleep(self.delay_seconds)
        if mode == DROP:
            self._count("dropped")
            self._close(handler)
            return
        if mode in (UNAVAILABLE, INTERNAL_ERROR):
            status = int(mode)
            code = "ServiceUnavailable" if status == 503 else "InternalFailure"
            self._count(mode)
            self._error(handler, status, code, "injected by the fault proxy")
            return
        if mode == THROTTLE:
            self._count("throttled")
            self._error(handler, 400, "Throttling", "Rate exceeded", query_code="Throttling;Sender")
            return
        if is_put and self.poison and self.poison.intersection(metric_names(_plain(body, handler.headers), _is_cbor(handler.headers))):
            self._count("poisoned")
            self._error(
                handler, 400, "InvalidParameterValue",
                "The value for parameter MetricData.MetricName is invalid (poison)",
                query_code="InvalidParameterValue;Sender",
            )
            return
        try:
            status, headers, answer = self._forward(handler, body)
        except OSError:
            self._count("upstream_error")
            self._error(handler, 502, "BadGateway", "upstream unreachable")
            return
        if is_put and status == 200:
            keys = [datum_key(i) for i in metric_data(_plain(body, handler.headers), _is_cbor(handler.headers))]
            with self._lock:
                self.stored.update(keys)
        if mode == LOSE_RESPONSE:
            self._count("response_lost")
            self._close(handler)
            return
        if mode == SLOW_ANSWER:
            self._count("slow")
            time.sleep(self.answer_delay_seconds)
        if mode == TRICKLE:
            self._count("trickled")
            self._trickle(handler, status, headers, answer)
            return
        self._count("passed" if is_put else "passed_other")
        handler.send_response(status)
        for name, value in headers:
            if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(answer)))
        handler.end_headers()
        handler.wfile.write(answer)

    def _forward(self, handler: BaseHTTPRequestHandler, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=60)
        try:
            headers = {k: v for k, v in handler.headers.items() if k.lower() not in _HOP_BY_HOP}
            connection.request(handler.command, handler.path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    @staticmethod
    def _error(handler: BaseHTTPRequestHandler, status: int, code: str, message: str,
               query_code: str = "") -> None:
        """An error in the protocol of the request: CBOR or awsJson1_0."""
        error = {"__type": code, "message": message}
        handler.send_response(status)
        if _is_cbor(handler.headers):
            body = cbor2.dumps(error)
            handler.send_header("smithy-protocol", "rpc-v2-cbor")
            handler.send_header("Content-Type", "application/cbor")
        else:
            body = json.dumps(error).encode()
            handler.send_header("Content-Type", "application/x-amz-json-1.0")
        if query_code:
            handler.send_header("x-amzn-query-error", query_code)
        handler.send_header("x-amzn-requestid", "fault-proxy")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _trickle(self, handler: BaseHTTPRequestHandler, status: int, headers: list[tuple[str, str]],
                 answer: bytes) -> None:
        """The whole answer, status line and headers included, one byte per ``delay``."""
        lines = [f"HTTP/1.1 {status} OK"]
        lines += [f"{k}: {v}" for k, v in headers
                  if k.lower() not in _HOP_BY_HOP and k.lower() != "content-length"]
        lines.append(f"Content-Length: {len(answer)}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + answer
        handler.close_connection = True
        try:
            for index in range(len(raw)):
                time.sleep(self.answer_delay_seconds)
                handler.wfile.write(raw[index : index + 1])
                handler.wfile.flush()
        except OSError:
            return

    @staticmethod
    def _close(handler: BaseHTTPRequestHandler) -> None:
        handler.close_connection = True
        with contextlib.suppress(OSError):
            handler.connection.shutdown(2)
