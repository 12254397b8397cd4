"""Issue 9's faults, through the fault proxy against the local endpoint (real boto3).

Every scenario ends with the accounting check (tests/support/accounting.py):
datums sent = datums CloudWatch stored + datums counted as dropped, and the
copies stored beyond the first never exceed what the publisher counted as
possible duplicates. Full-disk scenarios run on a small tmpfs the test mounts.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from mwaa_ops.aws import make_client
from mwaa_ops.cloudwatch.datum import Datum
from mwaa_ops.cloudwatch.publisher import Publisher, client_timeout_seconds
from mwaa_ops.config import AwsConfig, PublisherConfig
from mwaa_ops.telemetry import Telemetry
from tests.support.accounting import account
from tests.support.cloudwatch_read import wait_until
from tests.support.fault_proxy import PASS, SLOW_ANSWER, TRICKLE, UNAVAILABLE, FaultProxy
from tests.support.tmpfs import fill, small_tmpfs

NAMESPACE = "ResilienceTests"
CONFIG = PublisherConfig(
    queue_max_datums=20_000,
    max_attempts=8,
    backoff_base_seconds=0.01,
    backoff_max_seconds=0.2,
    request_timeout_seconds=2.0,
    max_requests_per_second=200,
)


def _publisher(proxy: FaultProxy, spool_dir: Path, telemetry: Telemetry, **overrides: Any) -> Publisher:
    config = CONFIG.model_copy(update=overrides)
    aws = AwsConfig(endpoint_url=proxy.url, region="us-east-1")
    return Publisher(
        lambda: make_client("cloudwatch", aws, max_attempts=1, timeout_seconds=client_timeout_seconds(config)),
        NAMESPACE, config, spool_dir, telemetry=telemetry,
    )


class Datums:
    """Distinct datums (a ``Seq`` dimension each), so the proxy can tell copies apart."""

    def __init__(self, metric: str) -> None:
        self.metric = metric
        self.sent = 0

    def take(self, n: int) -> list[Datum]:
        ts = time.time() - 60
        out = [Datum(self.metric, (("Environment", "faults"), ("Seq", str(self.sent + i))), ts, "Count",
                     value=1.0) for i in range(n)]
        self.sent += n
        return out




def _drained(publisher: Publisher, proxy: FaultProxy, sent: int) -> bool:
    stats = publisher.stats()
    return (proxy.stored_totals()[0] >= sent and stats["spool_datums"] == 0
            and stats["queue_depth"] == 0 and stats["in_flight"] == 0)


def test_fault2_full_disk_never_resends_in_a_loop(proxy: FaultProxy, tmp_path: Path) -> None:
    """Deletes fail on a full spool disk: rows are acknowledged anyway, nothing is sent twice."""
    telemetry = Telemetry()
    data = Datums("FullDisk")
    with small_tmpfs(tmp_path / "disk", 4 * 1024 * 1024) as disk:
        publisher = _publisher(proxy, disk / "spool", telemetry)
        proxy.set_mode(UNAVAILABLE)
        publisher.start()
        for _ in range(10):
            publisher.submit(data.take(1000))
        assert publisher.stats()["spool_datums"] == 10_000
        fill(disk)
        for _ in range(3):  # what the spool cannot take waits in memory
            publisher.submit(data.take(1000))
        assert telemetry.get("spool_write_failures") >= 1
        stats = publisher.stats()
        assert stats["queue_depth"] >= 1000
        assert stats["queue_depth"] + stats["spool_datums"] == 13_000
        before = proxy.put_requests
        proxy.set_mode(PASS)
        assert wait_until(lambda: _drained(publisher, proxy, data.sent)), publisher.stats()
        calls = proxy.put_requests - before
        publisher.stop(2)
        # Deletes did fail: the acknowledgements went to spool.state's ring instead.
        assert telemetry.get("spool_acks_deferred") >= 1
        # A restart on the still-full disk sends none of the acknowledged rows again.
        again = _publisher(proxy, disk / "spool", telemetry)
        assert again.stats()["spool_datums"] == 0
        again.start()
        again.stop(1)
        assert proxy.put_requests - before == calls
    figures = account("fault2_full_disk", data.sent, proxy, telemetry)
    assert figures.duplicated == 0 and figures.dropped == 0
    assert calls <= 13 + 2  # 13 requests, and at most a probe or two more


def test_fault3_start_on_a_full_disk_keeps_the_spool(proxy: FaultProxy, tmp_path: Path) -> None:
    """A cleanly closed spool opens on a full disk: no quarantine, no crash, all delivered."""
    telemetry = Telemetry()
    data = Datums("FullAtStart")
    with small_tmpfs(tmp_path / "disk", 4 * 1024 * 1024) as disk:
        first = _publisher(proxy, disk / "spool", telemetry)
        proxy.set_mode(UNAVAILABLE)
        first.start()
        first.submit(data.take(600))
        first.stop(0.5)
        fill(disk)
        proxy.set_mode(PASS)
        second = _publisher(proxy, disk / "spool", telemetry)
        assert second.stats()["spool_datums"] == 600
        assert second.stats()["spool_quarantined_files"] == 0
        second.start()
        assert wait_until(lambda: _drained(second, proxy, data.sent)), second.stats()
        second.stop(2)
    figures = account("fault3_full_disk_at_start", data.sent, proxy, telemetry)
    assert figures.delivered == 600 and figures.duplicated == 0
    assert telemetry.get("spool_quarantined_files") == 0


def _stop_in_2s_then_restart(first: Publisher, proxy: FaultProxy, tmp_path: Path, telemetry: Telemetry,
                             data: Datums, scenario: str) -> tuple[dict[str, int], Any]:
    """Stop ``first`` with a 2 s deadline (asserted, 0.5 s slack), let a new publisher on the same
    spool deliver everything once CloudWatch answers again; returns stop()'s result and the figures."""
    started = time.monotonic()
    result = first.stop(2.0)
    took = time.monotonic() - started
    assert took <= 2.0 + 0.5, took
    proxy.set_mode(PASS)
    second = _publisher(proxy, tmp_path, telemetry)
    second.start()
    assert wait_until(lambda: _drained(second, proxy, data.sent), 60), (second.stats(), proxy.counts)
    second.stop(2)
    return result, account(scenario, data.sent, proxy, telemetry)


