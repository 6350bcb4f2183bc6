"""A small, valid synthetic kzru release, built in a temporary folder for tests.

`make_release(root)` writes `root/releases/<version>/` with all six Parquet tables (the columns,
order and types of `schemas.TABLES`), `kzru.duckdb` made from them, a Frictionless
`datapackage.json` and `CHANGES.md`, and the relative symlink `root/latest`. The texts are
written for the tests in the genre's style; every fact row obeys the provenance rule.
`make_release(root, empty=True)` writes the same layout with no facts at all.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

import schemas
from schemas.generate import arrow_schema, describe, frictionless_schema

VERSION = "2026.11.21"

# doc key -> (published_date, title, dateline, publisher, text after the header)
_DOCS: dict[str, tuple[date, str | None, str | None, str | None, str]] = {
    "a": (
        date(2023, 2, 14),
        "Kazakh-Russian trade: turnover <grew> & exports rose",
        "ASTANA",
        "Kazinform",
        "ASTANA. KAZINFORM Trade turnover between Kazakhstan and Russia totalled $26.1 billion "
        "in 2022, the Ministry of Trade and Integration reported. Kazakh exports to Russia "
        "reached $8.8 billion over the year. Imports from Russia amounted to $17.3 billion.\n"
        "Prime ministers of the two countries held talks in Almaty on February 13. "
        "Dr. Ivanov of Al-Farabi Kazakh National University said the figures were "
        "encouraging.\n",
    ),
    "b": (
        date(2024, 6, 2),
        "Head of State receives Russian delegation",
        None,
        "Akorda.kz",
        "The Head of State received a delegation of the State Duma in the Akorda on Sunday. "
        "Last year mutual trade stood at 27.5 billion US dollars, while in 2022 Russian "
        "investment reached 1.2 trillion rubles. The sides discussed the agenda of the "
        "Eurasian Economic Union. A forum of interregional cooperation will be held in "
        "Omsk in September. Within the EAEU, the parties agreed to expand cooperation.\n",
    ),
    "c": (
        date(2021, 11, 9),
        None,
        "MOSCOW",
        None,
        "MOSCOW. Kazakhstan and Russia signed an agreement on cross-border rivers on "
        "Tuesday. In the first half of 2021 trade turnover grew to $11.5 billion. "
        "A phone call between the two presidents took place in October. "
        "Days of Kazakh culture were held in Kazan in 2021. The CIS summit is expected "
        "soon.\n",
    ),
}


def _doc_id(key: str) -> str:
    return hashlib.sha256(f"doc-{key}".encode()).hexdigest()[:16]


def _text(key: str) -> str:
    published, *_rest, body = _DOCS[key]
    return f" date {published.isoformat()} {body}"


def _span(key: str, quote: str) -> tuple[str, int, int, str]:
    text = _text(key)
    start = text.index(quote)
    return _doc_id(key), start, start + len(quote), quote


def _hid(prefix: str, *parts: object) -> str:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:16]
    return f"{prefix}_{digest}"


def _documents() -> list[dict[str, Any]]:
    rows = []
    for i, (key, (published, title, dateline, publisher, _body)) in enumerate(_DOCS.items()):
        text = _text(key)
        raw = text.encode()
        rows.append(
            {
                "doc_id": _doc_id(key),
                "source_path": f"{i:03d}_{_doc_id(key)}.txt",
                "published_date": published,
                "title": title,
                "dateline": dateline,
                "publisher": publisher,
                "text": text,
                "sha256": hashlib.sha256(raw).hexdigest(),
                "n_chars": len(text),
            }
        )
    return rows


_STATS = [
    # doc, quote, value, unit, measure, period_start, period_end, label, from, to
    ("a", "$26.1 billion", 26.1e9, "USD", "trade_turnover", "2022-01-01", "2022-12-31", "2022"),
    ("a", "$8.8 billion", 8.8e9, "USD", "exports", "2022-01-01", "2022-12-31", "2022"),
    ("a", "$17.3 billion", 17.3e9, "USD", "imports", "2022-01-01", "2022-12-31", "2022"),
    (
        "b",
        "27.5 billion US dollars",
        27.5e9,
        "USD",
        "trade_turnover",
        "2023-01-01",
        "2023-12-31",
        "2023",
    ),
    ("b", "1.2 trillion rubles", 1.2e12, "RUB", "investment", "2022-01-01", "2022-12-31", "2022"),
    ("c", "$11.5 billion", 11.5e9, "USD", "trade_turnover", "2021-01-01", "2021-06-30", "2021-H1"),
]


def _statistics() -> list[dict[str, Any]]:
    rows = []
    for key, quote, value, unit, measure, start, end, label in _STATS:
        doc_id, cs, ce, q = _span(key, quote)
        flows = {"exports": ("KAZ", "RUS"), "imports": ("RUS", "KAZ"), "investment": ("RUS", "KAZ")}
        src, dst = flows.get(measure, (None, None))
        rows.append(
            {
                "stat_id": _hid("st", doc_id, cs, ce, value),
                "doc_id": doc_id,
                "char_start": cs,
                "char_end": ce,
                "quote": q,
                "value": value,
                "unit": unit,
                "qualifier": "exact",
                "measure": measure,
                "subject": None,
                "period_start": date.fromisoformat(start),
                "period_end": date.fromisoformat(end),
                "period_label": label,
                "from_country": src,
                "to_country": dst,
                "extractor": "statistics/money@1.0",
                "confidence": 0.9,
            }
        )
    return rows


_EVENTS = [
    # doc, quote, type, date_start, date_end, precision, date_text, status, location, who
    (
        "a",
        "held talks",
        "talks",
        "2023-02-13",
        "2023-02-13",
        "day",
        "on February 13",
        "past",
        "Almaty",
        ["Kazakhstan", "Russia"],
    ),
    (
        "b",
        "received a delegation",
        "visit",
        "2024-06-02",
        "2024-06-02",
        "day",
        "on Sunday",
        "past",
        "Astana",
        ["State Duma"],
    ),
    (
        "b",
        "A forum of interregional cooperation",
        "forum",
        "2024-09-01",
        "2024-09-30",
        "month",
        "in September",
        "planned",
        "Omsk",
        ["Kazakhstan", "Russia"],
    ),
    (
        "c",
        "signed an agreement",
        "agreement_signing",
        "2021-11-09",
        "2021-11-09",
        "day",
        "on Tuesday",
        "past",
        "Moscow",
        ["Kazakhstan", "Russia"],
    ),
    (
        "c",
        "A phone call",
        "phone_call",
        "2021-10-01",
        "2021-10-31",
        "month",
        "in October",
        "past",
        None,
        [],
    ),
    (
        "c",
        "Days of Kazakh culture",
        "cultural_event",
        "2021-01-01",
        "2021-12-31",
        "year",
        "in 2021",
        "past",
        "Kazan",
        [],
    ),
    ("c", "The CIS summit", "summit", None, None, "unknown", None, "planned", None, ["CIS"]),
]


_COUNTRY_OF_PLACE = {
    "Almaty": "KAZ",
    "Astana": "KAZ",
    "Omsk": "RUS",
    "Moscow": "RUS",
    "Kazan": "RUS",
}


def _events() -> list[dict[str, Any]]:
    rows = []
    for key, quote, etype, start, end, precision, dtext, status, loc, who in _EVENTS:
        doc_id, cs, ce, q = _span(key, quote)
        rows.append(
            {
                "event_id": _hid("ev", doc_id, cs, ce, etype),
                "doc_id": doc_id,
                "char_start": cs,
                "char_end": ce,
                "quote": q,
                "event_type": etype,
                "cameo_code": {"visit": "042", "agreement_signing": "057"}.get(etype),
                "date_start": date.fromisoformat(start) if start else None,
                "date_end": date.fromisoformat(end) if end else None,
                "date_precision": precision,
                "date_text": dtext,
                "status": status,
                "location": loc,
                "location_country": _COUNTRY_OF_PLACE.get(loc) if loc else None,
                "latitude": None,
                "longitude": None,
                "participants": who,
                "extractor": "events/rules@1.0",
                "confidence": 0.8,
            }
        )
    return rows


_INSTITUTIONS = [
    # id, name, acronym, kind, country, wikidata, source, [(doc, quote)]
    (
        "eaeu",
        "Eurasian Economic Union",
        "EAEU",
        "intergovernmental",
        None,
        "Q4173083",
        "registry",
        [("b", "Eurasian Economic Union"), ("b", "EAEU")],
    ),
    ("kazinform", "Kazinform", None, "media", "KAZ", None, "registry", [("a", "KAZINFORM")]),
    (
        "ministry-of-trade-and-integration-kaz",
        "Ministry of Trade and Integration",
        None,
        "government",
        "KAZ",
        None,
        "registry",
        [("a", "Ministry of Trade and Integration")],
    ),
    (
        "al-farabi-kazakh-national-university",
        "Al-Farabi Kazakh National University",
        None,
        "university",
        "KAZ",
        None,
        "discovered",
        [("a", "Al-Farabi Kazakh National University")],
    ),
    (
        "state-duma",
        "State Duma",
        None,
        "legislature",
        "RUS",
        None,
        "registry",
        [("b", "State Duma")],
    ),
    (
        "cis",
        "Commonwealth of Independent States",
        "CIS",
        "intergovernmental",
        None,
        None,
        "registry",
        [("c", "CIS")],
    ),
]


def _institutions() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    insts, mentions = [], []
    for iid, name, acronym, kind, country, qid, source, spans in _INSTITUTIONS:
        quotes = set()
        for key, quote in spans:
            doc_id, cs, ce, q = _span(key, quote)
            quotes.add(q)
            mentions.append(
                {
                    "mention_id": _hid("im", doc_id, cs, ce),
                    "institution_id": iid,
                    "doc_id": doc_id,
                    "char_start": cs,
                    "char_end": ce,
                    "quote": q,
                    "extractor": "institutions/registry@1.0",
                    "confidence": 0.95,
                }
            )
        insts.append(
            {
                "institution_id": iid,
                "name": name,
                "acronym": acronym,
                "kind": kind,
                "country": country,
                "wikidata_id": qid,
                "parent_id": None,
                "source": source,
                "aliases": sorted(quotes),
                "n_mentions": len(spans),
                "n_documents": len({k for k, _ in spans}),
            }
        )
    return insts, mentions


_REJECTED = [
    {"source_path": "009_empty.txt", "reason": "The file is empty.", "detail": None},
]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_release(
    root: Path,
    *,
    version: str = VERSION,
    empty: bool = False,
    quality: dict[str, Any] | None = None,
) -> Path:
    """Write a synthetic release under `root/releases/<version>/` and return that folder."""
    rel = root / "releases" / version
    rel.mkdir(parents=True)
    insts, mentions = _institutions()
    tables: dict[str, list[dict[str, Any]]] = {
        "documents": _documents(),
        "statistics": _statistics(),
        "events": _events(),
        "institutions": insts,
        "institution_mentions": mentions,
        "rejected": list(_REJECTED),
    }
    if empty:
        tables = {name: [] for name in tables}
    for name in schemas.TABLES:
        schema = arrow_schema(schemas.TABLES[name])
        tbl = pa.Table.from_pylist(tables[name], schema=schema)
        pq.write_table(tbl, rel / f"{name}.parquet")

    con = duckdb.connect(str(rel / "kzru.duckdb"))
    for name in schemas.TABLES:
        con.execute(
            f"CREATE TABLE {name} AS SELECT * FROM read_parquet(?)", [str(rel / f"{name}.parquet")]
        )
    con.execute(
        "CREATE VIEW trade AS SELECT * FROM statistics "
        "WHERE measure IN ('trade_turnover', 'exports', 'imports')"
    )
    con.close()

    (rel / "CHANGES.md").write_text(
        f"# Changes in {version}\n\n"
        "First release.\n\n"
        "- statistics: 6 rows added\n"
        "- events: 7 rows added\n"
        "- `<script>` tags in this file stay text\n",
        encoding="utf-8",
    )
    if quality is not None:
        (rel / "quality.json").write_text(json.dumps(quality, indent=2), encoding="utf-8")

    resources = []
    for name in schemas.TABLES:
        path = rel / f"{name}.parquet"
        resources.append(
            {
                "name": name,
                "path": path.name,
                "format": "parquet",
                "bytes": path.stat().st_size,
                "hash": f"sha256:{_sha256(path)}",
                "rows": len(tables[name]),
                "description": describe(schemas.TABLES[name]),
                "schema": frictionless_schema(schemas.TABLES[name]),
            }
        )
    db = rel / "kzru.duckdb"
    resources.append(
        {
            "name": "kzru-duckdb",
            "path": db.name,
            "format": "duckdb",
            "bytes": db.stat().st_size,
            "hash": f"sha256:{_sha256(db)}",
        }
    )
    package = {
        "name": "kzru",
        "title": "kzru: Kazakhstan-Russia relations",
        "version": version,
        "created": "2026-11-21T00:00:00Z",
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "sources": [{"title": "News-agency reports and presidential texts"}],
        "resources": resources,
    }
    (rel / "datapackage.json").write_text(json.dumps(package, indent=2), encoding="utf-8")
    latest = root / "latest"
    if latest.is_symlink():
        latest.unlink()
    os.symlink(os.path.relpath(rel, root), latest)
    return rel


def validate(rel: Path) -> None:
    """Check the release against the pandera models and the provenance rule (for tests)."""
    import pandas as pd

    docs = pd.read_parquet(rel / "documents.parquet")
    texts = dict(zip(docs["doc_id"], docs["text"], strict=True))
    for name, model in schemas.TABLES.items():
        df = pd.read_parquet(rel / f"{name}.parquet")
        model.validate(df)
        if name in schemas.FACT_TABLES:
            for row in df.itertuples():
                assert texts[row.doc_id][row.char_start : row.char_end] == row.quote
