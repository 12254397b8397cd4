"""The upgrade plan: the steps, the window each would run in, and what is refused.

Pure. The steps are :func:`mwaa_ops.versions.paths.upgrade_path` (the same
allowed path ``mwaa-ops status`` prints, stepping stones included), cut at the
requested target by planning against the MWAA calendar without the versions
above it. Each in-place step is given the first usable window, after the
previous step, in which the expected duration (upgrade plus rollback) fits.
A path that needs a new environment is shown with what must be copied and
is never run in place.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from mwaa_ops.errors import ConfigError
from mwaa_ops.upgrades.audit import past_durations
from mwaa_ops.upgrades.window import Freeze, Occurrence, WindowPolicy, build_policy, first_fit
from mwaa_ops.versions.model import MwaaCalendar
from mwaa_ops.versions.paths import IN_PLACE, UpgradePath, upgrade_path
from mwaa_ops.versions.rules import UpgradeRules

LEARN_FROM = 5  # the last N completed steps of an environment
LEARN_MARGIN = 1.25  # learned duration: the slowest recent step plus a quarter


@dataclass(frozen=True)
class PlannedStep:
    index: int
    source: str
    target: str
    kind: str
    reason: str
    window: Occurrence | None

    def to_json(self) -> dict[str, Any]:
        return {"step": self.index, "from": self.source, "to": self.target, "kind": self.kind,
                "reason": self.reason, "window": self.window.to_json() if self.window else None}


@dataclass(frozen=True)
class UpgradePlan:
    environment: str
    status: str
    current: str
    target: str
    steps: tuple[PlannedStep, ...]
    needed: timedelta
    needed_source: str
    notes: tuple[str, ...] = ()
    copy: tuple[str, ...] = ()  # what a new environment must receive, when one is needed
    windows: tuple[Occurrence, ...] = ()
    readiness: dict[str, Any] | None = field(default=None)

    @property
    def needs_new_environment(self) -> bool:
        return any(s.kind != IN_PLACE for s in self.steps)

    def to_json(self) -> dict[str, Any]:
        return {"environment": self.environment, "status": self.status, "current_version": self.current,
                "target_version": self.target, "needs_new_environment": self.needs_new_environment,
                "expected_step_minutes": self.needed.total_seconds() / 60,
                "expected_step_source": self.needed_source, "steps": [s.to_json() for s in self.steps],
                "notes": list(self.notes), "copy_to_new_environment": list(self.copy),
                "next_windows": [w.to_json() for w in self.windows], "readiness": self.readiness}


def window_policy(config: Any, environment: str, weekly_start: str | None) -> WindowPolicy:
    """The environment's windows: config override, else MWAA's ``WeeklyMaintenanceWindowStart``."""
    upgrades = config.upgrades
    own = upgrades.environments.get(environment)
    length = (own.window_minutes if own and own.window_minutes else
              config.readiness.maintenance_window_minutes)
    return build_policy(
        weekly_start, overrides=own.windows if own else (), length_minutes=length,
        blackout_dates=(*upgrades.blackout_dates, *(own.blackout_dates if own else ())),
        freezes=[Freeze(f.start.astimezone(UTC) if f.start.tzinfo else f.start.replace(tzinfo=UTC),
                        f.end.astimezone(UTC) if f.end.tzinfo else f.end.replace(tzinfo=UTC), f.reason)
                 for f in upgrades.freezes],
        environment=environment,
    )


def expected_duration(config: Any, state_dir: Path, environment: str) -> tuple[timedelta, str]:
    """How long one step is expected to take, rollback included, and where the figure comes from."""
    rollback = timedelta(minutes=config.upgrades.rollback_minutes)
    past = past_durations(state_dir, environment)[-LEARN_FROM:]
    if past:
        learned = timedelta(seconds=max(past) * LEARN_MARGIN)
        return (learned + rollback,
                f"learned: slowest of the last {len(past)} steps x {LEARN_MARGIN} "
                f"(median {statistics.median(past) / 60:.1f} min) + {config.upgrades.rollback_minutes} min rollback")
    configured = timedelta(minutes=config.readiness.expected_upgrade_minutes)
    return (configured + rollback,
            f"configured: readiness.expected_upgrade_minutes {config.readiness.expected_upgrade_minutes} "
            f"+ upgrades.rollback_minutes {config.upgrades.rollback_minutes}")


def _capped(mwaa: MwaaCalendar, target: Version) -> MwaaCalendar:
    return MwaaCalendar(tuple(v for v in mwaa.versions if v.version <= target), mwaa.source, mwaa.fetched_at)


def path_to(current: Version, target: Version | None, mwaa: MwaaCalendar, rules: UpgradeRules,
            now: datetime) -> UpgradePath:
    """The allowed path to ``target`` (the newest offered version when None)."""
    if target is None:
        return upgrade_path(current, mwaa, rules, now.date())
    offered = [v.version for v in mwaa.supported(now.date())]
    if target not in offered:
        raise ConfigError(f"target {target}: not offered by MWAA on {now.date()} "
                          f"(offered: {', '.join(map(str, offered)) or 'none'})")
    path = upgrade_path(current, _capped(mwaa, target), rules, now.date())
    if path.target != target:
        raise ConfigError(f"target {target}: not reachable from {current} ({path.describe()})")
    return path


def copy_list(environment: dict[str, Any]) -> tuple[str, ...]:
    """What a new environment needs from the old one."""
    items = [f"DAGs: {environment.get('SourceBucketArn', '?')}/{environment.get('DagS3Path', 'dags')}"]
    for member, label in (("RequirementsS3Path", "requirements"), ("PluginsS3Path", "plugins"),
                          ("StartupScriptS3Path", "startup script")):
        if environment.get(member):
            items.append(f"{label}: {environment[member]} (check it against the new version's constraints)")
    options = environment.get("AirflowConfigurationOptions") or {}
    if options:
        items.append(f"Airflow configuration options: {', '.join(sorted(options))}")
    items += ["variables, connections and pools (export from the metadata database; not copied by MWAA)",
              f"execution role {environment.get('ExecutionRoleArn', '?')}, network configuration, logging "
              "configuration, environment class and worker counts, tags",
              "DAG run history only if needed (a new environment starts with an empty metadata database)"]
    return tuple(items)


def plan_upgrade(environment: dict[str, Any], target: str | None, *, config: Any, state_dir: Path,
                 mwaa: MwaaCalendar, rules: UpgradeRules, now: datetime) -> UpgradePlan:
    """The plan for GetEnvironment's ``environment`` to ``target`` (None: the newest offered) as of ``now``."""
    name = environment.get("Name", "")
    try:
        current = Version(environment.get("AirflowVersion", ""))
        wanted = Version(target) if target else None
    except InvalidVersion as exc:
        raise ConfigError(f"not an Airflow version: {exc}") from None
    path = path_to(current, wanted, mwaa, rules, now)
    policy = window_policy(config, name, environment.get("WeeklyMaintenanceWindowStart"))
    needed, source = expected_duration(config, state_dir, name)
    steps: list[PlannedStep] = []
    after = now
    for i, step in enumerate(path.steps, 1):
        window = None
        if step.kind == IN_PLACE and not any(s.kind != IN_PLACE for s in path.steps):
            window = first_fit(policy, after, needed)
            if window is not None:
                after = max(window.start, after) + needed
        steps.append(PlannedStep(i, str(step.source), str(step.target), step.kind, step.reason, window))
    from mwaa_ops.upgrades.window import occurrences

    new_env = path.needs_new_environment
    return UpgradePlan(
        environment=name, status=environment.get("Status", ""), current=str(current),
        target=str(path.target) if path.target else str(current), steps=tuple(steps), needed=needed,
        needed_source=source, notes=path.notes, copy=copy_list(environment) if new_env else (),
        windows=tuple(occurrences(policy, now, 4)),
    )
