"""A small tmpfs a test mounts and unmounts itself, for full-disk scenarios."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def small_tmpfs(where: Path, size_bytes: int) -> Iterator[Path]:
    """Mount a tmpfs of ``size_bytes`` at ``where``; skip the test where mounting is not permitted."""
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_bytes}", "tmpfs", str(where)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {done.stderr.strip() or done.returncode}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)


def fill(directory: Path, name: str = "filler") -> int:
    """Write a file until the file system is full; returns the bytes written."""
    written = 0
    chunk = b"\0" * 65536
    with (directory / name).open("wb") as handle:
        try:
            while True:
                handle.write(chunk)
                handle.flush()
                written += len(chunk)
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
    # Then the last few bytes a smaller write still finds.
    with contextlib.suppress(OSError), (directory / (name + "-tail")).open("wb") as handle:
        for _ in range(65536):
            handle.write(b"\0" * 512)
            handle.flush()
            written += 512
    return written


def free_bytes(directory: Path) -> int:
    stat = os.statvfs(directory)
    return stat.f_bavail * stat.f_frsize
