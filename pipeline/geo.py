"""Countries (and, later, places): names, adjectives and demonyms to ISO 3166 alpha-3."""

from __future__ import annotations

from functools import cache
from importlib import resources

import pycountry
import yaml


@cache
def _country_names() -> dict[str, str]:
    """Lower-cased name -> alpha-3, from pycountry and the genre lexicon (lexicon wins)."""
    names: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(c, attr, None)
            if value:
                names[value.lower()] = c.alpha_3
    text = resources.files("pipeline.lexicons").joinpath("countries.yaml").read_text("utf-8")
    for iso3, variants in yaml.safe_load(text).items():
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
