"""Places gazetteer: golden table of variants and renamings, country_iso3, properties."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.geo import country_iso3, find_places

CASES = [
    json.loads(line)
    for line in (Path(__file__).parent / "golden" / "places.jsonl").read_text("utf-8").splitlines()
    if line.strip()
]


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:40] for c in CASES])
def test_golden_places(case: dict[str, Any]) -> None:
    found = find_places(case["text"])
    assert [[p.text, p.name, p.country] for p in found] == case["places"]
    for p in found:
        assert case["text"][p.start : p.end] == p.text


def test_coordinates_of_cities_and_resorts() -> None:
    (burabay,) = find_places("in Borovoye")
    assert (burabay.name, burabay.kind) == ("Burabay", "resort")
    assert burabay.lat == pytest.approx(53.08, abs=0.05)
    assert burabay.lon == pytest.approx(70.31, abs=0.05)
    (omsk,) = find_places("Omsk")
    assert omsk.lat == pytest.approx(54.99, abs=0.1) and omsk.country == "RUS"


def test_country_iso3_still_works() -> None:
    assert country_iso3("Russian") == "RUS"
    assert country_iso3("the Russian Federation") == "RUS"
    assert country_iso3("Kazakhstani") == "KAZ"
    assert country_iso3("Narnia") is None


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_find_places_never_raises(text: str) -> None:
    for p in find_places(text):
        assert text[p.start : p.end] == p.text
        assert p.country is None or len(p.country) == 3
