"""Discovery of organisations the registry lacks.

Two grammars, both over the text as written:

- a capitalised name headed by an organisation word (`pipeline/lexicons/org_heads.yaml`):
  capitalised modifiers before the head (`Kazakh National University`), an optional tail
  after `of/for/on/under` (`Institute of International Relations`, `Agency for Strategic
  Planning and Reforms`) or `named after` (`... named after al-Farabi`), or a legal form
  (`KEGOC JSC`, `JSC Russian Railways`). The kind comes from the head word.
- an acronym defined in parentheses right after a name: `Collective Security Treaty
  Organization (CSTO)`.

A name followed by an event or document word (`Theatre Festival`, `Union Treaty`) is not an
organisation; nor is a country (`Soviet Union` is a blocker of the registry).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import ahocorasick

from pipeline import lexicon as lexicons
from pipeline.geo import country_iso3, find_places
from pipeline.people import find_people

_QUOTES = "\"'«»“”„‘’"
_OPEN_QUOTES = '"«“„‘'
_CLOSE_QUOTES = '"»”’'
_END_PUNCT = ",;:!?)]}"
_INITIALS = re.compile(r"^(?:[A-Z]\.){1,3}(?:[A-Z][a-z]+\.?)?$|^(?:St|Mt)\.$")
_NAME_TOKEN = re.compile(
    r"^(?:[A-Z0-9][\w'’.\-]*|[a-z]{1,3}-[A-Z][\w'’\-]*|&|(?:[A-Z]\.){1,3}[A-Z]?[a-z]*)$"
)
_TOKEN = re.compile(r"\S+")
_LEFT = 160  # characters a name may extend left of its head word
_RIGHT = 200  # ... and right of it
# `_candidate_at` reads at most 9 tokens left of the head and 15 right of it: the windows are
# cut to these counts (with a margin) when they hold more
_NEAR_LEFT = 10
_NEAR_RIGHT = 18
_NEAR_CHARS = 96  # characters before the head where `_NEAR_LEFT` tokens are looked for first
_SHORT_CHARS = 40  # ... and before that, where the left part of most names stops
_ACRONYM_DEF = re.compile(r"\(\s*([A-Z][A-Za-z0-9&.\-]{1,11})\s*\)")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A discovered name: `text[start:end]`, its kind and country where the name tells."""

    start: int
    end: int
    name: str
    kind: str
    country: str | None
    head_end: int = 0  # end of the head word (`University`), inside [start, end]


@dataclass(frozen=True)
class Lexicon:
    heads: dict[str, str]  # head (one or more words) -> kind
    head_ac: Any  # Aho-Corasick automaton of the last words of heads (case-sensitive)
    legal: frozenset[str]
    weak: frozenset[str]  # lower-cased
    stop: frozenset[str]
    possessive_ok: frozenset[str]
    openers: frozenset[str]
    joiners: frozenset[str]
    event_words: frozenset[str]
    and_words: frozenset[str] = frozenset()
    media_words: frozenset[str] = frozenset()
    cue_ac: Any = None  # Aho-Corasick: cue or apposition phrase -> its roles
    apposition_kind: tuple[tuple[str, str], ...] = ()
    route_re: Any = None
    #: `(anchor, spaces, reach)`: every route head holds one of these words; a route name
    #: ends within `reach` characters after it and starts after the `spaces`-th space
    #: before it (empty: look for routes in the whole text)
    route_anchors: tuple[tuple[str, int, int], ...] = ()
    located: frozenset[str] = frozenset()
    head_words: tuple[str, ...] = ()  # the keys of `head_ac`
    cue_roles: tuple[tuple[str, frozenset[str]], ...] = ()  # the keys and values of `cue_ac`


#: `(end - 1, length)` of head words, as `Lexicon.head_ac.iter(text)` yields them.
HeadHits = Iterable[tuple[int, int]]
#: `(end - 1, (length, roles))` of cue phrases, as `Lexicon.cue_ac.iter(text)` yields them.
CueHits = Iterable[tuple[int, tuple[int, frozenset[str]]]]


@cache
def lexicon() -> Lexicon:
    heads_data: dict[str, Any] = lexicons.load("org_heads.yaml")
    nots: dict[str, Any] = lexicons.load("not_institutions.yaml")
    heads: dict[str, str] = dict(heads_data["heads"])
    legal = frozenset(heads_data["legal_forms"])
    head_words = tuple(sorted({h.split()[-1] for h in heads} | legal))
    head_ac = ahocorasick.Automaton()
    for w in head_words:
        head_ac.add_word(w, len(w))
    head_ac.make_automaton()
    cue_roles = _cue_roles(heads_data)
    return Lexicon(
        heads=heads,
        head_ac=head_ac,
        legal=legal,
        weak=frozenset(w.lower() for w in heads_data["weak_words"]),
        stop=frozenset(heads_data["stop_words"]),
        possessive_ok=frozenset(heads_data["possessive_ok"]),
        openers=frozenset(heads_data["tail_openers"]),
        joiners=frozenset(heads_data["tail_joiners"]),
        event_words=frozenset(nots["event_words"]),
        and_words=frozenset(heads_data.get("and_words") or ()),
        media_words=frozenset(heads_data.get("media_words") or ()),
        cue_ac=_cue_automaton(cue_roles),
        apposition_kind=tuple(
            (k.lower(), v)
            for d in ("appositive_before", "lowercase_after")
            for k, v in (heads_data.get(d) or {}).items()
        ),
        route_re=_route_pattern(heads_data.get("route_heads") or ()),
        route_anchors=_route_anchors(heads_data.get("route_heads") or ()),
        located=frozenset(heads_data.get("located_heads") or ()),
        head_words=head_words,
        cue_roles=cue_roles,
    )


