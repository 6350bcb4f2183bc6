"""Determinism: the same raw files and code give byte-identical Parquet files, whatever the
process (hash seed), the output folder, the day, or the state of the extraction cache."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tiny_corpus import DOCS, REPO, parquet_bytes, run_kzru, write_raw

import schemas

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("determinism") / "raw"
    write_raw(folder, DOCS)
    for path in sorted((REPO / "raw").glob("*.txt")):  # the longer texts in the repository
        shutil.copy(path, folder / path.name)
    return folder


def build(raw: Path, out: Path, seed: str, *extra: str) -> Path:
    proc = run_kzru(
        "build", "--raw", str(raw), "--out", str(out), *extra, env={"PYTHONHASHSEED": seed}
    )
    assert proc.returncode == 0, proc.stderr
    return Path(proc.stdout.strip().splitlines()[-1])


def test_two_builds_give_byte_identical_parquet(raw: Path, tmp_path: Path) -> None:
    a = build(raw, tmp_path / "a", "1", "--no-cache")
    b = build(raw, tmp_path / "other" / "b", "2")  # another folder, seed, and a cold cache
    assert a.name == b.name
    bytes_a, bytes_b = parquet_bytes(a), parquet_bytes(b)
    assert set(bytes_a) == set(schemas.TABLES)
    for name in schemas.TABLES:
        assert bytes_a[name] == bytes_b[name], f"{name}.parquet differs"
    assert sum(len(v) for v in bytes_a.values()) > 0
    # the descriptors agree on every checksum (only the creation time may differ)
    pa_, pb = (json.loads((x / "datapackage.json").read_text("utf-8")) for x in (a, b))
    assert [r["hash"] for r in pa_["resources"]] == [r["hash"] for r in pb["resources"]]
    # a third build from a warm cache: the same bytes again, and nothing new to publish
    proc = run_kzru(
        "build",
        "--raw",
        str(raw),
        "--out",
        str(tmp_path / "other" / "b"),
        env={"PYTHONHASHSEED": "3"},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].startswith("nothing changed since release")
