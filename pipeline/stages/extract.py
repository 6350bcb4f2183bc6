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
from typing import TYPE_CHECKING, Any

import schemas
from pipeline.cache import ResultCache, cache_key, code_fingerprint
from pipeline.document import Document
from pipeline.executors import BATCH_SIZE
from pipeline.ids import fact_id
from pipeline.io import (
    StageManifest,
    atomic_path,
    nan_to_null,
    stat_fingerprint,
    table_schema,
)
from pipeline.io import code_fingerprint as code_fingerprint_of

if TYPE_CHECKING:  # imported where used: a skipped stage needs none of them
    from types import ModuleType

    import duckdb
    import pandas as pd
    import pyarrow as pa

    #: The registered extractors (`pipeline.extractors.EXTRACTORS`), imported on first use.
    EXTRACTORS: tuple[ModuleType, ...]


def _extractors() -> tuple[ModuleType, ...]:
    """The registry, imported on first use (its lexicons and schemas take a second to import,
    which a skipped stage does not need); a test may replace `EXTRACTORS`."""
    found: tuple[ModuleType, ...] | None = globals().get("EXTRACTORS")
    if found is None:
        from pipeline.extractors import EXTRACTORS as registry

        globals()["EXTRACTORS"] = found = registry
    return found


def __getattr__(name: str) -> Any:
    if name == "EXTRACTORS":
        return _extractors()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


def documents_from(
    stage_dir: Path, *, batch_size: int = DOCUMENT_BATCH, only: set[str] | None = None
) -> Iterator[Document]:
    """The accepted documents with their sentences, in `documents.parquet` order, streamed
    (a few thousand documents in memory at a time); with `only`, just the documents of
    those ids (the others' texts are not even converted).

    `sentences.parquet` lists the sentences in the order of the documents (the parse stage
    writes it so); both files are read side by side.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    docs = pq.ParquetFile(stage_dir / "documents.parquet")
    if only is not None:
        wanted = pa.array(sorted(only), pa.string())
        table = pq.read_table(
            stage_dir / "sentences.parquet", columns=["doc_id", "char_start", "char_end"]
        )
        table = table.filter(pc.is_in(table.column("doc_id"), value_set=wanted))
        spans_of: dict[str, list[tuple[int, int]]] = {}
        for d, a, b in zip(*(table.column(i).to_pylist() for i in range(3)), strict=True):
            spans_of.setdefault(d, []).append((a, b))
        for record_batch in docs.iter_batches(batch_size=batch_size, columns=DOCUMENT_COLUMNS):
            mask = pc.is_in(record_batch.column(0), value_set=wanted)
            for row in record_batch.filter(mask).to_pylist():
                yield _document(row, tuple(spans_of.get(str(row["doc_id"]), ())))
        return
    groups = _sentence_groups(stage_dir / "sentences.parquet", batch_size * 40)
    group = next(groups, None)
    for record_batch in docs.iter_batches(batch_size=batch_size, columns=DOCUMENT_COLUMNS):
        for row in record_batch.to_pylist():
            doc_id = str(row["doc_id"])
            spans: tuple[tuple[int, int], ...] = ()
            if group is not None and group[0] == doc_id:
                spans = group[1]
                group = next(groups, None)
            yield _document(row, spans)
    if group is not None:
        raise RuntimeError(
            f"sentences.parquet does not follow documents.parquet (document {group[0]}): "
            "run `kzru parse` again"
        )


def _document(row: dict[str, Any], spans: tuple[tuple[int, int], ...]) -> Document:
    return Document(
        doc_id=str(row["doc_id"]),
        text=str(row["text"]),
        published_date=row["published_date"],
        sentences=spans,
        title=_optional(row["title"]),
        dateline=_optional(row["dateline"]),
        publisher=_optional(row["publisher"]),
        source_path=str(row["source_path"]),
    )


def _sentence_groups(
    path: Path, batch_size: int
) -> Iterator[tuple[str, tuple[tuple[int, int], ...]]]:
    """`(doc_id, spans)` for each run of consecutive sentences of one document."""
    current: str | None = None
    import pyarrow.parquet as pq

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
    for extractor in _extractors():
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
    from tqdm import tqdm

    from pipeline.executors import batched, map_batches

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
    import pandas as pd

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
    import pandas as pd

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


@functools.cache
def _keys_schema() -> pa.Schema:
    import pyarrow as pa

    return pa.schema(
        [
            pa.field("doc_id", pa.string(), nullable=False),
            pa.field("key", pa.string(), nullable=False),
            pa.field("sha256", pa.string(), nullable=False),
        ]
    )


#: Memory DuckDB may use to sort and aggregate (it spills to the stage folder beyond).
DUCKDB_MEMORY = "256MB"


@functools.cache
def _mentions_schema() -> pa.Schema:
    """The published mentions schema plus the attributes of the institution mentioned."""
    import pyarrow as pa

    inst = table_schema("institutions")
    return pa.schema(
        [*table_schema("institution_mentions"), *(inst.field(a) for a in INSTITUTION_ATTRS)]
    )


def _with_nulls(rows: list[dict[str, Any]], names: Iterable[str]) -> list[dict[str, Any]]:
    return [{n: r.get(n) for n in names} for r in rows]


class _RowWriter:
    """Row dicts to a Parquet file of `schema`, a row group at a time (temporary files)."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        import pyarrow.parquet as pq

        self.path, self.schema, self.rows = path, schema, 0
        self._buffer: list[dict[str, Any]] = []
        self._writer = pq.ParquetWriter(path, schema, compression="zstd")

    def add(self, rows: list[dict[str, Any]]) -> None:
        self._buffer.extend(rows)
        self.rows += len(rows)
        if len(self._buffer) >= ROWS:
            self.flush()

    def flush(self) -> None:
        import pyarrow as pa

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
    import pyarrow as pa
    import pyarrow.parquet as pq

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
    """Fingerprint of what extraction results depend on besides the documents: the source of
    the extraction code and lexicons (the extractors' `VERSION`s are in it), read without
    importing the extractors, so that a stage with nothing to do is skipped at once."""
    return hashlib.sha256(json.dumps(["code", code_fingerprint()]).encode()).hexdigest()


