"""Tests of `kzru evaluate` (pipeline.evaluate, pipeline.gold) on tiny hand-made releases."""

from __future__ import annotations

import hashlib
import itertools
import json
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.evaluate import (
    Score,
    date_agrees,
    evaluate,
    find_occurrences,
    format_table,
    max_matching,
    normalize_name,
    period_agrees,
    to_json,
    values_match,
)
from pipeline.gold import load_gold, parse_time_label

FILE_A = "001_aaaaaaaaaaaaaaaa.txt"
FILE_B = "002_bbbbbbbbbbbbbbbb.txt"

TEXT_A = (
    " date 2024-06-03 \n"
    "URALSK. Kazinform - Mutual trade between the two neighbours grew to $19.7 billion "
    "last year, the regional akimat said. Some 1,350 joint ventures are registered in the "
    "region, and 50 projects and 50 enterprises are planned. Investment may reach "
    "$11-11.5 billion by 2027.\n"
    "Prime Minister Olzhas Bektenov will pay an official visit to Orenburg in July. "
    "The Kazan Federal University will open a branch in Uralsk. "
    "Actors of the Maly Theater will tour the region; the Maly Theater was founded in 1824. "
    "The Orenburg Gas Processing Plant supplies the Karachaganak field.\n"
)
TEXT_B = " date 2024-06-04 \nMOSCOW. TASS - The talks ended with a joint statement.\n"


