"""Grid layout computed from rows: CloudWatch's 24-column grid, never hand-placed coordinates.

A row's widgets sit side by side; widgets without a width share the columns
the others leave (the first ones get the remainder). A section title takes a
full-width line of height 1 above its row. Rows stack downwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mwaa_ops.dashboards.limits import GRID_COLUMNS

SECTION_HEIGHT = 1


@dataclass(frozen=True)
class Cell:
    """A widget's place: column ``x``, row ``y``, ``width`` columns, ``height`` rows."""

    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class RowShape:
    """What layout needs of a row: an optional section line and each widget's (width, height)."""

    section: bool
    widgets: Sequence[tuple[int | None, int]]


def widths(requested: Sequence[int | None], columns: int = GRID_COLUMNS) -> list[int]:
    """Each widget's width; ``None`` shares what the fixed widths leave."""
    fixed = sum(w for w in requested if w is not None)
    free = [i for i, w in enumerate(requested) if w is None]
    left = columns - fixed
    if left < len(free) or fixed > columns:
        raise ValueError(f"widths {list(requested)} do not fit {columns} columns")
    out = [w or 0 for w in requested]
    for rank, index in enumerate(free):
        out[index] = left // len(free) + (1 if rank < left % len(free) else 0)
    return out


def place(rows: Sequence[RowShape]) -> list[tuple[Cell | None, list[Cell]]]:
    """Per row: the section line's cell (or None) and each widget's cell."""
    y = 0
    out: list[tuple[Cell | None, list[Cell]]] = []
    for row in rows:
        header = None
        if row.section:
            header = Cell(0, y, GRID_COLUMNS, SECTION_HEIGHT)
            y += SECTION_HEIGHT
        x = 0
        cells = []
        for width, (_, height) in zip(widths([w for w, _ in row.widgets]), row.widgets,
                                      strict=True):
            cells.append(Cell(x, y, width, height))
            x += width
        y += max((h for _, h in row.widgets), default=0)
        out.append((header, cells))
    return out
