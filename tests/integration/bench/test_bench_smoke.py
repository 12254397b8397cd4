"""The CI-sized benchmark run: ``bench/run.py --quick --json`` runs and its totals add up.

No timing thresholds: a slow CI machine may lose datagrams, but every figure
must be present and consistent with what the load generator says it sent.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    output = tmp_path_factory.mktemp("bench") / "quick.json"
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "run.py"), "--quick", "--json", "--output", str(output)],
        capture_output=True, text=True, timeout=600, cwd=REPO,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    data = json.loads(done.stdout)
    assert json.loads(output.read_text())["runs"] == data["runs"]
    return data


def test_quick_run_covers_mwaa_ops_at_two_rates(report):
    runs = [r for r in report["runs"] if r["receiver"] == "mwaa-ops"]
    assert [r["target_rate"] for r in runs] == [5000.0, 20000.0]
    assert all("error" not in r for r in runs), [r.get("error") for r in runs]


def test_totals_add_up(report):
    for run in (r for r in report["runs"] if "error" not in r):
        expected = run["expected"]
        assert run["expected_total"] == sum(expected["counters"].values()) + sum(expected["timers"].values())
        assert run["sent"] == sum(sum(group.values()) for group in expected.values())
        assert run["got_total"] == sum(run["got"]["counters"].values()) + sum(run["got"]["timers"].values())
        assert run["loss_percent"] == pytest.approx(
            100.0 * (run["expected_total"] - run["got_total"]) / run["expected_total"]
        )
        # Never more than was sent: over-counting would be a bug, not noise.
        for group in ("counters", "timers"):
            for family, value in run["got"][group].items():
                assert value <= expected[group][family], (group, family)
        assert run["received"] is None or run["received"] <= run["sent"]
        assert run["cpu_percent"] >= 0 and run["peak_rss_mb"] > 0


def test_publish_figures_are_consistent(report):
    for run in (r for r in report["runs"] if "error" not in r and r["receiver"] == "mwaa-ops"):
        publish = run["publish"]
        assert publish["put_metric_data_calls"] >= publish["min_calls"]
        assert publish["max_datums_per_request"] <= 1000
        assert publish["requests_over_limits"] == 0
        if run["got_total"]:
            assert publish["datums"] > 0 and 0 < publish["lag_seconds"]["n"] <= publish["datums"]


def test_summary_names_each_receiver(report):
    for kind in {r["receiver"] for r in report["runs"]}:
        assert kind in report["summary"]
        assert report["summary"][kind]["highest_lossless_rate"] >= 0
