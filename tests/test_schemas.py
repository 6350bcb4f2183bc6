"""Schemas declared once: DDL, Arrow, Frictionless and the data dictionary come from them."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

import schemas
from schemas.generate import arrow_schema, data_dictionary, duckdb_ddl, frictionless_schema

REPO = Path(__file__).resolve().parent.parent
SPEC_COLUMNS = {
    "documents": "doc_id source_path published_date title dateline publisher text sha256",
    "statistics": "stat_id doc_id char_start char_end quote value unit qualifier measure subject "
    "period_start period_end period_label from_country to_country extractor confidence",
    "events": "event_id doc_id char_start char_end quote event_type cameo_code date_start "
    "date_end date_precision date_text status location location_country latitude longitude "
    "participants extractor confidence",
    "institutions": "institution_id name acronym kind country wikidata_id aliases n_mentions "
    "n_documents",
    "institution_mentions": "mention_id institution_id doc_id char_start char_end quote extractor",
    "rejected": "source_path reason detail",
}


def test_every_spec_column_is_in_its_schema() -> None:
    assert set(schemas.TABLES) == set(SPEC_COLUMNS)
    for table, columns in SPEC_COLUMNS.items():
        declared = set(schemas.TABLES[table].to_schema().columns)
        assert set(columns.split()) <= declared, table


def test_every_column_has_a_description() -> None:
    for table, model in schemas.TABLES.items():
        for name, column in model.to_schema().columns.items():
            assert column.description, f"{table}.{name} has no description"


def test_committed_data_dictionary_matches_the_schemas() -> None:
    committed = (REPO / "docs" / "DATA_DICTIONARY.md").read_text(encoding="utf-8")
    assert committed == data_dictionary(schemas.TABLES), (
        "docs/DATA_DICTIONARY.md is stale: run `kzru dictionary --write`"
    )


def test_arrow_types_follow_the_logical_types() -> None:
    events = arrow_schema(schemas.Events)
    assert events.field("participants").type == pa.list_(pa.string())
    assert events.field("date_start").type == pa.date32()
    assert events.field("date_start").nullable
    assert not events.field("event_type").nullable
    assert arrow_schema(schemas.Statistics).field("value").type == pa.float64()


def test_ddl_runs_in_duckdb_with_comments() -> None:
    con = duckdb.connect()
    for table, model in schemas.TABLES.items():
        con.execute(duckdb_ddl(table, model))
    rows = con.execute(
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_name = 'events' AND column_name IN ('participants', 'date_start', 'quote') "
        "ORDER BY column_name"
    ).fetchall()
    assert rows == [
        ("date_start", "DATE", "YES"),
        ("participants", "VARCHAR[]", "NO"),
        ("quote", "VARCHAR", "NO"),
    ]
    comment = con.execute(
        "SELECT comment FROM duckdb_columns() WHERE table_name = 'statistics' "
        "AND column_name = 'unit'"
    ).fetchone()
    assert comment is not None and comment[0].startswith("ISO 4217 code for money")


def test_frictionless_schema() -> None:
    schema = frictionless_schema(schemas.Events)
    fields = {f["name"]: f for f in schema["fields"]}
    assert schema["primaryKey"] == ["event_id"]
    assert fields["participants"]["type"] == "array"
    assert fields["date_start"]["type"] == "date"
    assert fields["event_id"]["constraints"] == {"required": True, "unique": True}
    assert "constraints" not in fields["location"]
