"""A raw UDP listener that keeps every StatsD datagram it receives, in order.

Used to capture what a real Airflow sends (the fixtures in
``tests/fixtures/airflow_statsd/``), with no parsing in the way.
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType

_MAX_DATAGRAM = 65535  # largest UDP payload
_RCVBUF = 4 * 1024 * 1024


class UdpCapture:
    """Bind ``host:port`` (port 0 picks a free one) and collect datagrams on a thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RCVBUF)
        self._sock.bind((host, port))
        self._sock.settimeout(0.2)
        self.host, self.port = self._sock.getsockname()[:2]
        self._datagrams: list[bytes] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="udp-capture", daemon=True)

    def start(self) -> UdpCapture:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()

    def datagrams(self) -> list[bytes]:
        with self._lock:
            return list(self._datagrams)

    def __enter__(self) -> UdpCapture:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self._sock.recv(_MAX_DATAGRAM)
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._datagrams.append(data)
