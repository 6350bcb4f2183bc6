"""Releases on disk: versions, the `latest` pointer, the list of releases, their upkeep.

A release is an immutable folder `releases/<version>/`; `latest` is a relative symbolic link
to the newest. Versions are CalVer `YYYY.MM.DD`, with `.N` (N >= 2) for further releases on
the same day: `2026.11.21`, `2026.11.21.2`. A new version always sorts after every existing
one, so versions are never reused and their order is the order of publication.

A folder is only ever named like a version by an atomic rename of a complete folder; work in
progress lives in `releases/.tmp-*`, releases being removed in `releases/.trash-*`. Both are
swept away by `recover`, which the publish stage runs (under the build lock) before it writes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import signal
from datetime import date
from pathlib import Path

log = logging.getLogger(__name__)

VERSION = re.compile(r"^(\d{4})\.(\d{2})\.(\d{2})(?:\.(\d+))?$")
TMP_PREFIX = ".tmp-"
TRASH_PREFIX = ".trash-"

#: Test-only: the name of a crash point at which the process kills itself with SIGKILL
#: (see `crash_point`). Unset in normal use, so the hook does nothing.
CRASH_ENV = "KZRU_TEST_CRASH_AT"


def crash_point(name: str) -> None:
    """Die here, at once and without cleanup, when `$KZRU_TEST_CRASH_AT` names this point.

    The crash-safety tests use it to kill a build at exact moments of publishing; with the
    variable unset (always, outside those tests) it does nothing.
    """
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def releases_dir(out_dir: Path) -> Path:
    return out_dir / "releases"


def version_key(version: str) -> tuple[int, int, int, int]:
    m = VERSION.match(version)
    if not m:
        raise ValueError(f"not a release version: {version!r}")
    return int(m[1]), int(m[2]), int(m[3]), int(m[4] or 1)


def list_versions(out_dir: Path) -> list[str]:
    """Published versions, oldest first (temporary folders are not releases)."""
    folder = releases_dir(out_dir)
    if not folder.is_dir():
        return []
    names = [p.name for p in folder.iterdir() if p.is_dir() and VERSION.match(p.name)]
    return sorted(names, key=version_key)


def next_version(out_dir: Path, today: date) -> str:
    """`YYYY.MM.DD` of `today`, or `.N` after it for a further release that day.

    If a release already exists with a later date (a clock set back, a copied folder), the new
    version continues after the newest one rather than sort before it.
    """
    versions = list_versions(out_dir)
    y, m, d, n = version_key(versions[-1]) if versions else (0, 0, 0, 0)
    if (today.year, today.month, today.day) > (y, m, d):
        return today.strftime("%Y.%m.%d")
    if (today.year, today.month, today.day) < (y, m, d):
        log.warning(
            "release %s is dated after today (%s): the new version follows it",
            versions[-1],
            today.isoformat(),
        )
    return f"{y:04d}.{m:02d}.{d:02d}.{n + 1}"


def latest(out_dir: Path) -> Path | None:
    """The release `latest` points to, or None."""
    link = out_dir / "latest"
    if not link.is_symlink() and not link.is_dir():
        return None
    target = link.resolve()
    return target if target.is_dir() else None


def latest_version(out_dir: Path) -> str | None:
    found = latest(out_dir)
    return found.name if found is not None and VERSION.match(found.name) else None


def fsync_dir(folder: Path) -> None:
    """Make the renames and new names in `folder` durable."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def point_latest(out_dir: Path, version: str) -> None:
    """Atomically make `latest` a relative link to `releases/<version>`."""
    tmp = out_dir / f".latest.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    os.symlink(Path("releases") / version, tmp)
    os.replace(tmp, out_dir / "latest")
    fsync_dir(out_dir)


def resolve(out_dir: Path, ref: str) -> Path:
    """A release folder from what a user wrote: a path to a folder, `latest`, or a version
    under `out_dir/releases`."""
    path = Path(ref)
    if path.is_dir():
        return path.resolve()
    if ref == "latest":
        found = latest(out_dir)
        if found is not None:
            return found
    elif VERSION.match(ref) and (releases_dir(out_dir) / ref).is_dir():
        return (releases_dir(out_dir) / ref).resolve()
    known = ", ".join(list_versions(out_dir)[-5:]) or "none"
    raise FileNotFoundError(
        f"no release {ref!r}: give a release folder or a version under {releases_dir(out_dir)}"
        f" (newest: {known})"
    )