def test_fault6_stop_keeps_acknowledged_requests_out_of_the_spool(proxy: FaultProxy, tmp_path: Path) -> None:
    """Four requests: the first acknowledged, the second's answer trickles. Stop at the
    deadline; after a restart only the trickled request can arrive twice."""
    telemetry = Telemetry()
    data = Datums("Trickle")
    first = _publisher(proxy, tmp_path, telemetry, request_timeout_seconds=30.0)
    proxy.set_mode(TRICKLE, after=1, requests=1, delay=1.0)
    first.start()
    first.submit(data.take(4000))  # four requests of 1000
    assert wait_until(lambda: proxy.outcome_counts().get("trickled", 0) == 1, 30)
    result, figures = _stop_in_2s_then_restart(first, proxy, tmp_path, telemetry, data, "fault6_trickle_then_stop")
    assert result["on_wire"] == 1
    assert figures.duplicated <= 1000


def test_fault7_stop_is_a_deadline(proxy: FaultProxy, tmp_path: Path) -> None:
    """CloudWatch answers after 30 s; stop(2) returns within its deadline, data kept."""
    telemetry = Telemetry()
    data = Datums("Deadline")
    first = _publisher(proxy, tmp_path, telemetry, request_timeout_seconds=10.0)
    proxy.set_mode(SLOW_ANSWER, requests=3, delay=30.0)
    first.start()
    first.submit(data.take(2500))
    assert wait_until(lambda: proxy.outcome_counts().get("slow", 0) >= 1, 30)
    _, figures = _stop_in_2s_then_restart(first, proxy, tmp_path, telemetry, data, "fault7_stop_deadline")
    assert figures.duplicated <= 1000


def test_fault8_slow_answers_are_not_resent_while_on_the_wire(proxy: FaultProxy, tmp_path: Path) -> None:
    """CloudWatch answers after 2.5 s against a 1 s deadline: one copy per request."""
    telemetry = Telemetry()
    data = Datums("Slow")
    publisher = _publisher(proxy, tmp_path, telemetry, request_timeout_seconds=1.0)
    proxy.set_mode(SLOW_ANSWER, delay=2.5)
    publisher.start()
    publisher.submit(data.take(1000))
    assert wait_until(lambda: _drained(publisher, proxy, data.sent), 60), publisher.stats()
    publisher.stop(2)
    figures = account("fault8_slow_answers", data.sent, proxy, telemetry)
    assert figures.duplicated == 0
    assert telemetry.get("calls_abandoned", reason="deadline") >= 1
