"""The release page: content, self-containment, determinism, empty data, quality card."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from release_fixture import make_release

import schemas
from pipeline import plots
from pipeline.site import markdown_html, write_index
from schemas.generate import data_dictionary

QUALITY: dict[str, Any] = {
    "gold_file": "seeds.json",
    "n_documents": 2,
    "totals": {
        "statistics": {"gold": 10, "predicted": 8, "matched": 6, "precision": 0.75,
                       "recall": 0.6, "f1": 0.6667},
        "events": {"gold": 5, "predicted": 5, "matched": 4, "precision": 0.8, "recall": 0.8,
                   "f1": 0.8},
    },
    "agreement": {"statistics": {"measure": {"agree": 5, "total": 6, "rate": 0.8333}}},
    "false_positives": {"statistics": [{}, {}], "events": [{}]},
    "false_negatives": {"statistics": [{}]},
    "warnings": [],
}  # fmt: skip


class _Doc(HTMLParser):
    """Ids, rows per table class, links, scripts and sources of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.rows: dict[str, int] = {}
        self.hrefs: list[str] = []
        self.srcs: list[str] = []
        self.tags: dict[str, int] = {}
        self._table: list[str] = []
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if a.get("id"):
            self.ids.append(str(a["id"]))
        for key in ("href", "xlink:href"):
            if a.get(key):
                self.hrefs.append(str(a[key]))
        if a.get("src"):
            self.srcs.append(str(a["src"]))
        if tag == "table":
            self._table.append(str(a.get("class") or ""))
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body and self._table:
            self.rows[self._table[-1]] = self.rows.get(self._table[-1], 0) + 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._table:
            self._table.pop()
        elif tag == "tbody":
            self._in_body = False


def _parse(html: str) -> _Doc:
    doc = _Doc()
    doc.feed(html)
    return doc


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    rel = make_release(tmp_path_factory.mktemp("out"), quality=QUALITY)
    path = write_index(rel)
    return rel, path.read_text(encoding="utf-8")


def test_page_says_what_and_which_version(page: tuple[Path, str]) -> None:
    rel, html = page
    assert (rel / "index.html").exists()
    assert "<title>kzru: Kazakhstan-Russia relations 2026.11.21</title>" in html
    assert "Version <strong>2026.11.21</strong> · released 2026-11-21" in html
    assert "open dataset of Kazakhstan–Russia relations" in html
    assert "Documents published from 2021-11-09 to 2024-06-02" in html
    assert "publishers: Akorda.kz (1), Kazinform (1)" in html


def test_counts_sizes_and_checksums_of_every_file(page: tuple[Path, str]) -> None:
    rel, html = page
    package = json.loads((rel / "datapackage.json").read_text())
    for res in package["resources"]:
        path = rel / res["path"]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert f"<code class=hash>sha256:{digest}</code>" in html
        assert f'<a href="{res["path"]}">{res["path"]}</a>' in html
        assert f'title="{path.stat().st_size:,} bytes"' in html
    for table, n in [("statistics", 6), ("events", 7), ("institution_mentions", 7)]:
        assert f'<tr id="file-{table}"><td>{table}</td><td class=num>{n}</td>' in html
    summary = re.search(r'<div class="summary">(.*?)</div>\s*<nav>', html, re.S)
    assert summary is not None
    assert "<b>3</b>documents" in summary.group(1)
    assert "<b>6</b>institutions" in summary.group(1)


def test_page_is_self_contained(page: tuple[Path, str]) -> None:
    _, html = page
    doc = _parse(html)
    assert doc.srcs == []  # no images, scripts or frames to fetch
    assert "<link" not in html and "@import" not in html and "url(http" not in html
    assert doc.tags.get("script", 0) == 0
    external = [h for h in doc.hrefs if h.startswith("http")]
    assert external == ["https://creativecommons.org/licenses/by/4.0/"]  # the licence link
    internal = [h[1:] for h in doc.hrefs if h.startswith("#")]
    assert internal and set(internal) <= set(doc.ids)  # every in-page link has a target


