"""Publish: write a release folder (Parquet, DuckDB, datapackage.json, CHANGES) and point
`latest` at it.

Under the build lock (`pipeline.lock`), publish first repairs what a killed build may have
left (`release.recover`). The release is then written to `releases/.tmp-<version>/`, its files
flushed to disk, and renamed into place only when complete; `latest` moves last, atomically.
A failed or killed build leaves the previous release and `latest` as they were. When the
tables equal those of the latest release, nothing is published. With `keep`, the oldest
releases beyond that many are removed afterwards, never the one `latest` points to.

No table is loaded: the release's Parquet files are copies of the validated stage files
(which the stages write in the published order), "nothing changed" compares their sha256
(from `validation.json`) with those the latest release records, and the changes are computed
in DuckDB (`changes.diff_folders`).

Crash points (`release.crash_point`, test-only, inert unless `$KZRU_TEST_CRASH_AT` names one):
`tables`, `duckdb`, `package`, `renamed`, `latest`, and `prune` in `release.prune`.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import schemas
from pipeline import __version__, lock, release
from pipeline.io import ROW_GROUP_SIZE, TABLE_NAMES, atomic_path, read_table, write_table
from pipeline.io import table_schema as arrow_schema_of

if TYPE_CHECKING:  # imported where used: publishing nothing new needs none of them
    import duckdb
    import pandas as pd

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
    import yaml

    text = resources.files("pipeline.sql").joinpath("views.yaml").read_text("utf-8")
    return list(yaml.safe_load(text))


def sorted_table(name: str, df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(SORT_KEYS[name], kind="stable").reset_index(drop=True)


def validated_files(stage_dir: Path) -> dict[str, tuple[Path, str]]:
    """`{table: (stage file, sha256)}`, if `validation.json` says the stage tables passed and
    none was written since (no table is loaded).

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
    files = {}
    for name in TABLE_NAMES:
        path = stage_dir / f"{name}.parquet"
        if not path.exists():
            raise NotValidated(f"{path} not found: run the build again")
        stale = path.stat().st_mtime_ns > validated_at
        digest = sha256_file(path)
        if not stale and name in hashes:
            stale = digest != hashes[name]
        elif not stale:  # the bytes validated are not known: at least the row count
            stale = report.get("rows", {}).get(name) != _rows(path)
        if stale:
            raise NotValidated(f"{name}.parquet changed after validation: run `kzru validate`")
        files[name] = (path, digest)
    return files


def load_validated(stage_dir: Path) -> dict[str, pd.DataFrame]:
    """The stage tables as DataFrames, checked as `validated_files` checks them."""
    return {name: read_table(path) for name, (path, _) in validated_files(stage_dir).items()}


def _rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(path).metadata.num_rows)


