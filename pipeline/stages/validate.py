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
from pathlib import Path

import pandas as pd
import pandera.errors

import schemas
from pipeline.io import (
    StageManifest,
    atomic_path,
    code_fingerprint,
    read_table,
    stat_fingerprint,
)
from pipeline.release import sha256_file

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


def _code() -> str:
    """Fingerprint of what decides validity: this stage and the schemas."""
    h = hashlib.sha256(code_fingerprint("stages/validate.py").encode())
    for path in sorted(Path(schemas.__file__).resolve().parent.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def run(stage_dir: Path) -> dict[str, int]:
    """Validate the stage tables; write `validation.json` (with the checksum of each table
    validated, so publish can refuse a table changed since); raise `ValidationFailed` on
    failure."""
    paths = [stage_dir / f"{name}.parquet" for name in schemas.TABLES]
    manifest = StageManifest(stage_dir, "validate", [])
    inputs = f"{stat_fingerprint(paths)}:{_code()}"
    done = manifest.fresh(inputs)
    if done is not None:  # these very files passed: write their report again
        with atomic_path(stage_dir / "validation.json") as tmp:
            tmp.write_text(json.dumps(done, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        log.info("validate ok (tables unchanged since they were validated)")
        return dict(done["rows"])
    manifest.forget()
    tables = {name: read_table(stage_dir / f"{name}.parquet") for name in schemas.TABLES}
    failures = validate(tables)
    rows = {name: len(df) for name, df in tables.items()}
    hashes = {name: sha256_file(stage_dir / f"{name}.parquet") for name in schemas.TABLES}
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
