"""The CloudWatch price table (``mwaa_ops/data/cloudwatch-prices.yaml``), validated and dated."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mwaa_ops.data import load_yaml
from mwaa_ops.errors import DefinitionError

PRICES_FILE = "cloudwatch-prices.yaml"


@dataclass(frozen=True)
class PriceTable:
    as_of: str
    region: str
    currency: str
    metric_tiers: tuple[tuple[int | None, float], ...]  # (up to this many metrics, price per metric-month)
    api_per_thousand: float
    dashboard_month: float
    alarm_standard_month: float
    alarm_high_resolution_month: float
    alarm_composite_month: float
    free_tier: dict[str, int]
    source: str = ""


def _number(data: dict[str, Any], key: str, where: str) -> float:
    value = data.get(key)
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise DefinitionError(f"{where}.{key}: {value!r} must be a number >= 0")
    return float(value)


def parse_prices(data: Any, source: str) -> PriceTable:
    """Validate the YAML document; every problem names ``source`` and the key."""
    if not isinstance(data, dict) or data.get("schema") != 1:
        raise DefinitionError(f"{source}: expected a mapping with schema: 1")
    for key in ("as_of", "region", "currency", "metrics", "api_requests", "dashboards", "alarms"):
        if key not in data:
            raise DefinitionError(f"{source}: missing key {key!r}")
    tiers = []
    last = 0
    for index, tier in enumerate(data["metrics"].get("tiers") or []):
        where = f"{source}: metrics.tiers[{index}]"
        up_to = tier.get("up_to")
        if up_to is not None and (not isinstance(up_to, int) or up_to <= last):
            raise DefinitionError(f"{where}.up_to: {up_to!r} must be an integer above {last}")
        tiers.append((up_to, _number(tier, "price", where)))
        last = up_to or last
    if not tiers or tiers[-1][0] is not None:
        raise DefinitionError(f"{source}: metrics.tiers must end with a tier whose up_to is null")
    alarms = data["alarms"]
    return PriceTable(
        as_of=str(data["as_of"]),
        region=str(data["region"]),
        currency=str(data["currency"]),
        metric_tiers=tuple(tiers),
        api_per_thousand=_number(data["api_requests"], "per_thousand", f"{source}: api_requests"),
        dashboard_month=_number(data["dashboards"], "per_dashboard_month", f"{source}: dashboards"),
        alarm_standard_month=_number(alarms, "standard_per_alarm_month", f"{source}: alarms"),
        alarm_high_resolution_month=_number(alarms, "high_resolution_per_alarm_month", f"{source}: alarms"),
        alarm_composite_month=_number(alarms, "composite_per_alarm_month", f"{source}: alarms"),
        free_tier={str(k): int(v) for k, v in (data.get("free_tier") or {}).items()},
        source=source,
    )


def load_prices(path: str | Path | None = None) -> PriceTable:
    """The table at ``path`` (``report.price_table``), or the one shipped in the package."""
    data, source = load_yaml(PRICES_FILE, path)
    return parse_prices(data, source)
