"""Requirements check: a ``--constraint`` line for the target, and a real resolution.

``requirements.txt`` is read where MWAA reads it (bucket, key, object version
from ``GetEnvironment``) or from ``--requirements FILE`` (a candidate about
to be uploaded with the upgrade). Without a ``--constraint`` line for the
target version pip may upgrade Airflow itself while installing the
requirements; with one, the file must still resolve together with the
target's constraints for the target's Python, which pip decides for real
(:mod:`mwaa_ops.readiness.resolver`).
"""

from __future__ import annotations

import subprocess

from mwaa_ops.errors import SourceError
from mwaa_ops.readiness.context import ReadinessContext
from mwaa_ops.readiness.model import FAIL, PASS, WARN, CheckResult
from mwaa_ops.readiness.resolver import constraint_lines, index_url, resolve
from mwaa_ops.readiness.sources import SourceUnavailable, location, read_object

NAME = "requirements"
# Seconds kept for everything around pip within the check's budget.
_MARGIN_SECONDS = 2.0


def read_requirements(ctx: ReadinessContext) -> tuple[str, str] | None:
    """(text, where it came from), or None when the environment has no requirements file."""
    if ctx.requirements_file is not None:
        return ctx.requirements_file.read_text(encoding="utf-8"), str(ctx.requirements_file)
    where = location(ctx.environment, "Requirements")
    if where is None:
        return None
    return read_object(ctx.make_client("s3"), where).decode("utf-8", "replace"), where.describe()


def check_requirements(ctx: ReadinessContext) -> CheckResult:
    try:
        found = read_requirements(ctx)
    except (SourceUnavailable, OSError) as exc:
        return CheckResult(NAME, WARN, "requirements.txt could not be read: not checked", (str(exc),),
                           "fix the path/object version in the environment, or pass --requirements")
    if found is None:
        return CheckResult(NAME, PASS, "the environment installs no requirements.txt",
                           ("RequirementsS3Path is not set",))
    text, origin = found
    evidence = [f"read {origin}"]
    lines = constraint_lines(text)
    target, python = str(ctx.target), ctx.target_python
    wanted = f"constraints-{target}/constraints-{python}.txt"
    example = f'--constraint "https://raw.githubusercontent.com/apache/airflow/{wanted}"'
    if not lines:
        return CheckResult(
            NAME, FAIL, "no --constraint line: pip may silently upgrade Airflow itself",
            tuple(evidence), f"add as the first line: {example}",
        )
    evidence += [f"--constraint {line}" for line in lines]
    if not any(f"constraints-{target}/" in line for line in lines):
        return CheckResult(
            NAME, FAIL, f"the --constraint line is not for the target {target}", tuple(evidence),
            f"point it at Airflow {target}'s constraints: {example}",
        )
    if not any(f"constraints-{python}.txt" in line for line in lines):
        return CheckResult(
            NAME, FAIL, f"the --constraint line is not for Python {python}, which MWAA runs {target} on",
            tuple(evidence), f"use {example}",
        )
    try:
        constraints = ctx.constraints()
    except SourceError as exc:
        return CheckResult(
            NAME, WARN, f"constraints for {target} / Python {python} unavailable: resolution not checked",
            (*evidence, str(exc)),
            "set readiness.constraints_url to a reachable copy (URL template or local path)",
        )
    evidence.append(f"constraints {constraints.origin} ({len(constraints.pins)} pins)")
    index = index_url(ctx.settings.index_url)
    try:
        result = resolve(
            text, constraints.path, python_version=python, work_dir=ctx.work_dir / "requirements",
            index=index, cache_dir=ctx.cache_dir / "pip-cache",
            timeout=max(1.0, ctx.deadline_seconds - _MARGIN_SECONDS),
            platform=ctx.settings.platform,
        )
    except subprocess.TimeoutExpired as exc:
        return CheckResult(NAME, WARN, f"the resolver did not finish within {exc.timeout:.0f} s: not checked",
                           (*evidence, f"index {index}"), "check the index is reachable; retry")
    evidence.append(f"resolved with pip against {index} for Python {python}")
    evidence += [f"left out for the resolver: {line}" for line in result.dropped_lines
                 if not line.startswith(("-c", "--constraint"))]
    if result.ok:
        airflow = dict((n.lower(), v) for n, v in result.installs).get("apache-airflow")
        if airflow and airflow != target:
            return CheckResult(NAME, FAIL, f"the requirements would install apache-airflow {airflow}",
                               tuple(evidence), f"remove apache-airflow or pin it to {target}")
        shown = ", ".join(f"{n} {v}" for n, v in result.installs[:12])
        more = f" (+{len(result.installs) - 12} more)" if len(result.installs) > 12 else ""
        evidence.append(f"would install {len(result.installs)}: {shown}{more}")
        return CheckResult(NAME, PASS, f"resolves with Airflow {target}'s constraints",
                           tuple(evidence), data={"installs": [list(i) for i in result.installs]})
    if result.conflicts:
        return CheckResult(
            NAME, FAIL,
            f"{len(result.conflicts)} conflicting package(s): "
            + ", ".join(c.package for c in result.conflicts),
            (*evidence, *(c.describe() for c in result.conflicts)),
            "pin these packages to the versions in the target's constraints file, or drop them",
            data={"conflicts": {c.package: list(c.causes) for c in result.conflicts}},
        )
    return CheckResult(NAME, WARN, "the resolver failed without a conflict: not checked",
                       (*evidence, result.error), "run the pip command by hand to see why")
