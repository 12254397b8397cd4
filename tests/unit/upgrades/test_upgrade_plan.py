"""The in-place move rule (shared by the emulator and the planner) and the plan."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from packaging.version import Version

from mwaa_ops.config import load_config
from mwaa_ops.errors import ConfigError
from mwaa_ops.upgrades.plan import plan_upgrade
from mwaa_ops.versions.paths import IN_PLACE, NEW_ENVIRONMENT, in_place_refusal
from mwaa_ops.versions.rules import load_upgrade_rules, parse_rules
from mwaa_ops.versions.snapshot import load_snapshot

OFFERED = [Version(v) for v in ("2.9.2", "2.10.3", "2.11.0", "2.11.2", "3.0.6", "3.3.1")]
NOW = datetime(2026, 12, 6, 3, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("current", "target", "refused"),
    [
        ("2.10.3", "2.11.2", None),
        ("2.9.2", "2.11.0", None),
        ("2.11.2", "3.3.1", None),
        ("3.3.1", "2.11.2", None),
        ("2.10.3", "3.3.1", "must start from the newest 2.11.x"),
        ("2.11.0", "3.3.1", "must start from the newest 2.11.x MWAA offers (2.11.2)"),
        ("3.3.1", "2.10.3", "goes only to 2.11.x"),
        ("2.10.3", "2.10.3", "already runs"),
        ("2.10.3", "2.12.0", "not offered"),
    ],
    ids=["minor", "two-minors", "major-from-stone", "downgrade-to-stone", "major-skipping-stone",
         "major-from-old-stone-patch", "downgrade-past-stone", "same", "not-offered"],
)
def test_in_place_refusal(current: str, target: str, refused: str | None) -> None:
    answer = in_place_refusal(Version(current), Version(target), OFFERED, load_upgrade_rules())
    if refused is None:
        assert answer is None
    else:
        assert answer is not None and refused in answer


def _env(version: str) -> dict[str, object]:
    return {"Name": "prod", "Status": "AVAILABLE", "AirflowVersion": version,
            "WeeklyMaintenanceWindowStart": "SUN:03:00", "SourceBucketArn": "arn:aws:s3:::b",
            "DagS3Path": "dags", "RequirementsS3Path": "requirements.txt"}


def test_plan_two_steps_with_windows(tmp_path: Path) -> None:
    config = load_config(None, overrides={"state_dir": str(tmp_path)}, environ={})
    plan = plan_upgrade(_env("2.10.3"), None, config=config, state_dir=tmp_path, mwaa=load_snapshot()[1],
                        rules=load_upgrade_rules(), now=NOW)
    assert [(s.source, s.target, s.kind) for s in plan.steps] == [
        ("2.10.3", "2.11.2", IN_PLACE), ("2.11.2", "3.3.1", IN_PLACE)]
    # 120 + 30 min per step in a 240-minute window opened at 03:00: the first fits now, the second next week.
    assert plan.steps[0].window is not None and plan.steps[0].window.start.day == 6
    assert plan.steps[1].window is not None and plan.steps[1].window.start.day == 13
    cut = plan_upgrade(_env("2.10.3"), "2.11.2", config=config, state_dir=tmp_path, mwaa=load_snapshot()[1],
                       rules=load_upgrade_rules(), now=NOW)
    assert [s.target for s in cut.steps] == ["2.11.2"]


def test_plan_needing_a_new_environment_lists_what_to_copy(tmp_path: Path) -> None:
    config = load_config(None, overrides={"state_dir": str(tmp_path)}, environ={})
    rules = parse_rules({"schema": 1, "within_major": {"in_place": True},
                         "majors": [{"from": 2, "to": 3, "in_place": False}]}, "test")
    plan = plan_upgrade(_env("2.11.2"), None, config=config, state_dir=tmp_path, mwaa=load_snapshot()[1],
                        rules=rules, now=NOW)
    assert plan.needs_new_environment and plan.steps[0].kind == NEW_ENVIRONMENT
    assert plan.steps[0].window is None
    assert any("requirements.txt" in item for item in plan.copy)
    assert any("variables, connections and pools" in item for item in plan.copy)


def test_unknown_target_is_refused_with_what_is_offered(tmp_path: Path) -> None:
    config = load_config(None, overrides={"state_dir": str(tmp_path)}, environ={})
    with pytest.raises(ConfigError, match=r"target 2\.12\.0: not offered by MWAA on 2026-12-06 \(offered: "):
        plan_upgrade(_env("2.10.3"), "2.12.0", config=config, state_dir=tmp_path, mwaa=load_snapshot()[1],
                     rules=load_upgrade_rules(), now=NOW)
