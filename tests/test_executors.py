"""Executors: batching, order, bounded look-ahead, and identical tables whichever executor ran
the extractors (in-process, a local process pool, a Dask local cluster)."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline import executors
from pipeline.executors import batched, map_batches
from pipeline.io import read_table
from pipeline.stages import extract, ingest, parse

REPO = Path(__file__).resolve().parent.parent
FACT_FILES = ("statistics", "events", "institutions", "institution_mentions")


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def total(batch: list[int]) -> tuple[int, int]:
    """A task for the workers (module level: it is pickled)."""
    return sum(batch), len(batch)


def pid_of(batch: list[int]) -> int:
    return os.getpid()


# --- batching and order -------------------------------------------------------------------


def test_batched_cuts_in_order_and_keeps_the_rest() -> None:
    assert list(batched(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(batched([], 3)) == []
    assert list(batched(range(4), 4)) == [[0, 1, 2, 3]]


def test_batch_size_adapts_to_small_corpora() -> None:
    assert extract.batch_size(None, 4) == executors.BATCH_SIZE
    assert extract.batch_size(100_000, 1) == executors.BATCH_SIZE
    assert extract.batch_size(100_000, 2) == executors.BATCH_SIZE
    assert extract.batch_size(400, 2) == 50  # 8 batches: 4 per worker
    assert extract.batch_size(10, 2) == extract.MIN_BATCH


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_local_results_come_in_batch_order(workers: int) -> None:
    batches = list(batched(range(1000), 7))
    got = list(map_batches(total, batches, workers=workers))
    assert got == [(sum(b), len(b)) for b in batches]
    assert got[0] == (21, 7) and got[-1] == (999 * 1000 // 2 - sum(range(994)), 6)


def test_local_pool_uses_other_processes() -> None:
    pids = set(map_batches(pid_of, [[i] for i in range(40)], workers=2))
    assert os.getpid() not in pids
    assert 1 <= len(pids) <= 2


def test_batches_are_consumed_lazily_within_the_window() -> None:
    consumed: list[int] = []

    def source() -> Iterator[list[int]]:
        for i in range(100):
            consumed.append(i)
            yield [i]

    results = map_batches(total, source(), workers=2, window=4)
    assert consumed == []  # nothing starts before the first result is asked for
    assert next(results) == (0, 1)
    assert len(consumed) == 5  # the first window, plus one submitted when it was taken
    assert [r[0] for r in results] == list(range(1, 100))
    assert len(consumed) == 100


def test_in_process_executor_is_lazy_too() -> None:
    consumed: list[int] = []

    def source() -> Iterator[list[int]]:
        for i in range(10):
            consumed.append(i)
            yield [i]

    results = map_batches(total, source())
    assert next(results) == (0, 1)
    assert consumed == [0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"workers": 0}, "at least 1"),
        ({"executor": "spark"}, "unknown executor"),
        ({"scheduler": "tcp://127.0.0.1:8786"}, "--executor dask"),
    ],
)
def test_bad_options_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        map_batches(total, [[1]], **kwargs)  # type: ignore[arg-type]


def test_errors_of_a_worker_reach_the_caller() -> None:
    with pytest.raises(ZeroDivisionError):
        list(map_batches(divide_by_zero, [[1], [2], [3]], workers=2))


def divide_by_zero(batch: list[int]) -> int:
    return batch[0] // 0


# --- the extract stage on every executor ----------------------------------------------------


@pytest.fixture(scope="module")
def stages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Stage folder (ingest + parse done) of 40 synthetic documents."""
    root = tmp_path_factory.mktemp("executors")
    _generator().generate(root / "raw", 40, seed=7)
    stage_dir = root / "stages"
    ingest.run(root / "raw", stage_dir)
    parse.run(stage_dir)
    return stage_dir


def _extract_hashes(stage_dir: Path, **options: object) -> dict[str, str]:
    counts = extract.run(stage_dir, **options)  # type: ignore[arg-type]
    assert counts["statistics"] > 0
    return {
        name: hashlib.sha256((stage_dir / f"{name}.parquet").read_bytes()).hexdigest()
        for name in FACT_FILES
    }


def test_streamed_tables_equal_the_in_memory_tables(stages: Path) -> None:
    """`run` (streaming, row groups, incremental institution counts) writes what `frames`
    of all rows in memory gives."""
    extract.run(stages)
    expected = extract.frames(extract.extract_all(extract.documents_from(stages)))
    for name in FACT_FILES:
        got = read_table(stages / f"{name}.parquet")
        want = expected[name].reset_index(drop=True)
        assert list(got.columns) == list(want.columns)
        assert len(got) == len(want)
        pd.testing.assert_frame_equal(got.astype(str), want.astype(str), check_dtype=False)


def test_documents_carry_their_sentences(stages: Path) -> None:
    docs = list(extract.documents_from(stages, batch_size=7))
    expected = parse.read_sentences(stages)
    assert len(docs) == 40
    assert all(doc.sentences == expected[doc.doc_id] for doc in docs)
    assert [d.doc_id for d in docs] == list(read_table(stages / "documents.parquet")["doc_id"])


def test_process_pool_writes_the_same_bytes(stages: Path) -> None:
    one = _extract_hashes(stages)
    assert _extract_hashes(stages, workers=2) == one


def test_institution_aggregation_in_duckdb_is_the_groupby(tmp_path: Path) -> None:
    mentions = [
        {"doc_id": "a", "institution_id": "x", "quote": "X", "acronym": None, "name": "X"},
        {"doc_id": "a", "institution_id": "y", "quote": "Y", "acronym": "Y", "name": "Y"},
        {"doc_id": "a", "institution_id": "x", "quote": "XX", "acronym": "XA", "name": "X"},
        {"doc_id": "b", "institution_id": "x", "quote": "X", "acronym": "XB", "name": "X"},
    ]
    for i, m in enumerate(mentions):
        m.update(kind="other", country=None, wikidata_id=None, parent_id=None, source="registry")
        m.update(char_start=i, char_end=i + 1, mention_id=f"im_{i:016x}")
    path = tmp_path / "mentions.parquet"
    pq.write_table(pa.Table.from_pylist(mentions), path)
    got = duckdb.connect().execute(extract._institutions_sql(extract.sql_path(path))).df()
    want = extract.aggregate_institutions(pd.DataFrame(mentions))
    got["aliases"] = [list(a) for a in got["aliases"]]
    pd.testing.assert_frame_equal(got[want.columns].astype(str), want.astype(str))
    row = got.set_index("institution_id").loc["x"]
    assert (row["acronym"], row["n_mentions"], row["n_documents"]) == ("XA", 3, 2)
    assert list(row["aliases"]) == ["X", "XX"]


@pytest.mark.slow
def test_dask_local_cluster_writes_the_same_bytes(stages: Path) -> None:
    pytest.importorskip("distributed")
    one = _extract_hashes(stages)
    assert _extract_hashes(stages, executor="dask", workers=2) == one
