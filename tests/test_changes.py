"""Changes between releases by ids: `changes.json`, `CHANGES.md` and `kzru diff`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from tiny_corpus import run_kzru, write_raw

from pipeline import changes, rebuild
from pipeline.cli import main

# --- diff of tables --------------------------------------------------------------------------


def frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["stat_id", "value", "unit", "participants"])


def test_added_removed_changed() -> None:
    old = frame(
        [
            {"stat_id": "st_a", "value": 3e9, "unit": "USD", "participants": ["KAZ"]},
            {"stat_id": "st_b", "value": 12.0, "unit": "percent", "participants": []},
            {"stat_id": "st_c", "value": None, "unit": "count", "participants": None},
        ]
    )
    new = frame(
        [
            {"stat_id": "st_a", "value": 3e9, "unit": "USD", "participants": ["KAZ", "RUS"]},
            {"stat_id": "st_c", "value": float("nan"), "unit": "count", "participants": None},
            {"stat_id": "st_d", "value": 7.0, "unit": "count", "participants": []},
        ]
    )
    assert changes.diff_tables(old, new, "stat_id") == {
        "added": ["st_d"],
        "removed": ["st_b"],
        "changed": ["st_a"],  # a list item added; None and NaN are the same missing value
    }


def test_value_and_type_changes_count() -> None:
    old = frame([{"stat_id": "st_a", "value": 1.0, "unit": "USD", "participants": []}])
    new = frame([{"stat_id": "st_a", "value": 1.0000001, "unit": "USD", "participants": []}])
    assert changes.diff_tables(old, new, "stat_id")["changed"] == ["st_a"]
    new = frame([{"stat_id": "st_a", "value": 1.0, "unit": "RUB", "participants": []}])
    assert changes.diff_tables(old, new, "stat_id")["changed"] == ["st_a"]
    assert changes.diff_tables(old, old.copy(), "stat_id") == {
        "added": [],
        "removed": [],
        "changed": [],
    }


def test_a_new_column_does_not_change_every_row() -> None:
    old = frame([{"stat_id": "st_a", "value": 1.0, "unit": "USD", "participants": []}])
    new = old.assign(subject=["trade"])
    assert changes.diff_tables(old, new, "stat_id") == {"added": [], "removed": [], "changed": []}


def test_diff_shape_and_first_release() -> None:
    docs = pd.DataFrame({"doc_id": ["d1", "d2"], "text": ["x", "y"]})
    new = {"documents": docs}
    result = changes.diff(None, new, old_version=None, new_version="2026.01.01")
    assert result["from_version"] is None
    assert result["to_version"] == "2026.01.01"
    assert result["documents_added"] == ["d1", "d2"]
    assert result["documents_removed"] == []
    assert set(result["tables"]) == set(changes.KEYS)
    assert result["tables"]["documents"]["counts"] == {"added": 2, "removed": 0, "changed": 0}
    # a table neither release has is reported empty, not as an error
    assert result["tables"]["events"] == {
        "counts": {"added": 0, "removed": 0, "changed": 0},
        "added": [],
        "removed": [],
        "changed": [],
    }
    md = changes.to_markdown(result)
    assert "First release: everything is new." in md
    assert "| documents | 2 | 0 | 0 |" in md
    assert "- documents added: `d1`, `d2`" in md


def test_markdown_lists_the_first_ids_and_points_to_json() -> None:
    docs = pd.DataFrame({"doc_id": [f"d{i:02d}" for i in range(25)]})
    result = changes.diff(None, {"documents": docs}, old_version=None, new_version="v")
    md = changes.to_markdown(result, max_ids=3)
    assert "- documents added: `d00`, `d01`, `d02` and 22 more (see changes.json)" in md
    assert "and 22 more" not in changes.to_markdown(result, max_ids=None)


def test_no_changes_says_so() -> None:
    docs = {"documents": pd.DataFrame({"doc_id": ["d1"]})}
    result = changes.diff(docs, docs, old_version="a", new_version="b")
    assert changes.is_empty(result)
    assert "No changes." in changes.to_markdown(result)


# --- releases and `kzru diff` ----------------------------------------------------------------


@pytest.fixture(scope="module")
def two_releases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """Release 1: trade + visit; release 2: trade + culture (one document out, one in)."""
    root = tmp_path_factory.mktemp("changes")
    raw, out = root / "raw", root / "out"
    paths = write_raw(raw, ["trade", "visit"])
    first = rebuild.run(raw, out, today=date(2026, 1, 10)).published
    paths[1].unlink()
    write_raw(raw, ["culture"])
    second = rebuild.run(raw, out, today=date(2026, 1, 10)).published
    return out, first.path, second.path


@pytest.mark.slow
def test_release_changes_by_ids(two_releases: tuple[Path, Path, Path]) -> None:
    _out, first, second = two_releases
    assert (first.name, second.name) == ("2026.01.10", "2026.01.10.2")
    one = json.loads((first / "changes.json").read_text("utf-8"))
    assert one["from_version"] is None
    docs1 = pd.read_parquet(first / "documents.parquet")
    assert one["documents_added"] == sorted(docs1["doc_id"])
    two = json.loads((second / "changes.json").read_text("utf-8"))
    assert two["from_version"] == "2026.01.10" and two["to_version"] == "2026.01.10.2"
    docs2 = pd.read_parquet(second / "documents.parquet")
    gone = set(docs1["doc_id"]) - set(docs2["doc_id"])
    new = set(docs2["doc_id"]) - set(docs1["doc_id"])
    assert len(gone) == len(new) == 1
    assert two["documents_removed"] == sorted(gone)
    assert two["documents_added"] == sorted(new)
    for name, key in changes.KEYS.items():
        t = two["tables"][name]
        ids1 = set(pd.read_parquet(first / f"{name}.parquet")[key])
        ids2 = set(pd.read_parquet(second / f"{name}.parquet")[key])
        assert t["added"] == sorted(ids2 - ids1), name
        assert t["removed"] == sorted(ids1 - ids2), name
        assert t["counts"] == {k: len(t[k]) for k in changes.KINDS}
    # facts of the document kept keep their ids and are unchanged; those of the removed one go
    stats1 = pd.read_parquet(first / "statistics.parquet")
    stats2 = pd.read_parquet(second / "statistics.parquet")
    kept = stats1[~stats1["doc_id"].isin(gone)]
    assert len(kept) > 0
    assert set(kept["stat_id"]) <= set(stats2["stat_id"])
    assert not set(kept["stat_id"]) & set(two["tables"]["statistics"]["changed"])
    removed_facts = set(stats1.loc[stats1["doc_id"].isin(gone), "stat_id"])
    assert set(two["tables"]["statistics"]["removed"]) == removed_facts
    md = (second / "CHANGES.md").read_text("utf-8")
    assert md.startswith("# Changes in 2026.01.10.2\n\nSince release 2026.01.10.")
    assert "Documents: 1 added, 1 removed." in md


@pytest.mark.slow
def test_kzru_diff_prints_what_the_release_recorded(
    two_releases: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out, first, second = two_releases
    recorded = json.loads((second / "changes.json").read_text("utf-8"))
    assert main(["diff", "2026.01.10", "2026.01.10.2", "--out", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == recorded
    # folders work as well as versions, and `latest`
    assert main(["diff", str(first), "latest", "--out", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == recorded
    assert main(["diff", "2026.01.10", "2026.01.10.2", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert text == changes.to_markdown(recorded, max_ids=20)
    # the other way round: what was added is removed
    assert main(["diff", "2026.01.10.2", "2026.01.10", "--out", str(out), "--json"]) == 0
    back = json.loads(capsys.readouterr().out)
    assert back["documents_added"] == recorded["documents_removed"]
    assert back["tables"]["statistics"]["removed"] == recorded["tables"]["statistics"]["added"]


@pytest.mark.slow
def test_kzru_diff_unknown_release_is_a_usage_error(two_releases: tuple[Path, Path, Path]) -> None:
    out, _first, _second = two_releases
    proc = run_kzru("diff", "2020.01.01", "latest", "--out", str(out))
    assert proc.returncode == 2
    assert proc.stderr.startswith("kzru: no release '2020.01.01'")


def test_diff_of_files_in_duckdb_equals_the_diff_of_frames(tmp_path: Path) -> None:
    """`diff_folders` (DuckDB on the Parquet files) finds what `diff` of the loaded tables
    finds: values, lists, nulls, a column only the new release has, a table only one has."""
    from pipeline.io import read_table, write_table

    old_dir, new_dir = tmp_path / "old", tmp_path / "new"
    old_dir.mkdir()
    new_dir.mkdir()
    docs = pd.DataFrame(
        {
            "doc_id": ["d1", "d2"],
            "source_path": ["a.txt", "b.txt"],
            "published_date": [date(2024, 1, 1), date(2024, 1, 2)],
            "title": [None, "T"],
            "dateline": [None, None],
            "publisher": [None, None],
            "text": ["x", "y"],
            "sha256": ["0" * 64, "1" * 64],
            "n_chars": [1, 1],
        }
    )
    write_table(docs, "documents", old_dir / "documents.parquet")
    changed = pd.DataFrame(
        {
            "doc_id": ["d2", "d3"],
            "source_path": ["b.txt", "c.txt"],
            "published_date": [date(2024, 1, 2), date(2024, 1, 3)],
            "title": [None, None],  # d2's title is gone: changed
            "dateline": [None, None],
            "publisher": [None, None],
            "text": ["y", "z"],
            "sha256": ["1" * 64, "2" * 64],
            "n_chars": [1, 1],
        }
    )
    write_table(changed, "documents", new_dir / "documents.parquet")
    old_rej = pd.DataFrame({"source_path": ["r.txt"], "reason": ["empty"], "detail": [None]})
    write_table(old_rej, "rejected", old_dir / "rejected.parquet")
    got = changes.diff_folders(old_dir, new_dir, old_version="a", new_version="b")
    old_tables = {n: read_table(old_dir / f"{n}.parquet") for n in ("documents", "rejected")}
    new_tables = {"documents": read_table(new_dir / "documents.parquet")}
    want = changes.diff(old_tables, new_tables, old_version="a", new_version="b")
    assert got == want
    assert got["documents_added"] == ["d3"] and got["documents_removed"] == ["d1"]
    assert got["tables"]["documents"]["changed"] == ["d2"]
    assert got["tables"]["rejected"]["removed"] == ["r.txt"]
    first = changes.diff_folders(None, new_dir, old_version=None, new_version="b")
    assert first["documents_added"] == ["d2", "d3"]


@pytest.mark.slow
def test_release_files_are_the_stage_files(two_releases: tuple[Path, Path, Path]) -> None:
    """The stages write the published row order, so publishing copies their bytes."""
    from pipeline.release import sha256_file

    out, _first, second = two_releases
    stages = rebuild.stage_dir(out)
    for name in changes.KEYS:
        assert sha256_file(second / f"{name}.parquet") == sha256_file(stages / f"{name}.parquet"), (
            name
        )


@pytest.mark.slow
def test_nothing_changed_loads_no_table(
    two_releases: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.stages import publish

    out, _first, second = two_releases

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a table was loaded")

    monkeypatch.setattr(publish, "read_table", refuse)
    monkeypatch.setattr(changes, "read_table", refuse)
    monkeypatch.setattr(publish, "copy_tables", refuse)
    result = publish.run(rebuild.stage_dir(out), out)
    assert not result.new and result.path == second
