"""The per-document result cache: what a rebuild extracts again, and what it does not."""

from __future__ import annotations

import os
import time
from collections import Counter
from datetime import date
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pandas as pd
import pytest
from tiny_corpus import parquet_bytes, write_raw

from pipeline import cache, rebuild
from pipeline.document import Document
from pipeline.extractors import EXTRACTORS
from pipeline.stages import extract as extract_stage


def doc(text: str = " date 2024-05-16 Trade grew by 5%.", **kw: Any) -> Document:
    fields: dict[str, Any] = {
        "doc_id": "0123456789abcdef",
        "text": text,
        "published_date": date(2024, 5, 16),
        "sentences": ((17, len(text)),),
        "title": None,
        "dateline": None,
        "publisher": None,
        "source_path": "000_x.txt",
    }
    fields.update(kw)
    return Document(**fields)


ROWS = {"statistics": [{"doc_id": "0123456789abcdef", "char_start": 31, "value": 5.0}]}


# --- the store -------------------------------------------------------------------------------


def test_put_then_get(tmp_path: Path) -> None:
    store = cache.ResultCache(tmp_path)
    assert store.get(doc()) is None
    store.put(doc(), ROWS)
    assert store.get(doc()) == ROWS
    assert len(store.entries()) == 1
    assert not list(tmp_path.glob("*/*.tmp"))


def test_key_depends_on_text_date_sentences_and_versions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = cache.cache_key(doc())
    assert cache.cache_key(doc()) == base
    assert cache.cache_key(doc(text=" date 2024-05-16 Trade grew by 6%.")) != base
    assert cache.cache_key(doc(published_date=date(2024, 5, 17))) != base
    assert cache.cache_key(doc(sentences=((17, 30),))) != base
    # title and path do not feed the key through the text: the same text is the same result
    assert cache.cache_key(doc(source_path="001_y.txt")) == base
    monkeypatch.setattr(EXTRACTORS[0], "VERSION", "999.0")
    assert cache.cache_key(doc()) != base


def test_code_fingerprint_covers_extractors_and_lexicons() -> None:
    fp = cache.code_fingerprint()
    assert len(fp) == 64
    assert "extractors/statistics.py" not in cache.NOT_EXTRACTION
    assert "stages/extract.py" not in cache.NOT_EXTRACTION
    assert "cli.py" in cache.NOT_EXTRACTION


def test_torn_entry_is_a_miss_and_is_removed(tmp_path: Path) -> None:
    store = cache.ResultCache(tmp_path)
    store.put(doc(), ROWS)
    (entry,) = store.entries()
    entry.write_bytes(entry.read_bytes()[:7])  # what a crash in a naive writer leaves
    assert store.get(doc()) is None
    assert not entry.exists()
    store.put(doc(), ROWS)
    assert store.get(doc()) == ROWS


def test_prune_drops_what_was_not_used(tmp_path: Path) -> None:
    store = cache.ResultCache(tmp_path)
    old, used = doc(), doc(text=" date 2024-05-16 Exports fell by 2%.")
    store.put(old, ROWS)
    store.put(used, ROWS)
    past = time.time() - 3600  # both entries were last used an hour ago
    for entry in store.entries():
        os.utime(entry, (past, past))
    leftover = store.entries()[0].parent / ".abc.tmp"
    leftover.write_bytes(b"half")
    os.utime(leftover, (past, past))
    started = store.mark()
    assert store.get(used) == ROWS  # a hit refreshes the entry
    assert store.prune(started) == 1
    assert store.get(used) == ROWS
    assert store.get(old) is None
    assert not leftover.exists()


def test_prune_keeps_what_was_touched_since_the_mark(tmp_path: Path) -> None:
    store = cache.ResultCache(tmp_path)
    kept, gone = doc(), doc(text=" date 2024-05-16 Exports fell by 2%.")
    store.put(kept, ROWS)
    store.put(gone, ROWS)
    past = time.time() - 3600
    for entry in store.entries():
        os.utime(entry, (past, past))
    store.touch(cache.cache_key(kept))  # before the mark: forgotten by it
    started = store.mark()
    # another instance on the same folder (extract opens its own) marks the entry used
    cache.ResultCache(tmp_path).touch(cache.cache_key(kept))
    assert store.prune(started) == 1
    assert store.get(kept) == ROWS
    assert store.get(gone) is None


