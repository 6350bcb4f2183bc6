"""Ingest: list the raw files, hash them, read their header, reject what cannot be read.

Bad input never stops the build: an unreadable file becomes a row of `rejected` with a reason
a person understands, and the other files go on.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

import schemas
from pipeline import headers
from pipeline.io import StageManifest, TableWriter, code_fingerprint, stat_fingerprint

log = logging.getLogger(__name__)

#: Largest raw file accepted (bytes). Larger files are rejected, not truncated.
MAX_BYTES = 16 * 1024 * 1024
RAW_NAME = re.compile(r"^\d{3,}_[0-9a-f]{16}\.txt$")
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class Rejection(Exception):
    """A raw file that cannot become a document, and why."""

    reason: str
    detail: str | None = None


def list_raw_files(raw_dir: Path) -> list[Path]:
    """Regular, non-hidden files below `raw_dir`, in a stable order."""
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw folder not found: {raw_dir}")
    files = (
        p
        for p in raw_dir.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(raw_dir).parts)
    )
    return sorted(files, key=lambda p: p.relative_to(raw_dir).as_posix())


def decode(data: bytes) -> str:
    """UTF-8 text of a raw file; a leading byte-order mark belongs to the encoding and is
    dropped, nothing else changes (Windows line endings are kept)."""
    if not data.strip():
        raise Rejection("The file is empty.", f"{len(data)} bytes, none of them text")
    if len(data) > MAX_BYTES:
        raise Rejection(
            f"The file is larger than the {MAX_BYTES // (1024 * 1024)} MiB limit for one document.",
            f"{len(data)} bytes",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise Rejection(
            "The file is not UTF-8 text; re-save it as UTF-8.",
            f"invalid byte 0x{data[err.start]:02x} at byte offset {err.start}",
        ) from err
    if "\x00" in text:
        raise Rejection("The file contains NUL characters; it looks binary, not text.", None)
    if not text.strip():
        raise Rejection("The file is empty.", "only white space")
    return text


def read_document(path: Path, raw_dir: Path) -> dict[str, object]:
    """One `documents` row for a raw file, or raise `Rejection`."""
    data = path.read_bytes()
    text = decode(data)
    try:
        header = headers.parse(text)
    except headers.HeaderError as err:
        raise Rejection(err.reason, err.detail) from err
    digest = hashlib.sha256(data).hexdigest()
    return {
        "doc_id": digest[:16],
        "source_path": path.relative_to(raw_dir).as_posix(),
        "published_date": header.published_date,
        "title": header.title,
        "dateline": header.dateline,
        "publisher": header.publisher,
        "text": text,
        "sha256": digest,
        "n_chars": len(text),
    }


def _text_key(text: str) -> str:
    """Key for "the same text twice": white space and line endings do not count."""
    return hashlib.sha256(_WS.sub(" ", text).strip().encode()).hexdigest()


def iter_ingest(
    raw_dir: Path, files: list[Path] | None = None
) -> Iterator[tuple[str, dict[str, object]]]:
    """`("documents", row)` or `("rejected", row)` for every file below `raw_dir`, in order,
    one file in memory at a time (plus a hash per accepted text, to find duplicates)."""
    seen: dict[str, str] = {}
    for path in list_raw_files(raw_dir) if files is None else files:
        rel = path.relative_to(raw_dir).as_posix()
        if not RAW_NAME.match(path.name):
            log.warning("raw file name does not follow NNN_<16 hex>.txt path=%s", rel)
        try:
            row = read_document(path, raw_dir)
        except Rejection as rej:
            log.warning("rejected path=%s reason=%r", rel, rej.reason)
            yield "rejected", {"source_path": rel, "reason": rej.reason, "detail": rej.detail}
            continue
        key = _text_key(str(row["text"]))
        if key in seen:
            yield (
                "rejected",
                {
                    "source_path": rel,
                    "reason": f"The same text is already in {seen[key]}; it is kept once.",
                    "detail": f"sha256 {row['sha256']}",
                },
            )
            log.info("duplicate path=%s of=%s", rel, seen[key])
            continue
        seen[key] = rel
        yield "documents", row


def ingest(raw_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(documents, rejected) for every file below `raw_dir`."""
    out: dict[str, list[dict[str, object]]] = {"documents": [], "rejected": []}
    for table, row in iter_ingest(raw_dir):
        out[table].append(row)
    return (
        pd.DataFrame(out["documents"], columns=_DOC_COLUMNS),
        pd.DataFrame(out["rejected"], columns=["source_path", "reason", "detail"]),
    )


_DOC_COLUMNS = list(schemas.Documents.to_schema().columns)


#: Documents per row group of `documents.parquet` (bounded memory while ingesting).
ROW_GROUP_DOCUMENTS = 2048
#: What ingest's output depends on besides the raw files.
CODE = ("stages/ingest.py", "headers.py", "lexicon.py", "lexicons/publishers.yaml")


def run(raw_dir: Path, stage_dir: Path) -> tuple[int, int]:
    """Write `documents.parquet` and `rejected.parquet` to `stage_dir`; return their counts.

    Streams (row groups of `ROW_GROUP_DOCUMENTS`). When no raw file was added, removed or
    modified (names, sizes and modification times) since the last run, and the outputs are
    as that run left them, nothing is read again.
    """
    files = list_raw_files(raw_dir)
    outputs = [stage_dir / "documents.parquet", stage_dir / "rejected.parquet"]
    manifest = StageManifest(stage_dir, "ingest", outputs)
    inputs = f"{raw_dir.resolve()}:{stat_fingerprint(files, raw_dir)}:{code_fingerprint(*CODE)}"
    done = manifest.fresh(inputs)
    if done is not None:
        log.info("ingest documents=%d rejected=%d (raw files unchanged)", *done)
        return int(done[0]), int(done[1])
    manifest.forget()
    with (
        TableWriter("documents", outputs[0], row_group_size=ROW_GROUP_DOCUMENTS) as docs,
        TableWriter("rejected", outputs[1]) as rejected,
    ):
        writers = {"documents": docs, "rejected": rejected}
        for table, row in iter_ingest(raw_dir, files):
            writers[table].add([row])
    manifest.record(inputs, [docs.rows, rejected.rows])
    log.info("ingest documents=%d rejected=%d", docs.rows, rejected.rows)
    return docs.rows, rejected.rows


__all__ = ["MAX_BYTES", "Rejection", "ingest", "read_document", "run"]
