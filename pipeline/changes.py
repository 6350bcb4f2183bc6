"""What changed between two releases, by ids: per table, the ids added, removed and changed.

A row is *added* when its id is new, *removed* when its id is gone, *changed* when its id is in
both releases but a value differs. Only columns both releases have are compared, so a column
added by a newer schema does not mark every row as changed. The same function writes a
release's `changes.json` / `CHANGES.md` and prints `kzru diff OLD NEW`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.io import TABLE_NAMES, read_table

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

#: The column that identifies a row of each table across releases.
KEYS = {
    "documents": "doc_id",
    "statistics": "stat_id",
    "events": "event_id",
    "institutions": "institution_id",
    "institution_mentions": "mention_id",
    "rejected": "source_path",
}
KINDS = ("added", "removed", "changed")


def _canonical(value: object) -> str:
    """A text form of a cell that is equal exactly when the values are (None and NaN are one
    missing value; lists and arrays by their items)."""
    if value is None or (isinstance(value, float) and value != value):
        return "\x00"
    if isinstance(value, float):
        return repr(value)
    if hasattr(value, "tolist") and not isinstance(value, str):
        value = value.tolist()
    if isinstance(value, list | tuple):
        return "[" + "\x1f".join(_canonical(v) for v in value) + "]"
    return f"{type(value).__name__}:{value}"


def _row_hashes(df: pd.DataFrame, key: str, columns: list[str]) -> dict[str, int]:
    """`{id: hash of the row's values in `columns`}`."""
    import pandas as pd

    if df.empty:
        return {}
    canon = pd.DataFrame({c: [_canonical(v) for v in df[c]] for c in columns})
    hashes = pd.util.hash_pandas_object(canon, index=False)
    return dict(zip(df[key].astype(str), hashes.tolist(), strict=True))


def diff_tables(
    old: pd.DataFrame | None, new: pd.DataFrame | None, key: str
) -> dict[str, list[str]]:
    """`{"added": [...], "removed": [...], "changed": [...]}` ids, sorted."""
    if old is not None and new is not None:
        columns = [c for c in new.columns if c in old.columns]
    else:
        columns = list((new if new is not None else old).columns)  # type: ignore[union-attr]
    before = {} if old is None else _row_hashes(old, key, columns)
    after = {} if new is None else _row_hashes(new, key, columns)
    return {
        "added": sorted(after.keys() - before.keys()),
        "removed": sorted(before.keys() - after.keys()),
        "changed": sorted(k for k in after.keys() & before.keys() if after[k] != before[k]),
    }


def load_tables(release: Path) -> dict[str, pd.DataFrame]:
    """The tables of a release folder that exist (an older release may lack one)."""
    return {
        name: read_table(release / f"{name}.parquet")
        for name in TABLE_NAMES
        if (release / f"{name}.parquet").exists()
    }


def diff(
    old: dict[str, pd.DataFrame] | None,
    new: dict[str, pd.DataFrame],
    *,
    old_version: str | None,
    new_version: str,
) -> dict[str, Any]:
    """The changes of every table from `old` (None: no previous release) to `new`:

    `{from_version, to_version, documents_added, documents_removed,
      tables: {name: {counts: {added, removed, changed}, added, removed, changed}}}`
    """
    tables = {}
    for name, key in KEYS.items():
        before = None if old is None else old.get(name)
        after = new.get(name)
        if before is None and after is None:
            d: dict[str, list[str]] = {k: [] for k in KINDS}
        else:
            d = diff_tables(before, after, key)
        tables[name] = {"counts": {k: len(d[k]) for k in KINDS}, **d}
    return _changes(tables, old_version, new_version)


def diff_releases(old: Path, new: Path) -> dict[str, Any]:
    """`diff` of two release folders, named by their folder names."""
    return diff_folders(old, new, old_version=old.name, new_version=new.name)


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def diff_files(
    con: duckdb.DuckDBPyConnection, old: Path | None, new: Path | None, key: str
) -> dict[str, list[str]]:
    """`diff_tables` of two Parquet files, in DuckDB: rows are joined on `key` and compared
    by a hash of their values in the columns both files have (no table is loaded)."""
    import pyarrow.parquet as pq

    if old is None and new is None:
        return {k: [] for k in KINDS}
    if old is None or new is None:
        path = new if new is not None else old
        assert path is not None
        sql = f"SELECT {_ident(key)} FROM read_parquet({_sql_path(path)})"
        found = sorted(str(i) for (i,) in con.execute(sql).fetchall())
        return {
            "added": found if new is not None else [],
            "removed": [] if new is not None else found,
            "changed": [],
        }
    old_names = pq.read_schema(old).names
    columns = [c for c in pq.read_schema(new).names if c in old_names]
    row = "hash(struct_pack(" + ", ".join(f"{_ident(c)} := {_ident(c)}" for c in columns) + "))"
    k = _ident(key)
    rows = con.execute(
        f"""WITH o AS (SELECT {k} AS k, {row} AS h FROM read_parquet({_sql_path(old)})),
                 n AS (SELECT {k} AS k, {row} AS h FROM read_parquet({_sql_path(new)}))
            SELECT o.k, n.k FROM o FULL OUTER JOIN n ON o.k = n.k
            WHERE o.k IS NULL OR n.k IS NULL OR o.h <> n.h"""
    ).fetchall()
    return _classify(rows)


def _classify(pairs: Iterable[tuple[Any, Any]]) -> dict[str, list[str]]:
    """Ids by kind of change, sorted, from `(old id, new id)` pairs of a full outer join on the
    id where the rows differ (None on the side where the id is missing)."""
    out: dict[str, list[str]] = {k: [] for k in KINDS}
    for before, after in pairs:
        if before is None:
            out["added"].append(str(after))
        elif after is None:
            out["removed"].append(str(before))
        else:
            out["changed"].append(str(after))
    return {kind: sorted(ids) for kind, ids in out.items()}


def diff_folders(
    old: Path | None, new: Path, *, old_version: str | None, new_version: str
) -> dict[str, Any]:
    """`diff` of the Parquet files of two release folders (`old` None: no previous release),
    computed in DuckDB: memory does not grow with the tables."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute("SET memory_limit = '256MB'")
        tables = {}
        for name, key in KEYS.items():
            before = None if old is None else old / f"{name}.parquet"
            after = new / f"{name}.parquet"
            d = diff_files(
                con,
                before if before is not None and before.exists() else None,
                after if after.exists() else None,
                key,
            )
            tables[name] = {"counts": {k: len(d[k]) for k in KINDS}, **d}
    finally:
        con.close()
    return _changes(tables, old_version, new_version)