def doc_id(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def span(text: str, quote: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(quote, start + 1)
    return start, start + len(quote)


def stat(text: str, quote: str, value: float, unit: str, **extra: Any) -> dict[str, Any]:
    s, e = span(text, quote, extra.pop("nth", 0))
    row = {
        "doc_id": doc_id(text),
        "char_start": s,
        "char_end": e,
        "quote": text[s:e],
        "value": value,
        "unit": unit,
        "qualifier": "exact",
        "measure": "other",
        "period_label": None,
    }
    row.update(extra)
    return row


def event(text: str, quote: str, event_type: str, **extra: Any) -> dict[str, Any]:
    s, e = span(text, quote, extra.pop("nth", 0))
    row = {
        "doc_id": doc_id(text),
        "char_start": s,
        "char_end": e,
        "quote": text[s:e],
        "event_type": event_type,
        "date_start": None,
        "date_end": None,
        "date_precision": "unknown",
        "status": "past",
        "location": None,
    }
    row.update(extra)
    return row


def mention(text: str, quote: str, institution_id: str, nth: int = 0) -> dict[str, Any]:
    s, e = span(text, quote, nth)
    return {
        "doc_id": doc_id(text),
        "institution_id": institution_id,
        "char_start": s,
        "char_end": e,
        "quote": text[s:e],
    }


def write_release(
    root: Path,
    docs: dict[str, str],
    statistics: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
    institutions: list[dict[str, Any]] | None = None,
    mentions: list[dict[str, Any]] | None = None,
) -> Path:
    """A release folder with the given tables; a table given as None is not written."""
    root.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        [{"doc_id": doc_id(t), "source_path": f"raw/{name}", "text": t} for name, t in docs.items()]
    ).to_parquet(root / "documents.parquet")
    for name, rows in (
        ("statistics", statistics),
        ("events", events),
        ("institutions", institutions),
        ("institution_mentions", mentions),
    ):
        if rows is not None:
            pd.DataFrame(rows).to_parquet(root / f"{name}.parquet")
    return root


def gold_entry(
    file: str = FILE_A,
    statistics: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
    institutions: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "file": file,
        "statistics": statistics or [],
        "events": events or [],
        "institutions": institutions or [],
    }


def gstat(quote: str, value: float, unit: str, **extra: Any) -> dict[str, Any]:
    row = {
        "quote": quote,
        "value": value,
        "unit": unit,
        "qualifier": "exact",
        "period": "",
        "measure": "other",
    }
    row.update(extra)
    return row


def gevent(quote: str, type_: str, **extra: Any) -> dict[str, Any]:
    row = {
        "quote": quote,
        "type": type_,
        "date": "",
        "status": "past",
        "location": "",
        "participants": [],
    }
    row.update(extra)
    return row


def write_gold(path: Path, entries: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(entries), encoding="utf-8")
    return path


def prf(score: Score) -> tuple[float, float, float]:
    return (round(score.precision, 4), round(score.recall, 4), round(score.f1, 4))


# --------------------------------------------------------------------------- scenarios


def test_perfect_match(tmp_path: Path) -> None:
    gold = write_gold(
        tmp_path / "gold.json",
        [
            gold_entry(
                statistics=[
                    gstat("$19.7 billion", 19.7e9, "USD", period="2023", measure="trade_turnover"),
                    gstat("Some 1,350 joint ventures", 1350, "count", qualifier="about"),
                ],
                events=[
                    gevent(
                        "will pay an official visit to Orenburg",
                        "visit",
                        date="2024-07",
                        status="planned",
                        location="Orenburg",
                    ),
                    gevent("will open a branch", "founding", status="planned"),
                ],
                institutions=[
                    {"quote": "Kazinform", "canonical": "Kazinform", "kind": "media"},
                    {
                        "quote": "The Kazan Federal University",
                        "canonical": "Kazan Federal University",
                        "kind": "university",
                    },
                ],
            )
        ],
    )
    release = write_release(
        tmp_path / "rel",
        {FILE_A: TEXT_A},
        statistics=[
            stat(
                TEXT_A,
                "$19.7 billion",
                19.7e9,
                "USD",
                period_label="2023",
                measure="trade_turnover",
            ),
            stat(TEXT_A, "1,350 joint ventures", 1350.0, "count", qualifier="about"),
        ],
        events=[
            event(
                TEXT_A,
                "official visit to Orenburg in July",
                "visit",
                date_start=date(2024, 7, 1),
                date_end=date(2024, 7, 31),
                date_precision="month",
                status="planned",
                location="Orenburg",
            ),
            event(TEXT_A, "open a branch in Uralsk", "founding", status="planned"),
        ],
        institutions=[
            {"institution_id": "kazinform", "name": "Kazinform", "acronym": None},
            {"institution_id": "kfu", "name": "Kazan Federal University", "acronym": "KFU"},
        ],
        mentions=[
            mention(TEXT_A, "Kazinform", "kazinform"),
            mention(TEXT_A, "Kazan Federal University", "kfu"),
        ],
    )
    ev = evaluate(gold, release)
    totals = ev.totals
    for key in ("statistics", "events", "events_untyped", "institutions"):
        assert prf(totals[key]) == (1.0, 1.0, 1.0), key
    assert totals["statistics"] == Score(gold=2, predicted=2, matched=2)
    agreement = {
        (table, key): (a.agree, a.total)
        for table, keys in ev.agreement.items()
        for key, a in keys.items()
    }
    assert agreement == {
        ("statistics", "qualifier"): (2, 2),
        ("statistics", "measure"): (2, 2),
        ("statistics", "period"): (2, 2),
        ("events", "date"): (1, 1),
        ("events", "status"): (2, 2),
        ("events", "location"): (2, 2),
    }
    assert ev.missing_documents == [] and ev.gold_errors == [] and ev.warnings == []
    data = to_json(ev)
    assert json.loads(json.dumps(data)) == data
    assert data["totals"]["events"] == {
        "gold": 2,
        "predicted": 2,
        "matched": 2,
        "precision": 1.0,
        "recall": 1.0,
        "f1": 1.0,
    }
    assert data["documents"][0]["file"] == FILE_A
    assert data["documents"][0]["doc_id"] == doc_id(TEXT_A)


@pytest.mark.parametrize(
    ("predicted", "expected"),
    [
        (19.7e9 * 1.01, (0.0, 0.0, 0.0)),  # 1 % off: no match
        (19.7e9 * 0.99, (0.0, 0.0, 0.0)),
        (19.7e9 * 1.004, (1.0, 1.0, 1.0)),  # within 0.5 %
        (19.7e9 * 0.995, (1.0, 1.0, 1.0)),  # on the boundary
    ],
)
def test_value_tolerance(tmp_path: Path, predicted: float, expected: tuple[float, ...]) -> None:
    gold = write_gold(
        tmp_path / "g.json", [gold_entry(statistics=[gstat("$19.7 billion", 19.7e9, "USD")])]
    )
    release = write_release(
        tmp_path / "rel",
        {FILE_A: TEXT_A},
        statistics=[stat(TEXT_A, "$19.7 billion", predicted, "USD")],
    )
    ev = evaluate(gold, release)
    assert prf(ev.totals["statistics"]) == expected
    if expected[0] == 0.0:
        data = to_json(ev)
        assert [r["quote"] for r in data["false_negatives"]["statistics"]] == ["$19.7 billion"]
        assert [r["value"] for r in data["false_positives"]["statistics"]] == [predicted]


def test_value_zero_is_exact() -> None:
    assert values_match(0.0, 0.0)
    assert not values_match(1e-9, 0.0)
    assert not values_match(float("nan"), 5.0)


@pytest.mark.parametrize(
    ("unit", "expected"),
    [("people", (1.0, 1.0, 1.0)), ("count", (1.0, 1.0, 1.0)), ("percent", (0.0, 0.0, 0.0))],
)
def test_count_and_people_are_alike(tmp_path: Path, unit: str, expected: tuple[float, ...]) -> None:
    gold = write_gold(
        tmp_path / "g.json", [gold_entry(statistics=[gstat("1,350 joint ventures", 1350, "count")])]
    )
    release = write_release(
        tmp_path / "rel", {FILE_A: TEXT_A}, statistics=[stat(TEXT_A, "1,350", 1350.0, unit)]
    )
    assert prf(evaluate(gold, release).totals["statistics"]) == expected


def test_range_quote_gives_two_gold_rows(tmp_path: Path) -> None:
    gold = write_gold(
        tmp_path / "g.json",
        [
            gold_entry(
                statistics=[
                    gstat("$11-11.5 billion", 11e9, "USD", qualifier="at_least"),
                    gstat("$11-11.5 billion", 11.5e9, "USD", qualifier="up_to"),
                ]
            )
        ],
    )
    both = write_release(
        tmp_path / "both",
        {FILE_A: TEXT_A},
        statistics=[
            stat(TEXT_A, "$11-11.5 billion", 11.5e9, "USD", qualifier="up_to"),
            stat(TEXT_A, "$11-11.5 billion", 11e9, "USD", qualifier="at_least"),
        ],
    )
    ev = evaluate(gold, both)
    assert prf(ev.totals["statistics"]) == (1.0, 1.0, 1.0)
    assert ev.agreement["statistics"]["qualifier"].agree == 2

    high_only = write_release(
        tmp_path / "high",
        {FILE_A: TEXT_A},
        statistics=[stat(TEXT_A, "11.5 billion", 11.5e9, "USD", qualifier="up_to")],
    )
    ev = evaluate(gold, high_only)
    assert ev.totals["statistics"] == Score(gold=2, predicted=1, matched=1)
    assert prf(ev.totals["statistics"]) == (1.0, 0.5, 0.6667)
    assert [r["value"] for r in to_json(ev)["false_negatives"]["statistics"]] == [11e9]


def test_prediction_overlapping_two_gold_rows_matches_once(tmp_path: Path) -> None:
    gold = write_gold(
        tmp_path / "g.json",
        [
            gold_entry(
                statistics=[
                    gstat("50 projects", 50, "count", measure="projects"),
                    gstat("50 enterprises", 50, "count", measure="enterprises"),
                ]
            )
        ],
    )
    release = write_release(
        tmp_path / "rel",
        {FILE_A: TEXT_A},
        statistics=[stat(TEXT_A, "50 projects and 50 enterprises", 50.0, "count")],
    )
    ev = evaluate(gold, release)
    assert ev.totals["statistics"] == Score(gold=2, predicted=1, matched=1)
    assert prf(ev.totals["statistics"]) == (1.0, 0.5, 0.6667)


def test_matching_is_maximum_not_first_come(tmp_path: Path) -> None:
    # The long prediction overlaps both gold rows and comes first; a greedy matcher that
    # gave it "50 projects" would leave the short one unmatched.
    gold = write_gold(
        tmp_path / "g.json",
        [
            gold_entry(
                statistics=[
                    gstat("50 projects", 50, "count"),
                    gstat("50 enterprises", 50, "count"),
                ]
            )
        ],
    )
    release = write_release(
        tmp_path / "rel",
        {FILE_A: TEXT_A},
        statistics=[
            stat(TEXT_A, "50 projects and 50 enterprises", 50.0, "count"),
            stat(TEXT_A, "50 projects", 50.0, "count"),
        ],
    )
    assert evaluate(gold, release).totals["statistics"] == Score(2, 2, 2)


def test_event_type_mismatch_counts_untyped_only(tmp_path: Path) -> None:
    gold = write_gold(
        tmp_path / "g.json",
        [gold_entry(events=[gevent("an official visit to Orenburg", "visit", status="planned")])],
    )
    release = write_release(
        tmp_path / "rel",
        {FILE_A: TEXT_A},
        events=[event(TEXT_A, "will pay an official visit", "talks", status="planned")],
    )
    ev = evaluate(gold, release)
    assert prf(ev.totals["events"]) == (0.0, 0.0, 0.0)
    assert prf(ev.totals["events_untyped"]) == (1.0, 1.0, 1.0)
    data = to_json(ev)
    assert data["disagreements"]["events"] == [
        {
            "file": FILE_A,
            "doc_id": doc_id(TEXT_A),
            "field": "type",
            "gold_quote": "an official visit to Orenburg",
            "predicted_quote": "will pay an official visit",
            "gold": "visit",
            "predicted": "talks",
        }
    ]
    assert [r["type"] for r in data["false_negatives"]["events"]] == ["visit"]
    assert [r["type"] for r in data["false_positives"]["events"]] == ["talks"]
    assert data["false_negatives"]["events_untyped"] == []


def test_event_date_agreement_at_month_precision(tmp_path: Path) -> None:
    quote = "official visit to Orenburg"
    gold = write_gold(
        tmp_path / "g.json",
        [
            gold_entry(
                events=[
                    gevent(quote, "visit", date="2024-07", status="planned"),
                    gevent("open a branch", "founding", status="planned"),  # no gold date
                ]
            )
        ],
    )

    def run(name: str, **when: Any) -> tuple[int, int]:
        release = write_release(
            tmp_path / name,
            {FILE_A: TEXT_A},
            events=[
                event(TEXT_A, quote, "visit", status="planned", **when),
                event(TEXT_A, "open a branch", "founding", status="planned"),
            ],
        )
        a = evaluate(gold, release).agreement["events"]["date"]
        return a.agree, a.total

    day = date(2024, 7, 18)
    assert run("day", date_start=day, date_end=day, date_precision="day") == (1, 1)
    july = {"date_start": date(2024, 7, 1), "date_end": date(2024, 7, 31)}
    assert run("month", date_precision="month", **july) == (1, 1)
    year = {"date_start": date(2024, 1, 1), "date_end": date(2024, 12, 31)}
    assert run("year", date_precision="year", **year) == (0, 1)
    august = {"date_start": date(2024, 8, 1), "date_end": date(2024, 8, 31)}
    assert run("august", date_precision="month", **august) == (0, 1)
    assert run("none", date_start=None, date_precision="unknown") == (0, 1)


@pytest.mark.parametrize(
    ("gold", "start", "end", "precision", "expected"),
    [
        ("2024-07", date(2024, 7, 31), None, "day", True),
        ("2024-07", date(2024, 7, 1), None, "month", True),
        ("2024-07", date(2024, 6, 30), None, "day", False),
        ("2024-07", date(2024, 7, 1), None, "year", False),
        ("2024-07", date(2024, 7, 1), None, None, True),  # release without date_precision
        ("1998", date(1998, 5, 2), None, "day", True),
        ("1998", date(1999, 1, 1), None, "year", False),
        ("2015-10-16", date(2015, 10, 16), None, "day", True),
        ("2015-10-16", date(2015, 10, 1), None, "month", False),
        ("2015-10-15/2015-10-16", date(2015, 10, 15), date(2015, 10, 16), "day", True),
        ("2015-10-15/2015-10-16", date(2015, 10, 15), date(2015, 10, 15), "day", False),
        ("2024", date(2024, 3, 1), None, "unknown", False),
    ],
)
def test_date_agrees(
    gold: str, start: date, end: date | None, precision: str | None, expected: bool
) -> None:
    assert date_agrees(gold, start, end, precision) is expected


def test_institution_matched_by_canonical_name_only(tmp_path: Path) -> None:
    gold = write_gold(
        tmp_path / "g.json",
        [
            gold_entry(
                institutions=[
                    {"quote": "Actors of the Maly", "canonical": "Maly Theatre", "kind": "theatre"}
                ]
            )
        ],
    )
    release = write_release(
        tmp_path / "rel",
        {FILE_A: TEXT_A},
        institutions=[
            {"institution_id": "maly", "name": "The Maly Theater", "acronym": None},
            {"institution_id": "ogpp", "name": "Orenburg Gas Processing Plant", "acronym": None},
        ],
        mentions=[
            # the second "Maly Theater": it does not overlap the gold quote
            mention(TEXT_A, "Maly Theater", "maly", nth=1),
            mention(TEXT_A, "Orenburg Gas Processing Plant", "ogpp"),
        ],
    )
    ev = evaluate(gold, release)
    assert ev.totals["institutions"] == Score(gold=1, predicted=2, matched=1)
    assert prf(ev.totals["institutions"]) == (0.5, 1.0, 0.6667)
    fps = to_json(ev)["false_positives"]["institutions"]
    assert [(r["institution_id"], r["quote"]) for r in fps] == [
        ("ogpp", "Orenburg Gas Processing Plant")
    ]


def test_institution_by_overlap_and_one_per_document(tmp_path: Path) -> None:
    # Two mentions of one institution are one predicted institution.
    gold = write_gold(
        tmp_path / "g.json",
        [gold_entry(institutions=[{"quote": "the Maly Theater", "canonical": "Maly Theatre"}])],
    )
    release = write_release(
        tmp_path / "rel",
        {FILE_A: TEXT_A},
        institutions=[{"institution_id": "maly-drama", "name": "Maly Drama", "acronym": None}],
        mentions=[
            mention(TEXT_A, "Maly Theater", "maly-drama", nth=0),
            mention(TEXT_A, "Maly Theater", "maly-drama", nth=1),
        ],
    )
    # Both mentions overlap an occurrence of the gold quote: one predicted institution, one
    # match.
    assert evaluate(gold, release).totals["institutions"] == Score(1, 1, 1)


def test_missing_document(tmp_path: Path) -> None:
    gold = write_gold(
        tmp_path / "g.json",
        [
            gold_entry(FILE_A, statistics=[gstat("$19.7 billion", 19.7e9, "USD")]),
            gold_entry(
                "other/dir/" + FILE_B,  # matched by basename
                statistics=[gstat("12 agreements", 12, "count")],
                events=[gevent("The talks", "talks")],
                institutions=[{"quote": "TASS", "canonical": "TASS"}],
            ),
        ],
    )
    release = write_release(
        tmp_path / "rel",
        {FILE_A: TEXT_A},
        statistics=[stat(TEXT_A, "$19.7 billion", 19.7e9, "USD")],
        events=[],
        institutions=[],
        mentions=[],
    )
    ev = evaluate(gold, release)
    assert ev.missing_documents == [FILE_B]
    assert ev.totals["statistics"] == Score(gold=2, predicted=1, matched=1)
    assert prf(ev.totals["statistics"]) == (1.0, 0.5, 0.6667)
    assert ev.totals["events"] == Score(gold=1, predicted=0, matched=0)
    assert ev.totals["institutions"] == Score(gold=1, predicted=0, matched=0)
    assert [d.doc_id for d in ev.documents] == [doc_id(TEXT_A), None]
    assert ev.gold_errors == []  # a missing document is not a gold error
    fns = to_json(ev)["false_negatives"]
    assert [(r["file"], r["doc_id"], r["quote"]) for r in fns["statistics"]] == [
        (FILE_B, None, "12 agreements")
    ]
    table = format_table(ev)
    assert "gold files not in the release" in table
    assert f"{FILE_B} (missing)" in table


def test_gold_quote_not_in_text(tmp_path: Path) -> None:
    gold = write_gold(
        tmp_path / "g.json",
        [
            gold_entry(
                statistics=[
                    gstat("$19.7 billion", 19.7e9, "USD"),
                    gstat("$21.7 billion", 21.7e9, "USD"),  # not in the text
                ]
            )
        ],
    )
    release = write_release(
        tmp_path / "rel",
        {FILE_A: TEXT_A},
        statistics=[stat(TEXT_A, "$19.7 billion", 19.7e9, "USD")],
    )
    ev = evaluate(gold, release)
    assert ev.gold_errors == [
        {
            "file": FILE_A,
            "doc_id": doc_id(TEXT_A),
            "table": "statistics",
            "index": 1,
            "quote": "$21.7 billion",
            "error": "quote not found in the document text",
        }
    ]
    assert ev.totals["statistics"] == Score(gold=2, predicted=1, matched=1)
    assert "gold errors:" in format_table(ev)


def test_every_occurrence_of_a_quote_counts(tmp_path: Path) -> None:
    assert find_occurrences("aaa", "aa") == [(0, 2), (1, 3)]
    gold = write_gold(
        tmp_path / "g.json",
        [gold_entry(institutions=[{"quote": "Maly Theater", "canonical": "Maly Theatre"}])],
    )
    release = write_release(
        tmp_path / "rel",
        {FILE_A: TEXT_A},
        institutions=[{"institution_id": "x", "name": "Something Else", "acronym": None}],
        mentions=[mention(TEXT_A, "the Maly Theater was", "x")],  # the second occurrence
    )
    assert evaluate(gold, release).totals["institutions"] == Score(1, 1, 1)


def test_release_without_tables_scores_empty(tmp_path: Path) -> None:
    gold = write_gold(
        tmp_path / "g.json",
        [
            gold_entry(
                statistics=[gstat("$19.7 billion", 19.7e9, "USD")],
                events=[gevent("official visit", "visit")],
                institutions=[{"quote": "Kazinform", "canonical": "Kazinform"}],
            )
        ],
    )
    release = write_release(tmp_path / "rel", {FILE_A: TEXT_A})  # documents only
    ev = evaluate(gold, release)
    assert ev.totals["statistics"] == Score(1, 0, 0)
    assert ev.totals["events"] == Score(1, 0, 0)
    assert ev.totals["institutions"] == Score(1, 0, 0)
    assert ev.warnings == [
        "The release has no statistics table: scored as empty.",
        "The release has no events table: scored as empty.",
        "The release has no institution_mentions table: scored as empty.",
        "The release has no institutions table: scored as empty.",
    ]


def test_minimal_columns_and_output_folder(tmp_path: Path) -> None:
    # Only the columns the scorer needs; the output folder (with `latest`) is accepted too.
    out = tmp_path / "output"
    release = out / "releases" / "2026.01.01"
    release.mkdir(parents=True)
    (out / "latest").symlink_to(Path("releases") / "2026.01.01")
    pd.DataFrame([{"doc_id": doc_id(TEXT_A), "source_path": FILE_A, "text": TEXT_A}]).to_parquet(
        release / "documents.parquet"
    )
    s, e = span(TEXT_A, "$19.7 billion")
    pd.DataFrame(
        [{"doc_id": doc_id(TEXT_A), "char_start": s, "char_end": e, "value": 19.7e9, "unit": "USD"}]
    ).to_parquet(release / "statistics.parquet")
    gold = write_gold(
        tmp_path / "g.json",
        [gold_entry(statistics=[gstat("$19.7 billion", 19.7e9, "USD", period="2023")])],
    )
    ev = evaluate(gold, out)
    assert ev.totals["statistics"] == Score(1, 1, 1)
    # Absent qualifier/measure/period_label columns read as null: they disagree with the gold.
    period = ev.agreement["statistics"]["period"]
    assert (period.agree, period.total) == (0, 1)
    fields = [d["field"] for d in to_json(ev)["disagreements"]["statistics"]]
    assert fields == ["qualifier", "measure", "period"]


def test_missing_required_column_is_a_clear_error(tmp_path: Path) -> None:
    release = write_release(tmp_path / "rel", {FILE_A: TEXT_A})
    pd.DataFrame([{"doc_id": doc_id(TEXT_A), "char_start": 1, "char_end": 3}]).to_parquet(
        release / "statistics.parquet"
    )
    gold = write_gold(tmp_path / "g.json", [gold_entry()])
    with pytest.raises(ValueError, match=r"statistics\.parquet: missing column\(s\) value, unit"):
        evaluate(gold, release)


# --------------------------------------------------------------------------- gold files


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"file": FILE_A}, r"g\.json: expected a list of file entries"),
        ([{"statistics": []}], r"g\.json, entry 0: missing or empty 'file'"),
        (
            [gold_entry(), {"file": FILE_B, "statistics": [], "events": []}],
            r"g\.json, entry 1 \('002_bbbbbbbbbbbbbbbb\.txt'\): missing key 'institutions'",
        ),
        (
            [gold_entry(statistics=[gstat("$1", 1, "USD"), {"quote": "2 km", "unit": "km"}])],
            r"g\.json, entry 0 \('001_aaaaaaaaaaaaaaaa\.txt'\), statistics\[1\]: "
            r"missing field 'value'",
        ),
        (
            [gold_entry(statistics=[{**gstat("$1", 1, "USD"), "value": "1"}])],
            r"statistics\[0\]: field 'value' must be a number, got '1'",
        ),
        (
            [gold_entry(statistics=[gstat("$1", 1, "dollars")])],
            r"statistics\[0\]: field 'unit' is 'dollars'",
        ),
        (
            [gold_entry(events=[gevent("the visit", "trip")])],
            r"events\[0\]: field 'type' is 'trip', not one of: visit, talks",
        ),
        (
            [gold_entry(events=[gevent("the visit", "visit", date="July 2024")])],
            r"events\[0\]: field 'date' is 'July 2024'",
        ),
        (
            [gold_entry(institutions=[{"quote": "TASS"}])],
            r"institutions\[0\]: missing field 'canonical'",
        ),
        (
            [gold_entry(), gold_entry()],
            r"entry 1 \('001_aaaaaaaaaaaaaaaa\.txt'\): file already annotated in entry 0",
        ),
        ([gold_entry(statistics=[gstat("", 1, "USD")])], r"field 'quote' must not be empty"),
    ],
)
def test_malformed_gold_file(tmp_path: Path, data: Any, message: str) -> None:
    path = write_gold(tmp_path / "g.json", data)
    with pytest.raises(ValueError, match=message):
        load_gold(path)
    release = write_release(tmp_path / "rel", {FILE_A: TEXT_A})
    with pytest.raises(ValueError, match=message):
        evaluate(path, release)


