"""CPU and memory of a receiver's process tree, kernel UDP counters, and socket tuning.

CPU is user+system time of the process and all its descendants (a receiver may
use several reader processes), sampled in a background thread so the window
can be cut exactly to the load generator's send interval. Peak memory is the
sum of ``VmHWM`` (peak resident set) over the tree.
"""

from __future__ import annotations

import bisect
import os
import subprocess
import threading
import time
from pathlib import Path

import psutil


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def cpu_seconds(pid: int) -> float:
    """User+system CPU seconds used so far by ``pid`` and its descendants."""
    total = 0.0
    for proc in _tree(pid):
        try:
            times = proc.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def peak_rss_bytes(pid: int) -> int:
    """Sum of VmHWM (peak resident set size) over ``pid`` and its descendants."""
    total = 0
    for proc in _tree(pid):
        try:
            for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


_CLK_TCK = os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy (not idle or iowait) since boot, from /proc/stat."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / _CLK_TCK


class CpuSampler:
    """Samples a process tree's CPU time every ``interval`` seconds against ``time.monotonic``."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self._pid = pid
        self._interval = interval
        self._times: list[float] = []
        self._cpu: list[float] = []
        self._machine: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> CpuSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._cpu.append(cpu_seconds(self._pid))
            self._machine.append(machine_busy_seconds())
            self._times.append(time.monotonic())
            self._stop.wait(self._interval)

    def _at(self, series: list[float], moment: float) -> float:
        index = bisect.bisect_left(self._times, moment)
        index = min(max(index, 0), len(self._times) - 1)
        return series[index]

    def core_share(self, start: float, end: float) -> float:
        """CPU the tree used between two ``time.monotonic`` instants, as a share of one core."""
        if not self._times or end <= start:
            return 0.0
        return (self._at(self._cpu, end) - self._at(self._cpu, start)) / (end - start)

    def machine_share(self, start: float, end: float) -> float:
        """CPU all processes used in the window, in cores (2.0 = both cores of two busy)."""
        if not self._times or end <= start:
            return 0.0
        return (self._at(self._machine, end) - self._at(self._machine, start)) / (end - start)


def udp_counters() -> dict[str, int]:
    """The kernel's UDP counters (``/proc/net/snmp``): InDatagrams, RcvbufErrors, ..."""
    lines = [line.split() for line in Path("/proc/net/snmp").read_text().splitlines() if line.startswith("Udp:")]
    if len(lines) < 2:
        return {}
    return {key: int(value) for key, value in zip(lines[0][1:], lines[1][1:], strict=False)}


def udp_port_bound(port: int) -> bool:
    """True when some socket is bound to UDP ``port`` (IPv4 or IPv6)."""
    wanted = f":{port:04X}"
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        if any(row.split()[1].endswith(wanted) for row in rows if len(row.split()) > 1):
            return True
    return False


def read_sysctl(name: str) -> int | None:
    try:
        return int(Path("/proc/sys/" + name.replace(".", "/")).read_text().split()[0])
    except (OSError, ValueError):
        return None


def write_sysctl(name: str, value: int) -> str | None:
    """Set a sysctl; returns None on success or the reason it was not permitted."""
    try:
        done = subprocess.run(
            ["sysctl", "-w", f"{name}={value}"], capture_output=True, text=True, timeout=10
        )
    except OSError as exc:
        return str(exc)
    if done.returncode != 0 or read_sysctl(name) != value:
        return (done.stderr or done.stdout).strip() or f"{name} stayed {read_sysctl(name)}"
    return None
