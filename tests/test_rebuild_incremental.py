"""Incremental rebuilds: after raw files are added, modified, removed or duplicated, a build
that reuses the previous stage files gives the same bytes as a build from scratch (every
Parquet table, the sentences) and the same DuckDB tables and views; and it reads, splits and
validates only what changed."""

from __future__ import annotations

import json
import logging
import os
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tiny_corpus import DOCS, parquet_bytes, raw_name, write_raw

import schemas
from pipeline import changes, io, rebuild
from pipeline.stages import extract, ingest, parse, publish, validate

pytestmark = pytest.mark.slow

DAY = date(2026, 3, 1)


@pytest.fixture(autouse=True)
def small_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    """Row groups and batches of two documents, so that reuse crosses their boundaries."""
    monkeypatch.setattr(ingest, "ROW_GROUP_DOCUMENTS", 2)
    monkeypatch.setattr(parse, "BATCH_DOCUMENTS", 2)
    # fact tables in row groups of a few rows: the merge of new rows with the previous
    # ones (in Arrow) must cut them where a cold build (sorted in DuckDB) does
    monkeypatch.setattr(extract, "ROWS", 3)


def build(raw: Path, out: Path) -> rebuild.Outcome:
    return rebuild.run(raw, out, cache_dir=out / "cache", today=DAY)