def _in_order(path: Path, keys: list[str]) -> bool:
    """Whether the rows of a Parquet file are strictly in the order of `keys` (each row's
    keys compared with the next row's, vectorised in Arrow: only the key columns are read)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=keys)
    n = table.num_rows
    if n < 2:
        return True
    bad = pa.array([False] * (n - 1))
    undecided = pa.array([True] * (n - 1))
    for key in keys:
        column = table.column(key).combine_chunks()
        before, after = column.slice(0, n - 1), column.slice(1)
        later = pc.fill_null(pc.greater(before, after), False)
        bad = pc.or_(bad, pc.and_(undecided, later))
        undecided = pc.and_(undecided, pc.fill_null(pc.equal(before, after), False))
    return not pc.any(pc.or_(bad, undecided)).as_py()


def copy_tables(files: dict[str, Path], folder: Path) -> None:
    """The release's Parquet files from the stage files: a byte copy when a file is already
    in the published order (as the stages write them), else sorted in DuckDB."""
    unordered = []
    for name in TABLE_NAMES:
        source, target = files[name], folder / f"{name}.parquet"
        if _in_order(source, SORT_KEYS[name]):
            shutil.copyfile(source, target)
        else:
            unordered.append(name)
    if not unordered:
        return
    import duckdb

    from pipeline.stages import extract

    con = duckdb.connect()
    try:
        con.execute("SET memory_limit = '256MB'")
        for name in unordered:
            source, target = files[name], folder / f"{name}.parquet"
            order = ", ".join(f'"{k}"' for k in SORT_KEYS[name])
            sql = f"SELECT * FROM read_parquet({extract.sql_path(source)}) ORDER BY {order}"
            extract.write_query(
                con, sql, arrow_schema_of(name), target, row_group_size=ROW_GROUP_SIZE
            )
    finally:
        con.close()


def write_duckdb(folder: Path) -> None:
    """`kzru.duckdb`: every table (DDL from the schemas, rows from the Parquet files) and the
    documented views."""
    import duckdb

    from schemas.generate import duckdb_ddl

    db_path = folder / "kzru.duckdb"
    con = duckdb.connect(str(db_path))
    try:
        for name, model in schemas.TABLES.items():
            con.execute(duckdb_ddl(name, model))
            parquet = str(folder / f"{name}.parquet").replace("'", "''")
            con.execute(f"INSERT INTO {name} SELECT * FROM read_parquet('{parquet}')")
        _create_views(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()


#: A table of which more than this share of rows changed is rewritten whole in `update_duckdb`.
UPDATE_SHARE = 0.25


def update_duckdb(previous: Path, folder: Path, diff: dict[str, Any]) -> bool:
    """`kzru.duckdb` of `folder` as the previous release's file with the rows of `diff` (the
    changes from `previous` to `folder`) deleted and inserted, and the views made again: the
    same tables and views as `write_duckdb` gives, in a fraction of the time when little
    changed. Returns False, writing nothing, when the previous file cannot be reused (none,
    another pipeline version, or a table whose columns changed)."""
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pipeline import changes

    old_db = previous / "kzru.duckdb"
    if not old_db.is_file() or _pipeline_version(previous) != __version__:
        return False
    for name in TABLE_NAMES:
        old, new = previous / f"{name}.parquet", folder / f"{name}.parquet"
        if not old.is_file() or not pq.read_schema(old).equals(pq.read_schema(new)):
            return False
    db_path = folder / "kzru.duckdb"
    shutil.copyfile(old_db, db_path)
    con = duckdb.connect(str(db_path))
    try:
        for name in TABLE_NAMES:
            table = diff["tables"][name]
            if not any(table["counts"].values()):
                continue
            parquet = extract_sql_path(folder / f"{name}.parquet")
            total = _rows(folder / f"{name}.parquet")
            key = f'"{changes.KEYS[name]}"'
            gone = table["removed"] + table["changed"]
            come = table["added"] + table["changed"]
            if len(gone) + len(come) > UPDATE_SHARE * max(total, 1):
                con.execute(f"DELETE FROM {name}")
                con.execute(f"INSERT INTO {name} SELECT * FROM read_parquet({parquet})")
                continue
            con.register("ids_gone", pa.table({"k": pa.array(gone, pa.string())}))
            con.register("ids_come", pa.table({"k": pa.array(come, pa.string())}))
            con.execute(f"DELETE FROM {name} WHERE {key} IN (SELECT k FROM ids_gone)")
            con.execute(
                f"INSERT INTO {name} SELECT * FROM read_parquet({parquet}) "
                f"WHERE {key} IN (SELECT k FROM ids_come)"
            )
            con.unregister("ids_gone")
            con.unregister("ids_come")
        wanted = {view["name"] for view in views()}
        for (stale,) in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'"
        ).fetchall():
            if stale not in wanted:
                con.execute(f'DROP VIEW "{stale}"')
        _create_views(con, replace=True)
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        db_path.unlink(missing_ok=True)
        raise
    con.close()
    return True


def _pipeline_version(folder: Path) -> str | None:
    try:
        package = json.loads((folder / "datapackage.json").read_text("utf-8"))
        return str(package["kzru"]["pipeline_version"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def extract_sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _create_views(con: duckdb.DuckDBPyConnection, *, replace: bool = False) -> None:
    create = "CREATE OR REPLACE VIEW" if replace else "CREATE VIEW"
    for view in views():
        con.execute(f"{create} {view['name']} AS {view['sql']}")
        comment = " ".join(view["description"].split()).replace("'", "''")
        con.execute(f"COMMENT ON VIEW {view['name']} IS '{comment}'")


def _file_entry(path: Path) -> dict[str, Any]:
    return {"path": path.name, "bytes": path.stat().st_size, "sha256": sha256_file(path)}


def table_schema(model: Any) -> dict[str, Any]:
    """The Table Schema of a published table, as frictionless can check it against Parquet.

    List columns (`participants`, `aliases`) are declared `any` with `kzru.type` =
    `list<string>`: frictionless (5.x) reads Parquet through pandas, where a list cell is a
    NumPy array, and its `array` and `list` types accept only Python lists or strings, so they
    would call every such cell a type error. The Parquet file itself types the column exactly.
    """
    from schemas.generate import frictionless_schema

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
    import pyarrow.parquet as pq

    from schemas.generate import describe

    docs = pq.read_table(folder / "documents.parquet", columns=["source_path", "sha256"])
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
                "rows": _rows(path),
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
            for p, h in zip(
                docs.column("source_path").to_pylist(),
                docs.column("sha256").to_pylist(),
                strict=True,
            )
        ],
        "resources": resources_,
        "kzru": {
            "pipeline_version": __version__,
            "duckdb": {"path": db.name, "bytes": db.stat().st_size},
            "files": files,
        },
    }


def _same_tables(folder: Path, previous: Path) -> bool:
    for name in TABLE_NAMES:
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

    def write(folder: Path) -> None:
        for name in schemas.TABLES:
            write_table(sorted_table(name, tables[name]), name, folder / f"{name}.parquet")

    return _publish(write, None, out_dir, today=today, gold=gold, keep=keep)


def publish_files(
    files: dict[str, tuple[Path, str]],
    out_dir: Path,
    *,
    today: date | None = None,
    gold: Path | None = None,
    keep: int | None = None,
) -> Published:
    """`publish` of the stage files `{table: (path, sha256)}` (from `validated_files`),
    without loading them: when their sha256 are those the latest release records, nothing
    is published; else the release's files are copies of them (see `copy_tables`)."""
    hashes = {name: digest for name, (_, digest) in files.items()}
    paths = {name: path for name, (path, _) in files.items()}
    from pipeline.stages import validate

    stages = {path.parent for path in paths.values()}
    rows = validate.recorded_rows(stages.pop(), hashes) if len(stages) == 1 else None
    return _publish(
        lambda folder: copy_tables(paths, folder),
        hashes,
        out_dir,
        today=today,
        gold=gold,
        keep=keep,
        rows=rows,
    )


