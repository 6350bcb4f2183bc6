"""Publish: write a release folder (Parquet, DuckDB, datapackage.json, CHANGES) and point
`latest` at it.

The release is written to a temporary folder and renamed into place only when complete, and
`latest` moves last, atomically: a failed or killed build leaves the previous release and
`latest` as they were. When the tables equal those of the latest release, nothing is
published.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml

import schemas
from pipeline import __version__, changes, release
from pipeline.io import atomic_path, read_table, write_table
from schemas.generate import describe, duckdb_ddl, frictionless_schema

log = logging.getLogger(__name__)

LICENSE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}
#: Row order of each published table: a defined order makes the Parquet bytes reproducible.
SORT_KEYS = {
    "documents": ["source_path"],
    "statistics": ["doc_id", "char_start", "char_end", "stat_id"],
    "events": ["doc_id", "char_start", "char_end", "event_id"],
    "institutions": ["institution_id"],
    "institution_mentions": ["doc_id", "char_start", "char_end", "mention_id"],
    "rejected": ["source_path"],
}


class NotValidated(RuntimeError):
    """Publish was asked to run on tables that did not pass the validate stage."""


@dataclass(frozen=True)
class Published:
    path: Path
    version: str
    new: bool  # False when nothing changed and no release was written


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def views() -> list[dict[str, str]]:
    text = resources.files("pipeline.sql").joinpath("views.yaml").read_text("utf-8")
    return list(yaml.safe_load(text))


def sorted_table(name: str, df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(SORT_KEYS[name], kind="stable").reset_index(drop=True)


def load_validated(stage_dir: Path) -> dict[str, pd.DataFrame]:
    report_path = stage_dir / "validation.json"
    if not report_path.exists():
        raise NotValidated(f"{report_path} not found: run `kzru validate` before publishing")
    report = json.loads(report_path.read_text("utf-8"))
    if not report.get("ok"):
        raise NotValidated(f"{report_path} records failures: the tables were not published")
    tables = {n: read_table(stage_dir / f"{n}.parquet") for n in schemas.TABLES}
    for name, df in tables.items():
        if report["rows"].get(name) != len(df):
            raise NotValidated(f"{name}.parquet changed after validation: run `kzru validate`")
    return tables


def write_duckdb(folder: Path) -> None:
    """`kzru.duckdb`: every table (DDL from the schemas, rows from the Parquet files) and the
    documented views."""
    db_path = folder / "kzru.duckdb"
    con = duckdb.connect(str(db_path))
    try:
        for name, model in schemas.TABLES.items():
            con.execute(duckdb_ddl(name, model))
            parquet = str(folder / f"{name}.parquet").replace("'", "''")
            con.execute(f"INSERT INTO {name} SELECT * FROM read_parquet('{parquet}')")
        for view in views():
            con.execute(f"CREATE VIEW {view['name']} AS {view['sql']}")
            comment = " ".join(view["description"].split()).replace("'", "''")
            con.execute(f"COMMENT ON VIEW {view['name']} IS '{comment}'")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def datapackage(
    folder: Path, version: str, tables: dict[str, pd.DataFrame], created: str
) -> dict[str, Any]:
    """The Frictionless Data Package descriptor of a release folder."""
    docs = tables["documents"]
    resources_ = []
    for name, model in schemas.TABLES.items():
        path = folder / f"{name}.parquet"
        resources_.append(
            {
                "name": name,
                "path": path.name,
                "format": "parquet",
                "mediatype": "application/vnd.apache.parquet",
                "description": describe(model),
                "bytes": path.stat().st_size,
                "hash": f"sha256:{sha256_file(path)}",
                "rows": len(tables[name]),
                "schema": frictionless_schema(model),
            }
        )
    db = folder / "kzru.duckdb"
    return {
        "name": "kzru",
        "title": "kzru: Kazakhstan-Russia relations, events, statistics and institutions",
        "description": "Facts extracted from raw texts on Kazakhstan-Russia relations; every "
        "fact points to the exact characters it came from.",
        "version": version,
        "created": created,
        "licenses": [LICENSE],
        "sources": [
            {"title": str(p), "path": f"raw/{p}", "hash": f"sha256:{h}"}
            for p, h in zip(docs["source_path"], docs["sha256"], strict=True)
        ],
        "resources": resources_,
        "kzru": {
            "pipeline_version": __version__,
            "duckdb": {"path": db.name, "bytes": db.stat().st_size},
        },
    }


def _same_tables(folder: Path, previous: Path) -> bool:
    for name in schemas.TABLES:
        old = previous / f"{name}.parquet"
        if not old.exists() or sha256_file(old) != sha256_file(folder / f"{name}.parquet"):
            return False
    return True


def publish(
    tables: dict[str, pd.DataFrame],
    out_dir: Path,
    *,
    today: date | None = None,
    gold: Path | None = None,
) -> Published:
    """Write the release of `tables` under `out_dir` (see the module docstring).

    With a `gold` file, the release is scored against it and the scores go to `quality.json`.
    """
    today = today or datetime.now(UTC).date()
    rel_dir = release.releases_dir(out_dir)
    rel_dir.mkdir(parents=True, exist_ok=True)
    version = release.next_version(out_dir, today)
    tmp = rel_dir / f".tmp-{version}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        ordered = {n: sorted_table(n, tables[n]) for n in schemas.TABLES}
        for name, df in ordered.items():
            write_table(df, name, tmp / f"{name}.parquet")
        previous = release.latest(out_dir)
        if previous is not None and _same_tables(tmp, previous):
            shutil.rmtree(tmp)
            log.info("publish nothing changed since %s", previous.name)
            return Published(previous, previous.name, new=False)
        write_duckdb(tmp)
        old_tables = changes.load_tables(previous) if previous else None
        diff = changes.diff(
            old_tables,
            ordered,
            old_version=previous.name if previous else None,
            new_version=version,
        )
        (tmp / "changes.json").write_text(json.dumps(diff, indent=1) + "\n", encoding="utf-8")
        (tmp / "CHANGES.md").write_text(changes.to_markdown(diff), encoding="utf-8")
        quality = score(tmp, gold) if gold else None
        if quality is not None:
            (tmp / "quality.json").write_text(
                json.dumps(quality, indent=2, sort_keys=True) + "\n", encoding="utf-8"
            )
        created = today.isoformat()
        package = datapackage(tmp, version, ordered, created)
        (tmp / "datapackage.json").write_text(
            json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        _write_page(tmp, quality)
        final = rel_dir / version
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    release.point_latest(out_dir, version)
    log.info("publish release=%s", version)
    return Published(final, version, new=True)


def score(folder: Path, gold: Path) -> dict[str, Any]:
    """The quality card: `kzru evaluate` of the release folder against a gold file."""
    from pipeline import evaluate

    return {"gold_file": gold.name, **evaluate.to_json(evaluate.evaluate(gold, folder))}


def _write_page(folder: Path, quality: dict[str, Any] | None) -> None:
    """The release's index.html, where the site module is available."""
    try:
        site = importlib.import_module("pipeline.site")
    except ModuleNotFoundError:  # pragma: no cover - until the site module lands
        return
    site.write_index(folder, quality=quality)


def run(
    stage_dir: Path,
    out_dir: Path,
    *,
    today: date | None = None,
    gold: Path | None = None,
) -> Published:
    """Publish the validated tables of `stage_dir` as a release under `out_dir`, and record
    what was published in `stage_dir/published.json`."""
    result = publish(load_validated(stage_dir), out_dir, today=today, gold=gold)
    manifest = {"version": result.version, "release": result.path.name, "new": result.new}
    with atomic_path(stage_dir / "published.json") as tmp:
        tmp.write_text(json.dumps(manifest, sort_keys=True) + "\n", encoding="utf-8")
    return result
