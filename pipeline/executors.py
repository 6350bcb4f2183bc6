"""Where per-document work runs: batches of documents mapped over an executor.

Work is always sent in batches (never one task per document) and results come back in the
order of the batches, so the tables do not depend on the executor. A bounded number of
batches is in flight at a time (`window`), so memory stays flat however long the stream of
batches is.

Executors:

- `local`, 1 worker: in this process, one batch after the other.
- `local`, N workers: a pool of N local processes (`concurrent.futures`).
- `dask`: a dask.distributed cluster (extra `kzru[dask]`): the one at `scheduler`
  (`tcp://host:8786`), else a local cluster of `workers` processes started for the run.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Documents per batch.
BATCH_SIZE = 256
#: Batches in flight per worker: enough to keep every worker busy while results are consumed.
BATCHES_PER_WORKER = 3
EXECUTORS = ("local", "dask")


class ExecutorUnavailable(RuntimeError):
    """The executor asked for cannot run here (e.g. dask is not installed)."""


def batched(items: Iterable[T], size: int = BATCH_SIZE) -> Iterator[list[T]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def default_workers() -> int:
    """CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def map_batches(
    func: Callable[[list[T]], R],
    batches: Iterable[list[T]],
    *,
    workers: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    window: int | None = None,
) -> Iterator[R]:
    """`func(batch)` for every batch, in the order of `batches`.

    `func` must be a module-level function (it is pickled to the workers). `batches` is
    consumed lazily, at most `window` batches ahead of the results (default: a few per
    worker). With `executor="local"` and `workers=1` everything runs in this process.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}: choose one of {', '.join(EXECUTORS)}")
    if scheduler is not None and executor != "dask":
        raise ValueError("--scheduler needs --executor dask")
    window = window or max(2, BATCHES_PER_WORKER * workers)
    if executor == "dask":
        return _map_dask(func, batches, workers=workers, scheduler=scheduler, window=window)
    if workers == 1:
        return map(func, batches)
    return _map_processes(func, batches, workers=workers, window=window)


def _in_order(
    submit: Callable[[list[T]], Any],
    result: Callable[[Any], R],
    batches: Iterable[list[T]],
    window: int,
) -> Iterator[R]:
    """Submit batches, at most `window` in flight, and yield their results in order."""
    pending: deque[Any] = deque()
    it = iter(batches)
    for batch in islice(it, window):
        pending.append(submit(batch))
    while pending:
        future = pending.popleft()
        nxt = next(it, None)
        if nxt is not None:
            pending.append(submit(nxt))
        yield result(future)


def _pool_context() -> multiprocessing.context.BaseContext:
    """`fork` where there is one: workers inherit the loaded lexicons and compiled regexes."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _map_processes(
    func: Callable[[list[T]], R], batches: Iterable[list[T]], *, workers: int, window: int
) -> Iterator[R]:
    with ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context()) as pool:

        def submit(batch: list[T]) -> Future[R]:
            return pool.submit(func, batch)

        def result(future: Future[R]) -> R:
            return future.result()

        try:
            yield from _in_order(submit, result, batches, window)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _map_dask(
    func: Callable[[list[T]], R],
    batches: Iterable[list[T]],
    *,
    workers: int,
    scheduler: str | None,
    window: int,
) -> Iterator[R]:
    try:
        from distributed import Client, LocalCluster
    except ImportError as err:
        raise ExecutorUnavailable(
            "the dask executor needs dask.distributed: pip install 'kzru[dask]'"
        ) from err
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=40,  # logging.ERROR
        )
        client = Client(cluster)
    else:
        client = Client(scheduler)
        n = len(client.scheduler_info().get("workers", {})) or workers
        window = max(window, BATCHES_PER_WORKER * n)
    try:

        def submit(batch: list[T]) -> Any:
            # pure=False: two equal batches are still two tasks (no key collision).
            return client.submit(func, batch, pure=False)

        def result(future: Any) -> R:
            value: R = future.result()
            future.release()
            return value

        yield from _in_order(submit, result, batches, window)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
