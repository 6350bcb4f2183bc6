"""Releases on disk: versions, the `latest` pointer, the list of releases.

A release is an immutable folder `releases/<version>/`; `latest` is a relative symbolic link
to the newest. Versions are CalVer `YYYY.MM.DD`, with `.N` (N >= 2) for further releases on
the same day: `2026.11.21`, `2026.11.21.2`.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

VERSION = re.compile(r"^(\d{4})\.(\d{2})\.(\d{2})(?:\.(\d+))?$")


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
    base = today.strftime("%Y.%m.%d")
    taken = set(list_versions(out_dir))
    if base not in taken:
        return base
    n = 2
    while f"{base}.{n}" in taken:
        n += 1
    return f"{base}.{n}"


def latest(out_dir: Path) -> Path | None:
    """The release `latest` points to, or None."""
    link = out_dir / "latest"
    if not link.is_symlink() and not link.is_dir():
        return None
    target = link.resolve()
    return target if target.is_dir() else None


def point_latest(out_dir: Path, version: str) -> None:
    """Atomically make `latest` a relative link to `releases/<version>`."""
    tmp = out_dir / f".latest.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    os.symlink(Path("releases") / version, tmp)
    os.replace(tmp, out_dir / "latest")
