"""Load generator: Airflow-shaped StatsD over UDP at a fixed rate, from its own process and core.

Run by ``run.py`` (``python bench/loadgen.py --port 8125 --rate 200000 --duration 10``);
prints one JSON object: what was sent, the achieved rate and the exact totals the
receiver must end up with.

Pacing: every 1 ms tick the generator sends whatever is due (``rate x elapsed``
minus what went out) in batches with one ``sendmmsg(2)`` call per up to 1024
datagrams, so Python's per-call overhead does not cap the rate. It never
catches up at the end: when it falls behind, the achieved rate says so.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workload import Workload, airflow_workload, distinct_workload  # noqa: E402

UIO_MAXIOV = 1024  # the kernel's cap on messages per sendmmsg call (linux/uio.h)
TICK_SECONDS = 0.001


class _Iovec(ctypes.Structure):
    _fields_ = [("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t)]


class _Msghdr(ctypes.Structure):
    _fields_ = [
        ("msg_name", ctypes.c_void_p),
        ("msg_namelen", ctypes.c_uint32),
        ("msg_iov", ctypes.POINTER(_Iovec)),
        ("msg_iovlen", ctypes.c_size_t),
        ("msg_control", ctypes.c_void_p),
        ("msg_controllen", ctypes.c_size_t),
        ("msg_flags", ctypes.c_int),
    ]


class _Mmsghdr(ctypes.Structure):
    _fields_ = [("msg_hdr", _Msghdr), ("msg_len", ctypes.c_uint)]


class BatchSender:
    """Sends ranges of a fixed pool of datagrams on a connected UDP socket with sendmmsg."""

    def __init__(self, sock: socket.socket, payloads: list[bytes]) -> None:
        self._fd = sock.fileno()
        self._size = len(payloads)
        blob = b"".join(payloads)
        self._blob = ctypes.create_string_buffer(blob, len(blob))
        base = ctypes.addressof(self._blob)
        self._iovecs = (_Iovec * self._size)()
        self._msgs = (_Mmsghdr * self._size)()
        offset = 0
        for i, payload in enumerate(payloads):
            self._iovecs[i].iov_base = base + offset
            self._iovecs[i].iov_len = len(payload)
            self._msgs[i].msg_hdr.msg_iov = ctypes.pointer(self._iovecs[i])
            self._msgs[i].msg_hdr.msg_iovlen = 1
            offset += len(payload)
        self._msgs_base = ctypes.addressof(self._msgs)
        self._stride = ctypes.sizeof(_Mmsghdr)
        libc = ctypes.CDLL(None, use_errno=True)
        self._sendmmsg = libc.sendmmsg
        self._sendmmsg.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_uint, ctypes.c_int]
        self._sendmmsg.restype = ctypes.c_int
        self.errors = 0

    def send(self, start: int, count: int) -> int:
        """Send up to ``count`` datagrams from pool index ``start`` (no wrap); returns how many went."""
        count = min(count, UIO_MAXIOV, self._size - start)
        sent = self._sendmmsg(self._fd, self._msgs_base + start * self._stride, count, 0)
        if sent < 0:
            self.errors += 1
            return 0
        return int(sent)


def run(workload: Workload, host: str, port: int, rate: float, duration: float) -> dict[str, object]:
    """Send ``workload`` cyclically at ``rate`` datagrams/s for ``duration`` seconds."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 * 1024 * 1024)
    sock.connect((host, port))
    sender = BatchSender(sock, [m.payload for m in workload.messages])
    size = len(workload)
    sent = 0
    index = 0
    behind_ticks = 0
    start_wall = time.time()
    cpu_start = sum(os.times()[:2])
    start = time.monotonic()
    end = start + duration
    next_tick = start
    while True:
        now = time.monotonic()
        if now >= end:
            break
        due = int(rate * (now - start)) - sent
        while due > 0:
            went = sender.send(index, due)
            if went == 0:
                break
            sent += went
            due -= went
            index = (index + went) % size
            if due > 0 and time.monotonic() >= end:
                break
        next_tick += TICK_SECONDS
        pause = next_tick - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        else:
            behind_ticks += 1
            next_tick = time.monotonic()
    stop = time.monotonic()
    cpu_used = sum(os.times()[:2]) - cpu_start
    sock.close()
    elapsed = stop - start
    return {
        "mode": workload.mode,
        "distinct_names": workload.distinct_names,
        "pool_size": size,
        "target_rate": rate,
        "duration_seconds": elapsed,
        "sent": sent,
        "achieved_rate": sent / elapsed if elapsed else 0.0,
        "send_errors": sender.errors,
        "behind_ticks": behind_ticks,
        "start_monotonic": start,
        "end_monotonic": stop,
        "start_wall": start_wall,
        "expected": workload.expected(sent),
        "cpu": sorted(os.sched_getaffinity(0)),
        "cpu_seconds": cpu_used,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rate", type=float, required=True, help="datagrams per second")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds")
    parser.add_argument("--cpu", type=int, default=None, help="pin to this CPU")
    parser.add_argument("--distinct", type=int, default=0, help="send this many distinct series instead")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args(argv)
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    workload = distinct_workload(args.distinct) if args.distinct else airflow_workload(seed=args.seed)
    result = run(workload, args.host, args.port, args.rate, args.duration)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
