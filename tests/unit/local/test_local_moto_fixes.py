"""Percentile arithmetic used by the local endpoint's CloudWatch fixes."""

from __future__ import annotations

import pytest

from mwaa_ops.local.moto_fixes import parse_percentile, percentile_of


@pytest.mark.parametrize(
    ("p", "expected"),
    [(0, 1.0), (20, 1.0), (21, 2.0), (50, 2.0), (80, 2.0), (81, 10.0), (100, 10.0)],
)
def test_weighted_nearest_rank(p: float, expected: float) -> None:
    # 1 once, 2 three times, 10 once: five samples.
    assert percentile_of([(10.0, 1), (1.0, 1), (2.0, 3)], p) == expected


def test_zero_counts_are_ignored() -> None:
    assert percentile_of([(5.0, 0), (7.0, 2)], 1) == 7.0
    with pytest.raises(ValueError):
        percentile_of([(5.0, 0)], 50)


@pytest.mark.parametrize(
    ("stat", "expected"),
    [
        ("p50", 50.0),
        ("p99.9", 99.9),
        ("p100", 100.0),
        ("p0", 0.0),
        ("Sum", None),
        ("p101", None),
        ("tm99", None),
    ],
)
def test_parse_percentile(stat: str, expected: float | None) -> None:
    assert parse_percentile(stat) == expected
