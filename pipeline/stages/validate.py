"""Validate: every table against its pandera model (lazily, all failures at once), plus the
rules that span tables: provenance, and ids that point to existing rows.

A failure stops the build before anything is published, with a report that names the table,
the column, the check and the rows.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import schemas
from pipeline.io import (
    TABLE_NAMES,
    StageManifest,
    arrow_to_pandas,
    atomic_path,
    code_fingerprint,
    iter_table,
    stat_fingerprint,
)
from pipeline.release import sha256_file

if TYPE_CHECKING:  # imported where used: tables validated before are not validated again
    import duckdb
    import pandas as pd
    from pandera.api.pandas.container import DataFrameSchema

log = logging.getLogger(__name__)

#: At most this many failing rows are listed per check.
MAX_ROWS_SHOWN = 10


@dataclass(frozen=True)
class Failure:
    table: str
    column: str | None
    check: str
    rows: list[int]
    examples: list[str]

    def __str__(self) -> str:
        where = f"{self.table}.{self.column}" if self.column else self.table
        rows = ", ".join(map(str, self.rows[:MAX_ROWS_SHOWN]))
        more = (
            f" (+{len(self.rows) - MAX_ROWS_SHOWN} more)" if len(self.rows) > MAX_ROWS_SHOWN else ""
        )
        examples = "; ".join(self.examples[:3])
        return f"{where}: check {self.check!r} failed on rows {rows}{more}: {examples}"


class ValidationFailed(Exception):
    """The tables break the schemas; `failures` says where."""

    def __init__(self, failures: list[Failure]) -> None:
        self.failures = failures
        lines = [f"validation failed: {len(failures)} check(s)"] + [f"  - {f}" for f in failures]
        super().__init__("\n".join(lines))


def schema_failures(table: str, df: pd.DataFrame) -> list[Failure]:
    """Failures of `df` against the model of `table` (lazy: all of them)."""
    import pandas as pd
    import pandera.errors

    try:
        schemas.TABLES[table].validate(df, lazy=True)
    except pandera.errors.SchemaErrors as err:
        cases = err.failure_cases
        failures = []
        for (column, check), group in cases.groupby(["column", "check"], dropna=False, sort=True):
            rows = sorted({int(i) for i in group["index"].dropna()})
            examples = [repr(v)[:80] for v in group["failure_case"].head(3)]
            failures.append(
                Failure(table, None if pd.isna(column) else str(column), str(check), rows, examples)
            )
        return failures
    return []


def provenance_failures(table: str, df: pd.DataFrame, texts: dict[str, str]) -> list[Failure]:
    """Rows whose quote is not `documents.text[char_start:char_end]`, or whose doc is unknown."""
    bad: list[int] = []
    examples: list[str] = []
    unknown: list[int] = []
    for i, (doc_id, a, b, quote) in enumerate(
        zip(df["doc_id"], df["char_start"], df["char_end"], df["quote"], strict=True)
    ):
        text = texts.get(doc_id)
        if text is None:
            unknown.append(i)
        elif text[a:b] != quote:
            bad.append(i)
            examples.append(f"quote {quote!r} but text has {text[a:b]!r}")
    failures = []
    if bad:
        failures.append(Failure(table, "quote", "provenance", bad, examples))
    if unknown:
        failures.append(Failure(table, "doc_id", "document exists", unknown, []))
    return failures


def reference_failures(mentions: pd.DataFrame, institutions: pd.DataFrame) -> list[Failure]:
    known = set(institutions["institution_id"])
    missing = [i for i, v in enumerate(mentions["institution_id"]) if v not in known]
    if not missing:
        return []
    examples = [str(mentions["institution_id"].iloc[i]) for i in missing[:3]]
    return [
        Failure("institution_mentions", "institution_id", "institution exists", missing, examples)
    ]


def validate(tables: dict[str, pd.DataFrame]) -> list[Failure]:
    """Every failure of every table (empty when all is well)."""
    failures: list[Failure] = []
    for name, df in tables.items():
        failures += schema_failures(name, df)
    docs = tables["documents"]
    texts = {str(d): str(t) for d, t in zip(docs["doc_id"], docs["text"], strict=True)}
    for name in schemas.FACT_TABLES:
        failures += provenance_failures(name, tables[name], texts)
    failures += reference_failures(tables["institution_mentions"], tables["institutions"])
    return failures


# --- the same checks on the stage files, a chunk at a time ---------------------------------

#: Rows validated at a time: memory holds one chunk of one table, whatever the corpus size.
CHUNK_ROWS = 50_000


@cache
def _chunk_schema(table: str) -> tuple[DataFrameSchema, tuple[str, ...]]:
    """The table's schema without its uniqueness checks (they span chunks: checked on the
    whole file instead), and the columns that must be unique."""
    schema = schemas.TABLES[table].to_schema()
    unique = tuple(str(n) for n, c in schema.columns.items() if c.unique)
    if unique:
        schema = schema.update_columns({n: {"unique": False} for n in unique})
    return schema, unique


def _merge(failures: list[Failure]) -> list[Failure]:
    """One failure per (table, column, check), rows in order, the first examples."""
    merged: dict[tuple[str, str | None, str], Failure] = {}
    for f in failures:
        key = (f.table, f.column, f.check)
        if key in merged:
            old = merged[key]
            merged[key] = Failure(f.table, f.column, f.check, old.rows + f.rows, old.examples)
        else:
            merged[key] = f
    return [
        Failure(f.table, f.column, f.check, sorted(f.rows), f.examples[:3]) for f in merged.values()
    ]


def _chunk_failures(table: str, offset: int, df: pd.DataFrame) -> list[Failure]:
    import pandas as pd
    import pandera.errors

    schema, _ = _chunk_schema(table)
    try:
        schema.validate(df, lazy=True)
    except pandera.errors.SchemaErrors as err:
        found = []
        cases = err.failure_cases
        for (column, check), group in cases.groupby(["column", "check"], dropna=False, sort=True):
            rows = sorted({int(i) + offset for i in group["index"].dropna()})
            examples = [repr(v)[:80] for v in group["failure_case"].head(3)]
            col = None if pd.isna(column) else str(column)
            found.append(Failure(table, col, str(check), rows, examples))
        return found
    return []


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _duplicates(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> list[Failure]:
    failures = []
    for column in _chunk_schema(table)[1]:
        rows = con.execute(
            f"""SELECT file_row_number, "{column}" FROM read_parquet({_sql_path(path)},
                file_row_number = true)
            WHERE "{column}" IN (SELECT "{column}" FROM read_parquet({_sql_path(path)})
                                 GROUP BY 1 HAVING count(*) > 1)
            ORDER BY file_row_number"""
        ).fetchall()
        if rows:
            examples = [repr(v)[:80] for _, v in rows[:3]]
            failures.append(
                Failure(table, column, "field_uniqueness", [int(r) for r, _ in rows], examples)
            )
    return failures


def _file_provenance(
    con: duckdb.DuckDBPyConnection,
    table: str,
    stage_dir: Path,
    rows: list[int] | None = None,
    new_docs: list[int] | None = None,
) -> list[Failure]:
    """`provenance_failures` of a fact table's file, as a join in DuckDB (substring counts
    code points, as Python slices do).

    With `rows` (the rows of the table not validated before) and `new_docs` (the rows of
    `documents` not validated before), quotes are compared only on those rows and on the
    rows of those documents: any other row, and its document's text, are as they were when
    the quote was found equal to the text. That every row's document exists is checked on
    every row."""
    facts = _sql_path(stage_dir / f"{table}.parquet")
    docs = _sql_path(stage_dir / "documents.parquet")
    if rows is None or new_docs is None:
        candidates = f"SELECT * FROM read_parquet({facts}, file_row_number = true)"
    else:
        import pyarrow as pa

        con.register("cand_rows", pa.table({"r": pa.array(rows, pa.int64())}))
        con.register("cand_docs", pa.table({"r": pa.array(new_docs, pa.int64())}))
        candidates = f"""SELECT * FROM read_parquet({facts}, file_row_number = true)
            WHERE file_row_number IN (SELECT r FROM cand_rows)
               OR doc_id IN (SELECT doc_id FROM read_parquet({docs}, file_row_number = true)
                             WHERE file_row_number IN (SELECT r FROM cand_docs))"""
    unknown = [
        int(i)
        for (i,) in con.execute(
            f"""SELECT f.file_row_number
            FROM read_parquet({facts}, file_row_number = true) f
            LEFT JOIN (SELECT doc_id FROM read_parquet({docs})) d USING (doc_id)
            WHERE d.doc_id IS NULL ORDER BY f.file_row_number"""
        ).fetchall()
    ]
    found = con.execute(
        f"""WITH c AS ({candidates})
        SELECT c.file_row_number, c.quote,
               substring(d.text, c.char_start + 1, c.char_end - c.char_start) AS found
        FROM c JOIN (SELECT doc_id, text FROM read_parquet({docs})
                     WHERE doc_id IN (SELECT doc_id FROM c)) d USING (doc_id)
        WHERE substring(d.text, c.char_start + 1, c.char_end - c.char_start)
              IS DISTINCT FROM c.quote
        ORDER BY c.file_row_number"""
    ).fetchall()
    if rows is not None and new_docs is not None:
        con.unregister("cand_rows")
        con.unregister("cand_docs")
    bad = [(int(i), q, t) for i, q, t in found]
    failures = []
    if bad:
        examples = [f"quote {q!r} but text has {t!r}" for _, q, t in bad]
        failures.append(Failure(table, "quote", "provenance", [i for i, *_ in bad], examples))
    if unknown:
        failures.append(Failure(table, "doc_id", "document exists", unknown, []))
    return failures


def _file_references(con: duckdb.DuckDBPyConnection, stage_dir: Path) -> list[Failure]:
    mentions = _sql_path(stage_dir / "institution_mentions.parquet")
    institutions = _sql_path(stage_dir / "institutions.parquet")
    rows = con.execute(
        f"""SELECT file_row_number, institution_id
        FROM read_parquet({mentions}, file_row_number = true)
        WHERE institution_id NOT IN (SELECT institution_id FROM read_parquet({institutions}))
           OR institution_id IS NULL
        ORDER BY file_row_number"""
    ).fetchall()
    if not rows:
        return []
    return [
        Failure(
            "institution_mentions",
            "institution_id",
            "institution exists",
            [int(i) for i, _ in rows],
            [str(v) for _, v in rows[:3]],
        )
    ]


def _row_hash(path: Path) -> str:
    """SQL: a hash of a row's values in every column of the Parquet file at `path`."""
    import pyarrow.parquet as pq

    names = pq.read_schema(path).names
    return "hash(struct_pack(" + ", ".join(f'"{n}" := "{n}"' for n in names) + "))"


