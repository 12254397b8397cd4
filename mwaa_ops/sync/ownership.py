"""What makes a resource mwaa-ops' own: a name prefix plus a marker read back from it.

A resource is *owned* only when both hold: its name starts with the configured
prefix, and the marker is found in what the API returns for it (a dashboard's
text widget, an alarm's description or tags, a topic's tags). The name alone is
never enough: a person may create ``mwaa-ops-test`` by hand, and apply must
never touch it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Appears verbatim in the body or description of every resource mwaa-ops writes.
OWNER_MARKER = "managed by mwaa-ops"
# Tag form of the marker, for resources with tags (alarms, SNS topics).
OWNER_TAG_KEY = "managed-by"
OWNER_TAG_VALUE = "mwaa-ops"
DEFAULT_PREFIX = "mwaa-ops-"


@dataclass(frozen=True)
class Ownership:
    """The name prefix of one resource kind; see :func:`has_marker` for the marker."""

    prefix: str = DEFAULT_PREFIX

    def name(self, *parts: str) -> str:
        """``prefix`` + the parts joined by ``-`` (e.g. ``mwaa-ops-overview-prod``)."""
        return self.prefix + "-".join(p for p in parts if p)

    def claims_name(self, name: str) -> bool:
        return name.startswith(self.prefix)

    def owns(self, name: str, marker_source: str | Mapping[str, str] | Iterable[str]) -> bool:
        """True when ``name`` has the prefix and the marker is in ``marker_source``."""
        return self.claims_name(name) and has_marker(marker_source)


def owner_tags() -> list[dict[str, str]]:
    """The ownership tag in the AWS ``[{"Key": .., "Value": ..}]`` shape."""
    return [{"Key": OWNER_TAG_KEY, "Value": OWNER_TAG_VALUE}]


def has_marker(source: str | Mapping[str, str] | Iterable[str]) -> bool:
    """Find the marker in a text, a tag mapping (``{key: value}``) or a list of texts."""
    if isinstance(source, str):
        return OWNER_MARKER in source
    if isinstance(source, Mapping):
        return source.get(OWNER_TAG_KEY) == OWNER_TAG_VALUE
    return any(OWNER_MARKER in text for text in source)
