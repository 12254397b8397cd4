"""Loading ``alarms/*.yaml`` into :class:`AlarmDefinition` models with the sync frame's loader.

Every problem of every file is reported at once, each as
``alarms/x.yaml:5: metric.name = 'SchedulerHeartbeet': unknown metric ...``
(:mod:`mwaa_ops.sync.definitions`). Checked beyond the model's own limits:
the metric exists in the name catalogue (the MWAA map, the agent's own
``Agent*`` metrics, the version metrics) with those dimension names, the
runbook file exists, and the file is named after the alarm.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mwaa_ops.alarms.model import AlarmDefinition
from mwaa_ops.errors import InvalidDefinitionError
from mwaa_ops.sync.definitions import Issue, load_directory, parse_yaml

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DEFINITIONS_DIR = PACKAGE_ROOT / "alarms"
DEFAULT_RUNBOOKS_DIR = PACKAGE_ROOT / "runbooks"
MAINTENANCE_METRIC = "MaintenanceMute"
VERSION_METRICS = ("DaysBehindNewestMwaa", "MinorsBehind", "MinorsBehindMwaa", "DaysToEndOfSupport",
                   "VersionSupportLevel", "MwaaTargetLagDays")  # docs/versions.md


@dataclass(frozen=True)
class Definitions:
    """The validated definitions of one folder, in file-name order."""

    alarms: tuple[AlarmDefinition, ...]
    source: Path

    def names(self) -> list[str]:
        return [a.name for a in self.alarms]


def known_metrics() -> dict[str, set[frozenset[str]]]:
    """CloudWatch metric name -> the sets of dimension names (besides Environment) it is published with."""
    from mwaa_ops.agent.self_metrics import PUBLISHED
    from mwaa_ops.airflow.catalogue import load_catalogue

    out: dict[str, set[frozenset[str]]] = {}
    for row in load_catalogue().rows:
        out.setdefault(row.cloudwatch_metric, set()).add(frozenset(n for n, _ in row.dimensions))
    for metric, _unit in PUBLISHED.values():
        out.setdefault(metric, set()).add(frozenset({"Function"}))
    for metric in VERSION_METRICS:
        out.setdefault(metric, set()).add(frozenset())
    out.setdefault(MAINTENANCE_METRIC, set()).add(frozenset({"MuteId"}))
    return out


def load_definitions(
    directory: Path | None = None, runbooks_dir: Path | None = DEFAULT_RUNBOOKS_DIR
) -> Definitions:
    """Every ``*.yaml`` in ``directory``; :class:`InvalidDefinitionError` lists every problem found."""
    directory = directory or DEFAULT_DEFINITIONS_DIR
    loaded = load_directory(directory, AlarmDefinition,
                            {"metrics": known_metrics(), "runbooks_dir": runbooks_dir})
    issues: list[Issue] = list(loaded.issues)
    alarms: list[AlarmDefinition] = []
    for path, alarm in loaded.items.items():
        if alarm.name != path.stem:
            source = parse_yaml(path.read_text(encoding="utf-8"), path)
            issues.append(source.issue(("name",), f"the file must be named after the alarm ({alarm.name}.yaml)"))
            continue
        alarms.append(alarm)
    if issues:
        raise InvalidDefinitionError(tuple(issues))
    return Definitions(tuple(alarms), directory)
