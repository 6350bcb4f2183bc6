"""Ingest: list the raw files, hash them, read their header, reject what cannot be read.

Bad input never stops the build: an unreadable file becomes a row of `rejected` with a reason
a person understands, and the other files go on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.io import (
    StageManifest,
    TableWriter,
    atomic_path,
    code_fingerprint,
)

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

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


def scan_raw_files(raw_dir: Path) -> list[tuple[str, str]]:
    """`(path relative to raw_dir, path)` of the regular, non-hidden files below `raw_dir`, in
    a stable order (by relative path). One `scandir` walk: no `stat` per file, no path
    arithmetic (a no-op build lists 20,000 files in a few tens of milliseconds)."""
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw folder not found: {raw_dir}")
    found: list[tuple[str, str]] = []
    folders = [(str(raw_dir), "")]
    while folders:
        folder, prefix = folders.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):  # as rglob: links to folders not walked
                    folders.append((entry.path, f"{prefix}{entry.name}/"))
                elif entry.is_file():
                    found.append((f"{prefix}{entry.name}", entry.path))
    found.sort(key=lambda item: item[0])
    return found


def _stats(files: list[tuple[str, str]]) -> tuple[str, dict[str, tuple[int, int]]]:
    """`stat_fingerprint` of the files (names relative to the raw folder), and each file's
    `(size, mtime_ns)`."""
    h = hashlib.sha256()
    stats: dict[str, tuple[int, int]] = {}
    for rel, path in files:
        st = os.stat(path)
        stats[rel] = (st.st_size, st.st_mtime_ns)
        h.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest(), stats


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
    from pipeline import headers

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


def iter_ingest(raw_dir: Path) -> Iterator[tuple[str, dict[str, object]]]:
    """`("documents", row)` or `("rejected", row)` for every file below `raw_dir`, in order,
    one file in memory at a time (plus a hash per accepted text, to find duplicates): the
    stage's own reading (`_outcomes`, `_rejection`) with no previous run to reuse."""
    files = scan_raw_files(raw_dir)
    seen: dict[str, str] = {}
    for rel, outcome, row in _outcomes(raw_dir, files, _stats(files)[1], {}):
        rejected = _rejection(rel, outcome, seen)
        if rejected is not None:
            yield "rejected", rejected
        elif row is not None:
            yield "documents", row


