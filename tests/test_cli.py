"""The command line: `kzru` and `python -m pipeline`, exit statuses and messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def kzru(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True, text=True
    )


def test_build_any_raw_folder_prints_release_path_last(tmp_path: Path) -> None:
    raw = tmp_path / "in"
    raw.mkdir()
    (raw / "001_00000000000000aa.txt").write_text(
        " date 2023-06-01 MOSCOW. TASS Trade between the countries reached $28 billion in 2022.",
        encoding="utf-8",
    )
    (raw / "002_00000000000000bb.txt").write_bytes(b"")
    out = tmp_path / "out"
    result = kzru("build", "--raw", str(raw), "--out", str(out))
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert Path(last) == (out / "latest").resolve()
    assert "ingest documents=1 rejected=1" in result.stderr
    assert "rejected path=002_00000000000000bb.txt reason='The file is empty.'" in result.stderr


def test_failure_gives_one_line_reason_and_nonzero_status(tmp_path: Path) -> None:
    result = kzru("build", "--raw", str(tmp_path / "missing"), "--out", str(tmp_path / "o"))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"kzru: raw folder not found: {tmp_path / 'missing'}"
    )
    assert result.stdout == ""


def test_query_without_release_is_a_usage_error(tmp_path: Path) -> None:
    result = kzru("query", "SELECT 1", "--out", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"kzru: no release under {tmp_path}: run `kzru build` first or pass --release"
    )


def test_dictionary_check_passes_on_the_repository() -> None:
    result = kzru("dictionary", "--check")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "docs/DATA_DICTIONARY.md is up to date"


def test_evaluate_prints_scores_for_all_three_tables(built: Path) -> None:
    result = kzru("evaluate", "--gold", "gold/seeds.json", "--out", str(built))
    assert result.returncode == 0, result.stderr
    for name in ("statistics", "events", "institutions"):
        assert name in result.stdout
