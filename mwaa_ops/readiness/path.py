"""Path check: the target is offered by MWAA, supported, and reachable in place.

Uses the upgrade path that ``mwaa-ops status`` computes
(:func:`mwaa_ops.versions.paths.upgrade_path`, through the environment's
:class:`~mwaa_ops.versions.standing.Standing`); it does not work out paths
of its own.
"""

from __future__ import annotations

from mwaa_ops.readiness.context import ReadinessContext
from mwaa_ops.readiness.model import FAIL, PASS, CheckResult
from mwaa_ops.versions.paths import IN_PLACE

NAME = "path"


def check_path(ctx: ReadinessContext) -> CheckResult:
    as_of = ctx.now.date()
    current, target = ctx.current, ctx.target
    entry = ctx.calendars.mwaa.get(target)
    path = ctx.standing.path
    evidence = [f"current {current}, target {target}, as of {as_of}"]
    if path is not None:
        evidence.append(f"upgrade path (as mwaa-ops status computes it): {path.describe()}")
    if entry is None:
        return CheckResult(NAME, FAIL, f"MWAA has never offered Airflow {target}", tuple(evidence),
                           "pick a version from `mwaa-ops versions`")
    if entry.available > as_of:
        return CheckResult(NAME, FAIL, f"MWAA offers {target} only from {entry.available}",
                           tuple(evidence), "wait, or pick an offered version")
    if entry.past_end_of_support(as_of):
        return CheckResult(NAME, FAIL, f"{target} is past its MWAA end of support ({entry.end_of_support})",
                           tuple(evidence), "pick a supported version from `mwaa-ops versions`")
    if entry.end_of_support:
        evidence.append(f"{target}: MWAA end of support {entry.end_of_support}")
    if target == current:
        return CheckResult(NAME, PASS, f"already on {target}: nothing to upgrade", tuple(evidence))
    if target < current:
        return CheckResult(NAME, FAIL, f"{target} is older than the running {current}",
                           tuple(evidence), "MWAA upgrades only forward; choose a newer version")
    steps = path.steps if path else ()
    for index, step in enumerate(steps):
        if step.target != target:
            continue
        if step.kind != IN_PLACE:
            return CheckResult(NAME, FAIL, f"{step.source} -> {target} needs a new environment",
                               (*evidence, f"reason: {step.reason}"),
                               "create a new environment on the target and move the DAGs")
        if index == 0:
            return CheckResult(NAME, PASS, f"{current} -> {target} is one in-place step",
                               (*evidence, f"reason: {step.reason}"))
        before = " then ".join(s.describe() for s in steps[:index])
        return CheckResult(NAME, FAIL, f"{target} is not reachable in one step from {current}",
                           (*evidence, f"intermediate steps first: {before}"),
                           f"upgrade to {steps[0].target} first (`--target {steps[0].target}`)")
    if target.major == current.major and ctx.rules.within_major_in_place:
        return CheckResult(NAME, PASS, f"{current} -> {target}: in place within {target.major}.x",
                           (*evidence, "within-major upgrades are one in-place step (upgrade rules)"))
    first = steps[0].target if steps else None
    return CheckResult(
        NAME, FAIL, f"{target} is not on the upgrade path from {current}", tuple(evidence),
        f"follow the path: next step {first}" if first else "see `mwaa-ops status`",
    )
