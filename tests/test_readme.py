"""The README's SQL tour runs on a release built from raw/."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_queries() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_has_three_to_five_queries() -> None:
    assert 3 <= len(readme_queries()) <= 5


def test_every_readme_query_runs_and_returns_rows(release: Path) -> None:
    con = duckdb.connect(str(release / "kzru.duckdb"), read_only=True)
    for sql in readme_queries():
        result = con.execute(sql)
        names = [d[0] for d in result.description]
        rows = result.fetchall()
        assert rows, f"no rows for:\n{sql}"
        if "exact" in names:
            column = names.index("exact")
            assert all(row[column] for row in rows), "a quote differs from its text slice"
