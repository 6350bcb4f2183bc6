"""institutions extractor (placeholder: being written)."""

from __future__ import annotations

from pipeline.document import Document
from pipeline.extractors.rows import InstitutionMentionRow

NAME = "institutions"
VERSION = "0.1"
TABLE = "institution_mentions"


def extract(doc: Document) -> list[InstitutionMentionRow]:
    """Rows of `institution_mentions` found in `doc`."""
    return []
