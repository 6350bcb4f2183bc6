"""The face of a release: `index.html`, one self-contained page written into the release folder.

The page says what the dataset is, its version and date, the rows of every table, links to
every file with its size and sha256, the quality card, charts (trade by period, events per
year, most-mentioned institutions) with the facts behind them, the data dictionary and the
release's CHANGES. It loads nothing from the network: styles inline, charts as inline SVG.

`write_index` is a pure function of the folder's contents: the same folder gives the same
bytes (the only date on the page is the release's, from `datapackage.json`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path
from typing import Any, cast

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from pipeline import plots
from pipeline.io import TABLE_NAMES
from pipeline.query import CONTEXT_CHARS, marked_sentence
from pipeline.release import sha256_file

DESCRIPTION = (
    "kzru is an open dataset of Kazakhstan–Russia relations built from news-agency reports "
    "and presidential articles and speeches: numeric facts (trade, investment, companies, "
    "students…), events (visits, talks, summits, agreements…) and the institutions the texts "
    "name. Every fact carries the document and the exact characters it was read from, so any "
    "number can be traced to its words."
)
#: Memory DuckDB may use for the page's queries.
MEMORY_LIMIT = "256MB"
#: Sources listed under the trade chart per point (the same figure in many reports).
SOURCES_PER_POINT = 3
_OPEN, _CLOSE = "\x02", "\x03"  # marks of the quoted words, turned into <mark> after escaping


# --------------------------------------------------------------------------- reading


def _load_json(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _parquet_rows(path: Path) -> int | None:
    try:
        return int(pq.ParquetFile(path).metadata.num_rows)
    except Exception:
        return None


class _Release:
    """Read access to one release folder through an in-memory DuckDB over its Parquet files."""

    def __init__(self, release_dir: Path) -> None:
        self.dir = release_dir
        self.con = duckdb.connect()
        self.con.execute("SET enable_progress_bar = false")
        self.con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")

    def has(self, table: str) -> bool:
        return (self.dir / f"{table}.parquet").exists()

    def df(self, sql: str, *tables: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """Run `sql`, `{table}` placeholders read the Parquet files; empty if a file is missing."""
        if not all(self.has(t) for t in tables):
            return pd.DataFrame()
        paths = {
            t: "read_parquet(" + _sql_str(str(self.dir / f"{t}.parquet")) + ")" for t in tables
        }
        return self.con.execute(sql.format(**paths), list(params)).df()

    def close(self) -> None:
        self.con.close()


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _trade_stats(rel: _Release) -> pd.DataFrame:
    """Trade facts with their document's date, publisher and title, and a window of its text
    around the quote (`win`, starting at document offset `win_offset`) to find the sentence."""
    n = int(CONTEXT_CHARS)
    # the text window only for the sources the page lists: the first sources of the first
    # points (USD, with a period; points in the chart's order), read from the documents
    # that hold them
    sql = (
        "WITH t AS (SELECT stat_id, doc_id, char_start, char_end, quote, value, unit, measure, "
        "period_start, period_end, period_label, row_number() OVER (PARTITION BY measure, unit, "
        "period_start, period_end, value ORDER BY stat_id) AS k, "
        "CASE WHEN unit = 'USD' AND period_start IS NOT NULL AND period_end IS NOT NULL "
        "THEN dense_rank() OVER (PARTITION BY unit = 'USD' AND period_start IS NOT NULL AND "
        "period_end IS NOT NULL ORDER BY period_start, period_end, measure, value) END AS g "
        "FROM {statistics} WHERE measure IN ('trade_turnover', 'exports', 'imports')), "
        "shown AS (SELECT stat_id, doc_id, char_start, char_end FROM t "
        f"WHERE g <= {int(plots.MAX_TRADE_POINTS)} AND k <= {max(int(SOURCES_PER_POINT), 1)}), "
        f"w AS (SELECT s.stat_id, greatest(0, s.char_start - {n}) AS win_offset, "
        f"substr(d.text, greatest(0, s.char_start - {n}) + 1, s.char_end - greatest(0, "
        f"s.char_start - {n}) + {n}) AS win FROM shown s JOIN "
        "(SELECT doc_id, text FROM {documents} WHERE doc_id IN (SELECT doc_id FROM shown)) d "
        "USING (doc_id)) "
        "SELECT t.stat_id, t.doc_id, t.char_start, t.char_end, t.quote, t.value, t.unit, "
        "t.measure, t.period_start, t.period_end, t.period_label, d.published_date, "
        "d.publisher, d.title, w.win_offset, w.win "
        "FROM t LEFT JOIN (SELECT doc_id, published_date, publisher, title FROM {documents}) d "
        "USING (doc_id) LEFT JOIN w USING (stat_id) "
        "ORDER BY t.period_start, t.measure, t.stat_id"
    )
    return rel.df(sql, "statistics", "documents")


def _sentence(src: dict[str, Any]) -> str:
    """The source sentence of a trade fact, quote marked, as HTML."""
    win = src.get("win") if isinstance(src.get("win"), str) else ""
    start, end, offset = int(src["char_start"]), int(src["char_end"]), int(src["win_offset"])
    quote = str(src["quote"])
    if win and win[start - offset : end - offset] == quote:
        return _marked(marked_sentence(str(win), start, end, offset, (_OPEN, _CLOSE)))
    return _marked(_OPEN + quote + _CLOSE)


# --------------------------------------------------------------------------- html helpers


def _e(value: Any) -> str:
    """Escaped text of a cell; missing values as an empty string."""
    if value is None or (not isinstance(value, list | tuple | str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return escape(value.date().isoformat())
    return escape(str(value))


def _marked(text: str) -> str:
    return escape(text).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")


def _table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    cls: str = "",
    row_ids: Sequence[str] | None = None,
    numeric: Sequence[int] = (),
) -> str:
    """An HTML table; cells are already HTML."""
    head = "".join(
        f"<th{' class=num' if i in numeric else ''}>{escape(h)}</th>" for i, h in enumerate(headers)
    )
    body = []
    for k, row in enumerate(rows):
        rid = f' id="{escape(row_ids[k])}"' if row_ids is not None and row_ids[k] else ""
        cells = "".join(
            f"<td{' class=num' if i in numeric else ''}>{c}</td>" for i, c in enumerate(row)
        )
        body.append(f"<tr{rid}>{cells}</tr>")
    cls_attr = f' class="{cls}"' if cls else ""
    return (
        f"<div class=scroll><table{cls_attr}><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _size(n: int | None) -> str:
    if n is None:
        return ""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def _num(n: int | float) -> str:
    return f"{n:,}"


def _p(text: str, cls: str = "") -> str:
    return f'<p class="{cls}">{text}</p>' if cls else f"<p>{text}</p>"


# --------------------------------------------------------------------------- markdown


_MD_INLINE = re.compile(r"(`+)(.+?)\1|\*\*(.+?)\*\*|\[([^\]]+)\]\(([^)\s]+)\)")


def _md_inline(text: str) -> str:
    """Inline Markdown: code spans, bold, links (http(s), relative or #anchors only)."""
    out, pos = [], 0
    for m in _MD_INLINE.finditer(text):
        out.append(escape(text[pos : m.start()]))
        if m.group(1):
            out.append(f"<code>{escape(m.group(2).strip())}</code>")
        elif m.group(3):
            out.append(f"<strong>{_md_inline(m.group(3))}</strong>")
        else:
            url = m.group(5)
            if re.match(r"^(https?:|#|[\w./-]+$)", url):
                out.append(f'<a href="{escape(url)}">{_md_inline(m.group(4))}</a>')
            else:
                out.append(escape(m.group(0)))
        pos = m.end()
    out.append(escape(text[pos:]))
    return "".join(out)


def _md_cells(line: str) -> list[str]:
    line = line.strip()
    line = line[1:] if line.startswith("|") else line
    line = line[:-1] if line.endswith("|") and not line.endswith("\\|") else line
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)]


