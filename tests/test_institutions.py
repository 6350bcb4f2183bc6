"""The institutions extractor: alias families, discovery, in-document linking, exclusions,
golden cases, provenance under arbitrary text, and the score on the seeds' gold."""

from __future__ import annotations

import itertools
import json
import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.document import Document
from pipeline.extractors import institutions
from pipeline.extractors.institutions import extract
from schemas.types import ID_PATTERN, INSTITUTION_KINDS

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden" / "institutions.jsonl"
SEEDS_GOLD = REPO / "gold" / "seeds.json"  # shipped copy of the gold
EXTRACTOR_RE = re.compile(r"^[a-z_]+(?:/[a-z0-9_]+)?@\d+(?:\.\d+)*$")


def doc(text: str, publisher: str | None = None) -> Document:
    return Document(
        doc_id="0" * 16, text=text, published_date=date(2024, 5, 1), publisher=publisher
    )


def pairs(text: str, publisher: str | None = None) -> list[tuple[str, str]]:
    return [(r["quote"], r["institution_id"]) for r in extract(doc(text, publisher))]


def ids(text: str) -> set[str]:
    return {r["institution_id"] for r in extract(doc(text))}


# --- module contract -------------------------------------------------------------------------


def test_module_contract() -> None:
    assert institutions.NAME == "institutions"
    assert institutions.TABLE == "institution_mentions"
    assert re.match(r"^\d+\.\d+$", institutions.VERSION)


def test_empty_text() -> None:
    assert extract(doc("")) == []


# --- alias families --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "quote", "expected"),
    [
        # spelling: Lomonosov / Lomonossov, Theatre / Theater, Organization / Organisation
        ("at the Moscow State Lomonossov University", "Moscow State Lomonossov University", "msu"),
        ("at Lomonosov Moscow State University", "Lomonosov Moscow State University", "msu"),
        ("on the stage of the Bolshoi Theater", "Bolshoi Theater", "bolshoi-theatre"),
        ("on the stage of the Bolshoi Theatre", "Bolshoi Theatre", "bolshoi-theatre"),
        ("the Shanghai Cooperation Organization", "Shanghai Cooperation Organization", "sco"),
        ("the Shanghai Cooperation Organisation", "Shanghai Cooperation Organisation", "sco"),
        ("the Mazhilis voted", "Mazhilis", "kaz-mazhilis"),
        ("the Majilis voted", "Majilis", "kaz-mazhilis"),
        ("KazMunaiGas said", "KazMunaiGas", "kazmunaygas"),
        ("Samruk Kazyna said", "Samruk Kazyna", "samruk-kazyna"),
        (
            "the L.N. Gumilev Eurasian National University",
            "L.N. Gumilev Eurasian National University",
            "enu",
        ),
        (
            "the Al Farabi Kazakh National University",
            "Al Farabi Kazakh National University",
            "kaznu",
        ),
        # acronyms and full names
        (
            "the Collective Security Treaty Organization",
            "Collective Security Treaty Organization",
            "csto",
        ),
        ("within the CSTO", "CSTO", "csto"),
        ("the EEU member states", "EEU", "eaeu"),
        ("the Eurasian Economic Union", "Eurasian Economic Union", "eaeu"),
        ("ITAR-TASS reported", "ITAR-TASS", "tass"),
        # dateline in capitals
        ("ASTANA. KAZINFORM - The talks", "KAZINFORM", "kazinform"),
        # central banks
        (
            "the Central Bank of the Russian Federation",
            "Central Bank of the Russian Federation",
            "rus-central-bank",
        ),
        # the Kremlin as the presidential administration
        ("the Kremlin said", "Kremlin", "rus-presidential-administration"),
        ("Akorda reported", "Akorda", "kaz-presidential-administration"),
    ],
)
def test_alias_families(text: str, quote: str, expected: str) -> None:
    assert (quote, expected) in pairs(text)


