"""`kzru query` and `kzru show` on a small synthetic release."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st
from release_fixture import make_release

from pipeline.query import (
    QueryError,
    UnknownIdError,
    format_table,
    marked_sentence,
    run_query,
    sentence_bounds,
    show,
)


@pytest.fixture(scope="module")
def rel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_release(tmp_path_factory.mktemp("out"))


def _stat_id(rel: Path, quote: str) -> str:
    out = run_query(f"SELECT stat_id FROM statistics WHERE quote = '{quote}'", rel, "json")
    assert isinstance(out, str)
    return str(json.loads(out)[0]["stat_id"])


# --------------------------------------------------------------------------- query


def test_table_output_is_readable(rel: Path) -> None:
    out = run_query(
        "SELECT quote, value, unit, period_start FROM statistics "
        "WHERE measure = 'trade_turnover' ORDER BY period_start",
        rel,
    )
    assert isinstance(out, str)
    lines = out.splitlines()
    assert lines[0].split() == ["quote", "value", "unit", "period_start"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert lines[2].split() == ["$11.5", "billion", "11,500,000,000", "USD", "2021-01-01"]
    assert "27.5 billion US dollars" in lines[4]
    assert lines[-1] == "(3 rows)"
    # numbers are right-aligned: the value column ends at the same place on every row
    ends = {line.index("USD") for line in lines[2:5]}
    assert len(ends) == 1


def test_table_truncates_long_cells_and_counts_all_rows(rel: Path) -> None:
    out = run_query("SELECT doc_id, text FROM documents ORDER BY doc_id", rel, max_rows=2)
    assert isinstance(out, str)
    lines = out.splitlines()
    assert len(lines) == 2 + 2 + 1
    assert lines[-1] == "(3 rows, first 2 shown)"
    assert all(len(line) <= 16 + 2 + 40 for line in lines[2:4])
    assert lines[2].endswith("…")
    assert "\n" not in lines[2]


def test_format_table_nulls_lists_and_single_row() -> None:
    out = format_table(["a", "b", "c"], [(None, ["x", "y"], 1.5)], 1)
    assert out.splitlines()[2].split() == ["NULL", "[x,", "y]", "1.5"]
    assert out.splitlines()[-1] == "(1 row)"


def test_csv_output(rel: Path) -> None:
    out = run_query(
        "SELECT event_id, participants, date_start FROM events "
        "WHERE event_type = 'talks' OR date_start IS NULL ORDER BY event_type",
        rel,
        "csv",
    )
    assert isinstance(out, str)
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["event_id", "participants", "date_start"]
    assert rows[1][1:] == ['["CIS"]', ""]
    assert rows[2][1:] == ['["Kazakhstan", "Russia"]', "2023-02-13"]


def test_json_output(rel: Path) -> None:
    out = run_query(
        "SELECT institution_id, aliases, n_mentions FROM institutions "
        "WHERE institution_id = 'eaeu'",
        rel,
        "json",
    )
    assert isinstance(out, str)
    assert json.loads(out) == [
        {
            "institution_id": "eaeu",
            "aliases": ["EAEU", "Eurasian Economic Union"],
            "n_mentions": 2,
        }
    ]
    empty = run_query("SELECT * FROM events WHERE false", rel, "json")
    assert empty == "[]"


def test_parquet_output(rel: Path) -> None:
    out = run_query("SELECT stat_id, value, period_start FROM statistics", rel, "parquet")
    assert isinstance(out, bytes)
    table = pq.read_table(io.BytesIO(out))
    assert table.num_rows == 6
    assert table.column_names == ["stat_id", "value", "period_start"]
    assert str(table.schema.field("period_start").type) == "date32[day]"


def test_views_are_queryable(rel: Path) -> None:
    out = run_query("SELECT count(*) AS n FROM trade", rel, "json")
    assert isinstance(out, str)
    assert json.loads(out) == [{"n": 5}]


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        ("SELEC 1", "syntax error"),
        ("SELECT * FROM nowhere", "nowhere"),
        ("DELETE FROM statistics", "read-only"),
    ],
)
def test_bad_sql_gives_a_clear_error(rel: Path, sql: str, words: str) -> None:
    with pytest.raises(QueryError) as err:
        run_query(sql, rel)
    message = str(err.value)
    assert message.startswith("SQL error: ")
    assert words in message
    assert "\n" not in message


def test_release_is_not_changed_by_queries(rel: Path) -> None:
    with pytest.raises(QueryError):
        run_query("DROP TABLE events", rel)
    out = run_query("SELECT count(*) AS n FROM events", rel, "json")
    assert isinstance(out, str)
    assert json.loads(out) == [{"n": 7}]


def test_unknown_format_and_missing_release(rel: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Unknown format 'xml'"):
        run_query("SELECT 1", rel, "xml")
    with pytest.raises(FileNotFoundError, match=r"No kzru\.duckdb"):
        run_query("SELECT 1", tmp_path)


# --------------------------------------------------------------------------- show


def test_show_statistic(rel: Path) -> None:
    out = show(_stat_id(rel, "$26.1 billion"), rel)
    lines = out.splitlines()
    assert lines[0].startswith("statistics st_")
    assert "  measure       trade_turnover" in lines
    assert "  value         26,100,000,000" in lines
    assert "  publisher  Kazinform" in lines
    assert "  date       2023-02-14" in lines
    assert "  title      Kazakh-Russian trade: turnover <grew> & exports rose" in lines
    assert lines[-1] == (
        "  KAZINFORM Trade turnover between Kazakhstan and Russia totalled [[$26.1 billion]] "
        "in 2022, the Ministry of Trade and Integration reported."
    )


def test_show_event_mid_paragraph(rel: Path) -> None:
    out = run_query("SELECT event_id FROM events WHERE event_type = 'forum'", rel, "json")
    assert isinstance(out, str)
    text = show(json.loads(out)[0]["event_id"], rel)
    assert text.splitlines()[-1] == (
        "  [[A forum of interregional cooperation]] will be held in Omsk in September."
    )
    assert "  participants      [Kazakhstan, Russia]" in text


def test_show_mention_keeps_abbreviation_inside_sentence(rel: Path) -> None:
    out = run_query(
        "SELECT mention_id FROM institution_mentions WHERE quote LIKE 'Al-Farabi%'", rel, "json"
    )
    assert isinstance(out, str)
    text = show(json.loads(out)[0]["mention_id"], rel)
    assert text.splitlines()[-1] == (
        "  Dr. Ivanov of [[Al-Farabi Kazakh National University]] said the figures were "
        "encouraging."
    )


def test_show_institution_lists_its_mentions(rel: Path) -> None:
    text = show("eaeu", rel)
    assert text.startswith("institutions eaeu\n")
    assert "2 mentions" in text
    assert "  The sides discussed the agenda of the [[Eurasian Economic Union]]." in text
    assert "  Within the [[EAEU]], the parties agreed to expand cooperation." in text
    assert text.count("mention im_") == 2


def test_show_institution_limits_mentions(rel: Path) -> None:
    text = show("eaeu", rel, max_mentions=1)
    assert text.count("mention im_") == 1
    assert "... 1 more: kzru query" in text


@pytest.mark.parametrize("fact_id", ["st_0000000000000000", "nothing-here", "ev_1"])
def test_show_unknown_id(rel: Path, fact_id: str) -> None:
    with pytest.raises(KeyError) as err:
        show(fact_id, rel)
    assert isinstance(err.value, UnknownIdError)
    assert str(err.value).startswith(f"No fact with id {fact_id!r}")


# --------------------------------------------------------------------------- sentences


def test_sentence_skips_the_header() -> None:
    text = " date 2024-01-05 Trade grew to $5 billion. Next one."
    start = text.index("$5 billion")
    assert marked_sentence(text, start, start + 10) == "Trade grew to [[$5 billion]]."


def test_sentence_in_a_window_uses_document_offsets() -> None:
    doc = "x" * 50 + "\nFirst one. The span is here, in the middle. Last one.\nNext"
    start = doc.index("span")
    offset = 30
    lo, hi = sentence_bounds(doc[offset:], start, start + 4, offset)
    assert doc[lo:hi] == "The span is here, in the middle."


def test_sentence_over_a_boundary_keeps_both_sentences() -> None:
    text = "One. Two words. Three."
    start = text.index("Two")
    end = text.index("Three") + 2
    assert marked_sentence(text, start, end) == "[[Two words. Th]]ree."


@given(st.text(max_size=200), st.data())
def test_marked_sentence_always_holds_the_quote(text: str, data: st.DataObject) -> None:
    if not text:
        return
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    lo, hi = sentence_bounds(text, start, end)
    assert lo <= start and end <= hi
    out = marked_sentence(text, start, end)
    assert "[[" in out and "]]" in out