def test_gold_file_not_json(tmp_path: Path) -> None:
    path = tmp_path / "g.json"
    path.write_text('[{"file": "a.txt",]', encoding="utf-8")
    with pytest.raises(ValueError, match=r"g\.json: invalid JSON at line 1 column 19"):
        load_gold(path)


def test_gold_optional_fields_default_to_empty(tmp_path: Path) -> None:
    path = write_gold(
        tmp_path / "g.json",
        [gold_entry(statistics=[{"quote": "5 km", "value": 5, "unit": "km"}])],
    )
    (entry,) = load_gold(path)
    assert entry.statistics[0].period == "" and entry.statistics[0].qualifier == ""


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("label", "start", "end", "precision"),
    [
        ("2023", date(2023, 1, 1), date(2023, 12, 31), "year"),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "month"),
        ("2015-10-16", date(2015, 10, 16), date(2015, 10, 16), "day"),
        ("2015-H1", date(2015, 1, 1), date(2015, 6, 30), "half"),
        ("2015-H2", date(2015, 7, 1), date(2015, 12, 31), "half"),
        ("2023-Q3", date(2023, 7, 1), date(2023, 9, 30), "quarter"),
        ("2015-01/2015-06", date(2015, 1, 1), date(2015, 6, 30), "month"),
        ("2003/2014", date(2003, 1, 1), date(2014, 12, 31), "year"),
        ("2023-11/2024-11", date(2023, 11, 1), date(2024, 11, 30), "month"),
    ],
)
def test_parse_time_label(label: str, start: date, end: date, precision: str) -> None:
    parsed = parse_time_label(label)
    assert parsed is not None
    assert (parsed.start, parsed.end, parsed.precision) == (start, end, precision)