# A name in the grammars below: capitalised tokens (`Frank RG`, `REPORT.AZ`, `News.Az`),
# `de`/`&` between capitalised tokens (`Electricite de France`, `Korea Hydro & Nuclear Power`).
_CAP = r"(?:[A-Z][\w'’.\-]*[\w]|[A-Z])"
_NAME = rf"{_CAP}(?:(?: (?:de|du|des|la|&))? {_CAP}){{0,5}}"


def _alt(words: Any) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_ROLES = (
    ("media_cues", "strong_before", "sb"),
    ("media_cues", "weak_before", "wb"),
    ("media_cues", "strong_after", "sa"),
    ("appositive_before", None, "nb"),
    ("lowercase_after", None, "na"),
)


def _cue_roles(data: dict[str, Any]) -> tuple[tuple[str, frozenset[str]], ...]:
    """Every cue and apposition phrase, with the roles it plays (`reports` both precedes
    and follows a name)."""
    roles: dict[str, set[str]] = {}
    for key, sub, role in _ROLES:
        group = (data.get(key) or {}).get(sub) if sub else data.get(key)
        for w in group or ():
            roles.setdefault(w, set()).add(role)
    return tuple((w, frozenset(r)) for w, r in roles.items())


def _cue_automaton(cue_roles: tuple[tuple[str, frozenset[str]], ...]) -> Any:
    if not cue_roles:
        return None
    a = ahocorasick.Automaton()
    for w, r in cue_roles:
        a.add_word(w, (len(w), r))
    a.make_automaton()
    return a


def _cues(
    text: str, lex: Lexicon, wanted: frozenset[str], hits: CueHits | None = None
) -> list[tuple[int, int, frozenset[str]]]:
    """`(start, end, roles)` of the cue phrases in `text` that stand as whole words
    (`hits`: the automaton's matches in `text`, when already found)."""
    out: list[tuple[int, int, frozenset[str]]] = []
    if hits is None:
        if lex.cue_ac is None:
            return out
        hits = lex.cue_ac.iter(text)
    n = len(text)
    for last, (length, roles) in hits:
        s, e = last + 1 - length, last + 1
        if roles.isdisjoint(wanted):
            continue
        if (s > 0 and text[s - 1].isalnum()) or (e < n and text[e].isalnum()):
            continue
        out.append((s, e, roles))
    return out


_MEDIA_ROLES = frozenset({"sb", "wb", "sa"})
_APPOSITION_ROLES = frozenset({"nb", "na"})


_NAME_AT = re.compile(_NAME)
_NAME_END = re.compile(rf"(?<![\w'’.\-])(?:{_NAME})$")
_BACK = 120  # characters a name before a cue may span


def _skip_back(text: str, pos: int, extra: str, forward: int = 0) -> int:
    """`pos` moved over one space (backwards, or forwards when `forward`), and before that
    over one of `extra` (`, `); -1 when there is no space there."""
    if forward:
        return pos + 1 if text[pos : pos + 1] == " " else -1
    if pos > 0 and text[pos - 1] == " ":
        pos -= 1
        if extra and pos > 0 and text[pos - 1] in extra.strip():
            pos -= 1
        return pos
    return -1


def _skip_the(text: str, pos: int) -> int:
    """`pos` after `<cue>` moved over ` ` and an optional `the `; -1 without the space."""
    if text[pos : pos + 1] != " ":
        return -1
    pos += 1
    return pos + 4 if text.startswith("the ", pos) else pos


_NOT_NAME_CHAR = re.compile(r"[^\w'’.\-& ]")  # no character of `_NAME` is one of these


def _name_before(text: str, pos: int) -> tuple[int, int] | None:
    """The name that ends at `pos` (`_NAME_END.search` in the `_BACK` characters before it):
    looked for only after the last character that no name holds, as no match starts before
    it (`$` matches before a final newline too: the name then ends before it)."""
    if pos <= 0:
        return None
    lo = max(0, pos - _BACK)
    end = pos - 1 if text[pos - 1] == "\n" else pos
    bad = _NOT_NAME_CHAR.search(text[lo:end][::-1])
    if bad is not None:
        lo = end - bad.start()
    m = _NAME_END.search(text, lo, pos)
    return (m.start(), m.end()) if m is not None else None


def _name_after(text: str, pos: int) -> tuple[int, int] | None:
    if pos < 0:
        return None
    m = _NAME_AT.match(text, pos)
    return (m.start(), m.end()) if m is not None else None


