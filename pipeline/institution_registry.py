"""The institution registry: loading, validation, surface forms and the matcher.

The registry is data (`pipeline/lexicons/institutions/*.yaml`, one record per organisation,
validated by `schemas.institution_registry`). Each record gives its canonical name, acronyms,
aliases, organ names (combined with its parent's names) and national names (combined with
its country's names); `_config.yaml` adds spelling variants and the templates of those
combinations; `not_institutions.yaml` adds blockers (names that contain an institution's name
but are something else).

All surface forms go into two Aho–Corasick automata (`ahocorasick_rs`): one over the lower-cased
text for names, one over the text as written for acronyms, exact names and short names that
need a capital. Matching time is
linear in the text and does not grow with the number of names.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Generic, TypeVar

import ahocorasick_rs

from pipeline import lexicon
from schemas.institution_registry import (
    RegistryConfig,
    RegistryRecord,
    validate_registry,
)

_REGISTRY_DIR = "institutions"

# Length-preserving normalisation: every whitespace is a space, typographic quotes and dashes
# are ASCII. Applied to the text and to every surface form before matching.
_REPLACE: tuple[tuple[str, str], ...] = (
    ("\n", " "),
    ("\r", " "),
    ("\t", " "),
    ("\xa0", " "),
    ("\u2009", " "),
    ("\u202f", " "),
    ("\u2019", "'"),
    ("\u2018", "'"),
    ("\u02bc", "'"),
    ("\u201c", '"'),
    ("\u201d", '"'),
    ("\u00ab", '"'),
    ("\u00bb", '"'),
    ("\u2010", "-"),
    ("\u2011", "-"),
    ("\u2012", "-"),
    ("\u2013", "-"),
    ("\u2014", "-"),
    ("\u2212", "-"),
)
_ASCII_REPLACE = _REPLACE[:3]
#: `(character, what normalise writes for it)`.
NORMALISED = _REPLACE


def normalise(text: str) -> str:
    """`text` with spaces, quotes and dashes made ASCII; same length, same offsets."""
    # `str.replace` per character present is much faster than `str.translate` with a dict
    for old, new in _ASCII_REPLACE if text.isascii() else _REPLACE:
        if old in text:
            text = text.replace(old, new)
    return text


def fold(text: str) -> str:
    """Lower-cased `normalise(text)`, same length as `text` (so offsets stay valid)."""
    t = normalise(text)
    low = t.lower()
    if len(low) == len(t):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in t)


@dataclass(frozen=True, slots=True)
class Institution:
    """A linked organisation: what every mention row carries about it."""

    institution_id: str
    name: str
    acronym: str | None
    kind: str
    country: str | None
    wikidata_id: str | None
    parent_id: str | None
    source: str  # "registry" or "discovered"


@dataclass(frozen=True, slots=True)
class Form:
    """What a surface form points to.

    `rule`: `registry` (name or alias), `acronym`, `organ`, `national` (a national body with
    its country), `bare` (a national body without country: `target` is a family), `block`.
    """

    length: int
    target: int
    rule: str
    cap: bool = False  # the match must begin with a capital letter
    caps_word: bool = False  # an acronym that is also an English word


@dataclass(frozen=True, slots=True)
class Hit:
    start: int
    end: int
    form: Form


@dataclass(frozen=True, slots=True)
class Family:
    """National bodies that share generic names (`Ministry of Foreign Affairs`)."""

    name: str
    kind: str
    by_country: tuple[tuple[str, int], ...]  # (ISO3, index of the institution)

    def member(self, country: str | None) -> int | None:
        for c, i in self.by_country:
            if c == country:
                return i
        return None


def _boundary_ok(hay: str, s: int, e: int) -> bool:
    """A match `hay[s:e]` stands as whole words: `CIS` not in `CISCO`, `Akorda` not in
    `Akorda.kz`, `GRES` not in `GRES-2`; `CIS-wide` and `EAEU's` are fine."""
    n = len(hay)
    if s > 0:
        p = hay[s - 1]
        if p.isalnum() or (p in "-." and s > 1 and hay[s - 2].isalnum()):
            return False
    if e < n:
        c = hay[e]
        if c.isalnum():
            return False
        if c in "-." and e + 1 < n:
            d = hay[e + 1]
            if d.isalnum() and (c == "." or d.isupper() or d.isdigit()):
                return False
    return True


def _in_caps_run(text: str, s: int, e: int) -> bool:
    """The word before or after `text[s:e]` is also all capitals (a headline)."""
    before = text[max(0, s - 40) : s].split()
    after = text[e : e + 40].split()
    for words in (before[-1:], after[:1]):
        for w in words:
            letters = [c for c in w if c.isalpha()]
            if len(letters) >= 2 and all(c.isupper() for c in letters):
                return True
    return False


#: What `Matcher.find` matches in, and the automata's matches when already found (the
#: extractor finds them in one pass with other words): `(normalise(text), case-folded text,
#: folded-form matches in the latter, exact-form matches in the former)`; matches are
#: `(end, start, form)`, by end, the longest first at the same end (the order an Aho–Corasick
#: automaton of all folded forms, or of all exact forms, yields them).
Found = tuple[str, str, Iterable[tuple[int, int, "Form"]], Iterable[tuple[int, int, "Form"]]]

#: A folded form this short that must begin with a capital (`rt`, `eni`, `mfa`) is matched as
#: written (`RT`, `Rt`, `ENI`, ...) rather than case-folded: as a folded form it is mostly
#: found inside words (`report`), every one a match to drop.
CASED_MAX = 4
#: Characters other than `c` and `c.upper()` whose `lower()` is the ASCII letter `c` (`str.
#: lower` maps no other non-ASCII character to an ASCII one; a test checks every character).
LOWER_PREIMAGES: dict[str, str] = {"k": "\u212a"}
#: A key of the case-sensitive automaton: `(length, folded form or None, exact form or None)`.
CasedValue = tuple[int, "Form | None", "Form | None"]


def cased_variants(key: str) -> list[str]:
    """Every string of `normalise`d text whose case-folding is `key` (ASCII) and that begins
    with a capital: the only places where a folded form that needs a capital can match."""
    options: list[str] = []
    for i, c in enumerate(key):
        if "a" <= c <= "z":
            up = c.upper() + LOWER_PREIMAGES.get(c, "")
            options.append(up if i == 0 else c + up)
        elif i == 0:
            return []  # `text[s].isupper()` never holds: the form never matches
        else:
            options.append(c)
    return ["".join(p) for p in itertools.product(*options)]


class Matcher:
    """All registry forms in two Aho–Corasick automata: case-folded names over the case-folded
    text; exact acronyms and names, and short folded forms that need a capital (`CASED_MAX`,
    as their capitalised spellings), over the text as written (normalised)."""

    def __init__(self, folded: dict[str, Form], exact: dict[str, Form]) -> None:
        self.folded_forms: dict[str, Form] = folded  # folded name -> form
        self.exact_forms: dict[str, Form] = exact  # normalised acronym or exact name -> form
        self.size = len(folded) + len(exact)
        long: dict[str, Form] = {}
        cased: dict[str, list[Form | None]] = {}
        for key, form in folded.items():
            if form.cap and len(key) <= CASED_MAX and key.isascii():
                for v in cased_variants(key):
                    cased.setdefault(v, [None, None])[0] = form
            else:
                long[key] = form
        for key, form in exact.items():
            cased.setdefault(key, [None, None])[1] = form
        #: long folded name -> form, matched in the case-folded text
        self.long_forms: dict[str, Form] = long
        #: word -> `(length, folded form, exact form)`, matched in the normalised text
        self.cased_forms: dict[str, CasedValue] = {
            k: (len(k), f, e) for k, (f, e) in sorted(cased.items())
        }
        self._folded = Automaton.of(long)
        self._cased = Automaton.of(self.cased_forms)

    @property
    def folded_automaton(self) -> Automaton[Form] | None:
        """The automaton of `long_forms` (None when there are none)."""
        return self._folded

    @staticmethod
    def haystacks(text: str) -> tuple[str, str]:
        """`normalise(text)` (exact forms are matched in it) and the case-folded text (folded
        forms are matched in it); both of the length of `text`."""
        norm = normalise(text)
        hay = norm.lower()
        if len(hay) != len(text):
            hay = fold(text)
        return norm, hay

    def scan(self, text: str) -> Found:
        """The automata's matches in `text`, as `find` takes them."""
        norm, hay = self.haystacks(text)
        folded: list[tuple[int, int, Form]] = []
        if self._folded is not None:
            folded = self._folded.at_word_start(hay)
        exact: list[tuple[int, int, Form]] = []
        if self._cased is not None:
            extra: list[tuple[int, int, Form]] = []
            for end, start, (_n, f, e) in self._cased.matches(norm):
                if f is not None:
                    extra.append((end, start, f))
                if e is not None:
                    exact.append((end, start, e))
            if extra:
                folded = by_end(folded + extra)
        return norm, hay, folded, exact

    def find(self, text: str, found: Found | None = None) -> list[Hit]:
        """Every match in `text` that stands as whole words (overlaps included)."""
        hits: list[Hit] = []
        norm, hay, folded, exact = self.scan(text) if found is None else found
        n = len(hay)
        for e, s, form in folded:
            # `_boundary_ok(hay, s, e)`, inlined: most folded forms are tested here
            if s > 0:
                p = hay[s - 1]
                if p.isalnum() or (p in "-." and s > 1 and hay[s - 2].isalnum()):
                    continue
            if e < n:
                c = hay[e]
                if c.isalnum():
                    continue
                if c in "-." and e + 1 < n:
                    d = hay[e + 1]
                    if d.isalnum() and (c == "." or d.isupper() or d.isdigit()):
                        continue
            if form.cap and not text[s].isupper():
                continue
            hits.append(Hit(s, e, form))
        for e, s, form in exact:
            if not _boundary_ok(norm, s, e):
                continue
            if form.caps_word and _in_caps_run(text, s, e):
                continue
            hits.append(Hit(s, e, form))
        return hits


