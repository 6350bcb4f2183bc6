"""`institutions`: one row per distinct organisation."""

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas.types import (
    ID_PATTERN,
    INSTITUTION_KINDS,
    is_list_of_strings,
    iso3_field,
    list_field,
)


class Institutions(pa.DataFrameModel):
    """One row per organisation mentioned anywhere in the corpus, canonical and linked."""

    institution_id: Series[str] = pa.Field(
        unique=True,
        str_matches=ID_PATTERN,
        description="Stable slug: `eaeu`, `cis`, `lomonosov-moscow-state-university`.",
    )
    name: Series[str] = pa.Field(description="Canonical English name.")
    acronym: Series[str] = pa.Field(nullable=True, description="Acronym: `EAEU`, `CSTO`.")
    kind: Series[str] = pa.Field(
        isin=INSTITUTION_KINDS, description="One of: " + ", ".join(INSTITUTION_KINDS) + "."
    )
    country: Series[str] = iso3_field(
        "ISO 3166 alpha-3 of the organisation; null for intergovernmental bodies."
    )
    wikidata_id: Series[str] = pa.Field(
        nullable=True, str_matches=r"^Q\d+$", description="Wikidata item, where known for certain."
    )
    parent_id: Series[str] = pa.Field(
        nullable=True,
        description="`institution_id` of the body this one is an organ of (CIS Council of "
        "Heads of State -> `cis`).",
    )
    source: Series[str] = pa.Field(
        isin=("registry", "discovered"),
        description="`registry` for a curated record, `discovered` for a name found in text.",
    )
    aliases: Series[object] = list_field("Every surface form seen in the corpus, sorted.")
    n_mentions: Series[int] = pa.Field(ge=1, description="Mentions in the corpus.")
    n_documents: Series[int] = pa.Field(ge=1, description="Documents that mention it.")

    @pa.check("aliases", name="list_of_strings")
    @classmethod
    def aliases_are_lists(cls, s: pd.Series) -> pd.Series:
        """Every cell is a list of strings."""
        return s.map(is_list_of_strings)

    class Config:
        strict = True
        ordered = True
