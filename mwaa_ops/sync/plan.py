"""The pure plan: what to create, update, delete or leave, from desired and current state.

Resources are compared as JSON-like data (dicts, lists, scalars) after the
adapter has normalised both sides the same way, so "unchanged" means equal.
``current`` must hold only resources mwaa-ops owns (see
:mod:`mwaa_ops.sync.ownership`); the plan never deletes anything else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from mwaa_ops.errors import DefinitionError

Action = Literal["create", "update", "delete", "unchanged"]
ACTIONS: tuple[Action, ...] = ("create", "update", "delete", "unchanged")
MAX_DIFF_VALUE_CHARS = 100


@dataclass(frozen=True)
class Resource:
    """One resource of a kind: its name and its normalised body (JSON-like)."""

    kind: str
    name: str
    body: Any
    # Free-form facts for scoping and display (e.g. {"environment": "prod"}); not compared.
    labels: Mapping[str, str] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Change:
    """What apply will do to one resource, with the field-level diff for updates."""

    action: Action
    kind: str
    name: str
    desired: Resource | None
    current: Resource | None
    diff: tuple[str, ...] = ()

    @property
    def writes(self) -> bool:
        return self.action != "unchanged"

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "kind": self.kind, "name": self.name,
                "diff": list(self.diff)}


@dataclass(frozen=True)
class Plan:
    """Changes in a stable order: deletes, creates, updates, unchanged; each by name."""

    changes: tuple[Change, ...]

    @property
    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = dict.fromkeys(ACTIONS, 0)
        for change in self.changes:
            counts[change.action] += 1
        return counts

    @property
    def pending(self) -> tuple[Change, ...]:
        """The changes that need a write call."""
        return tuple(c for c in self.changes if c.writes)

    @property
    def empty(self) -> bool:
        return not self.pending

    def to_json(self) -> dict[str, Any]:
        return {"counts": self.counts, "changes": [c.to_json() for c in self.changes]}


def compute_plan(
    desired: Iterable[Resource],
    current: Iterable[Resource],
    *,
    in_scope: Callable[[Resource], bool] | None = None,
    item_key: Callable[[Any], str | None] | None = None,
) -> Plan:
    """Compare desired with current (owned) resources.

    ``in_scope`` limits deletions (e.g. to one environment when the user asked
    for one); desired resources are always in scope. Two desired resources with
    the same kind and name are a :class:`DefinitionError`. ``item_key`` names
    list items in diffs (see :func:`diff_lines`).
    """
    wanted: dict[tuple[str, str], Resource] = {}
    for resource in desired:
        key = (resource.kind, resource.name)
        if key in wanted:
            raise DefinitionError(f"two definitions produce {resource.kind} {resource.name!r}")
        wanted[key] = resource
    have = {(r.kind, r.name): r for r in current}
    changes: list[Change] = []
    for key, existing in sorted(have.items()):
        if key not in wanted and (in_scope is None or in_scope(existing)):
            changes.append(Change("delete", key[0], key[1], None, existing))
    for key, resource in sorted(wanted.items()):
        existing_or_none = have.get(key)
        if existing_or_none is None:
            changes.append(Change("create", key[0], key[1], resource, None))
        elif existing_or_none.body == resource.body:
            changes.append(Change("unchanged", key[0], key[1], resource, existing_or_none))
        else:
            diff = tuple(diff_lines(existing_or_none.body, resource.body, item_key=item_key))
            changes.append(Change("update", key[0], key[1], resource, existing_or_none, diff))
    order = {"delete": 0, "create": 1, "update": 2, "unchanged": 3}
    changes.sort(key=lambda c: (order[c.action], c.kind, c.name))
    return Plan(tuple(changes))


def diff_lines(
    before: Any,
    after: Any,
    path: str = "",
    *,
    item_key: Callable[[Any], str | None] | None = None,
) -> list[str]:
    """Field-level differences, one line each: ``~ path: old -> new``, ``+ path: new``, ``- path``.

    Mappings are compared key by key; lists item by item. When ``item_key``
    gives a label for list items (a widget's title), lines name the item by it
    (``widgets["Scheduler heartbeat"].period``) and items are matched by label,
    so inserting one widget does not show every later one as changed.
    """
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        out: list[str] = []
        for key in sorted(set(before) | set(after), key=str):
            sub = f"{path}.{key}" if path else str(key)
            if key not in after:
                out.append(f"- {sub}")
            elif key not in before:
                out.append(f"+ {sub}: {_show(after[key])}")
            else:
                out.extend(diff_lines(before[key], after[key], sub, item_key=item_key))
        return out
    if isinstance(before, list) and isinstance(after, list):
        return _diff_lists(before, after, path, item_key)
    if before != after:
        return [f"~ {path or '(value)'}: {_show(before)} -> {_show(after)}"]
    return []


def _diff_lists(
    before: Sequence[Any], after: Sequence[Any], path: str,
    item_key: Callable[[Any], str | None] | None,
) -> list[str]:
    labels_before = [item_key(x) if item_key else None for x in before]
    labels_after = [item_key(x) if item_key else None for x in after]
    keyed = (
        all(labels_before) and all(labels_after)
        and len(set(labels_before)) == len(before) and len(set(labels_after)) == len(after)
    )
    out: list[str] = []
    if keyed:
        old = dict(zip(labels_before, before, strict=True))
        new = dict(zip(labels_after, after, strict=True))
        for label in labels_before:
            if label not in new:
                out.append(f"- {path}[{label!r}]")
        for label in labels_after:
            sub = f"{path}[{label!r}]"
            if label not in old:
                out.append(f"+ {sub}")
            else:
                out.extend(diff_lines(old[label], new[label], sub, item_key=item_key))
        common_before = [x for x in labels_before if x in new]
        common_after = [x for x in labels_after if x in old]
        if common_before != common_after:
            out.append(f"~ {path}: order {common_before} -> {common_after}")
        return out
    for index in range(max(len(before), len(after))):
        sub = f"{path}[{index}]"
        if index >= len(after):
            out.append(f"- {sub}")
        elif index >= len(before):
            out.append(f"+ {sub}: {_show(after[index])}")
        else:
            out.extend(diff_lines(before[index], after[index], sub, item_key=item_key))
    return out


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= MAX_DIFF_VALUE_CHARS else text[: MAX_DIFF_VALUE_CHARS - 1] + "…"
