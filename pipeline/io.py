"""Reading and writing the tables: Parquet typed by the schemas, written atomically."""

from __future__ import annotations

import filecmp
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where used: a no-op build checks fingerprints and needs none
    import pandas as pd
    import pyarrow as pa


def _pandera_without_dask() -> None:
    """Keep pandera from importing `dask.dataframe` (~0.9 s) when it builds a model's schema.

    pandera's `get_index_types` imports `pandera.typing.dask`, which imports
    `dask.dataframe` when dask is installed (it is, for `--executor dask`) only to accept
    dask index annotations; the kzru models are pandas models and use none. A stand-in
    module saying dask is not installed is put in its place, unless the real one (or
    `dask.dataframe`, which makes it free) is already imported."""
    import sys
    import types

    if "pandera.typing.dask" in sys.modules or "dask.dataframe" in sys.modules:
        return
    stand_in = types.ModuleType("pandera.typing.dask", "pandera's dask types: not used by kzru")
    stand_in.DASK_INSTALLED = False  # type: ignore[attr-defined]
    sys.modules["pandera.typing.dask"] = stand_in


_pandera_without_dask()

#: The published tables, in release order (the keys of `schemas.TABLES`, known without
#: importing the models: a test checks both agree).
TABLE_NAMES: tuple[str, ...] = (
    "documents",
    "statistics",
    "events",
    "institutions",
    "institution_mentions",
    "rejected",
)

#: Rows per Parquet row group: bounded memory for readers of large tables.
ROW_GROUP_SIZE = 64_000


