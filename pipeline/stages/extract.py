"""Extract: run every registered extractor on every document; add doc ids and stable ids.

Writes `statistics.parquet`, `events.parquet`, `institution_mentions.parquet` and
`institutions.parquet` (one record per organisation, aggregated from the mentions).

The stage streams: documents are read from Parquet in batches, extracted in batches on an
executor (`pipeline.executors`: this process, local processes or a Dask cluster; results
come back in document order) and written by row groups, so memory does not grow with the
corpus and the tables are the same bytes whichever executor ran.

The fact tables are written in the published row order (`doc_id`, span, id; institutions by
id), so publish copies their bytes. With a cache, an unchanged stage (documents, sentences,
extraction code) is skipped, and a changed one extracts only the documents whose cache key
changed: the rows of the others are taken from the previous tables (`.extract-keys.parquet`
records each document's key) and merged with the new rows in DuckDB.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import shutil
from collections import deque
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

import schemas
from pipeline.cache import ResultCache, cache_key, code_fingerprint
from pipeline.document import Document
from pipeline.executors import BATCH_SIZE, batched, map_batches
from pipeline.extractors import EXTRACTORS, versions
from pipeline.ids import fact_id
from pipeline.io import (
    StageManifest,
    atomic_path,
    nan_to_null,
    stat_fingerprint,
    table_schema,
)

log = logging.getLogger(__name__)

Rows = dict[str, list[dict[str, Any]]]
FACT_TABLES = schemas.FACT_TABLES
#: Columns of a mention row that describe the institution, not the mention.
INSTITUTION_ATTRS = ("name", "acronym", "kind", "country", "wikidata_id", "parent_id", "source")
ID_COLUMNS = {"statistics": "stat_id", "events": "event_id", "institution_mentions": "mention_id"}
#: The kind of fact a row states, per table: hashed into its id with the span.
KIND_KEYS = {
    "statistics": ("unit", "qualifier"),
    "events": ("event_type",),
    "institution_mentions": ("institution_id",),
}
#: What orders rows equal in span and kind, per table (their rank among such rows).
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


def _kind(table: str, row: dict[str, Any]) -> str:
    """What kind of fact a row states (part of its id): see `KIND_KEYS`."""
    return "\x1e".join("" if row.get(k) is None else str(row[k]) for k in KIND_KEYS[table])


def _assign_ids(table: str, rows: list[dict[str, Any]]) -> None:
    """Give every row its stable id, then put the rows in the published order (span, id).

    The id hashes the span and the kind of the fact; rows equal in span and kind (the two
    ends of a range) get a rank in the order of their values."""
    keys = RANK_KEYS[table]
    id_column = ID_COLUMNS[table]
    rows.sort(key=lambda r: (r["char_start"], r["char_end"], *(str(r[k]) for k in keys)))
    seen: dict[tuple[int, int, str], int] = {}
    for row in rows:
        kind = _kind(table, row)
        group = (row["char_start"], row["char_end"], kind)
        rank = seen.get(group, 0)
        seen[group] = rank + 1
        row[id_column] = fact_id(table, row["doc_id"], *group[:2], rank, kind=kind)
    rows.sort(key=lambda r: (r["char_start"], r["char_end"], r[id_column]))


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


def _fact_order(table: str) -> list[str]:
    return ["doc_id", "char_start", "char_end", ID_COLUMNS[table]]


def frames(rows: Rows) -> dict[str, pd.DataFrame]:
    """The four extracted tables as DataFrames, in published column and row order (by
    document id, span, id)."""
    out: dict[str, pd.DataFrame] = {}
    for table in FACT_TABLES:
        columns = list(schemas.TABLES[table].to_schema().columns)
        extra = INSTITUTION_ATTRS if table == "institution_mentions" else ()
        df = pd.DataFrame(rows[table], columns=[*columns, *extra])
        df = df.sort_values(_fact_order(table), kind="stable").reset_index(drop=True)
        if table == "institution_mentions":
            out["institutions"] = aggregate_institutions(df)
        out[table] = df[columns]
    return out


# --- the stage: new rows merged with the rows of unchanged documents, in published order ----

#: Sidecar files of the stage folder: the cache key of each document whose rows the fact
#: tables hold, and the mentions with their institution's attributes (what `institutions` is
#: aggregated from). Both let a build reuse the rows of unchanged documents.
KEYS_FILE = ".extract-keys.parquet"
MENTIONS_FILE = ".extract-mentions.parquet"
KEYS_SCHEMA = pa.schema(
    [pa.field("doc_id", pa.string(), nullable=False), pa.field("key", pa.string(), nullable=False)]
)
#: Memory DuckDB may use to sort and aggregate (it spills to the stage folder beyond).
DUCKDB_MEMORY = "256MB"


@functools.cache
def _mentions_schema() -> pa.Schema:
    """The published mentions schema plus the attributes of the institution mentioned."""
    inst = table_schema("institutions")
    return pa.schema(
        [*table_schema("institution_mentions"), *(inst.field(a) for a in INSTITUTION_ATTRS)]
    )


def _with_nulls(rows: list[dict[str, Any]], names: Iterable[str]) -> list[dict[str, Any]]:
    return [{n: r.get(n) for n in names} for r in rows]


class _RowWriter:
    """Row dicts to a Parquet file of `schema`, a row group at a time (temporary files)."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path, self.schema, self.rows = path, schema, 0
        self._buffer: list[dict[str, Any]] = []
        self._writer = pq.ParquetWriter(path, schema, compression="zstd")

    def add(self, rows: list[dict[str, Any]]) -> None:
        self._buffer.extend(rows)
        self.rows += len(rows)
        if len(self._buffer) >= ROWS:
            self.flush()

    def flush(self) -> None:
        batch = _with_nulls(self._buffer, self.schema.names)
        self._writer.write_table(nan_to_null(pa.Table.from_pylist(batch, schema=self.schema)))
        self._buffer = []

    def close(self) -> None:
        if self._buffer or self.rows == 0:
            self.flush()
        self._writer.close()


def sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def write_query(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    schema: pa.Schema,
    path: Path,
    *,
    row_group_size: int = ROWS,
) -> int:
    """The rows of `sql` (in its order) as a Parquet file of `schema`, atomically, in row
    groups of exactly `row_group_size` rows however DuckDB batches them (deterministic
    bytes); returns the row count."""
    size = row_group_size
    reader = con.sql(sql).to_arrow_reader(size)
    if reader is None:  # pragma: no cover - a statement without a result
        raise RuntimeError(f"no result: {sql}")
    n = 0
    with (
        atomic_path(path, keep_identical=True) as tmp,
        pq.ParquetWriter(tmp, schema, compression="zstd", write_statistics=True) as writer,
    ):
        pending: list[pa.RecordBatch] = []
        buffered = 0

        def write(table: pa.Table) -> None:
            arrays = [table.column(i).cast(f.type) for i, f in enumerate(schema)]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema), row_group_size=size)

        for batch in reader:
            pending.append(batch)
            buffered += batch.num_rows
            n += batch.num_rows
            while buffered >= size:
                table = pa.Table.from_batches(pending)
                write(table.slice(0, size))
                rest = table.slice(size)
                pending, buffered = rest.to_batches(), rest.num_rows
        if buffered or n == 0:
            table = (
                pa.Table.from_batches(pending)
                if pending
                else pa.Table.from_pylist([], schema=schema)
            )
            write(table)
    return n


def _code() -> str:
    """Fingerprint of what extraction results depend on besides the documents."""
    payload = json.dumps([versions(), code_fingerprint()], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def _outputs(stage_dir: Path) -> list[Path]:
    names = [*(f"{t}.parquet" for t in (*FACT_TABLES, "institutions")), KEYS_FILE, MENTIONS_FILE]
    return [stage_dir / n for n in names]


def _previous_keys(stage_dir: Path, manifest: StageManifest) -> dict[str, str]:
    """`{doc_id: cache key}` of the rows the stage files hold, when they are as the last
    extract left them (else empty: nothing is reused)."""
    try:
        record = json.loads(manifest.path.read_text("utf-8"))
        if record["outputs"] != stat_fingerprint(manifest.outputs):
            return {}
        keys = pq.read_table(stage_dir / KEYS_FILE, columns=["doc_id", "key"])
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException):
        return {}
    return dict(zip(keys.column(0).to_pylist(), keys.column(1).to_pylist(), strict=True))


def run(
    stage_dir: Path,
    *,
    progress: bool = False,
    cache_dir: Path | None = None,
    workers: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    stats: dict[str, int] | None = None,
) -> dict[str, int]:
    """Extract from the documents of `stage_dir`; write the tables; return their row counts.

    The fact tables are written in the published order (document id, span, id). With a
    cache (`cache_dir`), the stage is skipped when `documents.parquet`, `sentences.parquet`
    and the extraction code are unchanged and its outputs are as it left them; otherwise the
    rows of documents whose cache key is unchanged are taken from the previous tables, the
    others from the cache or extracted afresh, and both are merged in DuckDB. Without a
    cache every document is extracted. Streams: memory does not grow with the corpus.

    `stats`, when given, receives `skipped` (1 when nothing had to be done), `reused`,
    `cached` and `extracted` (documents).
    """
    info = stats if stats is not None else {}
    info.update(skipped=0, reused=0, cached=0, extracted=0)
    sources = [stage_dir / "documents.parquet", stage_dir / "sentences.parquet"]
    manifest = StageManifest(stage_dir, "extract", _outputs(stage_dir))
    inputs = f"{stat_fingerprint(sources)}:{_code()}"
    previous: dict[str, str] = {}
    if cache_dir is not None:
        done = manifest.fresh(inputs)
        if done is not None:
            info["skipped"] = 1
            log.info("extract %s (documents unchanged)", _counts_line(done))
            return {k: int(v) for k, v in done.items()}
        previous = _previous_keys(stage_dir, manifest)
    manifest.forget()
    cache = ResultCache(cache_dir) if cache_dir is not None else None
    keys: list[tuple[str, str]] = []
    reused: list[str] = []

    def to_extract() -> Iterator[Document]:
        for doc in documents_from(stage_dir):
            key = cache_key(doc)
            keys.append((doc.doc_id, key))
            if previous.get(doc.doc_id) == key:
                reused.append(doc.doc_id)
                if cache is not None:
                    cache.touch(key)  # still in use: not pruned
            else:
                yield doc

    counts = _merge_run(
        stage_dir,
        to_extract(),
        keys,
        reused,
        bool(previous),
        progress=progress,
        cache=cache,
        workers=workers,
        executor=executor,
        scheduler=scheduler,
        info=info,
    )
    info["reused"] = len(reused)
    manifest.record(inputs, counts)
    log.info("extract %s", _counts_line(counts))
    log.debug(
        "extract reused=%d cached=%d extracted=%d", len(reused), info["cached"], info["extracted"]
    )
    return counts


