"""The embedded local AWS endpoint: moto and the MWAA emulator on one port.

``mwaa-ops up`` and the integration tests run it inside their own process:
a threaded werkzeug server on a background thread, serving
:class:`~mwaa_ops.local.dispatcher.LocalDispatcher`. Clients reach it through
``aws.endpoint_url`` / ``AWS_ENDPOINT_URL`` like any other endpoint.
"""

from __future__ import annotations

import errno
import logging
import socket
import threading
from types import TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from mwaa_ops.clock import Clock
from mwaa_ops.errors import EndpointError
from mwaa_ops.local.alarm_evaluator import AlarmEvaluator
from mwaa_ops.local.dispatcher import LocalDispatcher
from mwaa_ops.local.mwaa_api import MwaaApiApp
from mwaa_ops.local.mwaa_emulator import MwaaEmulator
from mwaa_ops.logs import event

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4566  # the port LocalStack and moto users expect
_LISTEN_BACKLOG = 128
# How often the serving loop checks for stop(): bounds how long stop() takes.
_POLL_SECONDS = 0.1


class _QuietHandler(WSGIRequestHandler):
    """werkzeug's handler without one stderr line per request."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        event(log, logging.DEBUG, "request", line=self.requestline, code=code)


class LocalEndpoint:
    """moto (CloudWatch, SNS, S3, SQS) plus the MWAA emulator behind one HTTP port."""

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        *,
        clock: Clock | None = None,
        emulator: MwaaEmulator | None = None,
        evaluate_alarms: bool = True,
    ) -> None:
        if not 0 <= port <= 65535:
            raise EndpointError(f"endpoint port must be 0-65535, got {port}")
        self.host = host
        self._port = port
        self.emulator = emulator or MwaaEmulator(clock)
        self.dispatcher = LocalDispatcher(MwaaApiApp(self.emulator))
        from mwaa_ops.local.mwaa_control import MwaaControlApp

        self.dispatcher.control_app = MwaaControlApp(self.emulator)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._evaluate_alarms = evaluate_alarms
        self._clock = clock
        self.alarm_evaluator: AlarmEvaluator | None = None

    @property
    def port(self) -> int:
        """The bound port once started (the ephemeral one when 0 was asked for)."""
        return self._port

    @property
    def url(self) -> str:
        """``http://host:port`` for ``endpoint_url`` / ``AWS_ENDPOINT_URL``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self, *, prewarm: bool = False) -> LocalEndpoint:
        """Bind the port and serve on a background thread.

        Raises :class:`EndpointError` when the port cannot be bound. With
        ``prewarm`` moto is loaded now instead of on the first request.
        """
        if self._server is not None:
            return self
        sock = self._bind()
        try:
            server = make_server(
                self.host,
                sock.getsockname()[1],
                self.dispatcher,
                threaded=True,
                request_handler=_QuietHandler,
                fd=sock.fileno(),
            )
        finally:
            sock.close()  # the server holds its own duplicate of the descriptor
        self._port = server.port
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": _POLL_SECONDS},
            name=f"local-aws-endpoint-{self._port}",
            daemon=True,
        )
        self._thread.start()
        if prewarm:
            self.dispatcher.prewarm()
        if self._evaluate_alarms:
            self.alarm_evaluator = AlarmEvaluator(
                self.url, clock=self._clock, ready=self.dispatcher.moto_loaded
            ).start()
        event(log, logging.INFO, "endpoint_started", url=self.url)
        return self

    def stop(self) -> None:
        """Stop serving and release the port. Safe to call twice."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        if self.alarm_evaluator is not None:
            self.alarm_evaluator.stop()
            self.alarm_evaluator = None
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join()
        event(log, logging.INFO, "endpoint_stopped", url=self.url)

    def reset(self) -> None:
        """Forget everything: moto's state and the emulator's environments and faults.

        moto keeps its state per process, so this clears every moto backend in
        this process, not only those reached through this endpoint.
        """
        self.dispatcher.reset_moto()
        self.emulator.reset()
        from mwaa_ops.local.alarms_api import PENDING_ACTIONS

        PENDING_ACTIONS.clear()

    def __enter__(self) -> LocalEndpoint:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _bind(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            # Lets a restarted endpoint take its port back from TIME_WAIT; a
            # port another program listens on still fails with EADDRINUSE.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self._port))
            sock.listen(_LISTEN_BACKLOG)
        except OSError as exc:
            sock.close()
            raise EndpointError(self._bind_message(exc)) from exc
        return sock

    def _bind_message(self, exc: OSError) -> str:
        where = f"{self.host}:{self._port}"
        if exc.errno == errno.EADDRINUSE:
            return (
                f"cannot start the local AWS endpoint: port {where} is already in use "
                "(another mwaa-ops up, LocalStack or moto?); stop it or choose another "
                "port with --endpoint-port (0 picks a free one)"
            )
        return f"cannot start the local AWS endpoint on {where}: {exc.strerror or exc}"

    def __repr__(self) -> str:
        state: Any = "running" if self.running else "stopped"
        return f"LocalEndpoint({self.url}, {state})"