@contextmanager
def atomic_path(path: Path, *, keep_identical: bool = False) -> Iterator[Path]:
    """A temporary path next to `path`, renamed onto it when the block succeeds.

    With `keep_identical`, a result byte-identical to the existing `path` leaves `path`
    untouched (same modification time), so what depends on it is seen as up to date.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        if keep_identical and _same_bytes(Path(tmp), path):
            Path(tmp).unlink()
            return
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _same_bytes(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_size == b.stat().st_size and filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False


@cache
def table_schema(table: str) -> pa.Schema:
    """The published Arrow schema of `table` (built once: pandera models are slow to read)."""
    import schemas
    from schemas.generate import arrow_schema

    return arrow_schema(schemas.TABLES[table])


def to_arrow(df: pd.DataFrame, table: str) -> pa.Table:
    """`df` as an Arrow table with the published schema of `table` (no pandas metadata)."""
    import pyarrow as pa

    schema = table_schema(table)
    missing = [n for n in schema.names if n not in df.columns]
    if missing:
        raise ValueError(f"table {table}: missing columns {missing}")
    frame = df[schema.names]
    arrays = [_column(frame[field.name], field) for field in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def _column(series: pd.Series, field: pa.Field) -> pa.Array:
    """One column as Arrow: vectorised (NaN, None and NaT become null), else value by value
    for what Arrow does not convert from pandas directly."""
    import pyarrow as pa

    if not pa.types.is_list(field.type):
        try:
            return pa.array(series, type=field.type, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError):
            pass
    values = [None if _is_missing(v) else v for v in series.tolist()]
    if pa.types.is_list(field.type):
        values = [None if v is None else list(v) for v in values]
    return pa.array(values, type=field.type)


def _is_missing(value: object) -> bool:
    import pandas as pd

    return value is None or (isinstance(value, float) and value != value) or value is pd.NaT


def rows_to_arrow(rows: Sequence[Mapping[str, Any]], table: str) -> pa.Table:
    """Row dicts as an Arrow table with the published schema of `table`: the same values as
    `to_arrow` of their DataFrame (keys not in the schema are ignored, NaN becomes null)."""
    import pyarrow as pa

    schema = table_schema(table)
    if rows:
        missing = [n for n in schema.names if n not in rows[0]]
        if missing:
            raise ValueError(f"table {table}: missing columns {missing}")
    return nan_to_null(pa.Table.from_pylist(list(rows), schema=schema))


def nan_to_null(table: pa.Table) -> pa.Table:
    """Float NaN (pandas' missing value) as a real null, so Parquet and DuckDB see null."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for i, field in enumerate(table.schema):
        if pa.types.is_floating(field.type) and len(table):
            column = table.column(i)
            if pc.any(pc.is_nan(column)).as_py():
                fixed = pc.if_else(pc.is_nan(column), pa.scalar(None, field.type), column)
                table = table.set_column(i, field, fixed)
    return table


class TableWriter:
    """Writes a table's Parquet file row group by row group (memory does not grow with the
    table), atomically: the file appears when the writer closes without error.

    `add(rows)` buffers row dicts, `add_table(table)` Arrow rows of the table's schema (rows
    taken from an earlier file); a row group is written whenever `row_group_size` rows are
    buffered, so the file has the same bytes however its rows were added, and the schema and
    compression of `write_table`.
    """

    def __init__(self, table: str, path: Path, *, row_group_size: int = ROW_GROUP_SIZE) -> None:
        import pyarrow.parquet as pq

        self.table, self.path, self.row_group_size = table, path, row_group_size
        self.schema = table_schema(table)
        self.rows = 0
        self._buffer: list[Mapping[str, Any]] = []
        self._tables: list[pa.Table] = []  # converted rows, in order, before `_buffer`
        self._buffered = 0  # rows in `_tables`
        self._atomic = atomic_path(path, keep_identical=True)
        self._tmp = self._atomic.__enter__()
        self._writer = pq.ParquetWriter(
            self._tmp, self.schema, compression="zstd", write_statistics=True
        )

    def add(self, rows: Sequence[Mapping[str, Any]]) -> None:
        self._buffer.extend(rows)
        self.rows += len(rows)
        if not self._tables:
            while len(self._buffer) >= self.row_group_size:
                chunk = self._buffer[: self.row_group_size]
                del self._buffer[: self.row_group_size]
                self._writer.write_table(rows_to_arrow(chunk, self.table))
        elif self._buffered + len(self._buffer) >= self.row_group_size:
            self._convert()
            self._drain()

    def add_table(self, table: pa.Table) -> None:
        self._convert()
        self._tables.append(table.select(self.schema.names).cast(self.schema))
        self._buffered += table.num_rows
        self.rows += table.num_rows
        self._drain()

    def _convert(self) -> None:
        if self._buffer:
            self._tables.append(rows_to_arrow(self._buffer, self.table))
            self._buffered += len(self._buffer)
            self._buffer = []

    def _drain(self, *, final: bool = False) -> None:
        import pyarrow as pa

        if self._buffered < self.row_group_size and not (final and self._buffered):
            return
        whole = pa.concat_tables(self._tables)
        start = 0
        while whole.num_rows - start >= self.row_group_size or (final and start < whole.num_rows):
            chunk = whole.slice(start, self.row_group_size).combine_chunks()
            self._writer.write_table(chunk)
            start += chunk.num_rows
        rest = whole.slice(start)
        self._tables = [rest] if rest.num_rows else []
        self._buffered = rest.num_rows

    def close(self) -> None:
        if self._tables:
            self._convert()
            self._drain(final=True)
        elif self._buffer or self.rows == 0:
            self._writer.write_table(rows_to_arrow(self._buffer, self.table))
            self._buffer = []
        self._writer.close()
        self._atomic.__exit__(None, None, None)

    def abort(self, exc: BaseException) -> None:
        self._writer.close()
        self._atomic.__exit__(type(exc), exc, exc.__traceback__)

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.close()
        else:
            self.abort(exc)


def write_table(df: pd.DataFrame, table: str, path: Path, *, keep_identical: bool = False) -> None:
    """Write `df` as the Parquet file of `table`: typed, deterministic bytes, atomic (see
    `atomic_path` for `keep_identical`)."""
    import pyarrow.parquet as pq

    with atomic_path(path, keep_identical=keep_identical) as tmp:
        pq.write_table(
            to_arrow(df, table),
            tmp,
            compression="zstd",
            row_group_size=ROW_GROUP_SIZE,
            write_statistics=True,
        )


def read_table(path: Path) -> pd.DataFrame:
    """A table written by `write_table`; dates come back as `datetime.date`, lists as lists."""
    import pyarrow.parquet as pq

    return arrow_to_pandas(pq.read_table(path))


def iter_table(path: Path, rows: int) -> Iterator[tuple[int, pd.DataFrame]]:
    """`(offset, chunk)` for chunks of at most `rows` rows of a table, typed as `read_table`
    types them (an empty table gives one empty chunk)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    offset = 0
    for batch in parquet.iter_batches(batch_size=rows):
        yield offset, arrow_to_pandas(pa.Table.from_batches([batch]))
        offset += batch.num_rows
    if offset == 0:
        yield 0, arrow_to_pandas(parquet.schema_arrow.empty_table())


def arrow_to_pandas(table: pa.Table) -> pd.DataFrame:
    """An Arrow table as the stages read it: dates as `datetime.date`, lists as lists."""
    import pandas as pd
    import pyarrow as pa

    df = table.to_pandas(date_as_object=True)
    for field in table.schema:
        if pa.types.is_list(field.type):
            values = [None if v is None else list(v) for v in df[field.name]]
            df[field.name] = pd.Series(values, index=df.index, dtype=object)
    return df


# --- up-to-date checks: a stage whose inputs and outputs are as it left them is skipped -----


def stat_fingerprint(paths: Iterable[Path], root: Path | None = None) -> str:
    """sha256 of the names, sizes and modification times of `paths` (as `make` judges files:
    cheap, no file is read). Names are relative to `root` when given."""
    h = hashlib.sha256()
    for path in paths:
        st = path.stat()
        name = path.relative_to(root).as_posix() if root is not None else str(path)
        h.update(f"{name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def code_fingerprint(*names: str) -> str:
    """sha256 of the source of modules and packaged files of `pipeline` (`stages/parse.py`,
    `lexicons/abbreviations.yaml`), plus the package version."""
    import pipeline

    root = Path(pipeline.__file__).resolve().parent
    h = hashlib.sha256(pipeline.__version__.encode())
    for name in names:
        h.update(name.encode() + b"\0" + (root / name).read_bytes() + b"\0")
    return h.hexdigest()


class StageManifest:
    """What a stage recorded when it last ran (`<stage_dir>/.<stage>.json`): a fingerprint of
    its inputs, one of its outputs, and its result. The stage is up to date when both
    fingerprints still hold."""

    def __init__(self, stage_dir: Path, stage: str, outputs: Sequence[Path]) -> None:
        self.path = stage_dir / f".{stage}.json"
        self.root = stage_dir
        self.outputs = list(outputs)

    def outputs_fingerprint(self) -> str:
        """`stat_fingerprint` of the outputs, named relative to the stage folder (a stage
        folder moved or copied with its times stays up to date)."""
        return stat_fingerprint(self.outputs, self.root)

    def fresh(self, inputs: str) -> Any | None:
        """The recorded result when the stage is up to date for `inputs`, else None."""
        try:
            record = json.loads(self.path.read_text("utf-8"))
            if record["inputs"] != inputs or record["outputs"] != self.outputs_fingerprint():
                return None
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return record["result"]

    def record(self, inputs: str, result: Any) -> None:
        record = {"inputs": inputs, "outputs": self.outputs_fingerprint(), "result": result}
        with atomic_path(self.path) as tmp:
            tmp.write_text(json.dumps(record, sort_keys=True) + "\n", encoding="utf-8")

    def forget(self) -> None:
        self.path.unlink(missing_ok=True)
