"""The agent's ``versions_refresh`` job: refresh the calendars, publish the version metrics.

A source that fails keeps its cache (the job still publishes from it); the
result dict says which sources refreshed and what changed. Failing to read
the environments from MWAA fails the run (there is nothing to publish).
"""

from __future__ import annotations

from typing import Any

from mwaa_ops.clock import today, utc_now
from mwaa_ops.versions.cache import load_calendars
from mwaa_ops.versions.environments import read_environments
from mwaa_ops.versions.metrics import version_datums
from mwaa_ops.versions.refresh import refresh_calendars
from mwaa_ops.versions.report import standings
from mwaa_ops.versions.rules import load_upgrade_rules
from mwaa_ops.versions.scorecard import scorecard

JOB_NAME = "versions_refresh"


def refresh_versions_job(ctx: Any, **refresh_options: Any) -> dict[str, Any]:
    """Run once: refresh, compute every environment's standing, submit the datums.

    ``ctx`` has ``config``, ``clock``, ``telemetry``, ``publisher`` and
    ``make_client(service)``. ``refresh_options`` reach
    :func:`refresh_calendars` (tests pass a fetcher).
    """
    config = ctx.config
    report = refresh_calendars(config, utc_now(ctx.clock), **refresh_options)
    as_of = today(ctx.clock)
    calendars = load_calendars(config.state_dir)
    environments = read_environments(ctx.make_client("mwaa"))
    rules = load_upgrade_rules()
    items = standings(environments, calendars, rules, as_of)
    card = scorecard(calendars.community, calendars.mwaa, as_of)
    datums = version_datums(
        items,
        card,
        timestamp=ctx.clock.time(),
        namespace=config.namespace,
        storage_resolution=60,
    )
    if datums:
        ctx.publisher.submit(datums)
    return {
        "as_of": as_of.isoformat(),
        "refreshed": [r.name for r in report.results if r.ok],
        "failed": {r.name: r.error for r in report.results if not r.ok},
        "changes": sum(len(r.changes) for r in report.results),
        "environments": len(items),
        "datums": len(datums),
        "current_lag_days": card.current_lag_days,
    }
