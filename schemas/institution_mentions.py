"""`institution_mentions`: every place a document names an organisation."""

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas.types import (
    ID_PATTERN,
    char_end_field,
    char_start_field,
    confidence_field,
    doc_id_field,
    extractor_field,
    fact_id_field,
    quote_field,
)


class InstitutionMentions(pa.DataFrameModel):
    """One row per mention of an organisation, linked to `institutions`."""

    mention_id: Series[str] = fact_id_field("im")
    institution_id: Series[str] = pa.Field(
        str_matches=ID_PATTERN, description="The organisation (`institutions.institution_id`)."
    )
    doc_id: Series[str] = doc_id_field()
    char_start: Series[int] = char_start_field()
    char_end: Series[int] = char_end_field()
    quote: Series[str] = quote_field("the organisation's name as written")
    extractor: Series[str] = extractor_field()
    confidence: Series[float] = confidence_field()

    @pa.dataframe_check
    @classmethod
    def span_is_forward(cls, df: pd.DataFrame) -> pd.Series:
        """char_end > char_start."""
        return df["char_end"] > df["char_start"]

    class Config:
        strict = True
        ordered = True
