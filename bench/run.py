"""The mwaa-ops benchmark: one command, mwaa-ops against Etsy statsd and collectd.

``make bench`` (or ``.venv/bin/python bench/run.py``) installs the peers, then for
each receiver and each rate: starts the receiver pinned to one core, runs the
load generator (``loadgen.py``) pinned to the other, waits for the last flush,
and compares what the receiver aggregated and published with what was sent.
See docs/benchmark.md for what is measured and how.

``--quick`` is the small fixed-size run CI uses: two low rates, 2 s each,
mwaa-ops only. ``--json`` prints the results as JSON on stdout.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peers import ensure_collectd, ensure_etsy_statsd  # noqa: E402
from procstat import (  # noqa: E402
    CpuSampler,
    peak_rss_bytes,
    read_sysctl,
    udp_counters,
    write_sysctl,
)
from receivers import RECEIVERS, MwaaOps, Receiver, Totals, free_port  # noqa: E402

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"

DEFAULT_RATES = (50_000, 100_000, 200_000, 250_000, 300_000, 400_000, 600_000)
QUICK_RATES = (5_000, 20_000)
LOSSLESS_PERCENT = 0.1  # issue 3: "lossless (loss < 0.1%)"
PUBLISH_DEADLINE_EXTRA_SECONDS = 5.0  # issue 3: "no later than the flush interval plus 5 seconds"
DEFAULT_RCVBUF = 32 * 1024 * 1024  # mwaa-ops' default statsd.receive_buffer_bytes
NOISY_PERCENT = 15.0  # other processes' CPU during a run above which it is flagged as noisy
LOADGEN_CPU = 0
RECEIVER_CPU = 1
MEMORY_SERIES = 100_000  # issue 3: "peak RSS <= 100 MB with 100,000 distinct series"
MEMORY_LIMIT_MB = 100


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- set-up


class Sink:
    """The counting CloudWatch endpoint (``sink.py``) as a subprocess."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(BENCH / "sink.py"), "--port", "0"],
            stdout=subprocess.PIPE, text=True,
        )
        assert self.proc.stdout is not None
        self.url = f"http://127.0.0.1:{json.loads(self.proc.stdout.readline())['port']}"

    def reset(self) -> None:
        import urllib.request

        urllib.request.urlopen(urllib.request.Request(self.url + "/reset", data=b""), timeout=5).read()

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def _pinning() -> dict[str, Any]:
    import os

    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return {"loadgen_cpu": None, "receiver_cpu": None, "note": f"only {len(cpus)} CPU: not pinned"}
    return {"loadgen_cpu": cpus[0], "receiver_cpu": cpus[1], "note": ""}


class SocketBuffers:
    """Raise net.core.rmem_max and rmem_default to the same value for every receiver; restore after.

    rmem_max caps what a receiver may request (mwaa-ops asks for its
    ``receive_buffer_bytes``); rmem_default is what a receiver gets when it asks
    for nothing (Etsy statsd and collectd do not set SO_RCVBUF).
    """

    KEYS = ("net.core.rmem_max", "net.core.rmem_default")

    def __init__(self, size: int) -> None:
        self.size = size
        self.before = {key: read_sysctl(key) for key in self.KEYS}
        self.problems: dict[str, str] = {}

    def __enter__(self) -> SocketBuffers:
        for key in self.KEYS:
            problem = write_sysctl(key, self.size)
            if problem:
                self.problems[key] = problem
                _say(f"note: could not set {key}={self.size} ({problem}); left at {read_sysctl(key)}")
        return self

    def __exit__(self, *exc: object) -> None:
        for key, value in self.before.items():
            if value is not None and key not in self.problems:
                write_sysctl(key, value)

    def describe(self) -> dict[str, Any]:
        return {
            "requested": self.size,
            "effective": {key: read_sysctl(key) for key in self.KEYS},
            "before": self.before,
            "not_permitted": self.problems,
        }


# --------------------------------------------------------------------------- one run