def _route_pattern(heads: Any) -> Any:
    if not heads:
        return None
    part = r"[A-Z][a-z]++(?:-[A-Z][a-z]++)+"
    # the lookbehind after the first capital (not before it) lets `re` skip to capitals fast;
    # `[a-z]++` never gives letters back (nothing after it could take them)
    first = r"[A-Z](?<![\w\-].)[a-z]++(?:-[A-Z][a-z]++)+"
    return re.compile(
        rf"(?P<a>{first})(?:(?:,| and|, and) (?P<b>{part}))? (?:{_alt(heads)})(?![\w])"
    )


#: Words every route head holds one of (a text without them names no route).
_ROUTE_ANCHORS = ("pipeline", "gas main")


def _route_anchors(heads: Any) -> tuple[tuple[str, int, int], ...]:
    """`Lexicon.route_anchors`: a route name (`A-B, and C-D <head>`) holds 3 spaces before
    its head and none elsewhere but in the head; it ends with the head, and the character
    after it is read (the head is a whole word)."""
    out: dict[str, tuple[int, int]] = {}
    for head in heads:
        anchor = next((a for a in _ROUTE_ANCHORS if a in head), None)
        if anchor is None:
            return ()
        i = head.index(anchor)
        spaces, reach = out.get(anchor, (0, 0))
        out[anchor] = (max(spaces, 3 + head[:i].count(" ") + 1), max(reach, len(head) - i + 1))
    return tuple((a, sp, r) for a, (sp, r) in sorted(out.items()))


def _core(tok: str) -> str:
    return tok.strip(_QUOTES)


def _is_name_token(tok: str, lex: Lexicon) -> bool:
    core = tok.strip(_QUOTES)
    return bool(core) and core not in lex.stop and bool(_NAME_TOKEN.match(core))


def _ends_clause(tok: str) -> bool:
    """The token carries punctuation that ends a name (`Bank,`, `Astana.`; not `L.N.`)."""
    if tok[-1:].isalnum():
        return False  # most tokens
    t = tok.rstrip(_CLOSE_QUOTES)
    if not t:
        return True
    if t[-1] in _END_PUNCT:
        return True
    return t.endswith(".") and not _INITIALS.match(t)


def _possessive(core: str) -> bool:
    return core.endswith(("'s", "’s", "s'", "s’"))


def is_weak(words: list[str], lex: Lexicon) -> bool:
    """Every word adds nothing to a name: generic words, legal forms, countries, `named after`
    and what follows it."""
    i = 0
    while i < len(words):
        w = words[i].strip(_QUOTES).rstrip(".,")
        if w.lower() == "named" and i + 1 < len(words) and words[i + 1].lower() == "after":
            return True
        if not w or w.lower() in lex.weak or w in lex.legal or country_iso3(w):
            i += 1
            continue
        # multi-word country names: `Republic of Kazakhstan`, `Russian Federation`
        for n in (4, 3, 2):
            if i + n <= len(words) and country_iso3(" ".join(words[i : i + n])):
                i += n
                break
        else:
            return False
    return True


def _joins_subjects(text: str, toks: list[tuple[int, int]], j: int, lex: Lexicon) -> bool:
    """`toks[j]` is `and` between two subject words of one name (`Oil and Gas`)."""
    left = text[toks[j - 1][0] : toks[j - 1][1]].strip(_QUOTES)
    right = text[toks[j + 1][0] : toks[j + 1][1]].strip(_QUOTES)
    return left in lex.and_words and right[:1].isupper() and not _ends_clause(left)


def _head_len(words: list[str], lex: Lexicon) -> int:
    """How many of the last `words` make the head (`News Agency` -> 2)."""
    for n in (3, 2, 1):
        if len(words) >= n:
            key = " ".join(w.strip(_QUOTES).rstrip(",;:!?).") for w in words[-n:])
            if key in lex.heads:
                return n
    return 1


_NUMBERED = re.compile(r"-\d+$")  # `GRES-2`


def _head_kind(words: list[str], lex: Lexicon) -> str | None:
    """Kind of the head: the longest head (`News Agency`) ending the words."""
    last = [w.strip(_QUOTES).rstrip(",;:!?)") for w in words[-3:]]
    for n in (3, 2, 1):
        if len(last) >= n:
            key = " ".join(last[-n:])
            if "-" in key:
                key = _NUMBERED.sub("", key)
            for k in (key, key.rstrip(".")):
                if k in lex.heads:
                    return lex.heads[k]
                if n == 1 and k in lex.legal:
                    return "company"
    return None


