"""Grid layout from rows: no overlaps, inside 24 columns, widths filled as asked."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mwaa_ops.dashboards.layout import RowShape, place, widths
from mwaa_ops.dashboards.limits import GRID_COLUMNS


@st.composite
def rows(draw: st.DrawFn) -> list[RowShape]:
    out = []
    for _ in range(draw(st.integers(1, 8))):
        count = draw(st.integers(1, 6))
        budget = GRID_COLUMNS - count
        requested: list[int | None] = []
        for _ in range(count):
            if budget > 0 and draw(st.booleans()):
                width = draw(st.integers(1, min(budget + 1, GRID_COLUMNS)))
                budget -= width - 1
                requested.append(width)
            else:
                requested.append(None)
        heights = [draw(st.integers(1, 12)) for _ in range(count)]
        out.append(RowShape(draw(st.booleans()), list(zip(requested, heights, strict=True))))
    return out


@given(rows())
def test_cells_never_overlap_and_stay_inside_the_grid(shapes: list[RowShape]) -> None:
    cells = [c for header, row in place(shapes) for c in ([header] if header else []) + row]
    for cell in cells:
        assert cell.x >= 0 and cell.x + cell.width <= GRID_COLUMNS and cell.width >= 1
    for i, a in enumerate(cells):
        for b in cells[i + 1:]:
            apart = (a.x + a.width <= b.x or b.x + b.width <= a.x
                     or a.y + a.height <= b.y or b.y + b.height <= a.y)
            assert apart, (a, b)


@given(rows())
def test_rows_with_a_free_widget_fill_the_width(shapes: list[RowShape]) -> None:
    for shape, (_, cells) in zip(shapes, place(shapes), strict=True):
        requested = [w for w, _ in shape.widgets]
        for cell, want in zip(cells, requested, strict=True):
            if want is not None:
                assert cell.width == want
        if None in requested:
            assert sum(c.width for c in cells) == GRID_COLUMNS


def test_free_widths_share_the_remainder_first_ones_wider() -> None:
    assert widths([None, None, None, None]) == [6, 6, 6, 6]
    assert widths([None, None, None, None, None]) == [5, 5, 5, 5, 4]
    assert widths([12, None, None]) == [12, 6, 6]


def test_sections_take_one_line_above_their_row() -> None:
    [(header, cells), (_, below)] = place([RowShape(True, [(None, 6)]), RowShape(False, [(None, 3)])])
    assert header is not None and (header.y, header.height) == (0, 1)
    assert cells[0].y == 1 and below[0].y == 7
