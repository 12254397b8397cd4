"""Airflow version tracking: release calendars, MWAA's 30-day target, environment standing.

Modules, one job each:

- ``model``: the calendars as values; ``community`` / ``mwaa_page``: their sources;
  ``fetch``: the one HTTP GET; ``serial`` / ``cache`` / ``snapshot``: on disk and shipped;
- ``refresh``: fetch both, diff, keep the cache on failure;
- ``lag`` / ``scorecard``: per-version lags and the 30-day target scorecard;
- ``rules`` / ``paths``: upgrade rules (data) and upgrade paths;
- ``environments`` / ``standing``: each MWAA environment's standing;
- ``metrics`` / ``job``: CloudWatch datums and the agent's ``versions_refresh`` job;
- ``report``: the pieces put together for the CLI.
"""

from __future__ import annotations

from mwaa_ops.versions.cache import Calendars, load_calendars
from mwaa_ops.versions.job import refresh_versions_job
from mwaa_ops.versions.lag import TARGET_DAYS, version_lags
from mwaa_ops.versions.metrics import version_datums
from mwaa_ops.versions.paths import upgrade_path
from mwaa_ops.versions.refresh import refresh_calendars
from mwaa_ops.versions.rules import load_upgrade_rules
from mwaa_ops.versions.scorecard import scorecard
from mwaa_ops.versions.standing import standing

__all__ = [
    "TARGET_DAYS",
    "Calendars",
    "load_calendars",
    "load_upgrade_rules",
    "refresh_calendars",
    "refresh_versions_job",
    "scorecard",
    "standing",
    "upgrade_path",
    "version_datums",
    "version_lags",
]
