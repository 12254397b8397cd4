"""``mwaa-ops versions refresh`` against real HTTP servers (a package index and a docs page).

The index checks that the PEP 691 media type is asked for; the docs page can be
switched to a changed format, and the server stopped, to see the old cache kept.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mwaa_ops.cli.versions import versions

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "versions"
PEP691 = "application/vnd.pypi.simple.v1+json"


class Site:
    """What the server answers; tests edit it between refreshes."""

    def __init__(self) -> None:
        self.index = (FIXTURES / "pypi-simple-apache-airflow.json").read_bytes()
        self.page = (FIXTURES / "mwaa-airflow-versions.html").read_bytes()
        self.accepts: list[str] = []


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if self.path == "/simple/apache-airflow/":
                site.accepts.append(self.headers.get("Accept", ""))
                if PEP691 not in self.headers.get("Accept", ""):
                    self._answer(406, "text/plain", b"ask for JSON")
                else:
                    self._answer(200, PEP691, site.index)
            elif self.path == "/mwaa/airflow-versions.html":
                self._answer(200, "text/html; charset=utf-8", site.page)
            else:
                self._answer(404, "text/plain", b"not found")

        def _answer(self, code: int, content_type: str, body: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return None

    return Handler


@pytest.fixture()
def site() -> Iterator[tuple[Site, ThreadingHTTPServer]]:
    content = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(content))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield content, server
    server.shutdown()
    server.server_close()


@pytest.fixture()
def config_file(tmp_path: Path, site: tuple[Site, ThreadingHTTPServer]) -> Path:
    port = site[1].server_address[1]
    path = tmp_path / "mwaa-ops.toml"
    path.write_text(
        f'state_dir = "{tmp_path / "state"}"\n'
        "[versions]\n"
        f'index_url = "http://127.0.0.1:{port}/simple/"\n'
        f'mwaa_versions_url = "http://127.0.0.1:{port}/mwaa/airflow-versions.html"\n'
        "fetch_timeout_seconds = 5\n"
    )
    return path


def _refresh(config_file: Path) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(versions, ["refresh", "--config", str(config_file), "--json"])
    return result.exit_code, json.loads(result.output)


def test_refresh_fills_the_cache_then_reports_changes(site, config_file: Path) -> None:  # noqa: ANN001
    content, _ = site
    code, first = _refresh(config_file)
    assert code == 0 and first["ok"]
    assert content.accepts and all(PEP691 in a for a in content.accepts)
    community, mwaa = first["sources"]
    assert (community["versions"], mwaa["versions"]) == (8, 16)

    content.page = content.page.replace(b"December 18, 2024", b"December 20, 2024")
    code, second = _refresh(config_file)
    assert code == 0
    assert second["sources"][0]["changes"] == []
    assert second["sources"][1]["changes"] == [
        {"kind": "moved_date", "version": "2.10.3", "field": "available", "old": "2024-12-18", "new": "2024-12-20"}
    ]

    # Offline, `versions` now reads the cache: 2.10.3's exact lag is 2024-12-20 - 2024-11-05 = 25 + 20 = 45.
    result = CliRunner().invoke(versions, ["--config", str(config_file), "--json", "--as-of", "2026-11-25"])
    data = json.loads(result.output)
    assert data["sources"]["mwaa"]["origin"] == "cache"
    row = next(r for r in data["versions"] if r["airflow_version"] == "2.10.3")
    assert row["lag_exact_days"] == 45


def test_changed_format_fails_and_keeps_the_cache(site, config_file: Path) -> None:  # noqa: ANN001
    content, _ = site
    assert _refresh(config_file)[0] == 0
    cache_file = config_file.parent / "state" / "versions" / "mwaa.json"
    before = cache_file.read_text()
    content.page = (FIXTURES / "mwaa-airflow-versions-changed.html").read_bytes()
    code, data = _refresh(config_file)
    assert code == 1
    assert data["sources"][0]["ok"] is True
    assert data["sources"][1]["ok"] is False
    assert "expected a table with an 'Apache Airflow version' column" in data["sources"][1]["error"]
    assert cache_file.read_text() == before


def test_unreachable_sources_fail_clearly(site, config_file: Path) -> None:  # noqa: ANN001
    _, server = site
    server.shutdown()
    server.server_close()
    result = CliRunner().invoke(versions, ["refresh", "--config", str(config_file)])
    assert result.exit_code == 1
    assert "unreachable" in result.output
    assert "previous cache kept" in result.output
    assert not (config_file.parent / "state" / "versions" / "mwaa.json").exists()