def _window(text: str, hs: int, he: int, lex: Lexicon) -> tuple[list[tuple[int, int]], int, int]:
    """Tokens around the head `text[hs:he]`, the index of the head token and the index of the
    first token of the name's left part (`_left_extent`).

    The tokens of `_LEFT` characters before the head (the first dropped when the window cuts
    it) and of `_RIGHT` after it, as far as the grammar reads them: `_candidate_at` reads at
    most `_NEAR_RIGHT` tokens right of the head, and only the head and the word after it
    when `_reads_on` says it reads no further. On the left, the tokens of the last
    `_SHORT_CHARS` characters are enough when the left part stops inside them, else those of
    the last `_NEAR_CHARS` when there are `_NEAR_LEFT` of them (more than it reads), else all.
    """
    n = len(text)
    hi_end = min(n, he + _RIGHT)
    tokens = _TOKEN.finditer(text, hs, hi_end)
    right = [t.span() for t in itertools.islice(tokens, 2)]
    if len(right) == 2 and _reads_on(text, right, lex):
        right += [t.span() for t in itertools.islice(tokens, _NEAR_RIGHT - 2)]
    if len(right) < _NEAR_RIGHT and he + _RIGHT < n and len(right) > 1 and right[-1][1] == hi_end:
        right = right[:-1]  # cut by the window (only the last token of the window can be)

    lo = max(0, hs - _LEFT)
    if hs > _SHORT_CHARS and _stops_before(text, hs, lex):
        # the left part is empty: the tokens before the head are never read (the grammar
        # reads no token left of the first of the name), so they are left out
        return right, 0, 0
    for chars, enough in ((_SHORT_CHARS, 0), (_NEAR_CHARS, _NEAR_LEFT)):
        near = hs - chars
        if near <= lo:
            break
        left = [t.span() for t in _TOKEN.finditer(text, near, hs)]
        if left and left[0][0] == near:
            left = left[1:]  # may be cut; the full window has it whole
        if len(left) < enough:
            continue
        toks = left + right
        first, stop = _left_extent(text, toks, len(left), lex)
        if enough or stop >= 1:  # the left part stops inside these tokens
            return toks, len(left), first
    left = [t.span() for t in _TOKEN.finditer(text, lo, hs)]
    if hs > _LEFT and left and left[0][0] == lo:
        left = left[1:]  # may be cut
    toks = left + right
    return toks, len(left), _left_extent(text, toks, len(left), lex)[0]


def _stops_before(text: str, hs: int, lex: Lexicon) -> bool:
    """`_left_extent` over the tokens of the `_SHORT_CHARS` characters before the head at
    `hs` stops at once, at the word before the head, and it is not their first token (the
    window's first pass keeps that result): most heads (`the Ministry`, `at Nazarbayev`)."""
    near = hs - _SHORT_CHARS
    seg = text[near:hs]
    words = seg.split()  # the tokens of `_TOKEN.finditer(text, near, hs)`
    if len(words) - (not seg[0].isspace()) < 2:  # the first is dropped when it may be cut
        return False
    tok = words[-1]
    if "a" <= tok[0] <= "z" and "-" not in tok[1:4] and not tok.startswith("and"):
        return True
    if _ends_clause(tok) or "\n" in seg[len(seg.rstrip()) :]:
        return True
    core = tok.strip(_QUOTES)
    if _possessive(core) and core not in lex.possessive_ok:
        return True
    if core in ("and", "&"):
        return False  # may join two words of the name
    return not _is_name_token(tok, lex)


def _left_extent(text: str, toks: list[tuple[int, int]], hi: int, lex: Lexicon) -> tuple[int, int]:
    """Index of the first token of the capitalised modifiers left of the head `toks[hi]`, and
    the index where the scan stopped (it read `toks[stop - 1 :]` at most; below 1 when it
    reached the first token)."""
    first = hi
    j = hi - 1
    while j >= 0 and hi - j <= 8:
        tok = text[toks[j][0] : toks[j][1]]
        if "a" <= tok[0] <= "z" and "-" not in tok[1:4] and not tok.startswith("and"):
            break  # most words before a name: a lower-case word is no name token
        if _ends_clause(tok) or not _gap_ok(text, toks[j][1], toks[j + 1][0]):
            break
        core = tok.strip(_QUOTES)
        if _possessive(core) and core not in lex.possessive_ok:
            break
        if core in ("and", "&") and j > 0 and _joins_subjects(text, toks, j, lex):
            j -= 1  # `Oil and Gas University`: the word before `and` is a subject of the name
            continue
        if not _is_name_token(tok, lex):
            break
        first = j
        if tok[:1] in _OPEN_QUOTES:
            break
        j -= 1
    return first, j


def _reads_on(text: str, right: list[tuple[int, int]], lex: Lexicon) -> bool:
    """`_candidate_at` may read past the word after the head: the head is a legal form (`JSC
    Russian Railways`) or that word opens a tail (`of`, `named`, `in`). Otherwise the head and
    the word after it are all it reads on the right."""
    (hs, he), (ns, ne) = right
    if text[hs:he].strip(_QUOTES).rstrip(".,;:!?)") in lex.legal:
        return True
    ncore = text[ns:ne].strip(_QUOTES).rstrip(".,;:!?)")
    return ncore in lex.openers or ncore == "named" or ncore == "in"


