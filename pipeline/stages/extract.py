"""Extract: run every registered extractor on every document; add doc ids and stable ids.

Writes `statistics.parquet`, `events.parquet`, `institution_mentions.parquet` and
`institutions.parquet` (one record per organisation, aggregated from the mentions).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

import schemas
from pipeline.cache import ResultCache
from pipeline.document import Document
from pipeline.executors import batched, map_batches
from pipeline.extractors import EXTRACTORS
from pipeline.ids import fact_id
from pipeline.io import read_table, write_table
from pipeline.stages.parse import read_sentences

log = logging.getLogger(__name__)

Rows = dict[str, list[dict[str, Any]]]
FACT_TABLES = schemas.FACT_TABLES
#: Columns of a mention row that describe the institution, not the mention.
INSTITUTION_ATTRS = ("name", "acronym", "kind", "country", "wikidata_id", "parent_id", "source")
ID_COLUMNS = {"statistics": "stat_id", "events": "event_id", "institution_mentions": "mention_id"}
#: What tells apart rows that share one span, per table (their rank among such rows).
RANK_KEYS = {
    "statistics": ("value", "unit", "qualifier"),
    "events": ("event_type",),
    "institution_mentions": ("institution_id",),
}


class ExtractorError(RuntimeError):
    """An extractor failed on a document: a bug to fix, named with the document."""


def documents_from(stage_dir: Path) -> Iterator[Document]:
    """The accepted documents with their sentences, in `documents.parquet` order."""
    docs = read_table(stage_dir / "documents.parquet")
    sents = read_sentences(stage_dir)
    for row in docs.to_dict(orient="records"):
        yield Document(
            doc_id=str(row["doc_id"]),
            text=str(row["text"]),
            published_date=row["published_date"],
            sentences=sents.get(str(row["doc_id"]), ()),
            title=_optional(row["title"]),
            dateline=_optional(row["dateline"]),
            publisher=_optional(row["publisher"]),
            source_path=str(row["source_path"]),
        )


def _optional(value: object) -> str | None:
    """A nullable string cell: None for null (pandas reads a missing string as NaN)."""
    return value if isinstance(value, str) else None


def extract_document(doc: Document) -> Rows:
    """Rows of every fact table for one document, with `doc_id` and stable ids."""
    out: Rows = {t: [] for t in FACT_TABLES}
    for extractor in EXTRACTORS:
        try:
            rows = extractor.extract(doc)
        except Exception as err:
            raise ExtractorError(
                f"extractor {extractor.NAME}@{extractor.VERSION} failed on document "
                f"{doc.doc_id} ({doc.source_path}): {err!r}"
            ) from err
        out[extractor.TABLE].extend({"doc_id": doc.doc_id, **row} for row in rows)
    for table, rows in out.items():
        _assign_ids(table, rows)
    return out


def _assign_ids(table: str, rows: list[dict[str, Any]]) -> None:
    keys = RANK_KEYS[table]
    rows.sort(key=lambda r: (r["char_start"], r["char_end"], *(str(r[k]) for k in keys)))
    previous: tuple[int, int] | None = None
    rank = 0
    for row in rows:
        span = (row["char_start"], row["char_end"])
        rank = rank + 1 if span == previous else 0
        previous = span
        row[ID_COLUMNS[table]] = fact_id(table, row["doc_id"], *span, rank)


def extract_batch(docs: list[Document]) -> list[Rows]:
    """`extract_document` of each document of a batch (the unit of work of an executor)."""
    return [extract_document(doc) for doc in docs]


def extract_all(
    docs: Iterable[Document],
    *,
    progress: bool = False,
    cache: ResultCache | None = None,
    workers: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
) -> Rows:
    """Rows of every fact table for all documents, in document order.

    Documents found in `cache` are not extracted again; the others are extracted in batches
    on the chosen executor and their results stored in the cache.
    """
    out: Rows = {t: [] for t in FACT_TABLES}
    n_cached = n_extracted = 0
    batches = batched(tqdm(docs, desc="extract", unit="doc", disable=not progress))
    for batch in batches:
        found = [None if cache is None else cache.get(doc) for doc in batch]
        todo = [doc for doc, rows in zip(batch, found, strict=True) if rows is None]
        fresh = iter(
            next(
                map_batches(
                    extract_batch, [todo], workers=workers, executor=executor, scheduler=scheduler
                )
            )
            if todo
            else []
        )
        for doc, rows_of_doc in zip(batch, found, strict=True):
            if rows_of_doc is None:
                rows_of_doc = next(fresh)
                n_extracted += 1
                if cache is not None:
                    cache.put(doc, rows_of_doc)
            else:
                n_cached += 1
            for table, rows in rows_of_doc.items():
                out[table].extend(rows)
    log.debug("extract cached=%d extracted=%d", n_cached, n_extracted)
    return out


def aggregate_institutions(mentions: pd.DataFrame) -> pd.DataFrame:
    """One row per institution: attributes, every surface form seen, mention counts."""
    columns = list(schemas.Institutions.to_schema().columns)
    if mentions.empty:
        return pd.DataFrame(columns=columns)
    grouped = mentions.groupby("institution_id", sort=True)
    first = grouped[list(INSTITUTION_ATTRS)].first()
    table = first.assign(
        aliases=grouped["quote"].agg(lambda q: sorted(set(q))),
        n_mentions=grouped.size(),
        n_documents=grouped["doc_id"].nunique(),
    ).reset_index()
    return table[columns]


def frames(rows: Rows) -> dict[str, pd.DataFrame]:
    """The four extracted tables as DataFrames, in published column order."""
    out: dict[str, pd.DataFrame] = {}
    for table in FACT_TABLES:
        columns = list(schemas.TABLES[table].to_schema().columns)
        extra = INSTITUTION_ATTRS if table == "institution_mentions" else ()
        df = pd.DataFrame(rows[table], columns=[*columns, *extra])
        if table == "institution_mentions":
            out["institutions"] = aggregate_institutions(df)
        out[table] = df[columns]
    return out


def run(
    stage_dir: Path,
    *,
    progress: bool = False,
    cache_dir: Path | None = None,
    workers: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
) -> dict[str, int]:
    """Extract from the documents of `stage_dir`; write the tables; return their row counts."""
    cache = ResultCache(cache_dir) if cache_dir is not None else None
    rows = extract_all(
        documents_from(stage_dir),
        progress=progress,
        cache=cache,
        workers=workers,
        executor=executor,
        scheduler=scheduler,
    )
    tables = frames(rows)
    for name, df in tables.items():
        write_table(df, name, stage_dir / f"{name}.parquet")
    counts = {name: len(df) for name, df in tables.items()}
    log.info("extract %s", " ".join(f"{k}={v}" for k, v in counts.items()))
    return counts
