"""events extractor (placeholder: being written)."""

from __future__ import annotations

from pipeline.document import Document
from pipeline.extractors.rows import EventRow

NAME = "events"
VERSION = "0.1"
TABLE = "events"


def extract(doc: Document) -> list[EventRow]:
    """Rows of `events` found in `doc`."""
    return []
