"""The cost estimate against a hand computation with the shipped, dated price table."""

from __future__ import annotations

import pytest

from mwaa_ops.errors import DefinitionError
from mwaa_ops.reports.cost import Usage, estimate, metrics_cost
from mwaa_ops.reports.prices import load_prices, parse_prices

PRICES = load_prices()


def test_shipped_table_is_dated_and_tiered() -> None:
    assert PRICES.as_of == "2026-11-30" and PRICES.region == "us-east-1" and PRICES.currency == "USD"
    assert PRICES.metric_tiers == ((10000, 0.30), (250000, 0.10), (1000000, 0.05), (None, 0.02))


def test_estimate_matches_a_hand_computation() -> None:
    usage = Usage(metric_series=12345, per_task_series=2345, put_requests_per_month=1_296_000,
                  put_requests_basis="measured", dashboards=4, alarms_standard=12,
                  alarms_high_resolution=2, alarms_composite=1)
    cost = estimate(usage, PRICES)
    monthly = {line.item.split(" (measured")[0]: round(line.monthly, 2) for line in cost.lines}
    # By hand: 10,000 x 0.30 + 2,345 x 0.10 = 3,000 + 234.50
    assert monthly["custom metric series"] == 3234.50
    # 1,296,000 requests / 1,000 x 0.01
    assert monthly["PutMetricData requests"] == 12.96
    assert monthly["dashboards"] == 12.00  # 4 x 3.00
    assert monthly["alarms (standard resolution)"] == 1.20  # 12 x 0.10
    assert monthly["alarms (high resolution)"] == 0.60  # 2 x 0.30
    assert monthly["composite alarms"] == 0.50
    assert round(cost.total, 2) == 3261.76  # 3234.50 + 12.96 + 12.00 + 1.20 + 0.60 + 0.50
    # Without the 2,345 per-task series the metrics would cost 10,000 x 0.30 = 3,000.
    assert round(cost.per_task_share, 2) == 234.50
    assert cost.to_json()["prices_as_of"] == "2026-11-30"


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        pytest.param(0, 0.0, id="none"),
        pytest.param(10, 3.0, id="first-tier"),
        pytest.param(10000, 3000.0, id="first-tier-full"),
        pytest.param(300000, 3000 + 24000 + 2500, id="third-tier"),
        pytest.param(1_200_000, 3000 + 24000 + 37500 + 4000, id="top-tier"),
    ],
)
def test_tiered_metric_prices(count: int, expected: float) -> None:
    assert metrics_cost(count, PRICES.metric_tiers) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        pytest.param(lambda d: d.pop("as_of"), "missing key 'as_of'", id="undated"),
        pytest.param(lambda d: d["metrics"]["tiers"].pop(), "up_to is null", id="open-tier-missing"),
        pytest.param(lambda d: d["dashboards"].update(per_dashboard_month=-1), "dashboards.per_dashboard_month",
                     id="negative-price"),
    ],
)
def test_bad_price_tables_name_the_key(mutate: object, message: str) -> None:
    import copy
    from importlib import resources

    import yaml

    data = yaml.safe_load(resources.files("mwaa_ops.data").joinpath("cloudwatch-prices.yaml").read_text())
    data = copy.deepcopy(data)
    mutate(data)  # type: ignore[operator]
    with pytest.raises(DefinitionError, match=message.replace("(", r"\(")):
        parse_prices(data, "prices.yaml")