def markdown_html(md: str, *, shift: int = 1) -> str:
    """A safe subset of Markdown as HTML: headings (shifted by `shift` levels), paragraphs,
    lists, fenced code, pipe tables and inline code, bold and links. Raw HTML stays text."""
    lines = md.replace("\r\n", "\n").split("\n")
    out: list[str] = []
    para: list[str] = []
    items: list[str] = []
    ordered = False

    def flush() -> None:
        nonlocal items
        if para:
            out.append(_p(_md_inline(" ".join(para))))
            para.clear()
        if items:
            tag = "ol" if ordered else "ul"
            out.append(
                f"<{tag}>" + "".join(f"<li>{_md_inline(i)}</li>" for i in items) + f"</{tag}>"
            )
            items = []

    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            block = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("```"):
                block.append(lines[i])
                i += 1
            out.append(f"<pre>{escape(chr(10).join(block))}</pre>")
        elif m := re.match(r"^(#{1,6})\s+(.*?)\s*#*$", stripped):
            flush()
            level = min(6, len(m.group(1)) + shift)
            out.append(f"<h{level}>{_md_inline(m.group(2))}</h{level}>")
        elif (
            stripped.startswith("|")
            and i + 1 < len(lines)
            and re.match(r"^\|?\s*:?-{2,}", lines[i + 1].strip())
        ):
            flush()
            head = _md_cells(stripped)
            body = []
            i += 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                body.append([_md_inline(c) for c in _md_cells(lines[i])])
                i += 1
            out.append(_table(head, body, cls="dict"))
            continue
        elif m := re.match(r"^\s*(?:([-*+])|(\d+)[.)])\s+(.*)$", line):
            if para:
                flush()
            if not items:
                ordered = m.group(2) is not None
            items.append(m.group(3))
        elif not stripped:
            flush()
        elif items and line.startswith((" ", "\t")):
            items[-1] += " " + stripped
        else:
            if items:
                flush()
            para.append(stripped)
        i += 1
    flush()
    return "\n".join(out)


