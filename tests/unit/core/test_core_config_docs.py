"""docs/configuration.md stays true to the Config model: every key documented."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from mwaa_ops.config import Config, JobConfig

DOC = Path(__file__).parents[3] / "docs" / "configuration.md"


def _keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys: list[str] = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys.extend(_keys(annotation, f"{prefix}{name}."))
        elif name == "jobs":
            keys.append(f"{prefix}{name}")
            keys.extend(_keys(JobConfig, f"{prefix}{name}.<name>."))
        else:
            keys.append(prefix + name)
    return keys


def test_every_config_key_is_documented() -> None:
    text = DOC.read_text()
    missing = [key for key in _keys(Config) if f"| `{key}` |" not in text]
    assert not missing, f"undocumented config keys: {missing}"
