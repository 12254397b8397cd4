"""The spool's ledger: a tiny fixed-size file that needs no free space to update.

``spool.state`` is allocated once (16.5 KiB, written in full at creation) and
from then on only overwritten in place, so it can still be updated on a full
file system. It holds:

- the ledger, in two alternating 64-byte slots with a sequence number and a
  CRC-32 (a torn write leaves the other slot valid): datums ever appended,
  datums ever removed (delivered, dropped), the highest row id written and the
  low-water mark (every row below it is gone). After damage the spool compares
  what SQLite or the salvage gives back with ``appended - removed`` and counts
  the difference, so a deleted or mangled WAL is never a silent loss; rows
  below the low-water mark found by a salvage are stale and not replayed.
- the acknowledgement ring: up to ``ACK_SLOTS`` rows CloudWatch acknowledged
  but whose ``DELETE`` could not be written yet (disk full). Rows listed here
  are never sent again, before or after a restart.
"""

from __future__ import annotations

import contextlib
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

STATE_FILE = "spool.state"
ACK_SLOTS = 1024
_MAGIC = b"MWSPST01"
_SLOT = struct.Struct(">8sQQQQQ")  # magic, seq, appended, removed, max_id, low_id
_SLOT_BYTES = 64
_ACK = struct.Struct(">QQ")  # row id, datums
_ACKS_AT = 2 * _SLOT_BYTES
SIZE = _ACKS_AT + ACK_SLOTS * _ACK.size


@dataclass
class Ledger:
    appended: int = 0
    removed: int = 0
    max_id: int = 0
    low_id: int = 0

    @property
    def live(self) -> int:
        """Datums that should be in the spool."""
        return self.appended - self.removed


class SpoolState:
    """The ledger and acknowledgement ring; every method swallows I/O errors and reports them."""

    def __init__(self, directory: Path) -> None:
        self.path = Path(directory) / STATE_FILE
        self.ledger = Ledger()
        self.acks: dict[int, int] = {}  # row id -> datums, acknowledged but not deleted
        self._slots: dict[int, int] = {}  # row id -> ring slot
        self._seq = 0
        self.found = False  # a valid ledger was read at open
        self.fd: int | None = None
        self.failures = 0
        self._open()

    def _open(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            self.failures += 1
            return
        try:
            data = os.pread(fd, SIZE, 0)
            if len(data) < SIZE:
                # Allocate the whole file now, while there is room: later writes only overwrite.
                os.pwrite(fd, data + b"\0" * (SIZE - len(data)), 0)
                os.fsync(fd)
                data = data + b"\0" * (SIZE - len(data))
        except OSError:
            self.failures += 1
            os.close(fd)
            return
        self.fd = fd
        best: tuple[int, Ledger] | None = None
        for slot in range(2):
            raw = data[slot * _SLOT_BYTES : slot * _SLOT_BYTES + _SLOT.size + 4]
            body, crc = raw[: _SLOT.size], raw[_SLOT.size :]
            if zlib.crc32(body) != int.from_bytes(crc, "big"):
                continue
            magic, seq, appended, removed, max_id, low_id = _SLOT.unpack(body)
            if magic != _MAGIC:
                continue
            if best is None or seq > best[0]:
                best = (seq, Ledger(appended, removed, max_id, low_id))
        if best is not None:
            self._seq, self.ledger = best
            self.found = True
        for slot in range(ACK_SLOTS):
            row_id, datums = _ACK.unpack_from(data, _ACKS_AT + slot * _ACK.size)
            if row_id:
                self.acks[row_id] = datums
                self._slots[row_id] = slot

    def save(self) -> bool:
        """Write the ledger to the older slot; False if the write failed."""
        if self.fd is None:
            return False
        self._seq += 1
        led = self.ledger
        body = _SLOT.pack(_MAGIC, self._seq, led.appended, led.removed, led.max_id, led.low_id)
        try:
            os.pwrite(self.fd, body + zlib.crc32(body).to_bytes(4, "big"), (self._seq % 2) * _SLOT_BYTES)
        except OSError:
            self.failures += 1
            return False
        return True

    def add_ack(self, row_id: int, datums: int) -> bool:
        """Remember an acknowledged row until its delete is written; False if not persisted."""
        self.acks[row_id] = datums
        if self.fd is None or row_id in self._slots:
            return row_id in self._slots
        used = set(self._slots.values())
        free = next((s for s in range(ACK_SLOTS) if s not in used), None)
        if free is None:
            return False
        try:
            os.pwrite(self.fd, _ACK.pack(row_id, datums), _ACKS_AT + free * _ACK.size)
        except OSError:
            self.failures += 1
            return False
        self._slots[row_id] = free
        return True

    def clear_ack(self, row_id: int) -> None:
        """The row's delete is written: free its slot."""
        self.acks.pop(row_id, None)
        slot = self._slots.pop(row_id, None)
        if slot is not None and self.fd is not None:
            try:
                os.pwrite(self.fd, _ACK.pack(0, 0), _ACKS_AT + slot * _ACK.size)
            except OSError:
                self.failures += 1

    def close(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None
