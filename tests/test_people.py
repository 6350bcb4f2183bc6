"""Persons: name variants, transliterations, office roles at a date."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.people import _lexicon, _role_matches, find_people, office_holder, person_country

VARIANTS = [
    ("V.Putin", "Vladimir Putin"),
    ("V. Putin", "Vladimir Putin"),
    ("V.V. Putin", "Vladimir Putin"),
    ("Vladimir Vladimirovich Putin", "Vladimir Putin"),
    ("Putin", "Vladimir Putin"),
    ("N.Nazarbayev", "Nursultan Nazarbayev"),
    ("Nursultan Abishevich Nazarbayev", "Nursultan Nazarbayev"),
    ("Nazarbaev", "Nursultan Nazarbayev"),
    ("K.K.Tokayev", "Kassym-Jomart Tokayev"),
    ("Kassym-Jomart Tokayev", "Kassym-Jomart Tokayev"),
    ("Tokaev", "Kassym-Jomart Tokayev"),
    ("Sergei Lavrov", "Sergey Lavrov"),
    ("D.Medvedev", "Dmitry Medvedev"),
    ("Lukashenka", "Alexander Lukashenko"),
    ("Xi Jinping", "Xi Jinping"),
    ("Serik Akhmetov", "Serik Akhmetov"),
]


@pytest.mark.parametrize(("surface", "name"), VARIANTS)
def test_name_variants(surface: str, name: str) -> None:
    text = f"On Monday {surface} held talks."
    (m,) = find_people(text)
    assert (m.text, m.name) == (surface, name)
    assert text[m.start : m.end] == surface


def test_ambiguous_surname_alone_is_not_resolved() -> None:
    assert find_people("Akhmetov said.") == []  # two prime ministers share the surname


@pytest.mark.parametrize(
    ("phrase", "on", "name"),
    [
        ("the Russian President", date(2015, 10, 15), "Vladimir Putin"),
        ("the Russian President", date(2010, 1, 1), "Dmitry Medvedev"),
        ("the President of Russia", date(1995, 1, 1), "Boris Yeltsin"),
        ("the Kazakh Leader", date(2015, 10, 15), "Nursultan Nazarbayev"),
        ("the President of Kazakhstan", date(2024, 11, 27), "Kassym-Jomart Tokayev"),
        ("the Russian Prime Minister", date(2015, 10, 15), "Dmitry Medvedev"),
        ("the Russian Foreign Minister", date(2020, 1, 1), "Sergey Lavrov"),
    ],
)
def test_roles_resolve_at_the_date(phrase: str, on: date, name: str) -> None:
    (m,) = find_people(f"Yesterday {phrase} arrived.", on)
    assert (m.text, m.name, m.via_role) == (phrase, name, True)


def test_roles_need_a_date() -> None:
    assert find_people("the Russian President arrived") == []


def test_office_terms() -> None:
    assert office_holder("president", "RUS", date(2009, 1, 1)) == "Dmitry Medvedev"
    assert office_holder("president", "KAZ", date(2019, 3, 21)) == "Kassym-Jomart Tokayev"
    assert office_holder("president", "XXX", date(2019, 3, 21)) is None
    assert person_country("Vladimir Putin") == "RUS"


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200), st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 1, 1)))
def test_never_raises(text: str, on: date) -> None:
    for m in find_people(text, on):
        assert text[m.start : m.end] == m.text


_ROLE_VOCABULARY = (
    "the The Russian Kazakh President president of Russia Kazakhstan Prime Minister Leader "
    "Foreign Minister Russian  Federation Head State Government , . Putin met"
)
_ROLE_TEXT_WORDS = _ROLE_VOCABULARY.split(" ")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_ROLE_TEXT_WORDS), max_size=25).map(" ".join))
def test_role_matches_as_finditer(text: str) -> None:
    lex = _lexicon()
    fast = [(m.span(), m.lastgroup) for m in _role_matches(lex, text)]
    assert fast == [(m.span(), m.lastgroup) for m in lex.role_re.finditer(text)]
