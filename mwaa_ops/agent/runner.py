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
from mwaa_ops.agent.health import HealthServer, RateMeter, iso_utc
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

# Not ready when datums wait and nothing was delivered for this many flush intervals.
DELIVERY_STALE_INTERVALS = 3


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
        self.mapper = NameMapper(
            config.environment,
            max_cached=statsd.max_series,
            airflow_major=config.airflow.major_version,
            compat_metrics=config.airflow.compat_metrics,
            on_major_detected=self._major_detected,
        )
        self.telemetry.set("airflow_major_version", config.airflow.major_version or 0)
        # /metrics shows lines received up to the scrape, not up to the last flush.
        self.telemetry.add_refresher(self.aggregator.stats)
        self._lines_rate = RateMeter()
        self.publisher = Publisher(
            self._cloudwatch_client,
            config.namespace,
            config.publisher,
            config.spool_dir,
            telemetry=self.telemetry,
            clock=self.clock,
        )
        self.self_metrics = SelfMetrics(
            self.telemetry, config.environment, config.storage_resolution
        )
        self.flush_cycle = FlushCycle(
            self.aggregator,
            self.mapper,
            self.publisher.submit,
            build_datums,
            storage_resolution=config.storage_resolution,
            telemetry=self.telemetry,
            own_datums=self.self_metrics.datums,
        )
        self.health_server: HealthServer | None = None
        if config.health.enabled:
            self.health_server = HealthServer(
                config.health.host, config.health.port, self.telemetry, self.health, self.live
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
                config.scheduler.jobs, context, state_dir=config.state_dir,
                isolate=config.scheduler.isolate_jobs,
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
        """Start every part; if one cannot start, stop those already running and re-raise.

        Start-up failures (a port in use, a state directory it cannot write)
        are :class:`~mwaa_ops.errors.MwaaOpsError` with a one-line message.
        """
        self._started_at = self.clock.time()
        self.publisher.start()
        try:
            self.server.start()
            self._flush_thread.start()
            if self.health_server is not None:
                self.health_server.start()
            if self.scheduler is not None:
                self.scheduler.start()
        except BaseException:
            self._stop.set()
            self.server.stop()
            if self.health_server is not None:
                self.health_server.stop()
            self.publisher.stop(0)  # nothing accepted yet; a replayed spool stays on disk
            raise
        self._ready = True
        major = self.config.airflow.major_version
        event(
            log,
            logging.INFO,
            "agent_started",
            environment=self.config.environment,
            namespace=self.config.namespace,
            statsd=f"{self.config.statsd.host}:{self.server.port}",
            flush_interval_s=self.config.flush_interval_seconds,
            health_port=self.health_server.port if self.health_server else "off",
            airflow_major_version=major if major is not None else "detect-from-traffic",
        )

    def _major_detected(self, major: int, name: str) -> None:
        self.telemetry.set("airflow_major_version", major)
        event(log, logging.INFO, "airflow_version_detected", major_version=major, source="traffic", metric=name)

    def flush_now(self, timestamp: float | None = None) -> None:
        """Flush the interval that ``timestamp`` (default: now) belongs to."""
        interval = self.config.flush_interval_seconds
        ts = interval_start(self.clock.time(), interval) if timestamp is None else timestamp
        with self._flush_lock:
            self.flush_cycle.run(ts)  # the interval and the agent's own metrics, one submit
        self._lines_rate.add(self.clock.time(), self.telemetry.get("lines_received"))

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

    def stop(self, abort: threading.Event | None = None) -> None:
        """Stop receiving, flush what was aggregated, deliver or spool it in time.

        Delivery waits up to ``publisher.shutdown_deadline_seconds``; when
        ``abort`` is set meanwhile (a second Ctrl-C), it stops waiting and
        everything not yet delivered is spooled to disk (sent at the next
        start), never dropped.
        """
        if not self._ready:
            return
        self._ready = False
        self.server.stop()
        self._stop.set()
        self._flush_thread.join(timeout=10)
        if self.scheduler is not None:
            self.scheduler.shutdown()
        self.flush_now()
        deadline = self.config.publisher.shutdown_deadline_seconds
        if abort is None:
            self.publisher.stop(deadline)
        else:
            end = self.clock.monotonic() + deadline
            while not abort.is_set() and self.clock.monotonic() < end:
                if self.publisher.flush(min(0.2, max(0.0, end - self.clock.monotonic()))):
                    break
            self.publisher.stop(0)  # what is still queued or in flight goes to the spool
        if self.health_server is not None:
            self.health_server.stop()
        stats = self.publisher.stats()
        event(log, logging.INFO, "agent_stopped", aborted=bool(abort and abort.is_set()),
              **{k: v for k, v in stats.items() if v is not None})

    def pending_datums(self) -> int:
        """Datums not yet delivered: queued, in flight and spooled."""
        stats = self.publisher.stats()
        return int((stats.get("queue_depth") or 0) + (stats.get("in_flight") or 0) + (stats.get("spool_datums") or 0))

    def wait(self, stop_event: threading.Event, abort: threading.Event | None = None) -> None:
        """Block until ``stop_event`` is set (by a signal handler), then stop (see :meth:`stop`)."""
        stop_event.wait()
        self.stop(abort)

    # --- health -------------------------------------------------------------

    def live(self) -> bool:
        """Liveness: the receiver and the flush loop run (while started)."""
        if not self._ready:
            return True  # starting or stopping: not a reason to be killed
        return self.server.running and self._flush_thread.is_alive()

    def health(self) -> dict[str, Any]:
        """The ``/healthz`` body: readiness and why, the Airflow seen, StatsD intake, delivery, jobs.

        ``ready`` means receiving (the StatsD receiver runs) and delivering (the
        publisher is not degraded, and what waits for delivery has had a
        successful PutMetricData within :data:`DELIVERY_STALE_INTERVALS` flush
        intervals). Times are ISO-8601 UTC strings.
        """
        now = self.clock.time()
        stats = self.publisher.stats()
        self.aggregator.stats()  # drain the window so the counts below are current
        lines = self.telemetry.get("lines_received")
        last_success = stats.get("last_success_time")
        waiting = self.pending_datums()
        stale_after = DELIVERY_STALE_INTERVALS * self.config.flush_interval_seconds \
            + self.config.publisher.request_timeout_seconds
        reasons: list[str] = []
        if not self._ready:
            reasons.append("not started" if not self._started_at else "stopping")
        elif not self.server.running:
            reasons.append("StatsD receiver not running")
        if stats.get("degraded"):
            reasons.append("CloudWatch unreachable or failing: delivery degraded, datums go to the spool")
        elif waiting and (last_success is None or now - last_success > stale_after):
            reasons.append(
                f"{waiting} datums waiting and no successful PutMetricData "
                + ("yet" if last_success is None else f"for {int(now - last_success)} s")
            )
        publisher = dict(stats)
        publisher["last_success_time"] = iso_utc(last_success)
        return {
            "ready": not reasons,
            "ready_reasons": reasons,
            "live": self.live(),
            "now": iso_utc(now),
            "environment": self.config.environment,
            "namespace": self.config.namespace,
            "statsd_port": self.server.port,  # kept for readers of the earlier shape (doctor, deploy tests)
            "started_at": iso_utc(self._started_at) if self._started_at else None,
            "uptime_s": round(now - self._started_at, 1) if self._started_at else 0.0,
            "airflow": {
                "major_version": self.mapper.major_version,
                "source": self.mapper.major_source,
                "tag_mode": self.aggregator.tag_mode,
            },
            "statsd": {
                "host": self.config.statsd.host,
                "port": self.server.port,
                "last_datagram_at": iso_utc(self.server.last_datagram_at),
                "lines_received": int(lines),
                "lines_per_second": round(self._lines_rate.add(now, lines), 3),
            },
            "publisher": publisher,
            "scheduler": self.scheduler.status() if self.scheduler else [],
        }
