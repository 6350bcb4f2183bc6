"""`kzru query` and `kzru show`: SQL on a release, and any fact back to its words.

`run_query(sql, release_dir, fmt)` runs SQL on the release's `kzru.duckdb` (read-only) and
renders the result as a readable fixed-width table or as CSV, JSON or Parquet for machines.
`show(fact_id, release_dir)` prints a fact's columns, its document and the sentence the
fact comes from with the quoted words marked `[[like this]]`. Text results carry no final
newline: the command line prints them.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from pipeline import sentences

FORMATS = ("table", "csv", "json", "parquet")
#: Marks around the quoted words in `show` output: plain ASCII, reads in a terminal and a log.
MARK_OPEN, MARK_CLOSE = "[[", "]]"
#: Characters of text fetched either side of a span to find its sentence.
CONTEXT_CHARS = 600

# The file's ` date YYYY-MM-DD ` header: never part of a sentence.
_HEADER = re.compile(r"^\s*date \d{4}-\d{2}-\d{2} ")


class QueryError(ValueError):
    """SQL that DuckDB refused, with its message."""


class UnknownIdError(KeyError):
    """No fact with this id in the release."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "unknown id"


# --------------------------------------------------------------------------- sentences


def sentence_bounds(text: str, start: int, end: int, offset: int = 0) -> tuple[int, int]:
    """Bounds of the sentence(s) holding the span `[start, end)`, as offsets into the document.

    `text` is the document's text from `offset` on (a window, or the whole text with
    `offset=0`); `start` and `end` are offsets into the whole document. Sentences are those of
    `pipeline.sentences.split` within the span's paragraph; the file's ` date YYYY-MM-DD `
    header is left out.
    """
    s, e = start - offset, end - offset
    lo = text.rfind("\n", 0, s) + 1
    header = _HEADER.match(text) if offset == 0 else None
    if header and lo < header.end() <= s:
        lo = header.end()
    hi = text.find("\n", e)
    hi = len(text) if hi < 0 else hi
    spans = sentences.split(text, lo, hi)
    first = min([a for a, b in spans if b > s] + [s])
    last = max([b for a, b in spans if a < e] + [e])
    return first + offset, last + offset


def marked_sentence(
    text: str,
    start: int,
    end: int,
    offset: int = 0,
    marks: tuple[str, str] = (MARK_OPEN, MARK_CLOSE),
) -> str:
    """The sentence around the span with the span's words between `marks`."""
    lo, hi = sentence_bounds(text, start, end, offset)
    piece = text[lo - offset : hi - offset]
    s, e = start - lo, end - lo
    out = piece[:s] + marks[0] + piece[s:e] + marks[1] + piece[e:]
    return " ".join(out.split())


# --------------------------------------------------------------------------- query


def _connect(release_dir: Path) -> duckdb.DuckDBPyConnection:
    db = release_dir / "kzru.duckdb"
    if not db.exists():
        raise FileNotFoundError(f"No kzru.duckdb in {release_dir}: is this a kzru release?")
    return duckdb.connect(str(db), read_only=True)


def _plain(value: Any) -> Any:
    """A cell as a JSON-able Python value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return value.hex()
    return value


def _cell(value: Any, width: int) -> str:
    """A cell for the human table: one line, at most `width` characters."""
    if value is None:
        text = "NULL"
    elif isinstance(value, bool):
        text = str(value).lower()
    elif isinstance(value, float):
        text = f"{value:,.4f}".rstrip("0").rstrip(".") if abs(value) < 1e18 else repr(value)
    elif isinstance(value, list | tuple):
        text = "[" + ", ".join(_cell(v, width) for v in value) + "]"
    else:
        text = str(_plain(value))
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _one_line(exc: Exception) -> str:
    """DuckDB's message without the caret lines that point into the SQL."""
    lines = [ln for ln in str(exc).splitlines() if not re.match(r"\s*(LINE \d+:|\^)", ln)]
    return " ".join(" ".join(lines).split())


