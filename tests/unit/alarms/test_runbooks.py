"""Runbook completeness: one per alarm, none without an alarm, every section filled."""

from __future__ import annotations

import re

import pytest

from mwaa_ops.alarms.definitions import DEFAULT_RUNBOOKS_DIR, load_definitions
from mwaa_ops.alarms.routing import BUILTIN_RUNBOOKS

SECTIONS = ("Meaning", "Impact", "Diagnosis", "Mitigation", "Escalation")
RUNBOOKS = sorted(DEFAULT_RUNBOOKS_DIR.glob("*.md"))


def _alarm_runbooks() -> set[str]:
    return {a.runbook_name for a in load_definitions().alarms} | set(BUILTIN_RUNBOOKS)


def test_every_alarm_has_a_runbook_and_every_runbook_an_alarm() -> None:
    books = {p.stem for p in RUNBOOKS} - {"README"}
    alarms = _alarm_runbooks()
    assert alarms - books == set(), "alarms without a runbook"
    assert books - alarms == set(), "runbooks without an alarm"


@pytest.mark.parametrize("path", [p for p in RUNBOOKS if p.stem != "README"], ids=lambda p: p.stem)
def test_runbook_has_every_section_filled(path: object) -> None:
    text = path.read_text()  # type: ignore[attr-defined]
    parts = re.split(r"^## +(.+?)\s*$", text, flags=re.M)
    sections = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    for name in SECTIONS:
        assert name in sections, f"{path}: section {name} missing"
        assert len(sections[name]) > 40, f"{path}: section {name} is empty or a stub"
    assert "airflow-ENV-" in sections["Diagnosis"], f"{path}: no MWAA log group named"
