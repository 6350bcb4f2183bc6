"""What changed between two releases, by ids: per table, the ids added, removed and changed.

A row is *added* when its id is new, *removed* when its id is gone, *changed* when its id is in
both releases but a value differs. Only columns both releases have are compared, so a column
added by a newer schema does not mark every row as changed. The same function writes a
release's `changes.json` / `CHANGES.md` and prints `kzru diff OLD NEW`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

import schemas
from pipeline.io import read_table

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
        for name in schemas.TABLES
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
    docs = tables["documents"]
    return {
        "from_version": old_version,
        "to_version": new_version,
        "documents_added": docs["added"],
        "documents_removed": docs["removed"],
        "tables": tables,
    }


def diff_releases(old: Path, new: Path) -> dict[str, Any]:
    """`diff` of two release folders, named by their folder names."""
    return diff(load_tables(old), load_tables(new), old_version=old.name, new_version=new.name)


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
