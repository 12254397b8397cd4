"""Reading spool rows straight from SQLite's pages, whatever the header says.

When SQLite cannot read a spool (a damaged header or page 1, a WAL with a
damaged header, a truncated file), the rows on intact pages are still on disk.
This module finds them without SQLite and **without writing anything**: it
maps the main file and the WAL read-only, overlays the WAL's newest frame of
each page (current generation only: frames carrying the salt of the first
frame), and scans every page for table-leaf cells whose record has the spool's
shape (``created REAL, datums INT, bytes INT, crc INT, payload BLOB[, unanswered
INT]``), following overflow chains. A row is only handed back if its payload's
CRC-32 matches, so nothing damaged or invented is replayed.

The page size comes from the header when it is a valid power of two, else from
the WAL header; when neither yields a row every valid page size is tried and
the one that finds the most rows wins. Format reference: sqlite.org/fileformat2.html.
"""

from __future__ import annotations

import contextlib
import mmap
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

PAGE_SIZES = (4096, 1024, 2048, 8192, 16384, 32768, 65536, 512)
_LEAF_TABLE = 0x0D
_WAL_HEADER = 32
_WAL_FRAME_HEADER = 24
# Overflow chains longer than this are damaged (a 1 MB payload on 512-byte pages needs ~2,050).
_MAX_OVERFLOW_PAGES = 4096


@dataclass(frozen=True, slots=True)
class RawRow:
    """A spool row read from the pages, its payload checked against its CRC."""

    id: int
    created: float
    datums: int
    payload: bytes
    unanswered: int = 0


@dataclass
class SalvageReport:
    rows: list[RawRow]
    # Cells that had the spool's shape but whose payload failed its CRC or whose
    # overflow chain was broken: (row id, datum count from the intact cell head).
    damaged: list[tuple[int, int]]


def _varint(buf: memoryview | bytes, pos: int) -> tuple[int, int]:
    value = 0
    for i in range(8):
        byte = buf[pos + i]
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, pos + i + 1
    return (value << 8) | buf[pos + 8], pos + 9


class _Pages:
    """Page images of the main file with the WAL's current frames on top."""

    def __init__(self, main: bytes | mmap.mmap, wal: bytes | mmap.mmap, page_size: int) -> None:
        self.main = main
        self.wal = wal
        self.page_size = page_size
        self.overlay: dict[int, int] = {}
        frame = _WAL_FRAME_HEADER + page_size
        salt: bytes | None = None
        offset = _WAL_HEADER
        while offset + frame <= len(wal):
            header = wal[offset : offset + _WAL_FRAME_HEADER]
            pgno = int.from_bytes(header[0:4], "big")
            frame_salt = bytes(header[8:16])
            if salt is None:
                salt = frame_salt
            # Another salt: a frame of an older generation (stale) or a damaged
            # frame header; either way not a current page. Later frames still count.
            if frame_salt == salt and pgno:
                self.overlay[pgno] = offset + _WAL_FRAME_HEADER
            offset += frame
        main_pages = len(main) // page_size
        self.count = max([main_pages, *self.overlay.keys()]) if (main_pages or self.overlay) else 0

    def page(self, pgno: int) -> bytes | None:
        if pgno < 1 or pgno > self.count:
            return None
        at = self.overlay.get(pgno)
        if at is not None:
            return bytes(self.wal[at : at + self.page_size])
        start = (pgno - 1) * self.page_size
        data = self.main[start : start + self.page_size]
        return bytes(data) if len(data) == self.page_size else None


def _parse_record(payload: bytes) -> list[object] | None:
    header_size, pos = _varint(payload, 0)
    if header_size > len(payload) or header_size < 2:
        return None
    types = []
    while pos < header_size:
        serial, pos = _varint(payload, pos)
        types.append(serial)
    values: list[object] = []
    body = header_size
    for serial in types:
        if serial == 0:
            values.append(None)
        elif 1 <= serial <= 6:
            width = (1, 2, 3, 4, 6, 8)[serial - 1]
            values.append(int.from_bytes(payload[body : body + width], "big", signed=True))
            body += width
        elif serial == 7:
            values.append(struct.unpack(">d", payload[body : body + 8])[0])
            body += 8
        elif serial in (8, 9):
            values.append(serial - 8)
        elif serial >= 12:
            width = (serial - 12) // 2 if serial % 2 == 0 else (serial - 13) // 2
            chunk = payload[body : body + width]
            values.append(bytes(chunk) if serial % 2 == 0 else None)
            body += width
        else:
            return None
    if body > len(payload):
        return None
    return values


