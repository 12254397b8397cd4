"""The MWAA calendar from the user guide page "Apache Airflow versions on Amazon MWAA".

The page is parsed with the stdlib :mod:`html.parser`: it holds plain HTML
tables, and a tolerant table reader is a few dozen lines, so no third-party
parser is needed. Columns are found by their header text, not their position,
and the rows of every matching table are merged per version (the page lists
the Python version in one table and the release and end-of-support dates in
another).

A page whose tables no longer have the expected headers raises
:class:`SourceFormatError` naming the headers expected and found; it never
yields an empty calendar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from html.parser import HTMLParser

from packaging.version import Version

from mwaa_ops.errors import SourceFormatError
from mwaa_ops.versions.fetch import Fetcher, http_get
from mwaa_ops.versions.model import MwaaCalendar, MwaaVersion, parse_version

ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"

# What the headers must say (lower case, "contains"), in the order they are tried.
_VERSION_HEADERS = ("airflow version", "version")
_AVAILABLE_HEADERS = ("release date", "availability date", "available", "general availability")
_END_HEADERS = ("end of support",)
_PYTHON_HEADERS = ("python version", "python")
EXPECTED = (
    "a table with an 'Apache Airflow version' column and an 'Amazon MWAA release date' "
    "column (optionally 'End of support date' and 'Python version')"
)
_EMPTY_CELLS = {"", "-", "–", "—", "n/a", "na", "tbd", "tba", "none", "not announced", "not applicable"}
_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%Y-%m-%d", "%d %B %Y", "%B %d %Y", "%Y/%m/%d")
_SPACE = re.compile(r"\s+")


@dataclass
class _Table:
    rows: list[tuple[list[str], bool]] = field(default_factory=list)  # (cells, all header cells)


class _TableReader(HTMLParser):
    """Collects every table as rows of cell texts (nested tables are read separately)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[_Table] = []
        self._stack: list[_Table] = []
        self._row: list[str] | None = None
        self._row_header = True
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._stack.append(_Table())
        elif tag == "tr" and self._stack:
            self._row, self._row_header = [], True
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
            self._row_header = self._row_header and tag == "th"
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(_SPACE.sub(" ", "".join(self._cell)).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._stack:
            if self._row:
                self._stack[-1].rows.append((self._row, self._row_header))
            self._row = None
        elif tag == "table" and self._stack:
            self.tables.append(self._stack.pop())

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _find(headers: list[str], wanted: tuple[str, ...], exclude: tuple[str, ...] = ()) -> int | None:
    lowered = [h.lower() for h in headers]
    for needle in wanted:
        for index, header in enumerate(lowered):
            if needle in header and not any(bad in header for bad in exclude):
                return index
    return None


def _parse_date(text: str, where: str) -> date | None:
    cleaned = _SPACE.sub(" ", text.replace("*", "")).strip().rstrip(".")
    if cleaned.lower() in _EMPTY_CELLS:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
    raise SourceFormatError(f"{where}: {text!r} is not a date (expected e.g. 'November 24, 2020')")


def _python(text: str) -> str:
    match = re.search(r"\d+\.\d+", text)
    return match.group(0) if match else ""


@dataclass
class _Partial:
    available: date | None = None
    end_of_support: date | None = None
    python: str = ""


def parse_versions_page(html: str, source: str = "") -> MwaaCalendar:
    """The MWAA calendar from the versions page HTML; SourceFormatError if the tables changed."""
    where = source or "MWAA versions page"
    reader = _TableReader()
    reader.feed(html)
    reader.close()
    partials: dict[Version, _Partial] = {}
    seen_headers: list[str] = []
    dated_tables = 0
    for table in reader.tables:
        if not table.rows:
            continue
        headers, _ = table.rows[0]
        seen_headers.append(" | ".join(headers))
        version_col = _find(headers, _VERSION_HEADERS, exclude=("python",))
        available_col = _find(headers, _AVAILABLE_HEADERS, exclude=("end of support",))
        end_col = _find(headers, _END_HEADERS)
        python_col = _find(headers, _PYTHON_HEADERS)
        if version_col is None or (available_col is None and end_col is None and python_col is None):
            continue
        dated_tables += available_col is not None
        for number, (cells, _) in enumerate(table.rows[1:], start=2):
            row_where = f"{where}: table '{headers[version_col]}' row {number}"
            if len(cells) < len(headers):
                raise SourceFormatError(f"{row_where}: {len(cells)} cells, expected {len(headers)}")
            version = parse_version(cells[version_col])
            item = partials.setdefault(version, _Partial())
            if available_col is not None:
                item.available = _parse_date(cells[available_col], row_where) or item.available
            if end_col is not None:
                item.end_of_support = _parse_date(cells[end_col], row_where) or item.end_of_support
            if python_col is not None:
                item.python = _python(cells[python_col]) or item.python
    if not dated_tables:
        found = "; ".join(seen_headers) or "no tables at all"
        raise SourceFormatError(f"{where}: expected {EXPECTED}; found: {found}")
    versions = tuple(
        MwaaVersion(v, p.available, p.end_of_support, p.python)
        for v, p in sorted(partials.items())
        if p.available is not None
    )
    if not versions:
        raise SourceFormatError(f"{where}: the release-date column has no dates; expected {EXPECTED}")
    return MwaaCalendar(versions, source=source)


def fetch_mwaa_calendar(url: str, *, timeout: float, now: datetime, fetcher: Fetcher = http_get) -> MwaaCalendar:
    """Fetch and parse the MWAA versions page at ``url``."""
    answer = fetcher(url, ACCEPT, timeout)
    if answer.content_type and "html" not in answer.content_type:
        raise SourceFormatError(f"{url}: expected an HTML page, got {answer.content_type!r}")
    calendar = parse_versions_page(answer.body.decode("utf-8", errors="replace"), source=url)
    return MwaaCalendar(calendar.versions, source=url, fetched_at=now)
