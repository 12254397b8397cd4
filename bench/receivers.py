"""The receivers under benchmark: mwaa-ops, Etsy statsd and collectd's statsd plugin.

Each is started as a subprocess pinned to one core with the same flush
interval, and reads back the same thing: counter totals and timer sample
counts per metric family (see ``workload.py``), plus how many metrics the
receiver itself says it received when it counts that.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from peers import COLLECTD, STATSD_JS
from procstat import udp_port_bound
from workload import COUNTER_FAMILIES, TIMER_FAMILIES, family_of

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
BACKEND_JS = BENCH / "peers" / "totals_backend.js"
READY_TIMEOUT_SECONDS = 60.0


@dataclass
class Totals:
    """What a receiver reports after a run."""

    counters: dict[str, float] = field(default_factory=lambda: dict.fromkeys(COUNTER_FAMILIES, 0.0))
    timers: dict[str, float] = field(default_factory=lambda: dict.fromkeys(TIMER_FAMILIES, 0.0))
    received: int | None = None  # metrics (lines) the receiver counted, when it counts them
    extra: dict[str, Any] = field(default_factory=dict)

    def total(self) -> float:
        return sum(self.counters.values()) + sum(self.timers.values())


def _pin(cpu: int | None) -> Any:
    if cpu is None:
        return None
    return lambda: os.sched_setaffinity(0, {cpu})


def _http_json(url: str, data: bytes | None = None, timeout: float = 5.0) -> Any:
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=timeout) as resp:
        return json.loads(resp.read() or b"{}")


def _http_text(url: str, timeout: float = 5.0) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return str(resp.read().decode())


def free_port(kind: int = 2) -> int:
    """A free local port (``kind`` 2 = UDP, 1 = TCP)."""
    import socket

    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Receiver:
    """Base: a subprocess pinned to a core that listens on a UDP port."""

    name = "receiver"

    def __init__(self, workdir: Path, port: int, flush_seconds: int, rcvbuf: int, cpu: int | None) -> None:
        self.workdir = workdir
        self.port = port
        self.flush_seconds = flush_seconds
        self.rcvbuf = rcvbuf
        self.cpu = cpu
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = workdir / f"{self.name}.log"

    def command(self) -> list[str]:
        raise NotImplementedError

    def env(self) -> dict[str, str]:
        return dict(os.environ)

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, env=self.env(),
                preexec_fn=_pin(self.cpu), cwd=self.workdir,
            )
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}: {self.log_tail()}")
            if self.ready():
                return
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} not ready after {READY_TIMEOUT_SECONDS:.0f}s: {self.log_tail()}")

    def ready(self) -> bool:
        return udp_port_bound(self.port)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def totals(self) -> Totals:
        raise NotImplementedError

    def stop(self, timeout: float = 60.0) -> int | None:
        """SIGTERM, then SIGKILL after ``timeout``; returns the exit code."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def log_tail(self, lines: int = 8) -> str:
        try:
            return " | ".join(self.log.read_text(errors="replace").strip().splitlines()[-lines:])
        except OSError:
            return ""


