"""The UDP receiver over a real socket: the statsd client, raw datagrams, garbage, stop()."""

from __future__ import annotations

import random
import socket
import time
from collections.abc import Iterator

import pytest
import statsd

from mwaa_ops.statsd import COUNTER, GAUGE, SET, TIMER, Aggregator, StatsdServer
from mwaa_ops.telemetry import Telemetry

# Generous bound for loopback delivery; tests wait for counts, never on speed.
DEADLINE_SECONDS = 30.0


@pytest.fixture
def receiver() -> Iterator[tuple[StatsdServer, Aggregator, Telemetry]]:
    tel = Telemetry()
    agg = Aggregator(telemetry=tel, window_lines=1000)
    server = StatsdServer("127.0.0.1", 0, agg, telemetry=tel)
    server.start()
    try:
        yield server, agg, tel
    finally:
        server.stop()


def wait_for_packets(agg: Aggregator, expected: int) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while agg.stats().packets_received < expected:
        if time.monotonic() > deadline:
            raise AssertionError(f"received {agg.stats().packets_received} of {expected} datagrams")
        time.sleep(0.01)


def by_key(agg: Aggregator) -> dict:
    return {(s.kind, s.name, s.tags): s for s in agg.flush()}


def test_binds_an_ephemeral_port_and_raises_the_receive_buffer(receiver) -> None:
    server, _, _ = receiver
    assert server.port > 0
    assert server.running
    # Linux reports twice the size granted; at least the default (208 KiB) even unprivileged.
    assert server.effective_receive_buffer >= 200_000


def test_statsd_client_exact_totals(receiver) -> None:
    server, agg, _ = receiver
    client = statsd.StatsClient("127.0.0.1", server.port, prefix="airflow")
    sent = 0
    for i in range(500):
        client.incr("ti_successes")
        client.incr("ti.finish.dag_a.section_1.task_1.success", 2)
        client.timing("dag.dag_a.task_1.duration", i % 50)
        sent += 3
    client.gauge("executor.open_slots", 32)
    client.gauge("executor.open_slots", -4, delta=True)
    client.gauge("pool.open_slots.default_pool", -3)  # sent as "0|g\n-3|g" in one datagram
    client.set("users", "alice")
    client.set("users", "bob")
    client.set("users", "alice")
    with client.pipeline() as pipe:
        for _ in range(10):
            pipe.incr("piped")
    sent += 2 + 1 + 3 + 1
    wait_for_packets(agg, sent)
    got = by_key(agg)
    assert got[(COUNTER, "ti_successes", ())].value == 500
    assert got[(COUNTER, "ti.finish.dag_a.section_1.task_1.success", ())].value == 1000
    timer = got[(TIMER, "dag.dag_a.task_1.duration", ())]
    assert sum(timer.samples.values()) == 500
    assert timer.samples[7.0] == 10
    assert got[(GAUGE, "executor.open_slots", ())].value == 28
    assert got[(GAUGE, "pool.open_slots.default_pool", ())].value == -3
    assert got[(SET, "users", ())].value == 2
    assert got[(COUNTER, "piped", ())].value == 10


def test_raw_datagrams_tags_multiline_and_garbage_are_accounted_exactly(receiver) -> None:
    server, agg, tel = receiver
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    datagrams = [
        b"airflow.ti.finish,dag_id=d,task_id=t,state=success:1|c",
        b"airflow.ti.finish:1|c|#state:success,dag_id:d,task_id:t",
        b"airflow.a:1|c\nairflow.a:1|c|@0.5\n\nbad line\n",
        b"airflow.t:1:2:3|ms",
        b"\xff\xfe garbage",
        b"airflow.x:1|c" + b"0" * 70_000,  # too big for UDP: never sent, see below
    ]
    sent = 0
    for d in datagrams:
        try:
            sock.sendto(d, ("127.0.0.1", server.port))
            sent += 1
        except OSError:
            pass  # EMSGSIZE for the oversized one
    wait_for_packets(agg, sent)
    got = by_key(agg)
    tags = (("dag_id", "d"), ("state", "success"), ("task_id", "t"))
    assert got[(COUNTER, "ti.finish", tags)].value == 2
    assert got[(COUNTER, "a", ())].value == 3
    assert got[(TIMER, "t", ())].samples == {1.0: 1.0, 2.0: 1.0, 3.0: 1.0}
    stats = agg.stats()
    assert stats.lines_received == 7
    assert stats.lines_accepted == 5
    assert stats.lines_rejected == {"missing_value": 2}
    assert tel.get("packets_received") == sent


def test_fuzz_datagrams_over_udp_are_all_accounted_for(receiver) -> None:
    server, agg, _ = receiver
    rng = random.Random(3)
    base = [b"airflow.c:1|c", b"airflow.g:+1|g", b"airflow.t:2.5|ms", b"s:a|s", b"x,k=v:1|c|#a:b"]
    datagrams = []
    for _ in range(20_000):
        d = bytearray(rng.choice(base))
        for _ in range(rng.randrange(3)):
            d[rng.randrange(len(d))] = rng.randrange(256)
        datagrams.append(bytes(d))
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i, d in enumerate(datagrams):
        sock.sendto(d, ("127.0.0.1", server.port))
        if i % 2000 == 0:
            time.sleep(0.001)  # stay far below the receive buffer
    wait_for_packets(agg, len(datagrams))
    agg.flush()
    stats = agg.stats()
    lines = sum(1 for d in datagrams for line in d.split(b"\n") if line)
    assert stats.lines_received == lines
    assert stats.lines_accepted + stats.rejected_total + stats.lines_filtered + stats.series_over_cap == lines
    assert stats.rejected_total > 0
    assert server.running


def test_stop_is_prompt_and_keeps_what_was_read() -> None:
    agg = Aggregator()
    server = StatsdServer("127.0.0.1", 0, agg)
    server.start()
    client = statsd.StatsClient("127.0.0.1", server.port)
    for _ in range(100):
        client.incr("c")
    wait_for_packets(agg, 100)
    started = time.monotonic()
    server.stop()
    stopped_in = time.monotonic() - started
    assert not server.running
    assert by_key(agg)[(COUNTER, "c", ())].value == 100
    print(f"stop() took {stopped_in * 1000:.0f} ms")


def test_port_in_use_is_a_clear_error() -> None:
    from mwaa_ops.errors import MwaaOpsError

    agg = Aggregator()
    first = StatsdServer("127.0.0.1", 0, agg)
    first.start()
    try:
        second = StatsdServer("127.0.0.1", first.port, agg)
        with pytest.raises(MwaaOpsError, match="cannot listen"):
            second.start()
    finally:
        first.stop()
