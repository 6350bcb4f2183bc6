"""Tests of the temporal-expression grammar (`pipeline/timex.py`)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.timex import Timex, find_timexes
from schemas.types import DATE_PRECISIONS

GOLDEN_DIR = Path(__file__).parent / "golden"


def _load(name: str) -> list[dict[str, Any]]:
    path = GOLDEN_DIR / name
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


GOLDEN = _load("timex.jsonl") + _load("timex_hard.jsonl")


def _summary(t: Timex) -> dict[str, Any]:
    return {"text": t.text, "label": t.label, "precision": t.precision, "kind": t.kind}


def test_golden_table_is_large() -> None:
    assert len(_load("timex.jsonl")) >= 150


@pytest.mark.parametrize("case", GOLDEN, ids=[c["text"][:60] for c in GOLDEN])
def test_golden(case: dict[str, Any]) -> None:
    ref = date.fromisoformat(case["ref"])
    got = find_timexes(case["text"], ref, prefer=case.get("prefer", "current"))
    assert [_summary(t) for t in got] == case["expected"]


def test_fields_of_a_date() -> None:
    text = "He arrived in Astana on October 14."
    (t,) = find_timexes(text, date(2015, 10, 15))
    assert (t.start, t.end) == (24, 34)
    assert text[t.start : t.end] == t.text == "October 14"
    assert (t.date_start, t.date_end) == (date(2015, 10, 14), date(2015, 10, 14))
    assert (t.precision, t.label, t.kind, t.relative) == ("day", "2015-10-14", "date", True)


def test_period_dates_are_inclusive() -> None:
    (t,) = find_timexes("in H1 2015", date(2015, 10, 15))
    assert (t.date_start, t.date_end) == (date(2015, 1, 1), date(2015, 6, 30))
    assert t.relative is False
    (q,) = find_timexes("in Q4 2024", date(2025, 1, 1))
    assert (q.date_start, q.date_end) == (date(2024, 10, 1), date(2024, 12, 31))
    (feb,) = find_timexes("in the first two months of 2024", date(2025, 1, 1))
    assert feb.date_end == date(2024, 2, 29)


def test_rolling_year_against_reference() -> None:
    (t,) = find_timexes("over the past year", date(2024, 11, 27))
    assert (t.date_start, t.date_end) == (date(2023, 11, 1), date(2024, 11, 30))
    assert (t.label, t.kind, t.relative) == ("2023-11/2024-11", "range", True)


def test_durations_and_sets_have_no_dates() -> None:
    for text in ("for 20 years", "a two-day visit", "annually"):
        (t,) = find_timexes(text, date(2020, 1, 1))
        assert t.date_start is None and t.date_end is None and t.label is None
        assert t.precision == "unknown"


def test_prefer_must_be_known() -> None:
    with pytest.raises(ValueError):
        find_timexes("in May", date(2020, 1, 1), prefer="soon")


def test_offsets_in_a_longer_text() -> None:
    text = "Trade grew.\nSince 2003 it rose six-fold; in January - June 2015 it made $2 bln."
    got = find_timexes(text, date(2015, 10, 15))
    assert [t.text for t in got] == ["Since 2003", "January - June 2015"]
    for t in got:
        assert text[t.start : t.end] == t.text


def test_leap_day_and_impossible_dates() -> None:
    (t,) = find_timexes("on February 29", date(2024, 3, 1))
    assert t.label == "2024-02-29"
    assert find_timexes("on 31.02.2015", date(2024, 3, 1)) == []
    assert find_timexes("2015-13-45", date(2024, 3, 1)) == []


def test_extreme_references_do_not_break() -> None:
    for ref in (date(1, 1, 1), date(9999, 12, 31)):
        got = find_timexes("last year, next week, over the past 5 years, tomorrow", ref)
        for t in got:
            assert t.date_start is None or t.date_start <= (t.date_end or t.date_start)


_WORDS = st.sampled_from(
    [
        "in", "on", "the", "of", "since", "by", "from", "to", "between", "and", "last", "next",
        "this", "year", "years", "month", "May", "March", "October", "14", "2015", "1998",
        "2000", "H1", "Q3", "9M", "first", "half", "quarter", "seven", "months", "past",
        "over", "for", "20-year", "two-day", "currently", "now", "today", "-", ",", ".",
        "century", "XXI", "1990s", "early", "mid-", "late", "end", "week", "Monday",
        "ago", "every", "annually", "14.10.2015", "2015-10-16", "students", "$", "%", "\n",
    ]
)  # fmt: skip


def _check(text: str, ref: date, prefer: str) -> None:
    got = find_timexes(text, ref, prefer=prefer)
    last = -1
    for t in got:
        assert text[t.start : t.end] == t.text
        assert t.start >= last and t.start < t.end
        last = t.end
        assert t.precision in DATE_PRECISIONS
        assert t.kind in ("date", "range", "present", "duration", "set")
        if t.date_start is not None or t.date_end is not None:
            assert t.date_start is not None and t.date_end is not None
            assert t.date_start <= t.date_end
            assert t.label


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=200),
    st.dates(),
    st.sampled_from(["current", "past", "future"]),
)
def test_never_raises_on_arbitrary_text(text: str, ref: date, prefer: str) -> None:
    _check(text, ref, prefer)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_WORDS, max_size=25).map(" ".join),
    st.dates(),
    st.sampled_from(["current", "past", "future"]),
)
def test_invariants_on_time_like_text(text: str, ref: date, prefer: str) -> None:
    _check(text, ref, prefer)


_DIGIT_TEXTS = [
    "2024-05-17", "17.05.2024", "5/7/2023", "3-5 March", "12 to 14 May 2024", "17 May 2024",
    "the 1st of May", "9m 2023", "1st quarter", "2q 2024", "2024 q3", "2024/25", "2020-2024",
    "1990s", "1990’s", "21st century", "5 years ago", "3 times a year", "10-year plan",
    "5.5 years", "3,5 months", "12 months", "2023 was", "in 2023", "15% in 2020", "1h 2024",
    "4 ‑year", "31 march", "7 days", "100 years", "12345 days", "2 nd century", "4th",
]  # fmt: skip


@pytest.mark.parametrize("text", _DIGIT_TEXTS)
def test_digit_gate_never_hides_a_rule(text: str) -> None:
    """`_digit_rule_may_match` is a necessary condition: every rule that matches at a digit
    (of the lower-cased text) is let through by the gate."""
    from pipeline import timex

    g = timex._grammar()
    low = text.lower()
    for p in range(len(low)):
        run = timex._DIGIT_RUN.match(low, p)
        if run is None:
            continue
        ch = low[run.end() : run.end() + 1]
        size = min(run.end() - p, timex._DIGIT_RUN_MAX)
        for name in g.dispatch[""].names:
            if g.singles[name].pattern().match(low, p) is not None:
                assert timex._digit_rule_may_match(name, size, ch), (name, text, p)


@given(st.text(alphabet="0123456789 -–./,'’snrtdhmqayeoc\u00a0", max_size=24))
@settings(max_examples=300, deadline=None)
def test_digit_gate_on_arbitrary_digit_text(text: str) -> None:
    from pipeline import timex

    g = timex._grammar()
    for p in range(len(text)):
        run = timex._DIGIT_RUN.match(text, p)
        if run is None:
            continue
        ch = text[run.end() : run.end() + 1]
        size = min(run.end() - p, timex._DIGIT_RUN_MAX)
        for name in g.dispatch[""].names:
            if g.singles[name].pattern().match(text, p) is not None:
                assert timex._digit_rule_may_match(name, size, ch), (name, text, p)


def test_digit_dispatch_examples() -> None:
    from pipeline import timex

    assert timex._digit_rule_may_match("year", 4, " ")
    assert not timex._digit_rule_may_match("year", 3, " ")
    assert not timex._digit_rule_may_match("date_dm", 3, " ")
    assert timex._digit_rule_may_match("duration", 5, ".")
    assert not timex._digit_rule_may_match("duration", 2, "%")
    assert timex._digit_rule_may_match("some_new_rule", 1, "")
    assert find_timexes("for 12345 days", date(2024, 5, 1))[0].kind == "duration"


def _dispatch_agrees(text: str) -> None:
    """At every word start of `text`, the rules narrowed by the second token match exactly
    as all the rules of the first word do (same rule, same span); at every run of digits
    followed by a blank, the rules narrowed by the token after the blank match as all the
    rules that can start with a digit do."""
    from pipeline import timex

    g = timex._grammar()
    low = text.lower()
    for p in range(len(low)):
        if p and low[p - 1].isalnum():
            continue
        w = timex._FIRST_WORD.match(low, p)
        if w is not None:
            if w.group() not in g.word_dispatch:
                continue
            full = g.dispatch[w.group()].pattern().match(low, p)
            entry = timex._second_entry(timex._word_table(g, w.group()), low, w.end())
        else:
            d = timex._DIGIT_RUN.match(low, p)
            if d is None:
                continue
            ch = low[d.end() : d.end() + 1]
            key = (min(d.end() - p, timex._DIGIT_RUN_MAX), ch)
            if key not in g.digit_word_dispatch:
                continue
            full = g.dispatch[""].pattern().match(low, p)
            entry = timex._second_entry(timex._digit_table(g, key), low, d.end())
        narrow = entry.pattern().match(low, p) if entry is not None else None
        if full is None:
            assert narrow is None, (text, p)
        else:
            assert narrow is not None, (text, p, full.lastgroup)
            assert (narrow.lastgroup, narrow.span()) == (full.lastgroup, full.span())


_WORD_TEXTS = [
    "in 2023", "in March 2024", "in the first quarter of 2024", "in the past five years",
    "in recent years", "in 8 months of 2023", "in the 1990s", "in the mid-1990s", "in Q3 2024",
    "in the 21st century", "in early March", "in spring", "in the summer of 2019", "in-house",
    "of 2000 students", "for 20 years", "for the first time", "on Monday", "on 5 May",
    "at the end of 2020", "at present", "the following year", "the same month", "the '90s",
    "during the nineties", "within three months", "throughout 2023", "for December",
    "in December and January", "in May, June and July 2024", "of the current year", "in\t2020",
    "in\u00a0March", "in the late nineties", "at the beginning of the year", "in 2q 2024",
    "in 2023, trade", "in 2023-2024", "in 2023/24", "in 1998 and 1999", "of 2000 students",
    "at 5 pm", "in 5 days", "in 12 months of 2023", "in 9m 2023", "in 3rd quarter", "on 15 May",
    "on 15-17 May", "in 2020 q3", "in 1990s", "in 1990’s", "for 3.5 years", "for 3,5 years",
    "12 years ago", "5 times a year", "3 to 5 May", "25 million tonnes", "2024 saw", "2024 q1",
    "2023 – 2024", "7 of May", "100 more years", "10 consecutive years", "in 21st century",
]  # fmt: skip


@pytest.mark.parametrize("text", _WORD_TEXTS)
def test_word_dispatch_agrees_with_full_dispatch(text: str) -> None:
    _dispatch_agrees(text)
    _dispatch_agrees(text.upper())
    _dispatch_agrees(f"Trade grew {text}, officials said.")


@given(
    st.lists(
        st.sampled_from(
            [
                "in",
                "of",
                "for",
                "on",
                "at",
                "the",
                "during",
                "within",
                "throughout",
                "first",
                "quarter",
                "2023",
                "8",
                "months",
                "March",
                "May",
                "and",
                "year",
                "years",
                "past",
                "last",
                "1990s",
                "mid",
                "-",
                ",",
                "'90s",
                "early",
                "end",
                "q3",
                "recent",
                "5",
                "12",
                "1990s",
                "3rd",
                "2023,",
                "2023-",
                "ago",
                "times",
                "to",
                "days",
                "million",
                "a",
                "\t",
            ]
        ),
        max_size=8,
    )
)
@settings(max_examples=300, deadline=None)
def test_word_dispatch_on_arbitrary_phrases(words: list[str]) -> None:
    _dispatch_agrees(" ".join(words))
    _dispatch_agrees("".join(words))


def test_rule_sets_are_compiled_on_first_use() -> None:
    """A fresh grammar compiles no rule set and builds no second-token table until a text
    needs it; a rule set is compiled once."""
    from pipeline import timex

    g = timex._grammar.__wrapped__()
    assert all(r.rx is None for r in g.rule_sets.values())
    assert all(r.rx is None for r in g.singles.values())
    assert g.word_dispatch and not any(g.word_dispatch.values())
    rules = g.dispatch["in"]
    rx = rules.pattern()
    assert rules.pattern() is rx and rules.rx is rx
    table = timex._word_table(g, "in")
    assert timex._word_table(g, "in") is table is g.word_dispatch["in"]
    after_digits = table[timex._OTHER]  # "in 2023", "in 9m 2023"
    assert after_digits is not None and "n_months_code" in after_digits.names
    assert "rolling" not in after_digits.names  # "in 2023" cannot be "in the past year"


def test_prepare_builds_every_table() -> None:
    from pipeline import timex

    timex.prepare()
    g = timex._grammar()
    assert all(g.word_dispatch.values()) and all(g.digit_word_dispatch.values())
    assert all(r.rx is not None for r in g.rule_sets.values())
    assert find_timexes("in March 2024", date(2024, 6, 1))[0].label == "2024-03"


def test_cross_year_month_range_fields() -> None:
    text = "Coal shipments grew from December 2023 to February 2024, the operator said."
    (t,) = find_timexes(text, date(2024, 3, 20))
    assert text[t.start : t.end] == t.text == "from December 2023 to February 2024"
    assert (t.date_start, t.date_end) == (date(2023, 12, 1), date(2024, 2, 29))
    assert (t.precision, t.label, t.kind, t.relative) == (
        "month",
        "2023-12/2024-02",
        "range",
        False,
    )


def test_year_start_to_month_year_and_relative_flag() -> None:
    ref = date(2024, 3, 10)
    (t,) = find_timexes("from the beginning of the year to October", ref, prefer="past")
    assert (t.date_start, t.date_end, t.relative) == (date(2023, 1, 1), date(2023, 10, 31), True)
    (t,) = find_timexes("from the beginning of the year to October 2022", ref, prefer="past")
    assert (t.label, t.relative) == ("2022-01/2022-10", False)
    (t,) = find_timexes("from the start of 2023 to October 2024", ref)
    assert t.label == "2023-01/2024-10"
    # The end before the start: no range (the pieces are read on their own).
    assert all(x.kind != "range" for x in find_timexes("from the start of 2025 to March 2024", ref))
    assert all(x.kind != "range" for x in find_timexes("in May 2024 - March 2024", ref))
