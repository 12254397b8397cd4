"""Airflow's constraints files: where they come from, the on-disk cache, the pins.

Airflow publishes one constraints file per Airflow version and Python minor
(``constraints-<airflow>/constraints-<python>.txt``). The location is a
template in ``readiness.constraints_url`` with ``{airflow}`` and ``{python}``
(an http(s) URL, a ``file://`` URL or a local path), so a mirror or a saved
copy works where the public address is not reachable. A fetched file is
cached under ``<state_dir>/readiness/constraints/`` and never fetched again:
a published constraints file does not change.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import NormalizedName, canonicalize_name

from mwaa_ops.errors import SourceError
from mwaa_ops.versions.fetch import http_get

_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*==\s*([^\s;#]+)")


@dataclass(frozen=True)
class Constraints:
    """One constraints file: where it came from, its text and its pins (name -> version)."""

    airflow: str
    python: str
    origin: str  # the URL or path it was read from
    path: Path  # the cached copy on disk (what the resolver is given)
    pins: dict[NormalizedName, str]

    def pin(self, name: str) -> str | None:
        return self.pins.get(canonicalize_name(name))


def parse_pins(text: str) -> dict[NormalizedName, str]:
    """``name==version`` lines (comments, markers and other lines ignored)."""
    pins: dict[NormalizedName, str] = {}
    for line in text.splitlines():
        match = _PIN.match(line)
        if match:
            pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


def constraints_location(template: str, airflow: str, python: str) -> str:
    """The template with ``{airflow}`` and ``{python}`` filled in."""
    return template.replace("{airflow}", airflow).replace("{python}", python)


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def load_constraints(
    template: str, airflow: str, python: str, cache_dir: Path, *, timeout: float = 20.0
) -> Constraints:
    """The constraints for ``airflow`` on Python ``python``, from the cache or the location.

    Raises :class:`SourceError` naming the location when it cannot be read.
    """
    origin = constraints_location(template, airflow, python)
    cached = cache_dir / f"constraints-{airflow}-python{python}.txt"
    if not cached.exists():
        if origin.startswith(("http://", "https://")):
            body = http_get(origin, "text/plain", timeout).body
        else:
            local = Path(origin.removeprefix("file://"))
            try:
                body = local.read_bytes()
            except OSError as exc:
                raise SourceError(f"{origin}: cannot be read ({exc.strerror or exc})") from None
        if not parse_pins(body.decode("utf-8", "replace")):
            raise SourceError(f"{origin}: no 'name==version' lines: not a constraints file")
        _atomic_write(cached, body)
    text = cached.read_text(encoding="utf-8", errors="replace")
    return Constraints(airflow, python, origin, cached, parse_pins(text))
