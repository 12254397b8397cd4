"""A counting CloudWatch endpoint: accepts PutMetricData, sums what arrives, answers success.

The agent under benchmark publishes here (``aws.endpoint_url``) instead of to moto,
because moto expands every ``Values``/``Counts`` pair into datapoints and reading
totals back after a high-rate run takes minutes (see FIELD-NOTES.md).

CloudWatch's service model lists three protocols (``smithy-rpc-v2-cbor``, ``json``,
``query``) and botocore picks one by version: 1.44.8 here sends awsJson1.0
(``X-Amz-Target: GraniteServiceVersion20100801.PutMetricData``), others send
rpcv2Cbor (``POST /service/GraniteServiceVersion20100801/operation/PutMetricData``,
CBOR body; success is 200 with ``smithy-protocol: rpc-v2-cbor``,
``Content-Type: application/cbor`` and the CBOR encoding of ``{}``). The sink
reads all three (bodies may be gzip-compressed, CloudWatch's
``requestCompression`` trait) and answers each in its own format.

Run ``python bench/sink.py --port 0`` (prints ``{"port": N}``); ``GET /stats``
returns the totals as JSON, ``POST /reset`` clears them.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import statistics
import sys
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import cbor2

# PutMetricData limits (CloudWatch API reference): 1000 datums and 1 MB per request.
MAX_DATUMS_PER_REQUEST = 1000
MAX_REQUEST_BYTES = 1024 * 1024

_EMPTY_CBOR = cbor2.dumps({})


def _epoch(value: Any) -> float | None:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, int | float):
        return float(value)
    return None


class Totals:
    """What arrived, summed per namespace, metric and dimensions. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with getattr(self, "_lock", threading.Lock()):
            self.requests = 0
            self.requests_by_operation: dict[str, int] = {}
            self.undecoded = 0
            self.datums = 0
            self.max_datums_per_request = 0
            self.max_request_bytes = 0
            self.requests_over_limits = 0
            # namespace -> metric -> {"value_sum", "count_sum", "datums", "series"}
            self.metrics: dict[str, dict[str, dict[str, float]]] = {}
            self._series: set[tuple[str, str, tuple[tuple[str, str], ...]]] = set()
            self.lags: list[float] = []  # arrival - datum timestamp, seconds
            self.datums_by_timestamp: dict[float, int] = {}  # one interval's datums share a timestamp
            self.first_arrival: float | None = None
            self.last_arrival: float | None = None

    def record(self, operation: str, body: dict[str, Any] | None, raw_bytes: int) -> None:
        """Count one request; ``raw_bytes`` is the body size before any gzip compression."""
        now = time.time()
        with self._lock:
            self.requests += 1
            self.requests_by_operation[operation] = self.requests_by_operation.get(operation, 0) + 1
            if body is None:
                self.undecoded += 1
                return
            if operation != "PutMetricData":
                return
            data = body.get("MetricData") or []
            namespace = str(body.get("Namespace", ""))
            self.datums += len(data)
            self.max_datums_per_request = max(self.max_datums_per_request, len(data))
            self.max_request_bytes = max(self.max_request_bytes, raw_bytes)
            if len(data) > MAX_DATUMS_PER_REQUEST or raw_bytes > MAX_REQUEST_BYTES:
                self.requests_over_limits += 1
            self.first_arrival = self.first_arrival or now
            self.last_arrival = now
            per_metric = self.metrics.setdefault(namespace, {})
            for datum in data:
                name = str(datum.get("MetricName", ""))
                dims = tuple(sorted((d["Name"], d["Value"]) for d in datum.get("Dimensions") or []))
                entry = per_metric.setdefault(
                    name, {"value_sum": 0.0, "count_sum": 0.0, "datums": 0, "series": 0}
                )
                entry["datums"] += 1
                if "Values" in datum:
                    counts = datum.get("Counts") or [1.0] * len(datum["Values"])
                    entry["count_sum"] += float(sum(counts))
                elif "StatisticValues" in datum:
                    entry["count_sum"] += float(datum["StatisticValues"].get("SampleCount", 0))
                    entry["value_sum"] += float(datum["StatisticValues"].get("Sum", 0))
                else:
                    entry["value_sum"] += float(datum.get("Value", 0.0))
                    entry["count_sum"] += 1
                key = (namespace, name, dims)
                if key not in self._series:
                    self._series.add(key)
                    entry["series"] += 1
                stamp = _epoch(datum.get("Timestamp"))
                if stamp is not None:
                    self.lags.append(now - stamp)
                    stamp = round(stamp, 3)
                    self.datums_by_timestamp[stamp] = self.datums_by_timestamp.get(stamp, 0) + 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            lags = sorted(self.lags)
            return {
                "requests": self.requests,
                "requests_by_operation": dict(self.requests_by_operation),
                "undecoded": self.undecoded,
                "datums": self.datums,
                "max_datums_per_request": self.max_datums_per_request,
                "max_request_bytes": self.max_request_bytes,
                "requests_over_limits": self.requests_over_limits,
                "metrics": json.loads(json.dumps(self.metrics)),
                "lag_seconds": {
                    "n": len(lags),
                    "min": lags[0] if lags else None,
                    "median": statistics.median(lags) if lags else None,
                    "max": lags[-1] if lags else None,
                },
                "min_requests": sum(
                    -(-n // MAX_DATUMS_PER_REQUEST) for n in self.datums_by_timestamp.values()
                ),
                "first_arrival": self.first_arrival,
                "last_arrival": self.last_arrival,
            }


def _query_to_body(raw: bytes) -> dict[str, Any]:
    """Turn a query-protocol form (``MetricData.member.1.Value=3``) into the JSON-shaped body."""
    from urllib.parse import parse_qsl

    root: dict[str, Any] = {}
    for key, value in parse_qsl(raw.decode(), keep_blank_values=True):
        node: Any = root
        parts = [p for p in key.split(".") if p != "member"]
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part.isdigit():
                index = int(part) - 1
                while len(node) <= index:
                    node.append({} if not last else None)
                if last:
                    node[index] = value
                else:
                    node = node[index]
                continue
            nxt_is_list = not last and parts[i + 1].isdigit()
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, [] if nxt_is_list else {})
    for datum in root.get("MetricData", []):
        for key in ("Value",):
            if key in datum:
                datum[key] = float(datum[key])
        for key in ("Values", "Counts"):
            if key in datum:
                datum[key] = [float(v) for v in datum[key]]
        if "Timestamp" in datum:
            datum["Timestamp"] = datetime.fromisoformat(datum["Timestamp"].replace("Z", "+00:00"))
    return root


