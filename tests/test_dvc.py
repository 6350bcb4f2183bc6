"""`dvc repro` runs the same stages as `kzru build` and yields the same tables."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import schemas
from pipeline.io import read_table

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
COPY = ["raw", "pipeline", "schemas", "gold", "dvc.yaml", ".dvcignore", ".dvc/config"]


@pytest.mark.slow
def test_dvc_repro_yields_the_tables_of_kzru_build(tmp_path: Path, built: Path) -> None:
    dvc = shutil.which("dvc", path=str(BIN)) or shutil.which("dvc")
    if dvc is None:
        pytest.skip("dvc is not installed: `make test` installs it with the dev extras")
    work = tmp_path / "repo"
    for name in COPY:
        src, dst = REPO / name, work / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dst)
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    env.pop("CI", None)

    def sh(*cmd: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True)

    assert sh("git", "init", "-q").returncode == 0
    result = sh(dvc, "repro", "--quiet")
    assert result.returncode == 0, result.stdout + result.stderr
    for name in schemas.TABLES:
        got = read_table(work / "output" / "stages" / f"{name}.parquet")
        want = read_table(built / "stages" / f"{name}.parquet")
        pd.testing.assert_frame_equal(got, want, obj=name)
    assert (work / "output" / "latest" / "kzru.duckdb").exists()
    assert (work / "dvc.lock").exists()
    assert sh(dvc, "repro", "--quiet").returncode == 0
    status = sh(dvc, "status", "--quiet")
    assert status.returncode == 0, status.stdout
