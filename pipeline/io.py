"""Reading and writing the tables: Parquet typed by the schemas, written atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import schemas
from schemas.generate import arrow_schema

#: Rows per Parquet row group: bounded memory for readers of large tables.
ROW_GROUP_SIZE = 64_000


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path next to `path`, renamed onto it when the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def to_arrow(df: pd.DataFrame, table: str) -> pa.Table:
    """`df` as an Arrow table with the published schema of `table` (no pandas metadata)."""
    schema = arrow_schema(schemas.TABLES[table])
    missing = [n for n in schema.names if n not in df.columns]
    if missing:
        raise ValueError(f"table {table}: missing columns {missing}")
    frame = df[schema.names]
    arrays = []
    for field in schema:
        values = frame[field.name].tolist()
        values = [None if _is_missing(v) else v for v in values]
        if pa.types.is_list(field.type):
            values = [None if v is None else list(v) for v in values]
        arrays.append(pa.array(values, type=field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or value is pd.NaT


def write_table(df: pd.DataFrame, table: str, path: Path) -> None:
    """Write `df` as the Parquet file of `table`: typed, deterministic bytes, atomic."""
    with atomic_path(path) as tmp:
        pq.write_table(
            to_arrow(df, table),
            tmp,
            compression="zstd",
            row_group_size=ROW_GROUP_SIZE,
            write_statistics=True,
        )


def read_table(path: Path) -> pd.DataFrame:
    """A table written by `write_table`; dates come back as `datetime.date`, lists as lists."""
    table = pq.read_table(path)
    df = table.to_pandas(date_as_object=True)
    for field in table.schema:
        if pa.types.is_list(field.type):
            values = [None if v is None else list(v) for v in df[field.name]]
            df[field.name] = pd.Series(values, index=df.index, dtype=object)
    return df
