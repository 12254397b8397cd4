"""The agent's ``versions_refresh`` job: refresh the calendars, publish the version metrics.

A source that fails keeps its cache (the job still publishes from it) and makes
the run ``partial`` (logged at warning, shown in ``/healthz``); the result dict
says which sources refreshed, which failed and what changed. Failing to read
the environments from MWAA fails the run (there is nothing to publish).

Scope (``versions.publish_scope``): an agent publishes the version metrics of
its own environment (``environment``) only, so that with one agent per
environment each environment gets one set of samples; the one agent configured
with ``fleet`` publishes them for every environment in the account.
"""

from __future__ import annotations

from typing import Any

from mwaa_ops.clock import today, utc_now
from mwaa_ops.versions.metrics import version_datums
from mwaa_ops.versions.refresh import refresh_calendars
from mwaa_ops.versions.report import status_report
from mwaa_ops.versions.scorecard import scorecard

JOB_NAME = "versions_refresh"
# The scheduler's outcome for a run that failed part of its work (agent/scheduler.py PARTIAL).
PARTIAL = "partial"


def refresh_versions_job(ctx: Any, **refresh_options: Any) -> dict[str, Any]:
    """Run once: refresh, compute every environment's standing, submit the datums.

    ``ctx`` has ``config``, ``clock``, ``telemetry``, ``publisher`` and
    ``make_client(service)``. ``refresh_options`` reach
    :func:`refresh_calendars` (tests pass a fetcher).
    """
    config = ctx.config
    report = refresh_calendars(config, utc_now(ctx.clock), **refresh_options)
    as_of = today(ctx.clock)
    status = status_report(config.state_dir, ctx.make_client("mwaa"), as_of)
    items = status.standings
    fleet = getattr(config.versions, "publish_scope", "own") == "fleet"
    if not fleet:
        items = [item for item in items if item.environment == config.environment]
    card = scorecard(status.calendars.community, status.calendars.mwaa, as_of)
    # No namespace on the datums: the publisher sends them to its own, the configured one.
    datums = version_datums(items, card, timestamp=ctx.clock.time(), storage_resolution=60)
    if datums:
        ctx.publisher.submit(datums)
    failed = {r.name: r.error for r in report.results if not r.ok}
    return {
        "outcome": PARTIAL if failed else "ok",
        "as_of": as_of.isoformat(),
        "refreshed": [r.name for r in report.results if r.ok],
        "failed": failed,
        "changes": sum(len(r.changes) for r in report.results),
        "scope": "fleet" if fleet else "own",
        "environments_seen": len(status.standings),
        "environments": len(items),
        "datums": len(datums),
        "current_lag_days": card.current_lag_days,
    }
