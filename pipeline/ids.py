"""Stable ids of facts: a hash of table, document and span, so a fact keeps its id from one
release to the next as long as its words are found at the same place (and state the same
kind of fact)."""

from __future__ import annotations

import hashlib

#: id prefix per fact table
PREFIXES = {"statistics": "st", "events": "ev", "institution_mentions": "im"}


def fact_id(
    table: str, doc_id: str, char_start: int, char_end: int, rank: int = 0, kind: str = ""
) -> str:
    """`<prefix>_<16 hex>`.

    `kind` is what kind of fact the row states (statistics: unit and qualifier; events: the
    event type; mentions: the institution), so rows of different kinds on one span never
    depend on each other; `rank` tells apart rows equal in span and kind (the two ends of a
    range), so adding a row of another kind on a span never changes an existing row's id.
    """
    key = f"{table}\x1f{doc_id}\x1f{char_start}\x1f{char_end}\x1f{kind}\x1f{rank}"
    return f"{PREFIXES[table]}_{hashlib.sha256(key.encode()).hexdigest()[:16]}"
