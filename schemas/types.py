"""Shared field declarations and vocabularies of the published tables.

Each published column has one *logical type* (`string`, `double`, `int64`, `date`,
`list<string>`), read from the pandera dtype or, for lists, from the field metadata
`{"logical_type": "list<string>"}`. The generators map logical types to Arrow, DuckDB and
Frictionless types.
"""

from __future__ import annotations

from typing import Any

import pandera.pandas as pa

TableModel = pa.DataFrameModel

LIST_OF_STRINGS = "list<string>"

DOC_ID_PATTERN = r"^[0-9a-f]{16}$"
ISO3_PATTERN = r"^[A-Z]{3}$"
SNAKE_CASE_PATTERN = r"^[a-z][a-z0-9_]*$"
ID_PATTERN = r"^[a-z0-9][a-z0-9_.:-]*$"

QUALIFIERS = ("exact", "more_than", "less_than", "about", "almost", "up_to", "at_least")
EVENT_TYPES = (
    "visit",
    "talks",
    "summit",
    "forum",
    "agreement_signing",
    "founding",
    "election",
    "phone_call",
    "cultural_event",
    "lecture",
    "other",
)
DATE_PRECISIONS = ("day", "month", "quarter", "half", "year", "unknown")
EVENT_STATUSES = ("past", "ongoing", "planned")
INSTITUTION_KINDS = (
    "intergovernmental",
    "government",
    "legislature",
    "university",
    "school",
    "museum",
    "theatre",
    "company",
    "media",
    "infrastructure",
    "other",
)
#: Units other than ISO 4217 currency codes.
NON_MONEY_UNITS = (
    "count",
    "people",
    "percent",
    "percentage_point",
    "multiple",
    "km",
    "m",
    "square_km",
    "square_m",
    "hectare",
    "tonne",
    "cubic_metre",
    "barrel",
    "mw",
    "kwh",
    "year",
    "other",
)
UNIT_PATTERN = r"^(?:[A-Z]{3}|" + "|".join(NON_MONEY_UNITS) + r")$"


def fact_id_field(prefix: str) -> Any:
    return pa.Field(
        unique=True,
        str_matches=rf"^{prefix}_[0-9a-f]{{16}}$",
        description="Stable id: a hash of table, document and span (and rank among rows "
        "sharing a span); the same fact keeps its id from release to release.",
    )


def doc_id_field(description: str = "Document the row comes from (`documents.doc_id`).") -> Any:
    return pa.Field(str_matches=DOC_ID_PATTERN, description=description)


def char_start_field() -> Any:
    return pa.Field(ge=0, description="Start of the quote in `documents.text` (code points).")


def char_end_field() -> Any:
    return pa.Field(
        ge=1, description="End of the quote in `documents.text`, exclusive (code points)."
    )


def quote_field(what: str) -> Any:
    return pa.Field(
        str_length={"min_value": 1},
        description=f"Exact text of {what}: `documents.text[char_start:char_end]`.",
    )


def extractor_field() -> Any:
    return pa.Field(
        str_matches=r"^[a-z_]+(?:/[a-z0-9_]+)?@\d+(?:\.\d+)*$",
        description="Extractor (and rule) that produced the row, with its version: "
        "`statistics/money@1.0`.",
    )


def confidence_field() -> Any:
    return pa.Field(in_range={"min_value": 0.0, "max_value": 1.0}, description="0..1.")


def list_field(description: str) -> Any:
    return pa.Field(description=description, metadata={"logical_type": LIST_OF_STRINGS})


def iso3_field(description: str) -> Any:
    return pa.Field(str_matches=ISO3_PATTERN, nullable=True, description=description)


def is_list_of_strings(value: object) -> bool:
    """True for a list (or array) of strings: the cell type of `list<string>` columns."""
    try:
        return not isinstance(value, str) and all(isinstance(v, str) for v in value)  # type: ignore[attr-defined]
    except TypeError:
        return False