def test_trade_chart_points_reach_their_rows_and_quotes(page: tuple[Path, str]) -> None:
    rel, html = page
    stats = pd.read_parquet(rel / "statistics.parquet")
    usd = stats[(stats["unit"] == "USD")]
    doc = _parse(html)
    assert doc.rows["trade"] == len(usd) == 5
    for row in usd.itertuples():
        assert f'<tr id="{row.stat_id}">' in html
        assert f'<a xlink:href="#{row.stat_id}">' in html
        assert re.search(
            rf'<g id="pt-{row.stat_id}"><title>[^<]*“{re.escape(row.quote)}” '
            rf"\({row.stat_id}, document {row.doc_id}\)",
            html,
        )
    # the table shows the source sentence with the quote marked
    assert "Kazakh exports to Russia reached <mark>$8.8 billion</mark> over the year." in html
    assert "1 trade figure in other currencies" not in html  # investment is not trade
    assert 'id="chart-trade"' in html


def test_non_usd_and_undated_trade_figures_get_a_note() -> None:
    base = {
        "stat_id": "st_0000000000000001",
        "doc_id": "0" * 16,
        "quote": "5 trillion tenge",
        "value": 5e12,
        "unit": "KZT",
        "measure": "trade_turnover",
        "period_start": pd.Timestamp("2020-01-01"),
        "period_end": pd.Timestamp("2020-12-31"),
        "period_label": "2020",
    }
    undated = {**base, "stat_id": "st_2", "unit": "USD", "period_start": None, "period_end": None}
    fig = plots.trade_figure(pd.DataFrame([base, undated]))
    assert fig.svg is None
    assert fig.message == "No trade figures in USD with a period in this release yet."
    assert fig.notes == (
        "1 trade figure in other currencies (KZT: 1) is not drawn: no exchange rate is applied.",
        "1 USD trade figure without a period not drawn.",
    )


def test_same_figure_from_two_documents_is_one_point() -> None:
    row = {
        "doc_id": "0" * 16,
        "quote": "$3 billion",
        "value": 3e9,
        "unit": "USD",
        "measure": "exports",
        "period_start": pd.Timestamp("2020-01-01"),
        "period_end": pd.Timestamp("2020-12-31"),
        "period_label": "2020",
    }
    stats = pd.DataFrame([{**row, "stat_id": "st_b"}, {**row, "stat_id": "st_a"}])
    points, notes = plots.trade_points(stats)
    assert notes == []
    assert len(points) == 1
    assert [s["stat_id"] for s in points.loc[0, "sources"]] == ["st_a", "st_b"]
    fig = plots.trade_figure(stats)
    assert fig.svg is not None and "and 1 more source" in fig.svg


def test_events_chart_and_table(page: tuple[Path, str]) -> None:
    _, html = page
    doc = _parse(html)
    assert 'id="chart-events"' in html
    assert doc.rows["events"] == 3  # years with events; the chart also shows empty 2022
    assert "<tr><td>2022</td>" not in html
    assert "1 event without a resolved date is not counted in the chart." in html
    assert "<title>2021, agreement signing: 1</title>" in html


def test_institutions_chart_and_table(page: tuple[Path, str]) -> None:
    _, html = page
    doc = _parse(html)
    assert 'id="chart-institutions"' in html
    assert doc.rows["institutions"] == 6
    first = re.search(r'<tr id="inst-([^"]+)"><td class=num>1</td>', html)
    assert first is not None and first.group(1) == "eaeu"
    assert "<title>Eurasian Economic Union: 2 mentions in 1 document (eaeu)</title>" in html


def test_quality_card(page: tuple[Path, str]) -> None:
    _, html = page
    doc = _parse(html)
    assert doc.rows["quality"] == 2
    assert "<tr><td>statistics</td><td class=num>0.750</td><td class=num>0.600</td>" in html
    assert "<td>statistics.measure</td><td class=num>0.833</td><td class=num>5 / 6</td>" in html
    assert "<dt>false positives</dt><dd>statistics: 2, events: 1</dd>" in html
    assert "<dt>gold file</dt><dd>seeds.json</dd>" in html


def test_quality_with_other_keys_and_missing(tmp_path: Path) -> None:
    rel = make_release(tmp_path)
    html = write_index(rel).read_text()
    assert "No quality card for this release" in html
    other = {"tables": {"events": {"precision": 0.5, "recall": 0.25, "f1": 0.3333}}}
    html = write_index(rel, quality=other).read_text()
    assert "<tr><td>events</td><td class=num>0.500</td><td class=num>0.250</td>" in html
    html = write_index(rel, quality={"note": "nothing"}).read_text()
    assert "holds no scores this page knows how to show" in html