def test_one_institution_for_acronym_and_name() -> None:
    rows = extract(doc("The Collective Security Treaty Organization met. The CSTO agreed."))
    assert {r["institution_id"] for r in rows} == {"csto"}
    assert [r["quote"] for r in rows] == ["Collective Security Treaty Organization", "CSTO"]
    assert all(r["acronym"] == "CSTO" and r["kind"] == "intergovernmental" for r in rows)
    assert all(r["country"] is None and r["wikidata_id"] == "Q318693" for r in rows)


def test_registry_attributes_are_carried() -> None:
    (row,) = extract(doc("The Bolshoi Theater hosted the opera."))
    assert row["name"] == "Bolshoi Theatre"
    assert row["kind"] == "theatre"
    assert row["country"] == "RUS"
    assert row["source"] == "registry"
    assert row["extractor"] == f"institutions/registry@{institutions.VERSION}"
    assert row["confidence"] == 0.95


# --- organs and parents ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "the session of the CIS Heads of State Council in Burabay",
        "the CIS Council of Heads of State met",
        "the meeting of the Council of Heads of State of the CIS member States",
        "the Council of Heads of State of the Commonwealth of Independent States",
    ],
)
def test_organ_is_one_mention_with_parent(text: str) -> None:
    rows = extract(doc(text))
    assert [r["institution_id"] for r in rows] == ["cis-council-of-heads-of-state"]
    assert rows[0]["parent_id"] == "cis"
    assert rows[0]["extractor"].startswith("institutions/organ@") or rows[0][
        "extractor"
    ].startswith("institutions/registry@")


def test_bare_parent_elsewhere_is_the_parent() -> None:
    assert pairs("The CIS Heads of State Council met. The CIS was founded in 1991.") == [
        ("CIS Heads of State Council", "cis-council-of-heads-of-state"),
        ("CIS", "cis"),
    ]


# --- word boundaries and longest match ---------------------------------------------------------


def test_acronym_needs_word_boundaries_and_case() -> None:
    assert pairs("CISCO and the cis-gender debate") == []
    assert pairs("CIS-wide rules and the CIS's budget") == [("CIS", "cis"), ("CIS", "cis")]


def test_name_inside_a_domain_is_not_the_name() -> None:
    assert pairs("published on Akorda.kz today") == [("Akorda.kz", "akorda-kz")]


def test_longest_match_wins() -> None:
    assert pairs("the Moscow State University of Foreign Affairs") == [
        ("Moscow State University of Foreign Affairs", "mgimo")
    ]
    # a discovered name longer than a registry name inside it wins too
    assert pairs("the Moscow State University of Civil Engineering") == [
        (
            "Moscow State University of Civil Engineering",
            "d:moscow-state-university-of-civil-engineering",
        )
    ]


def test_gres_numbers_are_distinct_plants() -> None:
    assert pairs("Ekibastuz GRES-1 and Ekibastuz GRES-2 and the Ekibastuz GRES") == [
        ("Ekibastuz GRES-1", "ekibastuz-gres-1"),
        ("Ekibastuz GRES-2", "ekibastuz-gres-2"),
        ("Ekibastuz GRES", "ekibastuz-gres"),
    ]


def test_headline_caps_word_is_not_an_acronym() -> None:
    assert pairs("WHO WILL LEAD THE TALKS") == []
    assert pairs("The WHO warned of a pandemic.") == [("WHO", "who")]


