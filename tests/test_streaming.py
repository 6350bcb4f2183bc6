"""Bounded-memory stages: validating the stage files chunk by chunk (and in DuckDB) finds
exactly the failures `validate` finds on whole tables; up-to-date stages are skipped."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_validate import TEXT, tables

import schemas
from pipeline.io import read_table, write_table
from pipeline.stages import ingest, parse, validate


def _write(stage_dir: Path, t: dict[str, pd.DataFrame]) -> None:
    for name, df in t.items():
        write_table(df, name, stage_dir / f"{name}.parquet")


def _broken() -> dict[str, pd.DataFrame]:
    """Two statistics rows breaking the schema, provenance, documents and uniqueness, and a
    mention of an unknown institution."""
    t = tables()
    stats = pd.concat([t["statistics"]] * 3, ignore_index=True)
    stats.loc[1, "unit"] = "dollars"
    stats.loc[1, "char_start"] = TEXT.index("$5 billion") + 1
    stats.loc[2, "doc_id"] = "fedcba9876543210"
    stats.loc[2, "qualifier"] = "roughly"
    t["statistics"] = stats
    t["institution_mentions"].loc[0, "institution_id"] = "csto"
    return t


@pytest.mark.parametrize("chunk_rows", [1, 2, 50_000])
@pytest.mark.parametrize("make", [tables, _broken])
def test_file_validation_equals_table_validation(
    tmp_path: Path, chunk_rows: int, make: object
) -> None:
    t = make()  # type: ignore[operator]
    _write(tmp_path, t)
    read = {name: read_table(tmp_path / f"{name}.parquet") for name in schemas.TABLES}
    expected = validate.validate(read)
    got = validate.validate_files(tmp_path, chunk_rows=chunk_rows)

    def key(failures: list[validate.Failure]) -> list[tuple[object, ...]]:
        return sorted((f.table, f.column or "", f.check, tuple(f.rows)) for f in failures)

    assert key(got) == key(expected)
    if make is _broken:
        by = {(f.table, f.column, f.check.split("(")[0]): f for f in got}
        assert by[("statistics", "stat_id", "field_uniqueness")].rows == [0, 1, 2]
        assert by[("statistics", "unit", "str_matches")].rows == [1]
        assert by[("statistics", "quote", "provenance")].examples == [
            "quote '$5 billion' but text has '5 billion'"
        ]
        assert by[("statistics", "doc_id", "document exists")].rows == [2]
        assert by[("institution_mentions", "institution_id", "institution exists")].rows == [0]


def test_validate_is_skipped_when_the_tables_did_not_change(tmp_path: Path) -> None:
    _write(tmp_path, tables())
    first = validate.run(tmp_path)
    report = (tmp_path / "validation.json").read_text()
    (tmp_path / "validation.json").unlink()  # as a new build does
    assert validate.run(tmp_path) == first
    assert (tmp_path / "validation.json").read_text() == report
    _write(tmp_path, _broken())
    with pytest.raises(validate.ValidationFailed):
        validate.run(tmp_path)


def test_ingest_and_parse_are_skipped_when_nothing_changed(tmp_path: Path) -> None:
    raw, stages = tmp_path / "raw", tmp_path / "stages"
    raw.mkdir()
    (raw / "001_0000000000000001.txt").write_text(" date 2021-03-04 MOSCOW. TASS Talks. Ok.\n")
    assert ingest.run(raw, stages) == (1, 0)
    n = parse.run(stages)
    assert n >= 2
    docs = (stages / "documents.parquet").stat().st_mtime_ns
    sents = (stages / "sentences.parquet").stat().st_mtime_ns
    assert ingest.run(raw, stages) == (1, 0)
    assert parse.run(stages) == n
    assert (stages / "documents.parquet").stat().st_mtime_ns == docs
    assert (stages / "sentences.parquet").stat().st_mtime_ns == sents
    (raw / "002_0000000000000002.txt").write_text(" date 2021-03-05 OMSK. A forum opened.\n")
    assert ingest.run(raw, stages) == (2, 0)
    assert parse.run(stages) > n
    assert len(read_table(stages / "documents.parquet")) == 2