@pytest.mark.parametrize("label", ["", "July", "2024-13", "2023-02-30", "2015/2014", "2015-H3"])
def test_parse_time_label_rejects(label: str) -> None:
    assert parse_time_label(label) is None


@pytest.mark.parametrize(
    ("gold", "predicted", "expected"),
    [
        ("2023", "2023", True),
        ("", None, True),
        ("", "2023", False),
        ("2023", None, False),
        ("2015-H1", "2015-01/2015-06", True),
        ("2015-01/2015-06", "2015-H1", True),
        ("2015-H1", "2015", False),
        ("2023-11/2024-11", "2023-11/2024-10", False),
    ],
)
def test_period_agrees(gold: str, predicted: str | None, expected: bool) -> None:
    assert period_agrees(gold, predicted) is expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Bolshoi Theatre", "the Bolshoi Theater"),
        ("International Organisation for Migration", "International Organization for Migration"),
        ("Al-Farabi Kazakh National University", "Al Farabi Kazakh National University"),
        ("THE HERMITAGE", "Hermitage"),
        ("Akorda.kz", "akorda kz"),
    ],
)
def test_normalize_name_equal(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)


def test_normalize_name_different() -> None:
    assert normalize_name("Maly Theatre") != normalize_name("Bolshoi Theatre")
    assert normalize_name("Theatre Square") != normalize_name("Square")


