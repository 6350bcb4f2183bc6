"""Per-document extraction results, cached by (document, extractor versions).

A document whose bytes, sentences and extractors are unchanged is not extracted again; a new
extractor version invalidates exactly the results it produced.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path
from typing import Any

from pipeline.document import Document
from pipeline.extractors import versions

Rows = dict[str, list[dict[str, Any]]]


def cache_key(doc: Document) -> str:
    """Hash of what an extraction result depends on: text, date, sentences, extractors."""
    payload = json.dumps(
        [doc.doc_id, doc.text, doc.published_date.isoformat(), doc.sentences, versions()],
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


class ResultCache:
    """A folder of pickled results, one file per cache key."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, doc: Document) -> Path:
        key = cache_key(doc)
        return self.folder / key[:2] / f"{key}.pkl"

    def get(self, doc: Document) -> Rows | None:
        path = self._path(doc)
        if not path.exists():
            return None
        with path.open("rb") as f:
            rows: Rows = pickle.load(f)
        return rows

    def put(self, doc: Document, rows: Rows) -> None:
        path = self._path(doc)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as f:
            pickle.dump(rows, f, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
