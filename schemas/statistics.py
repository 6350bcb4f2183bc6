"""`statistics`: one row per numeric fact."""

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas.types import (
    QUALIFIERS,
    SNAKE_CASE_PATTERN,
    UNIT_PATTERN,
    char_end_field,
    char_start_field,
    confidence_field,
    doc_id_field,
    extractor_field,
    fact_id_field,
    iso3_field,
    quote_field,
)


class Statistics(pa.DataFrameModel):
    """One row per numeric fact of a document, in base units, with its period and meaning."""

    stat_id: Series[str] = fact_id_field("st")
    doc_id: Series[str] = doc_id_field()
    char_start: Series[int] = char_start_field()
    char_end: Series[int] = char_end_field()
    quote: Series[str] = quote_field(
        "the number with its scale and unit words (`$3 billion`, `23,000 Russian companies`)"
    )
    value: Series[float] = pa.Field(
        description="Value in base units: 3e9 for `$3 billion`, 3.2 for `3.2%`, 6 for `six-fold`."
    )
    unit: Series[str] = pa.Field(
        str_matches=UNIT_PATTERN,
        description="ISO 4217 code for money (`USD`, `RUB`, `KZT`, `EUR`); else `count`, "
        "`people`, `percent`, `percentage_point`, `multiple`, `km`, `tonne`, `cubic_metre`, "
        "`barrel`, `mw`, ... or `other` where the text names no unit.",
    )
    qualifier: Series[str] = pa.Field(
        isin=QUALIFIERS, description="How the text bounds the value: " + ", ".join(QUALIFIERS) + "."
    )
    measure: Series[str] = pa.Field(
        str_matches=SNAKE_CASE_PATTERN,
        description="What is measured, snake_case: `trade_turnover`, `exports`, `imports`, "
        "`investment`, `companies`, `students`, `growth`, `share`, `length`, ... or `other`.",
    )
    subject: Series[str] = pa.Field(
        nullable=True,
        description="What is counted or measured, in the text's words.",
    )
    period_start: Series[pa.Date] = pa.Field(
        nullable=True, description="First day of the period the number refers to."
    )
    period_end: Series[pa.Date] = pa.Field(
        nullable=True, description="Last day of the period the number refers to."
    )
    period_label: Series[str] = pa.Field(
        nullable=True, description="The period as a label: `2023`, `2015-H1`, `2015-01/2015-06`."
    )
    from_country: Series[str] = iso3_field(
        "ISO 3166 alpha-3 origin of a directed flow (investment, exports)."
    )
    to_country: Series[str] = iso3_field("ISO 3166 alpha-3 destination of a directed flow.")
    extractor: Series[str] = extractor_field()
    confidence: Series[float] = confidence_field()

    @pa.dataframe_check
    @classmethod
    def span_is_forward(cls, df: pd.DataFrame) -> pd.Series:
        """char_end > char_start."""
        return df["char_end"] > df["char_start"]

    @pa.dataframe_check
    @classmethod
    def period_is_ordered(cls, df: pd.DataFrame) -> pd.Series:
        """period_start <= period_end where both are known."""
        both = df["period_start"].notna() & df["period_end"].notna()
        ordered = df["period_start"].where(both) <= df["period_end"].where(both)
        return ~both | ordered

    class Config:
        strict = True
        ordered = True
