"""Configuration check: ``AirflowConfigurationOptions`` the target version removed or renamed.

The changes are data (``mwaa_ops/data/airflow3-config-changes.yaml``, from
Airflow's own ``airflow config update`` rules) for the 2.x -> 3.x move.
Moves within a major keep their options (Airflow deprecates for a whole
major before removing), so only a major upgrade is checked against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from mwaa_ops.data import load_yaml
from mwaa_ops.errors import DefinitionError
from mwaa_ops.readiness.context import ReadinessContext
from mwaa_ops.readiness.model import FAIL, PASS, CheckResult

NAME = "configuration"
CHANGES_FILE = "airflow3-config-changes.yaml"


@dataclass(frozen=True, slots=True)
class OptionChange:
    option: str  # "section.option"
    renamed_to: str | None
    suggestion: str | None


@cache
def config_changes() -> tuple[int, int, str, dict[str, OptionChange]]:
    """(from_major, to_major, Airflow version the data came from, option -> change)."""
    data, source = load_yaml(CHANGES_FILE)
    if not isinstance(data, dict) or data.get("schema") != 1:
        raise DefinitionError(f"{source}: expected schema: 1")
    changes: dict[str, OptionChange] = {}
    for index, item in enumerate(data.get("changes") or []):
        if not isinstance(item, dict) or "." not in str(item.get("option", "")):
            raise DefinitionError(f"{source}: changes[{index}]: 'option' must be 'section.option'")
        changes[item["option"]] = OptionChange(item["option"], item.get("renamed_to"), item.get("suggestion"))
    return int(data["from_major"]), int(data["to_major"]), str(data["airflow"]), changes


def check_configuration(ctx: ReadinessContext) -> CheckResult:
    options = dict(ctx.environment.get("AirflowConfigurationOptions") or {})
    from_major, to_major, source_version, changes = config_changes()
    evidence = [f"{len(options)} option(s) set on the environment"]
    if not (ctx.current.major == from_major and ctx.target.major == to_major):
        return CheckResult(NAME, PASS, f"no option removals known for {ctx.current} -> {ctx.target}",
                           tuple(evidence))
    evidence.append(f"compared with Airflow {source_version}'s list of {len(changes)} removed/renamed options")
    found = []
    for key in sorted(options):
        change = changes.get(key.lower())
        if change is None:
            continue
        if change.renamed_to:
            found.append(f"{key}: renamed to {change.renamed_to}")
        else:
            found.append(f"{key}: removed" + (f" ({change.suggestion})" if change.suggestion else ""))
    if found:
        return CheckResult(NAME, FAIL, f"{len(found)} option(s) removed or renamed in Airflow {to_major}",
                           (*evidence, *found),
                           "rename or drop them in AirflowConfigurationOptions with the upgrade")
    return CheckResult(NAME, PASS, f"no option set that Airflow {to_major} removed or renamed",
                       tuple(evidence))
