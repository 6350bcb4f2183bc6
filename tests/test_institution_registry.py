"""The institution registry: its data validates, covers the field, and compiles to a matcher
whose results do not change (and whose size does not matter) when the registry grows."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from pipeline.institution_registry import (
    LOWER_PREIMAGES,
    Automaton,
    Form,
    Matcher,
    build_registry,
    cased_variants,
    load_config,
    load_not_institutions,
    load_records,
    registry,
    spelling_variants,
)
from schemas.institution_registry import RegistryRecord, validate_registry
from schemas.types import INSTITUTION_KINDS

REPO = Path(__file__).resolve().parent.parent


def rec(**kw: object) -> RegistryRecord:
    base: dict[str, object] = {"id": "x", "name": "X Bank", "kind": "company"}
    return RegistryRecord.model_validate({**base, **kw})


def test_registry_is_broad_and_valid() -> None:
    records = load_records()
    assert len(records) >= 300
    assert len({r.id for r in records}) == len(records)
    kinds = {r.kind for r in records}
    assert kinds <= set(INSTITUTION_KINDS)
    for kind in (
        "intergovernmental",
        "government",
        "legislature",
        "university",
        "museum",
        "theatre",
        "company",
        "media",
        "infrastructure",
    ):
        assert sum(r.kind == kind for r in records) >= 5 or kind in ("legislature", "museum")
    for r in records:
        assert re.match(r"^[a-z0-9][a-z0-9_.-]*$", r.id)
        if r.kind == "intergovernmental":
            assert r.country is None, r.id


@pytest.mark.parametrize(
    ("surface", "expected"),
    [
        ("Mazhilis", "kaz-mazhilis"),
        ("Majilis", "kaz-mazhilis"),
        ("Roscosmos", "roscosmos"),
        ("Rosatom", "rosatom"),
        ("KazMunayGas", "kazmunaygas"),
        ("KMG", "kazmunaygas"),
        ("Samruk-Kazyna", "samruk-kazyna"),
        ("Gazprom", "gazprom"),
        ("Sberbank", "sberbank"),
        ("Halyk Bank", "halyk-bank"),
        ("National Bank of Kazakhstan", "kaz-national-bank"),
        ("Bank of Russia", "rus-central-bank"),
        ("Central Bank of Russia", "rus-central-bank"),
        ("Eurasian Development Bank", "eurasian-development-bank"),
        ("Eurasian Economic Commission", "eurasian-economic-commission"),
        ("Federation Council", "rus-federation-council"),
        ("State Duma", "rus-state-duma"),
        ("Senate of Kazakhstan", "kaz-senate"),
        ("Akorda", "kaz-presidential-administration"),
        ("Kremlin", "rus-presidential-administration"),
        ("TASS", "tass"),
        ("RIA Novosti", "ria-novosti"),
        ("Kazinform", "kazinform"),
        ("Khabar", "khabar"),
        ("Izvestia", "izvestia"),
        ("Rossiyskaya Gazeta", "rossiyskaya-gazeta"),
        ("Nazarbayev University", "nazarbayev-university"),
        ("MGIMO", "mgimo"),
        ("Lomonosov Moscow State University", "msu"),
        ("L.N. Gumilyov Eurasian National University", "enu"),
        ("Baikonur Cosmodrome", "baikonur-cosmodrome"),
        ("Caspian Pipeline Consortium", "cpc"),
        ("Ekibastuz GRES-1", "ekibastuz-gres-1"),
        ("Ekibastuz GRES-2", "ekibastuz-gres-2"),
        ("Karachaganak Petroleum Operating", "kpo"),
        ("Tengizchevroil", "tengizchevroil"),
        ("NCOC", "ncoc"),
        ("KTZ", "ktz"),
        ("Russian Railways", "russian-railways"),
        ("Aeroflot", "aeroflot"),
        ("Air Astana", "air-astana"),
        ("the Eurasian Economic Union", "eaeu"),
        ("Supreme Eurasian Economic Council", "supreme-eurasian-economic-council"),
        ("EurAsEC", "eurasec"),
        ("Customs Union", "customs-union"),
        ("CICA", "cica"),
        ("BRICS", "brics"),
    ],
)
def test_registry_covers_the_field(surface: str, expected: str) -> None:
    inst = registry().lookup(surface)
    assert inst is not None, surface
    assert inst.institution_id == expected


def test_organ_parents_and_wikidata() -> None:
    reg = registry()
    council = reg.lookup("CIS Council of Heads of State")
    assert council is not None and council.parent_id == "cis"
    cis = reg.lookup("CIS")
    assert cis is not None and cis.wikidata_id == "Q7779" and cis.country is None
    senate = reg.lookup("Senate of Kazakhstan")
    assert senate is not None and senate.parent_id == "kaz-parliament"
    assert senate.kind == "legislature" and senate.country == "KAZ"


def test_spelling_variants() -> None:
    spelling = {w.lower(): tuple(g) for g in load_config().spelling for w in g}
    assert "Bolshoi Theater" in spelling_variants("Bolshoi Theatre", spelling)
    assert "Moscow State Lomonossov University" in spelling_variants(
        "Moscow State Lomonosov University", spelling
    )
    assert "Samruk Kazyna" in spelling_variants("Samruk-Kazyna", spelling)
    # a fixed order, no repeats, the form itself first
    variants = spelling_variants("Samruk-Kazyna Fund", spelling)
    assert variants[0] == "Samruk-Kazyna Fund"
    assert len(variants) == len(set(variants))
    assert spelling_variants("Halyk Bank", spelling) == ["Halyk Bank"]


def test_variants_that_fold_alike_need_a_capital_only_if_all_have_one() -> None:
    """`Al-Farabi` and `al-Farabi` fold alike: the lower-case spelling is listed, so the name
    matches without a capital (this used to depend on the iteration order of a set)."""
    text = "Students of al-Farabi Kazakh National University and of Al Farabi University."
    hits = registry().matcher.find(text)
    quotes = {text[h.start : h.end] for h in hits if h.form.rule == "registry"}
    assert "al-Farabi Kazakh National University" in quotes
    assert "Al Farabi University" in quotes


def test_a_national_name_with_its_country_after_needs_no_capital() -> None:
    """`the government of Kazakhstan` is the body (its country follows it, also when the
    record's own name is that form); `the government` alone and `governments of ...` (several
    bodies) are not matched, and a country before a lower-case head still needs its capital."""
    reg = build_registry(
        [
            rec(
                id="k-gov",
                name="Government of Kazakhstan",
                kind="government",
                country="KAZ",
                national=["Government"],
            ),
            rec(
                id="r-mod",
                name="Ministry of Defence of Russia",
                kind="government",
                country="RUS",
                national=["Ministry of Defence", "Defence Ministry"],
            ),
        ],
        load_config(),
    )
    text = (
        "the government of Kazakhstan, the ministry of defense of the Russian Federation, "
        "the government, the governments of Kazakhstan and Russia, russian defence ministry"
    )
    got = [
        (text[h.start : h.end], reg.institutions[h.form.target].institution_id)
        for h in reg.matcher.find(text)
    ]
    assert sorted(got) == [
        ("government of Kazakhstan", "k-gov"),
        ("ministry of defense of the Russian Federation", "r-mod"),
    ]


def test_compiled_registry_does_not_depend_on_the_hash_seed() -> None:
    code = (
        "import hashlib;from pipeline.institution_registry import registry;m=registry().matcher;"
        "print(hashlib.sha256(repr((sorted(m.folded_forms.items()),"
        "sorted(m.exact_forms.items()),sorted(registry().names.items()))).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(digests) == 1


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"kind": "church"}, "kind"),
        ({"country": "KZ"}, "country"),
        ({"wikidata": "7779"}, "wikidata"),
        ({"id": "Bad Id"}, "id"),
        ({"kind": "intergovernmental", "country": "KAZ"}, "intergovernmental body has no country"),
        ({"national": ["Foreign Ministry"]}, "national names need a country"),
        ({"organ": ["Council"]}, "organ names need a parent"),
        ({"aliases": ["the X Bank"]}, "leading 'the'"),
        ({"acronyms": ["xb"]}, "needs a capital letter"),
        ({"colour": "red"}, "Extra inputs are not permitted"),
    ],
)
def test_record_validation_errors(kw: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        rec(**kw)


def test_registry_cross_checks() -> None:
    with pytest.raises(ValueError, match="duplicate id 'x'"):
        validate_registry([rec(), rec()])
    with pytest.raises(ValueError, match="parent 'nowhere' is not in the registry"):
        validate_registry([rec(parent="nowhere")])
    with pytest.raises(ValueError, match="'X Bank' names both 'x' and 'y'"):
        validate_registry([rec(), rec(id="y", name="Y Bank", aliases=["X Bank"])])


def test_blockers_do_not_hide_registry_names() -> None:
    names = {n.lower() for r in load_records() for n in [r.name, *r.aliases]}
    for b in load_not_institutions()["blockers"]:
        assert b.lower() not in names, b


def test_matching_is_unchanged_by_ten_thousand_more_names() -> None:
    """A registry with 10,000 synthetic organisations more finds the same mentions (the
    automaton's time is linear in the text, not in the number of names: see the report)."""
    records = load_records()
    extra = [
        RegistryRecord(
            id=f"synthetic-{i}", name=f"Synthetic Holding Number {i} Group", kind="company"
        )
        for i in range(10_000)
    ]
    nots = load_not_institutions()
    small = build_registry(records, load_config(), nots["blockers"], nots["caps_words"])
    big = build_registry(records + extra, load_config(), nots["blockers"], nots["caps_words"])
    assert big.matcher.size >= small.matcher.size + 10_000
    for path in sorted((REPO / "raw").glob("*.txt")):
        text = path.read_text("utf-8")
        key = lambda h: (h.start, h.end, h.form.rule)  # noqa: E731
        assert sorted(map(key, big.matcher.find(text))) == sorted(
            map(key, small.matcher.find(text))
        )
    hits = big.matcher.find("Shares of Synthetic Holding Number 9999 Group rose.")
    assert [(h.start, h.end) for h in hits] == [(10, 45)]


def test_lower_preimages_are_every_non_ascii_character_lowered_to_ascii() -> None:
    """`cased_variants` relies on it: the case-folded text holds an ASCII letter only where
    the text holds that letter, its capital or one of these."""
    found: dict[str, str] = {}
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        low = ch.lower()
        if not ch.isascii() and len(low) == 1 and low.isascii():
            found[low] = found.get(low, "") + ch
    assert found == LOWER_PREIMAGES


def test_cased_variants_are_the_capitalised_spellings_of_a_folded_key() -> None:
    assert cased_variants("rt") == ["Rt", "RT"]
    assert sorted(cased_variants("g7")) == ["G7"]
    assert sorted(cased_variants("ok")) == ["OK", "Ok", "O\u212a"]
    assert cased_variants("7g") == []  # begins with no capital: never matched


def test_automaton_yields_matches_by_end_longest_first() -> None:
    a = Automaton({"ab": 1, "b": 2, "xab": 3})
    assert a.matches("xab xab") == [
        (3, 0, 3),
        (3, 1, 1),
        (3, 2, 2),
        (7, 4, 3),
        (7, 5, 1),
        (7, 6, 2),
    ]
    assert a.at_word_start("xab ab") == [(3, 0, 3), (6, 4, 1)]


def test_short_capitalised_names_are_matched_as_written() -> None:
    """A folded form of a few letters that needs a capital (`ENI`) is looked for in its
    capitalised spellings only: never inside a word, found as `Eni` or `ENI`, not `eni`."""
    form = Form(3, 0, "registry", cap=True)
    m = Matcher({"eni": form, "gazprom neft": Form(12, 1, "registry")}, {})
    assert "eni" not in m.long_forms and "gazprom neft" in m.long_forms
    assert set(m.cased_forms) == {"Eni", "ENi", "EnI", "ENI"}
    text = "Eni and ENI, not eni or Venice; Gazprom Neft and gazprom neft."
    assert [(h.start, h.end) for h in m.find(text)] == [(0, 3), (8, 11), (32, 44), (49, 61)]
    norm, hay, folded, exact = m.scan(text)
    assert (norm, hay, exact) == (text, text.lower(), [])
    assert [(s, e) for e, s, _ in folded] == [(0, 3), (8, 11), (32, 44), (49, 61)]
