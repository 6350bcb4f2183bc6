"""The number grammar (`pipeline.numbers`)."""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pipeline.numbers as numbers
from pipeline.numbers import find_numbers, number_anchors, parse_digits, parse_number


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("23,000", 23000.0),
        ("23 000", 23000.0),
        ("23\u00a0000", 23000.0),
        ("1,250,000", 1250000.0),
        ("3.2", 3.2),
        ("114,3", 114.3),
        ("1,5", 1.5),
        ("0.75", 0.75),
        ("1,234.5", 1234.5),
    ],
)
def test_digits(text: str, value: float) -> None:
    assert parse_digits(text) == value
    assert parse_number(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("four", 4.0),
        ("Seventeen", 17.0),
        ("twenty-three", 23.0),
        ("twenty three", 23.0),
        ("ninety-nine", 99.0),
        ("one hundred", 100.0),
        ("a hundred", 100.0),
        ("two hundred and five", 205.0),
        ("three hundred forty", 340.0),
        ("a dozen", 12.0),
        ("two-and-a-half", 2.5),
        ("one and a half", 1.5),
    ],
)
def test_spelled_numbers(text: str, value: float) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("one third", 1 / 3),
        ("a quarter", 0.25),
        ("two thirds", 2 / 3),
        ("three quarters", 0.75),
        ("a half", 0.5),
        ("one-fifth", 0.2),
    ],
)
def test_fractions(text: str, value: float) -> None:
    got = parse_number(text)
    assert got is not None
    assert got == pytest.approx(value, rel=1e-9)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("7 thousand", 7e3),
        ("114,3 million", 114.3e6),
        ("3 bln", 3e9),
        ("3.2bn", 3.2e9),
        ("650 mn", 650e6),
        ("45 mln", 45e6),
        ("1.2 trillion", 1.2e12),
        ("2 tn", 2e12),
        ("2.5 trln", 2.5e12),
        ("seven thousand", 7e3),
        ("two hundred thousand", 2e5),
        ("half a million", 5e5),
        ("one and a half million", 1.5e6),
        ("a million", 1e6),
        ("7 bln 500 mln", 7.5e9),
        ("2 bln 300 mln", 2.3e9),
        ("1 million 200 thousand", 1.2e6),
        ("12 billion 400 million", 12.4e9),
        ("1 bln 50 mln", 1.05e9),
        ("6.5K", 6.5e3),
        ("74K", 7.4e4),
    ],
)
def test_scales_and_compounds(text: str, value: float) -> None:
    assert parse_number(text) == value


def test_a_lone_m_is_no_scale() -> None:
    # `m` is a metre after a number; only `K` stands for thousands without a currency
    assert [(n.text, n.value) for n in find_numbers("a 30 m tower")] == [("30", 30.0)]


def test_values_are_exact_in_base_units() -> None:
    # Decimal arithmetic: no 114299999.99999999 from float products.
    assert parse_number("114,3 million") == 114300000.0
    assert parse_number("4.75 billion") == 4750000000.0
    assert parse_number("571.7 thousand") == 571700.0


@pytest.mark.parametrize(
    "text",
    ["12th", "1st", "27.11.2024", "10:30", "MS-25", "COVID-19", "someone", "often", "1/2"],
)
def test_not_numbers(text: str) -> None:
    assert find_numbers(text) == []


def test_spans_and_forms() -> None:
    text = "over 3,500 schools, two-and-a-half times, one third of 7 bln 500 mln"
    found = [(n.text, n.form, n.scale) for n in find_numbers(text)]
    assert found == [
        ("3,500", "digits", 1.0),
        ("two-and-a-half", "words", 1.0),
        ("one third", "fraction", 1.0),
        ("7 bln 500 mln", "digits", 1e9),
    ]
    for n in find_numbers(text):
        assert text[n.start : n.end] == n.text


def test_integer_text_marks_candidate_years() -> None:
    a, b, c = find_numbers("2015 2,015 2015 million")
    assert (a.integer_text, b.integer_text, c.integer_text) == (True, False, False)


def test_first_half_is_not_a_fraction() -> None:
    assert [n.text for n in find_numbers("in the first half of 2015")] == ["2015"]
    assert [n.text for n in find_numbers("half of the exports")] == ["half"]


def test_range_parts_are_two_numbers() -> None:
    assert [n.value for n in find_numbers("$24-24.5 billion")] == [24.0, 24.5e9]


def test_anchors_find_every_start() -> None:
    text = "About twenty-three firms, a quarter and 5 more"
    assert number_anchors(text) == [6, 13, 26, 28, 40]


def test_doctests() -> None:
    result = doctest.testmod(numbers)
    assert result.failed == 0 and result.attempted > 0


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_find_numbers_never_raises_and_spans_hold(text: str) -> None:
    last = -1
    for n in find_numbers(text):
        assert text[n.start : n.end] == n.text
        assert n.start >= last
        last = n.end
        assert n.value == n.value  # not NaN


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**12))
def test_formatted_integers_round_trip(value: int) -> None:
    assert parse_number(f"{value:,}") == float(value)
    assert parse_number(str(value)) == float(value)
