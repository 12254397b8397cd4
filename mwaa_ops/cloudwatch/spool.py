"""The on-disk spool: datums waiting for CloudWatch, durable across restarts.

SQLite in WAL mode, one row per chunk of up to 1000 datums (a CBOR payload
with a CRC-32). Why SQLite rather than hand-rolled segment files: a row is
removed in the same transaction that acknowledges its delivery, so a crash
never replays what was already delivered; evicting the oldest rows to keep to
the disk budget is one ``DELETE``; and a write cut short by SIGKILL is rolled
back by SQLite itself. What SQLite cannot protect against, a row or a file
damaged on disk, is handled here: a row whose checksum or encoding is wrong is
deleted and its datums counted as ``spool_corrupt``; a file SQLite cannot read
is moved aside (``*.corrupt-<time>``) after salvaging the rows that still read,
and a fresh spool is started. Nothing here raises on bad data, so a damaged
spool can never cause a crash loop.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cbor2

from mwaa_ops.cloudwatch.datum import Datum
from mwaa_ops.cloudwatch.limits import MAX_DATUMS_PER_REQUEST
from mwaa_ops.errors import SpoolError
from mwaa_ops.logs import event

log = logging.getLogger(__name__)

SPOOL_FILE = "spool.sqlite3"
# Datums per row: one row is one PutMetricData request's worth at most.
ROW_DATUMS = MAX_DATUMS_PER_REQUEST
# Bytes charged per row on top of its payload (SQLite record and index overhead).
ROW_OVERHEAD_BYTES = 64

# Row ids probed one by one when salvaging a damaged file.
MAX_PROBED_IDS = 1_000_000

# A damaged file is zero-filled back to its announced size only up to this size.
MAX_PADDED_BYTES = 8 * 1024 * 1024 * 1024

# Drop reasons (the ``reason`` label of datums_dropped).
SPOOL_FULL = "spool_full"
SPOOL_CORRUPT = "spool_corrupt"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    datums INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    crc INTEGER NOT NULL,
    payload BLOB NOT NULL
)
"""


@dataclass(frozen=True, slots=True)
class SpoolEntry:
    """One spooled chunk, handed out oldest first and deleted once delivered."""

    id: int
    datums: tuple[Datum, ...]


def encode(datums: Sequence[Datum]) -> bytes:
    """The compact CBOR form of a chunk of datums."""
    return cbor2.dumps(
        [
            [d.metric, [list(p) for p in d.dimensions], d.timestamp, d.unit, d.value,
             list(d.values), list(d.counts), d.storage_resolution, d.namespace]
            for d in datums
        ]
    )


def decode(payload: bytes) -> tuple[Datum, ...]:
    """Datums back from :func:`encode`; raises on anything malformed."""
    rows = cbor2.loads(payload)
    out = []
    for metric, dims, ts, unit, value, values, counts, resolution, namespace in rows:
        out.append(
            Datum(
                metric=str(metric),
                dimensions=tuple((str(n), str(v)) for n, v in dims),
                timestamp=float(ts),
                unit=str(unit),
                value=None if value is None else float(value),
                values=tuple(float(v) for v in values),
                counts=tuple(float(c) for c in counts),
                storage_resolution=int(resolution),
                namespace=str(namespace),
            )
        )
    return tuple(out)


def _pad_truncated(path: Path) -> None:
    """Zero-fill a truncated SQLite file up to the size its header announces.

    SQLite refuses a file shorter than its header's page count; padded, the
    intact pages read again and their rows can be salvaged (rows on the lost
    pages fail their checksum or do not read, and are counted).
    """
    try:
        with path.open("r+b") as handle:
            header = handle.read(100)
            if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
                return
            page_size = int.from_bytes(header[16:18], "big")
            page_size = 65536 if page_size == 1 else page_size
            pages = int.from_bytes(header[28:32], "big")
            handle.seek(0, 2)
            size = handle.tell()
            expected = page_size * pages
            if 0 < size < expected <= MAX_PADDED_BYTES:
                handle.write(b"\0" * (expected - size))
    except OSError:
        pass