def _row_of(values: list[object], rowid: int) -> tuple[RawRow | None, int | None]:
    """(row, None) for a good row; (None, datums) for a spool row with a bad payload."""
    if len(values) not in (6, 7) or values[0] is not None:
        return None, None
    created, datums, size, crc, payload = values[1:6]
    if not isinstance(created, float | int) or not all(isinstance(v, int) for v in (datums, size, crc)):
        return None, None
    assert isinstance(datums, int) and isinstance(crc, int)
    if not 0 < datums <= 1_000_000:
        return None, None
    if not isinstance(payload, bytes) or zlib.crc32(payload) != crc:
        return None, datums
    unanswered = values[6] if len(values) == 7 and isinstance(values[6], int) else 0
    return RawRow(rowid, float(created), datums, payload, int(unanswered)), None


def _scan(pages: _Pages) -> SalvageReport:
    usable = pages.page_size
    max_local = usable - 35
    min_local = ((usable - 12) * 32 // 255) - 23
    found: dict[int, RawRow] = {}
    damaged: dict[int, int] = {}
    for pgno in range(1, pages.count + 1):
        page = pages.page(pgno)
        if page is None:
            continue
        base = 100 if pgno == 1 else 0
        if page[base] != _LEAF_TABLE:
            continue
        ncells = int.from_bytes(page[base + 3 : base + 5], "big")
        if ncells == 0 or base + 8 + 2 * ncells > usable:
            continue
        for i in range(ncells):
            with contextlib.suppress(IndexError, ValueError, struct.error):
                pointer = int.from_bytes(page[base + 8 + 2 * i : base + 10 + 2 * i], "big")
                if pointer < base + 8 or pointer >= usable:
                    continue
                size, pos = _varint(page, pointer)
                rowid, pos = _varint(page, pos)
                if size > 64 * 1024 * 1024:
                    continue
                if size <= max_local:
                    payload = page[pos : pos + size]
                    complete = len(payload) == size
                else:
                    local = min_local + (size - min_local) % (usable - 4)
                    if local > max_local:
                        local = min_local
                    parts = [page[pos : pos + local]]
                    next_page = int.from_bytes(page[pos + local : pos + local + 4], "big")
                    have = local
                    hops = 0
                    while have < size and next_page and hops < _MAX_OVERFLOW_PAGES:
                        overflow = pages.page(next_page)
                        if overflow is None:
                            break
                        take = min(usable - 4, size - have)
                        parts.append(overflow[4 : 4 + take])
                        have += take
                        next_page = int.from_bytes(overflow[0:4], "big")
                        hops += 1
                    payload = b"".join(parts)
                    complete = have >= size
                values = _parse_record(payload if complete else payload + b"\0" * (size - len(payload)))
                if values is None:
                    continue
                row, bad = _row_of(values, rowid)
                if row is not None:
                    found[rowid] = row
                    damaged.pop(rowid, None)
                elif bad is not None and rowid not in found:
                    damaged[rowid] = bad
    rows = sorted(found.values(), key=lambda r: r.id)
    return SalvageReport(rows, sorted(damaged.items()))


def _map(path: Path) -> tuple[bytes | mmap.mmap, list[object]]:
    try:
        handle = path.open("rb")
    except OSError:
        return b"", []
    try:
        if path.stat().st_size == 0:
            handle.close()
            return b"", []
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ), [handle]
    except (OSError, ValueError):
        handle.close()
        return b"", []


def _header_page_size(main: bytes | mmap.mmap, wal: bytes | mmap.mmap) -> list[int]:
    sizes: list[int] = []
    if len(main) >= 100 and bytes(main[:16]) == b"SQLite format 3\x00":
        raw = int.from_bytes(main[16:18], "big")
        size = 65536 if raw == 1 else raw
        if size in PAGE_SIZES:
            sizes.append(size)
    if len(wal) >= _WAL_HEADER:
        size = int.from_bytes(wal[8:12], "big")
        if size in PAGE_SIZES and size not in sizes:
            sizes.append(size)
    return sizes


def salvage(path: Path) -> SalvageReport:
    """Every intact spool row in ``path`` and ``path-wal``; reads only, never writes."""
    main, handles = _map(path)
    wal, wal_handles = _map(Path(str(path) + "-wal"))
    try:
        best = SalvageReport([], [])
        tried: set[int] = set()
        for size in _header_page_size(main, wal):
            tried.add(size)
            report = _scan(_Pages(main, wal, size))
            if len(report.rows) > len(best.rows):
                best = report
        if not best.rows:
            for size in PAGE_SIZES:
                if size in tried:
                    continue
                report = _scan(_Pages(main, wal, size))
                if len(report.rows) > len(best.rows):
                    best = report
        return best
    finally:
        for mapped in (main, wal):
            if isinstance(mapped, mmap.mmap):
                mapped.close()
        for handle in handles + wal_handles:
            handle.close()  # type: ignore[attr-defined]
