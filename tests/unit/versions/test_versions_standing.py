"""Support status thresholds, minors behind and upgrade paths (pure, from the snapshot)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from packaging.version import Version

from mwaa_ops.errors import DefinitionError
from mwaa_ops.versions.model import CommunityCalendar, MwaaCalendar
from mwaa_ops.versions.paths import IN_PLACE, NEW_ENVIRONMENT, upgrade_path
from mwaa_ops.versions.rules import UpgradeRules, load_upgrade_rules, parse_rules
from mwaa_ops.versions.snapshot import load_snapshot
from mwaa_ops.versions.standing import standing as standing_of
from mwaa_ops.versions.standing import support_status


@pytest.fixture(scope="module")
def calendars() -> tuple[CommunityCalendar, MwaaCalendar]:
    community, mwaa, _ = load_snapshot()
    return community, mwaa


@pytest.fixture(scope="module")
def rules() -> UpgradeRules:
    return load_upgrade_rules()


@pytest.mark.parametrize(
    ("days", "status"),
    [(None, "ok"), (181, "ok"), (180, "notice"), (91, "notice"), (90, "warning"), (31, "warning"),
     (30, "critical"), (0, "critical"), (-1, "unsupported")],
)
def test_support_status_thresholds(days: int | None, status: str) -> None:
    assert support_status(days) == status


# 2.4.3 ends support 2025-12-30.
@pytest.mark.parametrize(
    ("as_of", "days", "status"),
    [
        (date(2025, 7, 2), 181, "ok"),  # 2025-12-30 - 2025-07-02 = 29+31+30+31+30+30 = 181
        (date(2025, 7, 3), 180, "notice"),
        (date(2025, 9, 30), 91, "notice"),  # 1 + 31 + 30 + 30 - 1 = 91
        (date(2025, 10, 1), 90, "warning"),
        (date(2025, 11, 29), 31, "warning"),
        (date(2025, 11, 30), 30, "critical"),
        (date(2025, 12, 30), 0, "critical"),
        (date(2025, 12, 31), -1, "unsupported"),
    ],
)
def test_standing_of_2_4_3_around_each_threshold(
    calendars: tuple[CommunityCalendar, MwaaCalendar], rules: UpgradeRules, as_of: date, days: int, status: str
) -> None:
    result = standing_of("env", "2.4.3", *calendars, rules, as_of)
    assert (result.days_to_end_of_support, result.status) == (days, status)


def test_standing_figures_on_2026_11_25(calendars: tuple[CommunityCalendar, MwaaCalendar], rules: UpgradeRules) -> None:
    day = date(2026, 11, 25)
    by_version = {v: standing_of("env", v, *calendars, rules, day) for v in ("2.10.3", "3.2.1", "9.9.9")}
    newer_minor = by_version["3.2.1"]
    assert (newer_minor.newest_mwaa, newer_minor.newest_community) == ("3.3.1", "3.3.2")
    assert newer_minor.minors_behind == 1  # 3.3 (3.4 has only betas)
    assert newer_minor.days_behind_newest_mwaa == 85  # 2026-11-25 - 2026-09-01 (3.3.1) = 29 + 31 + 25
    old = by_version["2.10.3"]
    assert old.minors_behind == 5  # 2.11, 3.0, 3.1, 3.2, 3.3
    assert old.minors_behind_mwaa == 4  # 2.11, 3.0, 3.2, 3.3 (MWAA skipped 3.1)
    assert old.days_behind_newest_mwaa == 420  # since 3.0.6 on 2025-10-01: 365 + 30 + 25
    assert (old.status, old.end_of_support) == ("ok", None)
    assert by_version["9.9.9"].status == "unknown"


def _path(current: str, calendars: tuple[CommunityCalendar, MwaaCalendar], rules: UpgradeRules, day: date) -> list[tuple[str, str, str]]:
    result = upgrade_path(Version(current), calendars[1], rules, day)
    return [(str(s.source), str(s.target), s.kind) for s in result.steps]


@pytest.mark.parametrize(
    ("current", "day", "steps"),
    [
        pytest.param("3.2.1", date(2026, 8, 31), [], id="3.2.1-newest-before-3.3.1"),
        pytest.param("3.2.1", date(2026, 9, 1), [("3.2.1", "3.3.1", IN_PLACE)], id="3.2.1-minor-step"),
        pytest.param("2.11.2", date(2026, 11, 25), [("2.11.2", "3.3.1", IN_PLACE)], id="2.11.2-from-stepping-stone"),
        pytest.param("2.10.3", date(2026, 11, 25), [("2.10.3", "2.11.2", IN_PLACE), ("2.11.2", "3.3.1", IN_PLACE)],
                     id="2.10.3-via-2.11.2"),
        pytest.param("2.10.3", date(2026, 7, 22), [("2.10.3", "2.11.0", IN_PLACE), ("2.11.0", "3.2.1", IN_PLACE)],
                     id="2.10.3-via-2.11.0-before-2.11.2"),
        pytest.param("2.10.3", date(2026, 1, 6), [("2.10.3", "3.0.6", NEW_ENVIRONMENT)], id="2.10.3-no-stepping-stone-yet"),
        pytest.param("2.4.3", date(2026, 11, 25), [("2.4.3", "2.11.2", IN_PLACE), ("2.11.2", "3.3.1", IN_PLACE)],
                     id="2.4.3-unsupported-still-has-path"),
        pytest.param("2.4.3", date(2025, 7, 3), [("2.4.3", "2.10.3", IN_PLACE)], id="2.4.3-before-3.x"),
        pytest.param("1.10.12", date(2022, 6, 1), [("1.10.12", "2.2.2", NEW_ENVIRONMENT)], id="1.x-new-environment"),
    ],
)
def test_upgrade_paths(
    calendars: tuple[CommunityCalendar, MwaaCalendar], rules: UpgradeRules, current: str, day: date,
    steps: list[tuple[str, str, str]],
) -> None:
    assert _path(current, calendars, rules, day) == steps


def test_direct_major_note_for_old_versions(calendars: tuple[CommunityCalendar, MwaaCalendar], rules: UpgradeRules) -> None:
    result = upgrade_path(Version("2.10.3"), calendars[1], rules, date(2026, 11, 25))
    assert result.notes == ("a direct upgrade from 2.10.3 to 3.x needs a new environment",)
    assert not upgrade_path(Version("2.11.2"), calendars[1], rules, date(2026, 11, 25)).notes


def test_rules_are_data_in_place_major_can_be_switched_off(calendars: tuple[CommunityCalendar, MwaaCalendar]) -> None:
    strict = parse_rules(
        {"schema": 1, "within_major": {"in_place": True},
         "majors": [{"from": 2, "to": 3, "in_place": False}]},
        "strict.yaml",
    )
    assert _path("2.11.2", calendars, strict, date(2026, 11, 25)) == [("2.11.2", "3.3.1", NEW_ENVIRONMENT)]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        pytest.param({"schema": 2}, "schema", id="schema"),
        pytest.param({"schema": 1, "majors": [{"from": 2, "to": 4}]}, "one major at a time", id="skip-major"),
        pytest.param({"schema": 1, "majors": [{"from": 2, "to": 3, "stepping_stone": "2"}]}, "stepping_stone", id="stone"),
        pytest.param({"schema": 1, "majors": [{"from": 2, "to": 3, "in_place": "yes"}]}, "in_place", id="bool"),
        pytest.param({"schema": 1, "majors": [{"from": 2, "to": 3, "new_environment_from": "<<2"}]},
                     "new_environment_from", id="specifier"),
        pytest.param({"schema": 1, "majors": [{"from": 2, "to": 3, "inplace": True}]}, "unknown key", id="typo"),
    ],
)
def test_bad_rules_name_the_file_and_key(document: dict, expected: str) -> None:
    with pytest.raises(DefinitionError, match=expected) as caught:
        parse_rules(document, "rules.yaml")
    assert "rules.yaml" in str(caught.value)


def test_rules_file_loads_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("schema: 1\nmajors: [{from: 2, to: 3, in_place: true, stepping_stone: '2.11'}]\n")
    rules = load_upgrade_rules(path)
    rule = rules.major_rule(2, 3)
    assert rule is not None and rule.stepping_stone == (2, 11)
    path.write_text("schema: [\n")
    with pytest.raises(DefinitionError, match="not valid YAML"):
        load_upgrade_rules(path)
