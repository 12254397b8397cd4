"""Airflow version tracking: release calendars, MWAA's 30-day target, environment standing.

Modules, one job each:

- ``model``: the calendars as values; ``community`` / ``mwaa_page``: their sources;
  ``fetch``: the one HTTP GET; ``serial`` / ``cache`` / ``snapshot``: on disk and shipped;
- ``refresh``: fetch both, diff, keep the cache on failure;
- ``lag`` / ``scorecard``: per-version lags and the 30-day target scorecard;
- ``rules`` / ``paths``: upgrade rules (data) and upgrade paths;
- ``environments`` / ``standing``: each MWAA environment's standing;
- ``metrics`` / ``job``: CloudWatch datums and the agent's ``versions_refresh`` job;
- ``report``: the pieces put together for the CLI and the job.

Import from the modules themselves: the package re-exports nothing, so loading
one module does not load the others (the job pulls in CloudWatch).
"""