def find_candidates(text: str, heads: HeadHits | None = None) -> list[Candidate]:
    """Names headed by an organisation word, left to right (overlaps possible); `heads`: the
    head automaton's matches in `text`, when already found."""
    lex = lexicon()
    out: list[Candidate] = []
    n = len(text)
    for end, length in lex.head_ac.iter(text) if heads is None else heads:
        hs, he = end + 1 - length, end + 1
        if hs > 0 and (text[hs - 1].isalnum() or text[hs - 1] == "-"):
            continue
        if he < n and text[he] == "-" and he + 1 < n and text[he + 1].isdigit():
            he += 1  # GRES-2
            while he < n and text[he].isdigit():
                he += 1
        if he < n and text[he].isalnum():
            continue
        cand = _candidate_at(text, *_window(text, hs, he, lex), lex)
        if cand is not None:
            out.append(cand)
    return out


def _media_like(name: str, lex: Lexicon) -> bool:
    """`KazTAG`, `REPORT.AZ`, `News.Az`, `Kazakhstan Today`: a name that reads as a medium."""
    for w in name.split():
        if w in lex.media_words:
            return True
        if "." in w.strip(".") and any(c.isalpha() for c in w.rsplit(".", 1)[-1]):
            return True
        if sum(c.isupper() for c in w) >= 2:
            return True
    return False


_FIRST_WORD = re.compile(r"\S+ ")


def _trim_name(text: str, s: int, e: int, lex: Lexicon) -> tuple[int, int]:
    """`text[s:e]` without leading stop words (`Meanwhile`, `The`) and edge punctuation."""
    while True:
        m = _FIRST_WORD.match(text, s, e)
        if m is None or text[s : m.end() - 1] not in lex.stop:
            break
        s = m.end()
    while e > s and text[e - 1] in ".,;:'’-/":
        e -= 1
    return s, e


def _is_place(name: str) -> bool:
    if country_iso3(name):
        return True
    places = find_places(name)
    return any(p.start == 0 and p.end == len(name) for p in places)


_HEADLINE_MAX = 110  # characters: a longer line is a sentence, whatever its capitals
_HEADLINE_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*")


def _title_line(text: str, pos: int) -> tuple[int, int] | None:
    """The line around `pos` when it is a headline in Title Case (`Kazakh Energy Firm
    Suggests Russia's Gazprom Build Gas Pipeline`), else None."""
    a = text.rfind("\n", 0, pos) + 1
    b = text.find("\n", pos)
    b = len(text) if b < 0 else b
    line = text[a:b].strip()
    if line.startswith(" date ") or line.startswith("date "):
        line = line[16:]
    if len(line) > _HEADLINE_MAX:
        return None  # a paragraph (most lines: decided before anything costlier)
    if not text[:a].strip() and not text[b:].strip():
        return None  # the whole text: no body to be a headline of
    words = [w for w in _HEADLINE_WORD.findall(line) if len(w) >= 4]
    if len(words) < 4:
        return None
    caps = sum(w[0].isupper() for w in words)
    return (a, b) if caps >= 0.85 * len(words) else None


def in_headline_only(
    text: str, start: int, end: int, lines: dict[int, tuple[int, int] | None] | None = None
) -> bool:
    """The name `text[start:end]` stands in a Title Case headline and nowhere else
    (`lines`: headline of each line start already computed, filled as it goes)."""
    a = text.rfind("\n", 0, start) + 1
    if lines is not None and a in lines:
        line = lines[a]
    else:
        line = _title_line(text, start)
        if lines is not None:
            lines[a] = line
    if line is None:
        return False
    name = text[start:end]
    i = text.find(name)
    while i >= 0:
        if not line[0] <= i < line[1]:
            return False
        i = text.find(name, i + 1)
    return True


def find_attributed_media(
    text: str, cues: list[tuple[int, int, frozenset[str]]] | None = None
) -> list[Candidate]:
    """News sources named by an attribution cue (`KazTAG reports`, `Source: Rosbalt`,
    `according to Kazakhstan Today`) or a dateline (`ASTANA (TCA) -`, `(MENAFN) The ...`,
    `Astana. July 4. KazTAG -`)."""
    lex = lexicon()
    out: list[Candidate] = []
    spans: list[tuple[int, int, bool]] = []  # start, end, strong
    if cues is None:
        cues = _cues(text, lex, _MEDIA_ROLES)
    for cs, ce, roles in cues:
        if roles.isdisjoint(_MEDIA_ROLES):
            continue
        found = None
        if "sb" in roles or "wb" in roles:  # `reports X`, `according to X`
            found = _name_after(text, _skip_the(text, ce))
        if found is None and "sa" in roles:  # `X reports`
            found = _name_before(text, _skip_back(text, cs, ", "))
        if found is not None:
            spans.append((*found, "wb" not in roles))
    for m in _datelines(text):
        spans.append((m.start("n"), m.end("n"), True))
    for s, e, strong in spans:
        after = _SLASH_NAME.match(text, e)
        if after is not None:  # `Photo: Maria Novoselova/ Vestnik Kavkaza`
            s, e = after.start(1), after.end(1)
        slash = text.rfind("/", s, e)
        if slash >= 0:  # `Photo: Maria Novoselova/ Vestnik Kavkaza`
            s = slash + 1
            while s < e and text[s] == " ":
                s += 1
        s, e = _trim_name(text, s, e, lex)
        if e <= s:
            continue
        name = text[s:e]
        words = name.split()
        # pure tests, the cheapest first
        if not words or words[0] in lex.stop or len(words) > 4:
            continue
        media = _media_like(name, lex)
        if not media and (not strong or len(words) > 1):
            continue  # a person (`according to Peskov`, `Photo: Maria Novoselova`)
        if _head_kind(words, lex) not in (None, "media"):
            continue  # an organisation word: the head grammar decides
        if _is_place(name) or (not media and find_people(name)):
            continue  # a place, a person
        out.append(Candidate(s, e, " ".join(words), "media", None, e))
    return out