def _brute_force(edges: dict[tuple[int, int], float]) -> tuple[int, float]:
    best = (0, 0.0)
    items = list(edges)
    for r in range(len(items), 0, -1):
        for combo in itertools.combinations(items, r):
            gs = [g for g, _ in combo]
            ps = [p for _, p in combo]
            if len(set(gs)) == r and len(set(ps)) == r:
                best = max(best, (r, round(sum(edges[e] for e in combo), 6)))
        if best[0]:
            break
    return best


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.tuples(st.integers(0, 4), st.integers(0, 4)),
        st.floats(0.0, 1.0, allow_nan=False),
        max_size=9,
    )
)
def test_max_matching_is_optimal(edges: dict[tuple[int, int], float]) -> None:
    pairs = max_matching(edges)
    assert len({g for g, _ in pairs}) == len(pairs) == len({p for _, p in pairs})
    assert all(pair in edges for pair in pairs)
    size, weight = _brute_force(edges)
    assert len(pairs) == size
    assert round(sum(edges[e] for e in pairs), 6) >= weight - 1e-6


def test_score_conventions() -> None:
    assert (Score(0, 0, 0).precision, Score(0, 0, 0).recall, Score(0, 0, 0).f1) == (1.0, 1.0, 1.0)
    assert prf(Score(gold=3, predicted=0, matched=0)) == (0.0, 0.0, 0.0)
    assert prf(Score(gold=0, predicted=2, matched=0)) == (0.0, 0.0, 0.0)
    assert prf(Score(gold=4, predicted=2, matched=1)) == (0.5, 0.25, 0.3333)


