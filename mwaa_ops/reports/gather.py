"""Everything the weekly report says, gathered into one JSON-able value (no pandas here).

Per environment: version standing and upgrade path (``versions``), the
readiness checklist for the next step (``readiness.run_checks``), days to
end of support, next maintenance window, last upgrade outcome, and seven
days of health from CloudWatch. For the fleet: MWAA's 30-day scorecard, the
alarm week, and the cost of the observability itself. Environments are
ordered most at risk first: support status, then days to end of support,
then failed readiness checks.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mwaa_ops.aws import aws_error
from mwaa_ops.clock import Clock, utc_now
from mwaa_ops.config import Config
from mwaa_ops.errors import MwaaOpsError
from mwaa_ops.maintenance_window import next_start
from mwaa_ops.readiness import run_checks
from mwaa_ops.reports.collect import read_alarm_week, read_health, read_usage, read_version_lag
from mwaa_ops.reports.cost import estimate
from mwaa_ops.reports.prices import load_prices
from mwaa_ops.versions.cache import load_calendars
from mwaa_ops.versions.environments import describe_environment
from mwaa_ops.versions.report import describe_period, status_report, versions_report
from mwaa_ops.versions.standing import LEVELS

MakeClient = Callable[..., Any]
Progress = Callable[[str], None]


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value


def _last_upgrade(environment: dict[str, Any]) -> dict[str, Any] | None:
    last = environment.get("LastUpdate") or {}
    if not last:
        return None
    error = last.get("Error") or {}
    return {
        "status": last.get("Status"),
        "at": _iso(last.get("CreatedAt")),
        "error": f"{error.get('ErrorCode')}: {error.get('ErrorMessage')}" if error else None,
    }


def _risk(item: dict[str, Any]) -> tuple[int, float, int]:
    days = item["days_to_end_of_support"]
    failed = item["readiness"].get("counts", {}).get("fail", 0) if item.get("readiness") else 0
    return (-LEVELS.get(item["support_status"], 5), days if days is not None else float("inf"), -failed)


def gather(
    config: Config,
    clock: Clock,
    *,
    make_client: MakeClient,
    environments: tuple[str, ...] = (),
    readiness: bool = True,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The report's content as of the clock's now. Failures to read a part are recorded in it."""
    say = progress or (lambda _text: None)
    now = utc_now(clock)
    as_of = now.date()
    mwaa = make_client("mwaa")
    cloudwatch = make_client("cloudwatch")
    say("environments and versions")
    statuses = []
    problems: list[str] = []
    if environments:
        for name in environments:
            try:
                statuses += status_report(config.state_dir, mwaa, as_of, name).standings
            except MwaaOpsError as exc:
                problems.append(f"{name}: {exc}")
        calendars = load_calendars(config.state_dir)
    else:
        report = status_report(config.state_dir, mwaa, as_of)
        statuses, calendars = report.standings, report.calendars
    versions = versions_report(calendars, as_of)
    items: list[dict[str, Any]] = []
    for standing in statuses:
        say(f"{standing.environment}: environment, health")
        raw = describe_environment(mwaa, standing.environment)
        window_start = raw.get("WeeklyMaintenanceWindowStart")
        upcoming = next_start(window_start, now) if window_start else None
        item: dict[str, Any] = {
            "environment": standing.environment,
            "mwaa_status": standing.environment_status,
            "airflow_version": standing.current,
            "support_status": standing.status,
            "end_of_support": standing.end_of_support.isoformat() if standing.end_of_support else None,
            "days_to_end_of_support": standing.days_to_end_of_support,
            "days_behind_newest_mwaa": standing.days_behind_newest_mwaa,
            "minors_behind": standing.minors_behind,
            "newest_mwaa": standing.newest_mwaa,
            "upgrade_path": standing.path.describe() if standing.path else "unknown version",
            "path_notes": list(standing.path.notes) if standing.path else [],
            "next_step": str(standing.path.steps[0].target) if standing.path and standing.path.steps else None,
            "maintenance_window": window_start,
            "next_maintenance_window": upcoming.isoformat() if upcoming else None,
            "last_upgrade": _last_upgrade(raw),
            "health": _health_json(read_health(cloudwatch, config.namespace, standing.environment, now)),
            "version_lag_history": _lag_history(cloudwatch, config.namespace, standing.environment, now),
            "readiness": None,
        }
        if readiness:
            say(f"{standing.environment}: readiness checks")
            try:
                item["readiness"] = run_checks(
                    standing.environment, None, make_client=make_client, config=config, clock=clock
                ).to_json()
            except MwaaOpsError as exc:
                item["readiness"] = {"error": str(exc)}
        items.append(item)
    items.sort(key=_risk)
    say("alarms and cost")
    alarms = read_alarm_week(cloudwatch, make_client("cloudwatch", max_attempts=1), now)
    usage, usage_problems = read_usage(cloudwatch, config.namespace, config.flush_interval_seconds, now)
    prices = load_prices(config.report.price_table or None)
    cost = estimate(usage, prices)
    card = versions.card
    return {
        "title": f"Upgrade readiness report, week of {as_of.isoformat()}",
        "generated_at": now.isoformat(),
        "as_of": as_of.isoformat(),
        "environments": items,
        "problems": problems + usage_problems,
        "scorecard": {
            "target_days": card.target_days,
            "all_time": describe_period(card.all_time, card.target_days),
            "last_12_months": describe_period(card.last_12_months, card.target_days),
            "current_lag_days": card.current_lag_days,
            "minors": [
                {"minor": o.label, "released": o.released.isoformat(), "lag_days": o.lag_days,
                 "days_waiting": o.days_waiting, "outcome": o.outcome}
                for o in card.outcomes
            ],
        },
        "alarms": {
            "available": alarms.available,
            "unavailable_reason": alarms.reason or None,
            "firings": alarms.firings,
            "pages": alarms.pages,
            "seconds_in_alarm": {k: round(v) for k, v in alarms.seconds_in_alarm.items()},
            "firing_now": alarms.firing_now,
        },
        "usage": {
            "metric_series": usage.metric_series,
            "per_task_series": usage.per_task_series,
            "put_requests_per_month": round(usage.put_requests_per_month),
            "put_requests_basis": usage.put_requests_basis,
            "dashboards": usage.dashboards,
            "alarms_standard": usage.alarms_standard,
            "alarms_high_resolution": usage.alarms_high_resolution,
            "alarms_composite": usage.alarms_composite,
        },
        "cost": cost.to_json(),
    }


def _lag_history(cloudwatch: Any, namespace: str, environment: str, now: datetime) -> dict[str, Any]:
    try:
        return {"points": read_version_lag(cloudwatch, namespace, environment, now), "error": None}
    except (ClientError, BotoCoreError) as exc:
        return {"points": [], "error": str(aws_error(exc, "CloudWatch DaysBehindNewestMwaa"))}


def _health_json(health: Any) -> dict[str, Any]:
    return {
        "days": [d.isoformat() for d in health.days],
        "task_successes": health.successes,
        "task_failures": health.failures,
        "import_errors": health.import_errors,
        "heartbeat_minutes": health.heartbeat_minutes,
        "has_heartbeat": health.has_heartbeat,
        "heartbeat_gaps": [{"start": s.isoformat(), "minutes": m} for s, m in health.heartbeat_gaps],
        "errors": health.errors,
    }
