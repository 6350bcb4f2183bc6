"""Releases on disk: CalVer versions, `latest`, verification, recovery and retention."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import date
from pathlib import Path

import pytest

from pipeline import release


def make_release(out: Path, version: str, payload: bytes = b"rows") -> Path:
    """A minimal complete release folder: one file and a datapackage.json describing it."""
    folder = out / "releases" / version
    folder.mkdir(parents=True)
    (folder / "documents.parquet").write_bytes(payload)
    package = {
        "version": version,
        "resources": [
            {
                "name": "documents",
                "path": "documents.parquet",
                "hash": f"sha256:{hashlib.sha256(payload).hexdigest()}",
                "kzru": {"bytes": len(payload), "sha256": hashlib.sha256(payload).hexdigest()},
            }
        ],
        "kzru": {"files": []},
    }
    (folder / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    return folder


# --- versions --------------------------------------------------------------------------------


def test_first_version_is_the_date(tmp_path: Path) -> None:
    assert release.next_version(tmp_path, date(2026, 3, 5)) == "2026.03.05"


def test_second_release_on_a_day_gets_a_counter(tmp_path: Path) -> None:
    make_release(tmp_path, "2026.03.05")
    assert release.next_version(tmp_path, date(2026, 3, 5)) == "2026.03.05.2"
    make_release(tmp_path, "2026.03.05.2")
    assert release.next_version(tmp_path, date(2026, 3, 5)) == "2026.03.05.3"
    assert release.next_version(tmp_path, date(2026, 3, 6)) == "2026.03.06"


def test_version_never_sorts_before_an_existing_one(tmp_path: Path) -> None:
    make_release(tmp_path, "2026.03.05.4")
    # a clock set back by a day: the new version follows the newest, it is not reused
    assert release.next_version(tmp_path, date(2026, 3, 4)) == "2026.03.05.5"


def test_versions_sort_by_date_then_counter(tmp_path: Path) -> None:
    for v in ["2026.03.05.10", "2026.03.05", "2025.12.31", "2026.03.05.9", "2026.03.05.2"]:
        make_release(tmp_path, v)
    (tmp_path / "releases" / ".tmp-2026.03.06").mkdir()
    (tmp_path / "releases" / ".trash-2025.01.01").mkdir()
    (tmp_path / "releases" / "notes").mkdir()
    assert release.list_versions(tmp_path) == [
        "2025.12.31",
        "2026.03.05",
        "2026.03.05.2",
        "2026.03.05.9",
        "2026.03.05.10",
    ]


def test_version_key_rejects_other_names() -> None:
    with pytest.raises(ValueError, match="not a release version"):
        release.version_key("latest")


# --- latest ----------------------------------------------------------------------------------


def test_latest_is_a_relative_link(tmp_path: Path) -> None:
    make_release(tmp_path, "2026.03.05")
    release.point_latest(tmp_path, "2026.03.05")
    link = tmp_path / "latest"
    assert link.is_symlink()
    assert os.readlink(link) == "releases/2026.03.05"
    assert release.latest(tmp_path) == (tmp_path / "releases" / "2026.03.05").resolve()
    assert release.latest_version(tmp_path) == "2026.03.05"
    # a relative link survives moving the whole output folder
    moved = tmp_path.parent / f"{tmp_path.name}-moved"
    tmp_path.rename(moved)
    assert release.latest_version(moved) == "2026.03.05"


def test_no_latest(tmp_path: Path) -> None:
    assert release.latest(tmp_path) is None
    assert release.latest_version(tmp_path) is None


def test_resolve_accepts_versions_latest_and_paths(tmp_path: Path) -> None:
    a = make_release(tmp_path, "2026.03.05")
    b = make_release(tmp_path, "2026.03.06")
    release.point_latest(tmp_path, "2026.03.06")
    assert release.resolve(tmp_path, "2026.03.05") == a.resolve()
    assert release.resolve(tmp_path, "latest") == b.resolve()
    assert release.resolve(tmp_path, str(a)) == a.resolve()
    with pytest.raises(FileNotFoundError, match=r"no release '2026.01.01'.*2026\.03\.06"):
        release.resolve(tmp_path, "2026.01.01")


# --- verify ----------------------------------------------------------------------------------


def test_verify_complete_release(tmp_path: Path) -> None:
    assert release.verify(make_release(tmp_path, "2026.03.05")) == []


def test_verify_finds_changed_missing_and_undescribed(tmp_path: Path) -> None:
    folder = make_release(tmp_path, "2026.03.05", b"abcd")
    (folder / "documents.parquet").write_bytes(b"abce")
    assert release.verify(folder) == [
        f"{folder / 'documents.parquet'}: sha256 differs from datapackage.json"
    ]
    (folder / "documents.parquet").write_bytes(b"abcde")
    assert "5 bytes, expected 4" in release.verify(folder)[0]
    (folder / "documents.parquet").unlink()
    assert release.verify(folder)[0].endswith("documents.parquet: missing")
    (folder / "datapackage.json").unlink()
    assert "datapackage.json" in release.verify(folder)[0]


# --- recover ---------------------------------------------------------------------------------


def test_recover_sweeps_temporaries(tmp_path: Path) -> None:
    make_release(tmp_path, "2026.03.05")
    release.point_latest(tmp_path, "2026.03.05")
    tmp = tmp_path / "releases" / ".tmp-2026.03.06"
    tmp.mkdir()
    (tmp / "documents.parquet").write_bytes(b"half")
    trash = tmp_path / "releases" / ".trash-2026.03.01"
    trash.mkdir()
    os.symlink("releases/2026.03.05", tmp_path / ".latest.999.tmp")
    done = release.recover(tmp_path)
    assert sorted(p.name for p in (tmp_path / "releases").iterdir()) == ["2026.03.05"]
    assert not (tmp_path / ".latest.999.tmp").exists()
    assert not (tmp_path / ".latest.999.tmp").is_symlink()
    assert len(done) == 3
    assert release.latest_version(tmp_path) == "2026.03.05"


def test_recover_rolls_latest_forward_to_a_complete_newer_release(tmp_path: Path) -> None:
    # a build killed between renaming its release into place and moving `latest`
    make_release(tmp_path, "2026.03.05")
    release.point_latest(tmp_path, "2026.03.05")
    make_release(tmp_path, "2026.03.06")
    assert release.recover(tmp_path) == ["latest -> 2026.03.06 (was 2026.03.05)"]
    assert release.latest_version(tmp_path) == "2026.03.06"


def test_recover_does_not_point_latest_at_a_broken_release(tmp_path: Path) -> None:
    make_release(tmp_path, "2026.03.05")
    release.point_latest(tmp_path, "2026.03.05")
    broken = make_release(tmp_path, "2026.03.06")
    (broken / "documents.parquet").write_bytes(b"tampered")
    assert release.recover(tmp_path) == []
    assert release.latest_version(tmp_path) == "2026.03.05"


def test_recover_repairs_a_dangling_latest(tmp_path: Path) -> None:
    make_release(tmp_path, "2026.03.05")
    os.symlink("releases/2026.03.09", tmp_path / "latest")
    release.recover(tmp_path)
    assert release.latest_version(tmp_path) == "2026.03.05"


# --- retention -------------------------------------------------------------------------------


def test_prune_removes_the_oldest(tmp_path: Path) -> None:
    for v in ["2026.03.01", "2026.03.02", "2026.03.03", "2026.03.03.2"]:
        make_release(tmp_path, v)
    release.point_latest(tmp_path, "2026.03.03.2")
    assert release.prune(tmp_path, 2) == ["2026.03.01", "2026.03.02"]
    assert release.list_versions(tmp_path) == ["2026.03.03", "2026.03.03.2"]
    assert release.prune(tmp_path, 2) == []
    assert not any(p.name.startswith(".trash") for p in (tmp_path / "releases").iterdir())


def test_prune_never_removes_latest(tmp_path: Path) -> None:
    for v in ["2026.03.01", "2026.03.02", "2026.03.03"]:
        make_release(tmp_path, v)
    release.point_latest(tmp_path, "2026.03.01")  # a user pointed `latest` back by hand
    assert release.prune(tmp_path, 1) == ["2026.03.02", "2026.03.03"]
    assert release.list_versions(tmp_path) == ["2026.03.01"]
    assert release.latest_version(tmp_path) == "2026.03.01"


def test_prune_needs_at_least_one(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        release.prune(tmp_path, 0)


def test_crash_point_is_inert_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(release.CRASH_ENV, raising=False)
    release.crash_point("tables")  # returns: the process is still here
    monkeypatch.setenv(release.CRASH_ENV, "another-point")
    release.crash_point("tables")
