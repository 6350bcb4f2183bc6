"""`documents`: one row per accepted raw file."""

import pandera.pandas as pa
from pandera.typing import Series

from schemas.types import DOC_ID_PATTERN


class Documents(pa.DataFrameModel):
    """One row per accepted raw document with its full text: the target of provenance spans."""

    doc_id: Series[str] = pa.Field(
        unique=True,
        str_matches=DOC_ID_PATTERN,
        description="First 16 hex digits of the sha256 of the raw file's bytes.",
    )
    source_path: Series[str] = pa.Field(
        description="Path of the raw file relative to the raw folder."
    )
    published_date: Series[pa.Date] = pa.Field(
        description="Publication date, from the file's ` date YYYY-MM-DD ` header."
    )
    title: Series[str] = pa.Field(
        nullable=True, description="Headline or first line, where one can be told apart."
    )
    dateline: Series[str] = pa.Field(
        nullable=True, description="Place line of a news report, e.g. `ASTANA-BEIJING`."
    )
    publisher: Series[str] = pa.Field(
        nullable=True,
        description="Publisher or agency where the text names it: `Kazinform`, `Akorda.kz`.",
    )
    text: Series[str] = pa.Field(
        description="The decoded raw text, unchanged (header included): offsets index into it."
    )
    sha256: Series[str] = pa.Field(
        str_matches=r"^[0-9a-f]{64}$", description="Full hex sha256 digest of the raw bytes."
    )
    n_chars: Series[int] = pa.Field(ge=0, description="Length of `text` in code points.")

    class Config:
        strict = True
        ordered = True
