"""Persons of the field: name variants to canonical names, and office roles to holders.

`find_people(text, ref)` finds mentions of known persons (`V.Putin`, `Vladimir Vladimirovich
Putin`, `Nazarbaev`, `K.K.Tokayev`) and, where a reference date is given, office roles that
name exactly one person at that date (`the Russian President`, `the President of Kazakhstan`,
`the Kazakh Leader`). Data: `pipeline/lexicons/people.yaml`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, NamedTuple

import ahocorasick

from pipeline.geo import country_iso3
from pipeline.lexicon import load


class PersonMention(NamedTuple):
    """A person mentioned in a text (immutable; a named tuple: made many times a document)."""

    start: int
    end: int
    text: str
    name: str  # canonical: "Vladimir Putin"
    country: str | None  # ISO alpha-3 of the person's country
    via_role: bool  # True when resolved from an office role ("the Russian President")


@dataclass(frozen=True, slots=True)
class _Term:
    name: str
    office: str
    country: str
    start: date
    end: date | None


@dataclass(frozen=True, slots=True)
class _Lexicon:
    automaton: Any  # ahocorasick.Automaton: variant -> canonical name
    countries: dict[str, str]  # canonical name -> ISO3
    terms: tuple[_Term, ...]
    role_re: re.Pattern[str]
    role_keys: dict[str, str]  # role word -> office key
    role_words: Any  # ahocorasick.Automaton: role words -> length
    country_words: Any  # ahocorasick.Automaton: country words -> length
    country_reach: int  # length of the longest country word


def _as_date(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _variants(person: dict[str, Any]) -> set[str]:
    out: set[str] = set(person.get("variants") or [])
    firsts: list[str] = person.get("first") or []
    pats: list[str] = person.get("patronymic") or []
    lasts: list[str] = person.get("last") or []
    for last in lasts:
        for first in firsts:
            out.add(f"{first} {last}")
            fi = first[0]
            for sep in ("", " "):
                out.add(f"{fi}.{sep}{last}")
            for pat in pats:
                out.add(f"{first} {pat} {last}")
                pi = pat[0]
                for sep1 in ("", " "):
                    for sep2 in ("", " "):
                        out.add(f"{fi}.{sep1}{pi}.{sep2}{last}")
    return out


@cache
def _lexicon() -> _Lexicon:
    data = load("people.yaml")
    persons: list[dict[str, Any]] = data["persons"]
    surname_owners: dict[str, set[str]] = {}
    for p in persons:
        for last in p.get("last") or []:
            surname_owners.setdefault(last, set()).add(p["name"])
    variant_to: dict[str, set[str]] = {}
    countries: dict[str, str] = {}
    terms: list[_Term] = []
    for p in persons:
        countries[p["name"]] = p["country"]
        forms = _variants(p)
        if p.get("surname_alone", True):
            forms.update(s for s in p.get("last") or [] if len(surname_owners[s]) == 1)
        for f in forms:
            variant_to.setdefault(f, set()).add(p["name"])
        for t in p.get("offices") or []:
            start = _as_date(t["start"])
            assert start is not None
            terms.append(_Term(p["name"], t["office"], t["country"], start, _as_date(t["end"])))
    automaton = ahocorasick.Automaton()
    for form, names in variant_to.items():
        if len(names) == 1:
            automaton.add_word(form, (form, next(iter(names))))
    automaton.make_automaton()
    role_keys: dict[str, str] = {}
    for office, words in data["roles"].items():
        for w in words:
            role_keys[w] = office
    role_alt = "|".join(re.escape(w) for w in sorted(role_keys, key=len, reverse=True))
    country_words = sorted(_country_words(), key=len, reverse=True)
    cw = "|".join(re.escape(w) for w in country_words)
    role_re = re.compile(
        rf"\b(?:[Tt]he\s+)?(?:(?P<adj>{cw})\s+(?P<role1>{role_alt})"
        rf"|(?P<role2>{role_alt})\s+of\s+(?:the\s+)?(?P<cty>{cw}))\b"
    )
    # every match of `role_re` holds a role word, and begins with it, with the country word
    # right before it or with the `the` before either: only there is the regex tried
    role_words = ahocorasick.Automaton()
    for w in role_keys:
        role_words.add_word(w, len(w))
    role_words.make_automaton()
    country_ac = ahocorasick.Automaton()
    for w in country_words:
        country_ac.add_word(w, len(w))
    country_ac.make_automaton()
    return _Lexicon(
        automaton,
        countries,
        tuple(terms),
        role_re,
        role_keys,
        role_words,
        country_ac,
        max(len(w) for w in country_words),
    )


def _role_matches(lex: _Lexicon, text: str) -> list[re.Match[str]]:
    """`lex.role_re.finditer(text)`, faster: the regex is tried only where a match may begin:
    at a role word (`President of Russia`), at a country word that only spaces part from a
    role word (`Russian President`), or at the `the` right before either."""
    starts: set[int] = set()
    for end_idx, n in lex.role_words.iter(text):
        pos = end_idx - n + 1
        starts.add(pos)
        _add_the(text, pos, starts)
        gap = pos
        while gap > 0 and text[gap - 1].isspace():
            gap -= 1
        if gap == pos:
            continue
        for c_end, c_len in lex.country_words.iter(text, max(0, gap - lex.country_reach), gap):
            if c_end + 1 == gap:
                starts.add(gap - c_len)
                _add_the(text, gap - c_len, starts)
    out: list[re.Match[str]] = []
    last_end = 0
    match = lex.role_re.match
    for pos in sorted(starts):
        if pos < last_end:
            continue
        m = match(text, pos)
        if m is not None:
            out.append(m)
            last_end = m.end()
    return out


def _add_the(text: str, pos: int, starts: set[int]) -> None:
    """Add the start of a `the` / `The` that only spaces part from `pos`."""
    j = pos
    while j > 0 and text[j - 1].isspace():
        j -= 1
    if j < pos and j >= 3 and text[j - 3 : j] in ("the", "The"):
        starts.add(j - 3)


def _country_words() -> list[str]:
    """Country names and adjectives (capitalised) known to `geo.country_iso3`."""
    words: list[str] = []
    for variants in load("countries.yaml").values():
        words.extend(v for v in variants if v[:1].isupper() and len(v) > 2)
    return words


def office_holder(office: str, country: str, on: date) -> str | None:
    """Canonical name of the holder of `office` in `country` (ISO3) on date `on`."""
    found = [
        t.name
        for t in _lexicon().terms
        if t.office == office and t.country == country and t.start <= on
        if t.end is None or on < t.end
    ]
    return found[0] if len(set(found)) == 1 else None


def person_country(name: str) -> str | None:
    """ISO3 country of a canonical person."""
    return _lexicon().countries.get(name)


def _boundary(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or before == ".") and not (after.isalnum() or after in "-")


def find_people(text: str, ref: date | None = None) -> list[PersonMention]:
    """Mentions of known persons in `text`, left to right, non-overlapping (longest wins).

    With `ref` (the publication date), office roles are resolved to their holder at `ref`.

    >>> [m.name for m in find_people("V.Putin met N.Nazarbayev.")]
    ['Vladimir Putin', 'Nursultan Nazarbayev']
    """
    lex = _lexicon()
    found: list[PersonMention] = []
    for end_idx, (form, name) in lex.automaton.iter(text):
        end = end_idx + 1
        start = end - len(form)
        if not _boundary(text, start, end) and not (
            # an initial may touch the preceding word only through a dot: "V.Putin"
            form[1:2] == "." and _boundary(text, start, start + 1)
        ):
            continue
        found.append(PersonMention(start, end, form, name, lex.countries.get(name), False))
    if ref is not None:
        for m in _role_matches(lex, text):
            role = m.group("role1") or m.group("role2")
            cword = m.group("adj") or m.group("cty")
            iso = country_iso3(cword)
            if iso is None:
                continue
            holder = office_holder(lex.role_keys[role], iso, ref)
            if holder is None:
                continue
            found.append(PersonMention(m.start(), m.end(), m.group(), holder, iso, True))
    found.sort(key=lambda p: (p.start, -(p.end - p.start)))
    out: list[PersonMention] = []
    last_end = -1
    for p in found:
        if p.start >= last_end:
            out.append(p)
            last_end = p.end
    return out
