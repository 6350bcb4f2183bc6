"""End to end: `kzru build` on raw/ publishes a release with every table, real rows, and
provenance that holds for every fact."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import schemas
from pipeline.cli import main
from pipeline.io import read_table

REPO = Path(__file__).resolve().parent.parent
NEWS = "004_b9159e3f4afeb3d0.txt"


def table(release: Path, name: str) -> pd.DataFrame:
    return read_table(release / f"{name}.parquet")


def test_release_layout(built: Path, release: Path) -> None:
    link = built / "latest"
    assert link.is_symlink()
    assert os.readlink(link) == f"releases/{release.name}"
    names = {p.name for p in release.iterdir()}
    expected = {f"{t}.parquet" for t in schemas.TABLES}
    expected |= {"kzru.duckdb", "datapackage.json", "CHANGES.md"}
    assert expected <= names
    for name, model in schemas.TABLES.items():
        assert list(table(release, name).columns) == list(model.to_schema().columns)


def test_documents_are_the_raw_files(release: Path) -> None:
    docs = table(release, "documents").set_index("source_path")
    assert sorted(docs.index) == sorted(p.name for p in (REPO / "raw").glob("*.txt"))
    for path in (REPO / "raw").glob("*.txt"):
        data = path.read_bytes()
        assert docs.loc[path.name, "doc_id"] == hashlib.sha256(data).hexdigest()[:16]
        assert docs.loc[path.name, "text"] == data.decode("utf-8")
    assert docs.loc[NEWS, "dateline"] == "ASTANA-BEIJING"
    assert docs.loc[NEWS, "publisher"] == "Kazinform"
    assert str(docs.loc[NEWS, "published_date"]) == "2015-10-15"
    assert table(release, "rejected").empty


def test_every_table_has_real_rows(release: Path) -> None:
    for name in schemas.TABLES:
        if name != "rejected":
            assert len(table(release, name)) > 0, name


def test_compound_amount_in_base_units_with_exact_span(release: Path) -> None:
    docs = table(release, "documents").set_index("source_path")
    text = docs.loc[NEWS, "text"]
    words = "7 bln 500 mln U.S. dollars"
    start = text.index(words)
    stats = table(release, "statistics")
    row = stats[(stats["doc_id"] == docs.loc[NEWS, "doc_id"]) & (stats["value"] == 7.5e9)]
    assert len(row) == 1
    r = row.iloc[0]
    assert r["unit"] == "USD"
    assert r["char_start"] <= start and r["char_end"] >= start + len(words)
    assert words in r["quote"]
    assert text[r["char_start"] : r["char_end"]] == r["quote"]


def test_provenance_holds_for_every_fact_row(release: Path) -> None:
    texts = dict(table(release, "documents")[["doc_id", "text"]].itertuples(index=False))
    n = 0
    for name in schemas.FACT_TABLES:
        for row in table(release, name).itertuples(index=False):
            assert texts[row.doc_id][row.char_start : row.char_end] == row.quote, (name, row)
            n += 1
    assert n > 0


def test_duckdb_has_tables_views_and_comments(release: Path) -> None:
    con = duckdb.connect(str(release / "kzru.duckdb"), read_only=True)
    for name in schemas.TABLES:
        [(count,)] = con.execute(f"SELECT count(*) FROM {name}").fetchall()
        assert count == len(table(release, name))
    views = con.execute(
        "SELECT view_name, comment FROM duckdb_views() WHERE NOT internal ORDER BY view_name"
    ).fetchall()
    assert [v[0] for v in views] == [
        "events_timeline",
        "facts",
        "institutions_by_mentions",
        "trade_by_period",
    ]
    assert all(comment for _, comment in views)


def test_mentions_aggregate_into_institutions(release: Path) -> None:
    mentions = table(release, "institution_mentions")
    inst = table(release, "institutions").set_index("institution_id")
    counts = mentions.groupby("institution_id").size()
    assert (inst.loc[counts.index, "n_mentions"] == counts).all()
    for iid, group in mentions.groupby("institution_id"):
        assert inst.loc[iid, "aliases"] == sorted(set(group["quote"]))


def test_rebuild_with_nothing_changed_publishes_nothing(
    built: Path, release: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-q", "build", "--raw", str(REPO / "raw"), "--out", str(built)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines == [
        f"nothing changed since release {release.name}; nothing published",
        str(release),
    ]
    assert (built / "latest").resolve() == release


# --- stable ids: a row's id does not depend on other rows of another kind on its span -------


def _stat(value: float, unit: str, qualifier: str = "exact") -> dict[str, object]:
    return {
        "doc_id": "0123456789abcdef",
        "char_start": 10,
        "char_end": 22,
        "value": value,
        "unit": unit,
        "qualifier": qualifier,
    }


def _ids(table: str, rows: list[dict[str, object]]) -> dict[tuple[object, ...], str]:
    from pipeline.stages.extract import ID_COLUMNS, _assign_ids

    rows = [dict(r) for r in rows]
    _assign_ids(table, rows)
    keys = [k for k in rows[0] if k not in ("doc_id", "char_start", "char_end", ID_COLUMNS[table])]
    return {tuple(r[k] for k in keys): str(r[ID_COLUMNS[table]]) for r in rows}


def test_a_new_row_of_another_kind_on_a_span_keeps_the_existing_ids() -> None:
    alone = _ids("statistics", [_stat(5e9, "USD")])
    # a percentage on the same span sorts before the dollars by value, unit and qualifier
    both = _ids("statistics", [_stat(5e9, "USD"), _stat(1.0, "%"), _stat(2.0, "USD", "about")])
    assert both[(5e9, "USD", "exact")] == alone[(5e9, "USD", "exact")]
    assert len(set(both.values())) == 3
    # the two ends of a range (same span, same kind) are told apart by rank, in value order
    ends = _ids("statistics", [_stat(3.0, "%"), _stat(2.0, "%")])
    assert len(set(ends.values())) == 2
    with_other = _ids("statistics", [_stat(3.0, "%"), _stat(2.0, "%"), _stat(1.0, "EUR")])
    assert with_other[(3.0, "%", "exact")] == ends[(3.0, "%", "exact")]
    assert with_other[(2.0, "%", "exact")] == ends[(2.0, "%", "exact")]


def test_event_and_mention_ids_hash_their_kind() -> None:
    span = {"doc_id": "0123456789abcdef", "char_start": 0, "char_end": 5}
    visit = _ids("events", [{**span, "event_type": "visit"}])
    both = _ids("events", [{**span, "event_type": "visit"}, {**span, "event_type": "talks"}])
    assert both[("visit",)] == visit[("visit",)]
    one = _ids("institution_mentions", [{**span, "institution_id": "sco"}])
    two = _ids(
        "institution_mentions",
        [{**span, "institution_id": "sco"}, {**span, "institution_id": "cis"}],
    )
    assert two[("sco",)] == one[("sco",)] and two[("cis",)] != one[("sco",)]
