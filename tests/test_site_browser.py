"""The release page in headless Chromium: charts and tables are drawn, a screenshot is saved.

Needs Debian's `chromium` package; `.ci/run` installs it, elsewhere the test is skipped.
The page has no scripts, so `--dump-dom` shows what the browser built from the HTML: the
inline SVG charts with their marks, and the tables with their rows.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from release_fixture import make_release

from pipeline.site import write_index

_SKIP = "Chromium not found: install it with `apt-get install -y chromium` to run the page test"


def _chromium() -> str:
    for candidate in (
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.skip(_SKIP)


def _run(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


class _Dom(HTMLParser):
    """Counts of what the browser drew: per chart its marks and tooltips, per table its rows."""

    def __init__(self) -> None:
        super().__init__()
        self.charts: dict[str, dict[str, int]] = {}
        self.rows: dict[str, int] = {}
        self._chart: str | None = None
        self._depth = 0
        self._table: str | None = None
        self._tbody = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "svg" and (a.get("id") or "").startswith("chart-"):
            self._chart, self._depth = str(a["id"]), 0
            self.charts[self._chart] = {}
        elif self._chart:
            if tag == "svg":
                self._depth += 1
            counts = self.charts[self._chart]
            counts[tag] = counts.get(tag, 0) + 1
        if tag == "table":
            self._table = str(a.get("class") or "")
        elif tag == "tbody":
            self._tbody = True
        elif tag == "tr" and self._tbody and self._table is not None:
            self.rows[self._table] = self.rows.get(self._table, 0) + 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg" and self._chart:
            if self._depth == 0:
                self._chart = None
            else:
                self._depth -= 1
        elif tag == "tbody":
            self._tbody = False
        elif tag == "table":
            self._table = None


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_page_renders_in_chromium(tmp_path: Path) -> None:
    browser = _chromium()
    rel = make_release(tmp_path / "out")
    page = write_index(rel)
    url = page.resolve().as_uri()

    shot = tmp_path / "page.png"
    result = _run(
        browser, tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1280,2400", url
    )
    assert shot.exists(), f"no screenshot: {result.stderr[-2000:]}"
    assert _png_size(shot) == (1280, 2400)
    assert shot.stat().st_size > 50_000  # a drawn page, not a blank one

    result = _run(browser, tmp_path / "profile-dom", "--dump-dom", url)
    assert result.returncode == 0, result.stderr[-2000:]
    dom = _Dom()
    dom.feed(result.stdout)
    assert set(dom.charts) == {"chart-trade", "chart-events", "chart-institutions"}
    trade = dom.charts["chart-trade"]
    assert trade["title"] == 5  # one tooltip per point
    assert trade["a"] == 10  # each point's segment and dot link to its table row
    assert dom.charts["chart-events"]["title"] == 6  # one per (year, type) bar
    assert dom.charts["chart-institutions"]["title"] == 6
    assert all(c.get("path", 0) + c.get("use", 0) > 10 for c in dom.charts.values())
    assert dom.rows["trade"] == 5
    assert dom.rows["events"] == 3
    assert dom.rows["institutions"] == 6


def test_empty_page_renders_messages(tmp_path: Path) -> None:
    browser = _chromium()
    rel = make_release(tmp_path / "out", empty=True)
    url = write_index(rel).resolve().as_uri()
    result = _run(browser, tmp_path / "profile", "--dump-dom", url)
    assert result.returncode == 0, result.stderr[-2000:]
    dom = _Dom()
    dom.feed(result.stdout)
    assert dom.charts == {}
    assert "No trade figures in this release yet." in result.stdout
    assert "No events in this release yet." in result.stdout
