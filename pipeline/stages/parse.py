"""Parse: split every document into sentences with their character offsets."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import headers, sentences
from pipeline.io import atomic_path, read_table

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


def run(stage_dir: Path) -> int:
    """Read `documents.parquet`, write `sentences.parquet`; return the sentence count."""
    sents = parse(read_table(stage_dir / "documents.parquet"))
    with atomic_path(stage_dir / "sentences.parquet") as tmp:
        table = pa.Table.from_pandas(sents, schema=SENTENCE_SCHEMA, preserve_index=False)
        pq.write_table(table.replace_schema_metadata(None), tmp, compression="zstd")
    log.info("parse sentences=%d", len(sents))
    return len(sents)


def read_sentences(stage_dir: Path) -> dict[str, tuple[tuple[int, int], ...]]:
    """`{doc_id: ((char_start, char_end), ...)}` from `sentences.parquet`."""
    df = pq.read_table(stage_dir / "sentences.parquet").to_pandas()
    out: dict[str, list[tuple[int, int]]] = {}
    for doc_id, a, b in zip(df["doc_id"], df["char_start"], df["char_end"], strict=True):
        out.setdefault(doc_id, []).append((int(a), int(b)))
    return {k: tuple(v) for k, v in out.items()}
