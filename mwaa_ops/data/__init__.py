"""Data files shipped with the package (metric map, version snapshot, upgrade rules, prices ...)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from mwaa_ops.errors import DefinitionError


def load_yaml(name: str, path: str | Path | None = None) -> tuple[Any, str]:
    """(parsed YAML, source) from ``path``, or from the file ``name`` shipped in this package.

    A file that cannot be read or parsed is a :class:`DefinitionError` naming it.
    """
    import yaml

    if not path:
        source = f"mwaa_ops/data/{name}"
        text = resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
    else:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise DefinitionError(f"{source}: cannot be read ({exc})") from None
    try:
        return yaml.safe_load(text), source
    except yaml.YAMLError as exc:
        raise DefinitionError(f"{source}: not valid YAML: {exc}") from None
