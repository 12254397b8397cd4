"""The new commands answer --help and offer --json (the brief: every command has both)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

MWAA_OPS = str(Path(sys.executable).parent / "mwaa-ops")


@pytest.mark.parametrize("command", [["iam-policy"], ["deploy", "render"], ["doctor"]],
                         ids=lambda c: " ".join(c))
def test_help_and_json(command: list[str]) -> None:
    done = subprocess.run([MWAA_OPS, *command, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "--json" in done.stdout


def test_top_level_help_lists_them() -> None:
    done = subprocess.run([MWAA_OPS, "--help"], capture_output=True, text=True, timeout=60)
    for name in ("iam-policy", "deploy", "doctor"):
        assert name in done.stdout


def test_unknown_feature_is_a_clear_error() -> None:
    done = subprocess.run([MWAA_OPS, "iam-policy", "--features", "metrics,dashbords"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "dashbords" in done.stderr and "allowed: metrics" in done.stderr
