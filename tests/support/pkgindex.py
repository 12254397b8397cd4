"""A local package index for the resolver tests: small wheels built here, served over HTTP.

``make_wheel`` writes a minimal valid wheel (``py3-none-any``: METADATA, WHEEL,
RECORD and one module); ``PackageIndex`` lays them out as a PEP 503 simple
index and serves it from a real HTTP server on an ephemeral port, so pip
resolves against it exactly as against PyPI, without the internet.
"""

from __future__ import annotations

import base64
import hashlib
import html
import threading
import zipfile
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

from packaging.utils import canonicalize_name


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def make_wheel(folder: Path, name: str, version: str, requires: tuple[str, ...] = ()) -> Path:
    """A ``py3-none-any`` wheel of ``name`` ``version`` depending on ``requires``."""
    module = name.replace("-", "_")
    dist_info = f"{module}-{version}.dist-info"
    metadata = "\n".join(
        ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}",
         *(f"Requires-Dist: {r}" for r in requires)]
    ) + "\n"
    files = {
        f"{module}/__init__.py": f"VERSION = {version!r}\n".encode(),
        f"{dist_info}/METADATA": metadata.encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: mwaa-ops-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in files.items())
    record += f"{dist_info}/RECORD,,\n"
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
        archive.writestr(f"{dist_info}/RECORD", record)
    return wheel


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class PackageIndex:
    """A PEP 503 index under ``root`` served on 127.0.0.1:<ephemeral>; ``url`` is its simple/ URL."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files = root / "files"
        self._server: ThreadingHTTPServer | None = None

    def add(self, name: str, version: str, requires: tuple[str, ...] = ()) -> Path:
        wheel = make_wheel(self.files, name, version, requires)
        self._write_pages()
        return wheel

    def _write_pages(self) -> None:
        projects: dict[str, list[Path]] = {}
        for wheel in sorted(self.files.glob("*.whl")):
            projects.setdefault(canonicalize_name(wheel.name.split("-")[0]), []).append(wheel)
        simple = self.root / "simple"
        for project, wheels in projects.items():
            page = simple / project
            page.mkdir(parents=True, exist_ok=True)
            links = "".join(
                f'<a href="../../files/{html.escape(w.name)}#sha256={hashlib.sha256(w.read_bytes()).hexdigest()}">'
                f"{html.escape(w.name)}</a>\n" for w in wheels
            )
            (page / "index.html").write_text(f"<!DOCTYPE html><html><body>\n{links}</body></html>\n")
        simple.mkdir(parents=True, exist_ok=True)
        body = "".join(f'<a href="{p}/">{p}</a>\n' for p in sorted(projects))
        (simple / "index.html").write_text(f"<!DOCTYPE html><html><body>\n{body}</body></html>\n")

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/simple/"

    def __enter__(self) -> PackageIndex:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(self.root)))
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
