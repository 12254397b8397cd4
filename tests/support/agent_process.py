"""Running ``mwaa-ops`` as a real subprocess in tests, the way a user runs it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MWAA_OPS = str(Path(sys.executable).parent / "mwaa-ops")


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port that is free right now on 127.0.0.1 (TCP or UDP)."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_udp_port() -> int:
    return free_port(socket.SOCK_DGRAM)


class AgentProcess:
    """``mwaa-ops <command> ...`` in its own process group, stopped with a signal."""

    def __init__(self, args: list[str], *, env: dict[str, str] | None = None,
                 log_path: Path, cwd: Path | None = None) -> None:
        self.args = args
        self.env = {**os.environ, **(env or {})}
        self.log_path = log_path
        self.cwd = cwd or ROOT
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> AgentProcess:
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [MWAA_OPS, *self.args], stdout=self._log, stderr=subprocess.STDOUT,
            env=self.env, cwd=self.cwd, start_new_session=True,
        )
        return self

    def wait_healthy(self, health_port: int, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"agent exited with {self.proc.returncode}:\n{self.log()}")
            try:
                # Up and serving: /livez answers 200 (readiness may still be 503, e.g. during an outage).
                with urllib.request.urlopen(f"http://127.0.0.1:{health_port}/livez", timeout=2):
                    pass
                return self.health(health_port)
            except Exception as exc:  # not up yet
                last = exc
                time.sleep(0.2)
        raise AssertionError(f"agent not healthy after {timeout}s ({last}):\n{self.log()}")

    @staticmethod
    def health(health_port: int) -> dict[str, Any]:
        url = f"http://127.0.0.1:{health_port}/healthz"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                data: dict[str, Any] = json.loads(response.read())
        except urllib.error.HTTPError as error:  # 503 = not ready; the body says why
            if error.code != 503:
                raise
            data = json.loads(error.read())
        return data

    @staticmethod
    def prometheus(health_port: int) -> dict[str, float]:
        url = f"http://127.0.0.1:{health_port}/metrics"
        with urllib.request.urlopen(url, timeout=2) as response:
            text = response.read().decode()
        values: dict[str, float] = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                values[name] = values.get(name, 0.0) + float(value)
                # Counters are exposed as <name>_total; also keep them under the bare name.
                base, brace, labels = name.partition("{")
                if base.endswith("_total"):
                    bare = base.removesuffix("_total") + brace + labels
                    values[bare] = values.get(bare, 0.0) + float(value)
        return values

    def stop(self, sig: int = signal.SIGINT, timeout: float = 60) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
                raise AssertionError(f"agent did not stop within {timeout}s:\n{self.log()}") from None
        self._log.close()
        return int(self.proc.returncode)

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-6000:]
        except OSError:
            return ""
