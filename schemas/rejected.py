"""`rejected`: raw files that could not become documents, and why."""

import pandera.pandas as pa
from pandera.typing import Series


class Rejected(pa.DataFrameModel):
    """One row per raw file left out of `documents`, with a reason a person understands."""

    source_path: Series[str] = pa.Field(
        description="Path of the raw file relative to the raw folder."
    )
    reason: Series[str] = pa.Field(
        str_length={"min_value": 1},
        description="Why the file was left out, as a sentence: `The file is empty.`",
    )
    detail: Series[str] = pa.Field(
        nullable=True,
        description="Technical detail: the decoding error, the bad header, the duplicate's path.",
    )

    class Config:
        strict = True
        ordered = True
