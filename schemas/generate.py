"""Everything derived from the pandera models: Arrow schemas, DuckDB DDL, Frictionless table
schemas and the data dictionary. Nothing here is written by hand twice."""

from __future__ import annotations

from typing import Any

import pandera.pandas as pa
import pyarrow as pa_arrow

from schemas.types import LIST_OF_STRINGS, TableModel

#: logical type -> (Arrow type, DuckDB type, Frictionless type)
_TYPES: dict[str, tuple[pa_arrow.DataType, str, dict[str, Any]]] = {
    "string": (pa_arrow.string(), "VARCHAR", {"type": "string"}),
    "double": (pa_arrow.float64(), "DOUBLE", {"type": "number"}),
    "int64": (pa_arrow.int64(), "BIGINT", {"type": "integer"}),
    "date": (pa_arrow.date32(), "DATE", {"type": "date"}),
    "bool": (pa_arrow.bool_(), "BOOLEAN", {"type": "boolean"}),
    LIST_OF_STRINGS: (pa_arrow.list_(pa_arrow.string()), "VARCHAR[]", {"type": "array"}),
}


def _columns(model: type[TableModel]) -> dict[str, pa.Column]:
    return dict(model.to_schema().columns)


def logical_type(column: pa.Column) -> str:
    """The logical type of a pandera column (see `schemas.types`)."""
    metadata = column.metadata or {}
    if "logical_type" in metadata:
        return str(metadata["logical_type"])
    dtype = str(column.dtype)
    if dtype.startswith("string") or dtype in {"str", "object"}:
        return "string"
    if dtype.startswith("float"):
        return "double"
    if dtype.startswith("int"):
        return "int64"
    if dtype == "date":
        return "date"
    if dtype == "bool":
        return "bool"
    raise ValueError(f"column {column.name!r}: no logical type for pandera dtype {dtype!r}")


def describe(model: type[TableModel]) -> str:
    """The table's description: the model's docstring, first paragraph."""
    return (model.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")


def arrow_schema(model: type[TableModel]) -> pa_arrow.Schema:
    """Arrow schema of a table, columns in model order, nullability from the model."""
    fields = []
    for name, column in _columns(model).items():
        arrow_type = _TYPES[logical_type(column)][0]
        description = (column.description or "").encode()
        fields.append(
            pa_arrow.field(
                name,
                arrow_type,
                nullable=bool(column.nullable),
                metadata={"description": description},
            )
        )
    return pa_arrow.schema(fields)


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def duckdb_ddl(table: str, model: type[TableModel]) -> str:
    """`CREATE TABLE` plus `COMMENT ON` statements for one table."""
    lines = []
    comments = [f"COMMENT ON TABLE {table} IS {_sql_string(describe(model))};"]
    for name, column in _columns(model).items():
        sql_type = _TYPES[logical_type(column)][1]
        null = "" if column.nullable else " NOT NULL"
        lines.append(f"    {name} {sql_type}{null}")
        comments.append(
            f"COMMENT ON COLUMN {table}.{name} IS {_sql_string(column.description or '')};"
        )
    return f"CREATE TABLE {table} (\n" + ",\n".join(lines) + "\n);\n" + "\n".join(comments) + "\n"


def frictionless_schema(model: type[TableModel]) -> dict[str, Any]:
    """Frictionless Table Schema of a table."""
    fields = []
    for name, column in _columns(model).items():
        field: dict[str, Any] = {"name": name, **_TYPES[logical_type(column)][2]}
        field["description"] = column.description or ""
        constraints: dict[str, Any] = {}
        if not column.nullable:
            constraints["required"] = True
        if column.unique:
            constraints["unique"] = True
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    schema: dict[str, Any] = {"fields": fields}
    id_column = next(iter(_columns(model)))
    if _columns(model)[id_column].unique:
        schema["primaryKey"] = [id_column]
    return schema


def _checks(column: pa.Column) -> str:
    parts = []
    for check in column.checks:
        stats = {k: v for k, v in check.statistics.items() if v is not None}
        if check.name == "isin":
            parts.append("one of " + ", ".join(f"`{v}`" for v in stats["allowed_values"]))
        elif check.name == "str_matches":
            parts.append(f"matches `{stats['pattern']}`")
        elif check.name == "greater_than_or_equal_to":
            parts.append(f">= {stats['min_value']}")
        elif check.name == "in_range":
            parts.append(f"{stats['min_value']}..{stats['max_value']}")
        elif check.name == "str_length":
            parts.append(f"length >= {stats['min_value']}")
        elif stats:
            parts.append(f"{check.name} " + ", ".join(f"{k}={v}" for k, v in stats.items()))
        else:
            parts.append(check.name or "custom check")
    if column.unique:
        parts.append("unique")
    return "; ".join(parts)


def data_dictionary(tables: dict[str, type[TableModel]]) -> str:
    """The Markdown data dictionary of the published tables."""
    out = [
        "# kzru data dictionary",
        "",
        "Generated from the pandera models in `schemas/` by `kzru dictionary --write`; "
        "do not edit by hand (a test fails when this file and the schemas differ).",
        "",
    ]
    for table, model in tables.items():
        out += [f"## {table}", "", describe(model), ""]
        out += ["| column | type | null | checks | meaning |", "|---|---|---|---|---|"]
        for name, column in _columns(model).items():
            meaning = (column.description or "").replace("|", "\\|")
            checks = _checks(column).replace("|", "\\|")
            null = "yes" if column.nullable else "no"
            out.append(f"| `{name}` | {logical_type(column)} | {null} | {checks} | {meaning} |")
        out.append("")
    return "\n".join(out)