V = TypeVar("V")


def by_end(matches: list[tuple[int, int, V]]) -> list[tuple[int, int, V]]:
    """`(end, start, value)` matches by end, the longest first at the same end (no two
    share both: the values are never compared)."""
    matches.sort()
    return matches


class Automaton(Generic[V]):
    """An Aho–Corasick automaton (`ahocorasick_rs`: a DFA, its time linear in the text) over
    distinct keys with values: matches as `(end, start, value)`, `by_end`."""

    def __init__(self, forms: dict[str, V]) -> None:
        self.keys = list(forms)
        self.values = list(forms.values())
        self._ac = ahocorasick_rs.AhoCorasick(
            self.keys,
            matchkind=ahocorasick_rs.MatchKind.Standard,
            implementation=ahocorasick_rs.Implementation.DFA,
        )
        self._find = self._ac.find_matches_as_indexes

    @classmethod
    def of(cls, forms: dict[str, V]) -> Automaton[V] | None:
        return cls(forms) if forms else None

    def matches(self, text: str) -> list[tuple[int, int, V]]:
        """Every match (overlaps included)."""
        values = self.values
        return by_end([(e, s, values[i]) for i, s, e in self._find(text, overlapping=True)])

    def at_word_start(self, text: str) -> list[tuple[int, int, V]]:
        """The matches that do not begin inside a word (after a letter or digit)."""
        values = self.values
        return by_end(
            [
                (e, s, values[i])
                for i, s, e in self._find(text, overlapping=True)
                if s == 0 or not text[s - 1].isalnum()
            ]
        )


