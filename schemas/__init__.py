"""The published tables, each declared once as a pandera `DataFrameModel`.

Everything else about a table (Parquet/Arrow schema, DuckDB DDL, Frictionless table schema,
the data dictionary) is generated from these models by `schemas.generate`.

The models (and pandera, which takes a good part of a second to import) are imported on
first use of `TABLES` or of a model's name, so that what only needs `FACT_TABLES` (a no-op
rebuild checking its fingerprints) does not pay for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from schemas.documents import Documents
    from schemas.events import Events
    from schemas.institution_mentions import InstitutionMentions
    from schemas.institutions import Institutions
    from schemas.rejected import Rejected
    from schemas.statistics import Statistics
    from schemas.types import TableModel

    #: Published tables in release order: name -> model.
    TABLES: dict[str, type[TableModel]]

#: Tables whose rows are facts taken from a document: each obeys the provenance rule.
FACT_TABLES: tuple[str, ...] = ("statistics", "events", "institution_mentions")

_MODELS = {
    "Documents": "schemas.documents",
    "Events": "schemas.events",
    "InstitutionMentions": "schemas.institution_mentions",
    "Institutions": "schemas.institutions",
    "Rejected": "schemas.rejected",
    "Statistics": "schemas.statistics",
}


def __getattr__(name: str) -> Any:
    """`TABLES` and the models, imported on first use (then cached in the module)."""
    import importlib

    if name in _MODELS:
        value = getattr(importlib.import_module(_MODELS[name]), name)
    elif name == "TABLES":
        value = {
            "documents": __getattr__("Documents"),
            "statistics": __getattr__("Statistics"),
            "events": __getattr__("Events"),
            "institutions": __getattr__("Institutions"),
            "institution_mentions": __getattr__("InstitutionMentions"),
            "rejected": __getattr__("Rejected"),
        }
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


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
