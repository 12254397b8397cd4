"""Render a gathered report to Markdown, self-contained HTML and JSON, with pandas and matplotlib.

Imported only where a report is built (the ``report`` command, the agent's
child process): pandas and matplotlib cost tens of MB that the sidecar's
steady memory should not carry. Plots are PNGs inlined as ``data:`` URIs,
so the HTML survives being forwarded by email. The page comes from the
Jinja2 template ``templates/report.html.j2``.
"""

from __future__ import annotations

import base64
import io
import json
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.dates

matplotlib.use("Agg")  # no display in a sidecar or a CI job

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from jinja2 import Environment, select_autoescape  # noqa: E402

from mwaa_ops.reports.summary import summary_lines  # noqa: E402

FILES = {"markdown": "report.md", "html": "report.html", "json": "report.json"}
_STATUS_COLOURS = {"ok": "#2e7d32", "notice": "#0277bd", "warning": "#ef6c00", "critical": "#c62828",
                   "unsupported": "#6a1b9a", "unknown": "#616161"}


@dataclass(frozen=True)
class BuiltReport:
    markdown: str
    html: str
    json: str
    summary: list[str]
    plots: dict[str, str]  # plot name -> data URI


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _empty(ax: Any, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=11, color="#b71c1c", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def plot_version_lag(minors: pd.DataFrame, target_days: int) -> str:
    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    if minors.empty:
        _empty(ax, "no community minors in the calendar")
    else:
        shipped = minors.dropna(subset=["lag_days"])
        waiting = minors[minors["outcome"].isin(["overdue", "pending"])]
        ax.plot(pd.to_datetime(shipped["released"]), shipped["lag_days"], marker="o", color="#1565c0",
                label="MWAA lag after X.Y.0 (days)")
        for _, row in shipped.iterrows():
            ax.annotate(row["minor"], (pd.to_datetime(row["released"]), row["lag_days"]), fontsize=7,
                        xytext=(0, 4), textcoords="offset points", ha="center")
        if not waiting.empty:
            ax.scatter(pd.to_datetime(waiting["released"]), waiting["days_waiting"], color="#c62828",
                       marker="x", label="not shipped: days waiting")
        ax.axhline(target_days, color="#2e7d32", linestyle="--", label=f"{target_days}-day target")
        ax.set_ylabel("days")
        ax.legend(fontsize=8, loc="upper left")
    ax.set_title("Version lag over time: days from community X.Y.0 to MWAA", fontsize=10)
    return _png(fig)


def plot_environment_lag(data: dict[str, Any]) -> str:
    fig, ax = plt.subplots(figsize=(7.5, 3.0))
    drawn, top = 0, 0.0
    for item in data["environments"]:
        points = item.get("version_lag_history", {}).get("points") or []
        if points:
            series = pd.Series({pd.Timestamp(day): value for day, value in points}).sort_index()
            ax.plot(series.index, series.values, marker="o", markersize=4, label=item["environment"])
            drawn, top = drawn + 1, max(top, float(series.max()))
    if not drawn:
        _empty(ax, "no DaysBehindNewestMwaa data yet\n(the agent's versions_refresh job publishes it daily)")
    else:
        end = pd.Timestamp(data["as_of"])
        ax.set_xlim(end - pd.Timedelta(days=89), end + pd.Timedelta(days=1))
        ax.set_ylim(-0.5, max(10.0, top * 1.15))
        ax.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%m-%d"))
        ax.set_ylabel("days behind newest MWAA")
        ax.legend(fontsize=8)
    ax.set_title("Version lag over time per environment (last 90 days)", fontsize=10)
    return _png(fig)


def plot_end_of_support(envs: pd.DataFrame) -> str:
    fig, ax = plt.subplots(figsize=(7.5, max(1.8, 0.5 * len(envs) + 1)))
    known = envs.dropna(subset=["days left"]) if not envs.empty else envs
    if known.empty:
        _empty(ax, "no end of support announced for any environment")
    else:
        colours = [_STATUS_COLOURS.get(s, "#616161") for s in known["support"]]
        ax.barh(known["environment"], known["days left"].astype(float), color=colours)
        for y, (days, status) in enumerate(zip(known["days left"], known["support"], strict=False)):
            ax.text(days, y, f" {days:.0f} d ({status})", va="center", fontsize=8)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlabel("days to MWAA end of support")
    ax.set_title("Days to end of support per environment", fontsize=10)
    return _png(fig)


def plot_task_failures(daily: pd.DataFrame) -> str:
    fig, ax = plt.subplots(figsize=(7.5, 3.0))
    if daily.empty or daily["failures"].isna().all():
        _empty(ax, "no task failure metrics in the last 7 days")
    else:
        table = daily.pivot_table(index="day", columns="environment", values="failures", aggfunc="sum").fillna(0)
        table.plot(kind="bar", ax=ax, color=[plt.get_cmap("tab10")(i) for i in range(len(table.columns))], width=0.8)
        ax.set_xticklabels([d[5:] for d in table.index], rotation=0)
        ax.set_ylabel("failed task instances")
        ax.legend(fontsize=8)
    ax.set_title("Daily task failures (TaskInstanceFailures)", fontsize=10)
    return _png(fig)


def plot_alarm_firings(alarms: dict[str, Any]) -> str:
    fig, ax = plt.subplots(figsize=(7.5, 2.8))
    if not alarms["available"]:
        _empty(ax, "alarm history unavailable")
    elif not alarms["firings"]:
        _empty(ax, "no alarm fired in the last 7 days")
    else:
        series = pd.Series(alarms["firings"]).sort_values()
        ax.barh(series.index, series.values, color="#c62828")
        ax.set_xlabel("transitions into ALARM (7 days)")
    ax.set_title("Alarm firings per alarm", fontsize=10)
    return _png(fig)


def frames(data: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The report's tables as DataFrames."""
    envs = pd.DataFrame([
        {
            "environment": item["environment"],
            "Airflow": item["airflow_version"],
            "MWAA status": item["mwaa_status"],
            "support": item["support_status"],
            "end of support": item["end_of_support"] or "not announced",
            "days left": item["days_to_end_of_support"],
            "upgrade path": item["upgrade_path"],
            "next window": _when(item["next_maintenance_window"]),
            "readiness": _verdict(item.get("readiness")),
        }
        for item in data["environments"]
    ], columns=["environment", "Airflow", "MWAA status", "support", "end of support", "days left",
                "upgrade path", "next window", "readiness"])
    daily = pd.DataFrame([
        {"environment": item["environment"], "day": day, "successes": s, "failures": f, "import_errors": i}
        for item in data["environments"]
        for day, s, f, i in zip(item["health"]["days"], item["health"]["task_successes"],
                                item["health"]["task_failures"], item["health"]["import_errors"], strict=False)
    ], columns=["environment", "day", "successes", "failures", "import_errors"])
    minors = pd.DataFrame(data["scorecard"]["minors"],
                          columns=["minor", "released", "lag_days", "days_waiting", "outcome"])
    cost = pd.DataFrame(data["cost"]["lines"], columns=["item", "quantity", "unit_price", "monthly"])
    cost["monthly"] = cost["monthly"].map(lambda v: f"{v:,.2f}")
    cost["quantity"] = cost["quantity"].map(lambda v: f"{v:,.0f}")
    cost = cost.rename(columns={"unit_price": f"unit price ({data['cost']['currency']})",
                                "monthly": f"per month ({data['cost']['currency']})"})
    known = data["alarms"]["available"]
    alarm_rows = sorted(set(data["alarms"]["firings"]) | set(data["alarms"]["seconds_in_alarm"])
                        | set(data["alarms"]["firing_now"]))
    alarms = pd.DataFrame([
        {"alarm": name,
         # Without the history these are unknown, not zero.
         "firings": data["alarms"]["firings"].get(name, 0) if known else None,
         "pages": data["alarms"]["pages"].get(name, 0) if known else None,
         "hours_in_alarm": round(data["alarms"]["seconds_in_alarm"].get(name, 0) / 3600, 2) if known else None,
         "firing_now": name in data["alarms"]["firing_now"]}
        for name in alarm_rows
    ], columns=["alarm", "firings", "pages", "hours_in_alarm", "firing_now"])
    return {"environments": envs, "daily": daily, "minors": minors, "cost": cost, "alarms": alarms}


def _when(iso: str | None) -> str:
    if not iso:
        return "none set"
    return pd.Timestamp(iso).strftime("%a %Y-%m-%d %H:%M UTC")


def _verdict(readiness: dict[str, Any] | None) -> str:
    if not readiness:
        return "not run"
    if "error" in readiness:
        return f"could not run: {readiness['error']}"
    c = readiness["counts"]
    word = "ready" if readiness["passed"] else "NOT READY"
    return f"{word} ({c['pass']} pass, {c['warn']} warn, {c['fail']} fail)"


def _display(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing values shown as an en dash, not 'None' or 'NaN'."""
    return frame.astype(object).where(frame.notna(), "–")


def _markdown_table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "_none_\n"
    cells = _display(frame)
    head = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    rows = ["| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |" for row in cells.itertuples(index=False)]
    return "\n".join([head, rule, *rows]) + "\n"


def build(data: dict[str, Any], link: str = "") -> BuiltReport:
    """Markdown, HTML and JSON for ``data`` (from :func:`mwaa_ops.reports.gather.gather`)."""
    tables = frames(data)
    plots = {
        "version_lag": plot_version_lag(tables["minors"], data["scorecard"]["target_days"]),
        "environment_lag": plot_environment_lag(data),
        "end_of_support": plot_end_of_support(tables["environments"]),
        "task_failures": plot_task_failures(tables["daily"]),
        "alarm_firings": plot_alarm_firings(data["alarms"]),
    }
    summary = summary_lines(data, link)
    template = Environment(autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    source = resources.files("mwaa_ops.reports").joinpath("templates/report.html.j2").read_text("utf-8")
    html = template.from_string(source).render(
        data=data, plots=plots, summary=summary, verdict=_verdict, when=_when,
        tables={name: _display(frame).to_html(index=False, border=0, classes="grid")
                for name, frame in tables.items()},
    )
    return BuiltReport(_markdown(data, tables, summary), html, json.dumps(data, indent=2, default=str),
                       summary, plots)


def _markdown(data: dict[str, Any], tables: dict[str, pd.DataFrame], summary: list[str]) -> str:
    out = [f"# {data['title']}", "", f"Generated {data['generated_at']} by mwaa-ops.", "", "## Summary", ""]
    out += [line if line.startswith("-") else f"{line}  " for line in summary]
    out += ["", "## Fleet: environments most at risk first", "", _markdown_table(tables["environments"])]
    sc = data["scorecard"]
    out += ["## MWAA's 30-day target", "", f"- All time: {sc['all_time']}", f"- Last 12 months: {sc['last_12_months']}",
            f"- Current lag against the target: {sc['current_lag_days']} days", ""]
    for item in data["environments"]:
        out += [f"## {item['environment']} (Airflow {item['airflow_version']})", "",
                f"- Support: {item['support_status']}; end of support {item['end_of_support'] or 'not announced'}"
                f" ({item['days_to_end_of_support'] if item['days_to_end_of_support'] is not None else '-'} days)",
                f"- Upgrade path: {item['upgrade_path']}",
                f"- Next maintenance window: {item['next_maintenance_window'] or 'none set'}",
                f"- Last upgrade: {_last(item['last_upgrade'])}", ""]
        readiness = item.get("readiness") or {}
        out.append(f"### Readiness for {readiness.get('target_version', 'the next step')}: {_verdict(readiness)}")
        out.append("")
        for check in readiness.get("checks", []):
            out.append(f"- **{check['status'].upper()}** {check['check']}: {check['summary']}")
            out += [f"  - {line}" for line in check["evidence"]]
            if check["remedy"] and check["status"] != "pass":
                out.append(f"  - to do: {check['remedy']}")
        h = item["health"]
        gaps = ", ".join(f"{g['start']} ({g['minutes']} min)" for g in h["heartbeat_gaps"]) or "none"
        out += ["", "### Last 7 days", "",
                _markdown_table(tables["daily"][tables["daily"]["environment"] == item["environment"]]
                                .drop(columns=["environment"])),
                f"Scheduler heartbeat: {h['heartbeat_minutes']} minutes with a heartbeat; gaps of "
                f"5+ minutes: {gaps}" if h["has_heartbeat"] else "Scheduler heartbeat: **no data in the last 7 days**",
                ""]
    alarms = data["alarms"]
    out += ["## Alarms (last 7 days)", ""]
    if not alarms["available"]:
        out += [f"> **Alarm history unavailable**: {alarms['unavailable_reason']}. Firings, pages and time in "
                "ALARM are not counted (not zero).", ""]
    out += [_markdown_table(tables["alarms"])]
    cost = data["cost"]
    out += ["## What the observability costs", "",
            f"Estimated **{cost['currency']} {cost['total_monthly']:.2f} per month**, of which per-task metrics "
            f"{cost['currency']} {cost['per_task_metrics_monthly']:.2f}.", "", _markdown_table(tables["cost"])]
    out += [f"- {note}" for note in cost["notes"]]
    out += ["", "Plots (version lag, days to end of support, daily task failures, alarm firings) are in the HTML report."]
    if data["problems"]:
        out += ["", "## Could not read", ""] + [f"- {p}" for p in data["problems"]]
    return "\n".join(out) + "\n"


def _last(last: dict[str, Any] | None) -> str:
    if not last:
        return "none recorded"
    return f"{last['status']} at {last['at']}" + (f" ({last['error']})" if last.get("error") else "")


def write(built: BuiltReport, out_dir: Path) -> dict[str, Path]:
    """Write the three files into ``out_dir`` (atomically each); returns kind -> path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for kind, name in FILES.items():
        path = out_dir / name
        tmp = out_dir / f".{name}.tmp"
        tmp.write_text(getattr(built, kind), encoding="utf-8")
        os.replace(tmp, path)
        paths[kind] = path
    return paths
