"""The benchmark's traffic: Airflow-shaped StatsD datagrams and the totals they must add up to.

The load generator cycles through a fixed, seeded pool of datagrams (one metric
per datagram, as Airflow sends them). Because the pool is sent in order and
cyclically, the exact number of times each datagram went out follows from the
total sent, and so do the expected counter totals and timer sample counts per
metric family: no per-send bookkeeping is needed on the hot path.

Pure module (no sockets), shared by ``loadgen.py`` and ``run.py``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

PREFIX = "airflow"

# Families whose totals can be checked exactly: StatsD name prefix (after "airflow.")
# -> the CloudWatch metric MWAA publishes it as (shared/reference/mwaa-cloudwatch-metric-map.csv).
COUNTER_FAMILIES: dict[str, str] = {
    "ti.finish": "TaskInstanceFinished",
    "scheduler_heartbeat": "SchedulerHeartbeat",
    "ti_successes": "TaskInstanceSuccesses",
}
TIMER_FAMILIES: dict[str, str] = {
    "dag_processing.last_duration": "DAGFileProcessingLastDuration",
    "dagrun.duration.success": "DAGDurationSuccess",
}
GAUGE_FAMILIES: dict[str, str] = {
    "executor.open_slots": "OpenSlots",
    "pool.open_slots": "PoolOpenSlots",
}

# Share of datagrams per family; timers make up about 15%, as the brief for the benchmark asks.
MIX: tuple[tuple[str, float], ...] = (
    ("ti.finish", 0.55),
    ("scheduler_heartbeat", 0.08),
    ("ti_successes", 0.07),
    ("executor.open_slots", 0.05),
    ("pool.open_slots", 0.10),
    ("dag_processing.last_duration", 0.10),
    ("dagrun.duration.success", 0.05),
)

DAGS = 40
TASKS_PER_DAG = 8  # 320 dag/task combinations
POOLS = ("default_pool", "etl", "ml", "reporting", "sensors")
DEFAULT_POOL_SIZE = 20_000


@dataclass(frozen=True, slots=True)
class Message:
    """One datagram and what it contributes: a family, a counter increment or a timer sample."""

    payload: bytes
    family: str
    kind: str  # "counter" | "gauge" | "timer"
    counter: int = 0


@dataclass
class Workload:
    """A pool of datagrams, sent cyclically from index 0."""

    messages: list[Message]
    mode: str = "airflow"
    distinct_names: int = 0
    _family_index: dict[str, list[int]] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.messages)

    def times_sent(self, index: int, total_sent: int) -> int:
        """How often message ``index`` went out when ``total_sent`` datagrams were sent in order."""
        full, rest = divmod(total_sent, len(self.messages))
        return full + (1 if index < rest else 0)

    def expected(self, total_sent: int) -> dict[str, dict[str, int]]:
        """Expected counter totals and timer sample counts per family after ``total_sent`` sends."""
        counters = {family: 0 for family in COUNTER_FAMILIES}
        timers = {family: 0 for family in TIMER_FAMILIES}
        gauges = {family: 0 for family in GAUGE_FAMILIES}
        full, rest = divmod(total_sent, len(self.messages))
        for index, message in enumerate(self.messages):
            times = full + (1 if index < rest else 0)
            if message.kind == "counter":
                counters[message.family] += message.counter * times
            elif message.kind == "timer":
                timers[message.family] += times
            else:
                gauges[message.family] += times
        return {"counters": counters, "timers": timers, "gauges": gauges}


def _dag(i: int) -> str:
    return f"bench_dag_{i:02d}"


def _task(i: int) -> str:
    return f"task_{i:02d}"


def _airflow_message(family: str, rng: random.Random) -> Message:
    if family == "ti.finish":
        dag, task = _dag(rng.randrange(DAGS)), _task(rng.randrange(TASKS_PER_DAG))
        name = f"{PREFIX}.ti.finish.{dag}.{task}.success"
        return Message(f"{name}:1|c".encode(), family, "counter", 1)
    if family in ("scheduler_heartbeat", "ti_successes"):
        return Message(f"{PREFIX}.{family}:1|c".encode(), family, "counter", 1)
    if family == "executor.open_slots":
        return Message(f"{PREFIX}.executor.open_slots:{rng.randrange(33)}|g".encode(), family, "gauge")
    if family == "pool.open_slots":
        pool = rng.choice(POOLS)
        value = rng.randrange(129)
        return Message(f"{PREFIX}.pool.open_slots.{pool}:{value}|g".encode(), family, "gauge")
    if family == "dag_processing.last_duration":
        # Airflow sends this timer in milliseconds. Keep samples >= 1 ms: collectd's statsd
        # plugin was seen to drop sub-millisecond timer samples, which would read as loss.
        value = round(rng.uniform(50.0, 12_000.0), 3)
        payload = f"{PREFIX}.dag_processing.last_duration.{_dag(rng.randrange(DAGS))}:{value}|ms"
        return Message(payload.encode(), family, "timer")
    if family == "dagrun.duration.success":
        value = round(rng.lognormvariate(9.0, 1.0), 1)
        payload = f"{PREFIX}.dagrun.duration.success.{_dag(rng.randrange(DAGS))}:{value}|ms"
        return Message(payload.encode(), family, "timer")
    raise ValueError(f"unknown family {family!r}")


def airflow_workload(size: int = DEFAULT_POOL_SIZE, seed: int = 3) -> Workload:
    """The default mix: counters, gauges and ~15% timers over a few hundred dag/task names."""
    rng = random.Random(seed)
    families = [family for family, _ in MIX]
    weights = [weight for _, weight in MIX]
    messages = [_airflow_message(f, rng) for f in rng.choices(families, weights, k=size)]
    return Workload(messages)


def distinct_workload(names: int) -> Workload:
    """``names`` distinct counter series (``ti.finish`` over that many dag/task pairs), each once per cycle."""
    messages = []
    for i in range(names):
        dag, task = f"mem_dag_{i // 100:05d}", _task(i % 100)
        payload = f"{PREFIX}.ti.finish.{dag}.{task}.success:1|c".encode()
        messages.append(Message(payload, "ti.finish", "counter", 1))
    return Workload(messages, mode="distinct", distinct_names=names)


def family_of(statsd_name: str) -> str | None:
    """The family of a full StatsD name (``airflow.ti.finish.d.t.success`` -> ``ti.finish``)."""
    if not statsd_name.startswith(PREFIX + "."):
        return None
    rest = statsd_name[len(PREFIX) + 1:]
    for family in (*COUNTER_FAMILIES, *TIMER_FAMILIES, *GAUGE_FAMILIES):
        if rest == family or rest.startswith(family + "."):
            return family
    return None