def _counts_line(counts: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in counts.items())


def _merge_run(
    stage_dir: Path,
    docs: Iterator[Document],
    keys: list[tuple[str, str]],
    reused: list[str],
    has_previous: bool,
    *,
    progress: bool,
    cache: ResultCache | None,
    workers: int,
    executor: str,
    scheduler: str | None,
    info: dict[str, int],
) -> dict[str, int]:
    """Extract `docs` into temporary files, then write every output: the new rows merged with
    the previous rows of the `reused` documents, sorted in DuckDB."""
    n_docs = pq.ParquetFile(stage_dir / "documents.parquet").metadata.num_rows
    work = stage_dir / ".extract-work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        schemas_ = {t: table_schema(t) for t in ("statistics", "events")}
        schemas_["institution_mentions"] = _mentions_schema()
        writers = {t: _RowWriter(work / f"{t}.parquet", schemas_[t]) for t in FACT_TABLES}
        try:
            for rows_of_doc in iter_extracted(
                docs,
                n_docs=n_docs,
                progress=progress,
                cache=cache,
                workers=workers,
                executor=executor,
                scheduler=scheduler,
                stats=info,
            ):
                for table, rows in rows_of_doc.items():
                    writers[table].add(rows)
        finally:
            for w in writers.values():
                w.close()
        pq.write_table(
            pa.Table.from_pylist([{"doc_id": d, "key": k} for d, k in keys], schema=KEYS_SCHEMA),
            work / "keys.parquet",
            compression="zstd",
        )
        con = duckdb.connect()
        try:
            con.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
            con.execute(f"SET temp_directory = {sql_path(work / 'spill')}")
            con.execute("SET preserve_insertion_order = true")
            kept = pa.table({"doc_id": pa.array(reused, pa.string())})
            con.register("kept", kept)
            counts = {}
            for table in FACT_TABLES:
                target = stage_dir / (
                    MENTIONS_FILE if table == "institution_mentions" else f"{table}.parquet"
                )
                new = f"SELECT * FROM read_parquet({sql_path(work / f'{table}.parquet')})"
                if has_previous and reused:
                    old = (
                        f"SELECT * FROM read_parquet({sql_path(target)}) "
                        "WHERE doc_id IN (SELECT doc_id FROM kept)"
                    )
                    new = f"{old} UNION ALL {new}"
                order = ", ".join(_fact_order(table))
                sql = f"SELECT * FROM ({new}) ORDER BY {order}"
                counts[table] = write_query(con, sql, schemas_[table], target)
            mentions = sql_path(stage_dir / MENTIONS_FILE)
            published = ", ".join(f'"{n}"' for n in table_schema("institution_mentions").names)
            write_query(
                con,
                f"SELECT {published} FROM read_parquet({mentions})",
                table_schema("institution_mentions"),
                stage_dir / "institution_mentions.parquet",
            )
            counts["institutions"] = write_query(
                con,
                _institutions_sql(mentions),
                table_schema("institutions"),
                stage_dir / "institutions.parquet",
            )
        finally:
            con.close()
        with atomic_path(stage_dir / KEYS_FILE, keep_identical=True) as tmp:
            shutil.copyfile(work / "keys.parquet", tmp)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "statistics": counts["statistics"],
        "events": counts["events"],
        "institutions": counts["institutions"],
        "institution_mentions": counts["institution_mentions"],
    }


def _institutions_sql(mentions: str) -> str:
    """One row per institution from the mentions with attributes (as `aggregate_institutions`:
    the first non-null value of each attribute in mention order, every surface form, counts)."""
    order = ", ".join(_fact_order("institution_mentions"))
    attrs = ", ".join(
        f'first("{a}" ORDER BY {order}) FILTER (WHERE "{a}" IS NOT NULL) AS "{a}"'
        for a in INSTITUTION_ATTRS
    )
    return (
        f"SELECT institution_id, {attrs}, list_sort(list_distinct(list(quote))) AS aliases, "
        "count(*) AS n_mentions, count(DISTINCT doc_id) AS n_documents "
        f"FROM read_parquet({mentions}) GROUP BY institution_id ORDER BY institution_id"
    )