def _publish(
    write: Callable[[Path], None],
    hashes: dict[str, str] | None,
    out_dir: Path,
    *,
    today: date | None,
    gold: Path | None,
    keep: int | None,
    rows: Path | None = None,
) -> Published:
    if keep is not None and keep < 1:
        raise ValueError(f"--keep must be at least 1, not {keep}")
    with lock.acquire(out_dir):
        result = _publish_locked(write, hashes, out_dir, today=today, gold=gold, rows=rows)
        if keep is not None:
            release.prune(out_dir, keep)
    return result


def recorded_hashes(folder: Path) -> dict[str, str]:
    """`{table: sha256}` of a release's Parquet files, as its datapackage.json records them."""
    try:
        package = json.loads((folder / "datapackage.json").read_text("utf-8"))
        return {
            str(res["name"]): str(res["kzru"]["sha256"])
            for res in package["resources"]
            if res.get("format") == "parquet"
        }
    except (OSError, ValueError, KeyError, TypeError):
        return {}


#: The row record (`validate.ROWS_FILE`) of the latest release's tables, under `<out>/stages/`,
#: and which release it describes: the next release's changes are computed from it.
PUBLISHED_ROWS = ".published-rows.parquet"
PUBLISHED_ROWS_JSON = ".published-rows.json"


