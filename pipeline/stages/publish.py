"""Publish: write a release folder (Parquet, DuckDB, datapackage.json, CHANGES) and point
`latest` at it.

Under the build lock (`pipeline.lock`), publish first repairs what a killed build may have
left (`release.recover`). The release is then written to `releases/.tmp-<version>/`, its files
flushed to disk, and renamed into place only when complete; `latest` moves last, atomically.
A failed or killed build leaves the previous release and `latest` as they were. When the
tables equal those of the latest release, nothing is published. With `keep`, the oldest
releases beyond that many are removed afterwards, never the one `latest` points to.

Crash points (`release.crash_point`, test-only, inert unless `$KZRU_TEST_CRASH_AT` names one):
`tables`, `duckdb`, `package`, `renamed`, `latest`, and `prune` in `release.prune`.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
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
from pipeline import __version__, changes, lock, release
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


sha256_file = release.sha256_file


def views() -> list[dict[str, str]]:
    text = resources.files("pipeline.sql").joinpath("views.yaml").read_text("utf-8")
    return list(yaml.safe_load(text))


def sorted_table(name: str, df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(SORT_KEYS[name], kind="stable").reset_index(drop=True)


def load_validated(stage_dir: Path) -> dict[str, pd.DataFrame]:
    """The stage tables, if `validation.json` says they passed and none was written since.

    A build killed between two stages can leave tables newer than the last validation:
    those are refused (by modification time, by row count, and by sha256 where the report
    records one), never published."""
    report_path = stage_dir / "validation.json"
    if not report_path.exists():
        raise NotValidated(f"{report_path} not found: run `kzru validate` before publishing")
    report = json.loads(report_path.read_text("utf-8"))
    if not report.get("ok"):
        raise NotValidated(f"{report_path} records failures: the tables were not published")
    validated_at = report_path.stat().st_mtime_ns
    hashes = report.get("sha256") or {}
    tables = {}
    for name in schemas.TABLES:
        path = stage_dir / f"{name}.parquet"
        if not path.exists():
            raise NotValidated(f"{path} not found: run the build again")
        stale = path.stat().st_mtime_ns > validated_at
        if not stale and name in hashes:
            stale = sha256_file(path) != hashes[name]
        df = read_table(path)
        if stale or report.get("rows", {}).get(name) != len(df):
            raise NotValidated(f"{name}.parquet changed after validation: run `kzru validate`")
        tables[name] = df
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


def _file_entry(path: Path) -> dict[str, Any]:
    return {"path": path.name, "bytes": path.stat().st_size, "sha256": sha256_file(path)}


def table_schema(model: Any) -> dict[str, Any]:
    """The Table Schema of a published table, as frictionless can check it against Parquet.

    List columns (`participants`, `aliases`) are declared `any` with `kzru.type` =
    `list<string>`: frictionless (5.x) reads Parquet through pandas, where a list cell is a
    NumPy array, and its `array` and `list` types accept only Python lists or strings, so they
    would call every such cell a type error. The Parquet file itself types the column exactly.
    """
    schema = frictionless_schema(model)
    for field in schema["fields"]:
        if field.get("type") == "array":
            field["type"] = "any"
            field.pop("arrayItem", None)
            field["kzru"] = {"type": "list<string>"}
    return schema


def datapackage(
    folder: Path,
    version: str,
    tables: dict[str, pd.DataFrame],
    created: str,
    *,
    extra_files: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The Frictionless Data Package descriptor of a release folder.

    Each resource carries the standard `hash` ("sha256:<hex>") and `rows`. Its byte count is in
    `kzru.bytes` (with the sha256 again), not in the standard `bytes`: frictionless (5.x) reads
    Parquet with pyarrow, bypassing the byte stream that measures a file, so it compares a
    declared `bytes` with nothing and reports every Parquet resource invalid (it skips `hash`
    in that case). `release.verify` checks both. `kzru.files` lists the other files (DuckDB,
    changes, quality card) with their sizes and checksums.
    """
    docs = tables["documents"]
    resources_ = []
    for name, model in schemas.TABLES.items():
        path = folder / f"{name}.parquet"
        entry = _file_entry(path)
        resources_.append(
            {
                "name": name,
                "path": path.name,
                "profile": "tabular-data-resource",
                "format": "parquet",
                "mediatype": "application/vnd.apache.parquet",
                "description": describe(model),
                "hash": f"sha256:{entry['sha256']}",
                "rows": len(tables[name]),
                "schema": table_schema(model),
                "kzru": {"bytes": entry["bytes"], "sha256": entry["sha256"]},
            }
        )
    db = folder / "kzru.duckdb"
    files = [_file_entry(folder / f) for f in extra_files if (folder / f).exists()]
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
            "files": files,
        },
    }


