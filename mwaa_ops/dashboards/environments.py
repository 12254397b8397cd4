"""The environments dashboards are built for, and the parameters filled into definitions.

MWAA environments come from ``ListEnvironments``/``GetEnvironment`` (class,
max workers, Airflow version); the configured ``environment`` is the
self-managed Airflow the agent feeds: its class and max workers come from
MWAA when an environment of that name exists there (the embedded default
creates one), else from ``[dashboards]`` config.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Any

from mwaa_ops.errors import ConfigError, EnvironmentNotFoundError

CLASSES_FILE = "mwaa-environment-classes.csv"
MWAA, SELF_MANAGED = "mwaa", "self-managed"


@dataclass(frozen=True)
class EnvironmentClass:
    """An MWAA environment class: default tasks per worker and the MaxWorkers ceiling."""

    name: str
    tasks_per_worker: int
    max_workers_limit: int


@lru_cache(maxsize=1)
def environment_classes() -> dict[str, EnvironmentClass]:
    """The shipped table (``mwaa_ops/data/mwaa-environment-classes.csv``, source in the file)."""
    text = resources.files("mwaa_ops.data").joinpath(CLASSES_FILE).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return {
        row["environment_class"]: EnvironmentClass(
            row["environment_class"], int(row["tasks_per_worker"]), int(row["max_workers_limit"]))
        for row in csv.DictReader(io.StringIO("\n".join(lines)))
    }


def tasks_per_worker(environment_class: str) -> int:
    """MWAA's default concurrent tasks per worker for a class; ConfigError when unknown."""
    known = environment_classes()
    if environment_class not in known:
        raise ConfigError(f"environment class {environment_class!r} is not an MWAA class "
                          f"(known: {', '.join(known)})")
    return known[environment_class].tasks_per_worker


def required_workers(running: float, queued: float, per_worker: int) -> int:
    """MWAA's scaling rule: ceil((running + queued) / tasks per worker)."""
    total = running + queued
    return int(-(-total // per_worker)) if total > 0 else 0


@dataclass(frozen=True)
class EnvironmentParams:
    """One environment as the definitions see it."""

    name: str
    kind: str  # MWAA | SELF_MANAGED
    airflow_version: str
    environment_class: str
    max_workers: int

    @property
    def tasks_per_worker(self) -> int:
        return tasks_per_worker(self.environment_class)

    def parameters(self, shared: dict[str, str]) -> dict[str, str]:
        """Every ``{parameter}`` of a definition, as text."""
        return {
            **shared,
            "environment": self.name,
            "kind": self.kind,
            "airflow_version": self.airflow_version or "unknown",
            "environment_class": self.environment_class,
            "max_workers": str(self.max_workers),
            "tasks_per_worker": str(self.tasks_per_worker),
        }


def discover_environments(
    config: Any, make_client: Callable[[str], Any], only: str | None = None
) -> list[EnvironmentParams]:
    """MWAA's environments (all, or ``only``) plus the configured self-managed one."""
    from mwaa_ops.versions.environments import list_environment_names

    settings = config.dashboards
    found: dict[str, EnvironmentParams] = {}
    if settings.include_mwaa_environments:
        client = make_client("mwaa")
        names = list_environment_names(client)
        for name in names:
            if only and name != only:
                continue
            answer = _get_environment(client, name)
            if answer is not None and name == config.environment:
                # The environment this agent feeds is Airflow outside MWAA (MWAA publishes
                # its own metrics; no AWS/MWAA service metrics for it), even when an MWAA
                # environment of that name exists, as in the embedded default.
                answer = replace(answer, kind=SELF_MANAGED)
            if answer is not None:
                found[name] = answer
    if config.environment not in found and (not only or only == config.environment):
        found[config.environment] = EnvironmentParams(
            config.environment, SELF_MANAGED, settings.airflow_version,
            settings.environment_class, settings.max_workers)
    if only and only not in found:
        raise ConfigError(f"environment {only!r} is neither an MWAA environment nor the "
                          f"configured one ({config.environment!r})")
    return [found[name] for name in sorted(found)]


def _get_environment(client: Any, name: str) -> EnvironmentParams | None:
    from mwaa_ops.versions.environments import describe_environment

    try:
        environment = describe_environment(client, name)
    except EnvironmentNotFoundError:
        return None  # deleted between the list and the get
    return EnvironmentParams(
        name=environment.get("Name", name),
        kind=MWAA,
        airflow_version=environment.get("AirflowVersion", ""),
        environment_class=environment.get("EnvironmentClass", "mw1.small"),
        max_workers=int(environment.get("MaxWorkers", 10)),
    )
