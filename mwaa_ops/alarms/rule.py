"""Composite alarm rules (``AlarmRule``): parsed, evaluated and written back.

The grammar is CloudWatch's (PutCompositeAlarm API reference): ``ALARM(name)``,
``OK(name)``, ``INSUFFICIENT_DATA(name)``, ``TRUE``, ``FALSE``, ``AND``,
``OR``, ``NOT`` and parentheses; a name may be written in double quotes.
``AlarmRule`` is at most 10240 characters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

MAX_RULE_CHARS = 10240  # PutCompositeAlarm: AlarmRule length limit
_STATES = ("ALARM", "OK", "INSUFFICIENT_DATA")
_TOKEN = re.compile(
    r'\s*(?:(?P<open>\()|(?P<close>\))|(?P<quoted>"(?:[^"\\]|\\.)*")'
    r"|(?P<word>[A-Za-z0-9_.:/#+=@-]+))"
)


class RuleError(ValueError):
    """An AlarmRule that does not parse."""


@dataclass(frozen=True, slots=True)
class Ref:
    state: str
    alarm: str


@dataclass(frozen=True, slots=True)
class Const:
    value: bool


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node


@dataclass(frozen=True, slots=True)
class BoolOp:
    op: str  # "AND" | "OR"
    operands: tuple[Node, ...]


Node = Ref | Const | Not | BoolOp


def _tokens(text: str) -> list[str]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise RuleError(f"unexpected character at {pos}: {text[pos:pos + 20]!r}")
        out.append(match.group(match.lastgroup or ""))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token.upper() != expected):
            raise RuleError(f"expected {expected or 'more'} at token {self.i}, found {token!r}")
        self.i += 1
        return token

    def expr(self) -> Node:
        return self.binary("OR", self.binary_and)

    def binary_and(self) -> Node:
        return self.binary("AND", self.unary)

    def binary(self, op: str, operand: object) -> Node:
        parts = [operand()]  # type: ignore[operator]
        while (self.peek() or "").upper() == op:
            self.take()
            parts.append(operand())  # type: ignore[operator]
        return parts[0] if len(parts) == 1 else BoolOp(op, tuple(parts))

    def unary(self) -> Node:
        token = self.take()
        upper = token.upper()
        if upper == "NOT":
            return Not(self.unary())
        if token == "(":
            node = self.expr()
            self.take(")")
            return node
        if upper in ("TRUE", "FALSE"):
            return Const(upper == "TRUE")
        if upper in _STATES:
            self.take("(")
            name = self.take()
            if name.startswith('"'):
                name = name[1:-1].replace('\\"', '"')
            self.take(")")
            return Ref(upper, name)
        raise RuleError(f"unexpected {token!r} at token {self.i - 1}")


def parse_rule(text: str) -> Node:
    """The parsed ``AlarmRule``; :class:`RuleError` names what is wrong."""
    if len(text) > MAX_RULE_CHARS:
        raise RuleError(f"AlarmRule is {len(text)} characters (limit {MAX_RULE_CHARS})")
    parser = _Parser(text)
    node = parser.expr()
    if parser.peek() is not None:
        raise RuleError(f"unexpected {parser.peek()!r} after the end of the rule")
    return node


def references(node: Node) -> list[Ref]:
    """Every ``STATE(name)`` in the rule, in order."""
    if isinstance(node, Ref):
        return [node]
    if isinstance(node, Not):
        return references(node.operand)
    if isinstance(node, BoolOp):
        return [ref for part in node.operands for ref in references(part)]
    return []


def holds(node: Node, states: Mapping[str, str]) -> bool:
    """Whether the rule is true for the given alarm states (an unknown alarm is in no state)."""
    if isinstance(node, Ref):
        return states.get(node.alarm) == node.state
    if isinstance(node, Const):
        return node.value
    if isinstance(node, Not):
        return not holds(node.operand, states)
    results = (holds(part, states) for part in node.operands)
    return all(results) if node.op == "AND" else any(results)


def any_in_alarm(names: list[str]) -> str:
    """``ALARM("a") OR ALARM("b")``: the rule of a page built from its children."""
    return " OR ".join(f'ALARM("{name}")' for name in names) or "FALSE"