class Spool:
    """A bounded, durable FIFO of datums; thread-safe."""

    def __init__(self, directory: Path, max_bytes: int, *, now: Any = time.time) -> None:
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self.path = self.directory / SPOOL_FILE
        self._now = now
        self._lock = threading.Lock()
        self._dropped: dict[str, int] = {}
        self.quarantined_files = 0
        # Rows of a damaged file SQLite could not read at all: their datum count is unknown.
        self.unreadable_rows = 0
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SpoolError(f"spool directory {self.directory}: cannot be created: {exc}") from exc
        self._db = self._open_checked()
        self._bytes, self._datums = self._totals()

    # -- opening and recovering ---------------------------------------------------

    def _connect(self, path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL: a committed row survives a killed process; only a power
        # cut can lose the last transactions.
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(_SCHEMA)
        return db

    def _open_checked(self) -> sqlite3.Connection:
        try:
            db = self._connect(self.path)
            row = db.execute("PRAGMA quick_check").fetchone()
            if row and row[0] == "ok":
                return db
            db.close()
            problem = str(row[0]) if row else "no answer"
        except sqlite3.DatabaseError as exc:
            problem = str(exc)
        return self._quarantine(problem)

    def _quarantine(self, problem: str) -> sqlite3.Connection:
        """Move an unreadable file aside, keep what still reads, start afresh."""
        stamp = time.strftime("%Y%m%dT%H%M%S")
        aside = self.path.with_name(f"{SPOOL_FILE}.corrupt-{stamp}-{id(self)}")
        event(log, logging.WARNING, "spool_corrupt", path=str(self.path), problem=problem, moved_to=str(aside))
        self.quarantined_files += 1
        for suffix in ("", "-wal", "-shm"):
            source = Path(str(self.path) + suffix)
            if source.exists():
                source.rename(Path(str(aside) + suffix))
        salvaged: list[tuple[float, bytes]] = []
        _pad_truncated(aside)
        try:
            old = sqlite3.connect(aside, isolation_level=None)
            for row_id in self._readable_ids(old):
                try:
                    row = old.execute(
                        "SELECT created, datums, crc, payload FROM batches WHERE id = ?", (row_id,)
                    ).fetchone()
                except sqlite3.DatabaseError:
                    self.unreadable_rows += 1
                    continue
                if row is None:
                    continue
                if isinstance(row[3], bytes) and zlib.crc32(row[3]) == row[2]:
                    salvaged.append((row[0], row[3]))
                else:
                    self._count(SPOOL_CORRUPT, int(row[1]) if isinstance(row[1], int) else 1)
            old.close()
        except sqlite3.DatabaseError:
            pass
        event(log, logging.WARNING, "spool_salvaged", rows=len(salvaged), unreadable_rows=self.unreadable_rows)
        db = self._connect(self.path)
        for created, payload in salvaged:
            try:
                count = len(decode(payload))
            except Exception:
                self._count(SPOOL_CORRUPT, 1)
                continue
            db.execute(
                "INSERT INTO batches (created, datums, bytes, crc, payload) VALUES (?, ?, ?, ?, ?)",
                (created, count, len(payload) + ROW_OVERHEAD_BYTES, zlib.crc32(payload), payload),
            )
        return db

    @staticmethod
    def _readable_ids(old: sqlite3.Connection) -> list[int]:
        """Row ids of a damaged file: a full scan if it works, else point probes.

        A truncated file fails a scan at the first missing page; looking ids up
        one by one (up to the AUTOINCREMENT high-water mark, newest
        ``MAX_PROBED_IDS`` at most) still reaches the rows on intact pages.
        """
        try:
            return [r[0] for r in old.execute("SELECT id FROM batches ORDER BY id")]
        except sqlite3.DatabaseError:
            pass
        try:
            row = old.execute("SELECT seq FROM sqlite_sequence WHERE name = 'batches'").fetchone()
        except sqlite3.DatabaseError:
            return []
        high = int(row[0]) if row else 0
        return list(range(max(1, high - MAX_PROBED_IDS + 1), high + 1))

    def _totals(self) -> tuple[int, int]:
        row = self._db.execute("SELECT COALESCE(SUM(bytes), 0), COALESCE(SUM(datums), 0) FROM batches").fetchone()
        return int(row[0]), int(row[1])

    # -- writing ------------------------------------------------------------------

    def append(self, datums: Sequence[Datum]) -> None:
        """Store datums (chunked); evict the oldest rows when over the byte budget."""
        for start in range(0, len(datums), ROW_DATUMS):
            chunk = datums[start : start + ROW_DATUMS]
            payload = encode(chunk)
            size = len(payload) + ROW_OVERHEAD_BYTES
            with self._lock:
                if size > self.max_bytes:
                    self._count(SPOOL_FULL, len(chunk))
                    continue
                try:
                    self._db.execute("BEGIN IMMEDIATE")
                    self._evict_locked(self.max_bytes - size)
                    self._db.execute(
                        "INSERT INTO batches (created, datums, bytes, crc, payload) VALUES (?, ?, ?, ?, ?)",
                        (self._now(), len(chunk), size, zlib.crc32(payload), payload),
                    )
                    self._db.execute("COMMIT")
                except sqlite3.Error as exc:
                    self._rollback()
                    raise SpoolError(f"spool {self.path}: write failed: {exc}") from exc
                self._bytes += size
                self._datums += len(chunk)

    def _evict_locked(self, room: int) -> None:
        """Delete the oldest rows until at most ``room`` bytes are used."""
        while self._bytes > room:
            row = self._db.execute("SELECT id, datums, bytes FROM batches ORDER BY id LIMIT 1").fetchone()
            if row is None:
                self._bytes, self._datums = 0, 0
                return
            self._db.execute("DELETE FROM batches WHERE id = ?", (row[0],))
            self._bytes -= int(row[2])
            self._datums -= int(row[1])
            self._count(SPOOL_FULL, int(row[1]))

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db.execute("ROLLBACK")

    # -- reading ------------------------------------------------------------------

    def oldest(self, limit: int = 1) -> list[SpoolEntry]:
        """Up to ``limit`` of the oldest rows; corrupt rows are deleted and counted."""
        entries: list[SpoolEntry] = []
        with self._lock:
            try:
                rows = self._db.execute(
                    "SELECT id, datums, bytes, crc, payload FROM batches ORDER BY id LIMIT ?", (limit,)
                ).fetchall()
            except sqlite3.DatabaseError as exc:
                self._db.close()
                self._db = self._quarantine(str(exc))
                self._bytes, self._datums = self._totals()
                return []
            for row_id, count, size, crc, payload in rows:
                datums: tuple[Datum, ...] | None = None
                if isinstance(payload, bytes) and zlib.crc32(payload) == crc:
                    try:
                        datums = decode(payload)
                    except Exception:
                        datums = None
                if datums is None:
                    event(log, logging.WARNING, "spool_row_corrupt", id=row_id, datums=count)
                    self._delete_locked(row_id, int(count), int(size))
                    self._count(SPOOL_CORRUPT, int(count))
                    continue
                entries.append(SpoolEntry(row_id, datums))
        return entries

    def replace(self, entry_id: int, datums: Sequence[Datum]) -> None:
        """Keep only ``datums`` of a row (the part not delivered yet), in its place."""
        if not datums:
            self.delete(entry_id)
            return
        payload = encode(datums)
        size = len(payload) + ROW_OVERHEAD_BYTES
        with self._lock:
            row = self._db.execute("SELECT datums, bytes FROM batches WHERE id = ?", (entry_id,)).fetchone()
            if row is None:
                return
            self._db.execute(
                "UPDATE batches SET datums = ?, bytes = ?, crc = ?, payload = ? WHERE id = ?",
                (len(datums), size, zlib.crc32(payload), payload, entry_id),
            )
            self._bytes += size - int(row[1])
            self._datums += len(datums) - int(row[0])

    def delete(self, entry_id: int) -> None:
        """Forget a delivered (or deliberately dropped) row."""
        with self._lock:
            row = self._db.execute("SELECT datums, bytes FROM batches WHERE id = ?", (entry_id,)).fetchone()
            if row is not None:
                self._delete_locked(entry_id, int(row[0]), int(row[1]))

    def _delete_locked(self, entry_id: int, count: int, size: int) -> None:
        self._db.execute("DELETE FROM batches WHERE id = ?", (entry_id,))
        self._bytes -= size
        self._datums -= count

    # -- accounting ---------------------------------------------------------------

    def _count(self, reason: str, amount: int) -> None:
        self._dropped[reason] = self._dropped.get(reason, 0) + amount

    def take_dropped(self) -> dict[str, int]:
        """Datums dropped (by reason) since the last call."""
        with self._lock:
            dropped, self._dropped = self._dropped, {}
        return dropped

    @property
    def bytes(self) -> int:
        return self._bytes

    @property
    def datums(self) -> int:
        return self._datums

    def close(self) -> None:
        with self._lock:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.close()
