"""Which metrics the dashboards and alarms need, and whether the allow/block lists let them through.

The list comes from the definitions in ``dashboards/`` and ``alarms/`` when they
hold any (every string value of a ``metric`` / ``metric_name`` / ``MetricName``
key, at any depth, in their YAML files), else from ``needed-metrics.yaml`` next
to this module (data). :func:`blocked` answers, from the catalogue's Airflow
names for a CloudWatch metric, whether ``statsd.allow_list`` / ``block_list``
(matched with ``re.search`` against the name without prefix, as the aggregator
does) drop every name that feeds it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from mwaa_ops.airflow import load_catalogue

METRIC_KEYS = frozenset({"metric", "metric_name", "MetricName"})
_VARIABLE = re.compile(r"\{[a-z_]+\}")


@dataclass(frozen=True)
class Need:
    metric: str       # the MWAA CloudWatch metric name
    always: bool      # a running Airflow emits it all the time
    why: str          # who needs it (file, or the data list's reason)


def _walk(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in METRIC_KEYS and isinstance(value, str):
                yield value
            else:
                yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def from_definitions(folders: Iterable[Path]) -> list[Need]:
    """Metrics named in the YAML definitions under ``folders`` (missing folders ignored)."""
    shipped = {n.metric: n.always for n in shipped_needs()}
    found: dict[str, Need] = {}
    for folder in folders:
        for path in sorted(folder.glob("**/*.y*ml")) if folder.is_dir() else ():
            try:
                data = yaml.safe_load(path.read_text("utf-8"))
            except (OSError, yaml.YAMLError):
                continue  # the dashboards/alarms commands report bad files; doctor reads what it can
            for metric in _walk(data):
                found.setdefault(metric, Need(metric, shipped.get(metric, False), str(path)))
    return list(found.values())


def shipped_needs() -> list[Need]:
    text = resources.files("mwaa_ops.deploy").joinpath("needed-metrics.yaml").read_text("utf-8")
    return [Need(r["metric"], bool(r["always"]), str(r["why"])) for r in yaml.safe_load(text)["metrics"]]


def needed_metrics(folders: Iterable[Path]) -> list[Need]:
    return from_definitions(folders) or shipped_needs()


def airflow_names(metric: str) -> list[str]:
    """Airflow names (variables filled with ``x``) that publish ``metric``, base names first."""
    names: list[str] = []
    for family in load_catalogue().families:
        rows = [r for r in family.rows if r.cloudwatch_metric == metric]
        if not rows:
            continue
        if family.base:
            names.append(family.base)
        names.extend(r.airflow_metric for r in rows)
        names.extend(f.template for f in family.legacy)
    return list(dict.fromkeys(_VARIABLE.sub("x", n) for n in names))


def blocked(metric: str, allow_list: Iterable[str], block_list: Iterable[str]) -> list[str] | None:
    """The Airflow names of ``metric`` if the lists drop every one of them, else ``None``."""
    allow = [re.compile(p) for p in allow_list]
    block = [re.compile(p) for p in block_list]
    names = airflow_names(metric)
    if not names:
        return None

    def passes(name: str) -> bool:
        if allow and not any(p.search(name) for p in allow):
            return False
        return not any(p.search(name) for p in block)

    return None if any(passes(n) for n in names) else names