def _same_tables(folder: Path, previous: Path) -> bool:
    for name in schemas.TABLES:
        old = previous / f"{name}.parquet"
        if not old.exists() or sha256_file(old) != sha256_file(folder / f"{name}.parquet"):
            return False
    return True


def _fsync_tree(folder: Path) -> None:
    """Flush every file of `folder` and the folder itself to disk (before it is renamed into
    place, so a power cut cannot leave a release whose name exists but whose bytes do not)."""
    for path in folder.iterdir():
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    release.fsync_dir(folder)


def publish(
    tables: dict[str, pd.DataFrame],
    out_dir: Path,
    *,
    today: date | None = None,
    gold: Path | None = None,
    keep: int | None = None,
) -> Published:
    """Write the release of `tables` under `out_dir` (see the module docstring).

    With a `gold` file, the release is scored against it and the scores go to `quality.json`.
    With `keep`, at most that many releases remain afterwards (also when nothing changed).
    Raises `lock.Locked` if another process holds the lock of `out_dir`.
    """
    if keep is not None and keep < 1:
        raise ValueError(f"--keep must be at least 1, not {keep}")
    with lock.acquire(out_dir):
        result = _publish_locked(tables, out_dir, today=today, gold=gold)
        if keep is not None:
            release.prune(out_dir, keep)
    return result


def _publish_locked(
    tables: dict[str, pd.DataFrame],
    out_dir: Path,
    *,
    today: date | None,
    gold: Path | None,
) -> Published:
    now = datetime.now(UTC)
    today = today or now.date()
    rel_dir = release.releases_dir(out_dir)
    rel_dir.mkdir(parents=True, exist_ok=True)
    release.recover(out_dir)
    version = release.next_version(out_dir, today)
    tmp = rel_dir / f"{release.TMP_PREFIX}{version}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        ordered = {n: sorted_table(n, tables[n]) for n in schemas.TABLES}
        for name, df in ordered.items():
            write_table(df, name, tmp / f"{name}.parquet")
        release.crash_point("tables")
        previous = release.latest(out_dir)
        if previous is not None and _same_tables(tmp, previous):
            shutil.rmtree(tmp)
            log.info("publish nothing changed since %s", previous.name)
            return Published(previous, previous.name, new=False)
        write_duckdb(tmp)
        release.crash_point("duckdb")
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
        created = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        package = datapackage(
            tmp,
            version,
            ordered,
            created,
            extra_files=("kzru.duckdb", "CHANGES.md", "changes.json", "quality.json"),
        )
        (tmp / "datapackage.json").write_text(
            json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        _write_page(tmp, quality)
        release.crash_point("package")
        _fsync_tree(tmp)
        final = rel_dir / version
        tmp.rename(final)
        release.fsync_dir(rel_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    release.crash_point("renamed")
    release.point_latest(out_dir, version)
    release.crash_point("latest")
    counts = " ".join(
        f"{name}=+{t['counts']['added']}/-{t['counts']['removed']}/~{t['counts']['changed']}"
        for name, t in diff["tables"].items()
    )
    log.info("publish release=%s since=%s %s", version, diff["from_version"], counts)
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
    keep: int | None = None,
) -> Published:
    """Publish the validated tables of `stage_dir` as a release under `out_dir`, and record
    what was published in `stage_dir/published.json`."""
    result = publish(load_validated(stage_dir), out_dir, today=today, gold=gold, keep=keep)
    manifest = {"version": result.version, "release": result.path.name, "new": result.new}
    with atomic_path(stage_dir / "published.json") as tmp:
        tmp.write_text(json.dumps(manifest, sort_keys=True) + "\n", encoding="utf-8")
    return result
