"""The version datums and the agent's versions_refresh job (sources and MWAA faked in-process)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mwaa_ops.clock import FixedClock
from mwaa_ops.cloudwatch.batching import pack
from mwaa_ops.cloudwatch.datum import Datum
from mwaa_ops.config import Config, VersionsConfig
from mwaa_ops.errors import SourceError
from mwaa_ops.telemetry import Telemetry
from mwaa_ops.versions.fetch import Response
from mwaa_ops.versions.job import refresh_versions_job

AS_OF = datetime(2026, 11, 25, 4, 17, tzinfo=UTC)


class FakeMwaa:
    """ListEnvironments (two pages) and GetEnvironment, as boto3 returns them."""

    def __init__(self, versions: dict[str, str]) -> None:
        self.versions = versions

    def list_environments(self, **kwargs: Any) -> dict[str, Any]:
        names = sorted(self.versions)
        if "NextToken" not in kwargs:
            return {"Environments": names[:1], "NextToken": "page-2"}
        return {"Environments": names[1:]}

    def get_environment(self, Name: str) -> dict[str, Any]:  # noqa: N803 - boto3's name
        return {"Environment": {"Name": Name, "AirflowVersion": self.versions[Name], "Status": "AVAILABLE"}}


@dataclass
class Publisher:
    submitted: list[Datum] = field(default_factory=list)

    def submit(self, datums: list[Datum]) -> None:
        self.submitted.extend(datums)


@dataclass
class Ctx:
    config: Config
    clock: FixedClock
    telemetry: Telemetry
    publisher: Publisher
    mwaa: FakeMwaa

    def make_client(self, service: str) -> Any:
        assert service == "mwaa"
        return self.mwaa


def _unreachable(url: str, accept: str, timeout: float) -> Response:
    raise SourceError(f"{url}: unreachable (no network in unit tests)")


@pytest.fixture()
def ctx(tmp_path: Path) -> Ctx:
    config = Config(state_dir=tmp_path, namespace="Custom/MWAA",
                    versions=VersionsConfig(index_url="https://offline.invalid/simple/", publish_scope="fleet"))
    mwaa = FakeMwaa({"prod": "2.4.3", "stage": "3.2.1"})
    return Ctx(config, FixedClock(AS_OF), Telemetry(), Publisher(), mwaa)


def test_job_publishes_from_the_snapshot_when_sources_are_down(ctx: Ctx) -> None:
    result = refresh_versions_job(ctx, fetcher=_unreachable, environ={}, pip_config=lambda: "")
    assert result["refreshed"] == []
    assert set(result["failed"]) == {"community", "mwaa"}
    assert result["environments"] == 2
    values = {(d.metric, d.dimensions): d.value for d in ctx.publisher.submitted}
    prod = (("Environment", "prod"),)
    stage = (("Environment", "stage"),)
    assert values[("DaysToEndOfSupport", prod)] == -330  # 2025-12-30 to 2026-11-25: 1 day to Dec 31, then day 329 of 2026
    assert values[("VersionSupportLevel", prod)] == 4  # unsupported
    assert values[("MinorsBehind", stage)] == 1
    assert values[("DaysBehindNewestMwaa", stage)] == 85  # 2026-11-25 - 2026-09-01
    assert ("DaysToEndOfSupport", stage) not in values  # none announced: no datum
    assert values[("MwaaTargetLagDays", stage)] == 0  # no community minor waiting on 2026-11-25
    assert result["datums"] == len(ctx.publisher.submitted) == 11
    # No namespace of their own: the agent's publisher (built with config.namespace) sends them there.
    requests = pack(ctx.publisher.submitted, default_namespace=ctx.config.namespace)
    assert [r.namespace for r in requests] == ["Custom/MWAA"]
    for datum in ctx.publisher.submitted:
        assert datum.namespace == ""
        assert datum.timestamp == AS_OF.timestamp()
        assert datum.dimensions == tuple(sorted(datum.dimensions))


def test_job_refreshes_the_cache_when_sources_answer(ctx: Ctx) -> None:
    fixtures = Path(__file__).resolve().parents[2] / "fixtures" / "versions"

    def sources(url: str, accept: str, timeout: float) -> Response:
        if url.endswith("/apache-airflow/"):
            return Response(url, "application/vnd.pypi.simple.v1+json",
                            (fixtures / "pypi-simple-apache-airflow.json").read_bytes())
        return Response(url, "text/html", (fixtures / "mwaa-airflow-versions.html").read_bytes())

    result = refresh_versions_job(ctx, fetcher=sources, environ={}, pip_config=lambda: "")
    assert result["refreshed"] == ["community", "mwaa"] and result["failed"] == {}
    assert (ctx.config.state_dir / "versions" / "community.json").exists()


def test_failed_source_makes_the_run_partial(ctx: Ctx) -> None:
    """Issue 8 case 14: a failed calendar refresh was logged as outcome=ok."""
    result = refresh_versions_job(ctx, fetcher=_unreachable, environ={}, pip_config=lambda: "")
    assert result["outcome"] == "partial"


def test_agent_publishes_for_its_own_environment_only(tmp_path: Path) -> None:
    """Issue 8 case 15: every agent published version metrics for every environment."""
    config = Config(state_dir=tmp_path, environment="stage",
                    versions=VersionsConfig(index_url="https://offline.invalid/simple/"))
    own = Ctx(config, FixedClock(AS_OF), Telemetry(), Publisher(), FakeMwaa({"prod": "2.4.3", "stage": "3.2.1"}))
    result = refresh_versions_job(own, fetcher=_unreachable, environ={}, pip_config=lambda: "")
    assert (result["scope"], result["environments_seen"], result["environments"]) == ("own", 2, 1)
    assert {d.dimensions for d in own.publisher.submitted} == {(("Environment", "stage"),)}
