"""Scheduled jobs in a child process, so the sidecar keeps its idle footprint (issue 15).

A job run in the agent's own process leaves its imports (the sync frame,
definitions, YAML models, botocore models of SNS, S3, DynamoDB, MWAA ...) and
the fragments of what it parsed in the agent for good: measured with all five
jobs, 94 MB idle instead of ~55 MB (``bench/idle_rss.py``, docs/benchmark.md).
Run in a child (``python -m mwaa_ops.agent.job_child``), all of that is
returned to the system when the run ends.

Protocol: the parent writes one JSON request on the child's stdin
(``job``, ``target`` = ``"module:function"``, ``config`` = the agent's config
as JSON); the child runs the function with a :class:`JobContext` of its own
(the agent's clock when it can cross processes, an accelerated clock passed as
``MWAA_OPS_CLOCK``, else the system clock; a client factory on the same config) and prints one line
``MWAA_OPS_JOB <json>`` with the job's result (``detail``), its error
(``"Type: message"``, or ``""``), the datums it submitted to the publisher and
the telemetry it recorded. The parent hands the datums to the agent's real
publisher (so they are spooled and delivered like any other) and replays the
telemetry into the agent's registry. The child's logs go to the agent's
stderr, as the job's would in process.

Cost: each run starts an interpreter and imports the job (about 1-2 s of CPU
on the development machine), i.e. under 1% of a core for jobs every 300 s.
``scheduler.isolate_jobs = false`` runs jobs in the agent's process instead.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Mapping
from typing import Any

from mwaa_ops.clock import CLOCK_ENV
from mwaa_ops.cloudwatch.datum import Datum
from mwaa_ops.errors import MwaaOpsError
from mwaa_ops.telemetry import Telemetry

RESULT_PREFIX = "MWAA_OPS_JOB "

_RUNNING: set[subprocess.Popen[str]] = set()
_RUNNING_LOCK = threading.Lock()


class JobChildError(MwaaOpsError):
    """The job failed in its child process; the message is the child's ``Type: message``."""


def run_in_child(name: str, target: str, context: Any) -> dict[str, Any]:
    """Run job ``name`` (``target`` = ``"module:function"``) in a child process.

    Returns the job's result dict; submits the datums the job produced to
    ``context.publisher`` and replays its telemetry into ``context.telemetry``.
    Raises :class:`JobChildError` when the job raised (its ``Type: message``)
    or the child died without an answer (exit code and the tail of its stderr).
    """
    request = json.dumps({"job": name, "target": target, "config": context.config.model_dump(mode="json")})
    env = {k: v for k, v in os.environ.items() if k != CLOCK_ENV}
    spec = getattr(context.clock, "spec", None)
    if callable(spec):
        env[CLOCK_ENV] = spec()  # the child's job sees the agent's (accelerated) time
    proc = subprocess.Popen(
        [sys.executable, "-m", "mwaa_ops.agent.job_child"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None, text=True, env=env,
    )
    with _RUNNING_LOCK:
        _RUNNING.add(proc)
    try:
        out, _ = proc.communicate(request)
    finally:
        with _RUNNING_LOCK:
            _RUNNING.discard(proc)
    line = next((x for x in out.splitlines() if x.startswith(RESULT_PREFIX)), None)
    if line is None:
        raise JobChildError(f"job {name}: child process exited {proc.returncode} without a result")
    answer = json.loads(line[len(RESULT_PREFIX):])
    datums = [_datum(d) for d in answer.get("datums", [])]
    if datums:
        context.publisher.submit(datums)
    for op, metric, args, labels in answer.get("telemetry", []):
        getattr(context.telemetry, op)(metric, *args, **labels)
    if answer.get("error"):
        raise JobChildError(answer["error"])
    detail: dict[str, Any] = answer.get("detail") or {}
    return detail


def terminate_all() -> None:
    """Stop every job child still running (the agent is stopping)."""
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    for proc in running:
        if proc.poll() is None:
            proc.terminate()


def _datum(data: Mapping[str, Any]) -> Datum:
    fields = dict(data)
    fields["dimensions"] = tuple((str(n), str(v)) for n, v in fields.get("dimensions", ()))
    fields["values"] = tuple(fields.get("values", ()))
    fields["counts"] = tuple(fields.get("counts", ()))
    return Datum(**fields)


class _RecordingTelemetry(Telemetry):
    """The real registry (jobs may read it back), recording each change for the parent."""

    def __init__(self) -> None:
        super().__init__()
        self.ops: list[tuple[str, str, list[Any], dict[str, str]]] = []

    def inc(self, name: str, amount: float = 1, **labels: str) -> None:
        self.ops.append(("inc", name, [amount], labels))
        super().inc(name, amount, **labels)

    def add_many(self, name: str, amounts: dict[str, int], label: str) -> None:
        self.ops.append(("add_many", name, [dict(amounts), label], {}))
        super().add_many(name, amounts, label)

    def set(self, name: str, value: float, **labels: str) -> None:
        self.ops.append(("set", name, [value], labels))
        super().set(name, value, **labels)

    def observe(self, name: str, value: float) -> None:
        self.ops.append(("observe", name, [value], {}))
        super().observe(name, value)


class _CollectingPublisher:
    """What a job may call on the publisher: ``submit`` (the parent delivers)."""

    def __init__(self) -> None:
        self.datums: list[Datum] = []

    def submit(self, datums: list[Datum]) -> None:
        self.datums.extend(datums)


def _child() -> int:
    from mwaa_ops.agent.scheduler import JobContext
    from mwaa_ops.aws import make_client
    from mwaa_ops.clock import clock_from_environment
    from mwaa_ops.config import Config
    from mwaa_ops.logs import setup_logging

    request = json.loads(sys.stdin.read())
    config = Config.model_validate(request["config"])
    setup_logging(config.log_level, config.log_format)
    telemetry = _RecordingTelemetry()
    publisher = _CollectingPublisher()
    context = JobContext(
        config=config, clock=clock_from_environment(), telemetry=telemetry, publisher=publisher,
        make_client=lambda service: make_client(service, config.aws),
    )
    detail: Any = {}
    error = ""
    try:
        module, attribute = request["target"].split(":")
        detail = getattr(importlib.import_module(module), attribute)(context)
    except Exception as exc:  # reported to the parent, which records the run as failed
        error = f"{type(exc).__name__}: {exc}"
    answer = {
        "detail": detail if isinstance(detail, dict) else {},
        "error": error,
        "datums": [dataclasses.asdict(d) for d in publisher.datums],
        "telemetry": telemetry.ops,
    }
    sys.stdout.write(RESULT_PREFIX + json.dumps(answer, default=str) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(_child())
