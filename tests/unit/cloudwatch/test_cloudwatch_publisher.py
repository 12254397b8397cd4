"""The publisher against an in-memory client: retries, bisection, outage, restart."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from cloudwatch_fakes import FakeCloudWatch, client_error, outage

from mwaa_ops.clock import FakeClock
from mwaa_ops.cloudwatch.datum import Datum
from mwaa_ops.cloudwatch.publisher import Publisher
from mwaa_ops.config import PublisherConfig
from mwaa_ops.telemetry import Telemetry
from tests.support.cloudwatch_read import wait_until

ENV = (("Environment", "local"),)
CONFIG = PublisherConfig(
    queue_max_datums=1000,
    max_attempts=3,
    backoff_base_seconds=0.01,
    backoff_max_seconds=1.0,
    max_requests_per_second=1000,
    request_timeout_seconds=1.0,
)


class Rig:
    """A publisher wired to a fake client, a fake clock and a recording sleep."""

    def __init__(self, spool_dir: Path, client: FakeCloudWatch | None = None, **overrides: object) -> None:
        self.client = client or FakeCloudWatch()
        self.clock = FakeClock()
        self.telemetry = Telemetry()
        self.sleeps: list[float] = []
        self.yield_gil = threading.Event()
        self.yield_on_sleep = False
        config = CONFIG.model_copy(update=overrides)

        def sleep(seconds: float) -> None:
            self.sleeps.append(seconds)
            self.clock.sleep(seconds)
            # Let other threads run: a worker probing a dead fake endpoint would
            # otherwise spin on the GIL. Not a timing assumption: any delay works.
            self.yield_gil.wait(0.0005 if self.yield_on_sleep else 0)

        self.publisher = Publisher(
            lambda: self.client,
            "AmazonMWAA",
            config,
            spool_dir,
            telemetry=self.telemetry,
            clock=self.clock,
            sleep=sleep,
            random=lambda: 0.5,
        )

    def datums(self, n: int, metric: str = "M", value: float = 1.0) -> list[Datum]:
        now = self.clock.time()
        return [Datum(metric, ENV + (("Series", str(i)),), now, "Count", value=value) for i in range(n)]

    def dropped(self, reason: str) -> float:
        return self.telemetry.get("datums_dropped", reason=reason)




@pytest.fixture
def rig(tmp_path: Path):
    rig = Rig(tmp_path)
    rig.publisher.start()
    yield rig
    rig.publisher.stop(1.0)


def test_delivers_everything_and_counts(rig: Rig) -> None:
    rig.publisher.submit(rig.datums(2500))
    self_metric = Datum("AgentDatumsSent", ENV, rig.clock.time(), value=1.0, namespace="MwaaOps")
    rig.publisher.submit([self_metric])
    assert rig.publisher.flush(10)
    assert len(rig.client.accepted) == 2501
    assert rig.telemetry.get("datums_sent") == 2501
    assert sorted(set(rig.client.namespaces)) == ["AmazonMWAA", "MwaaOps"]
    assert rig.client.calls == 4  # 3 requests of <= 1000 in the default namespace, 1 for MwaaOps
    assert rig.publisher.stats()["last_success_time"] == rig.clock.time()


def test_throttling_is_retried_with_backoff_and_slows_the_rate(rig: Rig) -> None:
    failures = iter([client_error("Throttling", 400), client_error("Throttling", 400)])
    rig.client.fail = lambda ns, data: next(failures, None)
    rig.publisher.submit(rig.datums(10))
    assert rig.publisher.flush(10)
    assert len(rig.client.accepted) == 10
    assert rig.telemetry.get("retries") == 2
    assert rig.telemetry.get("api_errors", code="Throttling") == 2
    # Full jitter with random()=0.5: half of 0.01, then half of 0.02.
    assert rig.sleeps[:2] == [0.005, 0.01]
    # Halved twice (250/s), then one success adds a tenth of the maximum.
    assert rig.publisher.stats()["request_rate"] == 350.0


def test_poison_datum_is_isolated_by_bisection(rig: Rig) -> None:
    def fail(ns, data):
        if any(item["MetricName"] == "Poison" for item in data):
            return client_error("InvalidParameterValue", 400, "The value for parameter X is invalid")
        return None

    rig.client.fail = fail
    datums = rig.datums(1000)
    datums[613] = Datum("Poison", ENV, rig.clock.time(), value=1.0)
    rig.publisher.submit(datums)
    assert rig.publisher.flush(10)
    assert len(rig.client.accepted) == 999
    assert all(item["MetricName"] == "M" for item in rig.client.accepted)
    assert rig.dropped("rejected") == 1
    assert rig.telemetry.get("retries") == 0
    # One failed request, then two halves per level of a 10-level bisection.
    assert rig.client.calls <= 1 + 2 * 10


def test_too_old_and_future_datums_are_dropped_before_sending(rig: Rig) -> None:
    now = rig.clock.time()
    rig.publisher.submit(
        [
            Datum("Old", ENV, now - 15 * 24 * 3600, value=1.0),
            Datum("Future", ENV, now + 3 * 3600, value=1.0),
            Datum("Fresh", ENV, now - 13 * 24 * 3600, value=1.0),
        ]
    )
    assert rig.publisher.flush(10)
    assert [item["MetricName"] for item in rig.client.accepted] == ["Fresh"]
    assert rig.dropped("too_old") == 1
    assert rig.dropped("timestamp_in_future") == 1


def test_one_hour_outage_under_load_loses_nothing(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.yield_on_sleep = True
    down = threading.Event()
    down.set()
    rig.client.fail = lambda ns, data: outage() if down.is_set() else None
    rig.publisher.start()
    peak_spool = 0
    sent = 0
    for minute in range(70):
        # 3000 datums a minute, three times the in-memory queue.
        rig.publisher.submit(rig.datums(3000, value=float(minute + 1)))
        sent += 3000
        peak_spool = max(peak_spool, rig.publisher.stats()["spool_datums"])
        rig.clock.advance(60)
    assert rig.publisher.stats()["degraded"]
    down.clear()
    assert wait_until(lambda: not rig.publisher.stats()["degraded"] and rig.publisher.flush(0.1))
    rig.publisher.stop(1.0)
    stats = rig.publisher.stats()
    assert len(rig.client.accepted) == sent
    assert rig.client.total() == sum(3000 * (m + 1) for m in range(70))
    assert rig.telemetry.get("datums_dropped") == 0
    assert peak_spool > CONFIG.queue_max_datums
    assert stats["spool_datums"] == 0 and stats["queue_depth"] == 0
    assert rig.telemetry.get("spool_datums") == 0


def test_spool_survives_a_restart_and_is_replayed_first(tmp_path: Path) -> None:
    first = Rig(tmp_path)
    first.client.fail = lambda ns, data: outage()
    first.publisher.start()
    first.publisher.submit(first.datums(2500, metric="Old"))
    first.publisher.stop(1.0)
    assert first.publisher.stats()["spool_datums"] == 2500
    assert first.client.accepted == []

    second = Rig(tmp_path)
    assert second.publisher.stats()["spool_datums"] == 2500
    second.publisher.submit(second.datums(10, metric="New"))
    second.publisher.start()
    assert second.publisher.flush(10)
    second.publisher.stop(1.0)
    names = [item["MetricName"] for item in second.client.accepted]
    assert names == ["Old"] * 2500 + ["New"] * 10


def test_stop_delivers_what_is_queued(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.publisher.start()
    rig.publisher.submit(rig.datums(800))
    rig.publisher.stop(5.0)
    assert len(rig.client.accepted) == 800
    assert rig.publisher.stats()["spool_datums"] == 0


def test_submit_never_waits_for_a_hung_network(tmp_path: Path) -> None:
    release = threading.Event()
    entered = threading.Event()

    class Hung(FakeCloudWatch):
        def put_metric_data(self, Namespace, MetricData):  # noqa: N803
            entered.set()
            release.wait(30)
            return super().put_metric_data(Namespace=Namespace, MetricData=MetricData)

    rig = Rig(tmp_path, Hung())
    rig.publisher.start()
    rig.publisher.submit(rig.datums(1000, metric="First"))
    assert entered.wait(10)
    for _ in range(5):
        rig.publisher.submit(rig.datums(1000))  # returns although the worker is stuck
    stats = rig.publisher.stats()
    # Disk first: every submitted request is durable before its first send.
    assert stats["queue_depth"] == 0
    assert stats["spool_datums"] == 6000
    release.set()
    assert wait_until(lambda: len(rig.client.accepted) == 6000 and rig.publisher.flush(0.1))
    rig.publisher.stop(1.0)
    assert len(rig.client.accepted) == 6000
    assert rig.telemetry.get("datums_dropped") == 0


def test_stop_past_the_deadline_spools_what_is_in_flight(tmp_path: Path) -> None:
    release = threading.Event()
    entered = threading.Event()

    class Hung(FakeCloudWatch):
        def put_metric_data(self, Namespace, MetricData):  # noqa: N803
            entered.set()
            release.wait(30)
            raise outage()

    rig = Rig(tmp_path, Hung(), request_timeout_seconds=0.2)
    rig.publisher.start()
    rig.publisher.submit(rig.datums(700))
    assert entered.wait(10)
    rig.publisher.stop(0.1)
    release.set()
    assert rig.publisher.stats()["spool_datums"] == 700


def test_submit_is_durable_before_the_first_send(tmp_path: Path) -> None:
    """Fault 1: an interval is in the spool as soon as it is submitted, whatever the network does."""
    rig = Rig(tmp_path)
    rig.client.fail = lambda ns, data: outage()
    rig.publisher.submit(rig.datums(2500))  # the worker has not even started
    assert rig.publisher.stats()["spool_datums"] == 2500
    assert rig.publisher.stats()["queue_depth"] == 0


def test_without_a_spool_the_publisher_runs_in_memory_and_counts_drops(tmp_path: Path) -> None:
    (tmp_path / "spool.sqlite3").mkdir()  # the spool cannot be opened: not corruption
    rig = Rig(tmp_path, queue_max_datums=1000)
    assert not rig.publisher.stats()["spool_available"]
    assert rig.publisher.stats()["spool_quarantined_files"] == 0
    rig.publisher.submit(rig.datums(700, metric="A"))
    rig.publisher.submit(rig.datums(700, metric="B"))  # over the memory bound: A is dropped
    assert rig.dropped("memory_full") == 700
    rig.publisher.start()
    assert wait_until(lambda: len(rig.client.accepted) == 700 and rig.publisher.flush(0.1))
    rig.publisher.stop(1.0)
    assert {item["MetricName"] for item in rig.client.accepted} == {"B"}
    # Three attempts at start, then one every REOPEN_SECONDS while idle.
    assert rig.telemetry.get("spool_open_failures", reason="io_error") >= 3


def test_abandon_to_spool_persists_what_is_not_acknowledged(tmp_path: Path) -> None:
    release = threading.Event()

    class Hung(FakeCloudWatch):
        def put_metric_data(self, Namespace, MetricData):  # noqa: N803
            release.wait(30)
            return super().put_metric_data(Namespace=Namespace, MetricData=MetricData)

    rig = Rig(tmp_path, Hung(), request_timeout_seconds=30.0)
    rig.publisher.start()
    rig.publisher.submit(rig.datums(1500))
    assert wait_until(lambda: rig.publisher.stats()["in_flight"] == 1)
    result = rig.publisher.abandon_to_spool()
    assert result == {"spooled": 0, "dropped": 0, "on_wire": 1, "spool_datums": 1500}
    assert rig.publisher.abandon_to_spool() == result  # idempotent
    rig.publisher.stop(0)
    release.set()
    reopened = Rig(tmp_path)
    assert reopened.publisher.stats()["spool_datums"] == 1500
