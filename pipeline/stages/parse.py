"""Parse: split every document into sentences with their character offsets."""

from __future__ import annotations

import json
import logging
import os
import shutil
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.io import StageManifest, atomic_path, code_fingerprint, stat_fingerprint

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

log = logging.getLogger(__name__)

SENTENCE_COLUMNS = ("doc_id", "sentence_index", "char_start", "char_end")


@cache
def sentence_schema() -> pa.Schema:
    """The Arrow schema of `sentences.parquet`."""
    import pyarrow as pa

    return pa.schema(
        [
            pa.field("doc_id", pa.string(), nullable=False),
            pa.field("sentence_index", pa.int32(), nullable=False),
            pa.field("char_start", pa.int64(), nullable=False),
            pa.field("char_end", pa.int64(), nullable=False),
        ]
    )


def split_document(text: str) -> list[tuple[int, int]]:
    """The sentence spans of one document's text (the header is not part of any)."""
    from pipeline import headers, sentences

    body_start = headers.HEADER.match(text)
    start = body_start.end() if body_start else 0
    return list(sentences.split(text, start))


def parse(documents: pd.DataFrame) -> pd.DataFrame:
    """One row per sentence: `doc_id`, `sentence_index`, `char_start`, `char_end`.

    The header (` date YYYY-MM-DD `) is not part of any sentence.
    """
    import pandas as pd

    rows: list[tuple[str, int, int, int]] = []
    for doc_id, text in zip(documents["doc_id"], documents["text"], strict=True):
        for i, (a, b) in enumerate(split_document(text)):
            rows.append((doc_id, i, a, b))
    return pd.DataFrame(rows, columns=list(SENTENCE_COLUMNS))


#: Documents parsed at a time (one row group of `sentences.parquet` each).
BATCH_DOCUMENTS = 2048
#: What parse's output depends on besides `documents.parquet`.
CODE = (
    "stages/parse.py",
    "sentences.py",
    "headers.py",
    "lexicon.py",
    "lexicons/abbreviations.yaml",
)