def _outputs(stage_dir: Path) -> list[Path]:
    names = [*(f"{t}.parquet" for t in (*FACT_TABLES, "institutions")), KEYS_FILE, MENTIONS_FILE]
    return [stage_dir / n for n in names]


def _stamp() -> str:
    """What a document's cache key depends on besides its raw bytes: the extraction code
    (`_code`) and the code that makes the text, date and sentences from the bytes (ingest's
    and parse's). While it holds, a document of unchanged sha256 has an unchanged key."""
    from pipeline.stages import ingest, parse

    parts = [_code(), code_fingerprint_of(*ingest.CODE), code_fingerprint_of(*parse.CODE)]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def _previous_keys(
    stage_dir: Path, manifest: StageManifest
) -> tuple[dict[str, tuple[str, str]], str | None]:
    """`{doc_id: (cache key, sha256)}` of the rows the stage files hold, when they are as the
    last extract left them (else empty: nothing is reused), and the `_stamp` they were
    computed under."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        record = json.loads(manifest.path.read_text("utf-8"))
        if record["outputs"] != manifest.outputs_fingerprint():
            return {}, None
        keys = pq.read_table(stage_dir / KEYS_FILE, columns=["doc_id", "key", "sha256"])
        stamp = (keys.schema.metadata or {}).get(b"kzru.stamp", b"").decode()
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException):
        return {}, None
    columns = (keys.column(i).to_pylist() for i in range(3))
    return {d: (k, h) for d, k, h in zip(*columns, strict=True)}, stamp


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
    inputs = f"{stat_fingerprint(sources, stage_dir)}:{_code()}"
    previous: dict[str, tuple[str, str]] = {}
    stamp = _stamp()
    same_stamp = False
    if cache_dir is not None:
        done = manifest.fresh(inputs)
        if done is not None:
            info["skipped"] = 1
            log.info("extract %s (documents unchanged)", _counts_line(done))
            return {k: int(v) for k, v in done.items()}
        previous, previous_stamp = _previous_keys(stage_dir, manifest)
        same_stamp = previous_stamp == stamp
    manifest.forget()
    cache = ResultCache(cache_dir) if cache_dir is not None else None
    keys: list[tuple[str, str, str]] = []
    reused: list[str] = []

    def to_extract() -> Iterator[Document]:
        """The documents to extract. A document whose sha256 is the one its rows were
        extracted from, under the same `_stamp`, has the same key: it is not even read."""
        import pyarrow.parquet as pq

        ids = pq.read_table(stage_dir / "documents.parquet", columns=["doc_id", "sha256"])
        pairs = list(zip(*(ids.column(i).to_pylist() for i in range(2)), strict=True))
        known = {d for d, h in pairs if same_stamp and d in previous and previous[d][1] == h}
        read = iter(documents_from(stage_dir, only={d for d, _ in pairs} - known))
        for doc_id, sha in pairs:
            if doc_id in known:
                key = previous[doc_id][0]
                keys.append((doc_id, key, sha))
                reused.append(doc_id)
                if cache is not None:
                    cache.touch(key)  # still in use: not pruned
                continue
            doc = next(read)
            key = cache_key(doc)
            keys.append((doc.doc_id, key, sha))
            if previous.get(doc.doc_id, ("", ""))[0] == key:
                reused.append(doc.doc_id)
                if cache is not None:
                    cache.touch(key)
            else:
                yield doc

    counts = _merge_run(
        stage_dir,
        to_extract(),
        keys,
        reused,
        bool(previous),
        stamp,
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
    keys: list[tuple[str, str, str]],
    reused: list[str],
    has_previous: bool,
    stamp: str,
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
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

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
            pa.Table.from_pylist(
                [{"doc_id": d, "key": k, "sha256": h} for d, k, h in keys],
                schema=_keys_schema().with_metadata({"kzru.stamp": stamp}),
            ),
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
            published_mentions = None
            for table in FACT_TABLES:
                target = stage_dir / (
                    MENTIONS_FILE if table == "institution_mentions" else f"{table}.parquet"
                )
                fresh = work / f"{table}.parquet"
                if has_previous and reused and writers[table].rows <= ARROW_MERGE_ROWS:
                    merged = _merge_arrow(target, fresh, kept, schemas_[table])
                    _write_arrow(merged, schemas_[table], target)
                    counts[table] = merged.num_rows
                    if table == "institution_mentions":
                        published_mentions = merged
                    del merged
                    continue
                new = f"SELECT * FROM read_parquet({sql_path(fresh)})"
                if has_previous and reused:
                    old = (
                        f"SELECT * FROM read_parquet({sql_path(target)}) "
                        "WHERE doc_id IN (SELECT doc_id FROM kept)"
                    )
                    new = f"{old} UNION ALL {new}"
                order = ", ".join(_fact_order(table))
                sql = f"SELECT * FROM ({new}) ORDER BY {order}"
                counts[table] = write_query(con, sql, schemas_[table], target, row_group_size=ROWS)
            mentions = sql_path(stage_dir / MENTIONS_FILE)
            mention_schema = table_schema("institution_mentions")
            if published_mentions is not None:
                _write_arrow(
                    published_mentions.select(mention_schema.names),
                    mention_schema,
                    stage_dir / "institution_mentions.parquet",
                )
                published_mentions = None
            else:
                published = ", ".join(f'"{n}"' for n in mention_schema.names)
                write_query(
                    con,
                    f"SELECT {published} FROM read_parquet({mentions})",
                    mention_schema,
                    stage_dir / "institution_mentions.parquet",
                    row_group_size=ROWS,
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


#: Most new rows of a table merged with the previous rows in Arrow (in memory) rather than
#: sorted with them in DuckDB (which spills to disk, for large merges and cold builds).
ARROW_MERGE_ROWS = 65_536


def _merge_arrow(previous: Path, fresh: Path, kept: pa.Table, schema: pa.Schema) -> pa.Table:
    """The rows of `previous` (a fact table in published order) of the `kept` documents and
    the rows of `fresh` (new documents' rows, each document's rows in published order and
    together), in the published order, without sorting the previous rows.

    The kept and fresh documents are disjoint and each document's rows are already in order
    in both files, so each fresh document's rows go in whole where its `doc_id` falls among
    the previous rows (a binary search): the order `ORDER BY doc_id, char_start, char_end,
    id` gives. The result is slices of the tables read (no copy)."""
    import bisect

    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    parts = []
    for path in (previous, fresh):
        table = pq.read_table(path)
        parts.append(
            pa.Table.from_arrays([table.column(f.name).cast(f.type) for f in schema], schema=schema)
        )
    old, new = parts
    mask = pc.is_in(old.column("doc_id"), value_set=kept.column("doc_id"))
    if not pc.all(mask).as_py():
        old = old.filter(mask)
    if new.num_rows == 0:
        return old
    new = new.take(pc.sort_indices(new, sort_keys=[("doc_id", "ascending")]))
    new_ids = new.column("doc_id").to_pylist()
    old_ids = old.column("doc_id")

    class _Ids:  # the previous doc ids as a sequence bisect can search (no conversion)
        def __len__(self) -> int:
            return old.num_rows

        def __getitem__(self, i: int) -> str:
            return str(old_ids[i].as_py())

    ids = _Ids()
    pieces: list[pa.Table] = []
    done = start = 0
    while start < len(new_ids):
        end = start
        while end < len(new_ids) and new_ids[end] == new_ids[start]:
            end += 1
        at = bisect.bisect_left(ids, new_ids[start], lo=done)
        pieces += [old.slice(done, at - done), new.slice(start, end - start)]
        done, start = at, end
    pieces.append(old.slice(done))
    return pa.concat_tables(pieces)


def _write_arrow(table: pa.Table, schema: pa.Schema, path: Path) -> None:
    """`table` as `write_query` writes the same rows: row groups of exactly `ROWS` rows,
    atomically, the old file kept when its bytes are the same."""
    import pyarrow.parquet as pq

    with (
        atomic_path(path, keep_identical=True) as tmp,
        pq.ParquetWriter(tmp, schema, compression="zstd", write_statistics=True) as writer,
    ):
        if table.num_rows == 0:
            writer.write_table(table.combine_chunks())
        for start in range(0, table.num_rows, ROWS):
            writer.write_table(table.slice(start, ROWS).combine_chunks(), row_group_size=ROWS)


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