def _published_rows(out_dir: Path, previous: Path) -> Path | None:
    """The row record of the release `previous`, if the one kept is of its very tables."""
    stages = out_dir / "stages"
    try:
        record = json.loads((stages / PUBLISHED_ROWS_JSON).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if (
        not isinstance(record, dict)
        or record.get("release") != previous.name
        or record.get("sha256") != recorded_hashes(previous)
        or not (stages / PUBLISHED_ROWS).exists()
    ):
        return None
    return stages / PUBLISHED_ROWS


def _diff(
    previous: Path | None, folder: Path, version: str, rows: Path | None, out_dir: Path
) -> dict[str, Any]:
    """The changes from the release `previous` to `folder`: from the row records of both
    (`rows`: the new tables') when they are known and every table keeps its columns, else
    compared in DuckDB from the Parquet files."""
    import pyarrow.parquet as pq

    from pipeline import changes

    old_version = previous.name if previous else None
    old_rows = None if previous is None or rows is None else _published_rows(out_dir, previous)
    if previous is not None and old_rows is not None and rows is not None:
        same = True
        for name in TABLE_NAMES:
            old, new = previous / f"{name}.parquet", folder / f"{name}.parquet"
            if not old.is_file() or not pq.read_schema(old).equals(pq.read_schema(new)):
                same = False
                break
        if same:
            log.debug("publish changes from the row records")
            return changes.diff_records(
                old_rows, rows, old_version=old_version, new_version=version
            )
    return changes.diff_folders(previous, folder, old_version=old_version, new_version=version)


def _keep_rows(out_dir: Path, rows: Path | None, final: Path) -> None:
    """Keep the row record of the release `final` just published (see `PUBLISHED_ROWS`)."""
    stages = out_dir / "stages"
    (stages / PUBLISHED_ROWS_JSON).unlink(missing_ok=True)
    if rows is None or not stages.is_dir():
        return
    with atomic_path(stages / PUBLISHED_ROWS) as tmp:
        shutil.copyfile(rows, tmp)
    with atomic_path(stages / PUBLISHED_ROWS_JSON) as tmp:
        payload = {"release": final.name, "sha256": recorded_hashes(final)}
        tmp.write_text(json.dumps(payload, sort_keys=True) + "\n", encoding="utf-8")


def _publish_locked(
    write: Callable[[Path], None],
    hashes: dict[str, str] | None,
    out_dir: Path,
    *,
    today: date | None,
    gold: Path | None,
    rows: Path | None = None,
) -> Published:
    now = datetime.now(UTC)
    today = today or now.date()
    rel_dir = release.releases_dir(out_dir)
    rel_dir.mkdir(parents=True, exist_ok=True)
    release.recover(out_dir)
    previous = release.latest(out_dir)
    if previous is not None and hashes is not None and recorded_hashes(previous) == hashes:
        log.info("publish nothing changed since %s", previous.name)
        if rows is not None and _published_rows(out_dir, previous) is None:
            _keep_rows(out_dir, rows, previous)  # the record of these tables: for the next
        return Published(previous, previous.name, new=False)
    version = release.next_version(out_dir, today)
    tmp = rel_dir / f"{release.TMP_PREFIX}{version}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        write(tmp)
        release.crash_point("tables")
        if previous is not None and _same_tables(tmp, previous):
            shutil.rmtree(tmp)
            log.info("publish nothing changed since %s", previous.name)
            return Published(previous, previous.name, new=False)
        diff = _diff(previous, tmp, version, rows, out_dir)
        if previous is None or not update_duckdb(previous, tmp, diff):
            write_duckdb(tmp)
        release.crash_point("duckdb")
        (tmp / "changes.json").write_text(json.dumps(diff, indent=1) + "\n", encoding="utf-8")
        from pipeline import changes

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
            created,
            extra_files=("kzru.duckdb", "CHANGES.md", "changes.json", "quality.json"),
        )
        (tmp / "datapackage.json").write_text(
            json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        _write_page(tmp, quality, out_dir / "stages" / FIGURES)
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
    _keep_rows(out_dir, rows, final)
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


#: Charts of the last page, by their data (`plots.memoized`), under `<out>/stages/`.
FIGURES = ".figures"


def _write_page(folder: Path, quality: dict[str, Any] | None, figures: Path | None = None) -> None:
    """The release's index.html (imported here: matplotlib is only needed to publish)."""
    from pipeline import site

    site.write_index(folder, quality=quality, figures=figures)


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
    files = validated_files(stage_dir)
    result = publish_files(files, out_dir, today=today, gold=gold, keep=keep)
    manifest = {"version": result.version, "release": result.path.name, "new": result.new}
    with atomic_path(stage_dir / "published.json") as tmp:
        tmp.write_text(json.dumps(manifest, sort_keys=True) + "\n", encoding="utf-8")
    return result
