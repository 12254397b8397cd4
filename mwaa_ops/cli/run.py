"""Running the agent in the foreground until a signal, for ``up`` and ``agent``."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import click

from mwaa_ops.cli.common import build_config
from mwaa_ops.cli.output import console, print_event
from mwaa_ops.config import Config
from mwaa_ops.logs import setup_logging

F = TypeVar("F", bound=Callable[..., Any])


def agent_options(func: F) -> F:
    """Flags shared by ``up`` and ``agent``; each overrides one config key."""
    options = [
        click.option("--statsd-port", type=int, default=None, help="UDP port for StatsD (statsd.port)."),
        click.option("--statsd-host", default=None, help="Address to listen on (statsd.host)."),
        click.option(
            "--flush-interval",
            type=int,
            default=None,
            metavar="SECONDS",
            help="Aggregation interval; 1-59 publishes high-resolution (flush_interval_seconds).",
        ),
        click.option("--health-port", type=int, default=None, help="Port of /healthz and /metrics (health.port)."),
        click.option("--state-dir", default=None, help="Where the spool and schedules live (state_dir)."),
        click.option("--namespace", default=None, help="CloudWatch namespace (namespace)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def config_from_flags(
    config_file: str | None, environment: str | None, **flags: Any
) -> Config:
    return build_config(
        config_file,
        environment=environment,
        namespace=flags.get("namespace"),
        flush_interval_seconds=flags.get("flush_interval"),
        state_dir=flags.get("state_dir"),
        **{
            "statsd.port": flags.get("statsd_port"),
            "statsd.host": flags.get("statsd_host"),
            "health.port": flags.get("health_port"),
            "aws.endpoint_url": flags.get("endpoint_url"),
        },
    )


class StopSignals:
    """What SIGINT/SIGTERM did: ``stop`` after the first, ``abort`` after the second.

    The first signal starts a clean stop (deliver within the shutdown deadline);
    the second stops waiting for CloudWatch and spools what is left to disk. No
    signal ever drops buffered datums: there is no third level.
    """

    def __init__(self, say: Callable[[str], None], describe: Callable[[], str] | None = None) -> None:
        self.stop = threading.Event()
        self.abort = threading.Event()
        self._say = say
        self.describe = describe or (lambda: "")

    def handle(self, signum: int, frame: object = None) -> None:
        name = signal.Signals(signum).name
        if not self.stop.is_set():
            self.stop.set()
            self._say(f"{name}: stopping. {self.describe()}".rstrip())
        elif not self.abort.is_set():
            self.abort.set()
            self._say(f"{name} again: not waiting for CloudWatch any longer; spooling what is left to disk "
                      "(sent at the next start), then exiting.")
        else:
            self._say(f"{name}: already spooling; exiting as soon as the spool is written.")


def install_stop_signals(
    say: Callable[[str], None] | None = None, describe: Callable[[], str] | None = None
) -> StopSignals:
    """SIGINT and SIGTERM: the first stops cleanly, the second spools and exits (see :class:`StopSignals`)."""
    signals = StopSignals(say or (lambda text: console(stderr=True).print(text, markup=False)), describe)
    signal.signal(signal.SIGINT, signals.handle)
    signal.signal(signal.SIGTERM, signals.handle)
    return signals


def stopping_message(agent: Any) -> str:
    """What the first signal starts: how much is delivered, for how long, and what a second signal does."""
    config: Config = agent.config
    pending = agent.pending_datums()
    deadline = config.publisher.shutdown_deadline_seconds
    return (f"Flushing the current interval and delivering {pending} buffered datums (plus that interval) to "
            f"CloudWatch for up to {deadline:g} s; what is not delivered by then is spooled to "
            f"{config.spool_dir} and sent at the next start. Press Ctrl-C again to stop waiting and spool "
            "everything now.")


def run_agent(
    config: Config,
    *,
    as_json: bool,
    banner: Callable[[Any], dict[str, Any]] | None = None,
    on_stop: Callable[[], None] | None = None,
) -> None:
    """Start the agent, print how to use it, wait for a signal, stop cleanly."""
    from mwaa_ops.agent.runner import Agent

    setup_logging(config.log_level, config.log_format)
    agent = Agent(config)
    if as_json:
        signals = install_stop_signals(
            lambda text: print_event({"event": "signal", "message": text}), lambda: stopping_message(agent)
        )
    else:
        signals = install_stop_signals(describe=lambda: stopping_message(agent))
    agent.start()
    info = banner(agent) if banner else default_info(agent)
    if as_json:
        print_event({"event": "started", **info})
    else:
        print_banner(info)
    try:
        agent.wait(signals.stop, signals.abort)
    finally:
        if on_stop:
            on_stop()
    stats = agent.publisher.stats()
    if as_json:
        print_event({"event": "stopped", "publisher": stats})
    else:
        spooled = stats.get("spool_datums") or 0
        left = f"{spooled} datums spooled in {config.spool_dir}, sent at next start" if spooled \
            else "everything delivered"
        console(stderr=True).print(f"stopped: {left}")


def default_info(agent: Any) -> dict[str, Any]:
    config: Config = agent.config
    health = agent.health_server
    return {
        "environment": config.environment,
        "namespace": config.namespace,
        "statsd": {"host": config.statsd.host, "port": agent.server.port},
        "flush_interval_seconds": config.flush_interval_seconds,
        "health_url": f"http://{config.health.host}:{health.port}/healthz" if health else None,
        "endpoint_url": config.aws.endpoint_url or None,
        "state_dir": str(config.state_dir),
    }


def print_banner(info: dict[str, Any]) -> None:
    out = console()
    out.soft_wrap = True  # commands to copy must not be wrapped
    statsd = info["statsd"]
    out.print(f"[bold]mwaa-ops agent running[/] for environment [bold]{info['environment']}[/]")
    if info.get("endpoint_url"):
        out.print(f"  AWS endpoint     {info['endpoint_url']}")
    if info.get("mwaa"):
        out.print(f"  MWAA environment {info['mwaa']}")
    out.print(
        f"  StatsD           udp://{statsd['host']}:{statsd['port']}"
        f"  (flush every {info['flush_interval_seconds']} s → namespace {info['namespace']})"
    )
    if info.get("health_url"):
        out.print(f"  Health           {info['health_url']}  (Prometheus: /metrics)")
    out.print("Point Airflow at it:")
    out.print(
        f"  export AIRFLOW__METRICS__STATSD_ON=True AIRFLOW__METRICS__STATSD_HOST={statsd['host']}"
        f" AIRFLOW__METRICS__STATSD_PORT={statsd['port']}"
    )
    out.print("See what arrived:")
    endpoint = f" --endpoint-url {info['endpoint_url']}" if info.get("endpoint_url") else ""
    out.print(f"  mwaa-ops metrics --environment {info['environment']}{endpoint}")
    out.print("Ctrl-C stops it and delivers what was aggregated; a second Ctrl-C spools the rest to disk.")
