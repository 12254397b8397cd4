"""Printing for every command: a readable table for people, ``--json`` for scripts."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print machine-readable JSON instead of a table."
)


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=_default, sort_keys=False) + "\n")


def print_event(data: Any) -> None:
    """One JSON object on one line, flushed: for long-running commands read by scripts."""
    sys.stdout.write(json.dumps(data, default=_default) + "\n")
    sys.stdout.flush()


# Width when the output is not a terminal (a pipe, a file, a CI log): wide
# enough that tables keep one line per row instead of rich's 80 columns.
PIPE_WIDTH = 240


def console(stderr: bool = False) -> Console:
    out = Console(stderr=stderr, highlight=False, soft_wrap=False)
    if not out.is_terminal and "COLUMNS" not in os.environ:
        out.width = PIPE_WIDTH
    return out


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Table:
    out = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        out.add_column(column, overflow="fold")
    for row in rows:
        out.add_row(*("" if cell is None else str(cell) for cell in row))
    return out


def compact_table(grid: Table) -> Table:
    """Fewer rules and no edge padding, so a wide table fits an 80-column terminal."""
    grid.box = box.SIMPLE_HEAD
    grid.pad_edge = False
    grid.show_edge = False
    grid.padding = (0, 0, 0, 0)
    for column in grid.columns:
        widths = [Text.from_markup(str(cell)).cell_len for cell in column.cells]
        column.min_width = max(widths, default=0) or None
    return grid


def emit(data: Any, as_json: bool, render: Callable[[Console], None]) -> None:
    """Print ``data`` as JSON, or call ``render`` with a console for people."""
    if as_json:
        print_json(data)
    else:
        render(console())


def fail(message: str, as_json: bool = False, code: int = 2) -> None:
    """Stop the command with a clear message (JSON on stdout when asked for)."""
    if as_json:
        print_json({"error": message})
    else:
        from rich.markup import escape

        # escaped: messages quote config tables and key paths ("[alarms.environments.x]")
        console(stderr=True).print(f"[bold red]error:[/] {escape(message)}")
    raise SystemExit(code)
