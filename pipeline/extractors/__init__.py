"""Every extractor, registered in one place.

An extractor is a module with `NAME`, `VERSION`, `TABLE` (the table its rows go to) and a pure
function `extract(doc: Document) -> list[Row]`. The extract stage runs each registered
extractor on each document; nothing else needs to know the list.
"""

from __future__ import annotations

from types import ModuleType

from pipeline.extractors import events, institutions, statistics

#: Registered extractors, in the order they run.
EXTRACTORS: tuple[ModuleType, ...] = (statistics, events, institutions)


def versions() -> dict[str, str]:
    """`{name: version}` of every registered extractor (part of the cache key of a result)."""
    return {m.NAME: m.VERSION for m in EXTRACTORS}
