"""CloudWatch dashboards as a sync-frame adapter (ListDashboards/GetDashboard/PutDashboard/DeleteDashboards).

Bodies read back are parsed JSON, compared as data with the rendered ones.
A dashboard is owned when its name has the configured prefix and its body
carries :data:`mwaa_ops.sync.ownership.OWNER_MARKER` (the banner). Reads are
paced at the same documented rate as writes.
"""

from __future__ import annotations

import json
from typing import Any

from mwaa_ops.clock import Clock
from mwaa_ops.cloudwatch.pacing import Pacer
from mwaa_ops.dashboards.body import ENVIRONMENT_LABEL
from mwaa_ops.errors import DefinitionError
from mwaa_ops.sync.ownership import Ownership
from mwaa_ops.sync.plan import Resource
from mwaa_ops.sync.rates import CLOUDWATCH_DASHBOARD_TPS

KIND = "dashboard"


def dashboard_resource(name: str, body: dict[str, Any]) -> Resource:
    """A dashboard as the plan sees it, labelled with the environment its banner names."""
    banner = body.get("widgets", [{}])[0].get("properties", {}).get("markdown", "")
    match = ENVIRONMENT_LABEL.search(banner) if isinstance(banner, str) else None
    labels = {"environment": match.group(1)} if match else {}
    return Resource(KIND, name, body, labels)


class DashboardAdapter:
    """One CloudWatch client; every call a single request."""

    kind = KIND
    write_rate = CLOUDWATCH_DASHBOARD_TPS

    def __init__(self, client: Any, ownership: Ownership, clock: Clock) -> None:
        self._client = client
        self._ownership = ownership
        self._clock = clock
        self._reads = Pacer(CLOUDWATCH_DASHBOARD_TPS, clock)
        self.read_calls = 0

    def _call(self, what: str, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        from mwaa_ops.aws import aws_error

        try:
            return getattr(self._client, what)(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise aws_error(exc, f"CloudWatch {what}") from None

    def _read(self, what: str, **kwargs: Any) -> Any:
        self._clock.sleep(self._reads.reserve())
        self.read_calls += 1
        return self._call(what, **kwargs)

    def list_owned(self) -> list[Resource]:
        names: list[str] = []
        token = ""
        while True:
            page = self._read("list_dashboards", DashboardNamePrefix=self._ownership.prefix,
                              **({"NextToken": token} if token else {}))
            names += [d["DashboardName"] for d in page.get("DashboardEntries", [])]
            token = page.get("NextToken", "")
            if not token:
                break
        out = []
        for name in sorted(names):
            answer = self._read("get_dashboard", DashboardName=name)
            try:
                body = json.loads(answer.get("DashboardBody") or "{}")
            except json.JSONDecodeError:
                continue  # not a body mwaa-ops wrote: never ours
            if isinstance(body, dict):
                out.append(dashboard_resource(name, body))
        return out

    def owns(self, resource: Resource) -> bool:
        return self._ownership.owns(resource.name, json.dumps(resource.body))

    def put(self, resource: Resource) -> None:
        answer = self._call("put_dashboard", DashboardName=resource.name,
                            DashboardBody=json.dumps(resource.body, separators=(",", ":")))
        problems = answer.get("DashboardValidationMessages") or []
        if problems:
            details = "; ".join(f"{p.get('DataPath', '')}: {p.get('Message', '')}"
                                for p in problems)
            raise DefinitionError(f"CloudWatch refused dashboard {resource.name}: {details}")

    def delete(self, resource: Resource) -> None:
        self._call("delete_dashboards", DashboardNames=[resource.name])