def test_dictionary_and_changes(page: tuple[Path, str]) -> None:
    rel, html = page
    # without dictionary_md: from datapackage.json's Frictionless schemas
    assert "<h3>statistics</h3>" in html
    assert "<td><code>stat_id</code></td><td>string</td><td>no</td>" in html
    # CHANGES.md, its raw HTML kept as text
    assert "<h3>Changes in 2026.11.21</h3>" in html
    assert "<li>statistics: 6 rows added</li>" in html
    assert "<li><code>&lt;script&gt;</code> tags in this file stay text</li>" in html
    md = data_dictionary(schemas.TABLES)
    html2 = write_index(rel, dictionary_md=md).read_text()
    assert "<h3>kzru data dictionary</h3>" in html2
    assert "<td><code>period_label</code></td><td>date" not in html2
    assert re.search(r"<td><code>unit</code></td><td>string</td><td>no</td><td>matches", html2)
    assert "[A-Z]{3}|count|people" in html2  # escaped pipes inside a cell stay in the cell


def test_text_from_the_data_is_escaped(page: tuple[Path, str]) -> None:
    _, html = page
    # the title of a document holds `<grew> &`; it must never become markup
    assert "<grew>" not in html
    assert "&lt;script&gt;" in html


def test_same_folder_same_bytes(tmp_path: Path) -> None:
    rel = make_release(tmp_path / "a", quality=QUALITY)
    first = write_index(rel).read_bytes()
    second = write_index(rel).read_bytes()
    assert first == second
    # the page does not depend on the folder's name or place (publish writes it in a tmp dir)
    moved = tmp_path / "b" / ".tmp-2026.11.21"
    shutil.copytree(rel, moved)
    assert write_index(moved).read_bytes() == first


def test_empty_release_says_so(tmp_path: Path) -> None:
    rel = make_release(tmp_path, empty=True)
    html = write_index(rel).read_text()
    assert "No trade figures in this release yet." in html
    assert "No events in this release yet." in html
    assert "No institutions in this release yet." in html
    assert "<svg" not in html
    assert "<b>0</b>statistics" in html


def test_missing_files_do_not_break_the_page(tmp_path: Path) -> None:
    rel = make_release(tmp_path)
    (rel / "events.parquet").unlink()
    (rel / "CHANGES.md").unlink()
    html = write_index(rel).read_text()
    assert "events.parquet <em>(missing)</em>" in html
    assert "No events in this release yet." in html
    assert "No CHANGES.md in this release." in html
    assert 'id="chart-trade"' in html


def test_markdown_subset() -> None:
    md = (
        "# Title\n\nA *para* with `code|x` and **bold** and [a link](https://x.org) and "
        "[bad](javascript:alert(1)).\n\n- one\n- two\n  continued\n\n1. first\n\n"
        "| a | b |\n|---|---|\n| 1 \\| 2 | <b>3</b> |\n\n```\n<raw>\n```\n"
    )
    html = markdown_html(md, shift=1)
    assert "<h2>Title</h2>" in html
    assert "<code>code|x</code>" in html and "<strong>bold</strong>" in html
    assert '<a href="https://x.org">a link</a>' in html
    assert "javascript:" not in html.replace("[bad](javascript:alert(1))", "")
    assert '<a href="javascript' not in html
    assert "<ul><li>one</li><li>two continued</li></ul>" in html
    assert "<ol><li>first</li></ol>" in html
    assert "<td>1 | 2</td><td>&lt;b&gt;3&lt;/b&gt;</td>" in html
    assert "<pre>&lt;raw&gt;</pre>" in html


@pytest.mark.slow
def test_page_of_a_real_build(release: Path) -> None:
    """The page the publish stage writes for a build of raw/."""
    html = (release / "index.html").read_text(encoding="utf-8")
    doc = _parse(html)
    assert doc.srcs == [] and doc.tags.get("script", 0) == 0
    assert set(h[1:] for h in doc.hrefs if h.startswith("#")) <= set(doc.ids)
    docs = pd.read_parquet(release / "documents.parquet")
    assert f"<b>{len(docs)}</b>documents" in html
    assert write_index(release).read_text(encoding="utf-8") == html
