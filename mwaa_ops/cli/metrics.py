"""``mwaa-ops metrics``: what the agent has published, read back from CloudWatch."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import click

from mwaa_ops.cli.common import build_config, config_option, endpoint_option, environment_option
from mwaa_ops.cli.output import emit, fail, json_option, table
from mwaa_ops.clock import SystemClock
from mwaa_ops.errors import MwaaOpsError
from mwaa_ops.readback import (
    COUNTER,
    GAUGE,
    TIMER,
    UNKNOWN,
    environments_with_data,
    parse_duration,
    read_published,
)

# The statistic each kind is ranked by for --top, and the columns each kind shows.
_RANK_BY = {COUNTER: "sum", GAUGE: "last", TIMER: "p90", UNKNOWN: "max"}
_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    COUNTER: (("sum", "sum"), ("rate_per_minute", "per min")),
    GAUGE: (("last", "last"), ("min", "min"), ("max", "max")),
    TIMER: (("count", "count"), ("p50", "p50"), ("p90", "p90"), ("max", "max")),
    UNKNOWN: (("last", "last"), ("sum", "sum"), ("count", "count"), ("max", "max")),
}
_TITLES = {COUNTER: "Counters", GAUGE: "Gauges", TIMER: "Timers", UNKNOWN: "Other metrics"}
AGENT_AIRFLOW_METRIC = "AgentAirflowMajorVersion"


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@config_option
@environment_option
@endpoint_option
@click.option("--since", default="15m", show_default=True, help="How far back: 90s, 15m, 3h, 2d.")
@click.option("--namespace", default=None, help="CloudWatch namespace (config: namespace).")
@click.option("--metric", "metric_filter", default=None, help="Only metrics whose name contains this.")
@click.option("--dag", "dag_filter", default=None, help="Only series of this DAG id (the DAG dimension).")
@click.option("--top", default=10, show_default=True, type=click.IntRange(min=0),
              help="Per metric, the N series with the largest value (counter sum, gauge last, timer p90); "
                   "0 shows all.")
@json_option
def metrics(
    config_file: str | None,
    environment: str | None,
    endpoint_url: str | None,
    since: str,
    namespace: str | None,
    metric_filter: str | None,
    dag_filter: str | None,
    top: int,
    as_json: bool,
) -> None:
    """List published metrics, read back from CloudWatch, with the statistics that fit each kind.

    Counters: sum over --since and rate per minute. Gauges: last, min, max.
    Timers: count, p50, p90, max. Values carry their CloudWatch unit
    (durations shown in ms or s). Per-DAG and per-file metrics show their
    --top N series (rest counted); --dag and --metric narrow the list.
    """
    try:
        window = parse_duration(since)
    except ValueError as exc:
        fail(f"--since {since!r}: {exc}", as_json)
    try:
        config = build_config(
            config_file,
            environment=environment,
            namespace=namespace,
            **{"aws.endpoint_url": endpoint_url},
        )
        rows = read_published(config, window_seconds=window, clock=SystemClock(),
                              name_filter=metric_filter,
                              dimension_filter={"DAG": dag_filter} if dag_filter else None,
                              progress=not as_json)
        others = environments_with_data(config) if not rows else []
    except MwaaOpsError as exc:
        fail(str(exc), as_json)

    airflow_major = next((int(r["last"]) for r in rows if r["metric"] == AGENT_AIRFLOW_METRIC and r.get("last")), None)
    shown, hidden = _top(rows, top)
    others = [e for e in others if e != config.environment]

    def render(out: Any) -> None:
        if not rows:
            where = f"No metrics for environment {config.environment!r} in namespace {config.namespace!r} " \
                    f"during the last {since}"
            filters = ", ".join(f for f in (f"--metric {metric_filter}" if metric_filter else "",
                                            f"--dag {dag_filter}" if dag_filter else "") if f)
            out.print(where + (f" matching {filters}." if filters else "."))
            if others:
                out.print(f"Environments with data in {config.namespace}: {', '.join(others)} "
                          "(choose one with --environment).")
            return
        airflow = f"Airflow {airflow_major}" if airflow_major else "Airflow version not known to the agent yet"
        out.print(f"{config.namespace} · Environment={config.environment} · last {since} · {airflow}")
        by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in shown:
            by_kind[row["kind"]].append(row)
        for kind in (COUNTER, GAUGE, TIMER, UNKNOWN):
            kind_rows = by_kind.get(kind)
            if not kind_rows:
                continue
            cells: list[list[str]] = []
            previous = ""
            for row in kind_rows:
                metric = row["metric"]
                cells.append([
                    metric if metric != previous else "",
                    "\n".join(f"{k}={v}" for k, v in row["dimensions"].items() if k != "Environment") or "—",
                    *(_fmt(row.get(key), row["unit"]) for key, _ in _COLUMNS[kind]),
                    (row["latest_at"] or "")[11:16],
                ])
                previous = metric
                if hidden.get(metric) and row is _last_of(kind_rows, metric):
                    cells.append(["", f"… {hidden[metric]} more (--top 0 shows all, --dag narrows)",
                                  *([""] * len(_COLUMNS[kind])), ""])
            out.print(table(_TITLES[kind], ["metric", "dimensions", *(h for _, h in _COLUMNS[kind]), "at (UTC)"],
                            cells))

    emit(
        {"namespace": config.namespace, "environment": config.environment, "since": since,
         "airflow_major_version": airflow_major, "metrics": shown, "hidden_series": hidden,
         "environments_with_data": others if not rows else [config.environment]},
        as_json,
        render,
    )


def _top(rows: list[dict[str, Any]], top: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Per metric, the ``top`` series by the kind's ranking statistic (all when ``top`` is 0)."""
    if top <= 0:
        return rows, {}
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row["metric"]].append(row)
    shown: list[dict[str, Any]] = []
    hidden: dict[str, int] = {}
    for metric, group in grouped.items():
        key = _RANK_BY[group[0]["kind"]]
        group.sort(key=lambda r: -(r.get(key) or 0.0))
        shown.extend(group[:top])
        if len(group) > top:
            hidden[metric] = len(group) - top
    return shown, hidden


def _last_of(rows: list[dict[str, Any]], metric: str) -> dict[str, Any] | None:
    last = None
    for row in rows:
        if row["metric"] == metric:
            last = row
    return last


_TIME_UNITS = {"Microseconds": 1e-6, "Milliseconds": 1e-3, "Seconds": 1.0}
_BYTE_UNITS = {"Bytes": 1, "Kilobytes": 1e3, "Megabytes": 1e6, "Gigabytes": 1e9}


def _fmt(value: float | None, unit: str | None) -> str:
    """A value with its unit: durations as ms or s, bytes scaled, counts plain."""
    if value is None:
        return "—"
    if unit in _TIME_UNITS:
        seconds = value * _TIME_UNITS[unit]
        if abs(seconds) >= 60:
            return f"{seconds / 60:.1f} min"
        if abs(seconds) >= 1:
            return f"{seconds:.2f} s"
        return f"{seconds * 1000:.1f} ms" if seconds else "0 s"
    if unit in _BYTE_UNITS:
        size = value * _BYTE_UNITS[unit]
        for suffix, factor in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
            if abs(size) >= factor:
                return f"{size / factor:.1f} {suffix}"
        return f"{size:.0f} B"
    text = f"{value:.0f}" if float(value).is_integer() else f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"
    return text + (" %" if unit == "Percent" else "")
