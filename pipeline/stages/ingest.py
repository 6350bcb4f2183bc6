"""Ingest: list the raw files, hash them, read their header, reject what cannot be read.

Bad input never stops the build: an unreadable file becomes a row of `rejected` with a reason
a person understands, and the other files go on.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

import schemas
from pipeline import headers
from pipeline.io import write_table

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


def ingest(raw_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(documents, rejected) for every file below `raw_dir`."""
    documents: list[dict[str, object]] = []
    rejected: list[dict[str, object]] = []
    seen: dict[str, str] = {}
    for path in list_raw_files(raw_dir):
        rel = path.relative_to(raw_dir).as_posix()
        if not RAW_NAME.match(path.name):
            log.warning("raw file name does not follow NNN_<16 hex>.txt path=%s", rel)
        try:
            row = read_document(path, raw_dir)
        except Rejection as rej:
            log.warning("rejected path=%s reason=%r", rel, rej.reason)
            rejected.append({"source_path": rel, "reason": rej.reason, "detail": rej.detail})
            continue
        key = _text_key(str(row["text"]))
        if key in seen:
            rejected.append(
                {
                    "source_path": rel,
                    "reason": f"The same text is already in {seen[key]}; it is kept once.",
                    "detail": f"sha256 {row['sha256']}",
                }
            )
            log.info("duplicate path=%s of=%s", rel, seen[key])
            continue
        seen[key] = rel
        documents.append(row)
    return (
        pd.DataFrame(documents, columns=_DOC_COLUMNS),
        pd.DataFrame(rejected, columns=["source_path", "reason", "detail"]),
    )


_DOC_COLUMNS = list(schemas.Documents.to_schema().columns)


def run(raw_dir: Path, stage_dir: Path) -> tuple[int, int]:
    """Write `documents.parquet` and `rejected.parquet` to `stage_dir`; return their counts."""
    docs, rej = ingest(raw_dir)
    write_table(docs, "documents", stage_dir / "documents.parquet")
    write_table(rej, "rejected", stage_dir / "rejected.parquet")
    log.info("ingest documents=%d rejected=%d", len(docs), len(rej))
    return len(docs), len(rej)


__all__ = ["MAX_BYTES", "Rejection", "ingest", "read_document", "run"]
