"""The sidecar never carries pandas or matplotlib: only building a report imports them."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
import mwaa_ops.agent.runner, mwaa_ops.agent.scheduler, mwaa_ops.reports.job, mwaa_ops.reports.schedule
import mwaa_ops.readiness, mwaa_ops.cli.report, mwaa_ops.cli.readiness
from mwaa_ops.agent.scheduler import resolve_job
resolve_job("weekly_report")
heavy = sorted(m for m in ("pandas", "matplotlib", "jinja2") if m in sys.modules)
print(",".join(heavy))
"""


def test_agent_and_job_modules_do_not_import_pandas_or_matplotlib() -> None:
    done = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_building_a_report_does() -> None:
    done = subprocess.run([sys.executable, "-c", "import sys, mwaa_ops.reports.generate;"
                           "print('pandas' in sys.modules and 'matplotlib' in sys.modules)"],
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"