# --- discovery ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "quote", "kind"),
    [
        (
            "the Kazakh National Academy of Choreography",
            "Kazakh National Academy of Choreography",
            "university",
        ),
        ("the Pavlodar Aluminium Plant", "Pavlodar Aluminium Plant", "infrastructure"),
        (
            "the Russian State University for the Humanities",
            "Russian State University for the Humanities",
            "university",
        ),
        (
            "the Orenburg Regional Museum of Local Lore",
            "Orenburg Regional Museum of Local Lore",
            "museum",
        ),
        ("the Karaganda Regional Drama Theatre", "Karaganda Regional Drama Theatre", "theatre"),
        (
            "the Kazakh Agency for Applied Ecology",
            "Kazakh Agency for Applied Ecology",
            "government",
        ),
        ("the Aktobe Ferroalloy Plant", "Aktobe Ferroalloy Plant", "infrastructure"),
        ("Kazakh Gold Mining Company said", "Kazakh Gold Mining Company", "company"),
        ("the Astana News Agency reported", "Astana News Agency", "media"),
        ("the Zhanatas Wind Farm Partnership", "Zhanatas Wind Farm Partnership", "company"),
    ],
)
def test_discovery_by_head_word(text: str, quote: str, kind: str) -> None:
    rows = extract(doc(text))
    assert [(r["quote"], r["kind"], r["source"]) for r in rows] == [(quote, kind, "discovered")]
    assert rows[0]["institution_id"].startswith("d:")
    assert rows[0]["confidence"] < 0.9
    assert rows[0]["extractor"] == f"institutions/discovered@{institutions.VERSION}"


def test_discovered_ids_are_stable_across_spellings() -> None:
    a = extract(doc("the Semey Drama Theater"))[0]["institution_id"]
    b = extract(doc("the Semey Drama Theatre"))[0]["institution_id"]
    assert a == b == "d:semey-drama-theatre"


def test_discovered_country_tail_is_stripped() -> None:
    (row,) = extract(doc("the Agency for Atomic Energy Supervision of Kazakhstan"))
    assert row["quote"] == "Agency for Atomic Energy Supervision"
    assert row["country"] == "KAZ"


def test_registry_name_with_generic_words_is_the_registry_institution() -> None:
    assert pairs("Kazatomprom NAC JSC and Rosatom State Corporation") == [
        ("Kazatomprom NAC JSC", "kazatomprom"),
        ("Rosatom State Corporation", "rosatom"),
    ]


def test_acronym_definition_links_within_document() -> None:
    text = (
        "The Kazakhstan Institute of Oil and Gas (KIOG) will train engineers. "
        "Later KIOG opened a branch."
    )
    rows = extract(doc(text))
    assert [r["quote"] for r in rows] == ["Kazakhstan Institute of Oil and Gas", "KIOG", "KIOG"]
    assert {r["institution_id"] for r in rows} == {"d:kazakhstan-institute-of-oil-and-gas"}
    assert {r["acronym"] for r in rows} == {"KIOG"}
    assert rows[1]["extractor"] == f"institutions/acronym_definition@{institutions.VERSION}"


def test_acronym_definition_of_a_registry_name() -> None:
    text = "The Eurasian Development Bank (EABR) lent more. EABR expects growth."
    assert {i for _, i in pairs(text)} == {"eurasian-development-bank"}
    assert len(pairs(text)) == 3


def test_acronym_of_a_non_institution_is_ignored() -> None:
    assert pairs("Gross domestic product (GDP) grew, and the GDP of Kazakhstan too.") == []


# --- national bodies without their country -----------------------------------------------------


def test_bare_national_body_resolved_by_qualified_mention() -> None:
    assert pairs("The Russian Foreign Ministry said the Foreign Ministry would reply.") == [
        ("Russian Foreign Ministry", "rus-mfa"),
        ("Foreign Ministry", "rus-mfa"),
    ]


def test_bare_national_body_resolved_by_publisher_country() -> None:
    assert pairs("The Ministry of Energy said.", publisher="Kazinform") == [
        ("Ministry of Energy", "kaz-energy-ministry")
    ]
    assert pairs("The Ministry of Energy said.", publisher="TASS") == [
        ("Ministry of Energy", "rus-energy-ministry")
    ]


def test_bare_national_body_unresolved_is_generic() -> None:
    (row,) = extract(doc("The Ministry of Energy said."))
    assert row["institution_id"] == "d:ministry-of-energy"
    assert row["country"] is None
    assert row["source"] == "discovered"


def test_dateline_agency_gives_the_home_country() -> None:
    text = "ASTANA. KAZINFORM - The Foreign Ministry said."
    assert pairs(text) == [("KAZINFORM", "kazinform"), ("Foreign Ministry", "kaz-mfa")]