def find_appositions(
    text: str, cues: list[tuple[int, int, frozenset[str]]] | None = None
) -> list[Candidate]:
    """Names that a lower-case noun beside them classifies: `the French company Electricite
    de France`, `consulting company Frank RG`, `the Russian Electric Engines plant`."""
    lex = lexicon()
    out: list[Candidate] = []
    kinds = dict(lex.apposition_kind)
    if cues is None:
        cues = _cues(text, lex, _APPOSITION_ROLES)
    for cs, ce, roles in cues:
        if roles.isdisjoint(_APPOSITION_ROLES):
            continue
        noun = text[cs:ce]
        found = None
        g = ""
        if "nb" in roles and not (cs > 0 and text[cs - 1] == "-"):
            g, found = "n1", _name_after(text, _skip_back(text, ce, "", 1))
        if found is None and "na" in roles and text[ce : ce + 1] != "-":
            g, found = "n2", _name_before(text, _skip_back(text, cs, ""))
        if found is None:
            continue
        s, e = _trim_name(text, *found, lex)
        if e <= s:
            continue
        name = text[s:e]
        words = name.split()
        # pure tests, the cheapest first
        if any(w in lex.stop for w in words):
            continue
        if g == "n2" and len(words) < 2 and not _media_like(name, lex):
            continue  # `the Pavlodar plant`: a plant of a place, not a name
        if _head_kind(words, lex) is not None or is_weak(words, lex):
            continue
        if _is_place(name) or find_people(name):
            continue
        kind = kinds.get(noun.lower(), "company")
        out.append(Candidate(s, e, " ".join(words), kind, None, e))
    return out


def find_routes(text: str) -> list[Candidate]:
    """Pipelines named by the places they join: `the Atyrau-Kenkiyak and Kenkiyak-Kumkol oil
    pipelines`, `Baku-Tbilisi-Ceyhan pipeline`."""
    lex = lexicon()
    out: list[Candidate] = []
    if lex.route_re is None or ("pipeline" not in text and "gas main" not in text):
        return out
    for m in _route_matches(text, lex):
        for g in ("a", "b"):
            if m.group(g) is None:
                continue
            parts = m.group(g).split("-")
            if all(country_iso3(p) for p in parts):
                continue  # `Russia-China`: a direction, not a name
            s, e = m.start(g), m.end(g)
            out.append(Candidate(s, e, f"{text[s:e]} pipeline", "infrastructure", None, e))
    return out


def _route_matches(text: str, lex: Lexicon) -> Iterator[re.Match[str]]:
    """`lex.route_re.finditer(text)`, looked for only around the anchors of route heads: a
    match ends at the head holding one, and none holds a space after a head word but in the
    head, so the one that ends at an anchor is the one `finditer` finds."""
    if not lex.route_anchors:
        yield from lex.route_re.finditer(text)
        return
    at: list[tuple[int, int, int]] = []
    for anchor, spaces, reach in lex.route_anchors:
        i = text.find(anchor)
        while i >= 0:
            at.append((i, spaces, reach))
            i = text.find(anchor, i + 1)
    at.sort()
    n = len(text)
    pos = 0
    for i, spaces, reach in at:
        lo = i
        for _ in range(spaces):
            lo = text.rfind(" ", 0, lo)
            if lo < 0:
                lo = 0
                break
        m = lex.route_re.search(text, max(pos, lo), min(n, i + reach))
        if m is not None:
            pos = m.end()
            yield m


_SLASH_NAME = re.compile(rf" ?/ ?({_NAME})")
# At the start of a line (after the header, on the first line): a dateline never spans lines.
# Two patterns (one for the start of the text, one after each `\n`) so that `re` looks for
# the newline fast instead of trying every position.
_DATELINE_REST = (
    r"(?: date \d{4}-\d\d(?:-\d\d)? )??"
    r"(?:\((?P<p>)|[A-Z][A-Za-z\-]+(?:, [A-Z][a-z]+)?"
    r"(?:[.,] (?:[A-Z][a-z]+\.? \d{1,2}|\d{1,2} [A-Z][a-z]+)\.?)?"
    r"(?: \(|\. ))"
    r"(?P<n>[A-Z][\w.\-]*(?: [A-Z][\w.\-]*)?)(?:\)|/| [-–—] )"
)
_DATELINE_FIRST = re.compile(_DATELINE_REST)
_DATELINE = re.compile("\n" + _DATELINE_REST)