def format_table(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    total: int,
    *,
    max_width: int = 40,
) -> str:
    """Fixed-width table with a header, a rule and a row-count line."""
    rows = list(rows)
    cells = [[_cell(v, max_width) for v in row] for row in rows]
    numeric = [
        bool(rows)
        and all(
            isinstance(r[i], int | float | Decimal) and not isinstance(r[i], bool)
            for r in rows
            if r[i] is not None
        )
        for i in range(len(columns))
    ]
    widths = [max([len(c[:max_width])] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    out = [line([c[:max_width] for c in columns]), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells]
    shown = f", first {len(rows):,} shown" if total > len(rows) else ""
    out.append(f"({total:,} row{'s' if total != 1 else ''}{shown})")
    return "\n".join(out)


def run_query(
    sql: str, release_dir: Path, fmt: str = "table", *, max_rows: int = 100
) -> str | bytes:
    """Run `sql` on the release's DuckDB file and render the result.

    `fmt`: `table` (readable, first `max_rows` rows and the row count), `csv`, `json` (an array
    of objects, one per line) or `parquet` (bytes). Raises `QueryError` for SQL DuckDB refuses.
    """
    if fmt not in FORMATS:
        raise ValueError(f"Unknown format {fmt!r}: use one of {', '.join(FORMATS)}.")
    with _connect(release_dir) as con:
        try:
            if fmt == "parquet":
                rel = con.sql(sql)
                buf = io.BytesIO()
                if rel is not None:
                    pq.write_table(rel.to_arrow_table(), buf)
                return buf.getvalue()
            cur = con.execute(sql)
            columns = [d[0] for d in cur.description or ()]
            if fmt == "table":
                head = cur.fetchmany(max_rows)
                total = len(head)
                while batch := cur.fetchmany(10_000):
                    total += len(batch)
                return format_table(columns, head, total)
            rows = cur.fetchall()
        except duckdb.Error as exc:
            raise QueryError(f"SQL error: {_one_line(exc)}") from exc
    if fmt == "json":
        records = [
            json.dumps(dict(zip(columns, map(_plain, row), strict=True)), ensure_ascii=False)
            for row in rows
        ]
        return "[\n" + ",\n".join(records) + "\n]" if records else "[]"
    buf_s = io.StringIO()
    writer = csv.writer(buf_s, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(
            [
                ""
                if v is None
                else json.dumps(_plain(v), ensure_ascii=False)
                if isinstance(v, list | tuple | dict)
                else _plain(v)
                for v in row
            ]
        )
    return buf_s.getvalue().removesuffix("\n")


# --------------------------------------------------------------------------- show

_FACT_TABLES = (
    ("st_", "statistics", "stat_id"),
    ("ev_", "events", "event_id"),
    ("im_", "institution_mentions", "mention_id"),
)


def _fetch_one(
    con: duckdb.DuckDBPyConnection, table: str, key: str, value: str
) -> dict[str, Any] | None:
    cur = con.execute(f"SELECT * FROM {table} WHERE {key} = ?", [value])
    row = cur.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cur.description], row, strict=True))


def _block(title: str, fields: dict[str, Any], width: int = 80) -> list[str]:
    pad = max((len(k) for k in fields), default=0)
    lines = [title]
    for key, value in fields.items():
        text = _cell(value, width) if not isinstance(value, str) else " ".join(value.split())
        lines.append(f"  {key.ljust(pad)}  {text}")
    return lines


def _provenance(con: duckdb.DuckDBPyConnection, fact: dict[str, Any]) -> list[str]:
    """The fact's document and its sentence, quoted words marked."""
    start, end = int(fact["char_start"]), int(fact["char_end"])
    offset = max(0, start - CONTEXT_CHARS)
    row = con.execute(
        "SELECT doc_id, published_date, publisher, title, source_path, "
        "substr(text, ?, ?) FROM documents WHERE doc_id = ?",
        [offset + 1, end - offset + CONTEXT_CHARS, fact["doc_id"]],
    ).fetchone()
    if row is None:
        return [f"document {fact['doc_id']}: not in this release's documents table"]
    doc_id, published, publisher, title, source_path, window = row
    lines = _block(
        f"document {doc_id}",
        {
            "date": published,
            "publisher": publisher,
            "title": title,
            "source": source_path,
        },
    )
    quote = window[start - offset : end - offset]
    lines.append(f"sentence (characters {start}-{end})")
    lines.append("  " + marked_sentence(window, start, end, offset))
    if quote != fact["quote"]:
        lines.append(f"  warning: the text at this span is {quote!r}, not the quote")
    return lines


def show(fact_id: str, release_dir: Path, *, max_mentions: int = 20) -> str:
    """A fact with its document, date, publisher and marked sentence, as text.

    Ids: `st_…` statistics, `ev_…` events, `im_…` institution mentions; any other id is looked
    up as an `institution_id`, shown with its mentions (the first `max_mentions`).
    Raises `UnknownIdError` (a `KeyError`) when no table has the id.
    """
    fact_id = fact_id.strip()
    with _connect(release_dir) as con:
        for prefix, table, key in _FACT_TABLES:
            if fact_id.startswith(prefix):
                fact = _fetch_one(con, table, key, fact_id)
                if fact is not None:
                    lines = _block(f"{table} {fact_id}", fact)
                    return "\n".join([*lines, "", *_provenance(con, fact)])
        inst = _fetch_one(con, "institutions", "institution_id", fact_id)
        if inst is None:
            raise UnknownIdError(
                f"No fact with id {fact_id!r} in the release at {release_dir}: ids look like "
                "st_<16 hex> (statistics), ev_<16 hex> (events), im_<16 hex> (institution "
                "mentions) or an institution_id such as `eaeu`."
            )
        lines = _block(f"institutions {fact_id}", inst)
        cur = con.execute(
            "SELECT m.* FROM institution_mentions m JOIN documents d USING (doc_id) "
            "WHERE m.institution_id = ? ORDER BY d.published_date, m.doc_id, m.char_start",
            [fact_id],
        )
        names = [d[0] for d in cur.description]
        mentions = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        lines += ["", f"{len(mentions)} mention{'s' if len(mentions) != 1 else ''}"]
        for mention in mentions[:max_mentions]:
            lines += ["", f"mention {mention['mention_id']}", *_provenance(con, mention)]
        if len(mentions) > max_mentions:
            lines += [
                "",
                f'... {len(mentions) - max_mentions} more: kzru query "SELECT * FROM '
                f"institution_mentions WHERE institution_id = '{fact_id}'\"",
            ]
    return "\n".join(lines)
