"""Run every readiness check for one environment: :func:`run_checks`, the public entry point.

The upgrade driver uses it as its gate (``report.passed``); ``mwaa-ops
readiness`` prints it. Checks run concurrently, each within
``readiness.check_timeout_seconds``: a check still running at its deadline
is reported as a warning ("did not finish"), never as a pass, and its child
processes (pip, ruff, the import check) are killed by their own timeouts.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from mwaa_ops.clock import Clock, utc_now
from mwaa_ops.config import Config
from mwaa_ops.errors import ConfigError
from mwaa_ops.readiness.configuration import check_configuration
from mwaa_ops.readiness.context import MakeClient, ReadinessContext
from mwaa_ops.readiness.dags import check_dags
from mwaa_ops.readiness.environment import check_environment
from mwaa_ops.readiness.model import WARN, CheckResult, ReadinessReport
from mwaa_ops.readiness.path import check_path
from mwaa_ops.readiness.plugins import check_plugins
from mwaa_ops.readiness.requirements import check_requirements
from mwaa_ops.versions.cache import load_calendars
from mwaa_ops.versions.environments import describe_environment
from mwaa_ops.versions.rules import load_upgrade_rules
from mwaa_ops.versions.standing import standing

Check = Callable[[ReadinessContext], CheckResult]
# In the order they are printed.
CHECKS: dict[str, Check] = {
    "path": check_path,
    "environment": check_environment,
    "requirements": check_requirements,
    "plugins": check_plugins,
    "dags": check_dags,
    "configuration": check_configuration,
}


def default_target(context_standing: Any, current: Version) -> Version:
    """The next step on the upgrade path ``mwaa-ops status`` computes; the current version if none."""
    path = context_standing.path
    return path.steps[0].target if path is not None and path.steps else current


def run_checks(
    environment: str,
    target: str | None = None,
    *,
    make_client: MakeClient,
    config: Config,
    clock: Clock,
    dags_dir: Path | None = None,
    requirements_file: Path | None = None,
    plugins_file: Path | None = None,
    import_check: bool = False,
    only: Sequence[str] | None = None,
    checks: dict[str, Check] | None = None,
    progress: Callable[[str, CheckResult | None], None] | None = None,
) -> ReadinessReport:
    """Every readiness check for ``environment`` upgrading to ``target``.

    ``target`` defaults to the next step of the upgrade path. ``make_client(service)``
    returns a boto3 client (``mwaa``, ``s3``, ``cloudwatch``); ``progress(name, result)``
    is called when a check starts (``None``) and ends. Raises
    :class:`~mwaa_ops.errors.EnvironmentNotFoundError` for an unknown environment,
    :class:`~mwaa_ops.errors.ConfigError` for a target that is not a version, and
    the AWS errors of ``GetEnvironment``; everything a check meets is in its result.
    """
    now = utc_now(clock)
    raw = describe_environment(make_client("mwaa"), environment)
    calendars = load_calendars(config.state_dir)
    rules = load_upgrade_rules()
    here = standing(environment, raw.get("AirflowVersion", ""), calendars.community, calendars.mwaa,
                    rules, now.date(), raw.get("Status", ""))
    try:
        current = Version(raw.get("AirflowVersion", ""))
        chosen = Version(target) if target else default_target(here, current)
    except InvalidVersion as exc:
        raise ConfigError(f"--target {target!r}: not an Airflow version ({exc})") from None
    entry = calendars.mwaa.get(chosen)
    python = (entry.python if entry and entry.python else "") or config.readiness.default_python
    selected = checks or CHECKS
    names = [n for n in selected if not only or n in only]
    unknown = set(only or ()) - set(selected)
    if unknown:
        raise ConfigError(f"unknown check(s) {sorted(unknown)}; known: {', '.join(selected)}")
    timeout = config.readiness.check_timeout_seconds
    work = Path(tempfile.mkdtemp(prefix="mwaa-ops-readiness-"))
    context = ReadinessContext(
        name=environment, environment=raw, current=current, target=chosen, target_python=python,
        standing=here, calendars=calendars, rules=rules, now=now, make_client=make_client,
        settings=config.readiness, state_dir=config.state_dir, work_dir=work, dags_dir=dags_dir,
        requirements_file=requirements_file, plugins_file=plugins_file, import_check=import_check,
        deadline_seconds=timeout,
    )
    results: dict[str, CheckResult] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, len(names)), thread_name_prefix="readiness")
    try:
        started = {}
        futures = {}
        for name in names:
            if progress:
                progress(name, None)
            started[name] = clock.monotonic()
            futures[name] = pool.submit(_run_one, name, selected[name], context, clock)
        deadline = time.monotonic() + timeout
        for name in names:
            try:
                result = futures[name].result(timeout=max(0.0, deadline - time.monotonic()))
            except FutureTimeout:
                result = CheckResult(
                    name, WARN, f"did not finish within {timeout:g} s: not checked",
                    (f"readiness.check_timeout_seconds = {timeout:g}",),
                    "raise readiness.check_timeout_seconds or check what it waits on",
                    seconds=clock.monotonic() - started[name],
                )
            results[name] = result
            if progress:
                progress(name, result)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        shutil.rmtree(work, ignore_errors=True)
    return ReadinessReport(environment, str(current), str(chosen), now,
                           tuple(results[n] for n in names),
                           here.path.describe() if here.path else "")


def _run_one(name: str, check: Check, context: ReadinessContext, clock: Clock) -> CheckResult:
    start = clock.monotonic()
    try:
        result = check(context)
    except Exception as exc:  # a check that breaks says so; it never passes silently
        result = CheckResult(name, WARN, f"could not run: {type(exc).__name__}: {exc}",
                             remedy="report this; the check did not run")
    return CheckResult(result.check, result.status, result.summary, result.evidence, result.remedy,
                       clock.monotonic() - start, result.data)