# --- loading -------------------------------------------------------------------------------


@cache
def load_config() -> RegistryConfig:
    return RegistryConfig.model_validate(lexicon.load(f"{_REGISTRY_DIR}/_config.yaml"))


@cache
def load_not_institutions() -> dict[str, list[str]]:
    data: dict[str, list[str]] = lexicon.load("not_institutions.yaml")
    return data


def load_records() -> list[RegistryRecord]:
    """Every record of `pipeline/lexicons/institutions/*.yaml` (files starting with `_` are
    configuration), validated one by one and together."""
    records: list[RegistryRecord] = []
    for name in lexicon.files(f"{_REGISTRY_DIR}/*.yaml"):
        if name.rsplit("/", 1)[-1].startswith("_"):
            continue
        data = lexicon.load(name)
        defaults = data.get("defaults") or {}
        for raw in data.get("records") or []:
            try:
                records.append(RegistryRecord.model_validate({**defaults, **raw}))
            except ValueError as exc:
                raise ValueError(f"{name}: {raw.get('id', raw)}: {exc}") from exc
    return validate_registry(records)


# --- surface forms -------------------------------------------------------------------------


def spelling_map(config: RegistryConfig) -> dict[str, tuple[str, ...]]:
    """Lower-cased word -> every spelling of its group."""
    out: dict[str, tuple[str, ...]] = {}
    for group in config.spelling:
        for w in group:
            out[w.lower()] = tuple(group)
    return out


