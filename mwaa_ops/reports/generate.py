"""Gather, build and write one report: what ``mwaa-ops report`` and the agent's child process run.

Importing this module imports pandas and matplotlib (through
:mod:`mwaa_ops.reports.build`); the agent never imports it in its own
process (see :mod:`mwaa_ops.reports.job`).

``python -m mwaa_ops.reports.generate`` is the child process: it reads one
JSON request on stdin (``config``, ``time`` in epoch seconds, ``out_dir``,
``environments``) and prints one JSON answer line (paths, summary, counts).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mwaa_ops.aws import make_client as aws_client
from mwaa_ops.clock import Clock, FixedClock
from mwaa_ops.config import Config
from mwaa_ops.reports.build import build, write
from mwaa_ops.reports.gather import MakeClient, gather
from mwaa_ops.reports.job import RESULT_PREFIX


@dataclass(frozen=True)
class Generated:
    paths: dict[str, Path]
    summary: list[str]
    data: dict[str, Any]


def generate_report(
    config: Config,
    clock: Clock,
    out_dir: Path,
    *,
    make_client: MakeClient | None = None,
    environments: tuple[str, ...] = (),
    readiness: bool = True,
    progress: Callable[[str], None] | None = None,
) -> Generated:
    """Write ``report.md``, ``report.html`` and ``report.json`` into ``out_dir``."""
    clients = make_client or (lambda service, **kw: aws_client(service, config.aws, **kw))
    data = gather(config, clock, make_client=clients, environments=environments, readiness=readiness,
                  progress=progress)
    built = build(data)
    return Generated(write(built, out_dir), built.summary, data)


def _child() -> None:
    request = json.loads(sys.stdin.read())
    config = Config.model_validate(request["config"])
    result = generate_report(
        config, FixedClock(float(request["time"])), Path(request["out_dir"]),
        environments=tuple(request.get("environments") or ()), readiness=bool(request.get("readiness", True)),
        progress=lambda text: print(f"progress: {text}", file=sys.stderr, flush=True),
    )
    answer = {
        "paths": {k: str(v) for k, v in result.paths.items()},
        "summary": result.summary,
        "environments": len(result.data["environments"]),
        "as_of": result.data["as_of"],
    }
    print(RESULT_PREFIX + json.dumps(answer), flush=True)


if __name__ == "__main__":
    _child()
