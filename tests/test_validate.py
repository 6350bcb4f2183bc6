"""Validate: schema and cross-table failures are reported by table, column, check and rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from pipeline.io import to_arrow, write_table
from pipeline.stages import validate

TEXT = " date 2020-01-02 Trade reached $5 billion. The CIS met."
DOC = "0123456789abcdef"


def tables() -> dict[str, pd.DataFrame]:
    """A small, valid set of tables, typed as the stages read them (through Parquet)."""
    return {name: to_arrow(df, name).to_pandas(date_as_object=True) for name, df in _rows().items()}


def _rows() -> dict[str, pd.DataFrame]:
    start = TEXT.index("$5 billion")
    cis = TEXT.index("CIS")
    return {
        "documents": pd.DataFrame(
            [
                {
                    "doc_id": DOC,
                    "source_path": "001.txt",
                    "published_date": date(2020, 1, 2),
                    "title": None,
                    "dateline": None,
                    "publisher": None,
                    "text": TEXT,
                    "sha256": "0" * 64,
                    "n_chars": len(TEXT),
                }
            ]
        ),
        "statistics": pd.DataFrame(
            [
                {
                    "stat_id": "st_" + "1" * 16,
                    "doc_id": DOC,
                    "char_start": start,
                    "char_end": start + 10,
                    "quote": "$5 billion",
                    "value": 5e9,
                    "unit": "USD",
                    "qualifier": "exact",
                    "measure": "trade_turnover",
                    "subject": None,
                    "period_start": None,
                    "period_end": None,
                    "period_label": None,
                    "from_country": None,
                    "to_country": None,
                    "extractor": "statistics/money@1.0",
                    "confidence": 0.9,
                }
            ]
        ),
        "events": pd.DataFrame(columns=list(validate.schemas.Events.to_schema().columns)),
        "institutions": pd.DataFrame(
            [
                {
                    "institution_id": "cis",
                    "name": "Commonwealth of Independent States",
                    "acronym": "CIS",
                    "kind": "intergovernmental",
                    "country": None,
                    "wikidata_id": None,
                    "parent_id": None,
                    "source": "registry",
                    "aliases": ["CIS"],
                    "n_mentions": 1,
                    "n_documents": 1,
                }
            ]
        ),
        "institution_mentions": pd.DataFrame(
            [
                {
                    "mention_id": "im_" + "2" * 16,
                    "institution_id": "cis",
                    "doc_id": DOC,
                    "char_start": cis,
                    "char_end": cis + 3,
                    "quote": "CIS",
                    "extractor": "institutions/registry@1.0",
                    "confidence": 1.0,
                }
            ]
        ),
        "rejected": pd.DataFrame(columns=["source_path", "reason", "detail"]),
    }


def test_valid_tables_have_no_failures() -> None:
    assert validate.validate(tables()) == []


def test_schema_failures_name_table_column_check_and_rows() -> None:
    t = tables()
    t["statistics"].loc[0, "unit"] = "dollars"
    t["statistics"].loc[0, "qualifier"] = "roughly"
    failures = validate.validate(t)
    by_column = {(f.table, f.column): f for f in failures}
    unit = by_column[("statistics", "unit")]
    assert unit.check.startswith("str_matches(")
    assert unit.rows == [0]
    assert unit.examples == ["'dollars'"]
    assert by_column[("statistics", "qualifier")].check.startswith("isin(")
    text = str(by_column[("statistics", "qualifier")])
    assert text.startswith('statistics.qualifier: check "isin(')
    assert "failed on rows 0: 'roughly'" in text


def test_provenance_rule_is_enforced() -> None:
    t = tables()
    t["statistics"].loc[0, "char_start"] = TEXT.index("$5 billion") + 1
    [failure] = validate.validate(t)
    assert (failure.table, failure.column, failure.check) == ("statistics", "quote", "provenance")
    assert failure.examples == ["quote '$5 billion' but text has '5 billion'"]


def test_mentions_must_point_to_institutions_and_documents() -> None:
    t = tables()
    t["institution_mentions"].loc[0, "institution_id"] = "csto"
    t["statistics"].loc[0, "doc_id"] = "fedcba9876543210"
    checks = {(f.table, f.check) for f in validate.validate(t)}
    assert checks == {
        ("institution_mentions", "institution exists"),
        ("statistics", "document exists"),
    }


def test_run_fails_the_build_with_a_report(tmp_path: Path) -> None:
    t = tables()
    t["institutions"].loc[0, "kind"] = "club"
    for name, df in t.items():
        write_table(df, name, tmp_path / f"{name}.parquet")
    with pytest.raises(validate.ValidationFailed) as err:
        validate.run(tmp_path)
    assert str(err.value).splitlines()[0] == "validation failed: 1 check(s)"
    assert "institutions.kind: check" in str(err.value)
    report = (tmp_path / "validation.json").read_text()
    assert '"ok": false' in report