# --------------------------------------------------------------------------- sections


def _resources(rel_dir: Path, package: dict[str, Any]) -> list[dict[str, Any]]:
    """Every data file of the release with rows, bytes and sha256 (from datapackage.json, else
    read from the file itself)."""
    listed = {
        str(r.get("path")): r
        for r in package.get("resources", [])
        if isinstance(r, dict) and isinstance(r.get("path"), str)
    }
    names = [f"{t}.parquet" for t in TABLE_NAMES] + ["kzru.duckdb"]
    names += sorted(p for p in listed if p not in names)
    out = []
    for name in names:
        path = rel_dir / name
        res = listed.get(name, {})
        if not path.exists() and not res:
            continue
        algo, _, digest = str(res.get("hash") or "").rpartition(":")
        if not digest and path.exists():
            algo, digest = "sha256", sha256_file(path)
        rows = _parquet_rows(path) if name.endswith(".parquet") and path.exists() else None
        if rows is None and isinstance(res.get("rows"), int):
            rows = res["rows"]
        size = res.get("bytes") if isinstance(res.get("bytes"), int) else None
        if size is None and path.exists():
            size = path.stat().st_size
        out.append(
            {
                "name": str(res.get("name") or name.rsplit(".", 1)[0]),
                "path": name,
                "rows": rows,
                "bytes": size,
                "algo": algo or "md5",
                "hash": digest,
                "exists": path.exists(),
                "description": str(res.get("description") or ""),
            }
        )
    return out


def _files_section(resources: list[dict[str, Any]], rel_dir: Path) -> str:
    rows, ids = [], []
    for r in resources:
        link = (
            f'<a href="{escape(r["path"])}">{escape(r["path"])}</a>'
            if r["exists"]
            else f"{escape(r['path'])} <em>(missing)</em>"
        )
        rows.append(
            [
                escape(r["name"]),
                "" if r["rows"] is None else _num(r["rows"]),
                link,
                f'<span title="{_num(r["bytes"])} bytes">{_size(r["bytes"])}</span>'
                if r["bytes"] is not None
                else "",
                f"<code class=hash>{escape(r['algo'])}:{escape(r['hash'])}</code>",
            ]
        )
        ids.append(f"file-{r['name']}")
    extras = [
        f'<a href="{n}">{n}</a>'
        for n in ("datapackage.json", "CHANGES.md", "changes.json", "quality.json")
        if (rel_dir / n).exists()
    ]
    more = _p("Also in this folder: " + ", ".join(extras) + ".") if extras else ""
    return (
        _table(["table", "rows", "file", "size", "checksum"], rows, row_ids=ids, numeric=[1])
        + more
        + _p(
            "Check a download with <code>sha256sum FILE</code>; every Parquet file is also a "
            "table of <code>kzru.duckdb</code>."
        )
    )


