"""Resolve a requirements file together with a constraints file, for real, with pip.

Runs ``pip install --dry-run --report`` in a child process: nothing is
installed, ``--ignore-installed`` and ``--isolated`` keep this machine's
packages, environment variables and pip configuration out of the answer,
and ``--python-version`` with ``--only-binary=:all:`` resolves for the
target's Python (MWAA installs wheels for its own Python, not ours). The
index is ``readiness.index_url`` (else ``PIP_INDEX_URL``, else PyPI); pip's
HTTP cache lives under ``<state_dir>/readiness/pip-cache``.

Lines of ``requirements.txt`` that choose an index or constraints are left
out of what pip sees and reported: the check supplies the target's
constraints and the configured index itself.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

DEFAULT_INDEX_URL = "https://pypi.org/simple/"
# Options that choose where packages or constraints come from (pip's requirements file format).
_SOURCE_OPTIONS = re.compile(
    r"^\s*(-c|--constraint|-i|--index-url|--extra-index-url|-f|--find-links|--no-index)\b"
)
_CONSTRAINT = re.compile(r"^\s*(?:-c|--constraint)(?:\s+|=)[\"']?([^\"'\s]+)")
_CAUSE_SPEC = re.compile(r"(?:requested(?: \(constraint\))?|depends on)\s+(.+?)\s*$")


@dataclass(frozen=True)
class Conflict:
    """One package pip could not satisfy, and every line that pulled it a different way."""

    package: str
    causes: tuple[str, ...]

    def describe(self) -> str:
        return f"{self.package}: " + "; ".join(self.causes)


@dataclass(frozen=True)
class Resolution:
    ok: bool
    installs: tuple[tuple[str, str], ...] = ()  # (name, version) pip would install
    conflicts: tuple[Conflict, ...] = ()
    error: str = ""  # pip's last error lines when it failed for another reason
    dropped_lines: tuple[str, ...] = ()
    command: tuple[str, ...] = field(default=(), repr=False)


def constraint_lines(text: str) -> list[str]:
    """The ``--constraint`` / ``-c`` targets named in a requirements file."""
    return [m.group(1) for line in text.splitlines() if (m := _CONSTRAINT.match(line))]


def split_requirements(text: str) -> tuple[str, list[str]]:
    """(what pip is given, lines left out because they choose an index or constraints)."""
    kept: list[str] = []
    dropped: list[str] = []
    for line in text.splitlines():
        (dropped if _SOURCE_OPTIONS.match(line) else kept).append(line)
    return "\n".join(kept) + "\n", [d.strip() for d in dropped]


def parse_conflicts(stderr: str) -> list[Conflict]:
    """The 'The conflict is caused by:' block of pip's ResolutionImpossible error, per package."""
    lines = stderr.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if "conflict is caused by" in line)
    except StopIteration:
        return []
    grouped: dict[str, list[str]] = {}
    for line in lines[start + 1 :]:
        text = line.strip()
        if not text:
            if grouped:
                break
            continue
        if text.startswith(("To fix", "Additionally")):
            break
        match = _CAUSE_SPEC.search(text)
        if not match:
            continue
        try:
            name = canonicalize_name(Requirement(match.group(1)).name)
        except InvalidRequirement:
            continue
        grouped.setdefault(name, []).append(text)
    return [Conflict(name, tuple(causes)) for name, causes in grouped.items()]


def _not_found(stderr: str) -> list[Conflict]:
    """``Could not find a version that satisfies the requirement X (from versions: ...)``."""
    out = []
    for match in re.finditer(
        r"satisfies the requirement (.+?) \(from versions: ([^)]*)\)", stderr
    ):
        try:
            name = canonicalize_name(Requirement(match.group(1)).name)
        except InvalidRequirement:
            name = canonicalize_name(match.group(1).split()[0])
        out.append(Conflict(name, (f"requested {match.group(1)}; available: {match.group(2) or 'none'}",)))
    return out


def index_url(configured: str) -> str:
    return configured or os.environ.get("PIP_INDEX_URL", "") or DEFAULT_INDEX_URL


def resolve(
    requirements_text: str,
    constraints_file: Path,
    *,
    python_version: str,
    work_dir: Path,
    index: str,
    cache_dir: Path,
    timeout: float,
    platform: str = "",
) -> Resolution:
    """Resolve ``requirements_text`` with ``constraints_file`` for ``python_version`` (``"3.12"``).

    Raises :class:`subprocess.TimeoutExpired` after ``timeout`` seconds (pip is killed).
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    given, dropped = split_requirements(requirements_text)
    requirements = work_dir / "requirements-resolve.txt"
    requirements.write_text(given, encoding="utf-8")
    report = work_dir / "pip-report.json"
    command = [
        sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--isolated",
        "--disable-pip-version-check", "--no-input", "--report", str(report),
        "--only-binary=:all:", "--python-version", python_version,
        "--cache-dir", str(cache_dir), "--index-url", index,
        "-r", str(requirements), "-c", str(constraints_file),
    ]  # fmt: skip
    if platform:
        command += ["--platform", platform]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, env=environ, check=False
    )
    if done.returncode == 0 and report.exists():
        data = json.loads(report.read_text(encoding="utf-8"))
        installs = tuple(
            (item["metadata"]["name"], item["metadata"]["version"]) for item in data.get("install", [])
        )
        return Resolution(True, installs, dropped_lines=tuple(dropped), command=tuple(command))
    output = f"{done.stdout}\n{done.stderr}"  # pip writes the conflict's causes to stdout
    conflicts = parse_conflicts(output) or _not_found(output)
    errors = [line for line in done.stderr.splitlines() if line.startswith("ERROR")]
    return Resolution(
        False,
        conflicts=tuple(conflicts),
        error="\n".join(errors[-3:]) or done.stderr.strip()[-500:],
        dropped_lines=tuple(dropped),
        command=tuple(command),
    )