def spelling_variants(form: str, spelling: dict[str, tuple[str, ...]], cap: int = 64) -> list[str]:
    """`form` with each word replaced by its spelling variants (and `-` by a space), in a fixed
    order (the product of the words' groups), without repeats."""
    words = form.split(" ")
    options = [spelling.get(w.lower()) or (w,) for w in words]
    if max(map(len, options)) == 1:
        only = " ".join([o[0] for o in options])
        if "-" not in only:
            return [only]  # most forms: no variant
    out: dict[str, None] = {}
    for combo in itertools.islice(itertools.product(*options), cap):
        v = " ".join(combo)
        out[v] = None
        if "-" in v:
            out[" ".join(p for p in v.replace("-", " ").split(" ") if p)] = None
    return list(out)


def _organ_forms(
    rec: RegistryRecord, parent: RegistryRecord | None, joins: list[str]
) -> Iterator[str]:
    if parent is None:
        return
    parents = [*parent.acronyms, parent.name, *parent.aliases]
    for organ in rec.organ:
        for p in parents:
            for j in joins:
                yield j.format(parent=p, organ=organ)


def _national_forms(rec: RegistryRecord, config: RegistryConfig) -> Iterator[tuple[str, bool]]:
    """`(form, country after)`: every national name with its country's names before it
    (`Kazakh Foreign Ministry`) and after it (`Foreign Ministry of Kazakhstan`)."""
    if rec.country is None or rec.country not in config.countries:
        return
    cf = config.countries[rec.country]
    for f in rec.national:
        for b in cf.before:
            yield f"{b} {f}", False
        for a in cf.after:
            yield f"{f} {a}", True


@dataclass(frozen=True)
class Registry:
    """The loaded registry: institutions, national families, matcher, name lookup."""

    institutions: tuple[Institution, ...]
    families: tuple[Family, ...]
    matcher: Matcher
    spelling: dict[str, tuple[str, ...]]
    names: dict[str, int]  # folded name/alias/acronym -> institution index

    def lookup(self, name: str) -> Institution | None:
        """The institution a name, alias or acronym (as written anywhere) denotes."""
        key = name.strip()
        i = self.names.get(key)
        if i is None:
            i = self.names.get(fold(key.removeprefix("the ").removeprefix("The ")))
        return self.institutions[i] if i is not None else None


