"""A small fixed-size run of bench/hotpath.py, so the benchmark cannot rot (no timing thresholds)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_hotpath_benchmark_runs_and_counts_exactly() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "hotpath.py"), "--lines", "3000", "--repeat", "1",
         "--rates", "5000", "--seconds", "0.5"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    print(result.stdout)
    assert result.returncode == 0, result.stderr
    assert "lines/s on one core" in result.stdout
    row = next(line for line in result.stdout.splitlines() if line.strip().startswith("5,000"))
    # Exact counter totals at a low rate over loopback.
    assert row.split()[4] == "yes"
