"""The SNS notification CloudWatch sends when an alarm changes state, in CloudWatch's format.

Subject ``ALARM: "<name>" in <region name>`` (at most 100 characters, SNS's
subject limit) and a JSON message with ``AlarmName``, ``NewStateValue``,
``OldStateValue``, ``NewStateReason``, ``StateChangeTime``, ``Region``,
``AlarmArn``, the actions, and ``Trigger`` (metric alarms: metric,
statistic in upper case, dimensions as ``{"value", "name"}`` pairs, period,
evaluation periods, comparison, threshold, missing-data treatment) or
``AlarmRule`` and ``TriggeringChildren`` (composite alarms) — the fields
subscriptions (PagerDuty, Opsgenie, Chatbot, email) read.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from mwaa_ops.local.mwaa_emulator import ACCOUNT_ID

MAX_SUBJECT = 100  # SNS Publish: Subject limit
REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)", "us-west-2": "US West (Oregon)",
    "eu-west-1": "EU (Ireland)", "eu-west-2": "EU (London)", "eu-central-1": "EU (Frankfurt)",
    "ap-southeast-1": "Asia Pacific (Singapore)", "ap-southeast-2": "Asia Pacific (Sydney)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
}


def cloudwatch_time(moment: datetime) -> str:
    """``2026-11-30T18:50:36.837+0000``, CloudWatch's timestamp format in notifications."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _dimensions(dimensions: Any) -> list[dict[str, str]]:
    return [{"value": d.value, "name": d.name} for d in dimensions or ()]


def _trigger(alarm: Any) -> dict[str, Any]:
    trigger: dict[str, Any] = {
        "Period": alarm.period,
        "EvaluationPeriods": alarm.evaluation_periods,
        "DatapointsToAlarm": alarm.datapoints_to_alarm or alarm.evaluation_periods,
        "ComparisonOperator": alarm.comparison_operator,
        "Threshold": alarm.threshold,
        "TreatMissingData": alarm.treat_missing_data or "missing",
        "EvaluateLowSampleCountPercentile": alarm.evaluate_low_sample_count_percentile or "",
    }
    if alarm.metric_name:
        extended = bool(alarm.extended_statistic)
        trigger.update({
            "MetricName": alarm.metric_name,
            "Namespace": alarm.namespace,
            "StatisticType": "ExtendedStatistic" if extended else "Statistic",
            "Statistic": alarm.extended_statistic if extended else (alarm.statistic or "").upper(),
            "Unit": alarm.unit,
            "Dimensions": _dimensions(alarm.dimensions),
        })
    else:
        metrics = []
        for query in alarm.metric_data_queries:
            item: dict[str, Any] = {"Id": query.id, "ReturnData": bool(query.return_data)}
            if query.expression:
                item["Expression"] = query.expression
                item["Label"] = query.label
            if query.metric_stat:
                stat = query.metric_stat
                item["MetricStat"] = {
                    "Metric": {"Dimensions": _dimensions(stat.metric.dimensions),
                               "MetricName": stat.metric.metric_name, "Namespace": stat.metric.namespace},
                    "Period": stat.period, "Stat": stat.stat,
                }
                trigger["Period"] = trigger["Period"] or stat.period
            metrics.append(item)
        trigger["Metrics"] = metrics
        if alarm.threshold_metric_id:
            trigger["ThresholdMetricId"] = alarm.threshold_metric_id
    return trigger


def notification(alarm: Any, old: str, new: str, when: datetime, region: str,
                 children: list[tuple[str, str, datetime]] | None = None) -> tuple[str, str]:
    """(subject, message) for ``alarm`` going from ``old`` to ``new``."""
    region_name = REGION_NAMES.get(region, region)
    body: dict[str, Any] = {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description,
        "AWSAccountId": ACCOUNT_ID,
        "AlarmConfigurationUpdatedTimestamp": cloudwatch_time(alarm.configuration_updated_timestamp),
        "NewStateValue": new,
        "NewStateReason": alarm.state_reason,
        "StateChangeTime": cloudwatch_time(when),
        "Region": region_name,
        "AlarmArn": alarm.alarm_arn,
        "OldStateValue": old,
        "OKActions": list(alarm.ok_actions),
        "AlarmActions": list(alarm.alarm_actions),
        "InsufficientDataActions": list(alarm.insufficient_data_actions),
    }
    if alarm.rule:
        body["AlarmRule"] = alarm.rule
        body["TriggeringChildren"] = [
            {"Arn": arn, "State": {"Value": state, "Timestamp": cloudwatch_time(at)}}
            for arn, state, at in children or ()
        ]
    else:
        body["Trigger"] = _trigger(alarm)
    subject = f'{new}: "{alarm.name}" in {region_name}'
    if len(subject) > MAX_SUBJECT:
        subject = subject[: MAX_SUBJECT - 3] + "..."
    return subject, json.dumps(body)