def build_registry(
    records: Iterable[RegistryRecord],
    config: RegistryConfig,
    blockers: Iterable[str] = (),
    caps_words: Iterable[str] = (),
) -> Registry:
    """Compile records into a `Registry`. Explicit names win over generated combinations, and
    generated combinations over blockers, when two would share a surface form."""
    recs = list(records)
    spelling = spelling_map(config)
    caps = set(caps_words)
    by_id = {r.id: r for r in recs}
    index = {r.id: i for i, r in enumerate(recs)}
    institutions = tuple(
        Institution(
            institution_id=r.id,
            name=r.name,
            acronym=r.acronyms[0] if r.acronyms else None,
            kind=r.kind,
            country=r.country,
            wikidata_id=r.wikidata,
            parent_id=r.parent,
            source="registry",
        )
        for r in recs
    )
    folded: dict[str, Form] = {}
    exact: dict[str, Form] = {}
    names: dict[str, int] = {}

    # folded forms of a national name with its country after it: no capital needed (`the
    # government of Kazakhstan`), also when a record's own name is the same form
    uncapped: set[str] = set()

    def put_folded(
        form: str, target: int, rule: str, explicit: bool, lower_ok: bool = False
    ) -> None:
        # variants that fold alike (`Al-Farabi`, `al-Farabi`) need a capital only when all
        # begin with one
        variants = spelling_variants(form, spelling)
        caps: dict[str, bool] = {}
        if len(variants) == 1:  # most forms
            caps[fold(variants[0])] = variants[0][:1].isupper()
        else:
            for v in variants:
                key = fold(v)
                caps[key] = caps.get(key, True) and v[:1].isupper()
        for key, cap in caps.items():
            if key in folded and not explicit:
                continue
            if lower_ok:
                uncapped.add(key)
            cap = cap and key not in uncapped
            folded[key] = Form(len(key), target, rule, cap=cap)
            if explicit:
                names[key] = target

    # families of bare national names
    family_of: dict[str, int] = {}
    fam_members: list[list[tuple[str, int]]] = []
    fam_head: list[tuple[str, str]] = []
    for r in recs:
        if not r.bare:
            continue
        key = fold(r.national[0])
        if key not in family_of:
            family_of[key] = len(fam_members)
            fam_members.append([])
            fam_head.append((r.national[0], r.kind))
        fam = family_of[key]
        if any(c == r.country for c, _ in fam_members[fam]):
            raise ValueError(f"institution registry: two {r.country} records for {key!r}")
        fam_members[fam].append((r.country or "", index[r.id]))
        for f in r.national:
            prev = family_of.setdefault(fold(f), fam)
            if prev != fam:
                raise ValueError(f"institution registry: {f!r} is in two national families")
    families = tuple(
        Family(name, kind, tuple(m)) for (name, kind), m in zip(fam_head, fam_members, strict=True)
    )

    for b in blockers:  # lowest priority: written first, overwritten by anything else
        put_folded(b, -1, "block", explicit=False)
    for key, form in folded.items():
        if form.rule == "block":  # a title blocks in any case: `head of government of ...`
            folded[key] = Form(form.length, form.target, form.rule)
    for r in recs:
        if r.bare:
            for f in r.national:
                put_folded(f, family_of[fold(f)], "bare", explicit=False)
    for r in recs:
        i = index[r.id]
        parent = by_id.get(r.parent) if r.parent else None
        for f in _organ_forms(r, parent, config.organ_joins):
            put_folded(f, i, "organ", explicit=False)
        for f, after in _national_forms(r, config):
            put_folded(f, i, "national", explicit=False, lower_ok=after)
    for r in recs:
        i = index[r.id]
        for f in [r.name, *r.aliases]:
            put_folded(f, i, "registry", explicit=True)
        for a in [*r.acronyms, *r.exact]:
            key = normalise(a)
            exact[key] = Form(len(key), i, "acronym", caps_word=a in caps)
            names[a] = i
    return Registry(institutions, families, Matcher(folded, exact), spelling, names)


@cache
def registry() -> Registry:
    """The packaged registry, loaded and compiled once."""
    nots = load_not_institutions()
    return build_registry(
        load_records(),
        load_config(),
        blockers=nots.get("blockers") or [],
        caps_words=nots.get("caps_words") or [],
    )