# --- exclusions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # countries
        "The Russian Federation and the Republic of Kazakhstan signed it.",
        "after the Soviet Union collapsed",
        # regions and cities
        "the West Kazakhstan region and the Orenburg region",
        "in Moscow, Astana and Baikonur",
        # people
        "Vladimir Putin and Kassym-Jomart Tokayev met.",
        # job titles
        "the Head of State met the Minister of Foreign Affairs of Kazakhstan",
        "Foreign Minister Murat Nurtleu and Defence Minister Ruslan Zhaksylykov",
        # treaties and documents
        "the Declaration of Eternal Friendship and Alliance",
        "the Treaty on Good-Neighbourliness and Alliance in the 21st Century",
        # events
        "the Kazakhstan-Russia Interregional Cooperation Forum in Orenburg",
        "the World Nomad Games and the Games of the Future",
        "the Chekhov International Theatre Festival",
        "the Year of Russia in Kazakhstan",
        # products
        "the Sukhoi Superjet and the Sputnik V vaccine",
    ],
)
def test_not_institutions(text: str) -> None:
    assert pairs(text) == []


def test_treaty_names_the_institution_not_itself() -> None:
    # the treaty is no institution; the union it founds, named inside, is
    assert pairs("the Treaty on the Eurasian Economic Union entered into force") == [
        ("Eurasian Economic Union", "eaeu")
    ]


def test_ministry_is_an_institution_but_minister_is_a_title() -> None:
    assert pairs("the Minister of Foreign Affairs visited the Ministry of Foreign Affairs") == [
        ("Ministry of Foreign Affairs", "d:ministry-of-foreign-affairs")
    ]


# --- golden cases ------------------------------------------------------------------------------


