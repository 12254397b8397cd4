"""The on-disk spool: FIFO, byte budget, replace, and survival of corruption."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mwaa_ops.cloudwatch.datum import Datum
from mwaa_ops.cloudwatch.spool import SPOOL_FILE, Spool, decode, encode

ENV = (("Environment", "local"),)


def _datums(n: int, start: int = 0, metric: str = "M") -> list[Datum]:
    return [Datum(metric, ENV, 1_700_000_000.0 + i, "Count", value=float(i)) for i in range(start, start + n)]


def test_round_trip_encoding_keeps_every_field() -> None:
    datums = [
        Datum("M", (("A", "1"), ("B", "é")), 1.5, "Seconds", values=(1.0, 2.5), counts=(3.0, 1.0),
              storage_resolution=1, namespace="MwaaOps"),
        Datum("N", ENV, 2.0, "Count", value=0.0),
    ]
    assert decode(encode(datums)) == tuple(datums)


def test_append_then_replay_oldest_first_and_delete(tmp_path: Path) -> None:
    spool = Spool(tmp_path, 10 * 1024 * 1024)
    spool.append(_datums(2500))
    assert spool.datums == 2500
    entries = spool.oldest(10)
    assert [len(e.datums) for e in entries] == [1000, 1000, 500]
    assert [d.value for e in entries for d in e.datums] == [float(i) for i in range(2500)]
    spool.ack(entries[0].id)
    assert spool.datums == 1500
    spool.close()
    reopened = Spool(tmp_path, 10 * 1024 * 1024)
    assert reopened.datums == 1500
    assert reopened.oldest(1)[0].datums[0].value == 1000.0


def test_replace_keeps_the_undelivered_part_in_place(tmp_path: Path) -> None:
    spool = Spool(tmp_path, 10 * 1024 * 1024)
    spool.append(_datums(10))
    spool.append(_datums(10, start=100))
    first = spool.oldest(1)[0]
    spool.replace(first.id, first.datums[7:])
    assert spool.datums == 13
    assert [d.value for d in spool.oldest(1)[0].datums] == [7.0, 8.0, 9.0]


def test_budget_drops_oldest_first_and_counts(tmp_path: Path) -> None:
    one_row = len(encode(_datums(1000))) + 64
    spool = Spool(tmp_path, 3 * one_row + 100)
    for block in range(5):
        spool.append(_datums(1000, start=block * 1000))
    assert spool.bytes <= 3 * one_row + 100
    assert spool.datums == 3000
    assert spool.take_dropped() == {"spool_full": 2000}
    # The newest data survived.
    assert spool.oldest(1)[0].datums[0].value == 2000.0
    assert spool.take_dropped() == {}


def test_corrupt_row_is_skipped_and_counted(tmp_path: Path) -> None:
    spool = Spool(tmp_path, 10 * 1024 * 1024)
    spool.append(_datums(3))
    spool.append(_datums(4, start=10))
    spool.close()
    db = sqlite3.connect(tmp_path / SPOOL_FILE)
    db.execute("UPDATE batches SET payload = X'DEADBEEF' WHERE id = (SELECT MIN(id) FROM batches)")
    db.commit()
    db.close()
    spool = Spool(tmp_path, 10 * 1024 * 1024)
    entries = spool.oldest(10)
    assert [[d.value for d in e.datums] for e in entries] == [[10.0, 11.0, 12.0, 13.0]]
    assert spool.take_dropped() == {"spool_corrupt": 3}
    assert spool.datums == 4


def test_row_with_valid_checksum_but_bad_encoding_is_skipped(tmp_path: Path) -> None:
    import zlib

    spool = Spool(tmp_path, 10 * 1024 * 1024)
    spool.append(_datums(2))
    payload = b"\xa1\x01\x02"  # CBOR {1: 2}: not a list of datums
    spool._db.execute("UPDATE batches SET payload = ?, crc = ?", (payload, zlib.crc32(payload)))
    assert spool.oldest(1) == []
    assert spool.take_dropped() == {"spool_corrupt": 2}


def test_garbage_file_is_moved_aside_and_a_fresh_spool_starts(tmp_path: Path) -> None:
    (tmp_path / SPOOL_FILE).write_bytes(b"this is not a database" * 100)
    spool = Spool(tmp_path, 10 * 1024 * 1024)
    assert spool.quarantined_files == 1
    assert spool.datums == 0
    spool.append(_datums(5))
    assert len(spool.oldest(1)[0].datums) == 5
    assert any(p.name.startswith(SPOOL_FILE + ".corrupt-") for p in tmp_path.iterdir())


def test_truncated_file_never_raises_and_keeps_what_reads(tmp_path: Path) -> None:
    spool = Spool(tmp_path, 50 * 1024 * 1024)
    for block in range(20):
        spool.append(_datums(1000, start=block * 1000))
    spool.close()
    path = tmp_path / SPOOL_FILE
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    spool = Spool(tmp_path, 50 * 1024 * 1024)
    replayed = 0
    while True:
        entries = spool.oldest(5)
        if not entries:
            break
        for entry in entries:
            replayed += len(entry.datums)
            spool.ack(entry.id)
    dropped = spool.take_dropped().get("spool_corrupt", 0)
    assert spool.quarantined_files == 1
    # Rows on intact pages come back; the rest is counted (rows SQLite cannot
    # read at all by row, their datums being unknown); nothing is invented.
    assert 0 < replayed < 20_000
    assert replayed % 1000 == 0
    assert replayed + dropped + 1000 * spool.unreadable_rows == 20_000
    spool.append(_datums(1))
    assert spool.datums == 1


def test_an_io_error_at_open_is_not_corruption(tmp_path: Path) -> None:
    """SQLite cannot open the file (here: a directory in its place): retried, no
    quarantine, the spool reports itself unavailable, and opens once it can."""
    (tmp_path / SPOOL_FILE).mkdir()
    sleeps: list[float] = []
    spool = Spool(tmp_path, 10 * 1024 * 1024, sleep=sleeps.append)
    assert not spool.available
    assert spool.quarantined_files == 0
    assert len(sleeps) == 2  # three attempts
    counts = spool.take_counts()
    assert counts == {("spool_open_failures", "io_error"): 3}
    assert (tmp_path / SPOOL_FILE).is_dir()  # left alone
    (tmp_path / SPOOL_FILE).rmdir()
    assert spool.reopen()
    spool.append(_datums(5))
    assert spool.datums == 5


def test_acknowledged_rows_stay_acknowledged_when_the_delete_fails(tmp_path: Path) -> None:
    spool = Spool(tmp_path, 10 * 1024 * 1024)
    spool.append(_datums(3))
    spool.append(_datums(4, start=10))
    first = spool.oldest(1)[0]
    # A delete that cannot be written (what a full disk does): the ring remembers it.
    spool.state.add_ack(first.id, 3)
    assert [len(e.datums) for e in spool.oldest(10)] == [4]
    spool.close()
    reopened = Spool(tmp_path, 10 * 1024 * 1024)
    assert [len(e.datums) for e in reopened.oldest(10)] == [4]
    assert reopened.datums == 4
    assert reopened.state.acks == {}  # the delete went through at open


def test_failure_kinds() -> None:
    import sqlite3

    from mwaa_ops.cloudwatch.spool import failure_kind

    def err(code: int) -> sqlite3.Error:
        exc = sqlite3.DatabaseError("x")
        exc.sqlite_errorcode = code  # type: ignore[attr-defined]
        return exc

    assert failure_kind(err(11)) == "corrupt"  # SQLITE_CORRUPT
    assert failure_kind(err(26)) == "corrupt"  # SQLITE_NOTADB
    assert failure_kind(err(13)) == "disk_full"  # SQLITE_FULL
    assert failure_kind(err(10 | (4 << 8))) == "io_error"  # SQLITE_IOERR_SHMOPEN-like extended code
    assert failure_kind(err(14)) == "io_error"  # SQLITE_CANTOPEN