def test_format_table_verbose_lists_misses(tmp_path: Path) -> None:
    gold = write_gold(
        tmp_path / "g.json",
        [gold_entry(statistics=[gstat("$19.7 billion", 19.7e9, "USD")])],
    )
    release = write_release(
        tmp_path / "rel",
        {FILE_A: TEXT_A},
        statistics=[stat(TEXT_A, "1,350", 1350.0, "count")],
    )
    ev = evaluate(gold, release)
    short = format_table(ev)
    assert "statistics               1     1      0      0.000   0.000  0.000" in short
    assert "'$19.7 billion'" not in short
    long = format_table(ev, verbose=True)
    assert f"  {FILE_A}: '$19.7 billion'  [19,700,000,000 USD]" in long
    assert f"  {FILE_A}: '1,350'  [1350 count]" in long


# --------------------------------------------------------------------------- full schema


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _gold_from_release(rel: Path) -> list[dict[str, Any]]:
    """A gold file that says exactly what the release says (dates at their precision)."""
    docs = pd.read_parquet(rel / "documents.parquet")
    stats = pd.read_parquet(rel / "statistics.parquet")
    events = pd.read_parquet(rel / "events.parquet")
    insts = pd.read_parquet(rel / "institutions.parquet").set_index("institution_id")
    mentions = pd.read_parquet(rel / "institution_mentions.parquet")
    formats = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}
    entries = []
    for did, source in zip(docs["doc_id"], docs["source_path"], strict=True):
        s = stats[stats["doc_id"] == did]
        e = events[events["doc_id"] == did]
        m = mentions[mentions["doc_id"] == did].drop_duplicates("institution_id")
        entries.append(
            {
                "file": source,
                "statistics": [
                    gstat(
                        r.quote,
                        r.value,
                        r.unit,
                        qualifier=r.qualifier,
                        measure=r.measure,
                        period=_str(r.period_label),
                    )
                    for r in s.itertuples()
                ],
                "events": [
                    gevent(
                        r.quote,
                        r.event_type,
                        status=r.status,
                        location=_str(r.location),
                        date=(
                            r.date_start.strftime(formats[r.date_precision])
                            if r.date_start is not None and r.date_precision in formats
                            else ""
                        ),
                    )
                    for r in e.itertuples()
                ],
                "institutions": [
                    {"quote": r.quote, "canonical": insts.loc[r.institution_id, "name"]}
                    for r in m.itertuples()
                ],
            }
        )
    return entries


