"""What the observability itself costs: usage turned into an estimated monthly CloudWatch bill.

Pure: :func:`estimate` takes counted usage (:class:`Usage`) and a dated
:class:`~mwaa_ops.reports.prices.PriceTable`. Metrics are billed per metric
(one namespace + name + dimension set) per month, tiered; PutMetricData per
1,000 requests; dashboards per month; alarms per alarm (high-resolution and
composite dearer). Per-task series (a ``Task`` dimension other than ``All``)
are counted apart: they are the usual surprise on the bill.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mwaa_ops.reports.prices import PriceTable

DAYS_PER_MONTH = 30  # the estimate's month: requests/day x 30


@dataclass(frozen=True)
class Usage:
    metric_series: int
    per_task_series: int
    put_requests_per_month: float
    put_requests_basis: str  # how the figure was obtained
    dashboards: int
    alarms_standard: int
    alarms_high_resolution: int
    alarms_composite: int


@dataclass(frozen=True)
class CostLine:
    item: str
    quantity: float
    unit_price: str
    monthly: float


@dataclass(frozen=True)
class CostEstimate:
    lines: tuple[CostLine, ...]
    total: float
    per_task_share: float  # the part of the metrics cost due to per-task series
    prices_as_of: str
    region: str
    currency: str
    notes: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "region": self.region,
            "prices_as_of": self.prices_as_of,
            "total_monthly": round(self.total, 2),
            "per_task_metrics_monthly": round(self.per_task_share, 2),
            "lines": [
                {"item": x.item, "quantity": x.quantity, "unit_price": x.unit_price,
                 "monthly": round(x.monthly, 2)}
                for x in self.lines
            ],
            "notes": list(self.notes),
        }


def metrics_cost(count: int, tiers: tuple[tuple[int | None, float], ...]) -> float:
    """Monthly cost of ``count`` metrics under tiered pricing."""
    total, below = 0.0, 0
    for up_to, price in tiers:
        top = count if up_to is None else min(count, up_to)
        if top > below:
            total += (top - below) * price
        if up_to is None or count <= up_to:
            break
        below = up_to
    return total


def estimate(usage: Usage, prices: PriceTable) -> CostEstimate:
    """The estimated monthly bill for ``usage`` at ``prices`` (no free tier subtracted)."""
    metric_total = metrics_cost(usage.metric_series, prices.metric_tiers)
    first_price = prices.metric_tiers[0][1]
    tiers_text = ", ".join(
        f"{'≤' + format(up, ',') if up else 'above'}: {p:g}" for up, p in prices.metric_tiers
    )
    lines = [
        CostLine("custom metric series", usage.metric_series, f"{tiers_text} per metric-month",
                 metric_total),
        CostLine(f"PutMetricData requests ({usage.put_requests_basis})",
                 round(usage.put_requests_per_month), f"{prices.api_per_thousand:g} per 1,000",
                 usage.put_requests_per_month / 1000 * prices.api_per_thousand),
        CostLine("dashboards", usage.dashboards, f"{prices.dashboard_month:g} per month",
                 usage.dashboards * prices.dashboard_month),
        CostLine("alarms (standard resolution)", usage.alarms_standard,
                 f"{prices.alarm_standard_month:g} per month",
                 usage.alarms_standard * prices.alarm_standard_month),
        CostLine("alarms (high resolution)", usage.alarms_high_resolution,
                 f"{prices.alarm_high_resolution_month:g} per month",
                 usage.alarms_high_resolution * prices.alarm_high_resolution_month),
        CostLine("composite alarms", usage.alarms_composite,
                 f"{prices.alarm_composite_month:g} per month",
                 usage.alarms_composite * prices.alarm_composite_month),
    ]
    # The per-task share is priced at the marginal (last) tiers the series occupy.
    without_tasks = metrics_cost(usage.metric_series - usage.per_task_series, prices.metric_tiers)
    notes = [
        f"list prices of {prices.as_of}, {prices.region} ({prices.source})",
        "free tier not subtracted (per account: "
        + ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in prices.free_tier.items()) + ")",
        f"first-tier metric price {first_price:g}: each extra per-task series costs that much a month",
    ]
    return CostEstimate(tuple(lines), sum(x.monthly for x in lines), metric_total - without_tasks,
                        prices.as_of, prices.region, prices.currency, tuple(notes))
