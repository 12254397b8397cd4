"""Install the peers the benchmark compares against, idempotently.

- Etsy statsd: ``npm install statsd@0.9.0`` into ``bench/.peers/`` (gitignored).
- collectd with its statsd plugin: ``apt-get install -y collectd-core`` (after
  ``apt-get update`` when the package is unknown).

A peer that cannot be installed is skipped with a message saying why; the
benchmark still runs the others.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PEERS_DIR = BENCH / ".peers"
STATSD_VERSION = "0.9.0"
STATSD_JS = PEERS_DIR / "node_modules" / "statsd" / "stats.js"
COLLECTD = Path("/usr/sbin/collectd")
COLLECTD_PLUGINS = Path("/usr/lib/collectd")


@dataclass(frozen=True)
class PeerStatus:
    name: str
    available: bool
    detail: str


_APT_ENV = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}


def _run(
    cmd: list[str], cwd: Path | None = None, timeout: float = 600, env: dict[str, str] | None = None
) -> tuple[bool, str]:
    try:
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    tail = (done.stdout + done.stderr).strip().splitlines()[-3:]
    return done.returncode == 0, " | ".join(tail)


def _installed_statsd_version() -> str | None:
    package = STATSD_JS.parent / "package.json"
    if not package.exists():
        return None
    import json

    return str(json.loads(package.read_text()).get("version"))


def ensure_etsy_statsd() -> PeerStatus:
    """Etsy statsd under bench/.peers, installed once."""
    if shutil.which("node") is None:
        return PeerStatus("etsy-statsd", False, "node is not installed (apt-get install nodejs npm)")
    if _installed_statsd_version() == STATSD_VERSION:
        return PeerStatus("etsy-statsd", True, f"statsd {STATSD_VERSION} already in {PEERS_DIR}")
    if shutil.which("npm") is None:
        return PeerStatus("etsy-statsd", False, "npm is not installed")
    PEERS_DIR.mkdir(parents=True, exist_ok=True)
    ok, output = _run(
        ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(PEERS_DIR), f"statsd@{STATSD_VERSION}"]
    )
    if not ok or _installed_statsd_version() != STATSD_VERSION:
        return PeerStatus("etsy-statsd", False, f"npm install statsd@{STATSD_VERSION} failed: {output}")
    return PeerStatus("etsy-statsd", True, f"installed statsd {STATSD_VERSION} into {PEERS_DIR}")


def _collectd_ready() -> bool:
    return COLLECTD.exists() and (COLLECTD_PLUGINS / "statsd.so").exists() and (
        COLLECTD_PLUGINS / "csv.so"
    ).exists()


def ensure_collectd() -> PeerStatus:
    """collectd-core from the distribution, installed once."""
    if _collectd_ready():
        return PeerStatus("collectd", True, "collectd-core already installed")
    if shutil.which("apt-get") is None:
        return PeerStatus("collectd", False, "no apt-get: install collectd with its statsd plugin by hand")
    ok, output = _run(["apt-get", "install", "-y", "collectd-core"], env=_APT_ENV)
    if not ok:
        _run(["apt-get", "update"], env=_APT_ENV)
        ok, output = _run(["apt-get", "install", "-y", "collectd-core"], env=_APT_ENV)
    if not ok or not _collectd_ready():
        return PeerStatus("collectd", False, f"apt-get install collectd-core failed: {output}")
    return PeerStatus("collectd", True, "installed collectd-core")
