"""The sidecar process: receiver, flush loop, publisher, health endpoint and scheduler.

Start-up order makes sure nothing accepted is lost: the publisher starts first
(and replays any spool from an earlier run), then the receiver. Shutdown runs
the other way: stop receiving, flush the current interval, then deliver or
spool everything within the configured deadline.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from mwaa_ops.agent.flush import FlushCycle, interval_start, next_boundary
from mwaa_ops.agent.health import HealthServer
from mwaa_ops.agent.scheduler import AgentScheduler, JobContext
from mwaa_ops.agent.self_metrics import SelfMetrics
from mwaa_ops.airflow import NameMapper
from mwaa_ops.aws import make_client
from mwaa_ops.clock import Clock, SystemClock
from mwaa_ops.cloudwatch import Publisher, build_datums
from mwaa_ops.cloudwatch.publisher import client_timeout_seconds
from mwaa_ops.config import Config
from mwaa_ops.logs import event
from mwaa_ops.statsd import Aggregator, StatsdServer
from mwaa_ops.telemetry import Telemetry

log = logging.getLogger("mwaa_ops.agent")


class Agent:
    """Everything the agent runs, wired from one :class:`Config`."""

    def __init__(
        self, config: Config, *, clock: Clock | None = None, telemetry: Telemetry | None = None
    ) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.telemetry = telemetry or Telemetry()
        statsd = config.statsd
        self.aggregator = Aggregator(
            prefix=statsd.prefix,
            max_series=statsd.max_series,
            allow_list=statsd.allow_list,
            block_list=statsd.block_list,
            max_line_bytes=statsd.max_line_bytes,
            telemetry=self.telemetry,
        )
        self.server = StatsdServer(
            statsd.host,
            statsd.port,
            self.aggregator,
            receive_buffer_bytes=statsd.receive_buffer_bytes,
            telemetry=self.telemetry,
        )
        self.mapper = NameMapper(config.environment, max_cached=statsd.max_series)
        self.publisher = Publisher(
            self._cloudwatch_client,
            config.namespace,
            config.publisher,
            config.spool_dir,
            telemetry=self.telemetry,
            clock=self.clock,
        )
        self.flush_cycle = FlushCycle(
            self.aggregator,
            self.mapper,
            self.publisher.submit,
            build_datums,
            storage_resolution=config.storage_resolution,
            telemetry=self.telemetry,
        )
        self.self_metrics = SelfMetrics(
            self.telemetry, config.environment, config.storage_resolution
        )
        self.health_server: HealthServer | None = None
        if config.health.enabled:
            self.health_server = HealthServer(
                config.health.host, config.health.port, self.telemetry, self.health
            )
        self.scheduler: AgentScheduler | None = None
        if config.scheduler.enabled and config.scheduler.jobs:
            context = JobContext(
                config=config,
                clock=self.clock,
                telemetry=self.telemetry,
                publisher=self.publisher,
                make_client=self.make_client,
            )
            self.scheduler = AgentScheduler(
                config.scheduler.jobs, context, state_dir=config.state_dir
            )
        self._stop = threading.Event()
        self._flush_thread = threading.Thread(target=self._flush_loop, name="flush", daemon=True)
        self._flush_lock = threading.Lock()
        self._started_at = 0.0
        self._ready = False

    def make_client(self, service: str) -> Any:
        return make_client(service, self.config.aws)

    def _cloudwatch_client(self) -> Any:
        # The publisher retries with its own backoff, so botocore's retries are off.
        return make_client(
            "cloudwatch",
            self.config.aws,
            max_attempts=1,
            # The publisher bounds each call's total duration itself; botocore's
            # per-read timeout only needs to outlast the longest call deadline.
            timeout_seconds=client_timeout_seconds(self.config.publisher),
        )

    # --- life cycle -------------------------------------------------------

    def start(self) -> None:
        self._started_at = self.clock.time()
        self.publisher.start()
        self.server.start()
        self._flush_thread.start()
        if self.health_server is not None:
            self.health_server.start()
        if self.scheduler is not None:
            self.scheduler.start()
        self._ready = True
        event(
            log,
            logging.INFO,
            "agent_started",
            environment=self.config.environment,
            namespace=self.config.namespace,
            statsd=f"{self.config.statsd.host}:{self.server.port}",
            flush_interval_s=self.config.flush_interval_seconds,
            health_port=self.health_server.port if self.health_server else "off",
        )

    def flush_now(self, timestamp: float | None = None) -> None:
        """Flush the interval that ``timestamp`` (default: now) belongs to."""
        interval = self.config.flush_interval_seconds
        ts = interval_start(self.clock.time(), interval) if timestamp is None else timestamp
        with self._flush_lock:
            self.flush_cycle.run(ts)
            self.publisher.submit(self.self_metrics.datums(ts))

    def _flush_loop(self) -> None:
        interval = self.config.flush_interval_seconds
        while not self._stop.is_set():
            boundary = next_boundary(self.clock.time(), interval)
            if self._stop.wait(max(0.0, boundary - self.clock.time())):
                return
            try:
                self.flush_now(boundary - interval)
            except Exception:  # the loop must survive any one bad interval
                event(log, logging.ERROR, "flush_failed", exc_info=True)

    def stop(self) -> None:
        """Stop receiving, flush what was aggregated, deliver or spool it in time."""
        if not self._ready:
            return
        self._ready = False
        self.server.stop()
        self._stop.set()
        self._flush_thread.join(timeout=10)
        if self.scheduler is not None:
            self.scheduler.shutdown()
        self.flush_now()
        self.publisher.stop(self.config.publisher.shutdown_deadline_seconds)
        if self.health_server is not None:
            self.health_server.stop()
        stats = self.publisher.stats()
        event(log, logging.INFO, "agent_stopped", **{k: v for k, v in stats.items() if v is not None})

    def wait(self, stop_event: threading.Event) -> None:
        """Block until ``stop_event`` is set (by a signal handler), then stop."""
        stop_event.wait()
        self.stop()

    # --- health -------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        stats = self.publisher.stats()
        return {
            "ready": self._ready,
            "environment": self.config.environment,
            "namespace": self.config.namespace,
            "statsd_port": self.server.port,
            "uptime_s": round(self.clock.time() - self._started_at, 1),
            "publisher": stats,
            "scheduler": self.scheduler.status() if self.scheduler else [],
        }