def _protocol(headers: Any) -> str:
    content_type = headers.get("Content-Type", "")
    if "cbor" in content_type or headers.get("smithy-protocol"):
        return "cbor"
    if "x-amz-json" in content_type or headers.get("X-Amz-Target"):
        return "json"
    return "query"


def _decode(protocol: str, headers: Any, raw: bytes) -> dict[str, Any] | None:
    try:
        if headers.get("Content-Encoding", "").lower() == "gzip":
            raw = gzip.decompress(raw)
        if protocol == "cbor":
            decoded = cbor2.loads(raw) if raw else {}
        elif protocol == "json":
            decoded = json.loads(raw) if raw else {}
        else:
            decoded = _query_to_body(raw)
    except Exception:  # noqa: BLE001 - anything undecodable is counted, never fatal
        return None
    return decoded if isinstance(decoded, dict) else None


def _operation(protocol: str, headers: Any, path: str, raw: bytes) -> str:
    target = headers.get("X-Amz-Target")
    if target:
        return str(target).rsplit(".", 1)[-1]
    if protocol == "cbor":
        return path.rstrip("/").rsplit("/", 1)[-1] or "unknown"
    from urllib.parse import parse_qs

    try:
        return parse_qs(raw.decode()).get("Action", ["unknown"])[0]
    except UnicodeDecodeError:
        return "unknown"


# Empty success answers, one per protocol botocore may choose for CloudWatch.
_SUCCESS: dict[str, tuple[bytes, str, dict[str, str]]] = {
    "cbor": (_EMPTY_CBOR, "application/cbor", {"smithy-protocol": "rpc-v2-cbor"}),
    "json": (b"{}", "application/x-amz-json-1.0", {}),
    "query": (
        b'<PutMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">'
        b"<ResponseMetadata><RequestId>bench-sink</RequestId></ResponseMetadata>"
        b"</PutMetricDataResponse>",
        "text/xml",
        {},
    ),
}


def make_server(host: str = "127.0.0.1", port: int = 0) -> tuple[ThreadingHTTPServer, Totals]:
    """An HTTP server (not yet serving) and the totals it fills."""
    totals = Totals()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            pass

        def _reply(self, status: int, body: bytes, content_type: str, extra: dict[str, str]) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in extra.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            if self.path.rstrip("/") == "/stats":
                body = json.dumps(totals.snapshot()).encode()
                self._reply(200, body, "application/json", {})
            else:
                self._reply(404, b"{}", "application/json", {})

        def do_POST(self) -> None:  # noqa: N802 - stdlib name
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
            if self.path.rstrip("/") == "/reset":
                totals.reset()
                self._reply(200, b"{}", "application/json", {})
                return
            protocol = _protocol(self.headers)
            if self.headers.get("Content-Encoding", "").lower() == "gzip":
                try:
                    size = len(gzip.decompress(raw))
                except OSError:
                    size = len(raw)
            else:
                size = len(raw)
            body = _decode(protocol, self.headers, raw)
            operation = _operation(protocol, self.headers, self.path, raw)
            totals.record(operation, body, max(size, len(raw)))
            payload, content_type, extra = _SUCCESS[protocol]
            self._reply(200, payload, content_type, {**extra, "x-amzn-requestid": "bench-sink"})

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server, totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    server, _ = make_server(args.host, args.port)
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
