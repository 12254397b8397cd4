"""Lags and the 30-day scorecard against hand-computed values from the reference snapshot.

Reference rows used (mwaa_ops/data/mwaa-versions.csv, shipped as the snapshot):
version, community release, X.Y.0 release, MWAA availability.
"""

from __future__ import annotations

from datetime import date

import pytest
from packaging.version import Version

from mwaa_ops.versions.lag import TARGET_DAYS, version_lags
from mwaa_ops.versions.model import CommunityCalendar, MwaaCalendar, MwaaVersion, Release
from mwaa_ops.versions.scorecard import (
    LATE,
    MET,
    OVERDUE,
    PENDING,
    SKIPPED,
    one_year_before,
    scorecard,
)
from mwaa_ops.versions.snapshot import load_snapshot

AS_OF = date(2026, 11, 25)


@pytest.fixture(scope="module")
def calendars() -> tuple[CommunityCalendar, MwaaCalendar]:
    community, mwaa, snapshot_date = load_snapshot()
    assert snapshot_date == date(2026, 11, 25)
    return community, mwaa


def test_snapshot_dates_agree_with_the_reference_csv(calendars: tuple[CommunityCalendar, MwaaCalendar]) -> None:
    community, _ = calendars
    # community_release column of the reference CSV
    assert community.get(Version("2.10.3")).released == date(2024, 11, 5)
    assert community.get(Version("3.3.1")).released == date(2026, 8, 12)
    assert community.minors()[(2, 11)].first_release.released == date(2025, 5, 20)


@pytest.mark.parametrize(
    ("version", "exact", "minor", "met"),
    [
        # 2.10.1: 2024-09-26 - 2024-09-06 = 20; minor 2024-09-26 - 2024-08-15 = 16 + 26 = 42
        pytest.param("2.10.1", 20, 42, False, id="2.10.1"),
        # 2.10.3: 2024-12-18 - 2024-11-05 = 25 + 18 = 43; minor 2024-12-18 - 2024-08-15 = 16+30+31+30+18 = 125
        pytest.param("2.10.3", 43, 125, None, id="2.10.3-not-first-of-minor"),
        # 2.6.3: 2023-08-09 - 2023-07-10 = 21 + 9 = 30; minor 2023-08-09 - 2023-04-30 = 0+31+30+31+9 = 101
        pytest.param("2.6.3", 30, 101, False, id="2.6.3"),
        # 2.11.0: 2026-01-07 - 2025-05-20 = 11+30+31+31+30+31+30+31+7 = 232 (X.Y.0 is the version itself)
        pytest.param("2.11.0", 232, 232, False, id="2.11.0"),
        # 2.11.2: 2026-07-23 - 2026-03-14 = 17+30+31+30+23 = 131; minor 2026-07-23 - 2025-05-20 = 232 + 197 = 429
        pytest.param("2.11.2", 131, 429, None, id="2.11.2"),
        # 3.0.6: 2025-10-01 - 2025-08-29 = 2 + 30 + 1 = 33; minor 2025-10-01 - 2025-04-22 = 8+31+30+31+31+30+1 = 162
        pytest.param("3.0.6", 33, 162, False, id="3.0.6"),
        # 3.2.1: 2026-05-19 - 2026-04-22 = 8 + 19 = 27; minor 2026-05-19 - 2026-04-07 = 23 + 19 = 42
        pytest.param("3.2.1", 27, 42, False, id="3.2.1"),
        # 3.3.1: 2026-09-01 - 2026-08-12 = 19 + 1 = 20; minor 2026-09-01 - 2026-07-06 = 25 + 31 + 1 = 57
        pytest.param("3.3.1", 20, 57, False, id="3.3.1"),
        # 2.0.2: 2021-05-25 - 2021-04-19 = 11 + 25 = 36; minor 2021-05-25 - 2020-12-17 = 14+31+28+31+30+25 = 159
        pytest.param("2.0.2", 36, 159, False, id="2.0.2"),
        # 1.10.12: 2020-11-24 - 2020-08-25 = 6+30+31+24 = 91; its minor (2018-08-27) predates MWAA
        # (launched 2020-11-24), so the 30-day target does not apply: not scored
        pytest.param("1.10.12", 91, 820, None, id="1.10.12-before-mwaa-launch"),
    ],
)
def test_version_lags(
    calendars: tuple[CommunityCalendar, MwaaCalendar], version: str, exact: int, minor: int, met: bool | None
) -> None:
    rows = {str(r.version): r for r in version_lags(*calendars, AS_OF)}
    row = rows[version]
    assert (row.lag_exact_days, row.lag_minor_days, row.met_target) == (exact, minor, met)


