"""DAGs check: for a major upgrade, ruff's Airflow 3 rules (``AIR3*``) over the DAG folder,
and with ``--import-check`` the DAGs imported under the target Airflow.

ruff (a runtime dependency for this) reports each use of a name that
Airflow 3 removed (``AIR301``) or moved into a provider (``AIR302``): those
break the DAG and fail the check. ``AIR311``/``AIR312`` (still works in 3.x,
deprecated) warn. Each finding carries file, line and ruff's suggested fix.
DAGs come from ``--dags DIR`` or every ``.py`` under the environment's
``DagS3Path``.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from mwaa_ops.readiness.context import ReadinessContext
from mwaa_ops.readiness.imports import import_errors
from mwaa_ops.readiness.model import FAIL, PASS, WARN, CheckResult
from mwaa_ops.readiness.sources import SourceUnavailable, download_dags

NAME = "dags"
BREAKING = frozenset({"AIR301", "AIR302"})
SHOWN_MAX = 50


def ruff_binary() -> str:
    from ruff.__main__ import find_ruff_bin

    return str(find_ruff_bin())


def scan(folder: Path, timeout: float) -> list[dict[str, Any]]:
    """ruff's AIR3 findings in ``folder``: dicts with file (relative), line, code, message, fix."""
    done = subprocess.run(
        [ruff_binary(), "check", "--select", "AIR3", "--preview", "--output-format", "json",
         "--no-cache", "--isolated", "--exit-zero", str(folder)],
        capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"ruff exited {done.returncode}: {done.stderr.strip()[-300:]}")
    out = []
    for item in json.loads(done.stdout or "[]"):
        path = Path(item["filename"])
        try:
            shown = str(path.resolve().relative_to(folder.resolve()))
        except ValueError:
            shown = str(path)
        fix = (item.get("fix") or {}).get("message") or ""
        out.append({"file": shown, "line": item["location"]["row"], "code": item["code"],
                    "message": item["message"], "fix": fix})
    return sorted(out, key=lambda f: (f["file"], f["line"], f["code"]))


def check_dags(ctx: ReadinessContext) -> CheckResult:
    if not ctx.major_upgrade and not ctx.import_check:
        return CheckResult(NAME, PASS, f"{ctx.current} -> {ctx.target} is not a major upgrade: no AIR3 scan",
                           ("the AIR3 rules cover Airflow 2 -> 3 changes",))
    if ctx.dags_dir is not None:
        folder, origin = ctx.dags_dir, str(ctx.dags_dir)
        if not folder.is_dir():
            return CheckResult(NAME, WARN, f"--dags {folder} is not a folder: not checked")
    else:
        folder = ctx.work_dir / "dags"
        try:
            download_dags(ctx.make_client("s3"), ctx.environment, folder)
        except SourceUnavailable as exc:
            return CheckResult(NAME, WARN, "the DAGs could not be read: not checked", (str(exc),),
                               "pass --dags DIR")
        origin = f"s3://{ctx.environment.get('SourceBucketArn', '').rsplit(':', 1)[-1]}/" \
                 f"{ctx.environment.get('DagS3Path', '')}"
    files = sorted(folder.rglob("*.py"))
    evidence = [f"{len(files)} DAG file(s) from {origin}"]
    problems: list[str] = []
    warnings: list[str] = []
    data: dict[str, Any] = {}
    if ctx.major_upgrade:
        findings = scan(folder, ctx.deadline_seconds)
        data["findings"] = findings
        for f in findings:
            line = f"{f['file']}:{f['line']}: {f['code']} {f['message']}" + (
                f" Fix: {f['fix']}" if f["fix"] else "")
            (problems if f["code"] in BREAKING else warnings).append(line)
        evidence.append(f"ruff --select AIR3: {len(problems)} breaking, {len(warnings)} deprecated")
    if ctx.import_check:
        try:
            errors = import_errors(ctx, folder)
        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
            warnings.append(f"import check could not run: {exc}")
        else:
            data["import_errors"] = errors
            evidence.append(f"imported under Airflow {ctx.target}: {len(errors)} import error(s)")
            problems += [f"{path}: {text.strip().splitlines()[-1] if text.strip() else text}"
                         for path, text in sorted(errors.items())]
    shown = (problems + warnings)[:SHOWN_MAX]
    if len(problems) + len(warnings) > SHOWN_MAX:
        shown.append(f"... and {len(problems) + len(warnings) - SHOWN_MAX} more (see --json)")
    if problems:
        return CheckResult(NAME, FAIL, f"{len(problems)} breaking finding(s) in the DAGs",
                           (*evidence, *shown), "apply each fix (ruff check --select AIR3 --fix "
                           "--unsafe-fixes does some), then run readiness again", data=data)
    if warnings:
        return CheckResult(NAME, WARN, f"{len(warnings)} deprecated use(s) in the DAGs",
                           (*evidence, *shown), "update them before the next major", data=data)
    return CheckResult(NAME, PASS, "no Airflow 3 findings in the DAGs", tuple(evidence), data=data)
