"""What should exist per environment: alarm names, descriptions, tags, topics and actions.

Naming (so PagerDuty, Opsgenie, Slack or email subscriptions can route on it):

- a child alarm: ``<prefix>/<env>/<severity>/<team>/<name>`` (``/<dag>`` for per-DAG ones);
- the environment's page (composite, the only default page): ``<prefix>/<env>/critical/<team>/page``;
- the maintenance alarm (the page's ``ActionsSuppressor``): ``<prefix>/<env>/maintenance``.

Every description ends with the runbook link, the routing fields and
:data:`OWNED_MARKER`; every alarm and topic is tagged ``managed-by=mwaa-ops``
(:mod:`mwaa_ops.sync.ownership`) besides Environment, Severity, Team and Runbook.
A ``critical`` alarm's actions go to the severity's topic (paging); the others
go to their notify topics (``alarms.topics``, overridden per team by
``alarms.team_topics``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mwaa_ops.airflow.target import canonical
from mwaa_ops.alarms.definitions import DEFAULT_RUNBOOKS_DIR, MAINTENANCE_METRIC
from mwaa_ops.alarms.model import MAX_ACTIONS, AlarmDefinition
from mwaa_ops.alarms.rule import any_in_alarm
from mwaa_ops.config import AlarmsConfig, Config
from mwaa_ops.errors import ConfigError, DefinitionError
from mwaa_ops.sync.ownership import OWNER_MARKER, has_marker

OWNED_MARKER = f"[{OWNER_MARKER}]"
PAGE = "page"
MAINTENANCE = "maintenance"
BUILTIN_RUNBOOKS = (PAGE, MAINTENANCE)
NO_MUTE = "none"  # the maintenance alarm's MuteId while nothing is muted
SUPPRESSOR_WAIT_SECONDS = 60  # PutCompositeAlarm ActionsSuppressorWaitPeriod
SUPPRESSOR_EXTENSION_SECONDS = 60  # PutCompositeAlarm ActionsSuppressorExtensionPeriod
MAX_DESCRIPTION = 1024  # PutMetricAlarm AlarmDescription


@dataclass(frozen=True)
class AlarmSpec:
    """One alarm as mwaa-ops wants it: the PutMetricAlarm/PutCompositeAlarm request."""

    name: str
    kind: str  # "metric" | "composite"
    request: dict[str, Any]
    definition: str  # the definition's name, "page" or "maintenance"
    environment: str
    severity: str
    team: str
    runbook: str
    topics: tuple[str, ...] = ()
    page: bool = False
    tags: dict[str, str] = field(default_factory=dict)


def topic_names(alarms: AlarmsConfig, severity: str, team: str) -> tuple[str, ...]:
    """The topic names an alarm of this severity and team notifies."""
    override = alarms.team_topics.get(team, {}).get(severity)
    name = override or alarms.topics.get(severity)
    if not name:
        raise DefinitionError(
            f"alarms.topics: no topic for severity {severity!r} (set alarms.topics.{severity})"
        )
    return (name,)


def all_topic_names(alarms: AlarmsConfig) -> list[str]:
    names = set(alarms.topics.values())
    for per_team in alarms.team_topics.values():
        names.update(per_team.values())
    return sorted(names)


def runbook_link(alarms: AlarmsConfig, runbook: str) -> str:
    if alarms.runbook_url:
        return alarms.runbook_url.rstrip("/") + f"/{runbook}.md"
    return str((alarms.runbooks_dir or DEFAULT_RUNBOOKS_DIR) / f"{runbook}.md")


def environments(config: Config, only: str | None = None) -> list[str]:
    """The environments alarms are made for: the configured one and those under alarms.environments."""
    names = sorted({config.environment, *config.alarms.environments})
    if only is not None:
        if only not in names:  # a typo would plan (and apply) a whole set for a stray name
            raise ConfigError(
                f"--environment {only!r}: alarms are made for {', '.join(names)} (the config's "
                f"environment and alarms.environments.<name>); add alarms.environments.{only} to the config")
        return [only]
    return names


def _describe(text: str, env: str, severity: str, team: str, link: str) -> str:
    tail = f"\nRunbook: {link}\nEnvironment: {env} | Severity: {severity} | Team: {team}\n{OWNED_MARKER}"
    return text[: MAX_DESCRIPTION - len(tail)] + tail


def _tags(env: str, severity: str, team: str, link: str) -> dict[str, str]:
    return {"Environment": env, "Severity": severity, "Team": team, "Runbook": link[:256]}


class Router:
    """Builds the :class:`AlarmSpec` set for each environment from the definitions."""

    def __init__(self, config: Config, topic_arn: Any) -> None:
        self.config = config
        self.alarms = config.alarms
        self.topic_arn = topic_arn  # topic name -> ARN

    def prefix(self, env: str) -> str:
        return f"{self.alarms.name_prefix}/{env}/"

    def page_name(self, env: str, team: str) -> str:
        return f"{self.alarms.name_prefix}/{env}/critical/{team}/{PAGE}"

    def maintenance_name(self, env: str) -> str:
        return f"{self.alarms.name_prefix}/{env}/{MAINTENANCE}"

    def team_of(self, env: str, definition: AlarmDefinition | None = None) -> str:
        env_config = self.alarms.environments.get(env)
        return (definition.team if definition and definition.team else "") or (
            env_config.team if env_config and env_config.team else ""
        ) or self.alarms.default_team

    def specs(self, env: str, definitions: tuple[AlarmDefinition, ...]) -> list[AlarmSpec]:
        env_config = self.alarms.environments.get(env)
        parameters = dict(env_config.parameters) if env_config else {}
        dags = env_config.critical_dags if env_config else ()
        out: list[AlarmSpec] = []
        for definition in definitions:
            items: tuple[str, ...] = dags if definition.for_each == "critical_dags" else ("",)
            for item in items:
                out.append(self._metric_alarm(env, definition, parameters, item))
        out.append(self._maintenance(env))
        out.append(self._page(env, [s.name for s in out if s.page]))
        return out

    def _actions(self, severity: str, team: str) -> tuple[tuple[str, ...], list[str]]:
        names = topic_names(self.alarms, severity, team)
        arns = [self.topic_arn(n) for n in names]
        if len(arns) > MAX_ACTIONS:
            raise DefinitionError(
                f"{len(arns)} actions for severity {severity} team {team}: at most {MAX_ACTIONS} "
                "per state (PutMetricAlarm AlarmActions)"
            )
        return names, arns

    def _metric_alarm(
        self, env: str, d: AlarmDefinition, parameters: dict[str, Any], item: str
    ) -> AlarmSpec:
        team = self.team_of(env, d)
        name = f"{self.alarms.name_prefix}/{env}/{d.severity}/{team}/{d.name}" + (f"/{item}" if item else "")
        link = runbook_link(self.alarms, d.runbook_name)
        names, arns = self._actions(d.severity, team)
        request: dict[str, Any] = {
            "AlarmName": name,
            "AlarmDescription": _describe(d.description + (f" (DAG {item})" if item else ""), env, d.severity, team, link),
            "ActionsEnabled": True,
            "AlarmActions": arns,
            "OKActions": arns,
            "EvaluationPeriods": d.evaluation_periods,
            "DatapointsToAlarm": d.m,
            "ComparisonOperator": d.comparison,
            "TreatMissingData": d.treat_missing_data,
        }
        threshold = d.threshold_value(parameters)
        if threshold is not None:
            request["Threshold"] = threshold

        def metric(ref: Any) -> dict[str, Any]:
            dims = {k: v.replace("{each}", item) for k, v in ref.dimensions.items()}
            dims["Environment"] = env
            return {
                "Namespace": ref.namespace or self.config.namespace,
                "MetricName": ref.name,
                "Dimensions": [{"Name": k, "Value": v} for k, v in canonical(dims)],
            }

        if d.metric and d.anomaly_band is None:
            request.update(metric(d.metric))
            request["Period"] = d.period
            if d.metric.percentile is not None:
                request["ExtendedStatistic"] = d.metric.statistic
                if d.evaluate_low_sample_count_percentile:
                    request["EvaluateLowSampleCountPercentile"] = d.evaluate_low_sample_count_percentile
            else:
                request["Statistic"] = d.metric.statistic
        elif d.metric:
            request["Metrics"] = [
                {"Id": "m1", "MetricStat": {"Metric": metric(d.metric), "Period": d.period,
                                            "Stat": d.metric.statistic}, "ReturnData": True},
                {"Id": "ad1", "Expression": f"ANOMALY_DETECTION_BAND(m1, {d.anomaly_band:g})",
                 "Label": "expected band", "ReturnData": True},
            ]
            request["ThresholdMetricId"] = "ad1"
        else:
            request["Metrics"] = [
                {"Id": qid, "MetricStat": {"Metric": metric(ref), "Period": d.period, "Stat": ref.statistic},
                 "ReturnData": False}
                for qid, ref in d.metrics.items()
            ] + [{"Id": "e1", "Expression": d.expression_text(parameters), "Label": d.name, "ReturnData": True}]
        tags = _tags(env, d.severity, team, link)
        return AlarmSpec(name, "metric", request, d.name, env, d.severity, team, d.runbook_name,
                         names, d.page, tags)

    def specs_maintenance(self, env: str) -> AlarmSpec:
        """The maintenance alarm as plan/apply create it (``MuteId=none``, not muted)."""
        return self._maintenance(env)

    def _maintenance(self, env: str) -> AlarmSpec:
        team = self.team_of(env)
        name = self.maintenance_name(env)
        link = runbook_link(self.alarms, MAINTENANCE)
        request = {
            "AlarmName": name,
            "AlarmDescription": _describe("Not muted.", env, "none", team, link),
            "ActionsEnabled": True,
            "AlarmActions": [],
            "OKActions": [],
            "Namespace": self.config.namespace,
            "MetricName": MAINTENANCE_METRIC,
            "Dimensions": [{"Name": k, "Value": v} for k, v in canonical({"Environment": env, "MuteId": NO_MUTE})],
            "Statistic": "Maximum",
            "Period": 60,
            "EvaluationPeriods": 1,
            "DatapointsToAlarm": 1,
            "Threshold": 1.0,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
        }
        return AlarmSpec(name, "metric", request, MAINTENANCE, env, "none", team, MAINTENANCE, (),
                         False, _tags(env, "none", team, link))

    def _page(self, env: str, children: list[str]) -> AlarmSpec:
        team = self.team_of(env)
        name = self.page_name(env, team)
        link = runbook_link(self.alarms, PAGE)
        names, arns = self._actions("critical", team)
        request = {
            "AlarmName": name,
            "AlarmDescription": _describe(
                f"Page on-call for {env}: one of its paging alarms is in ALARM.", env, "critical", team, link),
            "ActionsEnabled": True,
            "AlarmActions": arns,
            "OKActions": arns,
            "AlarmRule": any_in_alarm(children),
            "ActionsSuppressor": self.maintenance_name(env),
            "ActionsSuppressorWaitPeriod": SUPPRESSOR_WAIT_SECONDS,
            "ActionsSuppressorExtensionPeriod": SUPPRESSOR_EXTENSION_SECONDS,
        }
        return AlarmSpec(name, "composite", request, PAGE, env, "critical", team, PAGE, names,
                         False, _tags(env, "critical", team, link))


def owned(description: str | None) -> bool:
    """Whether an alarm's description carries mwaa-ops' marker."""
    return has_marker(description or "")


def definitions_dirs(alarms: AlarmsConfig) -> tuple[Path | None, Path]:
    return alarms.definitions_dir, alarms.runbooks_dir or DEFAULT_RUNBOOKS_DIR
