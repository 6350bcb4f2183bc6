"""What each extractor returns: one `TypedDict` per table, without the columns the extract
stage fills in (`doc_id` and the stable ids).

Every row carries its provenance span: `doc.text[char_start:char_end] == quote`.
"""

from __future__ import annotations

from datetime import date
from typing import TypedDict


class StatisticRow(TypedDict):
    char_start: int
    char_end: int
    quote: str
    value: float
    unit: str
    qualifier: str
    measure: str
    subject: str | None
    period_start: date | None
    period_end: date | None
    period_label: str | None
    from_country: str | None
    to_country: str | None
    extractor: str
    confidence: float


class EventRow(TypedDict):
    char_start: int
    char_end: int
    quote: str
    event_type: str
    cameo_code: str | None
    date_start: date | None
    date_end: date | None
    date_precision: str
    date_text: str | None
    status: str
    location: str | None
    location_country: str | None
    latitude: float | None
    longitude: float | None
    participants: list[str]
    extractor: str
    confidence: float


class InstitutionMentionRow(TypedDict):
    """A mention, plus the attributes of the institution it links to.

    The extract stage splits these into `institution_mentions` (the span) and
    `institutions` (one record per `institution_id`, aliases and counts aggregated).
    """

    char_start: int
    char_end: int
    quote: str
    institution_id: str
    extractor: str
    confidence: float
    name: str
    acronym: str | None
    kind: str
    country: str | None
    wikidata_id: str | None
    parent_id: str | None
    source: str  # "registry" or "discovered"
