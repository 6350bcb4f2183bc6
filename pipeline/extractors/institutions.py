"""institutions: every organisation a document names, linked to one canonical record.

1. The registry (`pipeline/institution_registry.py`) finds names, aliases, acronyms, organs
   with their parent (`CIS Heads of State Council`) and national bodies with their country
   (`Russian Foreign Ministry`); blockers (`Soviet Union`, `Head of State`) find what is not
   an institution.
2. Discovery (`pipeline/institution_discovery.py`) finds capitalised names headed by an
   organisation word that the registry lacks.
3. Overlaps: the longest span wins; at equal length registry beats discovery. A discovered
   name made of a registry name plus generic words (`Samruk-Kazyna JSC`) is the registry
   institution; so is one whose head is a registry name's (`X Nazarbayev University`).
4. Within the document: an acronym defined in parentheses after a name (`... Organization
   (CSTO)`) and every later use of it are that name's institution; a national body named
   without its country (`the Foreign Ministry`) is the one of the same name the document
   names with a country, else the one of the publisher's country, else a generic record.

Pure and fast: the registry is compiled once (`functools.cache`), matching is Aho–Corasick.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from pipeline.document import Document
from pipeline.extractors.rows import InstitutionMentionRow
from pipeline.geo import country_iso3
from pipeline.institution_discovery import (
    Candidate,
    find_acronym_definitions,
    find_all,
    is_weak,
    lexicon,
    slug,
)
from pipeline.institution_registry import (
    NORMALISED,
    Automaton,
    Form,
    Found,
    Hit,
    Institution,
    Matcher,
    Registry,
    by_end,
    registry,
)

NAME = "institutions"
VERSION = "1.0"
TABLE = "institution_mentions"

#: rule -> confidence. Registry matches are surer than anything discovered.
CONFIDENCE: dict[str, float] = {
    "registry": 0.95,
    "organ": 0.95,
    "national": 0.95,
    "acronym": 0.9,
    "extended": 0.9,
    "national_bare": 0.8,
    "acronym_definition": 0.8,
    "discovered": 0.7,
    "generic": 0.6,
}

_PRIORITY = {"discovered": 2, "acronym_definition": 1}
_DATELINE_REACH = 300  # a short agency name (`/TASS/`) this near the start is a dateline
# the country after a bare national name, past an acronym in parentheses (`Ministry of Foreign
# Affairs (MFA) of Kazakhstan`)
_OF_COUNTRY = re.compile(
    r"(?: \([A-Z][A-Za-z0-9&.\-]{1,11}\))? of (?:the )?((?:[A-Z][\w'-]*)(?: [A-Z][\w'-]*){0,3})"
)


@dataclass(slots=True)
class _Span:
    start: int
    end: int
    rule: str
    target: int = -1  # registry institution index, or family index for `bare`; -1 none
    inst: Institution | None = None  # set for discovered spans
    prio: int = 0


def _discovered(name: str, kind: str, country: str | None, reg: Registry) -> Institution:
    return Institution(
        institution_id=slug(name, reg.spelling),
        name=name,
        acronym=None,
        kind=kind,
        country=country,
        wikidata_id=None,
        parent_id=None,
        source="discovered",
    )


_MODEL = re.compile(r" [A-Z]{0,3}-?\d{2,4}[A-Za-z]{0,3}\b")


def _hit_ok(text: str, h: Hit, reg: Registry) -> bool:
    """Not `Russian government-owned` (a national body inside a compound adjective) and not
    `Airbus A330` (a company name before a model number: a product)."""
    e = h.end
    if h.form.rule in ("national", "bare") and text[e : e + 1] == "-":
        return not text[e + 1 : e + 2].islower()
    if h.form.target >= 0 and reg.institutions[h.form.target].kind == "company":
        return _MODEL.match(text, e) is None
    return True


_JOIN_END = re.compile(r"(?:\s+(?:of|for|at|and)(?:\s+the)?|,)\s*$")


def _cut_at_crossing(
    text: str, c: Candidate, names: list[Hit], starts: list[int]
) -> Candidate | None:
    """`Institute of ... of the Higher School` crossing the registry's `Higher School of
    Economics`: the discovered name ends before the joiner that starts the registry name
    (`names` by start, `starts` their starts)."""
    for h in names[bisect_right(starts, c.start) : bisect_left(starts, c.end)]:
        if c.end < h.end:
            m = _JOIN_END.search(text, c.start, h.start)
            if m is None:
                return None
            end = m.start()
            if end <= c.start or end < c.head_end:
                return None
            return replace(c, end=end, name=" ".join(text[c.start : end].split()))
    return c


#: A word of the case-sensitive scan: `(length, registry folded form, registry exact form,
#: head word length, cue roles, the word)`.
_CasedWord = tuple[int, Form | None, Form | None, int, frozenset[str] | None, str]


@cache
def _scanner() -> tuple[Automaton[Form] | None, Automaton[_CasedWord]] | None:
    """Two Aho–Corasick automata for every word the extractor looks for: the registry's
    folded names over the case-folded text (`Matcher.haystacks`), and over the normalised text
    as written, the registry's case-sensitive forms (`Matcher.cased_forms`) with discovery's
    head words and cue phrases. One pass over each text instead of four passes; the head
    words and cues are checked in the text itself, as their own automata would find them.
    None when a head word or cue holds a character `normalise` changes (it would not be found
    so): each is then found on its own."""
    lex = lexicon()
    matcher = registry().matcher
    changed = {old for old, _ in NORMALISED}
    words: dict[str, list[Any]] = {}
    for key, (n, f, e) in matcher.cased_forms.items():
        words[key] = [n, f, e, 0, None, key]
    for w in lex.head_words:
        if changed.intersection(w):
            return None
        words.setdefault(w, [len(w), None, None, 0, None, w])[3] = len(w)
    for w, roles in lex.cue_roles:
        if changed.intersection(w):
            return None
        words.setdefault(w, [len(w), None, None, 0, None, w])[4] = roles
    if not words:
        return None
    cased: dict[str, _CasedWord] = {k: tuple(words[k]) for k in sorted(words)}
    return matcher.folded_automaton, Automaton(cased)


def _scan(
    text: str, scanner: tuple[Automaton[Form] | None, Automaton[_CasedWord]]
) -> tuple[Found, list[tuple[int, int]], list[tuple[int, Any]]]:
    """What the registry matcher, the head grammar and the cue grammar look for in `text`,
    each as its own automaton would yield it."""
    folded_ac, cased_ac = scanner
    norm, hay = Matcher.haystacks(text)
    folded: list[tuple[int, int, Form]] = []
    if folded_ac is not None:
        # a match inside a word (most matches of short names) is dropped here rather than by
        # the matcher, which tests the same first
        folded = folded_ac.at_word_start(hay)
    extra: list[tuple[int, int, Form]] = []
    exact: list[tuple[int, int, Form]] = []
    heads: list[tuple[int, int]] = []
    cues: list[tuple[int, Any]] = []
    value: _CasedWord
    for e, s, value in cased_ac.matches(norm):
        length, form, exact_form, head, roles, word = value
        if s > 0 and norm[s - 1].isalnum():
            # inside a word: the matcher drops a form there, the head and cue grammars a word
            # after a letter or digit (`norm[s - 1]` is one only when `text[s - 1]` is that
            # same character)
            if form is not None and not hay[s - 1].isalnum():
                extra.append((e, s, form))
            continue
        if form is not None:
            extra.append((e, s, form))
        if exact_form is not None:
            exact.append((e, s, exact_form))
        if (head or roles is not None) and text[s:e] == word:
            if head:
                heads.append((e - 1, head))
            if roles is not None:
                cues.append((e - 1, (length, roles)))
    if extra:
        folded = by_end(folded + extra)
    return (norm, hay, folded, exact), heads, cues


def _spans(text: str, reg: Registry) -> list[_Span]:
    """Registry hits and discovered names, before overlaps are resolved."""
    scanner = _scanner()
    if scanner is None:
        found_hits, found = reg.matcher.find(text), find_all(text)
    else:
        scanned, heads, cues = _scan(text, scanner)
        found_hits, found = reg.matcher.find(text, scanned), find_all(text, heads, cues)
    hits = [h for h in found_hits if _hit_ok(text, h, reg)]
    spans = [_Span(h.start, h.end, h.form.rule, h.form.target) for h in hits]
    names = sorted(
        (h for h in hits if h.form.rule in ("registry", "organ", "national", "bare")),
        key=lambda h: h.start,
    )
    starts = [h.start for h in names]
    lex = lexicon()
    for cand in found:
        c = _cut_at_crossing(text, cand, names, starts)
        if c is None:
            continue
        lo, hi = bisect_left(starts, c.start), bisect_left(starts, c.end)
        inside = [h for h in names[lo:hi] if h.end <= c.end]
        taken = False
        for h in inside:
            if (h.start, h.end) == (c.start, c.end):
                taken = True  # the registry has it: registry wins the tie anyway
                break
            residual = (text[c.start : h.start] + " " + text[h.end : c.end]).split()
            if is_weak(residual, lex):
                spans.append(_Span(c.start, c.end, "extended", h.form.target))
                taken = True
                break
            if h.end == c.end and h.start < c.head_end and " " in text[h.start : h.end]:
                # same head and a name of several words: the words before are noise
                taken = True
                break
        if not taken:
            inst = _discovered(c.name, c.kind, c.country, reg)
            spans.append(_Span(c.start, c.end, "discovered", inst=inst, prio=2))
    return spans


def _resolve(spans: list[_Span], n: int) -> list[_Span]:
    """Longest first, then registry before discovery; no two accepted spans overlap."""
    taken = bytearray(n)
    out: list[_Span] = []
    for sp in sorted(spans, key=lambda s: (s.start - s.end, s.prio, s.start)):
        if any(taken[sp.start : sp.end]):
            continue
        taken[sp.start : sp.end] = b"\x01" * (sp.end - sp.start)
        out.append(sp)
    out.sort(key=lambda s: s.start)
    return out


def _home_country(doc: Document, reg: Registry, accepted: list[_Span], text: str) -> str | None:
    """The country the document is published in: its publisher's, or a dateline agency's."""
    if doc.publisher:
        inst = reg.lookup(doc.publisher)
        if inst is not None and inst.country:
            return inst.country
    for sp in accepted:
        if sp.target >= 0 and sp.rule in ("registry", "acronym"):
            inst = reg.institutions[sp.target]
            quote = text[sp.start : sp.end]
            dateline = len(quote) > 4 or sp.start < _DATELINE_REACH
            if inst.kind == "media" and inst.country and quote.isupper() and dateline:
                return inst.country
    return None


def extract(doc: Document) -> list[InstitutionMentionRow]:
    """Rows of `institution_mentions` found in `doc`, in text order."""
    text = doc.text
    if not text:
        return []
    reg = registry()
    accepted = [s for s in _resolve(_spans(text, reg), len(text)) if s.rule != "block"]
    insts: list[tuple[_Span, Institution]] = []
    for sp in accepted:
        if sp.inst is not None:
            insts.append((sp, sp.inst))
        elif sp.rule != "bare":
            insts.append((sp, reg.institutions[sp.target]))
    insts = _media_short_names(insts)
    accepted, insts = _acronyms(text, accepted, insts)
    insts += _bare(doc, reg, accepted, insts)
    insts.sort(key=lambda p: p[0].start)
    rows: list[InstitutionMentionRow] = []
    for sp, inst in insts:
        rule = "registry" if sp.rule == "extended" else sp.rule
        row: InstitutionMentionRow = {  # a literal: faster than the TypedDict call
            "char_start": sp.start,
            "char_end": sp.end,
            "quote": text[sp.start : sp.end],
            "institution_id": inst.institution_id,
            "extractor": f"{NAME}/{rule}@{VERSION}",
            "confidence": CONFIDENCE[sp.rule],
            "name": inst.name,
            "acronym": inst.acronym,
            "kind": inst.kind,
            "country": inst.country,
            "wikidata_id": inst.wikidata_id,
            "parent_id": inst.parent_id,
            "source": inst.source,
        }
        rows.append(row)
    return rows


def _media_short_names(
    insts: list[tuple[_Span, Institution]],
) -> list[tuple[_Span, Institution]]:
    """A discovered medium named by the first part of a registry medium's name in the same
    document (`Report informs` after `REPORT.AZ`) is that medium."""
    known = {
        inst.name.lower().split(".")[0]: inst
        for _, inst in insts
        if inst.kind == "media" and inst.source == "registry" and "." in inst.name
    }
    if not known:
        return insts
    out = []
    for sp, inst in insts:
        if inst.source == "discovered" and inst.kind == "media":
            inst = known.get(inst.name.lower(), inst)
        out.append((sp, inst))
    return out


def _acronyms(
    text: str,
    accepted: list[_Span],
    insts: list[tuple[_Span, Institution]],
) -> tuple[list[_Span], list[tuple[_Span, Institution]]]:
    """`Full Name (ACR)`: ACR, wherever it stands in the document, is Full Name's institution
    (a document's own definition beats the registry's reading of the same letters)."""
    defs = find_acronym_definitions(text)
    if not defs:
        return accepted, insts
    by_end = {sp.end: inst for sp, inst in insts}
    bound: dict[str, Institution] = {}
    for s, _e, acr in defs:
        k = s - 1  # the `(`; the name ends before it, spaces between
        while k > 0 and text[k - 1] == " ":
            k -= 1
        inst = by_end.get(k)
        if inst is None or acr in bound or inst.acronym == acr:
            continue
        if inst.source == "discovered":
            if inst.name[:1].lower() != acr[:1].lower():
                continue  # not an acronym of this name
            inst = replace(inst, acronym=acr)
        bound[acr] = inst
    if not bound:
        return accepted, insts
    # every mention of a discovered institution gets the acronym it was given
    by_id = {inst.institution_id: inst for inst in bound.values()}
    insts = [(sp, by_id.get(inst.institution_id, inst)) for sp, inst in insts]
    pattern = re.compile(
        r"(?<![\w\-])(?:"
        + "|".join(re.escape(a) for a in sorted(bound, key=len, reverse=True))
        + r")(?![\w]|-[A-Z0-9])"
    )
    for m in pattern.finditer(text):
        s, e = m.start(), m.end()
        clash = [i for i, (sp, _) in enumerate(insts) if sp.start < e and s < sp.end]
        if clash and not (
            len(clash) == 1
            and insts[clash[0]][0].rule == "acronym"
            and (insts[clash[0]][0].start, insts[clash[0]][0].end) == (s, e)
        ):
            continue  # part of a longer name
        if clash:
            del insts[clash[0]]
        sp = _Span(s, e, "acronym_definition")
        insts.append((sp, bound[m.group(0)]))
        accepted.append(sp)
    return accepted, insts


def _country_after(text: str, end: int) -> str | None:
    """The country a bare national name is followed by (`Ministry of Education of the
    Kazakhstan`), when the registry's national forms did not catch it."""
    m = _OF_COUNTRY.match(text, end)
    if m is None:
        return None
    words = m.group(1).split()
    for n in range(len(words), 0, -1):
        iso = country_iso3(" ".join(words[:n]))
        if iso:
            return iso
    return None


def _families_of(reg: Registry) -> dict[int, int]:
    """Institution index -> index of its national family."""
    return {i: f for f, fam in enumerate(reg.families) for _, i in fam.by_country}


@cache
def _member_family() -> dict[int, int]:
    """`_families_of` the packaged registry, once."""
    return _families_of(registry())


def _bare(
    doc: Document,
    reg: Registry,
    accepted: list[_Span],
    insts: list[tuple[_Span, Institution]],
) -> list[tuple[_Span, Institution]]:
    """National bodies named without their country, resolved within the document."""
    bare = [sp for sp in accepted if sp.rule == "bare"]
    if not bare:
        return []
    named: dict[int, set[str]] = {}  # family -> countries the document names it with
    member_family = _member_family() if reg is registry() else _families_of(reg)
    for sp, inst in insts:
        if inst.source == "registry" and sp.target in member_family and inst.country:
            named.setdefault(member_family[sp.target], set()).add(inst.country)
    home = _home_country(doc, reg, accepted, doc.text)
    # a bare name followed by its country (`Foreign Ministry ... of Kazakhstan`) names it with
    # that country, as the registry's national forms do
    rights: list[int | None] = []
    for sp in bare:
        right = _country_after(doc.text, sp.end)
        idx = reg.families[sp.target].member(right) if right is not None else None
        rights.append(idx)
        if idx is not None and right is not None:
            named.setdefault(sp.target, set()).add(right)
    out: list[tuple[_Span, Institution]] = []
    for sp, idx in zip(bare, rights, strict=True):
        fam = reg.families[sp.target]
        countries = named.get(sp.target, set())
        if idx is not None:
            pass
        elif len(countries) == 1:
            idx = fam.member(next(iter(countries)))
        elif home is not None:
            idx = fam.member(home)
        if idx is not None:
            out.append((_Span(sp.start, sp.end, "national_bare", idx), reg.institutions[idx]))
        else:
            generic = _discovered(fam.name, fam.kind, None, reg)
            out.append((_Span(sp.start, sp.end, "generic"), generic))
    return out
