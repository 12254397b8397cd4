"""The UDP StatsD receiver: one socket, one reader thread, batches to the aggregator.

The reader drains the socket without blocking (one ``recv`` system call per
datagram, no ``poll`` while data is waiting), hands every batch of up to
``batch_datagrams`` datagrams to :meth:`Aggregator.ingest`, and only waits in
``poll`` (with a short timeout, so :meth:`StatsdServer.stop` is prompt) when
the socket is empty. It never waits on a flush beyond the aggregator's short
state swap, nor on the network. The receive buffer is raised so that bursts
are absorbed by the kernel while a batch is being aggregated.
"""

from __future__ import annotations

import contextlib
import logging
import select
import socket
import threading
import time

from mwaa_ops.errors import MwaaOpsError, StartupError, bind_failure
from mwaa_ops.logs import event
from mwaa_ops.statsd.aggregator import Aggregator
from mwaa_ops.telemetry import Telemetry

logger = logging.getLogger("mwaa_ops.statsd")

DEFAULT_RECEIVE_BUFFER_BYTES = 32 * 1024 * 1024
# Bigger than any UDP payload (65,507 bytes over IPv4, 65,527 over IPv6), so a
# datagram is never truncated; recv() returns a right-sized bytes object and
# costs the same as with a small buffer (measured).
_RECV_BYTES = 65536
DEFAULT_BATCH_DATAGRAMS = 512
# How long the reader waits on an empty socket before checking for stop().
_POLL_MS = 100
_now = time.time
# Linux's SO_RCVBUFFORCE (not in the socket module): root may exceed net.core.rmem_max.
_SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)


class StatsdServer:
    """Receives StatsD datagrams on ``host:port`` and feeds ``aggregator``.

    ``port=0`` picks a free port (see :attr:`port` after :meth:`start`).
    """

    def __init__(
        self,
        host: str,
        port: int,
        aggregator: Aggregator,
        *,
        receive_buffer_bytes: int = DEFAULT_RECEIVE_BUFFER_BYTES,
        telemetry: Telemetry | None = None,
        batch_datagrams: int = DEFAULT_BATCH_DATAGRAMS,
    ) -> None:
        self._host = host
        self._requested_port = port
        self._aggregator = aggregator
        self._receive_buffer_bytes = receive_buffer_bytes
        self._telemetry = telemetry
        self._batch = max(1, batch_datagrams)
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._port = 0
        self._effective_buffer = 0
        # Epoch seconds of the last datagram batch received (None before the first).
        self.last_datagram_at: float | None = None

    @property
    def port(self) -> int:
        """The bound port (the ephemeral one when started with port 0)."""
        return self._port

    @property
    def effective_receive_buffer(self) -> int:
        """SO_RCVBUF as the kernel reports it (Linux doubles the requested value)."""
        return self._effective_buffer

    @property
    def reader_cpu_seconds(self) -> float:
        """CPU time used so far by the reader thread (0 when not running or not on Linux)."""
        thread = self._thread
        if thread is None or thread.ident is None or not hasattr(time, "pthread_getcpuclockid"):
            return 0.0
        try:
            return time.clock_gettime(time.pthread_getcpuclockid(thread.ident))
        except OSError:
            return 0.0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Bind the socket and start the reader thread."""
        if self._thread is not None:
            raise MwaaOpsError("StatsD server already started")
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            self._effective_buffer = _raise_receive_buffer(sock, self._receive_buffer_bytes)
            sock.bind((self._host, self._requested_port))
        except OSError as exc:
            sock.close()
            raise StartupError(
                bind_failure("listen for StatsD on udp", self._host, self._requested_port, "--statsd-port", exc)
            ) from exc
        sock.setblocking(False)
        self._sock = sock
        self._port = sock.getsockname()[1]
        self._stopping.clear()
        self.last_datagram_at = None
        self._thread = threading.Thread(target=self._run, name="statsd-reader", daemon=True)
        self._thread.start()
        event(logger, logging.INFO, "statsd_listening", host=self._host, port=self._port,
              receive_buffer=self._effective_buffer, requested=self._receive_buffer_bytes)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop reading; datagrams already in the socket buffer are read and aggregated first."""
        thread = self._thread
        if thread is None:
            return
        self._stopping.set()
        thread.join(timeout)
        self._thread = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _run(self) -> None:
        sock = self._sock
        assert sock is not None
        poller = select.poll()
        poller.register(sock.fileno(), select.POLLIN)
        recv = sock.recv
        ingest = self._aggregator.ingest
        size = self._batch
        stopping = self._stopping.is_set
        bufsize = _RECV_BYTES
        batch: list[bytes] = []
        while True:
            append = batch.append
            try:
                for _ in range(size):
                    append(recv(bufsize))
            except BlockingIOError:
                pass
            except OSError as exc:  # e.g. ICMP errors surfacing on the socket: keep going
                event(logger, logging.WARNING, "statsd_recv_error", error=str(exc))
            if batch:
                self.last_datagram_at = _now()  # once per batch, for /healthz
                try:
                    ingest(batch)
                except Exception:  # the hot path must survive even a bug
                    event(logger, logging.ERROR, "statsd_ingest_failed", exc_info=True, datagrams=len(batch))
                batch = []
                continue
            if stopping():
                return
            with contextlib.suppress(InterruptedError):
                poller.poll(_POLL_MS)


def _raise_receive_buffer(sock: socket.socket, wanted: int) -> int:
    """Ask for ``wanted`` bytes of receive buffer; as root go past net.core.rmem_max."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, _SO_RCVBUFFORCE, wanted)
    except OSError:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, wanted)
    return int(sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))
