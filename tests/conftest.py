"""Shared fixtures: one release built from the repository's raw/ for the whole session."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.cli import main

REPO = Path(__file__).resolve().parent.parent
RAW = REPO / "raw"
GOLD = REPO / "gold" / "seeds.json"


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `output/` folder of `kzru build` on raw/ (a release and its stage files)."""
    out = tmp_path_factory.mktemp("build") / "output"
    assert main(["-q", "build", "--raw", str(RAW), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="session")
def release(built: Path) -> Path:
    """The release folder `latest` points to."""
    return (built / "latest").resolve()
