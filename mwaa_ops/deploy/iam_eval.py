"""A small, honest IAM evaluator for identity policies and recorded calls.

It answers what AWS's policy evaluation answers for one identity-based policy
and a request (action, resource ARN, condition context), for the subset of the
policy language mwaa-ops generates: ``Effect`` Allow/Deny, ``Action`` and
``Resource`` with ``*`` and ``?`` wildcards (actions case-insensitive, ARNs
case-sensitive), and the condition operators ``StringEquals``,
``StringNotEquals``, ``StringLike``, ``StringNotLike`` (a missing key fails the
positive operators, as in IAM). Anything else (``NotAction``, ``NotResource``,
other operators, ``...IfExists``) raises :class:`UnsupportedPolicy` rather than
guessing. Explicit deny wins; no matching allow is an implicit deny.
Source: IAM User Guide, "Policy evaluation logic" and "IAM JSON policy elements".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mwaa_ops.errors import MwaaOpsError

SUPPORTED_KEYS = {"Sid", "Effect", "Action", "Resource", "Condition"}
SUPPORTED_OPERATORS = {"StringEquals", "StringNotEquals", "StringLike", "StringNotLike"}


class UnsupportedPolicy(MwaaOpsError, ValueError):
    """The policy uses an element this evaluator does not implement."""


@dataclass(frozen=True)
class Call:
    """One IAM request, as :mod:`mwaa_ops.aws_calls` records it."""

    action: str
    resource: str
    context: Mapping[str, str]

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Call:
        return cls(str(record["action"]), str(record["resource"]), dict(record.get("context") or {}))


@dataclass(frozen=True)
class Decision:
    allowed: bool
    # (sid, action pattern) of every Allow statement that matched.
    matched: tuple[tuple[str, str], ...]
    denied_by: str = ""


@functools.cache
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{body}$", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _listed(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _condition_holds(condition: Mapping[str, Mapping[str, Any]], context: Mapping[str, str]) -> bool:
    for operator, keys in condition.items():
        if operator not in SUPPORTED_OPERATORS:
            raise UnsupportedPolicy(f"condition operator {operator!r} (supported: {sorted(SUPPORTED_OPERATORS)})")
        for key, expected in keys.items():
            wanted = _listed(expected)
            present = key in context
            actual = context.get(key, "")
            if operator == "StringEquals":
                ok = present and actual in wanted
            elif operator == "StringNotEquals":
                ok = not present or actual not in wanted
            elif operator == "StringLike":
                ok = present and any(_glob(w, False).match(actual) for w in wanted)
            else:  # StringNotLike
                ok = not present or not any(_glob(w, False).match(actual) for w in wanted)
            if not ok:
                return False
    return True


def _statements(policy: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    statements = policy.get("Statement", [])
    statements = [statements] if isinstance(statements, Mapping) else list(statements)
    for index, statement in enumerate(statements):
        extra = set(statement) - SUPPORTED_KEYS
        if extra:
            raise UnsupportedPolicy(f"statement {statement.get('Sid', index)}: unsupported elements {sorted(extra)}")
    return statements


def evaluate(policy: Mapping[str, Any], call: Call) -> Decision:
    """Whether ``policy`` allows ``call``, and which statements matched."""
    matched: list[tuple[str, str]] = []
    for index, statement in enumerate(_statements(policy)):
        sid = str(statement.get("Sid", f"#{index}"))
        actions = [a for a in _listed(statement["Action"]) if _glob(a, True).match(call.action)]
        if not actions:
            continue
        if not any(_glob(r, False).match(call.resource) for r in _listed(statement["Resource"])):
            continue
        if not _condition_holds(statement.get("Condition") or {}, call.context):
            continue
        if statement["Effect"] == "Deny":
            return Decision(False, (), denied_by=sid)
        matched.extend((sid, a) for a in actions)
    return Decision(bool(matched), tuple(matched))


@dataclass(frozen=True)
class Proof:
    """The outcome of evaluating recorded calls against a policy."""

    denied: tuple[Call, ...]
    # (sid, action) of the policy that no allowed call needed.
    unused: tuple[tuple[str, str], ...]
    calls: int

    @property
    def complete(self) -> bool:
        return not self.denied

    @property
    def minimal(self) -> bool:
        return not self.unused


def prove(policy: Mapping[str, Any], calls: Iterable[Call], free_actions: Iterable[str] = ()) -> Proof:
    """Every call allowed (complete), every statement's every action needed (minimal).

    ``free_actions`` need no permission at all (``sts:GetCallerIdentity``) and are skipped.
    """
    free = {a.lower() for a in free_actions}
    used: set[tuple[str, str]] = set()
    denied: list[Call] = []
    count = 0
    for call in calls:
        count += 1
        if call.action.lower() in free:
            continue
        decision = evaluate(policy, call)
        if decision.allowed:
            used.update(decision.matched)
        else:
            denied.append(call)
    every = [
        (str(s.get("Sid", f"#{i}")), a)
        for i, s in enumerate(_statements(policy)) if s["Effect"] == "Allow"
        for a in _listed(s["Action"])
    ]
    return Proof(tuple(denied), tuple(p for p in every if p not in used), count)
