"""The upgrade path from an environment's version to the newest version MWAA offers.

A pure plan from the upgrade rules and the MWAA calendar as of a date: only
versions MWAA supports on that date can be steps. Minor moves within a major
are one in-place step; a major move goes through the rule's stepping stone
(the newest offered patch of e.g. 2.11) when the rule allows it in place,
and is a new environment otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from packaging.version import Version

from mwaa_ops.versions.model import MwaaCalendar, MwaaVersion
from mwaa_ops.versions.rules import UpgradeRules

IN_PLACE = "in_place"
NEW_ENVIRONMENT = "new_environment"


@dataclass(frozen=True, slots=True)
class Step:
    source: Version
    target: Version
    kind: str  # IN_PLACE | NEW_ENVIRONMENT
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"from": str(self.source), "to": str(self.target), "kind": self.kind, "reason": self.reason}

    def describe(self) -> str:
        how = "in place" if self.kind == IN_PLACE else "NEW ENVIRONMENT"
        return f"{self.source} -> {self.target} ({how})"


@dataclass(frozen=True)
class UpgradePath:
    current: Version
    target: Version | None
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = ()

    @property
    def needs_new_environment(self) -> bool:
        return any(s.kind == NEW_ENVIRONMENT for s in self.steps)

    def describe(self) -> str:
        if self.target is None:
            return "no MWAA version offered"
        if not self.steps:
            return "up to date" if self.current == self.target else f"ahead of {self.target}"
        chain = [str(self.current)]
        for step in self.steps:
            how = "in place" if step.kind == IN_PLACE else "new environment"
            chain.append(f"{step.target} ({how})")
        return " -> ".join(chain)

    def to_json(self) -> dict[str, Any]:
        return {
            "target": str(self.target) if self.target else None,
            "steps": [s.to_json() for s in self.steps],
            "needs_new_environment": self.needs_new_environment,
            "notes": list(self.notes),
        }


def _newest_in(offered: list[MwaaVersion], major: int, minor: int | None = None) -> Version | None:
    matching = [
        v.version for v in offered if v.version.major == major and (minor is None or v.version.minor == minor)
    ]
    return max(matching, default=None)


def upgrade_path(current: Version, mwaa: MwaaCalendar, rules: UpgradeRules, as_of: date) -> UpgradePath:
    """How to get from ``current`` to the newest version MWAA supports on ``as_of``."""
    offered = mwaa.supported(as_of)
    newest = offered[-1].version if offered else None
    if newest is None or current >= newest:
        return UpgradePath(current, newest, ())
    steps: list[Step] = []
    notes: list[str] = []
    here = current
    for major in range(current.major, newest.major):
        destination = newest if major + 1 == newest.major else _newest_in(offered, major + 1)
        if destination is None:
            notes.append(f"MWAA offers no {major + 1}.x version on {as_of}")
            continue
        rule = rules.major_rule(major, major + 1)
        if rule is None or not rule.in_place:
            steps.append(Step(here, destination, NEW_ENVIRONMENT, f"no in-place upgrade from {major}.x to {major + 1}.x"))
            here = destination
            continue
        if rule.direct_needs_new_environment(here):
            notes.append(f"a direct upgrade from {here} to {major + 1}.x needs a new environment")
        if rule.stepping_stone is not None:
            stone_major, stone_minor = rule.stepping_stone
            stone = _newest_in(offered, stone_major, stone_minor)
            if stone is None:
                steps.append(
                    Step(here, destination, NEW_ENVIRONMENT,
                         f"stepping stone {stone_major}.{stone_minor}.x not offered by MWAA on {as_of}")
                )
                here = destination
                continue
            if here < stone:
                kind = IN_PLACE if rules.within_major_in_place else NEW_ENVIRONMENT
                steps.append(Step(here, stone, kind, f"to the newest {stone_major}.{stone_minor}.x, the stepping stone"))
                here = stone
        steps.append(Step(here, destination, IN_PLACE, f"major upgrade {major}.x -> {major + 1}.x"))
        here = destination
    if here < newest and here.major == newest.major:
        kind = IN_PLACE if rules.within_major_in_place else NEW_ENVIRONMENT
        steps.append(Step(here, newest, kind, f"upgrade within {newest.major}.x"))
    return UpgradePath(current, newest, tuple(steps), tuple(notes))


def in_place_refusal(current: Version, target: Version, offered: list[Version], rules: UpgradeRules) -> str | None:
    """Why MWAA would refuse to move ``current`` to ``target`` in place; ``None`` when allowed.

    The same rules :func:`upgrade_path` plans with, applied to one move:
    within a major, when ``within_major.in_place``; one major up, only from
    the newest offered patch of the rule's stepping stone (``2.11``); one major
    down, only to that stepping-stone minor (MWAA allows 3.x -> 2.11.x).
    ``offered`` is what MWAA supports at the moment (any order).
    """
    if target not in offered:
        return f"{target} is not offered by MWAA"
    if target == current:
        return f"the environment already runs {target}"
    if target.major == current.major:
        return None if rules.within_major_in_place else f"no in-place upgrade within {current.major}.x"
    low, high = min(current, target), max(current, target)
    if high.major != low.major + 1:
        return f"{current} -> {target} spans more than one major version: a new environment is needed"
    rule = rules.major_rule(low.major, high.major)
    if rule is None or not rule.in_place:
        return f"no in-place move between {low.major}.x and {high.major}.x: a new environment is needed"
    if rule.stepping_stone is None:
        return None
    stone = rule.stepping_stone
    if target > current:
        newest_stone = max((v for v in offered if (v.major, v.minor) == stone), default=None)
        if (current.major, current.minor) != stone or current != newest_stone:
            return (f"an in-place upgrade to {target.major}.x must start from the newest "
                    f"{stone[0]}.{stone[1]}.x MWAA offers ({newest_stone or 'none offered'}), not {current}")
        return None
    if (target.major, target.minor) != stone:
        return f"a downgrade from {current.major}.x goes only to {stone[0]}.{stone[1]}.x, not {target}"
    return None
