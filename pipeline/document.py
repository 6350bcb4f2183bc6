"""The document every extractor reads: decoded text plus what ingest and parse told of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class Document:
    """One accepted raw file.

    `text` is the decoded raw text, unchanged: every character offset an extractor returns
    indexes into it (Python `str` indices). `sentences` are `(char_start, char_end)` spans
    from the parse stage, in order; they are empty until parse has run.
    """

    doc_id: str
    text: str
    published_date: date
    sentences: tuple[tuple[int, int], ...] = field(default=())
    title: str | None = None
    dateline: str | None = None
    publisher: str | None = None
    source_path: str = ""
