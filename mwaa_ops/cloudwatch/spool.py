"""The on-disk spool: every aggregated interval, durable before its first send.

SQLite in WAL mode, one row per ``PutMetricData`` request (up to 1000 datums,
under 1 MB: a CBOR payload with a CRC-32). The publisher writes each interval
here as soon as it is aggregated (disk first, like Vector's disk buffers) and
deletes a row only once CloudWatch acknowledged that request. What makes it
survive what disks do:

- **Exclusive locking mode**: no ``-shm`` file, so a cleanly closed spool opens
  on a full file system.
- **Errors told apart**: ``SQLITE_CORRUPT``/``SQLITE_NOTADB`` (and a failing
  ``quick_check``) mean damage; anything else (``disk I/O error``, ``database or
  disk is full``, ...) is an I/O problem: retried, and if it persists the spool
  reports itself unavailable and the publisher runs in memory, counting what it
  drops, instead of quarantining a healthy file or crashing.
- **Acknowledgements never need free space**: a delivered row whose ``DELETE``
  cannot be written is recorded in the preallocated acknowledgement ring of
  ``spool.state`` (:mod:`spool_state`) and skipped, never sent again.
- **Every lost datum counted**: ``spool.state`` keeps a ledger of datums
  appended and removed. After a damaged or deleted WAL, a damaged header or
  page 1, or a truncated file, the rows are read from the pages themselves
  (:mod:`spool_salvage`, read-only, no padding, whatever the header says) and
  the difference between the ledger and what came back is counted as
  ``datums_dropped{reason="spool_lost"}``.
- A checkpoint after each append puts new rows into the main file, so a lost
  WAL can only take the rows of the last moments.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cbor2

from mwaa_ops.cloudwatch.datum import Datum
from mwaa_ops.cloudwatch.limits import MAX_DATUMS_PER_REQUEST
from mwaa_ops.cloudwatch.spool_salvage import RawRow, SalvageReport, salvage
from mwaa_ops.cloudwatch.spool_state import SpoolState
from mwaa_ops.errors import SpoolError
from mwaa_ops.logs import event

log = logging.getLogger(__name__)

SPOOL_FILE = "spool.sqlite3"
# Datums per row: one row is one PutMetricData request's worth at most.
ROW_DATUMS = MAX_DATUMS_PER_REQUEST
# Bytes charged per row on top of its payload (SQLite record and index overhead).
ROW_OVERHEAD_BYTES = 64
# Opening is retried this many times on an I/O error before running without the spool.
OPEN_ATTEMPTS = 3
OPEN_RETRY_SECONDS = 0.5
# Quarantined files kept for inspection (older ones are deleted to give the space back).
KEEP_QUARANTINED = 1

# Drop reasons (the ``reason`` label of datums_dropped).
SPOOL_FULL = "spool_full"
SPOOL_CORRUPT = "spool_corrupt"
SPOOL_LOST = "spool_lost"

# Failure kinds (the ``reason`` label of spool_write_failures / spool_open_failures).
DISK_FULL = "disk_full"
IO_ERROR = "io_error"
CORRUPT = "corrupt"

# SQLite primary result codes (sqlite.org/rescode.html).
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_NOTADB = 26

_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    datums INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    crc INTEGER NOT NULL,
    payload BLOB NOT NULL,
    unanswered INTEGER NOT NULL DEFAULT 0
)
"""


