"""From ``dashboards/*.yaml`` and the environments to the dashboards that should exist.

``prepare`` is the sync frame's entry point (:class:`mwaa_ops.sync.session.SyncSession`);
``desired_dashboards`` is the pure part tests and ``export`` use.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mwaa_ops.clock import Clock, SystemClock
from mwaa_ops.dashboards.adapter import DashboardAdapter, dashboard_resource
from mwaa_ops.dashboards.body import AlarmLookup, RenderInput, render
from mwaa_ops.dashboards.environments import EnvironmentParams, discover_environments
from mwaa_ops.dashboards.model import Dashboard
from mwaa_ops.errors import InvalidDefinitionError
from mwaa_ops.sync.definitions import load_directory
from mwaa_ops.sync.ownership import Ownership
from mwaa_ops.sync.plan import Resource
from mwaa_ops.sync.session import SyncSession


@dataclass(frozen=True)
class Definition:
    """A validated definition and the file it came from."""

    path: Path
    model: Dashboard


# The dashboards/ folder shipped next to the package (as alarms/ and runbooks/ are).
SHIPPED_DIRECTORY = Path(__file__).resolve().parents[2] / "dashboards"


def definitions_directory(configured: Path | None) -> Path:
    """``dashboards.directory`` (relative: to the working directory), or the shipped folder.

    Raises InvalidDefinitionError naming the key, its value and the full path
    when it is not a directory.
    """
    directory = Path(configured) if configured is not None else SHIPPED_DIRECTORY
    if not directory.is_dir():
        from mwaa_ops.sync.definitions import Issue

        raise InvalidDefinitionError((Issue(
            "config", 0, "dashboards.directory", f"not a directory ({directory.resolve()})",
            str(configured if configured is not None else directory), True),))
    return directory


def load_definitions(directory: Path) -> list[Definition]:
    """Every definition of ``directory``; InvalidDefinitionError listing every problem."""
    loaded = load_directory(directory, Dashboard)
    loaded.raise_for_issues()
    return [Definition(path, model) for path, model in loaded.items.items()]


def shared_parameters(config: Any) -> dict[str, str]:
    from mwaa_ops.aws import FALLBACK_REGION

    settings = config.dashboards
    return {
        "namespace": config.namespace,
        "region": config.aws.region or FALLBACK_REGION,
        # Alarm names are <alarms.name_prefix>/<environment>/... (alarms/routing.py).
        "alarm_prefix": settings.alarm_prefix or f"{config.alarms.name_prefix}/",
        "owner": settings.owner,
        "runbooks_url": settings.runbooks_url,
        "dashboard_prefix": settings.prefix,
    }


def desired_dashboards(
    definitions: Sequence[Definition],
    environments: Sequence[EnvironmentParams],
    shared: dict[str, str],
    ownership: Ownership,
    alarm_lookup: AlarmLookup,
    *,
    self_managed: str,
    only: str | None = None,
) -> list[Resource]:
    """Rendered dashboards: per environment, one fleet, one per ``single`` definition.

    With ``only`` (one environment), fleet and single dashboards are left out.
    ``self_managed`` is the configured environment (whose agent ``single``
    dashboards such as the agent's describe).
    """
    params = {env.name: env.parameters(shared) for env in environments}
    fleet = [params[name] for name in sorted(params)]
    out = []
    for item in sorted(definitions, key=lambda d: d.model.dashboard):
        model, source = item.model, _display(item.path)
        if model.scope == "environment":
            for env in environments:
                if only and env.name != only:
                    continue
                body = render(RenderInput(model, source, params[env.name], fleet, env.name),
                              alarm_lookup)
                out.append(dashboard_resource(ownership.name(model.dashboard, env.name), body))
        elif not only:
            base = params.get(self_managed) or (fleet[0] if fleet else shared)
            body = render(RenderInput(model, source, {**base, "environment": base.get(
                "environment", self_managed)}, fleet), alarm_lookup)
            out.append(dashboard_resource(ownership.name(model.dashboard), body))
    return out


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return f"dashboards/{path.name}"


def alarm_lookup_for(client: Any) -> AlarmLookup:
    """Names or ``prefix*`` -> alarm ARNs through DescribeAlarms (metric and composite)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from mwaa_ops.aws import aws_error

    cache: dict[str, list[str]] = {}

    def lookup(pattern: str) -> list[str]:
        if pattern not in cache:
            kwargs: dict[str, Any] = (
                {"AlarmNamePrefix": pattern[:-1]} if pattern.endswith("*")
                else {"AlarmNames": [pattern]})
            arns: list[str] = []
            try:
                for page in client.get_paginator("describe_alarms").paginate(
                        AlarmTypes=["MetricAlarm", "CompositeAlarm"], **kwargs):
                    arns += [a["AlarmArn"] for a in page.get("MetricAlarms", []) + page.get("CompositeAlarms", [])]
            except (ClientError, BotoCoreError) as exc:
                raise aws_error(exc, "CloudWatch DescribeAlarms") from None
            cache[pattern] = sorted(arns)
        return cache[pattern]

    return lookup


def prepare(
    config: Any, environment: str | None, make_client: Callable[[str], Any],
    clock: Clock | None = None,
) -> SyncSession:
    """The sync session: validated definitions rendered for every environment, and the adapter."""
    definitions = load_definitions(definitions_directory(config.dashboards.directory))
    environments = discover_environments(config, make_client, environment)
    cloudwatch = make_client("cloudwatch")
    ownership = Ownership(config.dashboards.prefix)
    desired = desired_dashboards(
        definitions, environments, shared_parameters(config), ownership,
        alarm_lookup_for(cloudwatch), self_managed=config.environment, only=environment)
    in_scope: Callable[[Resource], bool] | None = None
    if environment:
        in_scope = lambda resource: resource.labels.get("environment") == environment  # noqa: E731
    return SyncSession(
        desired=desired,
        adapters=[DashboardAdapter(cloudwatch, ownership, clock or SystemClock())],
        in_scope=in_scope,
        item_key=widget_key,
    )


def widget_key(item: Any) -> str | None:
    """Names widgets in diffs by title (or a section's text)."""
    if isinstance(item, dict) and isinstance(item.get("properties"), dict):
        props = item["properties"]
        title = props.get("title") or props.get("markdown", "").split("\n", 1)[0]
        return f"{item.get('type')}:{title}" if title else None
    return None
