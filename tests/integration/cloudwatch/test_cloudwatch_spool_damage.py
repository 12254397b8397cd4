"""Issue 9 faults 4 and 5: a spool damaged on disk after a SIGKILL.

A child process fills a spool with 6 rows of 1000 distinct datums and is
SIGKILLed (rows in the main file and the WAL, as a killed agent leaves them;
the ``wal_only`` variants skip the checkpoint after each append, so every row
lives only in the WAL, the window a kill can hit). The files are then damaged
the ways a disk damages them and the spool reopened. Every datum must be
recovered or counted (``datums_dropped``), none invented or duplicated.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from mwaa_ops.cloudwatch.spool import SPOOL_FILE, Spool
from tests.support.tmpfs import free_bytes, small_tmpfs

ROWS, PER_ROW = 6, 1000
TOTAL = ROWS * PER_ROW

_CHILD = f"""
import os, signal, sys
from pathlib import Path
from mwaa_ops.cloudwatch.datum import Datum
from mwaa_ops.cloudwatch.spool import Spool
if sys.argv[2] == "wal_only":
    Spool._checkpoint = lambda self: None  # every row stays in the WAL, as before a checkpoint
spool = Spool(Path(sys.argv[1]), 64 << 20)
for block in range({ROWS}):
    spool.append([Datum("M", (("Seq", str(block * {PER_ROW} + i)),), 1.7e9, "Count", value=1.0)
                  for i in range({PER_ROW})])
os.kill(os.getpid(), signal.SIGKILL)
"""


def _killed_spool(directory: Path, mode: str = "checkpointed") -> None:
    directory.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, "-c", _CHILD, str(directory), mode], capture_output=True,
                          check=False)
    assert done.returncode == -9, done.stderr.decode()
    assert (directory / SPOOL_FILE).exists()


def _overwrite(path: Path, offset: int, size: int, seed: int = 7) -> None:
    noise = random.Random(seed).randbytes(size)
    with path.open("r+b") as handle:
        handle.seek(offset)
        handle.write(noise)


def _reopen_and_account(directory: Path) -> tuple[int, int, Spool]:
    spool = Spool(directory, 64 << 20)
    seen: set[str] = set()
    replayed = 0
    while True:
        entries = spool.oldest(10)
        if not entries:
            break
        for entry in entries:
            replayed += len(entry.datums)
            seen.update(dict(d.dimensions)["Seq"] for d in entry.datums)
            spool.ack(entry.id)
    assert len(seen) == replayed, "a datum was replayed twice"
    dropped = sum(n for (name, _), n in spool.take_counts().items() if name == "datums_dropped")
    print(f"\n{directory.name}: sent={TOTAL} recovered={replayed} counted_lost={dropped}")  # noqa: T201
    assert replayed + dropped == TOTAL
    return replayed, dropped, spool


DAMAGE = {
    "wal_deleted": lambda d: (d / f"{SPOOL_FILE}-wal").unlink(),
    "wal_random_8k": lambda d: _overwrite(d / f"{SPOOL_FILE}-wal", 4096, 8192),
    "wal_random_header": lambda d: _overwrite(d / f"{SPOOL_FILE}-wal", 0, 32),
    "db_random_header": lambda d: _overwrite(d / SPOOL_FILE, 0, 100),
    "db_random_page1": lambda d: _overwrite(d / SPOOL_FILE, 0, 4096),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
@pytest.mark.parametrize("mode", ["checkpointed", "wal_only"])
def test_fault5_damage_after_sigkill_is_recovered_or_counted(tmp_path: Path, damage: str, mode: str) -> None:
    directory = tmp_path / f"{mode}-{damage}"
    _killed_spool(directory, mode)
    if mode == "wal_only":
        assert (directory / SPOOL_FILE).stat().st_size <= 8192  # the rows are all in the WAL
    DAMAGE[damage](directory)
    replayed, dropped, _ = _reopen_and_account(directory)
    if mode == "checkpointed" or damage.startswith("db_"):
        assert replayed == TOTAL  # every row page was intact
    if mode == "wal_only" and damage == "wal_deleted":
        assert dropped == TOTAL  # gone, and every datum counted


def test_fault5_everything_gone_is_counted(tmp_path: Path) -> None:
    directory = tmp_path / "gone"
    _killed_spool(directory)
    os.truncate(directory / SPOOL_FILE, 4096)
    (directory / f"{SPOOL_FILE}-wal").unlink()
    replayed, dropped, _ = _reopen_and_account(directory)
    assert (replayed, dropped) == (0, TOTAL)


def test_fault4_header_announcing_a_huge_file_writes_nothing_big(tmp_path: Path) -> None:
    """A header announcing 2^20 pages (4 GiB) on a 16 MiB disk: no zero-fill, rows salvaged."""
    with small_tmpfs(tmp_path / "disk", 16 * 1024 * 1024) as disk:
        directory = disk / "spool"
        _killed_spool(directory)
        Spool(directory, 64 << 20).close()  # a clean close: everything in the main file
        path = directory / SPOOL_FILE
        with path.open("r+b") as handle:
            handle.seek(28)
            handle.write((1 << 20).to_bytes(4, "big"))
        size = path.stat().st_size
        free = free_bytes(disk)
        replayed, dropped, spool = _reopen_and_account(directory)
        used = free - free_bytes(disk)
        spool.close()
    print(f"fault4: file {size} B, written at open {used} B")  # noqa: T201
    assert replayed == TOTAL and dropped == 0
    # At most a fresh copy of what was salvaged (plus SQLite's pages): never the announced 4 GiB.
    assert used <= 2 * size + 1024 * 1024