def _golden() -> list[dict[str, object]]:
    return [json.loads(line) for line in GOLDEN.read_text("utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("case", _golden(), ids=lambda c: str(c["text"])[:40])
def test_golden(case: dict[str, object]) -> None:
    text = str(case["text"])
    publisher = case["publisher"] if isinstance(case["publisher"], str) else None
    expected = [tuple(p) for p in case["expected"]]  # type: ignore[attr-defined]
    assert pairs(text, publisher) == expected


# --- provenance and vocabulary under arbitrary text --------------------------------------------

_words = st.sampled_from(
    [
        "the",
        "of",
        "CIS",
        "CSTO",
        "Bank",
        "University",
        "Ministry",
        "Council",
        "Heads",
        "State",
        "Kazakh",
        "Russian",
        "National",
        "(",
        ")",
        "JSC",
        "Theatre",
        "Plant",
        "GRES-1",
        "Ekibastuz",
        "Foreign",
        "Affairs",
        "Akorda.kz",
        "KAZINFORM",
        "and",
        ".",
        ",",
        "\n",
        "“",
        "”",
        "named",
        "after",
        "Eurasian",
        "Economic",
        "Union",
        "(KIOG)",
        "İ",
        "ǅ",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=300), st.lists(_words, max_size=60).map(" ".join)))
def test_rows_obey_provenance_and_vocabulary(text: str) -> None:
    d = doc(text)
    rows = extract(d)
    spans = sorted((r["char_start"], r["char_end"]) for r in rows)
    for (_, e1), (s2, _) in itertools.pairwise(spans):
        assert e1 <= s2, "mentions overlap"
    for r in rows:
        assert d.text[r["char_start"] : r["char_end"]] == r["quote"]
        assert r["char_end"] > r["char_start"]
        assert re.match(ID_PATTERN, r["institution_id"])
        assert r["kind"] in INSTITUTION_KINDS
        assert r["source"] in ("registry", "discovered")
        assert 0.0 <= r["confidence"] <= 1.0
        assert EXTRACTOR_RE.match(r["extractor"])
        assert r["country"] is None or re.match(r"^[A-Z]{3}$", r["country"])
        assert r["wikidata_id"] is None or re.match(r"^Q\d+$", r["wikidata_id"])


# --- score on the seeds ------------------------------------------------------------------------


def _occurrences(text: str, quote: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(re.escape(quote), text)]


def score(gold: list[dict[str, object]], raw: Path) -> tuple[float, float, list[str]]:
    """Per document: a predicted institution matches a gold one when one of its mentions
    overlaps an occurrence of the gold quote or the canonical names agree."""
    tp_pred = n_pred = tp_gold = n_gold = 0
    misses: list[str] = []
    for g in gold:
        text = (raw / str(g["file"])).read_text("utf-8")
        rows = extract(doc(text))
        by_id: dict[str, list[dict[str, object]]] = {}
        for r in rows:
            by_id.setdefault(r["institution_id"], []).append(dict(r))
        golds = list(g["institutions"])  # type: ignore[call-overload]

        def match(mentions: list[dict[str, object]], gi: dict[str, str], text: str = text) -> bool:
            if any(str(m["name"]).lower() == gi["canonical"].lower() for m in mentions):
                return True
            return any(
                int(m["char_start"]) < e and s < int(m["char_end"])  # type: ignore[call-overload]
                for m in mentions
                for s, e in _occurrences(text, gi["quote"])
            )

        for iid, mentions in by_id.items():
            n_pred += 1
            if any(match(mentions, gi) for gi in golds):
                tp_pred += 1
            else:
                misses.append(f"{g['file']}: extra {iid} {mentions[0]['quote']!r}")
        for gi in golds:
            n_gold += 1
            if any(match(m, gi) for m in by_id.values()):
                tp_gold += 1
            else:
                misses.append(f"{g['file']}: missed {gi['quote']!r}")
    return tp_pred / max(n_pred, 1), tp_gold / max(n_gold, 1), misses


def test_score_on_seed_gold() -> None:
    if not SEEDS_GOLD.exists():
        pytest.skip(f"no gold file at {SEEDS_GOLD}")
    gold = json.loads(SEEDS_GOLD.read_text("utf-8"))
    precision, recall, misses = score(gold, REPO / "raw")
    assert precision >= 0.95, misses
    assert recall >= 0.95, misses


def test_registry_name_in_a_tail_does_not_swallow_the_discovered_name() -> None:
    assert pairs("the Analytical Center of the Ministry of Education reported") == [
        (
            "Analytical Center of the Ministry of Education",
            "d:analytical-centre-of-the-ministry-of-education",
        )
    ]
    # but noise before a registry name with the same head is dropped
    assert pairs("Tokayev Visits Nazarbayev University") == [
        ("Nazarbayev University", "nazarbayev-university")
    ]


# --- speed-ups that must not change what is found ---------------------------------------------

_route_words = st.sampled_from(
    [
        "Atyrau-Kenkiyak",
        "Kenkiyak-Kumkol",
        "Baku-Tbilisi-Ceyhan",
        "Russia-China",
        "and",
        ",",
        ", and",
        "the",
        "pipeline",
        "pipelines",
        "gas",
        "main",
        "oil",
        "product",
        "Xpipeline",
        "Aa-Bpipeline",
        "-",
        "\n",
        "gas main",
        "mains",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_route_words, st.sampled_from([" ", "", " ", "  "])), max_size=40))
def test_routes_looked_for_around_anchors_are_all_routes(parts: list[tuple[str, str]]) -> None:
    from pipeline.institution_discovery import _route_matches, lexicon

    text = "".join(w + sep for w, sep in parts)
    lex = lexicon()
    expected = [(m.start(), m.end(), m.groupdict()) for m in lex.route_re.finditer(text)]
    got = [(m.start(), m.end(), m.groupdict()) for m in _route_matches(text, lex)]
    assert got == expected


def test_routes_around_anchors_examples() -> None:
    from pipeline.institution_discovery import find_routes

    text = (
        "They built the Atyrau-Kenkiyak and Kenkiyak-Kumkol oil pipelines; the Russia-China "
        "pipeline and the Baku-Tbilisi-Ceyhan main oil pipeline, and Bukhara-Ural gas main."
    )
    assert [(c.name, c.kind) for c in find_routes(text)] == [
        ("Atyrau-Kenkiyak pipeline", "infrastructure"),
        ("Kenkiyak-Kumkol pipeline", "infrastructure"),
        ("Baku-Tbilisi-Ceyhan pipeline", "infrastructure"),
        ("Bukhara-Ural pipeline", "infrastructure"),
    ]


