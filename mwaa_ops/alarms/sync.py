"""Plan and apply: alarms and SNS topics made to match the definitions.

:func:`build_plan` is pure: desired alarms (from
:class:`~mwaa_ops.alarms.routing.Router`) and topics against what
DescribeAlarms and ListTopics returned. An alarm is compared field by field in
one normal form, because ``PutMetricAlarm`` overwrites the whole alarm on
every call: an unchanged alarm gets no call at all. Only alarms under
``<prefix>/<env>/`` whose description carries the ownership marker are
updated or deleted; a same-named alarm without it is reported and left alone.
Topics are created when missing (tagged ``mwaa-ops:managed=true``) and never
deleted: their subscriptions belong to people. The maintenance alarm's metric
dimensions and description belong to the mute (:mod:`mwaa_ops.alarms.mute`)
and are not compared.

:func:`apply_alarms` makes the calls in a safe order (topics, metric alarms,
composites, then deletions, composites first), paced under CloudWatch's
``PutMetricAlarm`` quota with the publisher's adaptive :class:`Pacer`, and
counts every write call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from mwaa_ops.alarms.context import AlarmsContext
from mwaa_ops.alarms.routing import MAINTENANCE, OWNED_TAG, AlarmSpec, environments, owned
from mwaa_ops.alarms.status import current_alarms
from mwaa_ops.aws import aws_error, classify
from mwaa_ops.cloudwatch.pacing import Pacer

DELETE_BATCH = 100  # DeleteAlarms: at most 100 names per call
_METRIC_KEYS = ("AlarmDescription", "ActionsEnabled", "AlarmActions", "OKActions", "InsufficientDataActions",
                "Namespace", "MetricName", "Dimensions", "Statistic", "ExtendedStatistic", "Period", "Unit",
                "EvaluationPeriods", "DatapointsToAlarm", "Threshold", "ComparisonOperator", "TreatMissingData",
                "EvaluateLowSampleCountPercentile", "Metrics", "ThresholdMetricId")
_COMPOSITE_KEYS = ("AlarmDescription", "ActionsEnabled", "AlarmActions", "OKActions", "InsufficientDataActions",
                   "AlarmRule", "ActionsSuppressor", "ActionsSuppressorWaitPeriod",
                   "ActionsSuppressorExtensionPeriod")
_MUTE_OWNED = ("Dimensions", "AlarmDescription")


def _dims(value: Any) -> list[tuple[str, str]]:
    return sorted((d["Name"], d["Value"]) for d in value or ())


def _query(q: dict[str, Any]) -> dict[str, Any]:
    out = {"Id": q.get("Id"), "Expression": q.get("Expression"), "Label": q.get("Label"),
           "ReturnData": q.get("ReturnData", True), "Period": q.get("Period")}
    stat = q.get("MetricStat")
    if stat:
        metric = stat["Metric"]
        out["MetricStat"] = {"Namespace": metric.get("Namespace"), "MetricName": metric.get("MetricName"),
                             "Dimensions": _dims(metric.get("Dimensions")), "Period": stat.get("Period"),
                             "Stat": stat.get("Stat"), "Unit": stat.get("Unit")}
    return out


def normal(alarm: dict[str, Any], kind: str, ignore: Iterable[str] = ()) -> dict[str, Any]:
    """One comparable form of a PutMetricAlarm/PutCompositeAlarm request or a DescribeAlarms entry."""
    keys = _METRIC_KEYS if kind == "metric" else _COMPOSITE_KEYS
    out: dict[str, Any] = {}
    for key in keys:
        if key in ignore:
            continue
        value = alarm.get(key)
        if key in ("AlarmActions", "OKActions", "InsufficientDataActions"):
            value = sorted(value or [])
        elif key == "Dimensions":
            value = _dims(value)
        elif key == "Metrics":
            value = [_query(q) for q in value or []]
        elif key == "DatapointsToAlarm":
            value = value or alarm.get("EvaluationPeriods")
        elif key == "TreatMissingData":
            value = value or "missing"
        elif key == "Threshold" and value is not None:
            value = float(value)
        elif key == "ActionsEnabled":
            value = True if value is None else bool(value)
        elif key in ("AlarmDescription", "EvaluateLowSampleCountPercentile", "ActionsSuppressor",
                     "ThresholdMetricId", "Statistic", "ExtendedStatistic", "Unit"):
            value = value or ""
        out[key] = value
    return out


@dataclass(frozen=True)
class Change:
    """One write the plan calls for."""

    action: str  # "create" | "update" | "delete" | "create-topic"
    name: str
    kind: str  # "metric" | "composite" | "topic"
    environment: str
    fields: tuple[tuple[str, Any, Any], ...] = ()  # (field, now, wanted) for updates
    spec: AlarmSpec | None = None

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "name": self.name, "kind": self.kind, "environment": self.environment,
                "fields": [{"field": f, "now": a, "wanted": b} for f, a, b in self.fields]}


@dataclass
class AlarmPlan:
    """What apply would do, and what it leaves alone."""

    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0
    conflicts: list[str] = field(default_factory=list)  # same name, not ours: left alone
    desired: int = 0

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for change in self.changes:
            key = f"{change.action} {change.kind}"
            out[key] = out.get(key, 0) + 1
        return out

    def to_json(self) -> dict[str, Any]:
        return {"changes": [c.to_json() for c in self.changes], "unchanged": self.unchanged,
                "conflicts": self.conflicts, "desired": self.desired, "counts": self.counts()}

    def render(self) -> str:
        """A readable diff: ``+`` create, ``~`` update (with old -> new per field), ``-`` delete."""
        lines = []
        marks = {"create": "[green]+[/]", "create-topic": "[green]+[/]", "update": "[yellow]~[/]",
                 "delete": "[red]-[/]"}
        for change in self.changes:
            lines.append(f"{marks[change.action]} {change.kind} {change.name}")
            for name, now, wanted in change.fields:
                lines.append(f"    {name}: {_short(now)} -> {_short(wanted)}")
        for conflict in self.conflicts:
            lines.append(f"[magenta]![/] {conflict}")
        counts = ", ".join(f"{v} {k}" for k, v in self.counts().items()) or "no changes"
        lines.append(f"Plan: {counts}; {self.unchanged} unchanged of {self.desired} alarms.")
        return "\n".join(lines)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def build_plan(
    desired: list[AlarmSpec],
    topics: list[str],
    current: list[dict[str, Any]],
    existing_topics: Iterable[str],
    owned_prefixes: list[str],
) -> AlarmPlan:
    """The changes that make ``current`` match ``desired``. Pure: no AWS."""
    plan = AlarmPlan(desired=len(desired))
    have_topics = set(existing_topics)
    for topic in sorted(set(topics) - have_topics):
        plan.changes.append(Change("create-topic", topic, "topic", ""))
    by_name = {a["AlarmName"]: a for a in current}
    wanted_names = {s.name for s in desired}
    for spec in sorted(desired, key=lambda s: (s.kind != "metric", s.name)):
        existing = by_name.get(spec.name)
        if existing is None:
            plan.changes.append(Change("create", spec.name, spec.kind, spec.environment, spec=spec))
            continue
        if not owned(existing.get("AlarmDescription")):
            plan.conflicts.append(f"{spec.name}: exists but not managed by mwaa-ops; left alone")
            continue
        ignore = _MUTE_OWNED if spec.definition == MAINTENANCE else ()
        now, wanted = normal(existing, spec.kind, ignore), normal(spec.request, spec.kind, ignore)
        diff = tuple((k, now[k], wanted[k]) for k in wanted if now.get(k) != wanted[k])
        if diff:
            plan.changes.append(Change("update", spec.name, spec.kind, spec.environment, diff, spec))
        else:
            plan.unchanged += 1
    stale = [a for a in current if a["AlarmName"] not in wanted_names and owned(a.get("AlarmDescription"))
             and any(a["AlarmName"].startswith(p) for p in owned_prefixes)]
    for alarm in sorted(stale, key=lambda a: (a.get("_kind") != "composite", a["AlarmName"])):
        env = alarm["AlarmName"].split("/")[1] if "/" in alarm["AlarmName"] else ""
        plan.changes.append(Change("delete", alarm["AlarmName"], alarm.get("_kind", "metric"), env))
    return plan


def plan_alarms(context: AlarmsContext, environment: str | None = None) -> AlarmPlan:
    """Read the current alarms and topics, then :func:`build_plan` for the environment(s)."""
    router = context.router()
    assert context.definitions is not None
    desired: list[AlarmSpec] = []
    current: list[dict[str, Any]] = []
    prefixes = []
    for env in environments(context.config, environment):
        desired.extend(router.specs(env, context.definitions.alarms))
        prefixes.append(router.prefix(env))
        current.extend(current_alarms(context.cloudwatch, router.prefix(env)))
    topics = sorted({t for s in desired for t in s.topics})
    return build_plan(desired, topics, current, context.existing_topics(), prefixes)


# CloudWatch quota: PutMetricAlarm / PutCompositeAlarm / DeleteAlarms, 3 requests a
# second per account and region (CloudWatch service quotas); config may lower it.
PUT_ALARM_TPS = 3.0


def apply_alarms(
    context: AlarmsContext,
    plan: AlarmPlan,
    *,
    progress: Callable[[int, int, str], None] | None = None,
) -> dict[str, Any]:
    """Make the plan's calls, paced; returns ``{"writes": n, "counts": {...}}``.

    Raises :class:`~mwaa_ops.errors.AwsError` on the first call that fails for good
    (already-made changes stay; the next apply plans the rest).
    """
    pacer = Pacer(min(PUT_ALARM_TPS, context.config.alarms.max_writes_per_second), context.clock)
    writes = 0
    total = len(plan.changes)

    def call(what: str, function: Callable[..., Any], **kwargs: Any) -> Any:
        nonlocal writes
        for attempt in range(5):
            context.clock.sleep(pacer.reserve())
            try:
                writes += 1
                result = function(**kwargs)
                pacer.on_success()
                return result
            except Exception as exc:
                failure = classify(exc)
                if failure.throttled and attempt < 4:
                    pacer.on_throttle()
                    continue
                raise aws_error(exc, what) from exc
        return None

    done = 0
    topic_changes = [c for c in plan.changes if c.action == "create-topic"]
    for change in topic_changes:
        call("SNS CreateTopic", context.sns.create_topic, Name=change.name,
             Tags=[{"Key": OWNED_TAG, "Value": "true"}])
        done += 1
        if progress:
            progress(done, total, f"topic {change.name}")
    if topic_changes:
        context.forget_topics()
    for kind in ("metric", "composite"):
        for change in plan.changes:
            if change.kind != kind or change.action not in ("create", "update") or change.spec is None:
                continue
            request = dict(change.spec.request)
            if change.action == "create":
                request["Tags"] = [{"Key": k, "Value": v} for k, v in change.spec.tags.items()]
            if kind == "metric":
                call("CloudWatch PutMetricAlarm", context.cloudwatch.put_metric_alarm, **request)
            else:
                call("CloudWatch PutCompositeAlarm", context.cloudwatch.put_composite_alarm, **request)
            done += 1
            if progress:
                progress(done, total, f"{change.action} {change.name}")
    deletes = [c for c in plan.changes if c.action == "delete"]
    for kind in ("composite", "metric"):
        names = [c.name for c in deletes if c.kind == kind]
        for offset in range(0, len(names), DELETE_BATCH):
            batch = names[offset : offset + DELETE_BATCH]
            call("CloudWatch DeleteAlarms", context.cloudwatch.delete_alarms, AlarmNames=batch)
            done += len(batch)
            if progress:
                progress(done, total, f"deleted {len(batch)} {kind} alarm(s)")
    return {"writes": writes, "counts": plan.counts(), "unchanged": plan.unchanged, "conflicts": plan.conflicts}
