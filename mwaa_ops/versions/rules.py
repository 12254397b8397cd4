"""The upgrade rules from ``mwaa_ops/data/upgrade-rules.yaml``, validated.

The rules are data so that a person can change them when MWAA does, without
reading Python. A bad file stops with a :class:`DefinitionError` naming the
file and the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from mwaa_ops.data import load_yaml
from mwaa_ops.errors import DefinitionError

RULES_FILE = "upgrade-rules.yaml"
SCHEMA = 1


@dataclass(frozen=True, slots=True)
class MajorRule:
    """How an environment moves from one major version to the next."""

    from_major: int
    to_major: int
    in_place: bool
    stepping_stone: tuple[int, int] | None = None
    new_environment_from: SpecifierSet | None = None

    def direct_needs_new_environment(self, version: Version) -> bool:
        return self.new_environment_from is not None and version in self.new_environment_from


@dataclass(frozen=True)
class UpgradeRules:
    within_major_in_place: bool
    majors: tuple[MajorRule, ...]
    source: str = ""

    def major_rule(self, from_major: int, to_major: int) -> MajorRule | None:
        return next((r for r in self.majors if (r.from_major, r.to_major) == (from_major, to_major)), None)


def _minor(text: Any, where: str) -> tuple[int, int]:
    parts = str(text).split(".")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise DefinitionError(f"{where}: {text!r} is not a minor version like '2.11'")
    return int(parts[0]), int(parts[1])


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise DefinitionError(f"{where}: {value!r} must be true or false")
    return value


def parse_rules(data: Any, source: str) -> UpgradeRules:
    """Validate the YAML document; every problem names ``source`` and the key."""
    if not isinstance(data, dict):
        raise DefinitionError(f"{source}: expected a mapping with 'schema', 'within_major', 'majors'")
    if data.get("schema") != SCHEMA:
        raise DefinitionError(f"{source}: schema: {data.get('schema')!r}, expected {SCHEMA}")
    within = data.get("within_major") or {}
    if not isinstance(within, dict):
        raise DefinitionError(f"{source}: within_major: expected a mapping")
    known = {"from", "to", "in_place", "stepping_stone", "new_environment_from"}
    majors: list[MajorRule] = []
    for index, item in enumerate(data.get("majors") or []):
        where = f"{source}: majors[{index}]"
        if not isinstance(item, dict):
            raise DefinitionError(f"{where}: expected a mapping")
        unknown = set(item) - known
        if unknown:
            raise DefinitionError(f"{where}: unknown key(s) {sorted(unknown)}; allowed {sorted(known)}")
        try:
            from_major, to_major = int(item["from"]), int(item["to"])
        except (KeyError, TypeError, ValueError):
            raise DefinitionError(f"{where}: 'from' and 'to' must be major version numbers") from None
        if to_major != from_major + 1:
            raise DefinitionError(f"{where}: to: {to_major}, expected {from_major + 1} (one major at a time)")
        stone = item.get("stepping_stone")
        spec_text = item.get("new_environment_from")
        try:
            spec = SpecifierSet(str(spec_text)) if spec_text else None
        except InvalidSpecifier:
            raise DefinitionError(f"{where}.new_environment_from: {spec_text!r} is not a version specifier") from None
        majors.append(
            MajorRule(
                from_major,
                to_major,
                _bool(item.get("in_place", False), f"{where}.in_place"),
                _minor(stone, f"{where}.stepping_stone") if stone is not None else None,
                spec,
            )
        )
    return UpgradeRules(_bool(within.get("in_place", True), f"{source}: within_major.in_place"), tuple(majors), source)


def load_upgrade_rules(path: str | Path | None = None) -> UpgradeRules:
    """The rules from ``path``, or the ones shipped in the package."""
    data, source = load_yaml(RULES_FILE, path)
    return parse_rules(data, source)
