"""Upgrade readiness: is an environment ready to move to a target Airflow version, and why.

One module per check (``path``, ``environment``, ``requirements``,
``plugins``, ``dags``, ``configuration``) and the runner. The public
surface is :func:`run_checks` and the result types; the upgrade driver
gates on ``run_checks(...).passed``. See docs/readiness.md.
"""

from mwaa_ops.readiness.model import FAIL, PASS, WARN, CheckResult, ReadinessReport
from mwaa_ops.readiness.runner import CHECKS, run_checks

__all__ = ["CHECKS", "FAIL", "PASS", "WARN", "CheckResult", "ReadinessReport", "run_checks"]