def diff_records(
    old: Path, new: Path, *, old_version: str | None, new_version: str
) -> dict[str, Any]:
    """`diff_folders` from two row records (Parquet files of `table`, `k` the row's id as text,
    `h` the DuckDB hash of its values, as `validate` writes them) of releases whose tables
    have the same columns: the same changes, without reading the tables."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute("SET memory_limit = '256MB'")
        rows = con.execute(
            f"""WITH o AS (SELECT "table" AS t, k, h FROM read_parquet({_sql_path(old)})),
                     n AS (SELECT "table" AS t, k, h FROM read_parquet({_sql_path(new)}))
                SELECT coalesce(o.t, n.t), o.k, n.k FROM o FULL OUTER JOIN n
                ON o.t = n.t AND o.k = n.k
                WHERE o.k IS NULL OR n.k IS NULL OR o.h <> n.h"""
        ).fetchall()
    finally:
        con.close()
    by_table: dict[str, list[tuple[Any, Any]]] = {name: [] for name in KEYS}
    for table, before, after in rows:
        by_table[str(table)].append((before, after))
    tables = {}
    for name, pairs in by_table.items():
        d = _classify(pairs)
        tables[name] = {"counts": {k: len(d[k]) for k in KINDS}, **d}
    return _changes(tables, old_version, new_version)


def _changes(tables: dict[str, Any], old_version: str | None, new_version: str) -> dict[str, Any]:
    """The `changes.json` document from the per-table diffs."""
    docs = tables["documents"]
    return {
        "from_version": old_version,
        "to_version": new_version,
        "documents_added": docs["added"],
        "documents_removed": docs["removed"],
        "tables": tables,
    }


def is_empty(changes: dict[str, Any]) -> bool:
    return all(sum(t["counts"].values()) == 0 for t in changes["tables"].values())


def to_markdown(changes: dict[str, Any], *, max_ids: int | None = 20) -> str:
    """CHANGES.md: counts per table, then the ids (the first `max_ids` of each list; all of
    them with `max_ids=None`)."""
    since = changes["from_version"]
    lines = [f"# Changes in {changes['to_version']}", ""]
    lines.append(f"Since release {since}." if since else "First release: everything is new.")
    n_add, n_rem = len(changes["documents_added"]), len(changes["documents_removed"])
    lines += ["", f"Documents: {n_add} added, {n_rem} removed."]
    lines += ["", "| table | added | removed | changed |", "|---|---:|---:|---:|"]
    for name, t in changes["tables"].items():
        c = t["counts"]
        lines.append(f"| {name} | {c['added']} | {c['removed']} | {c['changed']} |")
    if is_empty(changes):
        lines += ["", "No changes."]
    listed = False
    for name, t in changes["tables"].items():
        for what in KINDS:
            ids = t[what]
            if not ids:
                continue
            if not listed:
                lines.append("")
                listed = True
            shown_ids = ids if max_ids is None else ids[:max_ids]
            shown = ", ".join(f"`{i}`" for i in shown_ids)
            more = (
                f" and {len(ids) - len(shown_ids)} more (see changes.json)"
                if len(ids) > len(shown_ids)
                else ""
            )
            lines.append(f"- {name} {what}: {shown}{more}")
    return "\n".join(lines) + "\n"
