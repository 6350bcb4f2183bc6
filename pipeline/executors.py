"""Where per-document work runs: batches of documents mapped over an executor.

Work is always sent in batches (never one task per document) and results come back in the
order of the batches, so the tables do not depend on the executor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Documents per batch.
BATCH_SIZE = 256


def batched(items: Iterable[T], size: int = BATCH_SIZE) -> Iterator[list[T]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def map_batches(
    func: Callable[[list[T]], R],
    batches: Iterable[list[T]],
    *,
    workers: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
) -> Iterator[R]:
    """`func(batch)` for every batch, in order."""
    if executor != "local" or workers != 1 or scheduler is not None:
        raise ValueError(
            f"executor {executor!r} with {workers} workers is not available in this build"
        )
    for batch in batches:
        yield func(batch)
