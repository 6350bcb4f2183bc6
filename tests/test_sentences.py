"""Sentence boundaries by rule, with exact character offsets."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pipeline.sentences import split


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split(text)]


def test_abbreviations_initials_and_acronyms_do_not_end_sentences() -> None:
    text = (
        "V.Putin met K.K. Tokayev in Moscow. Trade with the U.S. grew. "
        "Mr. Smith left at 5 p.m. yesterday. It rose by 3.2%. Why? Because!"
    )
    assert sentences(text) == [
        "V.Putin met K.K. Tokayev in Moscow.",
        "Trade with the U.S. grew.",
        "Mr. Smith left at 5 p.m. yesterday.",
        "It rose by 3.2%.",
        "Why?",
        "Because!",
    ]


def test_paragraphs_and_windows_line_endings() -> None:
    text = "First line\r\n\r\nSecond one. Next sentence.\nThird"
    assert sentences(text) == ["First line", "Second one.", "Next sentence.", "Third"]


def test_closing_quotes_stay_with_their_sentence() -> None:
    text = "He said: “We agree.” The talks ended. (See the annex.) End."
    assert sentences(text) == [
        "He said: “We agree.”",
        "The talks ended.",
        "(See the annex.)",
        "End.",
    ]


def test_lower_case_after_stop_does_not_split() -> None:
    assert sentences("Approx. ten firms. the end") == ["Approx. ten firms. the end"]


def test_start_offset_skips_a_prefix() -> None:
    text = " date 2020-01-01 Title. Body."
    assert [text[a:b] for a, b in split(text, 17)] == ["Title.", "Body."]


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_spans_are_ordered_stripped_and_inside_text(text: str) -> None:
    spans = split(text)
    previous_end = 0
    for a, b in spans:
        assert previous_end <= a < b <= len(text)
        assert not text[a].isspace() and not text[b - 1].isspace()
        previous_end = b


def test_measure_unit_may_end_a_sentence_but_scale_word_does_not() -> None:
    text = "The border is 7,591 km. Delivering a speech, he spoke. It cost 7 bln. U.S. dollars."
    assert sentences(text) == [
        "The border is 7,591 km.",
        "Delivering a speech, he spoke.",
        "It cost 7 bln. U.S. dollars.",
    ]