def _unknown_rows(
    con: duckdb.DuckDBPyConnection, name: str, path: Path, known: Path | None
) -> list[int] | None:
    """Row numbers of the rows of `path` whose hash is not among those validated before for
    table `name` (`known`, written by `validate_files(record=...)`); None: every row."""
    from pipeline.changes import KEYS

    con.execute(
        f"CREATE OR REPLACE TEMP TABLE h_{name} AS SELECT file_row_number AS r, "
        f'CAST("{KEYS[name]}" AS VARCHAR) AS k, {_row_hash(path)} AS h '
        f"FROM read_parquet({_sql_path(path)}, file_row_number = true)"
    )
    if known is None:
        return None
    rows = con.execute(
        f"""SELECT r FROM h_{name} WHERE h NOT IN
            (SELECT h FROM read_parquet({_sql_path(known)}) WHERE "table" = '{name}')
            ORDER BY r"""
    ).fetchall()
    return [int(r) for (r,) in rows]


def _rows_failures(table: str, path: Path, rows: list[int]) -> list[Failure]:
    """The schema failures of some rows of a table's file, read row group by row group."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    found: list[Failure] = []
    start = 0
    wanted = iter(rows)
    row = next(wanted, None)
    for group in range(parquet.metadata.num_row_groups):
        end = start + parquet.metadata.row_group(group).num_rows
        local: list[int] = []
        while row is not None and row < end:
            local.append(row - start)
            row = next(wanted, None)
        if local:
            chunk = parquet.read_row_group(group).take(pa.array(local, pa.int64()))
            df = arrow_to_pandas(chunk)
            df.index = [start + i for i in local]
            found += _chunk_failures(table, 0, df)
        start = end
    return found


def validate_files(
    stage_dir: Path,
    *,
    chunk_rows: int = CHUNK_ROWS,
    known: Path | None = None,
    record: Path | None = None,
) -> list[Failure]:
    """`validate` of the stage's Parquet files, in bounded memory: the schema checks run on
    chunks of `chunk_rows` rows, the checks that span rows and tables (unique ids,
    provenance, references) run in DuckDB on the files. Failing rows are numbered as in
    `validate` (position in the file).

    The schema checks are checks of each row alone (types, vocabularies, spans forward): with
    `known` (the row hashes recorded by an earlier run), they run only on the rows whose
    values were not validated before; the checks that span rows always run on every row.
    With `record`, the id (`changes.KEYS`) and hash of every row are written there when
    nothing failed (publish computes a release's changes from them)."""
    import duckdb

    failures: list[Failure] = []
    con = duckdb.connect()
    unknown: dict[str, list[int] | None] = {}
    try:
        con.execute("SET memory_limit = '256MB'")
        for name in TABLE_NAMES:
            path = stage_dir / f"{name}.parquet"
            found: list[Failure] = []
            rows = _unknown_rows(con, name, path, known) if known or record else None
            unknown[name] = rows
            if rows is None:
                for offset, df in iter_table(path, chunk_rows):
                    found += _chunk_failures(name, offset, df)
            elif rows:
                found += _rows_failures(name, path, rows)
            failures += _merge(found)
        for name in TABLE_NAMES:
            failures += _duplicates(con, name, stage_dir / f"{name}.parquet")
        for name in schemas.FACT_TABLES:
            failures += _file_provenance(con, name, stage_dir, unknown[name], unknown["documents"])
        failures += _file_references(con, stage_dir)
        if record is not None and not failures:
            union = " UNION ALL ".join(
                f"SELECT '{n}' AS \"table\", k, h FROM h_{n}" for n in TABLE_NAMES
            )
            with atomic_path(record) as tmp:
                con.execute(f"COPY ({union}) TO {_sql_path(tmp)} (FORMAT parquet)")
    finally:
        con.close()
    return failures


def _code() -> str:
    """Fingerprint of what decides validity: this stage and the schemas."""
    h = hashlib.sha256(code_fingerprint("stages/validate.py").encode())
    for path in sorted(Path(schemas.__file__).resolve().parent.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


#: Sidecars: the hash of every row of the tables that last passed (what need not be checked
#: row by row again), and the fingerprint of the code that checked them.
ROWS_FILE = ".validated-rows.parquet"
ROWS_CODE_FILE = ".validated-rows.json"


def recorded_rows(stage_dir: Path, hashes: dict[str, str]) -> Path | None:
    """The row record (`ROWS_FILE`: table, id, row hash) of the stage tables whose files
    have the sha256 `hashes`, if the last validation recorded it for these very files."""
    try:
        record = json.loads((stage_dir / ROWS_CODE_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    path = stage_dir / ROWS_FILE
    if not isinstance(record, dict) or record.get("sha256") != hashes or not path.exists():
        return None
    return path


def _known_code(stage_dir: Path) -> str | None:
    try:
        return str(json.loads((stage_dir / ROWS_CODE_FILE).read_text("utf-8"))["code"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def run(stage_dir: Path) -> dict[str, int]:
    """Validate the stage tables; write `validation.json` (with the checksum of each table
    validated, so publish can refuse a table changed since); raise `ValidationFailed` on
    failure."""
    paths = [stage_dir / f"{name}.parquet" for name in TABLE_NAMES]
    manifest = StageManifest(stage_dir, "validate", [])
    inputs = f"{stat_fingerprint(paths, stage_dir)}:{_code()}"
    done = manifest.fresh(inputs)
    if done is not None:  # these very files passed: write their report again
        with atomic_path(stage_dir / "validation.json") as tmp:
            tmp.write_text(json.dumps(done, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        log.info("validate ok (tables unchanged since they were validated)")
        return dict(done["rows"])
    import pyarrow.parquet as pq

    code = _code()
    known = stage_dir / ROWS_FILE
    previous = known if _known_code(stage_dir) == code and known.exists() else None
    manifest.forget()
    (stage_dir / ROWS_CODE_FILE).unlink(missing_ok=True)
    recorded = stage_dir / f".{ROWS_FILE}.new"
    failures = validate_files(stage_dir, known=previous, record=recorded)
    recorded_now = recorded.exists()
    if recorded_now:
        recorded.replace(known)
    rows = {n: pq.ParquetFile(p).metadata.num_rows for n, p in zip(TABLE_NAMES, paths, strict=True)}
    hashes = {name: sha256_file(stage_dir / f"{name}.parquet") for name in TABLE_NAMES}
    if recorded_now:
        with atomic_path(stage_dir / ROWS_CODE_FILE) as tmp:
            tmp.write_text(json.dumps({"code": code, "sha256": hashes}) + "\n", encoding="utf-8")
    report = {
        "ok": not failures,
        "rows": rows,
        "sha256": hashes,
        "failures": [asdict(f) for f in failures],
    }
    with atomic_path(stage_dir / "validation.json") as tmp:
        tmp.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    if failures:
        raise ValidationFailed(failures)
    manifest.record(inputs, report)
    log.info("validate ok %s", " ".join(f"{k}={v}" for k, v in rows.items()))
    return rows
