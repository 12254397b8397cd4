"""The short summary of a report: the SNS message body and the CLI's closing lines."""

from __future__ import annotations

from typing import Any


def summary_lines(data: dict[str, Any], link: str = "") -> list[str]:
    """A few lines a person reads in a notification: risk first, then health, alarms and cost."""
    items = data["environments"]
    lines = [f"mwaa-ops {data['title']} ({len(items)} environment(s))"]
    for item in items[:5]:
        ready = item.get("readiness") or {}
        verdict = ("ready" if ready.get("passed") else "NOT ready") if "passed" in ready else "readiness not run"
        days = item["days_to_end_of_support"]
        eos = f"{days} days to end of support" if days is not None else "no end of support announced"
        step = f"next step {item['next_step']}" if item["next_step"] else "up to date"
        daily = [v for v in item["health"]["task_failures"] if v is not None]
        failures = f"{sum(daily):g} task failures in 7 days" if daily else "no task failure metrics in 7 days"
        lines.append(f"- {item['environment']} {item['airflow_version']}: {item['support_status']}, {eos}; "
                     f"{step}, {verdict}; {failures}")
    if len(items) > 5:
        lines.append(f"- ... and {len(items) - 5} more")
    alarms = data["alarms"]
    if alarms["available"]:
        lines.append(f"Alarm firings in 7 days: {sum(alarms['firings'].values())}, "
                     f"pages: {sum(alarms['pages'].values())}; firing now: {len(alarms['firing_now'])}")
    else:
        lines.append(f"Alarm history unavailable; firing now: {len(alarms['firing_now'])}")
    cost = data["cost"]
    lines.append(f"Observability cost estimate: {cost['currency']} {cost['total_monthly']:.2f}/month "
                 f"({data['usage']['metric_series']} metric series, {data['usage']['per_task_series']} per-task; "
                 f"prices of {cost['prices_as_of']})")
    problems = data.get("problems") or []
    if problems:  # e.g. an --environment that does not exist: said here, not only inside the report
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        lines.append(f"Could not read: {'; '.join(problems[:3])}{more}")
    if link:
        lines.append(f"Report: {link}")
    return lines