class _Previous:
    """The sentences of the previous `sentences.parquet`, by document (read on first use)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._table: pa.Table | None = None
        self._runs: dict[str, tuple[int, int]] = {}

    def runs(self) -> dict[str, tuple[int, int]]:
        """`{doc_id: (first row, row count)}` (a document's sentences are consecutive)."""
        import pyarrow.parquet as pq

        if self._table is None and self.path is not None:
            self._table = pq.read_table(self.path)
            ids = self._table.column("doc_id").to_pylist()
            first = 0
            for i in range(1, len(ids) + 1):
                if i == len(ids) or ids[i] != ids[first]:
                    self._runs[ids[first]] = (first, i - first)
                    first = i
        return self._runs

    def take(self, rows: list[int]) -> pa.Table:
        import pyarrow as pa

        assert self._table is not None
        return self._table.take(pa.array(rows, pa.int64()))


def _batch(documents: pa.RecordBatch, previous: _Previous) -> tuple[pa.Table, int]:
    """The sentences of a batch of documents: the previous rows of a document parsed before,
    the splitter's for the others; and how many documents were split."""
    import pyarrow as pa

    schema = sentence_schema()
    runs = previous.runs()
    ids = documents.column(0).to_pylist()
    parts: list[pa.Table] = []
    kept: list[int] = []
    fresh: list[tuple[str, int, int, int]] = []
    texts = None
    split = 0

    def flush_kept() -> None:
        if kept:
            parts.append(previous.take(kept))
            kept.clear()

    def flush_fresh() -> None:
        if fresh:
            columns = list(zip(*fresh, strict=True))
            arrays = [pa.array(c, f.type) for c, f in zip(columns, schema, strict=True)]
            parts.append(pa.Table.from_arrays(arrays, schema=schema))
            fresh.clear()

    for i, doc_id in enumerate(ids):
        run = runs.get(doc_id)
        if run is not None:
            flush_fresh()
            kept.extend(range(run[0], run[0] + run[1]))
            continue
        flush_kept()
        if texts is None:
            texts = documents.column(1).to_pylist()
        split += 1
        for n, (a, b) in enumerate(split_document(texts[i])):
            fresh.append((doc_id, n, a, b))
    flush_kept()
    flush_fresh()
    if not parts:
        return schema.empty_table(), split
    table = pa.concat_tables([p.cast(schema) for p in parts]).combine_chunks()
    return table.replace_schema_metadata(None), split


#: Sidecar: the code fingerprint the sentences of `sentences.parquet` were split with.
CODE_FILE = ".parse-code.json"


def run(stage_dir: Path) -> int:
    """Read `documents.parquet`, write `sentences.parquet`; return the sentence count.

    Streams, `BATCH_DOCUMENTS` documents at a time. Skipped when `documents.parquet` and
    `sentences.parquet` are as the last run left them. Otherwise the documents already in
    `sentences.parquet` (by `doc_id`, which hashes the raw bytes) keep their sentences when
    the code is unchanged; only the others are split. The file has the same bytes either way.
    """
    source = stage_dir / "documents.parquet"
    target = stage_dir / "sentences.parquet"
    manifest = StageManifest(stage_dir, "parse", [target])
    code = code_fingerprint(*CODE)
    inputs = f"{stat_fingerprint([source], stage_dir)}:{code}"
    done = manifest.fresh(inputs)
    if done is not None:
        log.info("parse sentences=%d (documents unchanged)", done)
        return int(done)
    import pyarrow.parquet as pq

    kept = stage_dir / ".parse-previous.parquet"
    kept.unlink(missing_ok=True)
    if _reusable(stage_dir, manifest, code):
        try:
            os.link(target, kept)
        except OSError:
            shutil.copyfile(target, kept)
    manifest.forget()
    (stage_dir / CODE_FILE).unlink(missing_ok=True)
    previous = _Previous(kept if kept.exists() else None)
    n = split = 0
    try:
        with (
            atomic_path(target, keep_identical=True) as tmp,
            pq.ParquetWriter(tmp, sentence_schema(), compression="zstd") as w,
        ):
            for batch in pq.ParquetFile(source).iter_batches(
                batch_size=BATCH_DOCUMENTS, columns=["doc_id", "text"]
            ):
                table, fresh = _batch(batch, previous)
                w.write_table(table)
                n += table.num_rows
                split += fresh
    finally:
        kept.unlink(missing_ok=True)
    manifest.record(inputs, n)
    with atomic_path(stage_dir / CODE_FILE) as tmp:
        payload = {"code": code, "outputs": manifest.outputs_fingerprint()}
        tmp.write_text(json.dumps(payload) + "\n", encoding="utf-8")
    log.info("parse sentences=%d", n)
    log.debug("parse split=%d documents", split)
    return n


def _reusable(stage_dir: Path, manifest: StageManifest, code: str) -> bool:
    """Whether `sentences.parquet` is as a run of this code left it."""
    try:
        record = json.loads((stage_dir / CODE_FILE).read_text("utf-8"))
        return bool(record["code"] == code and record["outputs"] == manifest.outputs_fingerprint())
    except (OSError, ValueError, KeyError, TypeError):
        return False


def read_sentences(stage_dir: Path) -> dict[str, tuple[tuple[int, int], ...]]:
    """`{doc_id: ((char_start, char_end), ...)}` from `sentences.parquet`."""
    import pyarrow.parquet as pq

    df = pq.read_table(stage_dir / "sentences.parquet").to_pandas()
    out: dict[str, list[tuple[int, int]]] = {}
    for doc_id, a, b in zip(df["doc_id"], df["char_start"], df["char_end"], strict=True):
        out.setdefault(doc_id, []).append((int(a), int(b)))
    return {k: tuple(v) for k, v in out.items()}