# --- incremental builds ----------------------------------------------------------------------


Calls = Counter[tuple[str, str]]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    """Count the extract stage's calls of each registered extractor, per (extractor, document).

    The stage's registry is replaced by stand-ins that count and call the real `extract`
    (counting inside the modules would also count extractors calling each other)."""
    counter: Calls = Counter()

    def counting(module: ModuleType) -> SimpleNamespace:
        def extract(d: Document) -> list[Any]:
            counter[(module.NAME, d.source_path or "")] += 1
            return list(module.extract(d))

        return SimpleNamespace(
            NAME=module.NAME, VERSION=module.VERSION, TABLE=module.TABLE, extract=extract
        )

    monkeypatch.setattr(extract_stage, "EXTRACTORS", tuple(counting(m) for m in EXTRACTORS))
    return counter


def docs_extracted(counter: Calls) -> set[str]:
    per_doc: dict[str, set[str]] = {}
    for (name, path), n in counter.items():
        assert n == 1, f"{name} ran {n} times on {path}"
        per_doc.setdefault(path, set()).add(name)
    names = {m.NAME for m in EXTRACTORS}
    assert all(v == names for v in per_doc.values()), per_doc
    return set(per_doc)


@pytest.mark.slow
def test_adding_a_document_extracts_only_that_document(
    tmp_path: Path, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    first = write_raw(raw, ["trade", "visit"])
    one = rebuild.run(raw, out, cache_dir=out / "cache", today=date(2026, 2, 1))
    assert docs_extracted(calls) == {p.name for p in first}
    assert one.extracted == 2

    calls.clear()
    (added,) = write_raw(raw, ["culture"])
    two = rebuild.run(raw, out, cache_dir=out / "cache", today=date(2026, 2, 1))
    assert docs_extracted(calls) == {added.name}
    assert two.extracted == 1 and two.documents == 3
    assert two.published.new and two.published.version == "2026.02.01.2"

    # the cached rows are the rows: a build without the cache gives the same bytes
    fresh = rebuild.run(raw, tmp_path / "fresh", cache_dir=None, today=date(2026, 2, 1))
    assert parquet_bytes(fresh.published.path) == parquet_bytes(two.published.path)

    # nothing changed: nothing extracted, nothing published
    calls.clear()
    three = rebuild.run(raw, out, cache_dir=out / "cache", today=date(2026, 2, 1))
    assert not calls
    assert not three.published.new and three.published.version == "2026.02.01.2"

    # a new version of one extractor: everything it produced is extracted again (a version
    # is bumped in the source, which the stage's code fingerprint reads: stood in for here)
    calls.clear()
    module = EXTRACTORS[0]
    monkeypatch.setattr(module, "VERSION", f"{module.VERSION}.1")
    monkeypatch.setattr(extract_stage, "_code", lambda: "edited")
    rebuild.run(raw, out, cache_dir=out / "cache", today=date(2026, 2, 1))
    assert docs_extracted(calls) == {p.name for p in raw.iterdir()}
    # ... and the entries of the old version, no longer used, are dropped
    assert len(cache.ResultCache(out / "cache").entries()) == 3


@pytest.mark.slow
def test_removing_a_document_extracts_nothing(tmp_path: Path, calls: Calls) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    paths = write_raw(raw, ["trade", "visit", "forum"])
    rebuild.run(raw, out, cache_dir=out / "cache", today=date(2026, 2, 1))
    calls.clear()
    paths[0].unlink()
    result = rebuild.run(raw, out, cache_dir=out / "cache", today=date(2026, 2, 1))
    assert not calls
    assert result.published.new
    docs = pd.read_parquet(result.published.path / "documents.parquet")
    assert sorted(docs["source_path"]) == sorted(p.name for p in paths[1:])
