"""Extract: run every registered extractor on every document; add doc ids and stable ids.

Writes `statistics.parquet`, `events.parquet`, `institution_mentions.parquet` and
`institutions.parquet` (one record per organisation, aggregated from the mentions).

The stage streams: documents are read from Parquet in batches, extracted in batches on an
executor (`pipeline.executors`: this process, local processes or a Dask cluster; results
come back in document order) and written by row groups, so memory does not grow with the
corpus and the tables are the same bytes whichever executor ran.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
from tqdm import tqdm

import schemas
from pipeline.cache import ResultCache
from pipeline.document import Document
from pipeline.executors import BATCH_SIZE, batched, map_batches
from pipeline.extractors import EXTRACTORS
from pipeline.ids import fact_id
from pipeline.io import TableWriter, write_table

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


#: Rows of a fact table buffered before they are written (one Parquet row group).
ROWS = 16_384
#: Smallest batch sent to a worker (smaller batches cost more in transport than they save).
MIN_BATCH = 16
#: Documents read from `documents.parquet` at a time.
DOCUMENT_BATCH = 1024
DOCUMENT_COLUMNS = [
    "doc_id",
    "source_path",
    "published_date",
    "title",
    "dateline",
    "publisher",
    "text",
]


class ExtractorError(RuntimeError):
    """An extractor failed on a document: a bug to fix, named with the document."""


def documents_from(stage_dir: Path, *, batch_size: int = DOCUMENT_BATCH) -> Iterator[Document]:
    """The accepted documents with their sentences, in `documents.parquet` order, streamed
    (a few thousand documents in memory at a time).

    `sentences.parquet` lists the sentences in the order of the documents (the parse stage
    writes it so); both files are read side by side.
    """
    docs = pq.ParquetFile(stage_dir / "documents.parquet")
    groups = _sentence_groups(stage_dir / "sentences.parquet", batch_size * 40)
    group = next(groups, None)
    for record_batch in docs.iter_batches(batch_size=batch_size, columns=DOCUMENT_COLUMNS):
        for row in record_batch.to_pylist():
            doc_id = str(row["doc_id"])
            spans: tuple[tuple[int, int], ...] = ()
            if group is not None and group[0] == doc_id:
                spans = group[1]
                group = next(groups, None)
            yield Document(
                doc_id=doc_id,
                text=str(row["text"]),
                published_date=row["published_date"],
                sentences=spans,
                title=_optional(row["title"]),
                dateline=_optional(row["dateline"]),
                publisher=_optional(row["publisher"]),
                source_path=str(row["source_path"]),
            )
    if group is not None:
        raise RuntimeError(
            f"sentences.parquet does not follow documents.parquet (document {group[0]}): "
            "run `kzru parse` again"
        )


def _sentence_groups(
    path: Path, batch_size: int
) -> Iterator[tuple[str, tuple[tuple[int, int], ...]]]:
    """`(doc_id, spans)` for each run of consecutive sentences of one document."""
    current: str | None = None
    spans: list[tuple[int, int]] = []
    columns = ["doc_id", "char_start", "char_end"]
    for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_size, columns=columns):
        ids, starts, ends = (batch.column(i).to_pylist() for i in range(3))
        for doc_id, a, b in zip(ids, starts, ends, strict=True):
            if doc_id != current:
                if current is not None:
                    yield current, tuple(spans)
                current, spans = doc_id, []
            spans.append((a, b))
    if current is not None:
        yield current, tuple(spans)


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


#: A small text that goes through every extractor's code paths once (see `warm_up`).
WARM_UP_TEXT = (
    " date 2020-01-15 ASTANA. KAZINFORM The President of Kazakhstan met the Prime Minister"
    " of Russia in Moscow on January 14. Trade between the two countries grew by 5% to"
    " $2.5 billion in 2019, the Ministry of Trade said."
)


def warm_up() -> None:
    """Load every extractor's lexicons and compile its patterns in this process, so that
    worker processes forked from it start with them in (shared) memory."""
    doc = Document(doc_id="0" * 16, text=WARM_UP_TEXT, published_date=date(2020, 1, 15))
    extract_document(doc)


def extract_batch(docs: list[Document]) -> list[Rows]:
    """`extract_document` of each document of a batch (the unit of work of an executor)."""
    return [extract_document(doc) for doc in docs]


def batch_size(n_docs: int | None, workers: int) -> int:
    """Documents per batch: `BATCH_SIZE`, smaller when that would leave workers idle (at
    least a few batches per worker), never below `MIN_BATCH`."""
    if n_docs is None or workers == 1:
        return BATCH_SIZE
    return max(MIN_BATCH, min(BATCH_SIZE, -(-n_docs // (4 * workers))))


def iter_extracted(
    docs: Iterable[Document],
    *,
    progress: bool = False,
    cache: ResultCache | None = None,
    workers: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    stats: dict[str, int] | None = None,
    n_docs: int | None = None,
) -> Iterator[Rows]:
    """`extract_document` of every document, in document order, streamed.

    Documents found in `cache` are not extracted again; the others are extracted in batches
    on the chosen executor (several batches in flight) and their results stored in the cache.
    `stats`, when given, receives the counts `cached` and `extracted`. `n_docs` (the number
    of documents, when known) lets a small corpus be cut into enough batches for every worker.
    """
    counts = stats if stats is not None else {}
    counts.update(cached=0, extracted=0)
    pending: deque[tuple[list[Document], list[Rows | None]]] = deque()

    def work() -> Iterator[list[Document]]:
        """The documents still to extract, batch by batch (cache lookups happen here, as
        the executor asks for more work)."""
        size = batch_size(n_docs, workers)
        for batch in batched(tqdm(docs, desc="extract", unit="doc", disable=not progress), size):
            found = [None if cache is None else cache.get(doc) for doc in batch]
            pending.append((batch, found))
            yield [doc for doc, rows in zip(batch, found, strict=True) if rows is None]

    if executor == "local" and workers > 1:
        warm_up()
    results = map_batches(
        extract_batch, work(), workers=workers, executor=executor, scheduler=scheduler
    )
    for fresh_rows in results:
        batch, found = pending.popleft()
        fresh = iter(fresh_rows)
        for doc, rows_of_doc in zip(batch, found, strict=True):
            if rows_of_doc is None:
                rows_of_doc = next(fresh)
                counts["extracted"] += 1
                if cache is not None:
                    cache.put(doc, rows_of_doc)
            else:
                counts["cached"] += 1
            yield rows_of_doc


def extract_all(
    docs: Iterable[Document],
    *,
    progress: bool = False,
    cache: ResultCache | None = None,
    workers: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
) -> Rows:
    """Rows of every fact table for all documents, in document order (in memory: for small
    corpora and tests; `run` streams instead)."""
    out: Rows = {t: [] for t in FACT_TABLES}
    stats: dict[str, int] = {}
    for rows_of_doc in iter_extracted(
        docs,
        progress=progress,
        cache=cache,
        workers=workers,
        executor=executor,
        scheduler=scheduler,
        stats=stats,
    ):
        for table, rows in rows_of_doc.items():
            out[table].extend(rows)
    log.debug("extract cached=%d extracted=%d", stats["cached"], stats["extracted"])
    return out


class InstitutionAggregator:
    """`aggregate_institutions`, one mention at a time: memory grows with the number of
    institutions, not of mentions. Mentions must come in document order."""

    def __init__(self) -> None:
        self._attrs: dict[str, dict[str, Any]] = {}
        self._aliases: dict[str, set[str]] = {}
        self._mentions: dict[str, int] = {}
        self._documents: dict[str, int] = {}
        self._last_doc: dict[str, str] = {}

    def add(self, mentions: Iterable[dict[str, Any]]) -> None:
        for m in mentions:
            iid = m["institution_id"]
            attrs = self._attrs.get(iid)
            if attrs is None:
                self._attrs[iid] = {a: m.get(a) for a in INSTITUTION_ATTRS}
                self._aliases[iid] = set()
                self._mentions[iid] = 0
                self._documents[iid] = 0
            else:
                for a in INSTITUTION_ATTRS:  # like groupby().first(): first non-null value
                    if attrs[a] is None and m.get(a) is not None:
                        attrs[a] = m[a]
            self._aliases[iid].add(m["quote"])
            self._mentions[iid] += 1
            if self._last_doc.get(iid) != m["doc_id"]:
                self._last_doc[iid] = m["doc_id"]
                self._documents[iid] += 1

    def frame(self) -> pd.DataFrame:
        columns = list(schemas.Institutions.to_schema().columns)
        records = [
            {
                "institution_id": iid,
                **self._attrs[iid],
                "aliases": sorted(self._aliases[iid]),
                "n_mentions": self._mentions[iid],
                "n_documents": self._documents[iid],
            }
            for iid in sorted(self._attrs)
        ]
        return pd.DataFrame(records, columns=columns)


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
    """Extract from the documents of `stage_dir`; write the tables; return their row counts.

    Streams: documents are read, extracted and written in batches (Parquet row groups), so
    memory does not grow with the corpus.
    """
    cache = ResultCache(cache_dir) if cache_dir is not None else None
    stats: dict[str, int] = {}
    institutions = InstitutionAggregator()
    with ExitStack() as stack:
        writers = {
            t: stack.enter_context(TableWriter(t, stage_dir / f"{t}.parquet", row_group_size=ROWS))
            for t in FACT_TABLES
        }
        n_docs = pq.ParquetFile(stage_dir / "documents.parquet").metadata.num_rows
        for rows_of_doc in iter_extracted(
            documents_from(stage_dir),
            n_docs=n_docs,
            progress=progress,
            cache=cache,
            workers=workers,
            executor=executor,
            scheduler=scheduler,
            stats=stats,
        ):
            for table, rows in rows_of_doc.items():
                writers[table].add(rows)
            institutions.add(rows_of_doc["institution_mentions"])
        counts = {t: w.rows for t, w in writers.items()}
    inst = institutions.frame()
    write_table(inst, "institutions", stage_dir / "institutions.parquet", keep_identical=True)
    counts = {
        "statistics": counts["statistics"],
        "events": counts["events"],
        "institutions": len(inst),
        "institution_mentions": counts["institution_mentions"],
    }
    log.info("extract %s", " ".join(f"{k}={v}" for k, v in counts.items()))
    log.debug("extract cached=%d extracted=%d", stats["cached"], stats["extracted"])
    return counts
