"""statistics extractor (placeholder: being written)."""

from __future__ import annotations

from pipeline.document import Document
from pipeline.extractors.rows import StatisticRow

NAME = "statistics"
VERSION = "0.1"
TABLE = "statistics"


def extract(doc: Document) -> list[StatisticRow]:
    """Rows of `statistics` found in `doc`."""
    return []