def duckdb_contents(db: Path) -> dict[str, object]:
    """Every table's rows in key order, and every view with its definition and comment."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out: dict[str, object] = {}
        for name, key in changes.KEYS.items():
            out[name] = con.execute(f'SELECT * FROM {name} ORDER BY "{key}"').fetchall()
        out["views"] = con.execute(
            "SELECT view_name, sql, comment FROM duckdb_views() WHERE NOT internal "
            "ORDER BY view_name"
        ).fetchall()
        return out
    finally:
        con.close()


def assert_same_as_cold(incremental: Path, raw: Path, tmp_path: Path) -> None:
    cold_out = tmp_path / "cold"
    cold = rebuild.run(raw, cold_out, cache_dir=None, today=DAY).published.path
    assert parquet_bytes(incremental) == parquet_bytes(cold)
    stage_inc = incremental.parent.parent / "stages"
    stage_cold = cold_out / "stages"
    for name in ("documents", "rejected", "sentences"):
        a = (stage_inc / f"{name}.parquet").read_bytes()
        assert a == (stage_cold / f"{name}.parquet").read_bytes(), name
    assert duckdb_contents(incremental / "kzru.duckdb") == duckdb_contents(cold / "kzru.duckdb")


def assert_changes_as_from_files(release: Path, previous: Path) -> None:
    """The release's changes (computed from the row records validate kept) are those the
    Parquet files of both releases give, and the record of this release is kept."""
    expected = changes.diff_folders(
        previous, release, old_version=previous.name, new_version=release.name
    )
    assert json.loads((release / "changes.json").read_text("utf-8")) == expected
    kept = json.loads((release.parent.parent / "stages" / publish.PUBLISHED_ROWS_JSON).read_text())
    assert kept["release"] == release.name


def test_table_names_are_the_schemas_tables() -> None:
    assert tuple(schemas.TABLES) == io.TABLE_NAMES
    assert tuple(changes.KEYS) == io.TABLE_NAMES


def test_incremental_builds_equal_cold_builds(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    paths = write_raw(raw, ["trade", "visit", "culture"])
    (raw / "900_0000000000000000.txt").write_bytes(b"")  # rejected: empty
    first = build(raw, out).published.path
    # the changes of an incremental build come from the row records, not from the files
    from_files: list[Path | None] = []
    diff_folders = changes.diff_folders

    def spy(old: Path | None, new: Path, **kwargs: str | None) -> dict[str, object]:
        from_files.append(old)
        return diff_folders(old, new, **kwargs)  # type: ignore[arg-type]

    # one more document: only it is read and split
    caplog.set_level(logging.DEBUG)
    (added,) = write_raw(raw, ["forum"])
    with monkeypatch.context() as patched:
        patched.setattr(changes, "diff_folders", spy)
        result = build(raw, out)
    messages = [r.getMessage() for r in caplog.records]
    assert "ingest read=1 reused=4" in messages
    assert "parse split=1 documents" in messages
    assert result.extracted == 1
    assert result.published.new
    assert from_files == []
    assert_changes_as_from_files(result.published.path, first)
    previous = result.published.path
    assert_same_as_cold(result.published.path, raw, tmp_path / "one")

    # a document modified, one removed, the duplicate of another added
    caplog.clear()
    paths[0].write_text(f" date {DOCS['trade'][0]} Exports rose by 3% in 2024.\n", "utf-8")
    paths[1].unlink()
    dup = raw / raw_name(7, "copy")
    dup.write_bytes(added.read_bytes())
    result = build(raw, out)
    messages = [r.getMessage() for r in caplog.records]
    assert "ingest read=2 reused=3" in messages
    docs = pq.read_table(result.published.path / "documents.parquet").to_pylist()
    assert sorted(d["source_path"] for d in docs) == sorted(
        [paths[0].name, paths[2].name, added.name]
    )
    rejected = pq.read_table(result.published.path / "rejected.parquet").to_pylist()
    assert [r["source_path"] for r in rejected] == sorted(["900_0000000000000000.txt", dup.name])
    assert_changes_as_from_files(result.published.path, previous)
    previous = result.published.path
    assert_same_as_cold(result.published.path, raw, tmp_path / "two")

    # the original of the duplicate removed: the duplicate (never read into documents
    # before) becomes the document
    caplog.clear()
    added.unlink()
    result = build(raw, out)
    docs = pq.read_table(result.published.path / "documents.parquet").to_pylist()
    assert dup.name in {d["source_path"] for d in docs}
    assert_changes_as_from_files(result.published.path, previous)
    assert_same_as_cold(result.published.path, raw, tmp_path / "three")


def test_validate_checks_only_new_rows_but_still_finds_failures(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_raw(raw, ["trade", "visit"])
    build(raw, out)
    stages = out / "stages"
    assert (stages / validate.ROWS_FILE).exists()
    # a row changed behind the stage's back (a bad unit): found although the other rows of
    # the table were validated before
    stats = pq.read_table(stages / "statistics.parquet")
    units = stats.column("unit").to_pylist()
    units[0] = "not-a-unit"
    broken = stats.set_column(stats.schema.get_field_index("unit"), "unit", [units])
    pq.write_table(broken, stages / "statistics.parquet", compression="zstd")
    os.utime(stages / "statistics.parquet", ns=(1, 1))
    with pytest.raises(validate.ValidationFailed) as err:
        validate.run(stages)
    found = {(f.table, f.column) for f in err.value.failures}
    assert ("statistics", "unit") in found
    report = json.loads((stages / "validation.json").read_text("utf-8"))
    assert not report["ok"]


def test_duckdb_is_updated_from_the_previous_release(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_raw(raw, ["trade", "visit"])
    first = build(raw, out).published.path
    write_raw(raw, ["culture"])
    second = build(raw, out).published.path
    diff = json.loads((second / "changes.json").read_text("utf-8"))
    assert diff["documents_added"]
    # rebuilt from scratch, the database has the same contents
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    for name in schemas.TABLES:
        (scratch / f"{name}.parquet").write_bytes((second / f"{name}.parquet").read_bytes())
    publish.write_duckdb(scratch)
    assert duckdb_contents(second / "kzru.duckdb") == duckdb_contents(scratch / "kzru.duckdb")
    # the previous release's database is untouched
    assert (
        duckdb_contents(first / "kzru.duckdb")["documents"]
        != duckdb_contents(second / "kzru.duckdb")["documents"]
    )


def test_validate_compares_quotes_again_when_a_text_changed(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_raw(raw, ["trade", "visit"])
    build(raw, out)
    stages = out / "stages"
    facts = pq.read_table(stages / "statistics.parquet").to_pylist()
    doc_id = facts[0]["doc_id"]
    # the text of one document changed behind the stage's back, its facts did not: their
    # rows were validated before, but their quotes no longer match the text
    docs = pq.read_table(stages / "documents.parquet")
    texts = [
        t.replace(facts[0]["quote"], "#" * len(facts[0]["quote"])) if d == doc_id else t
        for d, t in zip(
            docs.column("doc_id").to_pylist(), docs.column("text").to_pylist(), strict=True
        )
    ]
    changed = docs.set_column(
        docs.schema.get_field_index("text"), docs.schema.field("text"), [texts]
    )
    pq.write_table(changed, stages / "documents.parquet", compression="zstd")
    with pytest.raises(validate.ValidationFailed) as err:
        validate.run(stages)
    by = {(f.table, f.column, f.check): f for f in err.value.failures}
    assert 0 in by[("statistics", "quote", "provenance")].rows
    # a document removed: the rows that point to it are found although validated before
    kept = changed.filter(pa.array([d != doc_id for d in docs.column("doc_id").to_pylist()]))
    pq.write_table(kept, stages / "documents.parquet", compression="zstd")
    with pytest.raises(validate.ValidationFailed) as err:
        validate.run(stages)
    by = {(f.table, f.column, f.check): f for f in err.value.failures}
    missing = by[("statistics", "doc_id", "document exists")].rows
    assert missing == [i for i, f in enumerate(facts) if f["doc_id"] == doc_id]


def test_charts_kept_by_their_data_give_the_same_page(tmp_path: Path) -> None:
    from pipeline import site

    raw, out = tmp_path / "raw", tmp_path / "out"
    write_raw(raw, ["trade", "visit"])
    build(raw, out)
    kept = sorted(p.name.split("-")[0] for p in (out / "stages" / publish.FIGURES).iterdir())
    assert kept == ["events_figure", "institutions_figure", "trade_figure"]
    write_raw(raw, ["culture"])
    second = build(raw, out).published.path
    # the page written with the kept charts is the page drawn from scratch
    drawn = site.render_index(second)
    assert (second / "index.html").read_text(encoding="utf-8") == drawn
    assert len(list((out / "stages" / publish.FIGURES).iterdir())) == 3