def test_full_schema_release_scores_itself_perfectly(tmp_path: Path) -> None:
    from release_fixture import make_release

    rel = make_release(tmp_path / "output")
    entries = _gold_from_release(rel)
    gold = write_gold(tmp_path / "g.json", entries)
    ev = evaluate(gold, tmp_path / "output")  # the output folder: its latest release
    assert ev.release_dir == str(tmp_path / "output" / "latest")
    n_stats = sum(len(x["statistics"]) for x in entries)
    assert n_stats > 0
    assert ev.totals["statistics"] == Score(n_stats, n_stats, n_stats)
    for key in ("statistics", "events", "events_untyped", "institutions"):
        assert prf(ev.totals[key]) == (1.0, 1.0, 1.0), key
    for keys in ev.agreement.values():
        for name, a in keys.items():
            assert a.agree == a.total, name
    assert ev.gold_errors == [] and ev.missing_documents == [] and ev.warnings == []

    # Drop the first gold statistic and change the type of every gold event: the release now
    # has one statistic too many and no typed event right.
    entries[0]["statistics"] = entries[0]["statistics"][1:]
    for entry in entries:
        for g in entry["events"]:
            g["type"] = "other" if g["type"] != "other" else "visit"
    ev = evaluate(write_gold(tmp_path / "g2.json", entries), rel)
    assert ev.totals["statistics"] == Score(n_stats - 1, n_stats, n_stats - 1)
    assert ev.totals["events"].matched == 0
    assert prf(ev.totals["events_untyped"]) == (1.0, 1.0, 1.0)
    assert len(ev.disagreements["events"]) == ev.totals["events"].gold