def test_lags_ignore_what_was_not_yet_known(calendars: tuple[CommunityCalendar, MwaaCalendar]) -> None:
    rows = version_lags(*calendars, date(2026, 8, 31))
    assert "3.3.1" not in {str(r.version) for r in rows}  # on MWAA only from 2026-09-01


def test_scorecard_all_time(calendars: tuple[CommunityCalendar, MwaaCalendar]) -> None:
    card = scorecard(*calendars, AS_OF)
    period = card.all_time
    # Community minors 2.0 ... 3.3 released since MWAA's launch (2020-11-24): 16, all decided.
    # Shipped: 2.0 2.2 2.4 2.5 2.6 2.7 2.8 2.9 2.10 2.11 3.0 3.2 3.3 = 13; skipped: 2.1 2.3 3.1.
    assert (period.decided, period.met, period.late, period.skipped, period.overdue) == (16, 0, 13, 3, 0)
    # Minor lags sorted: 42 (2.10), 42 (3.2), 57, 67, 80, 92, 101, 108, 108, 130, 159, 162, 232
    # median = 7th of 13 = 101 (2.6: 2023-08-09 - 2023-04-30); worst = 232 (2.11)
    assert period.median_lag_days == 101
    assert (period.worst_lag_days, period.worst_minor) == (232, "2.11")
    assert [o.label for o in card.skipped] == ["2.1", "2.3", "3.1"]
    assert card.waiting == [] and card.current_lag_days == 0


def test_scorecard_last_12_months(calendars: tuple[CommunityCalendar, MwaaCalendar]) -> None:
    period = scorecard(*calendars, AS_OF).last_12_months
    # X.Y.0 after 2025-11-25: 3.2 (2026-04-07, lag 42) and 3.3 (2026-07-06, lag 57)
    assert period.since == date(2025, 11, 25)
    assert (period.decided, period.met, period.late) == (2, 0, 2)
    assert period.median_lag_days == 49.5  # (42 + 57) / 2
    assert (period.worst_lag_days, period.worst_minor) == (57, "3.3")


def test_waiting_minor_is_pending_then_overdue(calendars: tuple[CommunityCalendar, MwaaCalendar]) -> None:
    outcomes = {o.label: o for o in scorecard(*calendars, date(2026, 8, 1)).outcomes}
    # 3.3.0 released 2026-07-06; 2026-08-01 - 2026-07-06 = 25 + 1 = 26 days, within 30
    assert (outcomes["3.3"].outcome, outcomes["3.3"].days_waiting) == (PENDING, 26)
    card = scorecard(*calendars, date(2026, 8, 10))
    # 2026-08-10 - 2026-07-06 = 25 + 10 = 35 > 30
    assert {o.label: o.outcome for o in card.outcomes}["3.3"] == OVERDUE
    assert card.current_lag_days == 35


def test_minor_becomes_skipped_when_a_later_minor_ships(calendars: tuple[CommunityCalendar, MwaaCalendar]) -> None:
    before = scorecard(*calendars, date(2026, 5, 18))
    outcomes = {o.label: o for o in before.outcomes}
    # 3.1.0 released 2025-09-25: 2026-05-18 - 2025-09-25 = 5+31+30+31+31+28+31+30+18 = 235
    assert (outcomes["3.1"].outcome, outcomes["3.1"].days_waiting) == (OVERDUE, 235)
    assert before.current_lag_days == 235
    after = scorecard(*calendars, date(2026, 5, 19))  # 3.2.1 on MWAA
    assert {o.label: o.outcome for o in after.outcomes}["3.1"] == SKIPPED


def _tiny(days_to_mwaa: int) -> tuple[CommunityCalendar, MwaaCalendar]:
    zero = date(2025, 1, 1)
    community = CommunityCalendar((Release(Version("9.0.0"), date(2023, 6, 1)), Release(Version("9.1.0"), zero)))
    mwaa = MwaaCalendar(
        (
            MwaaVersion(Version("9.0.0"), date(2024, 1, 1)),  # MWAA's launch: 9.0 predates it and is not scored
            MwaaVersion(Version("9.1.0"), date.fromordinal(zero.toordinal() + days_to_mwaa)),
        )
    )
    return community, mwaa


@pytest.mark.parametrize(("days", "outcome"), [(TARGET_DAYS, MET), (TARGET_DAYS + 1, LATE)])
def test_target_boundary(days: int, outcome: str) -> None:
    card = scorecard(*_tiny(days), date(2025, 12, 31))
    assert [(o.label, o.outcome) for o in card.outcomes] == [("9.1", outcome)]
    assert card.all_time.met == (1 if outcome == MET else 0)


def test_one_year_before_leap_day() -> None:
    assert one_year_before(date(2028, 2, 29)) == date(2027, 2, 28)
