"""Plugins check: ``plugins.zip`` bundles no Airflow, no package against the target
constraints, and its Python files parse for the target's Python.

Bundled packages are found as ``<name>-<version>.dist-info`` folders and
``<name>-<version>-*.whl`` files inside the zip; Airflow itself as the
``airflow/`` package, an ``apache_airflow`` distribution or wheel.
"""

from __future__ import annotations

import ast
import io
import re
import zipfile
from pathlib import PurePosixPath

from packaging.utils import canonicalize_name

from mwaa_ops.errors import SourceError
from mwaa_ops.readiness.context import ReadinessContext
from mwaa_ops.readiness.model import FAIL, PASS, WARN, CheckResult
from mwaa_ops.readiness.sources import SourceUnavailable, location, read_object

NAME = "plugins"
_DIST_INFO = re.compile(r"^(?:.*/)?([A-Za-z0-9_.]+)-([A-Za-z0-9_.+!]+)\.dist-info/")
_WHEEL = re.compile(r"^(?:.*/)?([A-Za-z0-9_.]+)-([A-Za-z0-9_.+!]+)-[^/]*\.whl$")


def bundled_packages(names: list[str]) -> dict[str, str]:
    """Distribution name -> version for every dist-info folder or wheel in the archive."""
    found: dict[str, str] = {}
    for name in names:
        match = _DIST_INFO.match(name) or _WHEEL.match(name)
        if match:
            found[canonicalize_name(match.group(1))] = match.group(2)
    return found


def check_plugins(ctx: ReadinessContext) -> CheckResult:
    try:
        if ctx.plugins_file is not None:
            data, origin = ctx.plugins_file.read_bytes(), str(ctx.plugins_file)
        else:
            where = location(ctx.environment, "Plugins")
            if where is None:
                return CheckResult(NAME, PASS, "the environment installs no plugins.zip",
                                   ("PluginsS3Path is not set",))
            data, origin = read_object(ctx.make_client("s3"), where), where.describe()
    except (SourceUnavailable, OSError) as exc:
        return CheckResult(NAME, WARN, "plugins.zip could not be read: not checked", (str(exc),),
                           "fix the path/object version in the environment, or pass --plugins")
    evidence = [f"read {origin} ({len(data)} bytes)"]
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        return CheckResult(NAME, FAIL, f"plugins.zip is not a zip archive ({exc})", tuple(evidence),
                           "upload a valid zip")
    names = archive.namelist()
    evidence.append(f"{len(names)} entries")
    problems: list[str] = []
    packages = bundled_packages(names)
    airflow_files = [n for n in names if n.startswith("airflow/") or "/airflow/__init__.py" in n]
    if "apache-airflow" in packages or airflow_files:
        version = packages.get("apache-airflow", "unknown version")
        problems.append(f"bundles Airflow itself ({version}; e.g. {(airflow_files or ['a wheel'])[0]})")
    constraints_note = ""
    others = {n: v for n, v in packages.items() if n != "apache-airflow"}
    if others:
        try:
            constraints = ctx.constraints()
        except SourceError as exc:
            constraints_note = f"bundled packages not compared (constraints unavailable: {exc})"
        else:
            for name, version in sorted(others.items()):
                pinned = constraints.pin(name)
                if pinned is not None and pinned != version:
                    problems.append(f"bundles {name} {version}; the target's constraints pin {pinned}")
            evidence.append(f"bundled packages: {', '.join(f'{n} {v}' for n, v in sorted(others.items()))}")
    feature = tuple(int(p) for p in ctx.target_python.split(".")[:2])
    parsed = 0
    for name in names:
        if not name.endswith(".py"):
            continue
        source = archive.read(name)
        try:
            ast.parse(source, filename=name, feature_version=(feature[0], feature[1]))
            parsed += 1
        except SyntaxError as exc:
            problems.append(f"{PurePosixPath(name)}:{exc.lineno}: does not parse on Python "
                            f"{ctx.target_python}: {exc.msg}")
    evidence.append(f"{parsed} Python file(s) parse on Python {ctx.target_python}")
    if problems:
        return CheckResult(NAME, FAIL, "; ".join(problems[:3]) + (" ..." if len(problems) > 3 else ""),
                           (*evidence, *problems),
                           "remove Airflow and constrained packages from plugins.zip "
                           "(install them through requirements.txt) and fix the files that do not parse")
    if constraints_note:
        return CheckResult(NAME, WARN, constraints_note, tuple(evidence),
                           "set readiness.constraints_url to a reachable copy")
    return CheckResult(NAME, PASS, "no Airflow or conflicting packages bundled; Python files parse",
                       tuple(evidence))