# --- integrity ------------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def files_of(package: dict[str, object]) -> dict[str, tuple[int, str]]:
    """`{file name: (bytes, sha256)}` of every file a release's datapackage.json describes."""
    out: dict[str, tuple[int, str]] = {}
    for res in package.get("resources", []):  # type: ignore[attr-defined]
        info = res.get("kzru", {})
        size = info.get("bytes", res.get("bytes"))
        digest = info.get("sha256") or str(res["hash"]).removeprefix("sha256:")
        out[res["path"]] = (int(size), str(digest))
    extra = package.get("kzru", {})
    for entry in extra.get("files", []):  # type: ignore[attr-defined]
        out[entry["path"]] = (int(entry["bytes"]), str(entry["sha256"]))
    return out


def verify(folder: Path) -> list[str]:
    """Problems of a release folder: missing `datapackage.json`, or a file it lists that is
    missing or whose size or sha256 differs. Empty when the release is complete and intact."""
    package_path = folder / "datapackage.json"
    try:
        package = json.loads(package_path.read_text("utf-8"))
    except (OSError, ValueError) as err:
        return [f"{package_path}: {err}"]
    problems = []
    try:
        files = files_of(package)
    except (KeyError, TypeError, ValueError) as err:
        return [f"{package_path}: no byte counts and checksums ({err!r})"]
    if not files:
        problems.append(f"{package_path}: lists no files")
    for name, (size, digest) in sorted(files.items()):
        path = folder / name
        if not path.is_file():
            problems.append(f"{path}: missing")
        elif path.stat().st_size != size:
            problems.append(f"{path}: {path.stat().st_size} bytes, expected {size}")
        elif sha256_file(path) != digest:
            problems.append(f"{path}: sha256 differs from datapackage.json")
    return problems


# --- upkeep ---------------------------------------------------------------------------------


def _remove_tree(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


def recover(out_dir: Path) -> list[str]:
    """Repair what a killed build may have left; returns what was done, for the log.

    Call only while holding the build lock. Removes unfinished (`.tmp-*`) and half-removed
    (`.trash-*`) folders and stray temporary links; if `latest` is missing, dangling, or behind
    a newer complete release (a build killed between renaming the release into place and
    moving `latest`), points it at the newest release that verifies.
    """
    done: list[str] = []
    folder = releases_dir(out_dir)
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.name.startswith((TMP_PREFIX, TRASH_PREFIX)):
                _remove_tree(path)
                done.append(f"removed {path.name}")
    if out_dir.is_dir():
        for path in out_dir.glob(".latest.*.tmp"):
            path.unlink(missing_ok=True)
            done.append(f"removed {path.name}")
    versions = list_versions(out_dir)
    current = latest_version(out_dir)
    newer = [v for v in versions if current is None or version_key(v) > version_key(current)]
    for version in reversed(newer):
        problems = verify(folder / version)
        if problems:
            log.warning("release %s is incomplete, left as is: %s", version, problems[0])
            continue
        point_latest(out_dir, version)
        done.append(f"latest -> {version} (was {current or 'missing'})")
        break
    for line in done:
        log.info("recover %s", line)
    return done


def prune(out_dir: Path, keep: int) -> list[str]:
    """Remove the oldest releases so that at most `keep` remain; never the one `latest`
    points to. Returns the versions removed, oldest first.

    Each folder is first renamed out of the release namespace (`.trash-<version>`), then
    deleted: a build killed half way through a deletion leaves no half release behind.
    """
    if keep < 1:
        raise ValueError(f"--keep must be at least 1, not {keep}")
    versions = list_versions(out_dir)
    current = latest_version(out_dir)
    excess = len(versions) - keep
    removed: list[str] = []
    for version in versions:
        if excess <= 0:
            break
        if version == current:
            continue
        folder = releases_dir(out_dir)
        trash = folder / f"{TRASH_PREFIX}{version}"
        _remove_tree(trash)
        os.rename(folder / version, trash)
        fsync_dir(folder)
        crash_point("prune")
        shutil.rmtree(trash)
        removed.append(version)
        excess -= 1
    if removed:
        log.info("retention kept=%d removed=%s", keep, ",".join(removed))
    return removed
