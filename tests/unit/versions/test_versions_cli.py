"""``mwaa-ops versions`` offline from the shipped snapshot: table and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mwaa_ops.cli.versions import versions


@pytest.fixture(autouse=True)
def _empty_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MWAA_OPS_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("MWAA_OPS_CONFIG", raising=False)


def test_json_scorecard_as_of_2026_11_25() -> None:
    result = CliRunner().invoke(versions, ["--json", "--as-of", "2026-11-25"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["sources"]["community"]["origin"] == "snapshot"
    card = data["scorecard"]
    assert (card["all_time"]["met"], card["all_time"]["decided"]) == (0, 16)
    assert (card["all_time"]["median_lag_days"], card["all_time"]["worst_lag_days"]) == (101, 232)
    assert (card["last_12_months"]["met"], card["last_12_months"]["decided"]) == (0, 2)
    assert card["last_12_months"]["median_lag_days"] == 49.5
    assert card["skipped"] == ["2.1", "2.3", "3.1"]
    assert len(data["versions"]) == 16


def test_as_of_in_the_past_hides_later_versions() -> None:
    data = json.loads(CliRunner().invoke(versions, ["--json", "--as-of", "2024-01-01"]).output)
    assert data["versions"][-1]["airflow_version"] == "2.7.2"
    # Minors 2.0 ... 2.8 released; 2.8.0 (2023-12-18) has waited 2024-01-01 - 2023-12-18 = 14 days: pending.
    period = data["scorecard"]["all_time"]
    assert (period["decided"], period["pending"]) == (8, 1)
    assert data["scorecard"]["waiting"] == [{"minor": "2.8", "released": "2023-12-18", "days_waiting": 14}]


def test_table_names_the_target_and_the_figures() -> None:
    result = CliRunner().invoke(versions, ["--as-of", "2026-11-25"])
    assert result.exit_code == 0, result.output
    assert "0 of 16 minors within 30 days" in result.output
    assert "median lag 101 d, worst 232 d (2.11)" in result.output
    assert "skipped by MWAA: 2.1, 2.3, 3.1" in result.output


def test_bad_as_of_is_rejected() -> None:
    result = CliRunner().invoke(versions, ["--as-of", "soon"])
    assert result.exit_code == 2
    assert "--as-of" in result.output
