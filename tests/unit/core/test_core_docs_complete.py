"""README and docs/architecture.md keep up with the code: every module in the package map,
every command in the README's table, every dependency justified (and listed once)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "mwaa_ops"


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start:end if end > 0 else None]


def _package_map() -> dict[str, str]:
    """``{"cli/": "main (lazy ...", "config.py": "the typed ...", ...}``: each entry's text."""
    text = _section((ROOT / "docs/architecture.md").read_text(), "## Package map")
    entries: dict[str, str] = {}
    key = ""
    for line in text.splitlines():
        match = re.match(r"^ {6}(\S+)\s+(.*)$", line)
        if match:
            key = match.group(1)
            entries[key] = entries.get(key, "") + " " + match.group(2)
        elif key and line.startswith(" " * 7):
            entries[key] += " " + line.strip()
    return entries


def test_package_map_names_every_module() -> None:
    entries = _package_map()
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if path.name in ("__init__.py", "__main__.py") or relative.parts[0] == "data":
            continue  # data/ holds data files (the local environment's DAGs among them)
        if len(relative.parts) == 1:
            found = path.name in entries
        else:
            text = entries.get(f"{relative.parts[0]}/", "")
            found = str(relative) in entries or re.search(rf"(?<![\w-]){re.escape(path.stem)}(?![\w-])", text) is not None
        if not found:
            missing.append(str(relative))
    assert not missing, f"not in docs/architecture.md's package map: {missing}"


def _commands(group: click.Group, prefix: str) -> list[str]:
    out = []
    for name in group.list_commands(click.Context(group)):
        command = group.get_command(click.Context(group), name)
        assert command is not None
        out.append(f"{prefix} {name}")
        if isinstance(command, click.Group):
            out += _commands(command, f"{prefix} {name}")
    return out


def test_readme_command_table_lists_every_command() -> None:
    from mwaa_ops.cli.main import cli

    table = _section((ROOT / "README.md").read_text(), "## Commands")
    rows = [line for line in table.splitlines() if line.startswith("| `mwaa-ops")]
    missing = []
    for command in _commands(cli, "mwaa-ops"):
        *parent, leaf = command.split()
        head = " ".join(parent)
        # `mwaa-ops dashboards plan\|apply` lists several sub-commands in one row
        if not any(f"`{command}" in row or (head.count(" ") and f"`{head} " in row and re.search(
                rf"[ |`]{re.escape(leaf)}(\\\||[ `])", row)) for row in rows):
            missing.append(command)
    assert not missing, f"not in README's command table: {missing}"


def _normalise(requirement: str) -> str:
    return re.split(r"[<>=\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_every_dependency_is_justified_once() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = [_normalise(r) for r in project["dependencies"]]
    dev = [_normalise(r) for r in project["optional-dependencies"]["dev"]]
    assert len(runtime) == len(set(runtime)), f"listed twice: {sorted({r for r in runtime if runtime.count(r) > 1})}"
    table = _section((ROOT / "README.md").read_text(), "## Dependencies").lower().replace("_", "-")
    first_cells = " ".join(line.split("|")[1] for line in table.splitlines() if line.startswith("| "))
    missing = [name for name in dict.fromkeys(runtime + dev)
               if not re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", first_cells)]
    assert not missing, f"not in README's dependency table: {missing}"
