"""A whole build under the output folder's lock, for people and schedulers alike.

`kzru build` and `kzru rebuild` (cron, systemd timers, CI) both run `run`: take the lock of
`<out>` (a second run exits at once, status 75), mark the stage folder unvalidated, run
ingest, parse, extract (with the per-document result cache), validate and publish, then apply
the retention. Every stage logs one line with its counts. A run whose tables equal those of
the latest release publishes nothing, says so, and succeeds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pipeline import cache, lock, release
from pipeline.stages import extract, ingest, parse, publish, validate

log = logging.getLogger("kzru.rebuild")

#: Exit statuses of `kzru` commands (see docs/RELEASES.md).
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_LOCKED = lock.EXIT_LOCKED

#: Files of the stage folder that say "these tables were validated / published"; removed
#: before a build rewrites the tables, so a build killed half way is detectably stale.
MARKERS = ("validation.json", "published.json")


@dataclass(frozen=True)
class Outcome:
    published: publish.Published
    documents: int
    rejected: int
    extracted: int  # documents run through the extractors (the others came from the cache)
    seconds: float


def stage_dir(out_dir: Path) -> Path:
    return out_dir / "stages"


def default_cache(out_dir: Path) -> Path:
    return out_dir / "cache"


def invalidate(stages: Path) -> None:
    """Remove the markers of validated and published tables of `stages`."""
    for name in MARKERS:
        (stages / name).unlink(missing_ok=True)


def run(
    raw_dir: Path,
    out_dir: Path,
    *,
    cache_dir: Path | None = None,
    keep: int | None = None,
    gold: Path | None = None,
    today: date | None = None,
    progress: bool = False,
    extract_options: Mapping[str, Any] | None = None,
) -> Outcome:
    """Build and publish from `raw_dir` into `out_dir` (see the module docstring).

    `cache_dir=None` extracts every document afresh. `extract_options` go to `extract.run`
    (workers, executor, ...). Raises `lock.Locked` when another build holds the lock.
    """
    if keep is not None and keep < 1:
        raise ValueError(f"--keep must be at least 1, not {keep}")
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw folder not found: {raw_dir}")
    began = time.monotonic()
    timings: dict[str, float] = {}
    cpu_timings: dict[str, float] = {}
    clock = [began, time.process_time()]

    def lap(stage: str) -> None:
        now, cpu = time.monotonic(), time.process_time()
        timings[stage], cpu_timings[stage] = now - clock[0], cpu - clock[1]
        clock[:] = [now, cpu]

    with lock.acquire(out_dir):
        stages = stage_dir(out_dir)
        stages.mkdir(parents=True, exist_ok=True)
        invalidate(stages)
        n_docs, n_rejected = ingest.run(raw_dir, stages)
        lap("ingest")
        parse.run(stages)
        lap("parse")
        store = cache.ResultCache(cache_dir) if cache_dir is not None else None
        started = store.mark() if store is not None else 0
        stats: dict[str, int] = {}
        extract.run(
            stages,
            progress=progress,
            cache_dir=cache_dir,
            stats=stats,
            **(extract_options or {}),
        )
        extracted = stats["extracted"]
        lap("extract")
        if store is not None:
            # a skipped extract read no entry: every entry is still the current one
            removed = 0 if stats["skipped"] else store.prune(started)
            log.info(
                "cache documents=%d extracted=%d cached=%d unused_removed=%d",
                n_docs,
                extracted,
                n_docs - extracted,
                removed,
            )
        validate.run(stages)
        lap("validate")
        result = publish.run(stages, out_dir, today=today, gold=gold, keep=keep)
        problems = release.verify(result.path)
        if problems:
            raise RuntimeError(f"release {result.version} does not verify: {problems[0]}")
        lap("publish")
    seconds = time.monotonic() - began
    log.debug("seconds %s", " ".join(f"{k}={v:.2f}" for k, v in timings.items()))
    log.debug("cpu seconds %s", " ".join(f"{k}={v:.2f}" for k, v in cpu_timings.items()))
    if result.new:
        log.info("done release=%s new seconds=%.1f", result.version, seconds)
    else:
        log.info("done release=%s unchanged seconds=%.1f", result.version, seconds)
    return Outcome(result, n_docs, n_rejected, extracted, seconds)


def summary(outcome: Outcome) -> str:
    """The line printed before the release path."""
    pub = outcome.published
    if not pub.new:
        return f"nothing changed since release {pub.version}; nothing published"
    return f"published release {pub.version}"
