"""Alarms and SNS topics on the sync frame (:mod:`mwaa_ops.sync`): adapters and the session.

Three resource kinds, one adapter each:

- ``sns-topic``: the topics named in ``alarms.topics`` / ``alarms.team_topics``,
  created (tagged ``managed-by=mwaa-ops``) when missing, never updated or
  deleted: their subscriptions belong to people. A topic is "ours" because the
  config names it (CreateTopic on an existing name is a no-op in SNS anyway).
- ``metric-alarm`` and ``composite-alarm``: named ``<prefix>/<env>/...`` with
  the ownership marker in the description (:mod:`mwaa_ops.sync.ownership`).
  Bodies are compared in one normal form (:func:`normal`), because
  ``PutMetricAlarm`` overwrites the whole alarm on every call: an unchanged
  alarm gets no call. The maintenance alarm's metric dimensions and
  description belong to the mute (:mod:`mwaa_ops.alarms.mute`) and are not compared.

The frame plans and applies everything (:func:`mwaa_ops.sync.session.apply_session`);
the session gives it the kinds in dependency order (:data:`ORDER`), because
CloudWatch refuses a composite alarm whose rule names alarms that do not exist
yet ("Could not save the composite alarm as alarms ... in the alarm rule do not
exist"): topics, metric alarms, then composites are created or updated, and
only then are composites, metric alarms (and never topics) deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mwaa_ops.alarms.context import AlarmsContext
from mwaa_ops.alarms.routing import MAINTENANCE, AlarmSpec, all_topic_names, environments
from mwaa_ops.aws import aws_error
from mwaa_ops.config import Config
from mwaa_ops.sync.apply import Adapter
from mwaa_ops.sync.ownership import Ownership, owner_tags
from mwaa_ops.sync.plan import Resource
from mwaa_ops.sync.rates import CLOUDWATCH_PUT_METRIC_ALARM_TPS, SNS_CONTROL_PLANE_TPS
from mwaa_ops.sync.session import SyncSession

METRIC, COMPOSITE, TOPIC = "metric-alarm", "composite-alarm", "sns-topic"
# Dependency order for the frame's apply: an alarm's actions name topics, a composite's rule names alarms.
ORDER = (TOPIC, METRIC, COMPOSITE)
_METRIC_KEYS = ("AlarmDescription", "ActionsEnabled", "AlarmActions", "OKActions", "InsufficientDataActions",
                "Namespace", "MetricName", "Dimensions", "Statistic", "ExtendedStatistic", "Period", "Unit",
                "EvaluationPeriods", "DatapointsToAlarm", "Threshold", "ComparisonOperator", "TreatMissingData",
                "EvaluateLowSampleCountPercentile", "Metrics", "ThresholdMetricId")
_COMPOSITE_KEYS = ("AlarmDescription", "ActionsEnabled", "AlarmActions", "OKActions", "InsufficientDataActions",
                   "AlarmRule", "ActionsSuppressor", "ActionsSuppressorWaitPeriod",
                   "ActionsSuppressorExtensionPeriod")
_MUTE_OWNED = ("Dimensions", "AlarmDescription")


def _dims(value: Any) -> list[list[str]]:
    return sorted([d["Name"], d["Value"]] for d in value or ())


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


def normal(alarm: dict[str, Any], kind: str) -> dict[str, Any]:
    """One comparable form of a PutMetricAlarm/PutCompositeAlarm request or a DescribeAlarms entry."""
    keys = _METRIC_KEYS if kind == METRIC else _COMPOSITE_KEYS
    ignore = _MUTE_OWNED if str(alarm.get("AlarmName", "")).endswith("/" + MAINTENANCE) else ()
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


def _environment_of(name: str) -> str:
    parts = name.split("/")
    return parts[1] if len(parts) > 2 else ""


@dataclass
class AlarmAdapter:
    """Metric or composite alarms under ``<prefix>/`` (frame :class:`~mwaa_ops.sync.apply.Adapter`)."""

    kind: str
    cloudwatch: Any
    ownership: Ownership
    specs: dict[str, AlarmSpec]
    write_rate: float = CLOUDWATCH_PUT_METRIC_ALARM_TPS

    def list_owned(self) -> list[Resource]:
        api_type = "MetricAlarm" if self.kind == METRIC else "CompositeAlarm"
        key = "MetricAlarms" if self.kind == METRIC else "CompositeAlarms"
        out = []
        try:
            pages = self.cloudwatch.get_paginator("describe_alarms").paginate(
                AlarmNamePrefix=self.ownership.prefix, AlarmTypes=[api_type])
            for page in pages:
                for alarm in page.get(key, []):
                    out.append(Resource(self.kind, alarm["AlarmName"], normal(alarm, self.kind),
                                        {"environment": _environment_of(alarm["AlarmName"]),
                                         "description": alarm.get("AlarmDescription") or ""}))
        except Exception as exc:
            raise aws_error(exc, "CloudWatch DescribeAlarms") from exc
        return out

    def owns(self, resource: Resource) -> bool:
        return self.ownership.owns(resource.name, resource.labels.get("description", ""))

    def put(self, resource: Resource) -> None:
        spec = self.specs[resource.name]
        request = dict(spec.request)
        request["Tags"] = owner_tags() + [{"Key": k, "Value": v} for k, v in spec.tags.items()]
        try:
            if self.kind == METRIC:
                self.cloudwatch.put_metric_alarm(**request)
            else:
                self.cloudwatch.put_composite_alarm(**request)
        except Exception as exc:
            raise aws_error(exc, "CloudWatch PutMetricAlarm" if self.kind == METRIC
                            else "CloudWatch PutCompositeAlarm") from exc

    def delete(self, resource: Resource) -> None:
        try:
            self.cloudwatch.delete_alarms(AlarmNames=[resource.name])
        except Exception as exc:
            raise aws_error(exc, "CloudWatch DeleteAlarms") from exc


@dataclass
class TopicAdapter:
    """The configured SNS topics: created when missing, never changed or deleted."""

    sns: Any
    names: list[str]
    existing: Callable[[], dict[str, str]]
    kind: str = TOPIC
    write_rate: float = SNS_CONTROL_PLANE_TPS

    def list_owned(self) -> list[Resource]:
        have = self.existing()
        return [Resource(TOPIC, name, {"Name": name}, {"environment": ""}) for name in self.names if name in have]

    def owns(self, resource: Resource) -> bool:
        return resource.name in self.names

    def put(self, resource: Resource) -> None:
        try:
            self.sns.create_topic(Name=resource.name, Tags=owner_tags())
        except Exception as exc:
            raise aws_error(exc, "SNS CreateTopic") from exc

    def delete(self, resource: Resource) -> None:  # never planned: topics are out of scope for deletes
        raise aws_error(RuntimeError("mwaa-ops does not delete SNS topics"), "SNS DeleteTopic")


def session_for(context: AlarmsContext, environment: str | None = None) -> SyncSession:
    """Desired alarms and topics of the environment(s), and the adapters to reach them."""
    router = context.router()
    assert context.definitions is not None
    specs: dict[str, AlarmSpec] = {}
    for env in environments(context.config, environment):
        for spec in router.specs(env, context.definitions.alarms):
            specs[spec.name] = spec
    ownership = Ownership(prefix=f"{context.config.alarms.name_prefix}/")
    topics = all_topic_names(context.config.alarms)
    desired = [Resource(TOPIC, name, {"Name": name}, {"environment": ""}) for name in topics]
    desired += [Resource(METRIC if s.kind == "metric" else COMPOSITE, s.name,
                         normal(s.request, METRIC if s.kind == "metric" else COMPOSITE),
                         {"environment": s.environment, "description": s.request["AlarmDescription"]})
                for s in specs.values()]
    adapters: list[Adapter] = [
        TopicAdapter(context.sns, topics, context.existing_topics),
        AlarmAdapter(METRIC, context.cloudwatch, ownership, specs),
        AlarmAdapter(COMPOSITE, context.cloudwatch, ownership, specs),
    ]

    def in_scope(resource: Resource) -> bool:
        if resource.kind == TOPIC:
            return False
        return environment is None or resource.labels.get("environment") == environment

    return SyncSession(desired=desired, adapters=adapters, in_scope=in_scope, order=ORDER)


def prepare(config: Config, environment: str | None, make_client: Callable[[str], Any]) -> SyncSession:
    """The frame's *prepare* for alarms: validated definitions, then the session."""
    return session_for(AlarmsContext.build(config, make=make_client), environment)