class MwaaOps(Receiver):
    """``mwaa-ops agent`` publishing to the counting sink."""

    name = "mwaa-ops"
    NAMESPACE = "AmazonMWAA"

    def __init__(self, *args: Any, sink_url: str, max_series: int = 100_000, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sink_url = sink_url
        self.max_series = max_series
        self.health_port = free_port(1)

    def command(self) -> list[str]:
        config = self.workdir / "mwaa-ops.toml"
        config.write_text(
            f'environment = "bench"\n'
            f"flush_interval_seconds = {self.flush_seconds}\n"
            f'state_dir = "{self.workdir / "state"}"\n'
            f"[statsd]\n"
            f'host = "127.0.0.1"\nport = {self.port}\n'
            f"receive_buffer_bytes = {self.rcvbuf}\nmax_series = {self.max_series}\n"
            f"[aws]\n"
            f'endpoint_url = "{self.sink_url}"\nregion = "us-east-1"\n'
            f"[health]\n"
            f'host = "127.0.0.1"\nport = {self.health_port}\n'
            f"[scheduler]\nenabled = false\n"
        )
        return [str(REPO / ".venv" / "bin" / "mwaa-ops"), "agent", "--config", str(config)]

    def env(self) -> dict[str, str]:
        env = super().env()
        for key in [k for k in env if k.startswith(("AWS_", "MWAA_OPS_"))]:
            del env[key]
        env.update(
            AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
            AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true",
        )
        return env

    def ready(self) -> bool:
        if not udp_port_bound(self.port):
            return False
        try:
            _http_text(f"http://127.0.0.1:{self.health_port}/healthz", timeout=1.0)
        except OSError:
            return False
        return True

    def self_metrics(self) -> dict[str, float]:
        """The agent's /metrics, summed over labels: ``{"mwaa_ops_lines_received": 123, ...}``."""
        try:
            text = _http_text(f"http://127.0.0.1:{self.health_port}/metrics")
        except OSError:
            return {}
        values: dict[str, float] = {}
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            name_part, _, value = line.rpartition(" ")
            name = name_part.split("{", 1)[0]
            try:
                values[name] = values.get(name, 0.0) + float(value)
            except ValueError:
                continue
        return values

    def totals(self) -> Totals:
        stats = _http_json(self.sink_url + "/stats")
        totals = Totals()
        metrics = stats.get("metrics", {}).get(self.NAMESPACE, {})
        for family, metric in COUNTER_FAMILIES.items():
            totals.counters[family] = float(metrics.get(metric, {}).get("value_sum", 0.0))
        for family, metric in TIMER_FAMILIES.items():
            totals.timers[family] = float(metrics.get(metric, {}).get("count_sum", 0.0))
        own = self.self_metrics()
        if own:
            self._last_own = own
        own = own or getattr(self, "_last_own", {})
        if "mwaa_ops_lines_received" in own:
            totals.received = int(own["mwaa_ops_lines_received"])
        totals.extra = {"sink": stats, "self": own}
        return totals


class EtsyStatsd(Receiver):
    """Etsy statsd 0.9.0 on node, with a backend that keeps running totals in a JSON file."""

    name = "etsy-statsd"

    @property
    def totals_file(self) -> Path:
        return self.workdir / "totals.json"

    def command(self) -> list[str]:
        config = self.workdir / "config.js"
        settings = {
            "port": self.port,
            "address": "127.0.0.1",
            "flushInterval": self.flush_seconds * 1000,
            "backends": [str(BACKEND_JS)],
            "totalsFile": str(self.totals_file),
        }
        config.write_text("(" + json.dumps(settings, indent=2) + ")\n")
        return ["node", str(STATSD_JS), str(config)]

    def totals(self) -> Totals:
        totals = Totals()
        try:
            data = json.loads(self.totals_file.read_text())
        except (OSError, ValueError):
            return totals
        for name, value in data.get("counters", {}).items():
            family = family_of(name)
            if family in totals.counters:
                totals.counters[family] += float(value)
        for name, value in data.get("timer_counts", {}).items():
            family = family_of(name)
            if family in totals.timers:
                totals.timers[family] += float(value)
        received = data.get("counters", {}).get("statsd.metrics_received")
        totals.received = int(received) if received is not None else None
        totals.extra = {
            "packets_received": data.get("counters", {}).get("statsd.packets_received"),
            "bad_lines_seen": data.get("counters", {}).get("statsd.bad_lines_seen"),
            "flushes": data.get("flushes"),
        }
        return totals


class Collectd(Receiver):
    """collectd 5.12 with the statsd plugin and the csv writer.

    Counters are kept (``DeleteCounters false``) and written as collectd
    ``derive`` values, which are running totals: the last row of each file is
    the total. Timer sample counts (``TimerCount true``) are per interval and
    are summed over the rows.
    """

    name = "collectd"

    @property
    def csv_dir(self) -> Path:
        return self.workdir / "csv"

    def command(self) -> list[str]:
        config = self.workdir / "collectd.conf"
        config.write_text(
            f'Hostname "bench"\nFQDNLookup false\nInterval {self.flush_seconds}\n'
            f'BaseDir "{self.workdir}"\nPIDFile "{self.workdir / "collectd.pid"}"\n'
            f'PluginDir "/usr/lib/collectd"\nTypesDB "/usr/share/collectd/types.db"\n'
            f"WriteQueueLimitHigh 10000000\n"
            f"LoadPlugin statsd\nLoadPlugin csv\n"
            f"<Plugin statsd>\n"
            f'  Host "127.0.0.1"\n  Port "{self.port}"\n'
            f"  DeleteCounters false\n  DeleteTimers false\n  DeleteGauges false\n  DeleteSets false\n"
            f"  TimerCount true\n"
            f"</Plugin>\n"
            f'<Plugin csv>\n  DataDir "{self.csv_dir}"\n  StoreRates false\n</Plugin>\n'
        )
        return [str(COLLECTD), "-f", "-C", str(config)]

    def totals(self) -> Totals:
        totals = Totals()
        statsd_dir = self.csv_dir / "bench" / "statsd"
        if not statsd_dir.is_dir():
            return totals
        counter_last: dict[str, float] = {}
        for path in statsd_dir.iterdir():
            stem = path.name[:-11] if len(path.name) > 11 and path.name[-11] == "-" else path.name
            rows = [r.split(",") for r in path.read_text().splitlines()[1:] if r and r[0].isdigit()]
            if not rows:
                continue
            if stem.startswith("derive-"):
                name = stem[len("derive-"):]
                counter_last[name] = max(counter_last.get(name, 0.0), float(rows[-1][1]))
            elif stem.startswith("gauge-") and stem.endswith("-count"):
                family = family_of(stem[len("gauge-"):-len("-count")])
                if family in totals.timers:
                    totals.timers[family] += sum(float(r[1]) for r in rows if r[1] != "nan")
        for name, value in counter_last.items():
            family = family_of(name)
            if family in totals.counters:
                totals.counters[family] += value
        return totals


RECEIVERS: dict[str, type[Receiver]] = {
    MwaaOps.name: MwaaOps,
    EtsyStatsd.name: EtsyStatsd,
    Collectd.name: Collectd,
}
