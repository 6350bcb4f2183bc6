"""The institution registry (`pipeline/lexicons/institutions/*.yaml`): one curated record per
organisation, validated here before any matcher is built.

Not a published table (the published `institutions` table is `schemas.institutions`): this
model checks the hand-written source data, so that a typo in a kind, a country code, a
Wikidata id or a parent reference fails loudly at load time instead of leaking into a release.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from schemas.types import INSTITUTION_KINDS, ISO3_PATTERN

#: Registry ids: the published id pattern without `:`, which marks discovered ids (`d:...`).
REGISTRY_ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"


def _clean(forms: list[str], what: str) -> list[str]:
    out: list[str] = []
    for f in forms:
        if not f or f != f.strip() or "  " in f:
            raise ValueError(f"{what} {f!r}: empty, or stray spaces")
        if f.lower().startswith("the "):
            raise ValueError(f"{what} {f!r}: drop the leading 'the' (matched without it)")
        out.append(f)
    return out


class RegistryRecord(BaseModel):
    """One organisation of the registry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=REGISTRY_ID_PATTERN)
    name: str = Field(min_length=2, description="Canonical English name.")
    acronyms: list[str] = Field(
        default_factory=list, description="Matched case-sensitively; the first is canonical."
    )
    aliases: list[str] = Field(
        default_factory=list,
        description="Names and spelling variants, matched case-insensitively (a capital where "
        "the alias has one).",
    )
    exact: list[str] = Field(
        default_factory=list,
        description="Short or ambiguous names matched only exactly as written here.",
    )
    organ: list[str] = Field(
        default_factory=list,
        description="Names of this organ without its parent (`Council of Heads of State`): "
        "combined with every name of the parent (`SCO Secretariat`, `Secretariat of the "
        "SCO`).",
    )
    national: list[str] = Field(
        default_factory=list,
        description="Generic names of a national body (`Foreign Ministry`): combined with the "
        "country's names (`Russian Foreign Ministry`, `Foreign Ministry of Kazakhstan`).",
    )
    bare: bool = Field(
        default=False,
        description="The national names also match alone (`the Foreign Ministry`), resolved "
        "per document to the country the document is about or published in.",
    )
    kind: str
    country: str | None = Field(default=None, pattern=ISO3_PATTERN)
    wikidata: str | None = Field(default=None, pattern=r"^Q\d+$")
    parent: str | None = Field(default=None, pattern=REGISTRY_ID_PATTERN)

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        if v not in INSTITUTION_KINDS:
            raise ValueError(f"kind {v!r}: one of {', '.join(INSTITUTION_KINDS)}")
        return v

    @field_validator("acronyms")
    @classmethod
    def _acronyms(cls, v: list[str]) -> list[str]:
        for a in _clean(v, "acronym"):
            if not re.search(r"[A-Z]", a) or " " in a:
                raise ValueError(f"acronym {a!r}: needs a capital letter and no space")
        return v

    @field_validator("aliases", "exact", "organ", "national")
    @classmethod
    def _forms(cls, v: list[str]) -> list[str]:
        return _clean(v, "name")

    @model_validator(mode="after")
    def _consistent(self) -> RegistryRecord:
        if self.kind == "intergovernmental" and self.country is not None:
            raise ValueError(f"{self.id}: an intergovernmental body has no country")
        if self.national and self.country is None:
            raise ValueError(f"{self.id}: national names need a country")
        if self.bare and not self.national:
            raise ValueError(f"{self.id}: bare without national names")
        if self.organ and self.parent is None:
            raise ValueError(f"{self.id}: organ names need a parent")
        if self.parent == self.id:
            raise ValueError(f"{self.id}: is its own parent")
        return self


class CountryForms(BaseModel):
    """How a country is named before (`Kazakh`) and after (`of Kazakhstan`) a body's name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    before: list[str]
    after: list[str]


class RegistryConfig(BaseModel):
    """`_config.yaml` of the registry: spelling variants and country forms."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    spelling: list[list[str]] = Field(
        description="Groups of interchangeable words (Theatre/Theater, Lomonosov/Lomonossov)."
    )
    countries: dict[str, CountryForms]
    organ_joins: list[str] = Field(
        description="Templates joining an organ to its parent: `{parent} {organ}`, ..."
    )

    @field_validator("countries")
    @classmethod
    def _iso3(cls, v: dict[str, CountryForms]) -> dict[str, CountryForms]:
        for k in v:
            if not re.match(ISO3_PATTERN, k):
                raise ValueError(f"country {k!r} is not ISO alpha-3")
        return v


def validate_registry(records: Iterable[RegistryRecord]) -> list[RegistryRecord]:
    """Cross-record checks: unique ids, parents that exist, no name shared by two records.

    Raises `ValueError` naming every problem found.
    """
    recs = list(records)
    problems: list[str] = []
    ids: set[str] = set()
    for r in recs:
        if r.id in ids:
            problems.append(f"duplicate id {r.id!r}")
        ids.add(r.id)
    for r in recs:
        if r.parent is not None and r.parent not in ids:
            problems.append(f"{r.id}: parent {r.parent!r} is not in the registry")
    owner: dict[str, str] = {}
    for r in recs:
        forms = [(a, a) for a in r.acronyms + r.exact]
        forms += [(a.lower(), a) for a in [r.name, *r.aliases]]
        for key, shown in forms:
            prev = owner.setdefault(key, r.id)
            if prev != r.id:
                problems.append(f"{shown!r} names both {prev!r} and {r.id!r}")
    if problems:
        raise ValueError("institution registry: " + "; ".join(problems))
    return recs
