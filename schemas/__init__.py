"""The published tables, each declared once as a pandera `DataFrameModel`.

Everything else about a table (Parquet/Arrow schema, DuckDB DDL, Frictionless table schema,
the data dictionary) is generated from these models by `schemas.generate`.
"""

from schemas.documents import Documents
from schemas.events import Events
from schemas.institution_mentions import InstitutionMentions
from schemas.institutions import Institutions
from schemas.rejected import Rejected
from schemas.statistics import Statistics
from schemas.types import TableModel

#: Published tables in release order: name -> model.
TABLES: dict[str, type[TableModel]] = {
    "documents": Documents,
    "statistics": Statistics,
    "events": Events,
    "institutions": Institutions,
    "institution_mentions": InstitutionMentions,
    "rejected": Rejected,
}

#: Tables whose rows are facts taken from a document: each obeys the provenance rule.
FACT_TABLES: tuple[str, ...] = ("statistics", "events", "institution_mentions")

__all__ = [
    "FACT_TABLES",
    "TABLES",
    "Documents",
    "Events",
    "InstitutionMentions",
    "Institutions",
    "Rejected",
    "Statistics",
]
