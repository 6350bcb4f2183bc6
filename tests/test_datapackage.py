"""datapackage.json: a Frictionless Data Package that `frictionless` validates, with version,
license, sources, and each resource's schema, row count, bytes and sha256."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import frictionless
import pyarrow.parquet as pq
import pytest
from tiny_corpus import DOCS, row_count, write_raw

import schemas
from pipeline import rebuild, release

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("datapackage")
    write_raw(root / "raw", DOCS)
    (root / "raw" / "009_00000000000000ff.txt").write_bytes(b"")  # one rejected file
    result = rebuild.run(root / "raw", root / "out", today=date(2026, 7, 1))
    return result.published.path


def package(folder: Path) -> dict[str, Any]:
    return dict(json.loads((folder / "datapackage.json").read_text("utf-8")))


def test_frictionless_validates_the_release(built: Path) -> None:
    report = frictionless.validate(built / "datapackage.json")
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "note"])
    tasks = {task.name: task for task in report.tasks}
    assert set(tasks) == set(schemas.TABLES)
    for name, task in tasks.items():
        # frictionless read every row of every table and checked it against the schema
        assert task.stats.get("rows", 0) == row_count(built / f"{name}.parquet"), name
        assert task.stats["fields"] == len(schemas.TABLES[name].to_schema().columns)


def test_package_metadata(built: Path) -> None:
    p = package(built)
    assert p["name"] == "kzru"
    assert p["version"] == built.name == "2026.07.01"
    assert p["licenses"][0]["name"] == "CC-BY-4.0"
    assert p["created"].endswith("Z") and p["created"][10] == "T"
    raw = built.parent.parent.parent / "raw"
    sources = {s["path"]: s["hash"] for s in p["sources"]}
    assert len(sources) == len(DOCS)  # the accepted documents, not the rejected file
    for path, digest in sources.items():
        data = (raw / path.removeprefix("raw/")).read_bytes()
        assert digest == f"sha256:{hashlib.sha256(data).hexdigest()}"


def test_every_resource_has_schema_rows_bytes_and_sha256(built: Path) -> None:
    resources = {r["name"]: r for r in package(built)["resources"]}
    assert list(resources) == list(schemas.TABLES)
    for name, res in resources.items():
        path = built / res["path"]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert res["format"] == "parquet"
        assert res["rows"] == row_count(path)
        assert res["hash"] == f"sha256:{digest}"
        assert res["kzru"] == {"bytes": path.stat().st_size, "sha256": digest}
        fields = [f["name"] for f in res["schema"]["fields"]]
        assert (
            fields == pq.read_schema(path).names == list(schemas.TABLES[name].to_schema().columns)
        )
    rejected = resources["rejected"]
    assert rejected["rows"] == 1
    events = {f["name"]: f for f in resources["events"]["schema"]["fields"]}
    assert events["participants"]["kzru"] == {"type": "list<string>"}
    assert events["char_start"]["type"] == "integer"
    # the other files are listed with their sizes and checksums too
    files = {f["path"] for f in package(built)["kzru"]["files"]}
    assert {"kzru.duckdb", "CHANGES.md", "changes.json"} <= files
    assert release.verify(built) == []


def test_frictionless_catches_a_wrong_row_count(built: Path, tmp_path: Path) -> None:
    copy = tmp_path / "release"
    shutil.copytree(built, copy)
    p = package(copy)
    docs = next(r for r in p["resources"] if r["name"] == "documents")
    docs["rows"] += 1
    (copy / "datapackage.json").write_text(json.dumps(p), encoding="utf-8")
    report = frictionless.validate(copy / "datapackage.json")
    assert not report.valid
    assert [e[0] for e in report.flatten(["type"])] == ["row-count"]


def test_verify_catches_a_changed_table(built: Path, tmp_path: Path) -> None:
    copy = tmp_path / "release"
    shutil.copytree(built, copy)
    with (copy / "events.parquet").open("ab") as f:
        f.write(b"\0")
    problems = release.verify(copy)
    assert len(problems) == 1 and "events.parquet" in problems[0]