def ingest(raw_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(documents, rejected) for every file below `raw_dir`."""
    import pandas as pd

    from pipeline.io import table_schema

    out: dict[str, list[dict[str, object]]] = {"documents": [], "rejected": []}
    for table, row in iter_ingest(raw_dir):
        out[table].append(row)
    return (
        pd.DataFrame(out["documents"], columns=table_schema("documents").names),
        pd.DataFrame(out["rejected"], columns=["source_path", "reason", "detail"]),
    )


#: Documents per row group of `documents.parquet` (bounded memory while ingesting).
ROW_GROUP_DOCUMENTS = 2048
#: What ingest's output depends on besides the raw files.
CODE = ("stages/ingest.py", "headers.py", "lexicon.py", "lexicons/publishers.yaml")


#: Sidecar of the stage folder: what each raw file gave at the last run (by name, size and
#: modification time), so that an unchanged file is not read again.
FILES_MANIFEST = ".ingest-files.json"


@dataclass(frozen=True)
class _Outcome:
    """What one raw file gave: a document (by its sha256 and the key of its text), or a
    rejection (reason, detail). Duplicates are decided afterwards, over every file."""

    size: int
    mtime_ns: int
    sha256: str | None = None
    text_key: str | None = None
    reason: str | None = None
    detail: str | None = None

    def to_json(self) -> list[Any]:
        return [self.size, self.mtime_ns, self.sha256, self.text_key, self.reason, self.detail]


def _previous_outcomes(stage_dir: Path, code: str, manifest: StageManifest) -> dict[str, _Outcome]:
    """`{source_path: outcome}` of the last run, when its outputs are as it left them and the
    code is the same (else empty: every file is read)."""
    try:
        record = json.loads(manifest.path.read_text("utf-8"))
        if record["outputs"] != manifest.outputs_fingerprint():
            return {}
        files = json.loads((stage_dir / FILES_MANIFEST).read_text("utf-8"))
        if files["code"] != code or files["outputs"] != record["outputs"]:
            return {}
        return {str(k): _Outcome(*v) for k, v in files["files"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _outcomes(
    raw_dir: Path,
    files: list[tuple[str, str]],
    stats: dict[str, tuple[int, int]],
    previous: dict[str, _Outcome],
) -> Iterator[tuple[str, _Outcome, dict[str, object] | None]]:
    """`(source_path, outcome, documents row or None)` of every file in order: a file whose
    name, size and modification time are those of the last run is not read (row None, and
    the outcome is the recorded one, the very object of `previous`)."""
    for rel, path in files:
        size, mtime_ns = stats[rel]
        old = previous.get(rel)
        if old is not None and (old.size, old.mtime_ns) == (size, mtime_ns):
            yield rel, old, None
            continue
        if not RAW_NAME.match(rel.rsplit("/", 1)[-1]):
            log.warning("raw file name does not follow NNN_<16 hex>.txt path=%s", rel)
        try:
            row = read_document(Path(path), raw_dir)
        except Rejection as rej:
            log.warning("rejected path=%s reason=%r", rel, rej.reason)
            yield (
                rel,
                _Outcome(size, mtime_ns, reason=rej.reason, detail=rej.detail),
                None,
            )
            continue
        key = _text_key(str(row["text"]))
        yield rel, _Outcome(size, mtime_ns, str(row["sha256"]), key), row


def _rejection(rel: str, outcome: _Outcome, seen: dict[str, str]) -> dict[str, object] | None:
    """The `rejected` row of a file that gave no document or the text of an earlier file
    (`seen`: text key -> the first file with it, updated), or None for a document to keep."""
    if outcome.reason is not None:
        return {"source_path": rel, "reason": outcome.reason, "detail": outcome.detail}
    key = str(outcome.text_key)
    if key in seen:
        log.info("duplicate path=%s of=%s", rel, seen[key])
        return {
            "source_path": rel,
            "reason": f"The same text is already in {seen[key]}; it is kept once.",
            "detail": f"sha256 {outcome.sha256}",
        }
    seen[key] = rel
    return None


class _ReusedRows:
    """Rows of the previous `documents.parquet`, by source path (read on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._table: pa.Table | None = None
        self._index: dict[str, int] = {}

    def _load(self) -> pa.Table:
        import pyarrow.parquet as pq

        if self._table is None:
            self._table = pq.read_table(self.path) if self.path.exists() else None
            if self._table is None:
                import pyarrow as pa

                self._table = pa.table({"source_path": pa.array([], pa.string())})
            paths = self._table.column("source_path").to_pylist()
            self._index = {p: i for i, p in enumerate(paths)}
        return self._table

    def has(self, name: str) -> bool:
        self._load()
        return name in self._index

    def take(self, names: list[str]) -> pa.Table:
        import pyarrow as pa

        table = self._load()
        indices = pa.array([self._index[n] for n in names], pa.int64())
        return table.take(indices)


def run(raw_dir: Path, stage_dir: Path) -> tuple[int, int]:
    """Write `documents.parquet` and `rejected.parquet` to `stage_dir`; return their counts.

    Streams (row groups of `ROW_GROUP_DOCUMENTS`). When no raw file was added, removed or
    modified (names, sizes and modification times) since the last run, and the outputs are
    as that run left them, nothing is read again. Otherwise only the files added or modified
    since are read: the rows of the others are taken from the previous `documents.parquet`
    (what each file gave is recorded in `FILES_MANIFEST`), and the tables are the same bytes
    as a run from scratch.
    """
    files = scan_raw_files(raw_dir)
    outputs = [stage_dir / "documents.parquet", stage_dir / "rejected.parquet"]
    manifest = StageManifest(stage_dir, "ingest", outputs)
    code = code_fingerprint(*CODE)
    fingerprint, stats = _stats(files)
    inputs = f"{raw_dir.resolve()}:{fingerprint}:{code}"
    done = manifest.fresh(inputs)
    if done is not None:
        log.info("ingest documents=%d rejected=%d (raw files unchanged)", *done)
        return int(done[0]), int(done[1])
    previous = _previous_outcomes(stage_dir, code, manifest)
    manifest.forget()
    stage_dir.mkdir(parents=True, exist_ok=True)
    # the previous documents are read before the file is replaced: keep them aside
    kept = stage_dir / ".ingest-previous.parquet"
    kept.unlink(missing_ok=True)
    if previous:
        try:
            os.link(outputs[0], kept)
        except OSError:
            shutil.copyfile(outputs[0], kept)
    reused_rows = _ReusedRows(kept)
    recorded: dict[str, list[Any]] = {}
    seen: dict[str, str] = {}
    read = reused = 0
    try:
        with (
            TableWriter("documents", outputs[0], row_group_size=ROW_GROUP_DOCUMENTS) as docs,
            TableWriter("rejected", outputs[1]) as rejected,
        ):
            # documents are added in runs of reused rows (taken from the previous file at
            # once) and fresh rows; the writer cuts row groups as a cold run does
            pending: list[str] = []

            def flush() -> None:
                if pending:
                    docs.add_table(reused_rows.take(pending))
                    pending.clear()

            for rel, outcome, row in _outcomes(raw_dir, files, stats, previous):
                recorded[rel] = outcome.to_json()
                if outcome is previous.get(rel):
                    reused += 1
                else:
                    read += 1
                rejection = _rejection(rel, outcome, seen)
                if rejection is not None:
                    rejected.add([rejection])
                    continue
                if row is None and not reused_rows.has(rel):
                    # it was the duplicate of a file since removed: read it now
                    row = read_document(raw_dir / rel, raw_dir)
                if row is None:
                    pending.append(rel)
                else:
                    flush()
                    docs.add([row])
            flush()
    finally:
        kept.unlink(missing_ok=True)
    with atomic_path(stage_dir / FILES_MANIFEST) as tmp:
        payload = {"code": code, "outputs": manifest.outputs_fingerprint(), "files": recorded}
        tmp.write_text(json.dumps(payload, separators=(",", ":")) + "\n", encoding="utf-8")
    manifest.record(inputs, [docs.rows, rejected.rows])
    log.info("ingest documents=%d rejected=%d", docs.rows, rejected.rows)
    log.debug("ingest read=%d reused=%d", read, reused)
    return docs.rows, rejected.rows


__all__ = ["MAX_BYTES", "Rejection", "ingest", "read_document", "run"]
