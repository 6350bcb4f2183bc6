"""Stable ids of facts: a hash of table, document and span, so a fact keeps its id from one
release to the next as long as its words are found at the same place."""

from __future__ import annotations

import hashlib

#: id prefix per fact table
PREFIXES = {"statistics": "st", "events": "ev", "institution_mentions": "im"}


def fact_id(table: str, doc_id: str, char_start: int, char_end: int, rank: int = 0) -> str:
    """`<prefix>_<16 hex>`; `rank` tells apart rows sharing one span (the two ends of a range)."""
    key = f"{table}\x1f{doc_id}\x1f{char_start}\x1f{char_end}\x1f{rank}"
    return f"{PREFIXES[table]}_{hashlib.sha256(key.encode()).hexdigest()[:16]}"
