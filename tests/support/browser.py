"""Headless Chromium for the tests that open a page or report as a person would.

``screenshot(target, out)`` renders a local HTML file or an http URL to a PNG with
Debian's ``chromium`` (installed by ``make test``; see the Makefile's ``browser``
target). ``ink_fraction(png, box)`` says how much of a region is not background,
so a test can check that a chart area actually drew something.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

# Flags from the field notes: as root Chromium needs --no-sandbox; the background
# networking flags keep it from reaching for hosts this machine cannot reach.
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def chromium_binary() -> str:
    """Path of the Chromium binary; under CI a missing browser fails, elsewhere it skips."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    message = "chromium is not installed (make test installs Debian's chromium package)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def screenshot(target: str | Path, out: Path, *, width: int = 1400, height: int = 1000,
               timeout: float = 60.0) -> Path:
    """Render ``target`` (a file path or an http(s)/file URL) to the PNG ``out``."""
    url = target if isinstance(target, str) and "://" in target else Path(target).resolve().as_uri()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mwaa-ops-chromium-") as profile:
        subprocess.run(
            [chromium_binary(), *_FLAGS, f"--user-data-dir={profile}",
             f"--screenshot={out}", f"--window-size={width},{height}", url],
            check=True, timeout=timeout, capture_output=True,
        )
    assert out.exists() and out.stat().st_size > 0, f"chromium wrote no screenshot for {url}"
    return out


def ink_fraction(png: Path, box: tuple[int, int, int, int] | None = None,
                 background: tuple[int, int, int] = (255, 255, 255), tolerance: int = 8) -> float:
    """Fraction (0..1) of pixels in ``box`` (left, top, right, bottom) that differ from
    ``background`` by more than ``tolerance`` in any channel."""
    from PIL import Image

    with Image.open(png) as image:
        region = image.convert("RGB") if box is None else image.convert("RGB").crop(box)
        pixels = list(region.getdata())
    if not pixels:
        return 0.0
    inked = sum(
        1 for p in pixels if max(abs(p[i] - background[i]) for i in range(3)) > tolerance
    )
    return inked / len(pixels)
