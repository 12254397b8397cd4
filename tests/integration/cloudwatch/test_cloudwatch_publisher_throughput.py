"""Measured, not timed: PutMetricData calls against the minimum, and throughput.

Run with ``-s`` to see the figures. The only assertion on them is the call count
(issue 3: within 1% of the minimum); throughput is printed, never asserted.
"""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path
from typing import Any

from mwaa_ops.cloudwatch.batching import estimate_size, lower_bound
from mwaa_ops.cloudwatch.datum import Datum
from mwaa_ops.cloudwatch.publisher import Publisher
from mwaa_ops.config import PublisherConfig
from mwaa_ops.telemetry import Telemetry


class CountingSink:
    """A client that accepts everything and counts (no HTTP: measures the publisher)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls = 0
        self.datums = 0

    def put_metric_data(self, Namespace: str, MetricData: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        with self.lock:
            self.calls += 1
            self.datums += len(MetricData)
        return {}


def _workload(n_counters: int, n_timers: int) -> list[Datum]:
    rng = random.Random(1)
    ts = time.time() - 60
    out = [
        Datum(
            f"Metric{i % 40}",
            (("DAG", f"dag_{i % 500}"), ("Environment", "bench"), ("Task", f"task_{i}")),
            ts,
            "Count",
            value=float(i % 7),
        )
        for i in range(n_counters)
    ]
    for i in range(n_timers):
        n = rng.randint(1, 150)
        out.append(
            Datum(
                "TaskInstanceDuration",
                (("DAG", f"dag_{i}"), ("Environment", "bench")),
                ts,
                "Seconds",
                values=tuple(rng.random() * 100 for _ in range(n)),
                counts=tuple(float(rng.randint(1, 9)) for _ in range(n)),
            )
        )
    return out


def test_calls_and_throughput_for_100k_datums(tmp_path: Path) -> None:
    sink = CountingSink()
    publisher = Publisher(
        lambda: sink,
        "AmazonMWAA",
        PublisherConfig(queue_max_datums=200_000, max_requests_per_second=100_000),
        tmp_path,
        telemetry=Telemetry(),
    )
    datums = _workload(97_000, 3_000)
    minimum = lower_bound([estimate_size(d) for d in datums])
    publisher.start()
    started = time.perf_counter()
    publisher.submit(datums)
    assert publisher.flush(300)
    elapsed = time.perf_counter() - started
    publisher.stop(5)
    print(
        f"\n100,000 datums (97,000 counters + 3,000 timers): {sink.calls} PutMetricData calls, "
        f"lower bound {minimum} ({sink.calls / minimum - 1:+.2%}); "
        f"{len(datums) / elapsed:,.0f} datums/s through the publisher (pack + to_api, no HTTP)"
    )
    assert sink.datums == len(datums)
    assert sink.calls <= minimum * 1.01 + 1
