"""The health gate after each step: is the upgraded environment doing its work?

Read from the metrics the agent publishes (MWAA's names, namespace
``<namespace>``, dimensions in canonical order) with one ``GetMetricData`` (all its pages):

- ``SchedulerHeartbeat`` (``Function=Scheduler``): some heartbeat since the
  environment became ``AVAILABLE``;
- ``ImportErrors`` (``Function=DAG Processing``): the highest count since then
  is no higher than before the step (no new import errors);
- ``TaskInstanceSuccesses`` / ``TaskInstanceFailures`` (``DAG=All, Task=All``):
  if tasks succeeded before the step, some succeed after it, at no less than
  half the rate per minute, and the failure share rises by at most
  ``upgrades.health_failure_rate_tolerance``.

"Before" is ``upgrades.health_lookback_minutes`` up to the moment the update
was sent; "after" is from ``AVAILABLE`` to now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mwaa_ops.aws import aws_error
from mwaa_ops.metric_data import batch_results

_QUERIES = {
    "heartbeat": ("SchedulerHeartbeat", {"Function": "Scheduler"}, "Sum"),
    "import_errors": ("ImportErrors", {"Function": "DAG Processing"}, "Maximum"),
    "successes": ("TaskInstanceSuccesses", {"DAG": "All", "Task": "All"}, "Sum"),
    "failures": ("TaskInstanceFailures", {"DAG": "All", "Task": "All"}, "Sum"),
}
RATE_FLOOR = 0.5  # after-step success rate must be at least half the usual rate


@dataclass(frozen=True)
class HealthResult:
    passed: bool
    summary: str
    figures: dict[str, Any] = field(default_factory=dict)


def _series(cloudwatch: Any, namespace: str, environment: str, start: float, end: float) -> dict[str, list[float]]:
    queries = []
    for qid, (name, dims, stat) in _QUERIES.items():
        dimensions = sorted({**dims, "Environment": environment}.items())
        queries.append({"Id": qid, "MetricStat": {
            "Metric": {"Namespace": namespace, "MetricName": name,
                       "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions]},
            "Period": 60, "Stat": stat}, "ReturnData": True})
    out: dict[str, list[float]] = {}
    try:
        for result in batch_results(cloudwatch, queries, datetime.fromtimestamp(start, UTC),
                                    datetime.fromtimestamp(max(end, start + 60), UTC)):
            out.setdefault(result["Id"], []).extend(float(v) for v in result.get("Values", []))
    except Exception as exc:
        raise aws_error(exc, "CloudWatch GetMetricData (health gate)") from None
    return out


def check_health(cloudwatch: Any, *, namespace: str, environment: str, sent_at: float,
                 available_at: float, now: float, lookback_minutes: int, tolerance: float) -> HealthResult:
    """The gate's verdict for one step (times are epoch seconds of the driver's clock)."""
    before = _series(cloudwatch, namespace, environment, sent_at - lookback_minutes * 60, sent_at)
    after = _series(cloudwatch, namespace, environment, available_at, now)
    problems: list[str] = []
    beats = sum(after.get("heartbeat", []))
    if beats <= 0:
        problems.append("no scheduler heartbeat since the environment became AVAILABLE")
    err_before = max(before.get("import_errors", []), default=0.0)
    err_after = max(after.get("import_errors", []), default=0.0)
    if err_after > err_before:
        problems.append(f"import errors rose from {err_before:g} to {err_after:g}")
    ok_before, ok_after = sum(before.get("successes", [])), sum(after.get("successes", []))
    bad_before, bad_after = sum(before.get("failures", [])), sum(after.get("failures", []))
    minutes_after = max((now - available_at) / 60, 1.0)
    rate_before, rate_after = ok_before / lookback_minutes, ok_after / minutes_after
    if ok_before > 0 and rate_after < RATE_FLOOR * rate_before:
        problems.append(f"tasks succeed at {rate_after:.2f}/min, usual {rate_before:.2f}/min")
    share_before = bad_before / (ok_before + bad_before) if ok_before + bad_before else 0.0
    share_after = bad_after / (ok_after + bad_after) if ok_after + bad_after else 0.0
    if share_after > share_before + tolerance:
        problems.append(f"task failure share {share_after:.0%} (before {share_before:.0%})")
    figures = {"heartbeats_after": beats, "import_errors_before": err_before, "import_errors_after": err_after,
               "successes_per_min_before": round(rate_before, 3), "successes_per_min_after": round(rate_after, 3),
               "failure_share_before": round(share_before, 3), "failure_share_after": round(share_after, 3)}
    if problems:
        return HealthResult(False, "; ".join(problems), figures)
    return HealthResult(True, f"healthy: {beats:g} heartbeats, import errors {err_after:g}, "
                              f"{rate_after:.2f} successes/min (usual {rate_before:.2f})", figures)