def failure_kind(exc: BaseException) -> str:
    """``corrupt``, ``disk_full`` or ``io_error`` for an sqlite3 (or OS) error."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        primary = code & 0xFF
        if primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
            return CORRUPT
        if primary == _SQLITE_FULL:
            return DISK_FULL
        return IO_ERROR
    text = str(exc).lower()
    if "malformed" in text or "not a database" in text:
        return CORRUPT
    if "full" in text or "no space" in text:
        return DISK_FULL
    return IO_ERROR


@dataclass(frozen=True, slots=True)
class SpoolEntry:
    """One spooled request, handed out oldest first and deleted once acknowledged.

    ``unanswered`` counts earlier sends of this row that got no answer (a
    timeout, a dropped connection, a call past its deadline): a re-send of such
    a row may duplicate it.
    """

    id: int
    datums: tuple[Datum, ...]
    unanswered: int = 0


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


class Spool:
    """A bounded, durable FIFO of requests; thread-safe; never raises on bad data.

    ``available`` is False while the spool cannot be used (it could not be
    opened or created): the caller keeps datums in memory and may call
    :meth:`reopen` later. ``append`` raises :class:`SpoolError` (with
    ``.reason``: ``disk_full`` or ``io_error``) when a write fails; every other
    method degrades quietly and counts.
    """

    def __init__(
        self,
        directory: Path,
        max_bytes: int,
        *,
        now: Callable[[], float] = time.time,
        sleep: Callable[[float], Any] = time.sleep,
        open_attempts: int = OPEN_ATTEMPTS,
    ) -> None:
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self.path = self.directory / SPOOL_FILE
        self._now = now
        self._sleep = sleep
        self._open_attempts = open_attempts
        self._lock = threading.RLock()
        self._counts: dict[tuple[str, str], int] = {}
        self._orphans: list[Datum] = []
        self.quarantined_files = 0
        # Rows known to have existed (by id) that no salvage could find.
        self.unreadable_rows = 0
        self._db: sqlite3.Connection | None = None
        self._pre_salvage: SalvageReport | None = None
        self._bytes = 0
        self._datums = 0
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SpoolError(f"spool directory {self.directory}: cannot be created: {exc}") from exc
        self.state = SpoolState(self.directory)
        self._open()

    # -- opening and recovering ---------------------------------------------------

    @property
    def available(self) -> bool:
        return self._db is not None

    def reopen(self) -> bool:
        """Try once more to open a spool that was unavailable; True when it is usable."""
        with self._lock:
            if self._db is None:
                if self.state.fd is None:
                    self.state = SpoolState(self.directory)
                self._open(attempts=1)
            return self._db is not None

    def _connect(self, path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=5)
        try:
            # Exclusive before WAL: SQLite then keeps the WAL index in heap memory
            # and never creates a -shm file (which a full disk cannot hold).
            db.execute("PRAGMA locking_mode=EXCLUSIVE")
            db.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: a committed row survives a killed process.
            db.execute("PRAGMA synchronous=NORMAL")
            exists = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'batches'"
            ).fetchone()
            if not exists:
                db.execute(_SCHEMA)
            else:
                columns = [r[1] for r in db.execute("PRAGMA table_info(batches)")]
                if "unanswered" not in columns:
                    db.execute("ALTER TABLE batches ADD COLUMN unanswered INTEGER NOT NULL DEFAULT 0")
        except BaseException:
            db.close()
            raise
        return db

    def _open(self, attempts: int | None = None) -> None:
        attempts = self._open_attempts if attempts is None else attempts
        self._pre_salvage = None
        wal = Path(str(self.path) + "-wal")
        with contextlib.suppress(OSError):
            if self.state.found and self.state.ledger.live > 0 and wal.stat().st_size > 0:
                # An unclean stop left a WAL: read the pages before SQLite opens (and
                # possibly rewrites) it, in case it turns out damaged.
                self._pre_salvage = salvage(self.path)
        for attempt in range(1, attempts + 1):
            try:
                db = self._connect(self.path)
                try:
                    row = db.execute("PRAGMA quick_check").fetchone()
                except sqlite3.Error:
                    db.close()
                    raise
                if not row or row[0] != "ok":
                    db.close()
                    self._recover(str(row[0]) if row else "quick_check gave no answer")
                    return
                self._db = db
                self._reconcile()
                return
            except sqlite3.Error as exc:
                kind = failure_kind(exc)
                if kind == CORRUPT:
                    self._recover(str(exc))
                    return
                self._count("spool_open_failures", kind)
                event(log, logging.WARNING, "spool_open_failed", path=str(self.path), reason=kind,
                      error=str(exc), attempt=attempt, of=attempts)
                if attempt < attempts:
                    self._sleep(OPEN_RETRY_SECONDS * attempt)
        event(log, logging.ERROR, "spool_unavailable", path=str(self.path),
              detail="running without the spool: new data is kept in memory, drops are counted")

    def _reconcile(self) -> None:
        """After a clean open: apply pending acknowledgements, find and count lost rows."""
        db = self._db
        assert db is not None
        state = self.state
        ledger = state.ledger
        for row_id in list(state.acks):
            try:
                db.execute("DELETE FROM batches WHERE id = ?", (row_id,))
            except sqlite3.Error:
                continue
            state.clear_ack(row_id)
        if ledger.low_id:
            # Rows below the low-water mark were delivered: a lost WAL can bring them back.
            self._try(lambda: db.execute("DELETE FROM batches WHERE id < ?", (ledger.low_id,)))
        self._bytes, self._datums = self._totals()
        if state.found and self._datums < ledger.live:
            self._salvage_missing()
        self._bytes, self._datums = self._totals()
        self._rebase_ledger()

    def _salvage_missing(self) -> None:
        """Rows the ledger expects but SQLite does not show: read them from the pages."""
        db = self._db
        assert db is not None
        present = {r[0] for r in db.execute("SELECT id FROM batches")}
        expected = self.state.ledger.live
        report = self._pre_salvage or salvage(self.path)
        recovered = 0
        for raw in self._wanted(report.rows):
            if raw.id in present:
                continue
            if self._insert_raw(db, raw):
                recovered += raw.datums
                self._count("spool_salvaged_rows", "wal_damaged")
            else:
                self._orphan(raw)
        _, have = self._totals()
        lost = expected - have - self._orphan_count()
        for row_id, datums in report.damaged:
            if row_id not in present and row_id >= self.state.ledger.low_id:
                self._count_drop(SPOOL_CORRUPT, datums)
                lost -= datums
        event(log, logging.WARNING, "spool_rows_missing", expected=expected, recovered=recovered,
              lost=max(0, lost))
        if lost > 0:
            self._count_drop(SPOOL_LOST, lost)

    def _recover(self, problem: str) -> None:
        """A damaged file: salvage intact rows (read-only), move it aside, start afresh."""
        report = self._pre_salvage or salvage(self.path)
        stamp = time.strftime("%Y%m%dT%H%M%S")
        aside = self.path.with_name(f"{SPOOL_FILE}.corrupt-{stamp}-{id(self)}")
        event(log, logging.WARNING, "spool_corrupt", path=str(self.path), problem=problem,
              moved_to=str(aside), salvaged_rows=len(report.rows))
        self.quarantined_files += 1
        self._count("spool_quarantined_files", CORRUPT)
        self._prune_quarantined()
        for suffix in ("", "-wal", "-shm"):
            source = Path(str(self.path) + suffix)
            with contextlib.suppress(OSError):
                if source.exists():
                    source.rename(Path(str(aside) + suffix))
        wanted = list(self._wanted(report.rows))
        salvaged = sum(r.datums for r in wanted)
        damaged = 0
        for row_id, datums in report.damaged:
            if row_id >= self.state.ledger.low_id and row_id not in self.state.acks:
                damaged += datums
        if damaged:
            self._count_drop(SPOOL_CORRUPT, damaged)
        ledger = self.state.ledger
        if self.state.found:
            found_ids = {r.id for r in wanted} | {i for i, _ in report.damaged}
            self.unreadable_rows += sum(
                1 for i in range(max(ledger.low_id, 1), ledger.max_id + 1)
                if i not in found_ids and i not in self.state.acks
            ) if ledger.max_id - ledger.low_id < 10_000_000 else 0
            lost = ledger.live - salvaged - damaged
            if lost > 0:
                self._count_drop(SPOOL_LOST, lost)
        if self.unreadable_rows:
            self._count("spool_unreadable_rows", CORRUPT, self.unreadable_rows)
        try:
            db = self._connect(self.path)
        except sqlite3.Error as exc:
            self._count("spool_open_failures", failure_kind(exc))
            for raw in wanted:
                self._orphan(raw)
            self._rebase_ledger()
            event(log, logging.ERROR, "spool_unavailable", path=str(self.path), error=str(exc))
            return
        for raw in wanted:
            if self._insert_raw(db, raw):
                self._count("spool_salvaged_rows", CORRUPT)
            else:
                self._orphan(raw)
        self._db = db
        self._bytes, self._datums = self._totals()
        self._rebase_ledger()

    def _wanted(self, rows: list[RawRow]) -> list[RawRow]:
        """Salvaged rows worth replaying: not below the low-water mark, not acknowledged."""
        low = self.state.ledger.low_id
        return [r for r in rows if r.id >= low and r.id not in self.state.acks]

    def _insert_raw(self, db: sqlite3.Connection, raw: RawRow) -> bool:
        try:
            count = len(decode(raw.payload))
        except Exception:
            self._count_drop(SPOOL_CORRUPT, raw.datums)
            return True
        try:
            db.execute(
                "INSERT OR IGNORE INTO batches (id, created, datums, bytes, crc, payload, unanswered)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (raw.id, raw.created, count, len(raw.payload) + ROW_OVERHEAD_BYTES,
                 zlib.crc32(raw.payload), raw.payload, raw.unanswered),
            )
        except sqlite3.Error:
            return False
        return True

    def _orphan(self, raw: RawRow) -> None:
        """A salvaged row the spool cannot hold: handed to the publisher's memory."""
        try:
            self._orphans.extend(decode(raw.payload))
        except Exception:
            self._count_drop(SPOOL_CORRUPT, raw.datums)

    def _orphan_count(self) -> int:
        return len(self._orphans)

    def take_orphans(self) -> list[Datum]:
        """Salvaged datums that could not be written back (disk full): keep them in memory."""
        with self._lock:
            orphans, self._orphans = self._orphans, []
        return orphans

    def _prune_quarantined(self) -> None:
        old = sorted(p for p in self.directory.glob(f"{SPOOL_FILE}.corrupt-*")
                     if not p.name.endswith(("-wal", "-shm")))
        for path in old[: max(0, len(old) - KEEP_QUARANTINED + 1)]:
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(OSError):
                    Path(str(path) + suffix).unlink()

    def _rebase_ledger(self) -> None:
        """Make the ledger agree with what the spool now holds."""
        ledger = self.state.ledger
        ledger.appended = ledger.removed + self._datums
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                row = self._db.execute("SELECT MIN(id), MAX(id) FROM batches").fetchone()
                seq = self._db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'batches'").fetchone()
                ledger.max_id = max(ledger.max_id, int(row[1] or 0), int(seq[0]) if seq else 0)
                ledger.low_id = int(row[0]) if row[0] is not None else ledger.max_id + 1
        self.state.save()

    def _totals(self) -> tuple[int, int]:
        if self._db is None:
            return 0, 0
        acked = tuple(self.state.acks)
        if acked:
            marks = ",".join("?" * len(acked))
            query = f"SELECT COALESCE(SUM(bytes), 0), COALESCE(SUM(datums), 0) FROM batches WHERE id NOT IN ({marks})"  # noqa: S608
            row = self._db.execute(query, acked).fetchone()
        else:
            row = self._db.execute("SELECT COALESCE(SUM(bytes), 0), COALESCE(SUM(datums), 0) FROM batches").fetchone()
        return int(row[0]), int(row[1])

    def _try(self, action: Callable[[], Any]) -> bool:
        try:
            action()
        except sqlite3.Error:
            return False
        return True

    # -- writing ------------------------------------------------------------------

    def append(self, datums: Sequence[Datum]) -> None:
        """Store datums as one row per ``ROW_DATUMS`` (the publisher hands one
        request at a time); evict the oldest rows when over the byte budget.
        Raises :class:`SpoolError` (``.reason``) when the spool is unavailable or
        a write fails; rows written before the failure stay."""
        for start in range(0, len(datums), ROW_DATUMS):
            self._append_row(datums[start : start + ROW_DATUMS])

    def _append_row(self, chunk: Sequence[Datum]) -> None:
        payload = encode(chunk)
        size = len(payload) + ROW_OVERHEAD_BYTES
        with self._lock:
            db = self._db
            if db is None:
                raise SpoolError(f"spool {self.path}: unavailable", reason=IO_ERROR)
            if size > self.max_bytes:
                self._count_drop(SPOOL_FULL, len(chunk))
                return
            ledger = self.state.ledger
            saved = (ledger.appended, ledger.removed, ledger.max_id, ledger.low_id)
            try:
                db.execute("BEGIN IMMEDIATE")
                evicted = self._evict_locked(self.max_bytes - size)
                cursor = db.execute(
                    "INSERT INTO batches (created, datums, bytes, crc, payload) VALUES (?, ?, ?, ?, ?)",
                    (self._now(), len(chunk), size, zlib.crc32(payload), payload),
                )
                # The ledger is written before the commit: a kill in between counts
                # the row as lost at the next start, which it is (it was only in memory).
                ledger.appended += len(chunk)
                ledger.removed += sum(n for _, n, _ in evicted)
                ledger.max_id = max(ledger.max_id, int(cursor.lastrowid or 0))
                self.state.save()
                db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                ledger.appended, ledger.removed, ledger.max_id, ledger.low_id = saved
                self.state.save()
                kind = failure_kind(exc)
                self._count("spool_write_failures", kind)
                raise SpoolError(f"spool {self.path}: write failed: {exc}", reason=kind) from exc
            for _, count, row_bytes in evicted:
                self._bytes -= row_bytes
                self._datums -= count
                self._count_drop(SPOOL_FULL, count)
            self._bytes += size
            self._datums += len(chunk)
            self._checkpoint()

    def _checkpoint(self) -> None:
        """Move new rows into the main file now: a lost WAL then costs (almost) nothing."""
        db = self._db
        if db is not None:
            self._try(lambda: db.execute("PRAGMA wal_checkpoint(PASSIVE)"))

    def _evict_locked(self, room: int) -> list[tuple[int, int, int]]:
        """Delete the oldest rows until at most ``room`` bytes are used; (id, datums, bytes) each."""
        assert self._db is not None
        evicted: list[tuple[int, int, int]] = []
        used = self._bytes
        last = 0
        while used > room:
            row = self._db.execute(
                "SELECT id, datums, bytes FROM batches WHERE id > ? ORDER BY id LIMIT 1", (last,)
            ).fetchone()
            if row is None:
                break
            last = int(row[0])
            if last in self.state.acks:
                continue
            self._db.execute("DELETE FROM batches WHERE id = ?", (last,))
            evicted.append((last, int(row[1]), int(row[2])))
            used -= int(row[2])
        return evicted

    def _rollback(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")

    # -- reading ------------------------------------------------------------------

    def oldest(self, limit: int = 1, skip: Collection[int] = ()) -> list[SpoolEntry]:
        """Up to ``limit`` of the oldest rows, without acknowledged rows and ``skip``;
        corrupt rows are deleted and counted."""
        entries: list[SpoolEntry] = []
        with self._lock:
            if self._db is None:
                return []
            excluded = set(skip) | set(self.state.acks)
            last = 0
            while len(entries) < limit:
                try:
                    rows = self._db.execute(
                        "SELECT id, datums, bytes, crc, payload, unanswered FROM batches"
                        " WHERE id > ? ORDER BY id LIMIT ?", (last, limit + len(excluded)),
                    ).fetchall()
                except sqlite3.Error as exc:
                    if failure_kind(exc) != CORRUPT:
                        self._count("spool_read_failures", failure_kind(exc))
                        return entries
                    with contextlib.suppress(sqlite3.Error):
                        self._db.close()
                    self._db = None
                    self._recover(str(exc))
                    return []
                if not rows:
                    break
                for row_id, count, size, crc, payload, unanswered in rows:
                    last = row_id
                    if row_id in excluded:
                        continue
                    datums: tuple[Datum, ...] | None = None
                    if isinstance(payload, bytes) and zlib.crc32(payload) == crc:
                        try:
                            datums = decode(payload)
                        except Exception:
                            datums = None
                    if datums is None:
                        event(log, logging.WARNING, "spool_row_corrupt", id=row_id, datums=count)
                        self._count_drop(SPOOL_CORRUPT, int(count))
                        self._remove_locked(row_id, int(count), int(size))
                        continue
                    entries.append(SpoolEntry(row_id, datums, int(unanswered or 0)))
                    if len(entries) >= limit:
                        break
        return entries

    def ack(self, entry_id: int, datums: int | None = None) -> None:
        """The row is done with (delivered, or dropped and counted): delete it, or, when
        the delete cannot be written, remember it in the acknowledgement ring. Never raises."""
        with self._lock:
            if self._db is None or entry_id in self.state.acks:
                return
            try:
                row = self._db.execute("SELECT datums, bytes FROM batches WHERE id = ?", (entry_id,)).fetchone()
            except sqlite3.Error:
                row = None if datums is None else (datums, 0)
            if row is None:
                return
            self._remove_locked(entry_id, int(row[0]), int(row[1]))

    def _remove_locked(self, entry_id: int, count: int, size: int) -> None:
        assert self._db is not None
        state = self.state
        persisted = state.add_ack(entry_id, count)
        state.ledger.removed += count
        state.save()
        self._bytes -= size
        self._datums -= count
        try:
            self._db.execute("DELETE FROM batches WHERE id = ?", (entry_id,))
        except sqlite3.Error as exc:
            kind = failure_kind(exc)
            self._count("spool_write_failures", kind)
            self._count("spool_acks_deferred", "persisted" if persisted else "memory_only")
            return
        state.clear_ack(entry_id)
        with contextlib.suppress(sqlite3.Error):
            low = self._db.execute("SELECT MIN(id) FROM batches").fetchone()[0]
            state.ledger.low_id = int(low) if low is not None else state.ledger.max_id + 1
            state.save()

    def retry_deferred(self) -> None:
        """Try again to delete acknowledged rows whose delete failed earlier."""
        with self._lock:
            if self._db is None:
                return
            for row_id in list(self.state.acks):
                try:
                    self._db.execute("DELETE FROM batches WHERE id = ?", (row_id,))
                except sqlite3.Error:
                    return
                self.state.clear_ack(row_id)

    def mark_unanswered(self, entry_id: int) -> None:
        """Note (best effort) that a send of this row got no answer: a re-send may duplicate."""
        with self._lock:
            if self._db is not None:
                self._try(lambda: self._db.execute(  # type: ignore[union-attr]
                    "UPDATE batches SET unanswered = unanswered + 1 WHERE id = ?", (entry_id,)))

    def replace(self, entry_id: int, datums: Sequence[Datum]) -> bool:
        """Keep only ``datums`` of a row (the part not delivered yet); False if not written."""
        if not datums:
            self.ack(entry_id)
            return True
        payload = encode(datums)
        size = len(payload) + ROW_OVERHEAD_BYTES
        with self._lock:
            if self._db is None:
                return False
            try:
                row = self._db.execute("SELECT datums, bytes FROM batches WHERE id = ?", (entry_id,)).fetchone()
                if row is None:
                    return True
                self._db.execute(
                    "UPDATE batches SET datums = ?, bytes = ?, crc = ?, payload = ? WHERE id = ?",
                    (len(datums), size, zlib.crc32(payload), payload, entry_id),
                )
            except sqlite3.Error as exc:
                self._count("spool_write_failures", failure_kind(exc))
                return False
            self._bytes += size - int(row[1])
            self._datums += len(datums) - int(row[0])
            self.state.ledger.removed += int(row[0]) - len(datums)
            self.state.save()
            return True

    # -- accounting ---------------------------------------------------------------

    def _count(self, name: str, reason: str, amount: int = 1) -> None:
        key = (name, reason)
        self._counts[key] = self._counts.get(key, 0) + amount

    def _count_drop(self, reason: str, amount: int) -> None:
        if amount:
            self._count("datums_dropped", reason, amount)

    def take_counts(self) -> dict[tuple[str, str], int]:
        """(counter name, reason) -> amount since the last call (drops, failures, salvage)."""
        with self._lock:
            counts, self._counts = self._counts, {}
        return counts

    def take_dropped(self) -> dict[str, int]:
        """Datums dropped (by reason) since the last call; other counts are kept."""
        with self._lock:
            dropped = {r: n for (name, r), n in self._counts.items() if name == "datums_dropped"}
            for reason in dropped:
                del self._counts[("datums_dropped", reason)]
        return dropped

    @property
    def bytes(self) -> int:
        return self._bytes

    @property
    def datums(self) -> int:
        return self._datums

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                with contextlib.suppress(sqlite3.Error):
                    self._db.close()
                self._db = None
            self.state.close()
