"""A tiny raw corpus for release tests: short texts in the genre's style, written for the tests.

`write_raw(folder, keys)` writes the chosen documents as `NNN_<16 hex>.txt` files with the
` date YYYY-MM-DD ` header; `run_kzru(...)` runs the command line in a subprocess.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pyarrow.parquet as pq

import schemas

REPO = Path(__file__).resolve().parent.parent

DOCS: dict[str, tuple[str, str]] = {
    "trade": (
        "2023-03-02",
        "OMSK. KAZINFORM Trade turnover between Kazakhstan and Russia reached $21.4 billion "
        "in 2022, the regional governor said at a meeting with a delegation from Pavlodar "
        "region.\n"
        "More than 1,200 Russian companies work in the border regions, he noted. Exports of "
        "grain from Kazakhstan grew by 14% over the year.\n",
    ),
    "visit": (
        "2024-05-16",
        "ASTANA. KAZINFORM The Prime Minister of Kazakhstan will pay a working visit to Moscow "
        "next week, the government press service reported.\n"
        "The sides are expected to discuss cooperation within the Eurasian Economic Union and "
        "the construction of a new gas pipeline. In 2023 Russian investment in Kazakhstan "
        "amounted to 2.1 billion US dollars.\n",
    ),
    "culture": (
        "2022-09-20",
        "Days of Russian culture opened in Shymkent\n"
        "SHYMKENT. Days of Russian culture opened in Shymkent on Monday. Theatre companies "
        "from Kazan and Samara will give 12 performances, the city administration said.\n"
        "About 300 students from Russian universities study in the region this year.\n",
    ),
    "forum": (
        "2025-01-28",
        "URALSK. A forum of interregional cooperation will be held in Uralsk in the autumn, "
        "the akimat of West Kazakhstan region announced on Tuesday.\n"
        "Last year trade between the neighbouring regions grew to 1.6 billion US dollars, and "
        "45 joint projects are under way.\n",
    ),
}


def raw_name(index: int, key: str) -> str:
    return f"{index:03d}_{hashlib.sha256(key.encode()).hexdigest()[:16]}.txt"


def write_raw(folder: Path, keys: Iterable[str]) -> list[Path]:
    """Write the documents `keys` (of `DOCS`) into `folder`; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    order = list(DOCS)
    for key in keys:
        published, body = DOCS[key]
        path = folder / raw_name(order.index(key), key)
        path.write_text(f" date {published} {body}", encoding="utf-8")
        paths.append(path)
    return paths


def kzru_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline", *args]


def run_kzru(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """`python -m pipeline ARGS` in a subprocess, from the repository root."""
    full_env = {k: v for k, v in os.environ.items() if k != "KZRU_TEST_CRASH_AT"}
    full_env.update(env or {})
    return subprocess.run(
        kzru_command(*args),
        cwd=REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def parquet_bytes(release: Path) -> dict[str, bytes]:
    """The bytes of every Parquet table of a release folder."""
    return {name: (release / f"{name}.parquet").read_bytes() for name in schemas.TABLES}


def row_count(path: Path) -> int:
    return int(pq.ParquetFile(path).metadata.num_rows)
