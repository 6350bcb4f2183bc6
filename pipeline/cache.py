"""Per-document extraction results, cached by (document, extractor versions).

A document whose bytes, date, sentences and extractors are unchanged is not extracted again;
a new extractor version invalidates the results it took part in. The key also holds a
fingerprint of the extraction code and lexicons (every source and data file of the
`pipeline` package but the build machinery that does not touch extraction results), so an
edit that forgot to bump a `VERSION` cannot serve stale rows: the same raw files and code give
the same release, cached or not.

Layout: `<folder>/<2 hex>/<64 hex>.pkl`, one pickle per key, written to a unique temporary
name and renamed into place (a killed build never leaves a torn entry under a real name). An
entry that cannot be read is a miss, not an error. A hit (`get`) refreshes the entry's mtime and
an entry whose rows the extract stage reused without reading it is marked used in memory
(`touch`), so `prune(mark)` can drop what the last build did not use.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from pipeline.document import Document

log = logging.getLogger(__name__)

Rows = dict[str, list[dict[str, Any]]]

#: Bumped when the layout or the meaning of an entry changes (2: the key hashes the text's
#: bytes after a JSON head, instead of the JSON of everything).
FORMAT = 2
#: Files of the `pipeline` package that cannot change extraction results: they are left out
#: of the code fingerprint, so editing them does not empty the cache.
NOT_EXTRACTION = frozenset(
    {
        "__main__.py",
        "cache.py",
        "changes.py",
        "cli.py",
        "evaluate.py",
        "executors.py",
        "io.py",
        "gold.py",
        "lock.py",
        "plots.py",
        "query.py",
        "rebuild.py",
        "release.py",
        "site.py",
        # the stages but extract: what they feed extraction (text, sentences) is in the key
        "stages/ingest.py",
        "stages/parse.py",
        "stages/publish.py",
        "stages/validate.py",
    }
)
_SKIP_DIRS = frozenset({"__pycache__", "sql"})


@functools.cache
def code_fingerprint() -> str:
    """sha256 over the extraction code and lexicons of the installed `pipeline` package."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if (
            not path.is_file()
            or path.suffix in (".pyc", ".tmp")
            or any(part in _SKIP_DIRS or part.startswith(".") for part in rel.parts)
            or rel.as_posix() in NOT_EXTRACTION
        ):
            continue
        h.update(rel.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def cache_key(doc: Document) -> str:
    """Hash of what an extraction result depends on: text, date, sentences, extractors.

    A JSON head (everything but the text, with the text's length) then the text's UTF-8
    bytes: the same information as the JSON of it all, without escaping the text."""
    from pipeline.extractors import versions

    text = doc.text.encode("utf-8", "surrogatepass")
    head = json.dumps(
        [
            FORMAT,
            doc.doc_id,
            len(text),
            doc.published_date.isoformat(),
            doc.sentences,
            versions(),
            code_fingerprint(),
        ],
        sort_keys=True,
    )
    h = hashlib.sha256(head.encode())
    h.update(b"\n")
    h.update(text)
    return h.hexdigest()


#: Keys of the entries this process marked as used (`ResultCache.touch`) since the last
#: `mark` of each cache folder: `prune` keeps them without their modification time having
#: been set (a rebuild that reuses 20,000 documents' rows would otherwise set 20,000).
_USED: dict[Path, set[str]] = {}


class ResultCache:
    """A folder of pickled results, one file per cache key."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _used(self) -> set[str]:
        return _USED.setdefault(self.folder.absolute(), set())

    def _path(self, doc: Document) -> Path:
        return self.path_of(cache_key(doc))

    def path_of(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.pkl"

    def touch(self, key: str) -> None:
        """Mark the entry of `key` as used by this build, so that `prune` (in this process,
        after a `mark`) keeps it; its file is not written."""
        self._used().add(key)

    def get(self, doc: Document) -> Rows | None:
        """The rows stored for `doc`, or None (never stored, or unreadable)."""
        path = self._path(doc)
        try:
            with path.open("rb") as f:
                rows: Rows = pickle.load(f)
        except FileNotFoundError:
            return None
        except Exception as err:  # a torn or foreign file: recompute, never fail the build
            log.warning("cache entry %s unreadable (%r); extracting again", path.name, err)
            path.unlink(missing_ok=True)
            return None
        if not isinstance(rows, dict):
            return None
        with contextlib.suppress(OSError):  # a read-only cache still serves
            os.utime(path)
        return rows

    def put(self, doc: Document, rows: Rows) -> None:
        path = self._path(doc)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem[:16]}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(rows, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def entries(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted(self.folder.glob("??/*.pkl"))

    def mark(self) -> int:
        """Call just before a build reads the cache; pass the result to `prune` afterwards.

        It is the modification time (ns) of a marker file, stamped by the file system's clock
        like the entries, so "used since the mark" holds whatever that clock's resolution."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._used().clear()
        marker = self.folder / ".mark"
        marker.touch()
        os.utime(marker)
        return marker.stat().st_mtime_ns

    def prune(self, before: int) -> int:
        """Delete entries neither written nor read nor touched since `before` (from `mark`),
        and temporary files left by killed builds; returns how many entries were deleted."""
        if not self.folder.is_dir():
            return 0
        removed = 0
        used = self._used()
        for path in self.folder.glob("??/*"):
            if path.stem in used and path.suffix == ".pkl":
                continue
            try:
                stale = path.stat().st_mtime_ns < before
            except FileNotFoundError:
                continue
            if path.suffix == ".tmp" and stale:
                path.unlink(missing_ok=True)
            elif path.suffix == ".pkl" and stale:
                path.unlink(missing_ok=True)
                removed += 1
        return removed
