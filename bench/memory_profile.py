"""Memory profile of one flush with many distinct series, stage by stage.

Run: ``.venv/bin/python bench/memory_profile.py`` (``--help`` for options).

Walks the agent's flush path in-process, in the order the agent runs it, and
prints the resident set size (``VmRSS``) and its peak so far (``VmHWM``, what
the issue's "peak RSS" means) after each stage:

1. ``start`` / ``boto3`` / ``agent imports`` / ``client``: the fixed cost
   (interpreter, boto3, the agent's own imports — pydantic, APScheduler,
   SQLAlchemy — and one CloudWatch client);
2. ``ingested``: the aggregator holding ``--series`` distinct counter series
   (``ti.finish.<dag>.<task>.success``, the shape of ``bench/run.py``'s memory
   run), each sent ``--repeat`` times;
3. ``flushed`` / ``resolved`` / ``datums`` / ``packed``: the aggregates, the
   mapper's targets (``NameMapper.resolve_series``, as ``agent/flush.py``),
   the CloudWatch datums and the packed requests;
4. ``released``: after dropping all of it (and a second flush, as the next
   interval does).

With ``--tracemalloc`` it also prints Python's own allocation totals per stage
and, for the stage given by ``--top-stage``, the source lines that allocated
the most since the previous stage. tracemalloc costs memory itself: read RSS
figures from a run without it.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PREFIX = "airflow"


def status_kb() -> tuple[int, int]:
    """(VmRSS, VmHWM) of this process in kB (Linux)."""
    rss = hwm = 0
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    return rss, hwm


class Stages:
    """Prints one line per stage: RSS, peak RSS, RSS delta, and tracemalloc totals when on."""

    def __init__(self, trace: bool, top_stage: str, top: int) -> None:
        self._trace = trace
        self._top_stage = top_stage
        self._top = top
        self._last_rss = 0
        self._snapshot: Any = None
        print(f"{'stage':<16} {'RSS MB':>8} {'peak MB':>8} {'+RSS MB':>8}"
              + (f" {'py now MB':>10} {'py peak MB':>10}" if trace else ""))

    def mark(self, stage: str, note: str = "") -> None:
        rss, hwm = status_kb()
        line = f"{stage:<16} {rss / 1024:8.1f} {hwm / 1024:8.1f} {(rss - self._last_rss) / 1024:+8.1f}"
        self._last_rss = rss
        if self._trace:
            current, peak = tracemalloc.get_traced_memory()
            line += f" {current / 2**20:10.1f} {peak / 2**20:10.1f}"
            tracemalloc.reset_peak()
        print(line + (f"  {note}" if note else ""), flush=True)
        if self._trace:
            snapshot = tracemalloc.take_snapshot()
            if stage == self._top_stage and self._snapshot is not None:
                for stat in snapshot.compare_to(self._snapshot, "lineno")[: self._top]:
                    print(f"    {stat}")
            self._snapshot = snapshot


def series_lines(start: int, stop: int) -> list[bytes]:
    """Distinct counter lines ``start`` to ``stop``, shaped like ``bench/workload.py``'s distinct workload.

    Made batch by batch, as datagrams arrive, so the sender's copy is not counted.
    """
    return [
        f"{PREFIX}.ti.finish.mem_dag_{i // 100:05d}.task_{i % 100:02d}.success:1|c".encode()
        for i in range(start, stop)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="peak RSS of one flush with many distinct series")
    parser.add_argument("--series", type=int, default=100_000, help="distinct series sent (default 100,000)")
    parser.add_argument("--max-series", type=int, default=100_000, help="the aggregator's series cap")
    parser.add_argument("--repeat", type=int, default=1, help="times each series is sent")
    parser.add_argument("--batch", type=int, default=512, help="datagrams per ingest call")
    parser.add_argument("--tracemalloc", action="store_true", help="also print Python allocation totals")
    parser.add_argument("--top-stage", default="resolved", help="stage whose top allocating lines to print")
    parser.add_argument("--top", type=int, default=12, help="how many lines for --top-stage")
    parser.add_argument("--trim", action="store_true", help="malloc_trim(0) after the aggregator's flush")
    parser.add_argument("--no-agent-imports", action="store_true",
                        help="skip importing the agent runner (APScheduler, SQLAlchemy)")
    args = parser.parse_args(argv)

    if args.tracemalloc:
        tracemalloc.start()
    stages = Stages(args.tracemalloc, args.top_stage, args.top)
    stages.mark("start")
    import boto3  # noqa: F401

    stages.mark("boto3")
    from mwaa_ops.airflow import NameMapper
    from mwaa_ops.aws import make_client
    from mwaa_ops.cloudwatch import build_datums, pack
    from mwaa_ops.config import AwsConfig
    from mwaa_ops.statsd import Aggregator

    stages.mark("mwaa_ops imports")
    if not args.no_agent_imports:
        import mwaa_ops.agent.runner  # noqa: F401

        stages.mark("agent imports")
    client = make_client("cloudwatch", AwsConfig(endpoint_url="http://127.0.0.1:1"))
    stages.mark("client")

    aggregator = Aggregator(prefix=PREFIX, max_series=args.max_series)
    mapper = NameMapper("bench")
    for _ in range(args.repeat):
        for start in range(0, args.series, args.batch):
            aggregator.ingest(series_lines(start, min(args.series, start + args.batch)))
    gc.collect()
    stages.mark("ingested", f"{aggregator.series_count:,} series")

    series = aggregator.flush()
    if args.trim:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    stages.mark("flushed", f"{len(series):,} aggregates")
    targets = mapper.resolve_series(series)  # as mwaa_ops/agent/flush.py does it
    published = sum(1 for t in targets if t)
    stages.mark("resolved", f"{published:,} published")
    from mwaa_ops.agent.flush import consume

    datums, dropped = build_datums(consume(series), consume(targets), timestamp=time.time(),
                                   storage_resolution=60)  # as mwaa_ops/agent/flush.py
    stages.mark("datums", f"{len(datums):,} datums, dropped {sum(dropped.values())}")
    requests = pack(datums, default_namespace="AmazonMWAA")
    stages.mark("packed", f"{len(requests):,} requests")

    del series, targets, datums, requests
    aggregator.flush()
    gc.collect()
    stages.mark("released")
    del client
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
