"""Loading ``alarms/*.yaml`` into :class:`AlarmDefinition` models, with errors that name file and line.

Every problem is reported (not only the first), each as
``alarms/x.yaml:12: metric.name = 'SchedulerHeartbeet': unknown metric ...``.
Checked beyond the model: the metric exists in the name catalogue (the MWAA
map, the agent's own ``Agent*`` metrics, the version metrics) with those
dimension names, the runbook file exists, names are unique.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from mwaa_ops.alarms.model import AlarmDefinition, MetricRef
from mwaa_ops.errors import DefinitionError

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DEFINITIONS_DIR = PACKAGE_ROOT / "alarms"
DEFAULT_RUNBOOKS_DIR = PACKAGE_ROOT / "runbooks"
MAINTENANCE_METRIC = "MaintenanceMute"


@dataclass(frozen=True)
class Definitions:
    """The validated definitions of one folder, in file-name order."""

    alarms: tuple[AlarmDefinition, ...]
    source: Path

    def names(self) -> list[str]:
        return [a.name for a in self.alarms]


def _lines(node: yaml.Node, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], int]:
    """Key path -> 1-based line, from a composed YAML node tree."""
    out = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, key.value)
            out.update(_lines(value, child))
            out[child] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            out.update(_lines(item, (*path, index)))
    return out


def _line_of(lines: dict[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int:
    for cut in range(len(loc), -1, -1):
        if tuple(loc[:cut]) in lines:
            return lines[tuple(loc[:cut])]
    return 1


def known_metrics() -> dict[str, set[frozenset[str]]]:
    """CloudWatch metric name -> the sets of dimension names it is published with."""
    from mwaa_ops.agent.self_metrics import PUBLISHED
    from mwaa_ops.airflow.catalogue import load_catalogue

    out: dict[str, set[frozenset[str]]] = {}
    for row in load_catalogue().rows:
        out.setdefault(row.cloudwatch_metric, set()).add(frozenset(n for n, _ in row.dimensions))
    for metric, _unit in PUBLISHED.values():
        out.setdefault(metric, set()).add(frozenset({"Function"}))
    for metric in ("DaysBehindNewestMwaa", "MinorsBehind", "MinorsBehindMwaa",
                   "DaysToEndOfSupport", "VersionSupportLevel", "MwaaTargetLagDays"):
        out.setdefault(metric, set()).add(frozenset())
    out.setdefault(MAINTENANCE_METRIC, set()).add(frozenset({"MuteId"}))
    return out


def _metric_problems(ref: MetricRef, where: tuple[Any, ...], catalogue: dict[str, set[frozenset[str]]]) -> list[tuple[tuple[Any, ...], str]]:
    if ref.namespace:
        return []  # another namespace: not ours to check
    shapes = catalogue.get(ref.name)
    if shapes is None:
        close = sorted(n for n in catalogue if n.lower()[:6] == ref.name.lower()[:6])[:3]
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        return [((*where, "name"), f"{ref.name!r}: unknown metric; not in the MWAA name catalogue, "
                 f"the agent's or the version metrics{hint}")]
    given = frozenset(ref.dimensions) - {"Environment"}
    if given not in shapes:
        allowed = " or ".join(sorted("{" + ", ".join(sorted(s)) + "}" for s in shapes))
        return [((*where, "dimensions"), f"{ref.name} is published with dimensions {allowed} "
                 f"(besides Environment), not {{{', '.join(sorted(given))}}}")]
    return []


def load_file(path: Path, runbooks_dir: Path | None, catalogue: dict[str, set[frozenset[str]]]) -> tuple[AlarmDefinition | None, list[str]]:
    """One definition file: the model, or the problems (``file:line: message``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return None, [f"{path}: cannot be read: {exc.strerror or exc}"]
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        return None, [f"{path}{line}: not valid YAML: {getattr(exc, 'problem', exc)}"]
    if not isinstance(data, dict) or node is None:
        return None, [f"{path}:1: an alarm definition is a mapping (name, description, severity, ...)"]
    lines = _lines(node)
    try:
        alarm = AlarmDefinition.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            key = ".".join(str(p) for p in loc) or "(top level)"
            message = str(error["msg"]).removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = "unknown key (see docs/alarms.md for the allowed keys)"
                problems.append(f"{path}:{_line_of(lines, loc)}: {key}: {message}")
            elif loc:
                problems.append(f"{path}:{_line_of(lines, loc)}: {key} = {error.get('input')!r}: {message}")
            else:
                problems.append(f"{path}:1: {message}")
        return None, problems
    problems_at: list[tuple[tuple[Any, ...], str]] = []
    if alarm.name != path.stem:
        problems_at.append((("name",), f"{alarm.name!r}: the file must be named after the alarm ({alarm.name}.yaml)"))
    refs = [(("metric",), alarm.metric)] if alarm.metric else []
    refs += [(("metrics", k), v) for k, v in alarm.metrics.items()]
    for where, ref in refs:
        problems_at.extend(_metric_problems(ref, where, catalogue))
    if runbooks_dir is not None and not (runbooks_dir / f"{alarm.runbook_name}.md").is_file():
        key = ("runbook",) if alarm.runbook else ("name",)
        problems_at.append((key, f"missing runbook: {runbooks_dir / (alarm.runbook_name + '.md')} does not exist"))
    problems = [f"{path}:{_line_of(lines, loc)}: {'.'.join(map(str, loc))}: {msg}" for loc, msg in problems_at]
    return (None if problems else alarm), problems


def load_definitions(
    directory: Path | None = None, runbooks_dir: Path | None = DEFAULT_RUNBOOKS_DIR
) -> Definitions:
    """Every ``*.yaml`` in ``directory``; :class:`DefinitionError` lists every problem found."""
    directory = directory or DEFAULT_DEFINITIONS_DIR
    if not directory.is_dir():
        raise DefinitionError(f"{directory}: no such folder of alarm definitions")
    catalogue = known_metrics()
    alarms: list[AlarmDefinition] = []
    problems: list[str] = []
    seen: dict[str, Path] = {}
    for path in sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml")):
        alarm, found = load_file(path, runbooks_dir, catalogue)
        problems.extend(found)
        if alarm is None:
            continue
        if alarm.name in seen:
            problems.append(f"{path}:1: name {alarm.name!r} is already defined in {seen[alarm.name]}")
            continue
        seen[alarm.name] = path
        alarms.append(alarm)
    if problems:
        raise DefinitionError(f"{len(problems)} problem(s) in the alarm definitions:\n  " + "\n  ".join(problems))
    return Definitions(tuple(alarms), directory)


def definition_names(definitions: Iterable[AlarmDefinition]) -> list[str]:
    return [d.name for d in definitions]
