"""Micro-benchmark of the StatsD hot path: aggregator ingest, then UDP end to end.

Run: ``.venv/bin/python bench/hotpath.py`` (``--help`` for options).

1. *ingest*: lines/s that :class:`Aggregator` takes in-process for an
   Airflow-shaped mix, one metric per datagram, in batches as the server
   hands them over (CPU time of this process, flushes included).
2. *udp*: a :class:`StatsdServer` + aggregator in this process (pinned to one
   core when there are two), a sender in another process (pinned to the other
   core) sending one metric per datagram at fixed rates; reports sent vs
   received and aggregated, loss %, and the receiver's CPU.

The mix: mostly counters (``ti.finish.<dag>.<task>.<state>``, their InfluxDB
tagged twins, ``scheduler_heartbeat``, ``ti_successes`` ...), gauges
(``executor.open_slots``, ``pool.open_slots.<pool>`` ...) and about 15%
timers with varying values (``dag_processing.last_duration.<file>``,
``dagrun.duration.success.<dag>``, ``dag.<dag>.<task>.duration``).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import resource
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mwaa_ops.statsd import COUNTER, Aggregator, StatsdServer  # noqa: E402


def airflow_mix(count: int, *, seed: int = 7, dags: int = 20, tasks: int = 10) -> list[bytes]:
    """``count`` datagrams of one Airflow-shaped metric each (deterministic)."""
    rng = random.Random(seed)
    states = ("success", "success", "success", "failed")
    out: list[bytes] = []
    for _ in range(count):
        dag = f"dag_{rng.randrange(dags)}"
        task = f"task_{rng.randrange(tasks)}"
        r = rng.random()
        if r < 0.30:
            line = f"airflow.ti.finish.{dag}.{task}.{rng.choice(states)}:1|c"
        elif r < 0.55:
            line = f"airflow.ti.finish,dag_id={dag},task_id={task},state={rng.choice(states)}:1|c"
        elif r < 0.62:
            line = "airflow.scheduler_heartbeat:1|c"
        elif r < 0.67:
            line = f"airflow.ti.start.{dag}.{task}:1|c"
        elif r < 0.72:
            line = rng.choice(("airflow.ti_successes:1|c", "airflow.ti_failures:1|c",
                               "airflow.operator_successes_BashOperator:1|c",
                               f"airflow.dagrun.dependency-check.{dag}:1|c"))
        elif r < 0.79:
            line = rng.choice((
                f"airflow.executor.open_slots:{rng.randrange(28, 33)}|g",
                f"airflow.executor.queued_tasks:{rng.randrange(0, 4)}|g",
                f"airflow.pool.open_slots.default_pool:{rng.randrange(120, 129)}|g",
                "airflow.dag_processing.import_errors:0|g",
            ))
        elif r < 0.85:
            line = f"airflow.ti.finish,dag_id={dag},task_id={task},state=success:1|c"
        elif r < 0.90:
            line = f"airflow.dag_processing.last_duration.{dag}_py:{rng.uniform(50, 3000):.3f}|ms"
        elif r < 0.95:
            line = f"airflow.dagrun.duration.success.{dag}:{rng.uniform(1000, 90000):.3f}|ms"
        else:
            line = f"airflow.dag.{dag}.{task}.duration:{rng.uniform(10, 60000):.3f}|ms"
        out.append(line.encode())
    return out


def bench_ingest(datagrams: list[bytes], *, batch: int, repeat: int, flush_every: int) -> None:
    agg = Aggregator()
    batches = [datagrams[i : i + batch] for i in range(0, len(datagrams), batch)]
    total = 0
    series = 0
    start_cpu = time.process_time()
    start = time.perf_counter()
    for r in range(repeat):
        for i, b in enumerate(batches):
            agg.ingest(b)
            if (i + 1) % flush_every == 0:
                series = max(series, len(agg.flush()))
        total += len(datagrams)
        if r == repeat - 1:
            series = max(series, len(agg.flush()))
    cpu = time.process_time() - start_cpu
    wall = time.perf_counter() - start
    stats = agg.stats()
    assert stats.lines_received == total, (stats, total)
    print(
        f"ingest: {total:,} lines in {cpu:.2f} s CPU ({wall:.2f} s wall), "
        f"{total / cpu:,.0f} lines/s on one core, batch={batch}, series/interval<={series}, "
        f"rejected={stats.rejected_total}"
    )


def _sender(port: int, datagrams: list[bytes], rate: int, seconds: float, core: int | None,
            result: mp.Queue) -> None:  # type: ignore[type-arg]
    if core is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {core})
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect(("127.0.0.1", port))
    send = sock.send
    n = len(datagrams)
    total = int(rate * seconds)
    tick = 0.001
    per_tick = max(1, int(rate * tick))
    sent = 0
    start = time.perf_counter()
    i = 0
    while sent < total:
        due = min(total, int((time.perf_counter() - start) * rate) + per_tick)
        while sent < due:
            send(datagrams[i])
            i += 1
            if i == n:
                i = 0
            sent += 1
    result.put((sent, time.perf_counter() - start))


def _sent_counter_total(datagrams: list[bytes], sent: int) -> int:
    """How many datagrams of the first ``sent`` (cycling) are counters."""
    n = len(datagrams)
    counters = [1 if d.endswith(b"|c") else 0 for d in datagrams]
    full, rest = divmod(sent, n)
    return full * sum(counters) + sum(counters[:rest])


def bench_udp(datagrams: list[bytes], rates: list[int], seconds: float) -> None:
    two_cores = (os.cpu_count() or 1) >= 2 and hasattr(os, "sched_setaffinity")
    if two_cores:
        os.sched_setaffinity(0, {0})
    print(f"udp: {seconds:g} s per rate, receiver {'on core 0, sender on core 1' if two_cores else 'unpinned'}")
    print(f"{'rate/s':>10} {'sent':>11} {'received':>11} {'loss %':>8} {'counted ok':>10} {'reader CPU %':>12} {'rcvbuf':>10}")
    ctx = mp.get_context("fork")
    for rate in rates:
        agg = Aggregator()
        server = StatsdServer("127.0.0.1", 0, agg, receive_buffer_bytes=32 * 1024 * 1024)
        server.start()
        result: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
        proc = ctx.Process(target=_sender, args=(server.port, datagrams, rate, seconds,
                                                 1 if two_cores else None, result))
        proc.start()
        sent, send_wall = result.get()
        proc.join()
        # Reader CPU over the sending period only (the drain below adds little).
        cpu = server.reader_cpu_seconds
        # Let the reader drain what is still queued in the socket buffer.
        last = -1
        while True:
            time.sleep(0.2)
            now = agg.stats().packets_received
            if now == last:
                break
            last = now
        server.stop()
        stats = agg.stats()
        series = agg.flush()
        counted = sum(s.value for s in series if s.kind == COUNTER)
        expected_counters = _sent_counter_total(datagrams, sent)
        loss = 100.0 * (sent - stats.lines_received) / sent if sent else 0.0
        achieved = sent / send_wall if send_wall else 0
        print(
            f"{rate:>10,} {sent:>11,} {stats.lines_received:>11,} {loss:>8.3f} "
            f"{'yes' if counted == expected_counters else 'NO':>10} {100 * cpu / send_wall:>12.0f} "
            f"{server.effective_receive_buffer:>10,}"
            + ("" if achieved >= 0.97 * rate else f"  (sender reached only {achieved:,.0f}/s)")
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS of the receiving process: {peak / 1024:.0f} MB")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=200_000, help="distinct datagrams generated")
    ap.add_argument("--repeat", type=int, default=5, help="passes over them for the ingest test")
    ap.add_argument("--batch", type=int, default=512, help="datagrams per ingest call")
    ap.add_argument("--rates", default="100000,200000,250000,300000",
                    help="comma-separated UDP rates (datagrams/s); empty to skip")
    ap.add_argument("--seconds", type=float, default=5.0, help="duration of each UDP run")
    args = ap.parse_args(argv)
    datagrams = airflow_mix(args.lines)
    timers = sum(1 for d in datagrams if d.endswith(b"|ms"))
    print(f"mix: {len(datagrams):,} datagrams, {len(set(datagrams)):,} distinct, "
          f"{100 * timers / len(datagrams):.0f}% timers; python {sys.version.split()[0]}")
    bench_ingest(datagrams, batch=args.batch, repeat=args.repeat, flush_every=500)
    if args.rates:
        bench_udp(datagrams, [int(r) for r in args.rates.split(",") if r], args.seconds)


if __name__ == "__main__":
    main()
