"""What changed between two releases, by ids: per table, the ids added, removed and changed."""

from __future__ import annotations

import hashlib
import json
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


def _row_hashes(df: pd.DataFrame, key: str) -> dict[str, str]:
    records = df.to_dict(orient="records")
    out = {}
    for rec in records:
        payload = json.dumps(rec, sort_keys=True, default=str, ensure_ascii=False)
        out[str(rec[key])] = hashlib.sha256(payload.encode()).hexdigest()
    return out


def diff_tables(old: pd.DataFrame | None, new: pd.DataFrame, key: str) -> dict[str, list[str]]:
    """`{"added": [...], "removed": [...], "changed": [...]}` ids, sorted."""
    before = {} if old is None else _row_hashes(old, key)
    after = _row_hashes(new, key)
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
    """The changes of every table from `old` (None: no previous release) to `new`."""
    tables = {}
    for name, key in KEYS.items():
        d = diff_tables(None if old is None else old.get(name), new[name], key)
        counts = {k: len(v) for k, v in d.items()}
        tables[name] = {"counts": counts, **d}
    docs = tables["documents"]
    return {
        "from_version": old_version,
        "to_version": new_version,
        "documents_added": docs["added"],
        "documents_removed": docs["removed"],
        "tables": tables,
    }


def to_markdown(changes: dict[str, Any], *, max_ids: int = 20) -> str:
    """CHANGES.md: counts per table, then the ids (the first `max_ids` of each list)."""
    since = changes["from_version"]
    lines = [f"# Changes in {changes['to_version']}", ""]
    lines.append(f"Since release {since}." if since else "First release: everything is new.")
    lines += ["", "| table | added | removed | changed |", "|---|---:|---:|---:|"]
    for name, t in changes["tables"].items():
        c = t["counts"]
        lines.append(f"| {name} | {c['added']} | {c['removed']} | {c['changed']} |")
    for name, t in changes["tables"].items():
        for what in ("added", "removed", "changed"):
            ids = t[what]
            if not ids:
                continue
            shown = ", ".join(f"`{i}`" for i in ids[:max_ids])
            more = (
                f" and {len(ids) - max_ids} more (see changes.json)" if len(ids) > max_ids else ""
            )
            lines.append(f"- {name} {what}: {shown}{more}")
    return "\n".join(lines) + "\n"