def test_stops_before_the_word_before_a_head() -> None:
    from pipeline.institution_discovery import _stops_before, lexicon

    lex = lexicon()
    pad = "Officials met on Monday in the capital for talks; "
    for before, stops in [
        ("the ", True),
        ("said. ", True),
        ("Russia's ", True),
        ("Kazakh National ", False),
        ("Oil and ", False),
        ('the "Kazakh ', False),
    ]:
        text = pad + before + "University of Astana opened."
        assert _stops_before(text, len(pad + before), lex) is stops, before
    assert _stops_before("x " * 30 + "University", 60, lex)
    # one token only in the 40 characters before the head (the window's first is dropped)
    assert not _stops_before("y" * 45 + " the University", 50, lex)


_head_text_words = st.sampled_from(
    [
        "the",
        "and",
        "of",
        "Kazakh",
        "National",
        "University",
        "Bank",
        "Ministry",
        "Oil",
        "Gas",
        "Russia's",
        "JSC",
        '"Halyk',
        'Bank"',
        "said.",
        "\n",
        "al-Farabi",
        "named",
        "after",
        "Foreign",
        "Affairs",
        "(",
        "Embassy",
        "in",
        "Germany",
        "Eurasian",
        "Development",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_head_text_words, min_size=1, max_size=50).map(" ".join))
def test_head_grammar_is_unchanged_by_the_short_left_path(text: str) -> None:
    """`_window` skips the tokens left of a head when `_stops_before` says the name has no
    left part: the candidates are those found without that shortcut."""
    from unittest import mock

    from pipeline import institution_discovery as disc

    fast = disc.find_candidates(text)
    with mock.patch.object(disc, "_stops_before", lambda *a: False):
        slow = disc.find_candidates(text)
    assert fast == slow


def test_slug_of_ascii_and_accented_names() -> None:
    from pipeline.institution_discovery import slug

    assert (
        slug("The Kazakh-British Technical University") == "d:kazakh-british-technical-university"
    )
    assert slug("Électricité de France") == "d:electricite-de-france"
    assert slug("Korea Hydro & Nuclear Power") == "d:korea-hydro-and-nuclear-power"
    assert slug("Ministry’s Centre", {"centre": ("Center", "Centre")}) == "d:ministrys-center"
    assert slug("—") == "d:unnamed"


_name_words = st.sampled_from(
    [
        *("Interfax", "Kazakhstan Today", "de", "&", "said", "the", "REPORT.AZ", ",", "\n"),
        *("(", "’s", "O'Neil", "al-Farabi", "A.", "Ab-", "Électricité", "—", "\t", "x" * 30),
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(_name_words, st.sampled_from([" ", "", "\n"])), max_size=30),
    st.integers(min_value=0, max_value=400),
)
def test_name_before_is_the_anchored_search(parts: list[tuple[str, str]], at: int) -> None:
    """`_name_before` narrows the window of `_NAME_END.search`; it finds what the search over
    the whole window finds."""
    from pipeline import institution_discovery as disc

    text = "".join(w + sep for w, sep in parts)
    pos = min(at, len(text))
    m = disc._NAME_END.search(text, max(0, pos - disc._BACK), pos) if pos > 0 else None
    assert disc._name_before(text, pos) == (None if m is None else m.span())


def test_member_family_maps_national_bodies_to_their_family() -> None:
    from pipeline.extractors.institutions import _families_of, _member_family
    from pipeline.institution_registry import registry

    reg = registry()
    members = _member_family()
    assert members == _families_of(reg)
    assert members  # the registry has national families (foreign ministries, ...)
    for i, f in members.items():
        assert i in {j for _, j in reg.families[f].by_country}