def _datelines(text: str) -> Iterator[re.Match[str]]:
    """Datelines at the start of a line, in text order (group `n`: the agency)."""
    m = _DATELINE_FIRST.match(text)
    if m is not None:
        yield m
    yield from _DATELINE.finditer(text)


def find_all(
    text: str, heads: HeadHits | None = None, cues: CueHits | None = None
) -> list[Candidate]:
    """Every discovered name (head words, attributions, appositions, routes) that does not
    stand only in a Title Case headline. `heads`, `cues`: the matches of the head and cue
    automata in `text`, when already found (the extractor finds them with other words in one
    pass)."""
    found = _cues(text, lexicon(), _MEDIA_ROLES | _APPOSITION_ROLES, cues)
    cands = find_candidates(text, heads) + find_attributed_media(text, found)
    cands += find_appositions(text, found) + find_routes(text)
    lines: dict[int, tuple[int, int] | None] = {}
    return [c for c in cands if not in_headline_only(text, c.start, c.end, lines)]


def _gap_ok(text: str, a_end: int, b_start: int) -> bool:
    """Two tokens are in the same line (no paragraph break between them)."""
    return "\n" not in text[a_end:b_start]


def _candidate_at(
    text: str, toks: list[tuple[int, int]], hi: int, first: int, lex: Lexicon
) -> Candidate | None:
    hs, he = toks[hi]
    head_tok = text[hs:he]
    head_core = head_tok.strip(_QUOTES).rstrip(".,;:!?)")
    is_legal = head_core in lex.legal
    # a head word is the head only if it is capitalised as a name (not `the plant`)
    if not head_core[:1].isupper():
        return None
    # left: capitalised modifiers, from `first` (`_left_extent`)
    # right: a capitalised word right after the head makes the head a modifier
    last = hi
    nxt = hi + 1
    head_ends = _ends_clause(head_tok)
    if not head_ends and nxt < len(toks) and _gap_ok(text, he, toks[nxt][0]):
        ntok = text[toks[nxt][0] : toks[nxt][1]]
        ncore = ntok.strip(_QUOTES).rstrip(".,;:!?)")
        if ncore in lex.event_words:
            return None
        if ncore[:1].isupper() and (ncore in lex.heads or ncore in lex.legal):
            return None  # the later head word makes the name
        if ncore in lex.openers or (ncore == "named" and is_legal is False):
            last = _tail(text, toks, hi, lex)
        elif ncore == "in" and head_core in lex.located:
            last = _located_tail(text, toks, hi)
            if last > hi:  # `Kazakh Embassy in Germany`: the place is part of the name
                return _located(text, toks, first, last, hi, lex)
    if is_legal and first == hi:
        # `JSC Russian Railways`: a legal form before the name
        k = hi + 1
        while k < len(toks) and k - hi <= 6 and _gap_ok(text, toks[k - 1][1], toks[k][0]):
            tok = text[toks[k][0] : toks[k][1]]
            if not _is_name_token(tok, lex):
                break
            last = k
            if _ends_clause(tok) or tok.rstrip(".,;:")[-1:] in _CLOSE_QUOTES:
                break
            k += 1
        if last == hi:
            return None
    if first == hi and last == hi:
        return None  # a bare head (`the Ministry`) names nothing by itself
    words = [text[s:e] for s, e in toks[first : last + 1]]
    # strip a trailing country tail (`... of Kazakhstan`) unless it is all the tail there is
    country: str | None = None
    if last > hi:
        cut, country = _country_tail(words, hi - first)
        if cut is not None and (cut > hi - first + 1 or first < hi):
            words = words[:cut]
            last = first + cut - 1
        elif cut is None:
            country = None
    # drop trailing joiners left by the cut
    while last > hi and words[-1].strip(_QUOTES).rstrip(".,;:") in lex.joiners:
        words = words[:-1]
        last -= 1
    kind = _head_kind(words[: hi - first + 1], lex)
    if kind is None:
        return None
    pre = words[: hi - first]
    tail = words[hi - first + 1 :]
    if not tail and country is None and _head_len(words, lex) == len(words):
        return None  # `News Agency`: the head alone names nothing
    if not tail and is_weak(pre, lex) and not is_legal:
        return None  # `National Bank`, `Russian University`: too generic to be a name
    start = toks[first][0]
    end = toks[last][1]
    # trim punctuation and unbalanced quotes at the edges
    while end > start and text[end - 1] in ".,;:!?)]}" + _CLOSE_QUOTES:
        if text[end - 1] in _CLOSE_QUOTES and text[start] in _OPEN_QUOTES:
            break
        if text[end - 1] == "." and _INITIALS.match(text[toks[last][0] : end]):
            break
        end -= 1
    while start < end and text[start] in _OPEN_QUOTES + "([{":
        if text[end - 1] in _CLOSE_QUOTES and text[start] in _OPEN_QUOTES:
            break
        start += 1
    if end <= start:
        return None
    if country is None:
        country = country_iso3(words[0].strip(_QUOTES)) if pre else None
    name = " ".join(text[start:end].split())
    if country_iso3(name):
        return None
    return Candidate(start, end, name, kind, country, min(max(he, start), end))


