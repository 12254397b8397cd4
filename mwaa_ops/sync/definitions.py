"""Definition files: YAML read with line numbers, validated into typed models.

A file is parsed once into plain data plus a map from every key path to its
line (1-based). Validation is pydantic's; its errors become :class:`Issue`
records naming the file, the line, the key path (``rows[2].widgets[0].metric``),
the offending value and the problem (pydantic's text says what is allowed).
A directory is loaded file by file: a bad file is reported and skipped, the
good ones are all kept (:class:`Loaded`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from mwaa_ops.errors import InvalidDefinitionError

M = TypeVar("M", bound=BaseModel)
Loc = tuple[str | int, ...]

MAX_VALUE_CHARS = 80


@dataclass(frozen=True)
class Issue:
    """One problem: where (file, 1-based line, key path) and what (value, problem)."""

    file: str
    line: int
    key: str
    problem: str
    value: Any = None
    has_value: bool = False

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        if not self.key and not self.has_value:
            return f"{where}: {self.problem}"
        what = self.key or "(document)"
        if self.has_value:
            what += f" = {_short(self.value)}"
        return f"{where}: {what}: {self.problem}"


@dataclass(frozen=True)
class Source:
    """A parsed YAML document with the line of every key path."""

    path: Path
    data: Any
    lines: Mapping[Loc, int]

    def line_of(self, loc: Sequence[str | int]) -> int:
        """Line of ``loc``, or of its nearest ancestor that is in the file (1 for the root)."""
        parts = tuple(loc)
        while parts:
            if parts in self.lines:
                return self.lines[parts]
            parts = parts[:-1]
        return self.lines.get((), 1)

    def value_at(self, loc: Sequence[str | int]) -> tuple[bool, Any]:
        node = self.data
        for part in loc:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return False, None
        return True, node

    def issue(self, loc: Sequence[str | int], problem: str, *, with_value: bool = True) -> Issue:
        """An :class:`Issue` at ``loc`` with the value found there."""
        found, value = self.value_at(loc) if with_value else (False, None)
        return Issue(str(self.path), self.line_of(loc), key_path(loc), problem, value, found)


def key_path(loc: Iterable[str | int]) -> str:
    """``("rows", 2, "widgets", 0, "metric")`` -> ``rows[2].widgets[0].metric``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def parse_yaml(text: str, path: Path) -> Source:
    """Parse one YAML document; a syntax error is an issue with its line and column."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        column = f" column {mark.column + 1}" if mark else ""
        problem = f"not valid YAML ({exc.problem or exc.context}){column}"
        context = exc.context_mark
        if context is not None and mark is not None and context.line != mark.line:
            problem += f"; {exc.context} on line {context.line + 1}"
        raise InvalidDefinitionError((Issue(str(path), line, "", problem),)) from None
    finally:
        loader.dispose()
    lines: dict[Loc, int] = {}
    if node is not None:
        _record_lines(node, (), lines)
    return Source(path, data, lines)


def _record_lines(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> None:
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            lines[(*loc, key)] = key_node.start_mark.line + 1
            _record_lines(value_node, (*loc, key), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, (*loc, index), lines)


def issues_from_validation(source: Source, exc: ValidationError, prefix: Loc = ()) -> list[Issue]:
    """pydantic's errors as issues; ``prefix`` is where the validated data sits in the file."""
    issues = []
    for error in exc.errors(include_url=False):
        loc = (*prefix, *error["loc"])
        # Model-level validators report no field: point at the object they checked.
        problem = error["msg"].removeprefix("Value error, ")
        if error["type"] == "missing":
            issues.append(source.issue(loc, "required key is missing", with_value=False))
            continue
        if error["type"] == "extra_forbidden":
            problem = "unknown key (not one of the keys this object allows)"
        whole_object = not error["loc"]
        if whole_object:
            named, problem = _named_key(source, loc, problem)
            whole_object = named == loc
            loc = named
        issue = source.issue(loc, problem)
        if whole_object and isinstance(error.get("input"), (dict, list)):
            # a whole object's check: its text names the keys; the object itself is noise
            issues.append(Issue(issue.file, issue.line, issue.key, problem))
            continue
        if not issue.has_value and "input" in error:
            issue = Issue(issue.file, issue.line, issue.key, problem, error["input"], True)
        issues.append(issue)
    return issues


def _named_key(source: Source, loc: Loc, problem: str) -> tuple[Loc, str]:
    """A model-level error whose text starts with one of the object's keys ("threshold 'x': ...",
    "'threshold' is required ..."): point at that key, dropping the key and value it repeats."""
    found, node = source.value_at(loc)
    if not found or not isinstance(node, dict) or not problem:
        return loc, problem
    first = problem.split(" ", 1)[0].strip("'\":,")
    if first not in node:
        return loc, problem
    repeated = f"{first} {node[first]!r}: "
    return (*loc, first), problem.removeprefix(repeated)


def validate(source: Source, model: type[M], context: Mapping[str, Any] | None = None) -> M:
    """Validate a parsed document into ``model``; all its problems in one error."""
    try:
        return model.model_validate(source.data, context=dict(context or {}))
    except ValidationError as exc:
        raise InvalidDefinitionError(tuple(issues_from_validation(source, exc))) from None


def load_file(path: Path, model: type[M], context: Mapping[str, Any] | None = None) -> M:
    """Read, parse and validate one definition file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidDefinitionError((Issue(str(path), 0, "", f"cannot read: {exc}"),)) from None
    return validate(parse_yaml(text, path), model, context)


@dataclass
class Loaded(Generic[M]):
    """What a directory held: the valid definitions (by file) and every issue found."""

    items: dict[Path, M] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues

    def raise_for_issues(self) -> None:
        if self.issues:
            raise InvalidDefinitionError(tuple(self.issues))


DEFINITION_SUFFIXES = (".yaml", ".yml")


def load_directory(
    directory: Path, model: type[M], context: Mapping[str, Any] | None = None
) -> Loaded[M]:
    """Load every ``*.yaml``/``*.yml`` file of ``directory`` (sorted); keep the good ones."""
    loaded: Loaded[M] = Loaded()
    if not directory.is_dir():
        loaded.issues.append(Issue(str(directory), 0, "", "not a directory"))
        return loaded
    for path in sorted(p for p in directory.iterdir() if p.suffix in DEFINITION_SUFFIXES):
        try:
            loaded.items[path] = load_file(path, model, context)
        except InvalidDefinitionError as exc:
            loaded.issues.extend(exc.issues)  # type: ignore[arg-type]
    return loaded


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"
