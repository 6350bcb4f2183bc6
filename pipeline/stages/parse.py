"""Parse: split every document into sentences with their character offsets."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import headers, sentences
from pipeline.io import StageManifest, atomic_path, code_fingerprint, stat_fingerprint

log = logging.getLogger(__name__)

SENTENCE_SCHEMA = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("sentence_index", pa.int32(), nullable=False),
        pa.field("char_start", pa.int64(), nullable=False),
        pa.field("char_end", pa.int64(), nullable=False),
    ]
)


def parse(documents: pd.DataFrame) -> pd.DataFrame:
    """One row per sentence: `doc_id`, `sentence_index`, `char_start`, `char_end`.

    The header (` date YYYY-MM-DD `) is not part of any sentence.
    """
    rows: list[tuple[str, int, int, int]] = []
    for doc_id, text in zip(documents["doc_id"], documents["text"], strict=True):
        body_start = headers.HEADER.match(text)
        start = body_start.end() if body_start else 0
        for i, (a, b) in enumerate(sentences.split(text, start)):
            rows.append((doc_id, i, a, b))
    return pd.DataFrame(rows, columns=SENTENCE_SCHEMA.names)


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


def run(stage_dir: Path) -> int:
    """Read `documents.parquet`, write `sentences.parquet`; return the sentence count.

    Streams, `BATCH_DOCUMENTS` documents at a time. Skipped when `documents.parquet` and
    `sentences.parquet` are as the last run left them.
    """
    source = stage_dir / "documents.parquet"
    target = stage_dir / "sentences.parquet"
    manifest = StageManifest(stage_dir, "parse", [target])
    inputs = f"{stat_fingerprint([source])}:{code_fingerprint(*CODE)}"
    done = manifest.fresh(inputs)
    if done is not None:
        log.info("parse sentences=%d (documents unchanged)", done)
        return int(done)
    manifest.forget()
    n = 0
    with (
        atomic_path(target, keep_identical=True) as tmp,
        pq.ParquetWriter(tmp, SENTENCE_SCHEMA, compression="zstd") as w,
    ):
        for batch in pq.ParquetFile(source).iter_batches(
            batch_size=BATCH_DOCUMENTS, columns=["doc_id", "text"]
        ):
            sents = parse(batch.to_pandas())
            table = pa.Table.from_pandas(sents, schema=SENTENCE_SCHEMA, preserve_index=False)
            w.write_table(table.replace_schema_metadata(None))
            n += len(sents)
    manifest.record(inputs, n)
    log.info("parse sentences=%d", n)
    return n


def read_sentences(stage_dir: Path) -> dict[str, tuple[tuple[int, int], ...]]:
    """`{doc_id: ((char_start, char_end), ...)}` from `sentences.parquet`."""
    df = pq.read_table(stage_dir / "sentences.parquet").to_pandas()
    out: dict[str, list[tuple[int, int]]] = {}
    for doc_id, a, b in zip(df["doc_id"], df["char_start"], df["char_end"], strict=True):
        out.setdefault(doc_id, []).append((int(a), int(b)))
    return {k: tuple(v) for k, v in out.items()}