def _located_tail(text: str, toks: list[tuple[int, int]], hi: int) -> int:
    """Index of the place after `in` (`Embassy in the United Arab Emirates`), or `hi`."""
    k = hi + 2
    if k < len(toks) and text[toks[k][0] : toks[k][1]] == "the":
        k += 1
    for n in (4, 3, 2, 1):
        if k + n > len(toks) or not _gap_ok(text, toks[hi][1], toks[k + n - 1][0]):
            continue
        chunk = " ".join(text[s:e].strip(_QUOTES).rstrip(".,;:") for s, e in toks[k : k + n])
        if country_iso3(chunk) or _is_place(chunk):
            return k + n - 1
    return hi


def _located(
    text: str, toks: list[tuple[int, int]], first: int, last: int, hi: int, lex: Lexicon
) -> Candidate | None:
    kind = _head_kind([text[s:e] for s, e in toks[first : hi + 1]], lex)
    if kind is None:
        return None
    start, end = toks[first][0], toks[last][1]
    while end > start and text[end - 1] in ".,;:!?)":
        end -= 1
    while start < end and text[start] in _OPEN_QUOTES + "(":
        start += 1
    country = (
        country_iso3(text[toks[first][0] : toks[first][1]].strip(_QUOTES)) if first < hi else None
    )
    return Candidate(start, end, " ".join(text[start:end].split()), kind, country, toks[hi][1])


def _tail(text: str, toks: list[tuple[int, int]], hi: int, lex: Lexicon) -> int:
    """Index of the last token of the tail after the head (`of Foreign Affairs`), or `hi`."""
    last = hi
    k = hi + 1
    if text[toks[k][0] : toks[k][1]].strip(_QUOTES) == "named":
        if k + 1 < len(toks) and text[toks[k + 1][0] : toks[k + 1][1]] == "after":
            k += 2
        else:
            return hi
    else:
        k += 1
    prev = ""
    while k < len(toks) and k - hi <= 14 and _gap_ok(text, toks[k - 1][1], toks[k][0]):
        tok = text[toks[k][0] : toks[k][1]]
        core = tok.strip(_QUOTES).rstrip(".,;:!?)")
        if core in lex.joiners and not _ends_clause(tok):
            if core == "the" and prev in ("and", "&"):
                break  # `... and the Ministry of Finance`: another name begins
            prev = core
            k += 1
            continue
        if not _is_name_token(tok, lex) or (_possessive(core) and core not in lex.possessive_ok):
            break
        if prev in ("and", "&") and (core in lex.heads or core in lex.legal):
            break  # `... and Halyk Bank`
        prev = core
        last = k
        if _ends_clause(tok):
            break
        k += 1
    return last


def _country_tail(words: list[str], head_pos: int) -> tuple[int | None, str | None]:
    """Where a trailing `of/in/and (the) <country>` starts in `words`, and the country."""
    for n in (4, 3, 2, 1):
        if len(words) - n <= head_pos + 1:
            continue
        chunk = " ".join(w.strip(_QUOTES).rstrip(".,;:") for w in words[-n:])
        iso = country_iso3(chunk)
        if not iso:
            continue
        k = len(words) - n
        if k - 1 > head_pos and words[k - 1] == "the":
            k -= 1
        if k - 1 > head_pos and words[k - 1] in ("of", "in", "and"):
            return k - 1, iso
    return None, None


def find_acronym_definitions(text: str) -> list[tuple[int, int, str]]:
    """`(start, end, acronym)` of every `(ACR)` in `text`: an acronym in parentheses with at
    least two capitals (`(CSTO)`, `(EurAsEC)`); `start`/`end` span the acronym itself."""
    out: list[tuple[int, int, str]] = []
    for m in _ACRONYM_DEF.finditer(text):
        acr = m.group(1).rstrip(".")
        if sum(c.isupper() for c in acr) >= 2:
            out.append((m.start(1), m.start(1) + len(acr), acr))
    return out


_SLUG_WORD = re.compile(r"[\w&]+")


def slug(name: str, spelling: dict[str, tuple[str, ...]] | None = None) -> str:
    """Stable id of a discovered name: `d:` + ASCII words, spelling variants unified.

    >>> slug("Moscow State University of Foreign Affairs")
    'd:moscow-state-university-of-foreign-affairs'
    """
    words = _SLUG_WORD.findall(name.replace("'s", "s").replace("’s", "s"))
    if words and words[0].lower() == "the":
        words = words[1:]
    out = []
    for w in words:
        if spelling:
            w = spelling.get(w.lower(), (w,))[0]
        if w.isascii():
            w = w.lower()  # what the line below makes of it, faster
        else:
            w = unicodedata.normalize("NFKD", w).encode("ascii", "ignore").decode().lower()
        if w:
            out.append("and" if w == "&" else w)
    return "d:" + ("-".join(out) or "unnamed")
