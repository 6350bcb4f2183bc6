"""A build killed at any moment (SIGKILL, no cleanup) leaves the previous release and `latest`
intact, no half release visible as a release, stage files that cannot be published by mistake,
and an output folder the next build repairs and uses.

Two ways to kill: at exact points of publishing (the test-only `$KZRU_TEST_CRASH_AT` hook, see
`release.crash_point`), and after a delay, wherever the build happens to be.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from tiny_corpus import REPO, kzru_command, write_raw

from pipeline import rebuild, release
from pipeline.stages import publish

BASE = ["trade", "visit"]
ADDED = "culture"


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """A raw folder and an output folder holding one complete release of it."""
    root = tmp_path_factory.mktemp("crash-base")
    raw, out = root / "raw", root / "out"
    write_raw(raw, BASE)
    result = rebuild.run(raw, out, cache_dir=out / "cache", today=date(2026, 6, 1))
    return raw, out, result.published.version


@pytest.fixture
def world(baseline: tuple[Path, Path, str], tmp_path: Path) -> tuple[Path, Path, str]:
    """A private copy of the baseline, with one more raw document waiting to be published."""
    raw0, out0, version = baseline
    raw, out = tmp_path / "raw", tmp_path / "out"
    shutil.copytree(raw0, raw)
    shutil.copytree(out0, out, symlinks=True)
    write_raw(raw, [ADDED])
    return raw, out, version


def start_build(raw: Path, out: Path, crash_at: str | None = None) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != release.CRASH_ENV}
    if crash_at is not None:
        env[release.CRASH_ENV] = crash_at
    return subprocess.Popen(
        kzru_command("-q", "build", "--raw", str(raw), "--out", str(out), "--keep", "5"),
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def check_intact(out: Path, previous: str) -> str:
    """The invariants of an output folder after a kill; returns the version `latest` names."""
    current = release.latest_version(out)
    assert current is not None, "latest is missing or dangling"
    versions = release.list_versions(out)
    assert previous in versions, "the previous release is gone"
    assert current in versions
    # `latest` is the previous release, or a newer one only if it is complete
    assert release.version_key(current) >= release.version_key(previous)
    for version in versions:  # every folder named like a release is a complete release
        assert release.verify(out / "releases" / version) == [], version
    return current


def next_build_succeeds(raw: Path, out: Path) -> None:
    result = rebuild.run(raw, out, cache_dir=out / "cache")
    names = [p.name for p in (out / "releases").iterdir()]
    assert not [n for n in names if n.startswith((".tmp-", ".trash-"))], names
    assert not list(out.glob(".latest.*"))
    assert release.latest_version(out) == result.published.version
    assert release.verify(out / "latest") == []
    docs = pd.read_parquet(out / "latest" / "documents.parquet")
    assert len(docs) == len(BASE) + 1


@pytest.mark.slow
@pytest.mark.parametrize("point", ["tables", "duckdb", "package", "renamed", "latest"])
def test_killed_while_publishing(world: tuple[Path, Path, str], point: str) -> None:
    raw, out, previous = world
    proc = start_build(raw, out, crash_at=point)
    assert proc.wait(timeout=300) == -signal.SIGKILL
    current = check_intact(out, previous)
    if point in ("tables", "duckdb", "package", "renamed"):
        assert current == previous
    else:
        assert current != previous
    if point in ("tables", "duckdb", "package"):
        # the unfinished release is not a release, only a temporary folder
        assert release.list_versions(out) == [previous]
        assert any(p.name.startswith(".tmp-") for p in (out / "releases").iterdir())
    if point == "renamed":
        # complete but never pointed to: the next build finishes the job
        assert len(release.list_versions(out)) == 2
    next_build_succeeds(raw, out)
    if point == "renamed":
        # rolled forward, not published twice
        assert len(release.list_versions(out)) == 2


@pytest.mark.slow
def test_killed_while_removing_old_releases(world: tuple[Path, Path, str]) -> None:
    raw, out, previous = world
    env = {**os.environ, release.CRASH_ENV: "prune"}
    proc = subprocess.run(
        kzru_command("-q", "build", "--raw", str(raw), "--out", str(out), "--keep", "1"),
        cwd=REPO,
        env=env,
        capture_output=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == -signal.SIGKILL
    current = release.latest_version(out)
    assert current is not None and current != previous
    # the old release was renamed out of the way before deletion: no half release is listed
    assert release.list_versions(out) == [current]
    assert (out / "releases" / f".trash-{previous}").exists()
    assert release.verify(out / "latest") == []
    next_build_succeeds(raw, out)


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.4, 1.5, 2.5, 3.5])
def test_killed_at_any_moment(world: tuple[Path, Path, str], delay: float) -> None:
    raw, out, previous = world
    proc = start_build(raw, out)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    check_intact(out, previous)
    # the stage files are complete and validated, or publish refuses them
    stages = rebuild.stage_dir(out)
    try:
        published = publish.run(stages, out)
    except (publish.NotValidated, FileNotFoundError):
        published = None
    if published is not None:
        check_intact(out, previous)
    next_build_succeeds(raw, out)
    if published is not None and published.new:
        # what publish took from the killed build's stages was the whole, right build
        assert release.latest_version(out) == published.version