def _fmt_metric(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return escape(str(value)) if value is not None else "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, int):
        return _num(value)
    return escape(str(value))


def _quality_section(quality: dict[str, Any] | None) -> str:
    """The quality card: scores per table, agreement, counts of errors; whatever keys exist."""
    if not quality:
        return _p(
            "No quality card for this release: <code>kzru evaluate</code> scores a release "
            "against the gold files and writes <code>quality.json</code>.",
            "empty",
        )
    scores = quality.get("tables") or quality.get("totals")
    if not isinstance(scores, dict):
        scores = {
            k: v
            for k, v in quality.items()
            if isinstance(v, dict) and {"precision", "recall", "f1"} & set(v)
        }
    parts = []
    if scores:
        first = ["precision", "recall", "f1"]
        keys = [k for k in first if any(isinstance(v, dict) and k in v for v in scores.values())]
        keys += sorted(
            {
                k
                for v in scores.values()
                if isinstance(v, dict)
                for k, x in v.items()
                if k not in first and isinstance(x, int | float)
            }
        )
        rows = [
            [escape(str(table))]
            + [_fmt_metric(v.get(k)) if isinstance(v, dict) else "" for k in keys]
            for table, v in scores.items()
        ]
        parts.append(_table(["table", *keys], rows, cls="quality", numeric=range(1, len(keys) + 1)))
    agreement = quality.get("agreement")
    if isinstance(agreement, dict) and agreement:
        rows = []
        for table, attrs in agreement.items():
            if not isinstance(attrs, dict):
                continue
            for attr, a in attrs.items():
                if isinstance(a, dict):
                    rate = a.get("rate")
                    rows.append(
                        [
                            escape(f"{table}.{attr}"),
                            _fmt_metric(rate),
                            f"{_fmt_metric(a.get('agree'))} / {_fmt_metric(a.get('total'))}",
                        ]
                    )
        if rows:
            parts.append("<h3>Agreement on matched facts</h3>")
            parts.append(_table(["attribute", "rate", "agree / compared"], rows, numeric=[1, 2]))
    facts = []
    for key in ("gold_file", "gold", "n_documents"):
        if isinstance(quality.get(key), str | int | float):
            facts.append((key.replace("_", " "), _fmt_metric(quality[key])))
    for key in ("missing_documents", "gold_errors", "warnings"):
        if isinstance(quality.get(key), list):
            facts.append((key.replace("_", " "), _num(len(quality[key]))))
    for key in ("false_positives", "false_negatives"):
        if isinstance(quality.get(key), dict):
            counts = ", ".join(
                f"{escape(str(t))}: {len(v)}"
                for t, v in quality[key].items()
                if isinstance(v, list)
            )
            facts.append((key.replace("_", " "), counts))
    if facts:
        parts.append(
            "<dl class=facts>"
            + "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in facts)
            + "</dl>"
        )
    if not parts:
        parts.append(_p("quality.json holds no scores this page knows how to show.", "empty"))
    parts.append(
        _p(
            "Precision: share of the release's facts in the gold files that match a gold "
            "fact; recall: share of gold facts found. Scored on the gold files shipped in "
            'the repository; see <a href="quality.json">quality.json</a> for the errors.',
            "note",
        )
    )
    return "\n".join(parts)


def _figure(fig: plots.Figure, caption: str) -> str:
    notes = "".join(_p(escape(n), "note") for n in fig.notes)
    if fig.svg is None:
        return _p(escape(fig.message or "Nothing to draw."), "empty") + notes
    return f"<figure>{fig.svg}<figcaption>{caption}</figcaption></figure>{notes}"


def _trade_section(stats: pd.DataFrame, figures: Path | None = None) -> str:
    fig = plots.memoized(plots.trade_figure, stats, figures)
    html = _figure(
        fig,
        "Hover over a segment for its quote and id; click it to jump to its row below.",
    )
    if fig.data.empty:
        return html
    rows, ids = [], []
    for n, p in enumerate(fig.data.to_dict("records"), start=1):
        sources = p["sources"]
        for src in sources[:SOURCES_PER_POINT]:
            doc = " · ".join(
                x for x in (_e(src.get("publisher")), _e(src.get("published_date"))) if x
            )
            rows.append(
                [
                    str(n),
                    _e(p["period_label"]),
                    escape(str(p["measure"]).replace("_", " ")),
                    escape(f"{p['value']:,.0f}"),
                    _sentence(src),
                    f"<code>{escape(src['stat_id'])}</code>",
                    f"{doc}<br><code>{escape(src['doc_id'])}</code>",
                ]
            )
            ids.append(src["stat_id"])
        if int(p["n_sources"]) > SOURCES_PER_POINT:
            more = int(p["n_sources"]) - SOURCES_PER_POINT
            sql = (
                "SELECT stat_id, doc_id, quote FROM statistics WHERE unit = 'USD' AND measure = "
                f"'{p['measure']}' AND period_start = '{_e(p['period_start'])}' AND "
                f"period_end = '{_e(p['period_end'])}' AND value = {p['value']!r}"
            )
            note = f'… and {more} more: <code>kzru query "{escape(sql)}"</code>'
            rows.append([str(n), "", "", "", note, "", ""])
            ids.append("")
    return html + _table(
        ["#", "period", "measure", "value (USD)", "source sentence", "stat_id", "document"],
        rows,
        cls="trade",
        row_ids=ids,
        numeric=[0, 3],
    )


def _events_section(events: pd.DataFrame, figures: Path | None = None) -> str:
    fig = plots.memoized(plots.events_figure, events, figures)
    html = _figure(fig, "Year of each event's first possible day (date_start); hover for counts.")
    table = fig.data
    if table.empty:
        return html
    headers = ["year", *(str(c).replace("_", " ") for c in table.columns), "total"]
    rows = [
        [escape(str(year)), *(_num(int(v)) for v in counts), _num(int(sum(counts)))]
        for year, counts in zip(table.index, table.to_numpy().tolist(), strict=True)
        if sum(counts)  # years without events are in the chart, not in the table
    ]
    return html + _table(headers, rows, cls="events", numeric=range(1, len(headers)))


def _institutions_section(institutions: pd.DataFrame, figures: Path | None = None) -> str:
    fig = plots.memoized(plots.institutions_figure, institutions, figures)
    html = _figure(fig, "Click a bar for its row; <code>kzru show ID</code> lists its mentions.")
    if fig.data.empty:
        return html
    rows, ids = [], []
    for n, r in enumerate(fig.data.to_dict("records"), start=1):
        rows.append(
            [
                str(n),
                _e(r["name"]),
                _e(r["acronym"]),
                _e(r["kind"]),
                _e(r["country"]),
                _num(int(r["n_mentions"])),
                _num(int(r["n_documents"])),
                f"<code>{_e(r['institution_id'])}</code>",
            ]
        )
        ids.append(f"inst-{r['institution_id']}")
    headers = ["#", "name", "acronym", "kind", "country", "mentions", "documents", "id"]
    return html + _table(headers, rows, cls="institutions", row_ids=ids, numeric=[0, 5, 6])


def _dictionary_section(package: dict[str, Any], dictionary_md: str | None) -> str:
    if dictionary_md:
        return markdown_html(dictionary_md, shift=2)
    parts = []
    for res in package.get("resources", []):
        fields = (res.get("schema") or {}).get("fields") if isinstance(res, dict) else None
        if not isinstance(fields, list) or not fields:
            continue
        parts.append(f"<h3>{escape(str(res.get('name')))}</h3>")
        if res.get("description"):
            parts.append(_p(escape(str(res["description"]))))
        rows = [
            [
                f"<code>{_e(f.get('name'))}</code>",
                _e(f.get("type")),
                "no" if (f.get("constraints") or {}).get("required") else "yes",
                _md_inline(str(f.get("description") or "")),
            ]
            for f in fields
            if isinstance(f, dict)
        ]
        parts.append(_table(["column", "type", "null", "meaning"], rows, cls="dict"))
    if not parts:
        return _p("No data dictionary in this release's datapackage.json.", "empty")
    return "\n".join(parts)


def _usage_section(stats: pd.DataFrame) -> str:
    example = str(stats["stat_id"].iloc[0]) if not stats.empty else "st_…"
    cmds = [
        'kzru query "SELECT period_label, measure, value, quote FROM statistics '
        "WHERE measure = 'trade_turnover' ORDER BY period_start\"",
        'kzru query --format csv "SELECT * FROM events" > events.csv',
        f"kzru show {example}",
        "duckdb kzru.duckdb -readonly",
        "python -c \"import pandas as pd; print(pd.read_parquet('statistics.parquet'))\"",
    ]
    return (
        "<pre>"
        + escape("\n".join(cmds))
        + "</pre>"
        + _p(
            "<code>kzru show ID</code> prints a fact with its document, date, publisher and "
            "the sentence it comes from, the quoted words marked. In every fact table "
            "<code>documents.text[char_start:char_end] == quote</code> (Python string "
            "indices)."
        )
    )


_CSS = """
:root{--fg:#1d232a;--mute:#5b6570;--line:#d9dee3;--bg:#fff;--accent:#0b5fa5;--soft:#f4f6f8}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
color:var(--fg);background:var(--bg)}
header,main,footer{max-width:1120px;margin:0 auto;padding:0 20px}
header{padding-top:28px;border-bottom:1px solid var(--line)}
h1{margin:0 0 4px;font-size:28px} h2{margin-top:40px;border-bottom:1px solid var(--line);
padding-bottom:4px} h3{margin-top:24px}
.meta{color:var(--mute);margin:0 0 12px} nav{margin:12px 0 16px}
nav a{margin-right:14px;white-space:nowrap}
a{color:var(--accent)} code,pre{font:13px/1.4 ui-monospace,"DejaVu Sans Mono",monospace}
pre{background:var(--soft);padding:10px 12px;overflow-x:auto;border-radius:4px}
.scroll{overflow-x:auto;margin:10px 0}
table{border-collapse:collapse;font-size:14px;min-width:40%}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600} td.num,th.num{text-align:right;
font-variant-numeric:tabular-nums}
tr:target{background:#fff3c4} mark{background:#ffe38a;padding:0 1px}
code.hash{font-size:11px;word-break:break-all}
figure{margin:16px 0} svg.chart{width:100%;max-width:880px;height:auto;display:block}
figcaption,.note{color:var(--mute);font-size:13px}
.empty{padding:12px 14px;background:var(--soft);border-left:4px solid var(--line)}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:2px 16px}
dl.facts dt{color:var(--mute)} dl.facts dd{margin:0}
.summary{display:flex;flex-wrap:wrap;gap:10px;margin:14px 0}
.summary div{background:var(--soft);padding:8px 14px;border-radius:4px}
.summary b{display:block;font-size:20px}
table.trade td:nth-child(5){min-width:320px}
footer{color:var(--mute);font-size:13px;padding:30px 20px}
"""


def render_index(
    release_dir: Path,
    *,
    quality: dict[str, Any] | None = None,
    dictionary_md: str | None = None,
    figures: Path | None = None,
) -> str:
    """The HTML of the release's page (see `write_index`; `figures`: see `plots.memoized`)."""
    release_dir = Path(release_dir)
    package = _load_json(release_dir / "datapackage.json") or {}
    if quality is None:
        quality = _load_json(release_dir / "quality.json")
    version = str(package.get("version") or release_dir.name)
    created = str(package.get("created") or "")
    released = created[:10] if re.match(r"^\d{4}-\d{2}-\d{2}", created) else ""
    title = str(package.get("title") or "kzru: Kazakhstan–Russia relations")
    description = str(package.get("description") or DESCRIPTION)

    rel = _Release(release_dir)
    try:
        stats = _trade_stats(rel)
        events = rel.df(
            "SELECT event_type, CAST(date_trunc('year', date_start) AS DATE) AS date_start, "
            "count(*) AS n FROM {events} GROUP BY ALL ORDER BY ALL",
            "events",
        )
        institutions = rel.df(
            "SELECT institution_id, name, acronym, kind, country, n_mentions, n_documents "
            "FROM {institutions} ORDER BY institution_id",
            "institutions",
        )
        docs = rel.df(
            "SELECT count(*) AS n, min(published_date) AS first, max(published_date) AS last "
            "FROM {documents}",
            "documents",
        )
        publishers = rel.df(
            "SELECT publisher, count(*) AS n FROM {documents} WHERE publisher IS NOT NULL "
            "GROUP BY publisher ORDER BY n DESC, publisher LIMIT 8",
            "documents",
        )
    finally:
        rel.close()

    resources = _resources(release_dir, package)
    counts = {r["name"]: r["rows"] for r in resources}
    summary = "".join(
        f"<div><b>{_num(counts[t]) if counts.get(t) is not None else '–'}</b>"
        f"{escape(t.replace('_', ' '))}</div>"
        for t in TABLE_NAMES
        if t in counts
    )
    span = ""
    if not docs.empty and int(cast(int, docs["n"].iloc[0])) > 0:
        span = f"Documents published from {_e(docs['first'].iloc[0])} to {_e(docs['last'].iloc[0])}"
        if not publishers.empty:
            span += "; publishers: " + ", ".join(
                f"{_e(name)} ({_num(int(n))})"
                for name, n in zip(publishers["publisher"], publishers["n"], strict=True)
            )
        span += "."
    licenses = ", ".join(
        f'<a href="{escape(str(lic["path"]))}">{escape(str(lic.get("name") or lic["path"]))}</a>'
        if isinstance(lic, dict) and lic.get("path")
        else escape(str(lic.get("name") if isinstance(lic, dict) else lic))
        for lic in package.get("licenses", [])
    )
    sources = ", ".join(
        escape(str(s.get("title") or s.get("path") or ""))
        if isinstance(s, dict)
        else escape(str(s))
        for s in package.get("sources", [])
    )
    meta = [f"Version <strong>{escape(version)}</strong>"]
    if released:
        meta.append(f"released {escape(released)}")
    if licenses:
        meta.append(f"data licence {licenses}")
    changes_path = release_dir / "CHANGES.md"
    changes = (
        markdown_html(changes_path.read_text(encoding="utf-8"), shift=2)
        if changes_path.exists()
        else _p("No CHANGES.md in this release.", "empty")
    )
    sections = [
        ("files", "Files", _files_section(resources, release_dir)),
        ("quality", "Quality", _quality_section(quality)),
        ("trade", "Trade by period", _trade_section(stats, figures)),
        ("events", "Events per year", _events_section(events, figures)),
        ("institutions", "Institutions", _institutions_section(institutions, figures)),
        ("use", "Query it", _usage_section(stats)),
        ("dictionary", "Data dictionary", _dictionary_section(package, dictionary_md)),
        ("changes", "Changes", changes),
    ]
    nav = "".join(f'<a href="#{sid}">{escape(name)}</a>' for sid, name, _ in sections)
    body = "\n".join(
        f'<section id="{sid}"><h2>{escape(name)}</h2>\n{html}\n</section>'
        for sid, name, html in sections
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} {escape(version)}</title>
<style>{_CSS}</style>
</head>
<body>
<header>
<h1>{escape(title)}</h1>
<p class="meta">{" · ".join(meta)}</p>
<p>{escape(description)}</p>
<p class="meta">{span}{" Sources: " + sources + "." if sources else ""}</p>
<div class="summary">{summary}</div>
<nav>{nav}</nav>
</header>
<main>
{body}
</main>
<footer>kzru release {escape(version)}. This page is self-contained: it opens offline.</footer>
</body>
</html>
"""


def write_index(
    release_dir: Path,
    *,
    quality: dict[str, Any] | None = None,
    dictionary_md: str | None = None,
    figures: Path | None = None,
) -> Path:
    """Write release_dir/index.html from the files in release_dir and return its path.

    Reads the Parquet tables, `datapackage.json` (version, date, sizes, checksums),
    `CHANGES.md` and `quality.json` (unless `quality` is given). The same folder gives
    byte-identical HTML. With `figures`, a folder where charts are kept by their data, a
    chart whose data did not change since the last page is not drawn again.
    """
    path = Path(release_dir) / "index.html"
    html = render_index(
        Path(release_dir), quality=quality, dictionary_md=dictionary_md, figures=figures
    )
    path.write_text(html, encoding="utf-8")
    return path
