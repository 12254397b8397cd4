"""One HTTP GET for the calendar sources, with stdlib urllib (no extra dependency).

Every failure to get an answer (DNS, refused connection, timeout, HTTP error
status) becomes a :class:`SourceError` naming the URL, so ``versions refresh``
can report it and keep the old cache.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from mwaa_ops import __version__
from mwaa_ops.errors import SourceError

USER_AGENT = f"mwaa-ops/{__version__} (+versions refresh)"

# Largest answer we read; the Airflow simple index JSON is about 250 kB today.
MAX_RESPONSE_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Response:
    url: str
    content_type: str
    body: bytes


Fetcher = Callable[[str, str, float], Response]


def http_get(url: str, accept: str, timeout: float) -> Response:
    """GET ``url`` asking for ``accept``; raise SourceError when no usable answer comes."""
    request = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - http(s) only
            body = answer.read(MAX_RESPONSE_BYTES + 1)
            content_type = answer.headers.get("Content-Type", "")
            final_url = answer.geturl()
    except urllib.error.HTTPError as exc:
        raise SourceError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SourceError(f"{url}: unreachable ({reason})") from None
    if len(body) > MAX_RESPONSE_BYTES:
        raise SourceError(f"{url}: answer larger than {MAX_RESPONSE_BYTES} bytes")
    return Response(final_url, content_type.split(";")[0].strip().lower(), body)
