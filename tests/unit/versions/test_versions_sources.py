"""Parsing the two calendar sources from saved fixtures, and failing loudly on a changed format."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from packaging.version import Version

from mwaa_ops.config import Config, VersionsConfig
from mwaa_ops.errors import SourceError, SourceFormatError
from mwaa_ops.versions.community import (
    ACCEPT,
    DEFAULT_INDEX_URL,
    fetch_community,
    parse_simple_json,
    resolve_index_url,
)
from mwaa_ops.versions.fetch import Response
from mwaa_ops.versions.mwaa_page import fetch_mwaa_calendar, parse_versions_page

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "versions"
REFERENCE_CSV = Path(__file__).resolve().parents[3] / "mwaa_ops" / "data" / "mwaa-versions.csv"
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def _fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


# --- community calendar (PEP 691 + PEP 700) ---------------------------------------


def test_simple_json_gives_final_releases_with_earliest_upload_date() -> None:
    calendar = parse_simple_json(_fixture("pypi-simple-apache-airflow.json"), "fixture")
    versions = [str(r.version) for r in calendar.releases]
    # rc, beta and rc.post files in the fixture are skipped; legacy "apache-airflow-1.10.0.tar.gz" is read.
    assert versions == ["1.10.0", "1.10.12", "2.10.0", "2.10.3", "3.0.5", "3.0.6", "3.3.0", "3.3.1"]
    released = {str(r.version): r.released for r in calendar.releases}
    # 1.10.12: wheel uploaded 18:56:59, sdist 18:57:05 on 2020-08-25 -> the earliest file counts.
    assert released["1.10.12"] == date(2020, 8, 25)
    assert released["3.3.1"] == date(2026, 8, 12)


def test_yanked_release_is_kept_but_never_the_newest_or_latest_patch() -> None:
    calendar = parse_simple_json(_fixture("pypi-simple-apache-airflow.json"), "fixture")
    yanked = {str(r.version) for r in calendar.releases if r.yanked}
    assert yanked == {"3.0.5"}
    minors = calendar.minors()
    assert str(minors[(3, 0)].latest.version) == "3.0.6"
    # 3.0.0 is not in the fixture, so the minor's first date is its earliest release (3.0.5).
    assert minors[(3, 0)].first_release.released == date(2025, 8, 20)
    assert str(calendar.newest(date(2025, 8, 25)).version) == "2.10.3"


def test_minor_first_release_is_x_y_0() -> None:
    calendar = parse_simple_json(_fixture("pypi-simple-apache-airflow.json"), "fixture")
    minors = calendar.minors()
    assert minors[(2, 10)].first_release.version == Version("2.10.0")
    assert minors[(2, 10)].first_release.released == date(2024, 8, 15)
    assert minors[(2, 10)].latest.version == Version("2.10.3")


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        pytest.param(_fixture("pypi-simple-no-upload-time.json"), "upload-time", id="api-1.0-no-upload-time"),
        pytest.param("<html><body><a href='x'>apache-airflow-2.0.0.tar.gz</a></body></html>", "PEP 691", id="html"),
        pytest.param(json.dumps({"meta": {"api-version": "1.1"}, "files": []}), "non-empty 'files'", id="no-files"),
        pytest.param(json.dumps({"files": [{"filename": "a"}]}), "'meta'", id="no-meta"),
        pytest.param(
            json.dumps({"meta": {}, "files": [{"filename": "apache_airflow-2.0.0.tar.gz", "upload-time": "soon"}]}),
            "ISO 8601",
            id="bad-upload-time",
        ),
    ],
)
def test_changed_index_format_fails_clearly(payload: str, expected: str) -> None:
    with pytest.raises(SourceFormatError, match=expected):
        parse_simple_json(payload, "https://mirror.example/simple/apache-airflow/")


def test_fetch_asks_for_pep691_and_rejects_an_html_index() -> None:
    asked: list[tuple[str, str]] = []

    def html_index(url: str, accept: str, timeout: float) -> Response:
        asked.append((url, accept))
        return Response(url, "text/html", b"<html></html>")

    with pytest.raises(SourceFormatError, match="application/vnd.pypi.simple.v1\\+json"):
        fetch_community("https://mirror.example/simple", timeout=5, now=NOW, fetcher=html_index)
    assert asked == [("https://mirror.example/simple/apache-airflow/", ACCEPT)]


def test_fetch_stamps_source_and_time() -> None:
    body = (FIXTURES / "pypi-simple-apache-airflow.json").read_bytes()

    def index(url: str, accept: str, timeout: float) -> Response:
        return Response(url, "application/vnd.pypi.simple.v1+json", body)

    calendar = fetch_community("https://pypi.org/simple/", timeout=5, now=NOW, fetcher=index)
    assert (calendar.source, calendar.fetched_at) == ("https://pypi.org/simple/apache-airflow/", NOW)


@pytest.mark.parametrize(
    ("configured", "environ", "pip", "expected"),
    [
        pytest.param("https://cfg/simple", {"PIP_INDEX_URL": "https://env/simple"}, "https://pip/simple",
                     "https://cfg/simple", id="config-wins"),
        pytest.param("", {"PIP_INDEX_URL": "https://env/simple"}, "https://pip/simple",
                     "https://env/simple", id="env-next"),
        pytest.param("", {}, "https://pip/simple", "https://pip/simple", id="pip-config-next"),
        pytest.param("", {}, "", DEFAULT_INDEX_URL, id="pypi-last"),
    ],
)
def test_index_url_precedence(configured: str, environ: dict[str, str], pip: str, expected: str) -> None:
    config = Config(versions=VersionsConfig(index_url=configured))
    assert resolve_index_url(config, environ, lambda: pip) == expected


# --- MWAA calendar (user guide versions page) -------------------------------------


def test_versions_page_matches_the_reference_table() -> None:
    calendar = parse_versions_page(_fixture("mwaa-airflow-versions.html"), "fixture")
    with REFERENCE_CSV.open(newline="") as handle:
        rows = {row["airflow_version"]: row for row in csv.DictReader(handle)}
    assert {str(v.version) for v in calendar.versions} == set(rows)
    for item in calendar.versions:
        row = rows[str(item.version)]
        assert item.available.isoformat() == row["mwaa_available"]
        assert (item.end_of_support.isoformat() if item.end_of_support else "") == row["mwaa_end_of_support"]
        assert item.python == row["python"]


def test_versions_page_reads_long_dates_and_v_prefix() -> None:
    calendar = parse_versions_page(_fixture("mwaa-airflow-versions.html"), "fixture")
    entry = calendar.get(Version("2.4.3"))
    assert entry is not None
    assert (entry.available, entry.end_of_support, entry.python) == (date(2023, 1, 5), date(2025, 12, 30), "3.10")


def test_changed_versions_page_fails_naming_what_was_expected() -> None:
    with pytest.raises(SourceFormatError) as caught:
        parse_versions_page(_fixture("mwaa-airflow-versions-changed.html"), "https://docs/airflow-versions.html")
    message = str(caught.value)
    assert "Amazon MWAA release date" in message
    assert "Launched" in message  # what the page has instead
    assert "https://docs/airflow-versions.html" in message


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        pytest.param("<html><body><p>Moved.</p></body></html>", "no tables at all", id="no-tables"),
        pytest.param(
            "<table><tr><th>Apache Airflow version</th><th>Amazon MWAA release date</th></tr>"
            "<tr><td>v2.10.3</td><td>sometime soon-ish</td></tr></table>",
            "not a date",
            id="bad-date",
        ),
        pytest.param(
            "<table><tr><th>Apache Airflow version</th><th>Amazon MWAA release date</th></tr>"
            "<tr><td>latest</td><td>December 18, 2024</td></tr></table>",
            "not an Airflow version",
            id="bad-version",
        ),
        pytest.param(
            "<table><tr><th>Apache Airflow version</th><th>Amazon MWAA release date</th></tr>"
            "<tr><td>v2.10.3</td><td></td></tr></table>",
            "no dates",
            id="empty-dates",
        ),
    ],
)
def test_broken_versions_page_never_gives_an_empty_calendar(html: str, expected: str) -> None:
    with pytest.raises(SourceFormatError, match=expected):
        parse_versions_page(html, "page")


def test_fetch_versions_page_rejects_non_html() -> None:
    def json_answer(url: str, accept: str, timeout: float) -> Response:
        return Response(url, "application/json", b"{}")

    with pytest.raises(SourceFormatError, match="expected an HTML page"):
        fetch_mwaa_calendar("https://docs/x.html", timeout=5, now=NOW, fetcher=json_answer)


def test_source_format_error_is_a_source_error() -> None:
    assert issubclass(SourceFormatError, SourceError)
