"""Refreshing the calendars into the cache: what changed, and keeping the cache on failure."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from packaging.version import Version

from mwaa_ops.config import Config, VersionsConfig
from mwaa_ops.errors import SourceError
from mwaa_ops.versions import cache
from mwaa_ops.versions.fetch import Response
from mwaa_ops.versions.model import CommunityCalendar, Release
from mwaa_ops.versions.refresh import diff_community, refresh_calendars

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "versions"
INDEX = "https://mirror.example/simple/"
PAGE = "https://docs.example/airflow-versions.html"
T1 = datetime(2026, 11, 26, 4, 17, tzinfo=UTC)
T2 = datetime(2026, 11, 27, 4, 17, tzinfo=UTC)


class FakeSources:
    """Answers like the index and the docs site; each source can be broken or edited."""

    def __init__(self) -> None:
        self.index_body = (FIXTURES / "pypi-simple-apache-airflow.json").read_bytes()
        self.page = (FIXTURES / "mwaa-airflow-versions.html").read_text()
        self.down: set[str] = set()

    def __call__(self, url: str, accept: str, timeout: float) -> Response:
        if url in self.down:
            raise SourceError(f"{url}: unreachable (connection refused)")
        if url == INDEX + "apache-airflow/":
            return Response(url, "application/vnd.pypi.simple.v1+json", self.index_body)
        if url == PAGE:
            return Response(url, "text/html", self.page.encode())
        raise SourceError(f"{url}: HTTP 404 Not Found")


@pytest.fixture()
def config(tmp_path: Path) -> Config:
    return Config(state_dir=tmp_path, versions=VersionsConfig(index_url=INDEX, mwaa_versions_url=PAGE))


def _refresh(config: Config, sources: FakeSources, now: datetime):  # noqa: ANN202
    return refresh_calendars(config, now, environ={}, fetcher=sources, pip_config=lambda: "")


def test_refresh_writes_the_cache_with_fetch_time(config: Config) -> None:
    report = _refresh(config, FakeSources(), T1)
    assert report.ok
    loaded = cache.load_calendars(config.state_dir)
    assert (loaded.community_origin, loaded.mwaa_origin) == ("cache", "cache")
    assert loaded.community.fetched_at == T1
    assert loaded.community.source == INDEX + "apache-airflow/"
    assert len(loaded.community.releases) == 8  # the fixture's final releases
    assert loaded.mwaa.fetched_at == T1 and len(loaded.mwaa.versions) == 16
    # The snapshot's notes survive a refresh from the page (the page has none).
    assert "2024-03-06" in next(v.notes for v in loaded.mwaa.versions if str(v.version) == "2.8.1")


def test_second_refresh_reports_new_versions_and_moved_dates(config: Config) -> None:
    sources = FakeSources()
    _refresh(config, sources, T1)
    sources.page = sources.page.replace("September 1, 2026", "September 3, 2026").replace(
        "<td tabindex=\"-1\">v3.3.1</td>",
        "<td tabindex=\"-1\">v3.4.1</td>\n                  <td tabindex=\"-1\">November 20, 2026</td>\n"
        "                  <td tabindex=\"-1\"></td>\n                </tr>\n                <tr>\n"
        "                  <td tabindex=\"-1\">v3.3.1</td>",
    )
    report = _refresh(config, sources, T2)
    community, mwaa = report.results
    assert community.ok and community.changes == []
    described = [c.describe() for c in mwaa.changes]
    assert described == ["3.3.1: available moved 2026-09-01 -> 2026-09-03", "3.4.1: new (available 2026-11-20)"]


def test_unreachable_source_keeps_its_cache_and_the_other_refreshes(config: Config) -> None:
    sources = FakeSources()
    _refresh(config, sources, T1)
    sources.down.add(INDEX + "apache-airflow/")
    report = _refresh(config, sources, T2)
    assert not report.ok
    community, mwaa = report.results
    assert (community.ok, mwaa.ok) == (False, True)
    assert "unreachable" in community.error
    loaded = cache.load_calendars(config.state_dir)
    assert loaded.community.fetched_at == T1  # old cache kept
    assert loaded.mwaa.fetched_at == T2


def test_changed_page_format_keeps_the_cache(config: Config) -> None:
    sources = FakeSources()
    _refresh(config, sources, T1)
    sources.page = (FIXTURES / "mwaa-airflow-versions-changed.html").read_text()
    report = _refresh(config, sources, T2)
    mwaa = report.results[1]
    assert not mwaa.ok and "Amazon MWAA release date" in mwaa.error
    assert cache.load_calendars(config.state_dir).mwaa.fetched_at == T1
    assert report.to_json()["sources"][1]["error"] == mwaa.error


def test_without_cache_the_snapshot_is_used(config: Config) -> None:
    loaded = cache.load_calendars(config.state_dir)
    assert (loaded.community_origin, loaded.mwaa_origin) == ("snapshot", "snapshot")
    # A corrupt cache file is ignored rather than fatal.
    path = cache.cache_dir(config.state_dir) / cache.MWAA_FILE
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert cache.load_calendars(config.state_dir).mwaa_origin == "snapshot"


def test_community_diff_reports_new_removed_and_moved_releases() -> None:
    old = CommunityCalendar((Release(Version("2.10.0"), date(2024, 8, 15)), Release(Version("2.10.1"), date(2024, 9, 5))))
    new = CommunityCalendar((Release(Version("2.10.1"), date(2024, 9, 6)), Release(Version("2.10.2"), date(2024, 9, 18))))
    assert [c.describe() for c in diff_community(old, new)] == [
        "2.10.0: no longer listed",
        "2.10.1: released moved 2024-09-05 -> 2024-09-06",
        "2.10.2: new (released 2024-09-18)",
    ]
    assert [c.describe() for c in diff_community(None, old)] == [
        "2.10.0: new (released 2024-08-15)",
        "2.10.1: new (released 2024-09-05)",
    ]