def _loadgen(port: int, rate: float, duration: float, cpu: int | None, distinct: int = 0) -> dict[str, Any]:
    cmd = [sys.executable, str(BENCH / "loadgen.py"), "--port", str(port), "--rate", str(rate),
           "--duration", str(duration)]
    if cpu is not None:
        cmd += ["--cpu", str(cpu)]
    if distinct:
        cmd += ["--distinct", str(distinct)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 120)
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed: {done.stderr.strip()[-500:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _expected_total(expected: dict[str, dict[str, int]]) -> int:
    return sum(expected["counters"].values()) + sum(expected["timers"].values())


def _settle(receiver: Receiver, expected_total: int, flush_seconds: int) -> tuple[Totals, float]:
    """Wait for the receiver's last flush: until totals match, or stop changing for a flush + 2 s."""
    started = time.monotonic()
    quiet_for = flush_seconds + 2.0
    give_up = started + 3 * flush_seconds + 20.0
    totals = receiver.totals()
    last_total, last_change = totals.total(), started
    while time.monotonic() < give_up:
        if totals.total() >= expected_total:
            break
        if time.monotonic() - last_change >= quiet_for and time.monotonic() - started >= flush_seconds + 1:
            break
        time.sleep(0.25)
        totals = receiver.totals()
        if totals.total() != last_total:
            last_total, last_change = totals.total(), time.monotonic()
    return totals, time.monotonic() - started


def _loss(expected: float, got: float) -> float:
    return 100.0 * (expected - got) / expected if expected else 0.0


def run_one(
    kind: str, rate: float, duration: float, flush_seconds: int, rcvbuf: int, pins: dict[str, Any],
    sink: Sink | None, distinct: int = 0, max_series: int = 100_000,
) -> dict[str, Any]:
    """Start one receiver, send one rate at it, and measure."""
    result: dict[str, Any] = {"receiver": kind, "target_rate": rate, "duration_seconds": duration}
    with tempfile.TemporaryDirectory(prefix=f"bench-{kind}-") as tmp:
        port = free_port()
        args: dict[str, Any] = {}
        if kind == MwaaOps.name:
            assert sink is not None
            sink.reset()
            args = {"sink_url": sink.url, "max_series": max_series}
        receiver = RECEIVERS[kind](Path(tmp), port, flush_seconds, rcvbuf, pins["receiver_cpu"], **args)
        try:
            receiver.start()
        except (RuntimeError, OSError) as exc:
            receiver.stop()
            result["error"] = str(exc)
            return result
        try:
            kernel_before = udp_counters()
            with CpuSampler(receiver.pid) as sampler:
                sent = _loadgen(port, rate, duration, pins["loadgen_cpu"], distinct)
                time.sleep(0.2)  # a last sample after the send window
            kernel_after = udp_counters()
            expected_total = _expected_total(sent["expected"])
            totals, settle = _settle(receiver, expected_total, flush_seconds)
            rss = peak_rss_bytes(receiver.pid)
            cpu = sampler.core_share(sent["start_monotonic"], sent["end_monotonic"])
            machine = sampler.machine_share(sent["start_monotonic"], sent["end_monotonic"])
        finally:
            exit_code = receiver.stop()
        if kind == MwaaOps.name:
            totals_after = receiver.totals()  # SIGTERM flushes the current interval
            if totals_after.total() > totals.total():
                totals = totals_after
        got_total = totals.total()
        result.update(
            achieved_rate=sent["achieved_rate"],
            sent=sent["sent"],
            send_errors=sent["send_errors"],
            loadgen_behind_ticks=sent["behind_ticks"],
            expected=sent["expected"],
            expected_total=expected_total,
            got={"counters": totals.counters, "timers": totals.timers},
            got_total=got_total,
            loss_percent=_loss(expected_total, got_total),
            counter_loss_percent=_loss(
                sum(sent["expected"]["counters"].values()), sum(totals.counters.values())
            ),
            timer_loss_percent=_loss(sum(sent["expected"]["timers"].values()), sum(totals.timers.values())),
            received=totals.received,
            received_percent=(100.0 * totals.received / sent["sent"]) if totals.received is not None
            and sent["sent"] else None,
            cpu_percent=100.0 * cpu,
            loadgen_cpu_percent=100.0 * sent["cpu_seconds"] / sent["duration_seconds"],
            # Busy CPU of everything else on the machine during the send window: > NOISY_PERCENT
            # means other work competed for the two cores and the figures of this run are suspect.
            other_cpu_percent=max(
                0.0, 100.0 * (machine - cpu - sent["cpu_seconds"] / sent["duration_seconds"])
            ),
            peak_rss_mb=rss / 1e6,
            kernel_udp={
                key: kernel_after.get(key, 0) - kernel_before.get(key, 0)
                for key in ("InDatagrams", "RcvbufErrors", "InErrors")
            },
            settle_seconds=settle,
            exit_code=exit_code,
            receiver_extra=_slim_extra(kind, totals.extra),
        )
        if kind == MwaaOps.name:
            result["publish"] = _publish_figures(totals.extra.get("sink", {}), flush_seconds)
    return result


def _slim_extra(kind: str, extra: dict[str, Any]) -> dict[str, Any]:
    if kind != MwaaOps.name:
        return extra
    own = extra.get("self", {})
    return {k: v for k, v in own.items() if not k.endswith(("_bucket", "_created"))}


def _publish_figures(sink: dict[str, Any], flush_seconds: int) -> dict[str, Any]:
    requests = int(sink.get("requests_by_operation", {}).get("PutMetricData", 0))
    minimum = int(sink.get("min_requests", 0))
    lag = sink.get("lag_seconds", {})
    deadline = flush_seconds + PUBLISH_DEADLINE_EXTRA_SECONDS
    return {
        "put_metric_data_calls": requests,
        "min_calls": minimum,
        "calls_over_min_percent": 100.0 * (requests - minimum) / minimum if minimum else None,
        "datums": sink.get("datums", 0),
        "max_datums_per_request": sink.get("max_datums_per_request", 0),
        "max_request_bytes": sink.get("max_request_bytes", 0),
        "requests_over_limits": sink.get("requests_over_limits", 0),
        "lag_seconds": lag,
        "deadline_seconds": deadline,
        "within_deadline": lag.get("max") is not None and lag["max"] <= deadline,
        "series": {
            metric: entry.get("series", 0)
            for metric, entry in sink.get("metrics", {}).get(MwaaOps.NAMESPACE, {}).items()
        },
    }


# --------------------------------------------------------------------------- summary


def summarise(runs: list[dict[str, Any]], rates: list[float]) -> dict[str, Any]:
    """Highest lossless rate per receiver and ours / best peer."""
    summary: dict[str, Any] = {}
    for kind in dict.fromkeys(r["receiver"] for r in runs):
        mine = [r for r in runs if r["receiver"] == kind and "error" not in r]
        lossless = [r for r in mine if abs(r["loss_percent"]) < LOSSLESS_PERCENT]
        best = max(lossless, key=lambda r: r["achieved_rate"], default=None)
        summary[kind] = {
            "highest_lossless_rate": best["achieved_rate"] if best else 0.0,
            "at_target_rate": best["target_rate"] if best else None,
            "cpu_percent_there": best["cpu_percent"] if best else None,
            "lossless_at_every_rate": bool(mine) and len(lossless) == len(mine),
            "errors": [r["error"] for r in runs if r["receiver"] == kind and "error" in r],
        }
    peers = [v["highest_lossless_rate"] for k, v in summary.items() if k != MwaaOps.name]
    if MwaaOps.name in summary and peers and max(peers) > 0:
        summary["ratio_ours_to_best_peer"] = summary[MwaaOps.name]["highest_lossless_rate"] / max(peers)
    return summary


def _fmt_rate(value: float | None) -> str:
    return "-" if value is None else f"{value / 1000:,.0f}k"


def print_table(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=sys.stderr if report["options"]["json"] else sys.stdout, width=170)
    table = Table(title="StatsD receivers, one metric per datagram (rates in metrics/s)")
    for column in ("receiver", "target", "sent/s", "received", "published", "loss %", "CPU % core",
                   "peak RSS MB", "kernel drops", "PutMetricData calls (min)", "max lag s",
                   "other CPU %"):
        table.add_column(column, justify="left" if column == "receiver" else "right")
    for run in report["runs"]:
        if "error" in run:
            table.add_row(run["receiver"], _fmt_rate(run["target_rate"]), "error", run["error"][-70:])
            continue
        publish = run.get("publish")
        lag = publish["lag_seconds"].get("max") if publish else None
        table.add_row(
            run["receiver"], _fmt_rate(run["target_rate"]), _fmt_rate(run["achieved_rate"]),
            "-" if run["received"] is None else f"{run['received']:,}",
            f"{run['got_total']:,.0f} / {run['expected_total']:,}",
            f"{run['loss_percent']:.3f}", f"{run['cpu_percent']:.0f}", f"{run['peak_rss_mb']:.1f}",
            f"{run['kernel_udp']['RcvbufErrors']:,}",
            f"{publish['put_metric_data_calls']} ({publish['min_calls']})" if publish else "-",
            "-" if lag is None else f"{lag:.1f}",
            f"{run['other_cpu_percent']:.0f}" + (" noisy" if run["other_cpu_percent"] > NOISY_PERCENT else ""),
        )
    console.print(table)
    for kind, entry in report["summary"].items():
        if isinstance(entry, dict):
            console.print(
                f"{kind}: highest lossless rate {_fmt_rate(entry['highest_lossless_rate'])}/s"
                + (f" at {entry['cpu_percent_there']:.0f}% of a core" if entry["cpu_percent_there"] else "")
            )
    if "ratio_ours_to_best_peer" in report["summary"]:
        console.print(f"mwaa-ops / best peer: {report['summary']['ratio_ours_to_best_peer']:.2f}")
    idle = report.get("idle")
    if idle:
        if "error" in idle:
            console.print(f"idle: error {idle['error']}")
        else:
            console.print(
                f"idle (every job configured): agent {idle['agent_idle_rss_mb']:.1f} MB "
                f"(target {idle['target_idle_mb']:g}), while the report builds {idle['agent_rss_during_report_mb'] or 0:.1f} MB, "
                f"report child peak {idle['report_child_peak_rss_mb']:.1f} MB, endpoint (own process) "
                f"{idle['endpoint_rss_mb']:.1f} MB"
            )
    for memory in report.get("memory", []):
        if "error" in memory:
            console.print(f"memory {memory['distinct_names']:,} series: error {memory['error']}")
            continue
        console.print(
            f"memory: {memory['distinct_names']:,} distinct series, cap {memory['max_series']:,}: "
            f"peak RSS {memory['peak_rss_mb']:.1f} MB, series published {memory['series_published']:,}, "
            f"over cap {memory['series_over_cap']:,.0f}"
        )


# --------------------------------------------------------------------------- main


def _memory_runs(args: argparse.Namespace, pins: dict[str, Any], sink: Sink) -> list[dict[str, Any]]:
    out = []
    for names, cap in ((MEMORY_SERIES, MEMORY_SERIES), (3 * MEMORY_SERIES, MEMORY_SERIES)):
        _say(f"memory: {names:,} distinct series, cap {cap:,}")
        duration = max(2.0, 1.2 * names / args.memory_rate)
        run = run_one(MwaaOps.name, args.memory_rate, duration, args.flush_interval, args.rcvbuf, pins,
                      sink, distinct=names, max_series=cap)
        entry: dict[str, Any] = {"distinct_names": names, "max_series": cap, "rate": args.memory_rate}
        if "error" in run:
            entry["error"] = run["error"]
        else:
            extra = run["receiver_extra"]
            entry.update(
                peak_rss_mb=run["peak_rss_mb"],
                within_limit=run["peak_rss_mb"] <= MEMORY_LIMIT_MB,
                sent=run["sent"],
                series_published=run["publish"]["series"].get("TaskInstanceFinished", 0),
                series_over_cap=extra.get("mwaa_ops_series_over_cap", 0.0),
                loss_percent=run["loss_percent"],
            )
        out.append(entry)
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="mwaa-ops vs Etsy statsd vs collectd")
    parser.add_argument("--rates", default=None, help="comma-separated metrics/s (default 50k,100k,200k,250k,300k,400k,600k)")
    parser.add_argument("--duration", type=float, default=None, help="seconds per rate (default 10)")
    parser.add_argument("--flush-interval", type=int, default=None, help="seconds (default 5)")
    parser.add_argument("--receivers", default=None, help="comma-separated: mwaa-ops,etsy-statsd,collectd")
    parser.add_argument("--quick", action="store_true", help="CI size: 2 low rates, 2 s, mwaa-ops only")
    parser.add_argument("--with-peers", action="store_true", help="with --quick: run the peers too")
    parser.add_argument("--no-memory", action="store_true", help="skip the 100,000-series memory runs")
    parser.add_argument("--memory-rate", type=float, default=100_000)
    parser.add_argument("--no-idle", action="store_true",
                        help="skip the idle-RSS run with every scheduled job (bench/idle_rss.py, ~2 min)")
    parser.add_argument("--rcvbuf", type=int, default=DEFAULT_RCVBUF, help="socket receive buffer bytes")
    parser.add_argument("--no-install", action="store_true", help="do not install missing peers")
    parser.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    parser.add_argument("--output", type=Path, default=None, help="JSON file (default bench/results/)")
    args = parser.parse_args(argv)
    if args.quick:
        args.rates = args.rates or ",".join(str(r) for r in QUICK_RATES)
        args.duration = args.duration or 2.0
        args.flush_interval = args.flush_interval or 2
        args.no_memory = True
        args.no_idle = True
        if args.receivers is None:
            args.receivers = ",".join(RECEIVERS) if args.with_peers else MwaaOps.name
    args.rates = [float(r) for r in (args.rates or ",".join(map(str, DEFAULT_RATES))).split(",") if r]
    args.duration = args.duration or 10.0
    args.flush_interval = args.flush_interval or 5
    args.receivers = [r for r in (args.receivers or ",".join(RECEIVERS)).split(",") if r]
    unknown = [r for r in args.receivers if r not in RECEIVERS]
    if unknown:
        parser.error(f"unknown receivers {unknown}; choose from {list(RECEIVERS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    pins = _pinning()
    receivers = list(args.receivers)
    skipped: dict[str, str] = {}
    installers = {"etsy-statsd": ensure_etsy_statsd, "collectd": ensure_collectd}
    for kind in [k for k in receivers if k in installers]:
        if args.no_install:
            continue
        status = installers[kind]()
        _say(f"{kind}: {status.detail}")
        if not status.available:
            skipped[kind] = status.detail
            receivers.remove(kind)
    report: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "options": {
            "rates": args.rates, "duration_seconds": args.duration, "flush_interval_seconds": args.flush_interval,
            "receivers": receivers, "quick": args.quick, "json": args.json,
        },
        "pinning": pins,
        "skipped": skipped,
        "machine": {"cpus": _cpu_count(), "loadavg_before": _loadavg()},
        "runs": [],
    }
    sink = Sink() if MwaaOps.name in receivers else None
    try:
        with SocketBuffers(args.rcvbuf) as buffers:
            report["socket_buffers"] = buffers.describe()
            for kind in receivers:
                for rate in args.rates:
                    _say(f"{kind}: {rate:,.0f} metrics/s for {args.duration:g}s")
                    run = run_one(kind, rate, args.duration, args.flush_interval, args.rcvbuf, pins, sink)
                    if "error" in run:
                        _say(f"  error: {run['error']}")
                    else:
                        _say(f"  sent {run['achieved_rate']:,.0f}/s, loss {run['loss_percent']:.3f}%, "
                             f"CPU {run['cpu_percent']:.0f}%, peak RSS {run['peak_rss_mb']:.1f} MB")
                    report["runs"].append(run)
            if sink is not None and not args.no_memory:
                report["memory"] = _memory_runs(args, pins, sink)
    finally:
        if sink is not None:
            sink.close()
    if not args.no_idle and MwaaOps.name in receivers:
        _say("idle: the agent with every scheduled job, 60 s flush (bench/idle_rss.py)")
        import idle_rss

        try:
            report["idle"] = idle_rss.measure(idle_rss.parse_args([]))
        except (SystemExit, OSError) as exc:
            report["idle"] = {"error": str(exc)[:500]}
    report["machine"]["loadavg_after"] = _loadavg()
    report["summary"] = summarise(report["runs"], args.rates)
    output = args.output or RESULTS / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2, default=str))
    report["output"] = str(output)
    print_table(report)
    if args.json:
        json.dump(report, sys.stdout, default=str)
        sys.stdout.write("\n")
    _say(f"results: {output}")
    return 0


def _cpu_count() -> int:
    import os

    return len(os.sched_getaffinity(0))


def _loadavg() -> list[float]:
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return []


if __name__ == "__main__":
    raise SystemExit(main())
