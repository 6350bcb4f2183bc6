"""`events`: one row per event a document mentions."""

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas.types import (
    DATE_PRECISIONS,
    EVENT_STATUSES,
    EVENT_TYPES,
    char_end_field,
    char_start_field,
    confidence_field,
    doc_id_field,
    extractor_field,
    fact_id_field,
    is_list_of_strings,
    iso3_field,
    list_field,
    quote_field,
)


class Events(pa.DataFrameModel):
    """One row per distinct event of a document: what, when, where, who, CAMEO-coded."""

    event_id: Series[str] = fact_id_field("ev")
    doc_id: Series[str] = doc_id_field()
    char_start: Series[int] = char_start_field()
    char_end: Series[int] = char_end_field()
    quote: Series[str] = quote_field("the words that name the event")
    event_type: Series[str] = pa.Field(
        isin=EVENT_TYPES, description="One of: " + ", ".join(EVENT_TYPES) + "."
    )
    cameo_code: Series[str] = pa.Field(
        nullable=True,
        str_matches=r"^\d{2,4}$",
        description="CAMEO event code where one fits (042 make a visit, 043 host a visit, "
        "057 sign formal agreement), to join GDELT-style data.",
    )
    date_start: Series[pa.Date] = pa.Field(
        nullable=True, description="First day the event's date can be, resolved."
    )
    date_end: Series[pa.Date] = pa.Field(
        nullable=True, description="Last day the event's date can be, resolved."
    )
    date_precision: Series[str] = pa.Field(
        isin=DATE_PRECISIONS,
        description="How precise the date is: " + ", ".join(DATE_PRECISIONS) + ".",
    )
    date_text: Series[str] = pa.Field(
        nullable=True, description="The time expression as written (`last November`)."
    )
    status: Series[str] = pa.Field(
        isin=EVENT_STATUSES,
        description="Relative to publication: past, ongoing (`is paying a visit today`), "
        "planned (`will discuss`, `upcoming`).",
    )
    location: Series[str] = pa.Field(
        nullable=True, description="Place name, canonical English (`Astana`)."
    )
    location_country: Series[str] = iso3_field("ISO 3166 alpha-3 of the place.")
    latitude: Series[float] = pa.Field(
        nullable=True,
        in_range={"min_value": -90.0, "max_value": 90.0},
        description="Latitude of the place (WGS 84), where the gazetteer knows it.",
    )
    longitude: Series[float] = pa.Field(
        nullable=True,
        in_range={"min_value": -180.0, "max_value": 180.0},
        description="Longitude of the place (WGS 84), where the gazetteer knows it.",
    )
    participants: Series[object] = list_field(
        "Canonical names of the people, countries and institutions taking part."
    )
    extractor: Series[str] = extractor_field()
    confidence: Series[float] = confidence_field()

    @pa.check("participants", name="list_of_strings")
    @classmethod
    def participants_are_lists(cls, s: pd.Series) -> pd.Series:
        """Every cell is a list of strings (possibly empty)."""
        return s.map(is_list_of_strings)

    @pa.dataframe_check
    @classmethod
    def span_is_forward(cls, df: pd.DataFrame) -> pd.Series:
        """char_end > char_start."""
        return df["char_end"] > df["char_start"]

    @pa.dataframe_check
    @classmethod
    def dates_are_ordered(cls, df: pd.DataFrame) -> pd.Series:
        """date_start <= date_end where both are known."""
        both = df["date_start"].notna() & df["date_end"].notna()
        return ~both | (df["date_start"].where(both) <= df["date_end"].where(both))

    class Config:
        strict = True
        ordered = True
