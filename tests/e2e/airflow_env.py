"""Cached virtual environments holding a pinned Apache Airflow, for the e2e tests.

Installing ``apache-airflow[statsd]`` takes about 1.5 minutes, so each pinned
version is built once under ``<repo>/.cache/airflow-venvs/<version>/`` and
reused by later runs. The build happens in a temporary sibling directory that
is renamed into place only when the install succeeded, and a lock file keeps
two pytest processes from building the same version at once.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

# Newest releases of each line on PyPI when these tests were written
# (`pip index versions apache-airflow`): 3.3.2 is the newest 3.x and 2.11.2
# the newest 2.11.x (most MWAA environments still run 2.x).
AIRFLOW_3 = "3.3.2"
AIRFLOW_2 = "2.11.2"

REPO_ROOT = Path(__file__).resolve().parents[2]
VENVS_DIR = REPO_ROOT / ".cache" / "airflow-venvs"

# A venv counts as complete only once this marker exists inside it.
_READY_MARKER = ".mwaa-ops-ready"
# pip install of apache-airflow takes ~1.5 min here; leave ample slack.
_INSTALL_TIMEOUT_S = 1200


def _say(message: str) -> None:
    print(f"[airflow-env] {message}", file=sys.stderr, flush=True)


def venv_path(version: str) -> Path:
    """Where the virtual environment for ``version`` lives (built or not)."""
    return VENVS_DIR / version


def _is_ready(venv: Path) -> bool:
    return (venv / _READY_MARKER).is_file() and (venv / "bin" / "airflow").exists()


def ensure_airflow_venv(version: str) -> Path:
    """Return a virtualenv with ``apache-airflow[statsd]==version``, building it once."""
    target = venv_path(version)
    if _is_ready(target):
        return target
    VENVS_DIR.mkdir(parents=True, exist_ok=True)
    lock_path = VENVS_DIR / f"{version}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if _is_ready(target):  # another process built it while we waited
                return target
            _build(version, target)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return target


def _build(version: str, target: Path) -> None:
    # pip writes the interpreter path into every script's shebang, so the
    # install must run under the final path. The venv is created in a staging
    # directory, reached through a symlink at the final path while pip runs,
    # and the symlink is then swapped for the directory with one rename: a
    # reader sees either nothing or a complete venv.
    staging = target.with_name(f"{version}.building-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    # Leftovers of an interrupted build: a dangling symlink or a venv
    # without the ready marker.
    if target.is_symlink():
        target.unlink()
    elif target.exists():
        shutil.rmtree(target)
    started = time.monotonic()
    _say(f"building Airflow {version} venv at {target} (takes ~1.5 min, cached afterwards)")
    base_python = getattr(sys, "_base_executable", sys.executable)
    try:
        subprocess.run([base_python, "-m", "venv", str(staging)], check=True)
        os.symlink(staging.name, target)
        pip = [str(target / "bin" / "python"), "-m", "pip"]
        subprocess.run(
            [*pip, "install", "-q", "--disable-pip-version-check", "--upgrade", "pip"],
            check=True,
            timeout=_INSTALL_TIMEOUT_S,
        )
        subprocess.run(
            [*pip, "install", "-q", "--disable-pip-version-check",
             f"apache-airflow[statsd]=={version}"],
            check=True,
            timeout=_INSTALL_TIMEOUT_S,
        )
        (staging / _READY_MARKER).write_text(f"{version}\n")
        target.unlink()
        os.rename(staging, target)
    except BaseException:
        if target.is_symlink():
            target.unlink()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _say(f"Airflow {version} ready in {time.monotonic() - started:.0f}s")


def site_packages(venv: Path) -> Path:
    """The ``site-packages`` directory of ``venv``."""
    found = sorted((venv / "lib").glob("python3*/site-packages"))
    if not found:
        raise FileNotFoundError(f"no site-packages under {venv / 'lib'}")
    return found[0]
