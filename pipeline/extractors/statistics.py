"""statistics extractor: one row per numeric fact of a document.

A grammar of the genre's numeric facts, driven by lexicons in `pipeline/lexicons/`:

    [qualifier] [currency] NUMBER [scale] [unit | currency | % | -fold | times] [counted noun]

`pipeline.numbers` reads the number itself (digits, separators, spelled numbers, fractions,
scales, compounds); this module reads what surrounds it, drops what is no statistic (years and
dates, ordinals, identifiers, durations, descriptors, vague amounts), joins ranges
(`$24-24.5 billion`: two rows) and pairs (`76 out of 89 subjects`), and gives each row its
measure (lexicon cues of the clause), subject, period (the nearest time expression of the
sentence, from `pipeline.timex`) and the direction of a flow (`from_country`, `to_country`).

Only sentences with a digit or a number word are parsed.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from typing import Any, NamedTuple

import ahocorasick

from pipeline.document import Document
from pipeline.extractors.rows import StatisticRow
from pipeline.geo import country_iso3
from pipeline.lexicon import load as _load_lexicon
from pipeline.numbers import Number, find_numbers
from pipeline.numbers import lexicon as number_lexicon
from pipeline.sentences import split as split_sentences
from pipeline.timex import find_timexes

NAME = "statistics"
VERSION = "1.0"
TABLE = "statistics"

_COMPARATIVE = re.compile(r"\s*(?:more|higher|larger|bigger|greater|less|lower|smaller|as|the)\b")
_YEAR_BEFORE = re.compile(r"\b(?:in|since|by|from|to|until|of|year|the|and)\s+$")
_UP_DOWN = re.compile(r"\b(up|down)\s+(?:by\s+)?$", re.I)
_OF_NP = re.compile(r"\s+of\s+((?:the\s+)?[\w'’-]+(?:\s+[\w'’-]+){0,3})")
_PERIOD_BREAK = re.compile(
    r";|\s—\s|,\s+(?:and|but|while|whereas|against|compared)\b|\band\s+in\b", re.I
)
_BASELINE_BEFORE = re.compile(
    r"(?:\b(?:compared\s+(?:to|with)|in\s+comparison\s+(?:to|with)|than|against|versus|vs\.?"
    r"|relative\s+to|exceed(?:s|ed)?|surpass(?:es|ed)?)\s+(?:[a-z]+\s+){0,4}"
    r"|\bsame\s+(?:period|time|months?|quarter|half|date)\s+(?:of\s+|in\s+)?)$",
    re.I,
)
_REPORTED = re.compile(
    r"\b(?:said|says|reported|reports|announced|released|published|stated|noted|told|wrote"
    r"|declared|informed|added|posted)\s+(?:(?:earlier|later|today|here)\s+)?(?:on|at)?\s*$",
    re.I,
)  # `the statement released on Dec. 6`: when it was said, not what the number counts
_ATTRIBUTE_BEFORE = re.compile(
    r"\bwith\s+(?:a|an|the)\s+(?:total\s+)?(?:length|capacity|area|population|depth|height"
    r"|width|size)\s+of\s+$",
    re.I,
)
# Words one of which every match of _BASELINE_BEFORE / _REPORTED holds (a cheap gate).
_BASELINE_KEYS = (
    "compar",
    "than",
    "against",
    "versus",
    "vs",
    "relative",
    "exceed",
    "surpass",
    "same",
)
_REPORTED_KEYS = (
    "said", "says", "report", "announced", "released", "published", "stated", "noted", "told",
    "wrote", "declared", "informed", "added", "posted",
)  # fmt: skip
_FROM_TERM = re.compile(r"\bfrom\s+[^;:]{0,40}?\b(?:in|of|during)\s+(?:the\s+)?$", re.I)
_BASELINE_AFTER = re.compile(
    r"[’']s\s+(?:level|figures?|results?|volumes?|indicators?|numbers?)\b", re.I
)
_RATE_AFTER = re.compile(
    r"(?:\s+of\s+[a-z][\w-]*(?:\s+[a-z][\w-]*)?)?\s*(?:per\s+(?:annum|year|month|day)"
    r"|an?\s+(?:year|month|day)|annually|yearly|each\s+year|every\s+year|/\s?(?:year|yr)"
    r")\b",
    re.I,
)
_TO_VALUE = re.compile(r"\bto\s+(?:\S+\s+)?$")
_FROM = re.compile(r"\bfrom\b", re.I)
_LIST_BEFORE = re.compile(
    r"(?:,|\band|\bincluding|\bof\s+whom|\bof\s+which|\bof\s+them)\s+"
    r"(?:(?:more\s+than|over|about|around|nearly|almost|some|up\s+to)\s+)?$",
    re.I,
)
_LIST_GAP = 80  # characters from a counted noun phrase to a bare number continuing its list
_WHOLE_BEFORE = re.compile(r"\b(?:out\s+of|among|of\s+the)\s+$", re.I)


def _list_gap(text: str, s0: int, prev: _Cand) -> int:
    """How far a bare number may follow the count it continues: further after a whole
    (`out of 900 businessmen who gathered in Astana ..., 400 are from Russia`)."""
    whole = _WHOLE_BEFORE.search(text, max(s0, prev.start - 12), prev.start)
    return 2 * _LIST_GAP if whole else _LIST_GAP


_FRONTED = 30  # characters from the sentence start within which a time fronts the sentence
_SUCH = re.compile(r"[ \t]+such(?=[ \t]+[a-z])")
_CUE_WINDOW = 160  # characters around a number where its cue words are sought
_ELLIPSIS = re.compile(r"\b(?:of\s+which|of\s+whom|of\s+them|among\s+them)\s*,?\s*$")
_HEADER = re.compile(r"\s*date\s+\d{4}-\d{2}-\d{2}\s")
_CLAUSE_STOP = re.compile(r"[;:]|\s—\s")
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)


def _load(name: str) -> Any:
    return _load_lexicon(name)


def _tail_words(words: Sequence[str]) -> tuple[str, ...] | None:
    r"""The lower-cased last words of `words`: a window a case-insensitive `(?:words)\s*$`
    pattern matches ends (white space aside) with one of them. None when a word is not ASCII
    (`re.I` folds a few non-ASCII letters to ASCII ones: no gate then)."""
    if not all(w.isascii() for w in words):
        return None
    return tuple(sorted({w.lower().split(" ")[-1] for w in words}))


def _first_words(words: Sequence[str]) -> tuple[str, ...] | None:
    """The lower-cased first words of `words`: a window a case-insensitive pattern of
    `words` matches holds one of them. None when a word is not ASCII."""
    if not all(w.isascii() for w in words):
        return None
    return tuple(sorted({w.lower().split(" ")[0] for w in words}))


def _may_end(window: str, ends: tuple[str, ...] | None) -> bool:
    r"""False only when a case-insensitive `(?:words)\s*$` search cannot match `window`
    (`ends` from `_tail_words`): ASCII windows only, others are left to the regex."""
    if ends is None or not window.isascii():
        return True
    return window.rstrip().lower().endswith(ends)


def _may_hold(window: str, keys: tuple[str, ...] | None) -> bool:
    """False only when `window` (ASCII) holds none of the lower-cased `keys`."""
    if keys is None or not window.isascii():
        return True
    low = window.lower()
    return any(map(low.__contains__, keys))


def _alt(words: Sequence[str], *, spaces: bool = True) -> str:
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    parts = [re.escape(w) for w in ordered]
    if spaces:
        parts = [p.replace(r"\ ", r"\s+") for p in parts]
    return "|".join(parts)


def _plural(noun: str) -> str:
    if re.search(r"[^aeiou]y$", noun):
        return noun[:-1] + "ies"
    if re.search(r"(?:s|x|z|ch|sh)$", noun):
        return noun + "es"
    return noun + "s"


class _Head(NamedTuple):
    measure: str
    unit: str


@dataclass(frozen=True, slots=True)
class _Lex:
    """Every lexicon, compiled once."""

    cur_prefix: re.Pattern[str]
    cur_prefix_map: dict[str, str]
    cur_suffix: re.Pattern[str]
    cur_suffix_map: dict[str, str]
    percent: re.Pattern[str]
    percent_map: dict[str, str]
    multiple: re.Pattern[str]
    multiple_words: re.Pattern[str]
    multiple_values: dict[str, float]
    physical: re.Pattern[str]
    physical_map: dict[str, tuple[str, float]]
    money_scale: re.Pattern[str]
    money_scales: dict[str, float]
    qual_before: re.Pattern[str]
    qual_before_map: dict[str, str]
    qual_after: re.Pattern[str]
    qual_after_map: dict[str, str]
    heads: dict[str, _Head]
    head_max_words: int
    not_plural: frozenset[str]
    doc_automaton: Any
    change: re.Pattern[str]
    change_map: dict[str, str]
    growth: dict[str, tuple[str, str]]
    times_cues: re.Pattern[str]
    times_map: dict[str, str]
    direction: dict[str, tuple[re.Pattern[str], bool]]
    identifier: re.Pattern[str]
    duration_after: re.Pattern[str]
    duration_before: re.Pattern[str]
    descriptors: frozenset[str]
    determiner: re.Pattern[str]
    vague_after: re.Pattern[str]
    number_of: re.Pattern[str]
    number_of_verb: re.Pattern[str]
    np_stop: frozenset[str]
    physical_words: re.Pattern[str]
    physical_lower: dict[str, tuple[str, float]]
    share_measures: frozenset[str]
    people_roles: re.Pattern[str]
    people_role_map: dict[str, str]
    population_of: re.Pattern[str]
    change_amount: re.Pattern[str]
    change_amount_map: dict[str, str]
    pair_gap: re.Pattern[str]
    qual_before_ends: tuple[str, ...] | None
    identifier_ends: tuple[str, ...]
    duration_before_ends: tuple[str, ...] | None
    determiner_ends: tuple[str, ...] | None
    change_amount_keys: tuple[str, ...] | None
    change_keys: tuple[str, ...] | None
    unit_after: re.Pattern[str]
    unit_money_after: re.Pattern[str]
    duration_or_vague_after: re.Pattern[str]


def _lower_map(d: dict[str, Any]) -> dict[str, Any]:
    return {" ".join(k.lower().split()): v for k, v in d.items()}


def _norm(s: str) -> str:
    return " ".join(s.lower().split())


def _doc_automaton(cue_map: dict[str, str], multiples: dict[str, float]) -> Any:
    auto = ahocorasick.Automaton()
    for word in multiples:
        auto.add_word(word, (len(word), "multiple", word))
    for cue, measure in cue_map.items():
        auto.add_word(cue, (len(cue), "cue", measure))
    auto.make_automaton()
    return auto


def _first_of(named: Sequence[tuple[str, re.Pattern[str]]]) -> re.Pattern[str]:
    """One pattern trying the patterns in order at a position (the first that matches wins,
    as a cascade of `match` calls would): each keeps its flags; its group `u` is renamed
    to the given name (`m.lastgroup` tells which one matched)."""
    parts = []
    for name, rx in named:
        body = rx.pattern.replace("(?P<u>", f"(?P<{name}>")
        parts.append(f"(?i:{body})" if rx.flags & re.I else f"(?:{body})")
    return re.compile("|".join(parts))


@cache
def _lex() -> _Lex:
    lex = _lex_base()
    after = _first_of(
        [
            ("percent", lex.percent),
            ("multiple", lex.multiple),
            ("cur_suffix", lex.cur_suffix),
            ("physical", lex.physical),
            ("physical_words", lex.physical_words),
        ]
    )
    money = _first_of(
        [("percent", lex.percent), ("cur_suffix", lex.cur_suffix), ("physical", lex.physical)]
    )
    either = _first_of([("duration", lex.duration_after), ("vague", lex.vague_after)])
    return replace(lex, unit_after=after, unit_money_after=money, duration_or_vague_after=either)


def _lex_base() -> _Lex:
    units = _load("units.yaml")
    quals = _load("qualifiers.yaml")
    meas = _load("measures.yaml")
    excl = _load("statistics_exclusions.yaml")
    nums = number_lexicon()

    cur_prefix_map = dict(units["currency_prefix"]["case_sensitive"])
    cur_suffix_map = _lower_map(units["currency_suffix"])
    percent_map = {_norm(s): unit for unit, forms in units["percent"].items() for s in forms}
    multiple_values = {k.lower(): float(v) for k, v in units["multiple_verbs"].items()}
    multiple_values.update({k.lower(): float(v) for k, v in units["fold_words"].items()})
    physical_map = {k: (v[0], float(v[1])) for k, v in units["physical"].items()}

    heads: dict[str, _Head] = {}
    for measure, spec in meas["counted"].items():
        for noun in spec["nouns"]:
            key = _norm(noun)
            heads.setdefault(key, _Head(measure, spec["unit"]))
            words = key.split()
            words[-1] = _plural(words[-1])
            heads.setdefault(" ".join(words), _Head(measure, spec["unit"]))
        for noun in spec.get("plural", []):
            heads.setdefault(_norm(noun), _Head(measure, spec["unit"]))

    cue_map = {_norm(w): m for m, words in meas["cues"].items() for w in words}
    change_map = {_norm(w): d for d, words in meas["change"].items() for w in words}
    times_map = {_norm(w): m for m, words in meas["times"].items() for w in words}
    direction = {
        m: (re.compile(rf"\b(?:{_alt(spec['verbs'])})\b", re.I), bool(spec["from_subject"]))
        for m, spec in meas["direction"].items()
    }
    ident = [re.escape(w) for w in excl["identifier_before"]]
    role_map = {_norm(w): m for m, words in meas["people_roles"].items() for w in words}
    amount_map = {_norm(w): d for d, words in meas["change_amount"].items() for w in words}
    return _Lex(
        cur_prefix=re.compile(rf"(?<![A-Za-z])(?:{_alt(list(cur_prefix_map), spaces=False)})\s?$"),
        cur_prefix_map=cur_prefix_map,
        cur_suffix=re.compile(
            rf"\s*(?:of\s+)?(?P<u>{_alt(list(units['currency_suffix']))})(?![\w$€₸₽])", re.I
        ),
        cur_suffix_map=cur_suffix_map,
        percent=re.compile(
            rf"\s?(?P<u>{_alt([f for fs in units['percent'].values() for f in fs])})"
            r"(?![\w%])",
            re.I,
        ),
        percent_map=percent_map,
        multiple=re.compile(r"(?P<u>[-\s]?fold|\s+times)\b", re.I),
        multiple_words=re.compile(rf"\b(?:{_alt(list(multiple_values))})\b", re.I),
        multiple_values=multiple_values,
        physical=re.compile(rf"[\s-]?(?P<u>{_alt(list(physical_map))})(?![\w³])"),
        physical_map=physical_map,
        money_scale=re.compile(r"\s?(?P<s>[kmbKMB])\b(?!\.\w)"),
        money_scales={k: float(v) for k, v in nums["money_scales"].items()},
        qual_before=re.compile(rf"(?<![\w-])(?P<q>{_alt(list(quals['before']))})\s*$", re.I),
        qual_before_map=_lower_map(quals["before"]),
        qual_after=re.compile(rf"\s+(?P<q>{_alt(list(quals['after']))})\b", re.I),
        qual_after_map=_lower_map(quals["after"]),
        heads=heads,
        head_max_words=max(len(k.split()) for k in heads),
        not_plural=frozenset(w.lower() for w in meas["not_plural"]),
        doc_automaton=_doc_automaton(cue_map, multiple_values),
        change=re.compile(rf"\b(?:{_alt(list(change_map))})\b", re.I),
        change_map=change_map,
        growth={k: (v[0], v[1]) for k, v in meas["growth"].items()},
        times_cues=re.compile(rf"\b(?:{_alt(list(times_map))})\b", re.I),
        times_map=times_map,
        direction=direction,
        identifier=re.compile(rf"(?:^|(?<=[\s(]))(?:{'|'.join(ident)})\s*$"),
        duration_after=re.compile(
            rf"(?:\s*-\s*|\s+)(?:{_alt(excl['duration_after'])})(?![\w])", re.I
        ),
        duration_before=re.compile(rf"\b(?:{_alt(excl['duration_before'])})\s+$", re.I),
        descriptors=frozenset(_norm(w) for w in excl["descriptor_nouns"]),
        determiner=re.compile(rf"(?<![\w-])(?:{_alt(excl['determiners'])})\s+$", re.I),
        vague_after=re.compile(rf"\s+(?:{_alt(excl['vague_after'])})\b", re.I),
        number_of=re.compile(r"\b(?:number|total)\s+of(?=\s)", re.I),
        number_of_verb=re.compile(
            rf"\b(?:{_alt(meas['number_of_verbs'])})\s+(?:(?:{_alt(list(quals['before']))})\s+)?$",
            re.I,
        ),
        np_stop=frozenset(w.lower() for w in excl["np_stop_words"]),
        physical_words=re.compile(
            rf"[\s-]?(?P<u>{_alt([w for w in physical_map if len(w) > 3 and w[0].isalpha()])})"
            r"(?![\w³])",
            re.I,
        ),
        physical_lower={k.lower(): v for k, v in physical_map.items() if len(k) > 3},
        share_measures=frozenset(meas["share_measures"]),
        people_roles=re.compile(rf"\b(?:{_alt(list(role_map))})\b", re.I),
        people_role_map=role_map,
        population_of=re.compile(
            rf"\b(?:{_alt(meas['population_nouns'])})\s+of\s+"
            rf"(?:(?:{_alt(list(quals['before']))})\s+)?$",
            re.I,
        ),
        change_amount=re.compile(
            rf"\b(?P<w>{_alt(list(amount_map))})\s+"
            rf"(?:(?:is|was|were|will\s+be|of|by|amounted\s+to|made|totalled|totaled)\s+)?"
            rf"(?:(?:{_alt(list(quals['before']))})\s+)?$",
            re.I,
        ),
        change_amount_map=amount_map,
        pair_gap=re.compile(
            rf"\s+(?:out\s+)?of\s+(?:(?:the|a)\s+)?(?:total\s+(?:of\s+)?)?"
            rf"(?:(?:{_alt(list(quals['before']))})\s+)?"
        ),
        qual_before_ends=_tail_words(list(quals["before"])),
        identifier_ends=tuple(excl["identifier_before"]),
        duration_before_ends=_tail_words(excl["duration_before"]),
        determiner_ends=_tail_words(excl["determiners"]),
        change_amount_keys=_first_words(list(amount_map)),
        change_keys=_first_words(list(change_map)),
        unit_after=_NEVER,
        unit_money_after=_NEVER,
        duration_or_vague_after=_NEVER,
    )


_NEVER = re.compile(r"(?!)")


# --- time expressions (pipeline.timex) --------------------------------------------------


class _Time(NamedTuple):
    start: int
    end: int
    kind: str
    date_start: date | None
    date_end: date | None
    label: str | None


def _times(text: str, s0: int, e0: int, ref: date) -> list[_Time]:
    """Time expressions of `text[s0:e0]`; under-specified ones (`in October`, `January-April`)
    resolve to the latest such period by `ref`: figures report what has happened."""
    return [
        _Time(t.start + s0, t.end + s0, t.kind, t.date_start, t.date_end, t.label)
        for t in find_timexes(text[s0:e0], ref, prefer="past")
    ]


# --- candidates ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Cand:
    """A number read with its surroundings, before meaning is given to it."""

    start: int  # quote start (qualifier or currency sign included)
    end: int  # quote end
    num_start: int
    num_end: int
    value: float
    unit: str | None  # None while no unit is known
    qualifier: str
    kind: str  # money, percent, multiple, physical, count, amount, times
    measure: str | None = None
    subject: str | None = None
    confidence: float = 0.8
    rule: str = ""
    change: str | None = None  # "up" / "down" when a change word governs the number


def _sentences(doc: Document, body_start: int) -> list[tuple[int, int]]:
    spans = list(doc.sentences) or split_sentences(doc.text, body_start)
    return [(max(a, body_start), b) for a, b in spans if b > body_start]


def _year_like(n: Number) -> bool:
    return n.integer_text and len(n.text) == 4 and 1800 <= n.value <= 2100


def _date_adjacent(text: str, n: Number, s0: int, e0: int) -> bool:
    if not (n.integer_text and 1 <= n.value <= 31):
        return False
    before = text[max(s0, n.start - 12) : n.start]
    after = text[n.end : min(e0, n.end + 12)]
    return bool(_MONTH_BEFORE.search(before) or _MONTH_AFTER.match(after))


_MONTH_BEFORE = re.compile(rf"\b(?:{_MONTHS})\.?\s+$")
_MONTH_AFTER = re.compile(rf"\s*(?:{_MONTHS})\b")
_TOKEN = re.compile(r"[ \t\u00a0]+([A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z])")
_OF_AFTER_FRACTION = re.compile(r"\s+of\b(?!\s+an?\s+(?:century|year|month|day|hour)\b)")
_BY_BEFORE = re.compile(r"\bby\s+$")
_VERB_FORM = re.compile(r"(?:ed|ing)$")
_POSSESSIVE = re.compile(r"[’']s$")
_PREP_BEFORE = re.compile(r"\b(from|in|into|to)\s+(?:the\s+)?$")
_DASH_OR_TO = re.compile(r"\s*[-–—]\s*|\s+to\s+")
_FROM_JUST_BEFORE = re.compile(r"\bfrom\s+\S{0,4}$")
_AND_GAP = re.compile(r"\s+and\s+")
_BETWEEN_BEFORE = re.compile(r"(?i)\bbetween\s+\S{0,4}$")


_IRREGULAR_PLURALS = frozenset(("people", "children", "staff", "media", "personnel", "cattle"))


def _plural_word(word: str) -> bool:
    return word in _IRREGULAR_PLURALS or (word.endswith("s") and not word.endswith("ss"))


def _np(lex: _Lex, text: str, pos: int, e0: int) -> tuple[int, int, _Head | None, bool] | None:
    """The counted noun phrase at `pos`: (start, end, head, fallback) or None.

    Up to four modifiers, then a head noun of the lexicon (the longest match wins; more heads
    may follow: `power plants`), or, failing that, a plural-looking noun.
    """
    tok = _TOKEN
    words: list[tuple[int, int, str]] = []
    lows: list[str] = []  # the lower-cased words of `words`
    p = pos
    head: tuple[int, _Head] | None = None
    fallback: int | None = None
    while len(words) < 6:
        m = tok.match(text, p, e0)
        if m is None:
            break
        w = m.group(1)
        low = w.lower()
        if low == "and" and words and text[words[-1][0]].isupper() and head is None:
            nxt = tok.match(text, m.end(), e0)
            if nxt is not None:  # `Russian and Kazakh students`, `Russian and joint ventures`
                p = m.end()
                continue
        if low in lex.np_stop:
            break
        words.append((m.start(1), m.end(1), low))
        lows.append(low)
        p = m.end()
        found: _Head | None = None
        heads = lex.heads
        for k in range(min(lex.head_max_words, len(lows)), 0, -1):
            key = " ".join(lows[-k:]) if k > 1 else low
            if key in heads:
                found = heads[key]
                break
        if found is None and w[0].isupper() and low.endswith("s") and len(w) > 4:
            iso = country_iso3(w)
            if iso and low != (country_iso3(w[:-1]) or "").lower():
                found = _Head("people", "people")
        if found is not None:
            if head is not None and _plural_word(words[head[0]][2]):
                break  # `companies visit`: a plural head is not a modifier
            head = (len(words) - 1, found)
            continue
        if head is not None:
            break
        if (
            fallback is None
            and w.islower()
            and len(w) > 3
            and low.endswith("s")
            and not low.endswith(("ss", "us", "is", "ous"))
            and low not in lex.not_plural
        ):
            fallback = len(words) - 1
            if len(words) >= 3:
                break
            continue
        if fallback is not None:
            break
        if len(words) >= 4:
            break
    if head is not None:
        i, h = head
        return words[0][0], words[i][1], h, False
    if fallback is not None:
        return words[0][0], words[fallback][1], None, True
    return None


@dataclass(slots=True)
class _Context:
    """What the extractor knows of one sentence (and the cue words of its document)."""

    text: str
    s0: int
    e0: int
    ref: date
    cues: list[tuple[int, int, str]]
    cue_ends: list[int]
    prev_s0: int  # start of the sentence before (== s0 for the first one)
    times: list[_Time] | None = None
    anaphoric: bool | None = None  # the sentence names `this period` (found on first use)

    def timexes(self) -> list[_Time]:
        if self.times is None:
            self.times = _times(self.text, self.s0, self.e0, self.ref)
        return self.times


def _in_time(ctx: _Context, start: int, end: int) -> bool:
    return any(t.start < end and start < t.end for t in ctx.timexes())


def _qualifier(lex: _Lex, text: str, s0: int, pos: int) -> tuple[str, int]:
    left = text[max(s0, pos - 30) : pos]
    m = lex.qual_before.search(left) if _may_end(left, lex.qual_before_ends) else None
    if m is None:
        return "exact", pos
    return lex.qual_before_map[_norm(m.group("q"))], pos - (len(left) - m.start("q"))


def _excluded(lex: _Lex, ctx: _Context, n: Number) -> bool:
    text, s0, e0 = ctx.text, ctx.s0, ctx.e0
    left = text[max(s0, n.start - 25) : n.start]
    tail = left.rstrip()
    if tail.endswith(lex.identifier_ends) and lex.identifier.search(left):
        return True
    if _may_end(tail, lex.duration_before_ends) and lex.duration_before.search(left):
        return True
    after = lex.duration_or_vague_after if n.scale == 1.0 else lex.vague_after
    if after.match(text, n.end, e0):
        return True
    return _date_adjacent(text, n, s0, e0)


def _read(lex: _Lex, ctx: _Context, n: Number, value: float) -> _Cand | None:
    """Read the unit, qualifier and counted noun around number `n` (value already scaled)."""
    text, s0, e0 = ctx.text, ctx.s0, ctx.e0
    pos = n.end
    start = n.start
    unit: str | None = None
    kind = "amount"
    left = text[max(s0, n.start - 8) : n.start]
    cm = lex.cur_prefix.search(left)
    if cm is not None:
        unit = lex.cur_prefix_map[cm.group(0).strip()]
        start = n.start - (len(left) - cm.start())
        kind = "money"
        if n.scale == 1.0:
            sm = lex.money_scale.match(text, pos, e0)
            if sm is not None:
                value *= lex.money_scales[sm.group("s").lower()]
                pos = sm.end()
        sm2 = lex.cur_suffix.match(text, pos, e0)  # `$5 billion USD`: read the code too
        if sm2 is not None and lex.cur_suffix_map[_norm(sm2.group("u"))] == unit:
            pos = sm2.end()
    else:  # percent, multiple, currency after, physical unit: the first that matches
        um = lex.unit_after.match(text, pos, e0)
        which = um.lastgroup if um is not None else None
        if um is None:
            pass
        elif which == "percent":
            unit = lex.percent_map[_norm(um.group(which))]
            kind = "percent"
            pos = um.end()
        elif which == "multiple":
            kind = "times" if "times" in um.group(which).lower() else "multiple"
            unit = "multiple"
            pos = um.end()
        elif which == "cur_suffix":
            unit = lex.cur_suffix_map[_norm(um.group(which))]
            kind = "money"
            pos = um.end()
        else:  # `physical`, or `physical_words` (`122 Million Tons` in a title)
            key = um.group(which or "")
            if which == "physical":
                unit, factor = lex.physical_map[key]
            else:
                unit, factor = lex.physical_lower[_norm(key)]
            value *= factor
            kind = "physical"
            pos = um.end()
    if n.form == "words" and n.value == 1.0 and n.scale == 1.0 and kind in ("amount", "times"):
        return None  # `one of`, `one` as a pronoun: a statistic only with a unit or scale
    if pos < e0 and pos == n.end and text[pos].isalpha():
        return None  # glued to letters: `5G`, `1990s`, `3D`
    if n.form == "fraction" and kind == "amount" and n.scale == 1.0:
        of = _OF_AFTER_FRACTION.match(text[pos:e0])
        if of is None and not _BY_BEFORE.search(text[max(s0, n.start - 4) : n.start]):
            return None  # `one third of`, `grew by a quarter`; not `a quarter of a century`
        unit, kind = "percent", "percent"
        value = round(value * 100, 2)
    qualifier, qstart = _qualifier(lex, text, s0, start)
    am = lex.qual_after.match(text, pos, e0)
    if am is not None and qualifier == "exact":
        qualifier = lex.qual_after_map[_norm(am.group("q"))]
        pos = am.end()
    if kind == "percent" and n.form == "fraction" and qualifier == "exact" and value % 1:
        qualifier = "about"
    cand = _Cand(qstart, pos, n.start, n.end, value, unit, qualifier, kind)
    if kind in ("amount", "physical"):
        such = _SUCH.match(text, pos, e0) if kind == "amount" else None
        np_ = _np(lex, text, such.end() if such else pos, e0)
        if np_ is not None:
            a, b, head, _fallback = np_
            np_words = text[a:b].lower().split()
            noun = np_words[-1]
            specific = len(np_words) > 1 and " ".join(np_words[-2:]) in lex.heads
            lo = max(s0, start - 40)
            determined = (
                _may_end(text[lo:start], lex.determiner_ends)
                and lex.determiner.search(text, lo, start) is not None
            )
            if (n.form == "words" and determined) or (
                noun in lex.descriptors
                and not specific  # `six member states` counts; `two states` describes
                and ((n.form == "words" and value <= 10) or determined)
            ):
                return None  # descriptors: `the two regions`, `between two countries`
            if kind == "amount" and (head is not None or n.value >= 2 or n.form == "digits"):
                if head is None and n.form == "words" and n.value < 3:
                    return None
                cand.kind = "count"
                cand.unit = head.unit if head else "count"
                cand.measure = head.measure if head else "other"
                cand.subject = text[a:b]
                cand.end = b
                cand.confidence = 0.85 if head else 0.55
                am = lex.qual_after.match(text, b, e0)
                if am is not None and qualifier == "exact":
                    cand.qualifier = lex.qual_after_map[_norm(am.group("q"))]
                    cand.end = am.end()
                return cand
        if kind == "amount":
            if lex.population_of.search(text, max(s0, qstart - 40), qstart):
                cand.kind, cand.unit, cand.measure = "count", "people", "population"
                cand.confidence = 0.7  # `a nation of 20 million`
                return cand
            if n.scale > 1.0 or n.form == "fraction":
                cand.unit = "other"
                cand.confidence = 0.6
                return cand
            return _number_of(lex, ctx, cand)
    return cand


def _number_of(lex: _Lex, ctx: _Context, c: _Cand) -> _Cand | None:
    """`the number of joint ventures reached 900`: a bare number counting a named noun."""
    verb = lex.number_of_verb.search(ctx.text, max(ctx.s0, c.start - 60), c.start)
    if verb is None:
        return None
    found = list(lex.number_of.finditer(ctx.text, max(ctx.s0, verb.start() - 80), verb.start()))
    if not found:
        return None
    np_ = _np(lex, ctx.text, found[-1].end(), verb.start())
    if np_ is None:
        return None
    a, b, head, _fallback = np_
    if head is None:
        return None
    c.kind, c.unit, c.measure, c.subject = "count", head.unit, head.measure, ctx.text[a:b]
    c.confidence, c.rule = 0.7, "number_of"
    return c


# --- meaning ----------------------------------------------------------------------------


def _doc_hits(lex: _Lex, low: str) -> tuple[list[tuple[int, int, str]], bool]:
    """Cue words of the whole (lower-cased) text, sorted by end then longest first, and
    whether any one-word multiple (`doubled`, `sixfold`) occurs: one Aho–Corasick pass."""
    cues: list[tuple[int, int, str]] = []
    multiples = False
    n = len(low)
    for e, (size, kind, value) in lex.doc_automaton.iter(low):
        s = e - size + 1
        if (s and low[s - 1].isalnum()) or (e + 1 < n and low[e + 1].isalnum()):
            continue
        if kind == "cue":
            cues.append((s, e + 1, value))
        else:
            multiples = True
    cues.sort(key=lambda h: (h[1], h[0]))
    return cues, multiples


def _nearest_cue(lex: _Lex, ctx: _Context, c: _Cand) -> tuple[str, str] | None:
    """(measure, cue text) of the nearest cue before the number in its clause, else after."""
    text = ctx.text
    lo = ctx.s0
    last_stop: int | None = None  # end of the last clause stop before the number
    window = text[ctx.s0 : c.start]
    if ";" in window or ":" in window or "—" in window:
        for m in _CLAUSE_STOP.finditer(text, ctx.s0, c.start):
            last_stop = m.end()
    if last_stop is not None:
        lo = last_stop
    lo = max(lo, c.start - _CUE_WINDOW)
    stop = _CLAUSE_STOP.search(text, c.end, ctx.e0)
    hi = min(stop.start() if stop else ctx.e0, c.end + _CUE_WINDOW)
    hits, ends = ctx.cues, ctx.cue_ends
    i = bisect_right(ends, c.start) - 1
    if i >= 0:
        end = ends[i]
        while i > 0 and ends[i - 1] == end:
            i -= 1  # the longest cue ending here: `commodity turnover`, not `turnover`
        s, e, measure = hits[i]
        if s >= lo:
            return measure, text[s:e]
    for k in range(bisect_left(ends, c.end), len(hits)):
        s, e, measure = hits[k]
        if s >= hi:
            break
        if s >= c.end and e <= hi:
            return measure, text[s:e]
    # None in the clause: the last cue of the clause or sentence before
    # (`Our trade is growing. It increased by 34.4 percent`).
    clause = last_stop if last_stop is not None else lo if lo > ctx.s0 else ctx.s0
    lo = max(ctx.prev_s0, clause - 2 * _CUE_WINDOW)
    i = bisect_right(ends, clause) - 1
    if i >= 0:
        end = ends[i]
        while i > 0 and ends[i - 1] == end:
            i -= 1
        s, e, measure = hits[i]
        if s >= lo:
            return measure, text[s:e]
    return None


def _change(lex: _Lex, ctx: _Context, c: _Cand) -> str | None:
    text = ctx.text
    window = text[max(ctx.s0, c.start - 45) : c.start]
    found: str | None = None
    if _may_hold(window, lex.change_keys):
        for m in lex.change.finditer(window):
            found = lex.change_map[_norm(m.group(0))]
    if found is not None:
        return found
    ud = _UP_DOWN.search(window)
    if ud is not None:
        return ud.group(1).lower()
    after = lex.change.match(text, c.end + 1, min(ctx.e0, c.end + 25)) if c.end < ctx.e0 else None
    return lex.change_map[_norm(after.group(0))] if after else None


_DEFAULT_MEASURE = {
    "km": "length",
    "m": "length",
    "hectare": "area",
    "tonne": "volume",
    "cubic_metre": "volume",
    "barrel": "volume",
    "mw": "capacity",
    "kwh": "electricity",
}


def _mean(lex: _Lex, ctx: _Context, c: _Cand) -> None:
    """Give `c` its measure and subject from the cues of its clause."""
    if c.kind == "count":
        if c.measure == "people":  # `60,000 citizens study in Russia`: students
            lo, hi = max(ctx.s0, c.start - 80), min(ctx.e0, c.end + 80)
            role = lex.people_roles.search(ctx.text, lo, hi)
            if role is not None:
                c.measure = lex.people_role_map[_norm(role.group(0))]
        return
    if c.kind == "times":
        text = ctx.text
        after = text[c.end : min(ctx.e0, c.end + 12)]
        change = _change(lex, ctx, c)
        if change is not None or _COMPARATIVE.match(after):
            c.kind = "multiple"
        else:
            c.unit = "count"
            c.confidence = 0.7
            found = None
            for m in lex.times_cues.finditer(text, ctx.s0, c.start):
                found = lex.times_map[_norm(m.group(0))]
            c.measure = found or "occurrences"
            return
    cue = _nearest_cue(lex, ctx, c)
    base = cue[0] if cue else None
    if cue is not None and c.subject is None and not _VERB_FORM.search(cue[1]):
        c.subject = cue[1]
    if c.kind in ("percent", "multiple"):
        of = _OF_NP.match(ctx.text, c.end, ctx.e0) if c.kind == "percent" else None
        change = None if of else _change(lex, ctx, c)
        change = change or ("up" if c.kind == "multiple" else None)
        c.change = change
        if change is not None:
            up, down = lex.growth.get(base or "other", lex.growth["other"])
            c.measure = up if change == "up" else down
        else:
            c.measure = base if base in lex.share_measures else "share"
            if of is not None:
                c.subject = of.group(1)
        c.confidence = 0.85 if cue else 0.7
        return
    lo = max(ctx.s0, c.start - 40)
    amount = (
        lex.change_amount.search(ctx.text, lo, c.start)
        if _may_hold(ctx.text[lo : c.start], lex.change_amount_keys)
        else None
    )
    if amount is not None:  # `the growth was $2 billion`: the size of a change
        up, down = lex.growth.get(base or "other", lex.growth["other"])
        direction = lex.change_amount_map[_norm(amount.group("w"))]
        c.measure = up if direction == "up" else down
        c.confidence = 0.7
        return
    if c.kind == "physical":
        c.measure = base or _DEFAULT_MEASURE.get(c.unit or "", "other")
        if c.unit == "km" and base in (None, "length", "area"):
            c.measure = "length"
        c.confidence = 0.85
        return
    c.measure = base or "other"
    if base == "population" and c.unit == "other":
        c.unit = "people"
    c.confidence = (0.9 if cue else 0.7) if c.kind == "money" else (0.65 if cue else 0.5)


def _baseline(ctx: _Context, t: _Time) -> bool:
    """True when `t` is the term of a comparison (`than in 2017`, `compared to the same period
    last year`, `last year's level`), not the time its sentence's numbers refer to."""
    text = ctx.text
    lo40, lo30 = max(ctx.s0, t.start - 40), max(ctx.s0, t.start - 30)
    return bool(
        (
            _may_hold(text[lo40 : t.start], _BASELINE_KEYS)
            and _BASELINE_BEFORE.search(text, lo40, t.start)
        )
        or _BASELINE_AFTER.match(text, t.end, ctx.e0)
        or (
            _may_hold(text[lo30 : t.start], _REPORTED_KEYS)
            and _REPORTED.search(text, lo30, t.start)
        )
    )


def _period(ctx: _Context, c: _Cand, others: Sequence[_Cand] = ()) -> _Time | None:
    text = ctx.text
    if _RATE_AFTER.match(text, c.end, ctx.e0):
        return None  # `$115 million a year`: a rate has no period of its own
    lo = max(ctx.s0, c.start - 40)
    if _may_hold(text[lo : c.start], ("with",)) and _ATTRIBUTE_BEFORE.search(text, lo, c.start):
        return None  # `the border with a length of 7,591 km`: it describes a thing
    best: tuple[int, _Time] | None = None
    for t in ctx.timexes():
        if t.kind not in ("date", "range", "present") or t.date_start is None:
            continue
        gap = c.start - t.end if t.end <= c.start else t.start - c.end
        if gap < 0 or _baseline(ctx, t):
            continue
        lo, hi = (t.end, c.start) if t.end <= c.start else (c.end, t.start)
        if _PERIOD_BREAK.search(text, lo, hi):
            if t.end > c.start or t.start - ctx.s0 > _FRONTED:
                continue  # only a time fronting the sentence reaches over a clause break
            gap += 1000
        if (
            t.end <= c.start
            and _TO_VALUE.search(text, lo, hi)
            and _FROM.search(text, max(ctx.s0, t.start - 60), t.start)
        ):
            continue  # `from 152,800 tons in 2023 to 254,200 tons`: 2023 is the start
        if t.start > c.end and _FROM_TERM.search(text, max(c.end, t.start - 60), t.start):
            continue  # `a 49% rise, from 254,000 tons in 2023 to ...`: the start of a change
        if t.start >= c.end and any(
            d.start >= t.end and d.start - t.end < t.start - c.end for d in others
        ):
            continue  # `turnover between 7 regions and Russia in H1 2015 made $2.7 bln`
        if best is None or gap < best[0]:
            best = (gap, t)
    return best[1] if best else None


_CURRENCY_AFTER = re.compile(r"\s*(?:dollars?|\$)", re.I)
_COUNTRY_TOKEN = re.compile(r"\b[A-Z][A-Za-z’'.-]*(?:\s+[A-Z][A-Za-z’'-]*){0,2}")


def _countries(text: str, lo: int, hi: int) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    for m in _COUNTRY_TOKEN.finditer(text, lo, hi):
        if _CURRENCY_AFTER.match(text, m.end()):
            continue  # `U.S. dollars`: a currency, not a country
        words = _POSSESSIVE.sub("", m.group(0).rstrip(".")).split()
        for k in range(len(words), 0, -1):
            iso = country_iso3(" ".join(words[:k]))
            if iso:
                out.append((m.start(), m.end(), iso))
                break
    return out


def _clause(ctx: _Context, c: _Cand) -> tuple[int, int]:
    """Bounds of the clause holding candidate `c` (`..., while imports ...` splits)."""
    lo = ctx.s0
    for m in _PERIOD_BREAK.finditer(ctx.text, ctx.s0, c.start):
        lo = m.start()
    stop = _PERIOD_BREAK.search(ctx.text, c.end, ctx.e0)
    return lo, stop.start() if stop else ctx.e0


def _direction(lex: _Lex, ctx: _Context, c: _Cand) -> tuple[str | None, str | None]:
    base = (c.measure or "").split("_")[0]
    base = {"export": "exports", "import": "imports"}.get(base, base)
    spec = lex.direction.get(base)
    if spec is None:
        return None, None
    verbs, from_subject = spec
    text = ctx.text
    lo, hi = _clause(ctx, c)
    found = _countries(text, lo, hi)
    if not found:
        return None, None
    src: str | None = None
    dst: str | None = None
    for a, _b, iso in found:
        prep = _PREP_BEFORE.search(text[max(lo, a - 12) : a])
        if prep is None:
            continue
        if prep.group(1) == "from":
            src = src or iso
        elif (
            a > c.start
            or prep.group(1) in ("into", "to")
            or verbs.search(text, max(lo, a - 30), a)  # `investment in Kazakhstan`
        ):
            dst = dst or iso
    verb = verbs.search(text, lo, c.start)
    if verb is not None:
        subj = [iso for a, b, iso in found if b <= verb.start() and verb.start() - b <= 25]
        if subj:
            if from_subject:
                src = src or subj[-1]
            else:
                dst = dst or subj[-1]
    if src == dst:
        return None, None
    return src, dst


# --- the extractor ------------------------------------------------------------------------


def _range_link(lex: _Lex, text: str, a: Number, b: Number, s0: int) -> str | None:
    gap = text[a.end : b.start]
    if _DASH_OR_TO.fullmatch(gap):
        if _FROM_JUST_BEFORE.search(text[max(s0, a.start - 12) : a.start]):
            return None  # `from 5% to 7%`: a change, two values
        return "range"
    if _AND_GAP.fullmatch(gap) and _BETWEEN_BEFORE.search(text[max(s0, a.start - 14) : a.start]):
        return "range"
    if lex.pair_gap.fullmatch(gap) and a.value < b.value:
        return "pair"
    return None


def _ellipsis(text: str, s0: int, n: Number) -> int | None:
    m = _ELLIPSIS.search(text, max(s0, n.start - 20), n.start)
    return m.start() if m else None


def extract(doc: Document) -> list[StatisticRow]:
    """Rows of `statistics` found in `doc`."""
    lex = _lex()
    text = doc.text
    header = _HEADER.match(text)
    body_start = header.end() if header else 0
    numbers = find_numbers(text, body_start)  # the pre-filter: anchors, then the grammar
    cues, multiples = _doc_hits(lex, text.lower())
    if not numbers and not multiples:
        return []
    cue_ends = [h[1] for h in cues]
    mult = _multiple_words(lex, text, body_start, multiples)
    mult_starts = [m[0] for m in mult]
    cands: list[tuple[_Cand, _Context]] = []
    i = 0
    prev_s0 = body_start
    for s0, e0 in _sentences(doc, body_start):
        last_s0, prev_s0 = prev_s0, s0
        j = i
        while j < len(numbers) and numbers[j].start < e0:
            j += 1
        in_sentence = [n for n in numbers[i:j] if n.start >= s0 and n.end <= e0]
        i = j
        words = _sentence_multiples(lex, text, s0, e0, mult, mult_starts)
        if not in_sentence and not (multiples and words):
            continue
        ctx = _Context(text, s0, e0, doc.published_date, cues, cue_ends, min(last_s0, s0))
        cands.extend((c, ctx) for c in _sentence_cands(lex, ctx, in_sentence, words))
    rows: list[StatisticRow] = []
    last_period: _Time | None = None
    by_sentence: dict[int, list[_Cand]] = {}
    for c, ctx in cands:
        by_sentence.setdefault(ctx.s0, []).append(c)
    for c, ctx in cands:
        _mean(lex, ctx, c)
        period = _period(ctx, c, by_sentence[ctx.s0])
        if period is None and last_period is not None and _anaphoric_time(ctx, c):
            period = last_period  # `during this period`, `This is 7.2 percent higher`
        if period is not None:
            last_period = period
        src, dst = _direction(lex, ctx, c)
        unit = c.unit or "other"
        measure = c.measure or "other"
        rule = c.rule or c.kind
        rows.append(
            StatisticRow(
                char_start=c.start,
                char_end=c.end,
                quote=text[c.start : c.end],
                value=float(c.value),
                unit=unit,
                qualifier=c.qualifier,
                measure=measure,
                subject=c.subject,
                period_start=period.date_start if period else None,
                period_end=period.date_end if period else None,
                period_label=period.label if period else None,
                from_country=src,
                to_country=dst,
                extractor=f"{NAME}/{rule}@{VERSION}",
                confidence=round(c.confidence, 2),
            )
        )
    return _dedupe(rows)


_ANAPHORIC_PERIOD = re.compile(
    r"\b(?:during|in|over|for|within)\s+(?:this|that|the\s+same|the\s+said)\s+(?:period|time)\b",
    re.I,
)
_ANAPHORIC_START = re.compile(
    r"[\s\"“«]*(?:This|That|It|These|Which)\s+(?:is|was|were|are|has|had)\b"
)


def _anaphoric_time(ctx: _Context, c: _Cand) -> bool:
    """True when the sentence of `c` refers back to the time of the one before."""
    if ctx.anaphoric is None:
        ctx.anaphoric = _may_hold(ctx.text[ctx.s0 : ctx.e0], ("period", "time")) and bool(
            _ANAPHORIC_PERIOD.search(ctx.text, ctx.s0, ctx.e0)
        )
    if ctx.anaphoric:
        return True
    return c.kind in ("percent", "multiple") and bool(
        _ANAPHORIC_START.match(ctx.text, ctx.s0, ctx.e0)
    )


_SMALL_UNITS = frozenset(("count", "people", "percent", "percentage_point", "multiple"))


def _same_fact(a: StatisticRow, b: StatisticRow) -> bool:
    """Two rows of one document that state the same fact (a fact repeated is one row)."""
    if round(a["value"], 6) != round(b["value"], 6) or a["unit"] != b["unit"]:
        return False
    if a["measure"] == b["measure"] or "other" in (a["measure"], b["measure"]):
        return True
    digits = len(f"{a['value']:.6g}".replace(".", "").replace("-", "").split("e")[0].strip("0"))
    return digits >= 3 or (digits >= 2 and a["unit"] not in _SMALL_UNITS)


def _dedupe(rows: list[StatisticRow]) -> list[StatisticRow]:
    """One row per fact: its first mention, with the measure and period of a later mention
    where the first names none."""
    kept: list[StatisticRow] = []
    by_value: dict[tuple[float, str], list[int]] = {}
    for r in rows:
        if "/range@" in r["extractor"] or "/pair@" in r["extractor"]:
            kept.append(r)
            continue
        key = (round(r["value"], 6), r["unit"])
        same = next((i for i in by_value.get(key, []) if _same_fact(kept[i], r)), None)
        if same is None:
            by_value.setdefault(key, []).append(len(kept))
            kept.append(r)
        else:
            old = kept[same]
            if old["measure"] == "other" and r["measure"] != "other":
                old["measure"], old["subject"] = r["measure"], r["subject"]
            if old["period_label"] is None and r["period_label"] is not None:
                old["period_start"], old["period_end"] = r["period_start"], r["period_end"]
                old["period_label"] = r["period_label"]
    return kept


_Multiple = tuple[int, int, float]  # a one-word multiple (`doubled`): start, end, value
_ICASE_ODD = ("\u017f", "\u0131", "\u0130", "\u212a")  # non-ASCII letters re.I folds to ASCII


def _multiple_words(lex: _Lex, text: str, body_start: int, hits: bool) -> list[_Multiple]:
    """The one-word multiples of the document (`lex.multiple_words` from `body_start`).

    Scanned only when the Aho–Corasick pass of the lower-cased text saw one (`hits`) or the
    text holds a letter that only a case-insensitive regex folds to ASCII (`ſ`, `ı`, `İ`, the
    Kelvin sign): otherwise the regex finds nothing."""
    if not hits and not any(ch in text for ch in _ICASE_ODD):
        return []
    values = lex.multiple_values
    return [
        (m.start(), m.end(), values[m.group(0).lower()])
        for m in lex.multiple_words.finditer(text, body_start)
    ]


def _sentence_multiples(
    lex: _Lex, text: str, s0: int, e0: int, mult: list[_Multiple], starts: list[int]
) -> list[_Multiple]:
    """The one-word multiples of `text[s0:e0]`, as `lex.multiple_words.finditer(text, s0, e0)`
    finds them: the document's, unless a word runs across `e0` (there the sentence's end is a
    word boundary the document does not have)."""
    if not mult:
        return []
    if 0 < e0 < len(text) and _WORD_CHAR.match(text, e0 - 1) and _WORD_CHAR.match(text, e0):
        values = lex.multiple_values
        return [
            (m.start(), m.end(), values[m.group(0).lower()])
            for m in lex.multiple_words.finditer(text, s0, e0)
        ]
    k = bisect_left(starts, s0)
    out: list[_Multiple] = []
    while k < len(mult) and mult[k][1] <= e0:
        out.append(mult[k])
        k += 1
    return out


_WORD_CHAR = re.compile(r"\w")


def _sentence_cands(
    lex: _Lex, ctx: _Context, nums: list[Number], words: list[_Multiple]
) -> list[_Cand]:
    text, s0, e0 = ctx.text, ctx.s0, ctx.e0
    out: list[_Cand] = []
    i = 0
    while i < len(nums):
        n = nums[i]
        i += 1
        if _year_like(n) and not _money_or_unit_after(lex, text, n, e0):
            continue
        if _excluded(lex, ctx, n):
            continue
        nxt = nums[i] if i < len(nums) else None
        link = _range_link(lex, text, n, nxt, s0) if nxt is not None else None
        if nxt is not None and link is not None:
            if _year_like(n) and _year_like(nxt):
                i += 1
                continue
            if _excluded(lex, ctx, nxt):
                i += 1
                continue
            pair = _pair(lex, ctx, n, nxt, link)
            if pair is not None:
                i += 1
                out.extend(pair)
                continue
        c = _read(lex, ctx, n, n.value)
        if c is None:
            el = _ellipsis(text, s0, n) if n.form == "digits" else None
            prev = next((p for p in reversed(out) if p.kind == "count"), None)
            if (
                el is None
                and prev is not None
                and n.form == "digits"
                and not _year_like(n)
                and n.start - prev.end <= _list_gap(text, s0, prev)
                and _LIST_BEFORE.search(text, max(s0, n.start - 12), n.start)
            ):
                el = n.start  # `3,502 electors ..., 4,361 with visual impairment`
            if el is not None and prev is not None:
                out.append(
                    _Cand(
                        el,
                        n.end,
                        n.start,
                        n.end,
                        n.value,
                        prev.unit,
                        "exact",
                        "count",
                        prev.measure,
                        prev.subject,
                        0.6,
                        "ellipsis",
                    )
                )
            continue
        prev = next((p for p in reversed(out) if p.kind == "count"), None)
        if (
            c.kind == "amount"
            and c.unit == "other"
            and prev is not None
            and n.start - prev.end <= _list_gap(text, s0, prev)
            and (_ellipsis(text, s0, n) is not None or _LIST_BEFORE.search(text, s0, c.start))
        ):  # `74K citizens ..., including more than 30K that receive grants`
            c.kind, c.unit, c.measure, c.subject = "count", prev.unit, prev.measure, prev.subject
            c.rule = "ellipsis"
        if (
            _year_like(n)
            and c.kind in ("count", "amount")
            and _YEAR_BEFORE.search(text, max(s0, n.start - 8), n.start)
        ):
            continue
        out.append(c)
    for ws, we, value in words:
        out.append(
            _Cand(
                ws,
                we,
                ws,
                we,
                value,
                "multiple",
                "exact",
                "multiple",
                rule="multiple_verb",
            )
        )
    if out:  # numbers inside a date, a period or a duration are no statistics
        out = [
            c for c in out if c.rule == "multiple_verb" or not _in_time(ctx, c.num_start, c.num_end)
        ]
    out.sort(key=lambda c: (c.start, c.end))
    return out


def _money_or_unit_after(lex: _Lex, text: str, n: Number, e0: int) -> bool:
    left = text[max(0, n.start - 8) : n.start]
    return bool(lex.cur_prefix.search(left) or lex.unit_money_after.match(text, n.end, e0))


def _pair(lex: _Lex, ctx: _Context, a: Number, b: Number, link: str) -> list[_Cand] | None:
    """Rows of a range (`$24-24.5 billion`) or a pair (`76 out of 89 subjects`)."""
    hi = _read(lex, ctx, b, b.value)
    if hi is None or (link == "pair" and hi.kind != "count"):
        return None
    ratio = hi.value / b.value if b.value else 1.0  # unit factor, money short scale, percent
    lo_value = a.value * ratio * (b.scale if a.scale == 1.0 and b.scale > 1.0 else 1.0)
    start = a.start
    left = ctx.text[max(ctx.s0, a.start - 8) : a.start]
    cm = lex.cur_prefix.search(left)
    if cm is not None:
        start = a.start - (len(left) - cm.start())
        if hi.kind == "amount" or hi.unit == "other":
            hi.unit, hi.kind = lex.cur_prefix_map[cm.group(0).strip()], "money"
    qual, qstart = _qualifier(lex, ctx.text, ctx.s0, start)
    if link == "pair":
        first_q, second_q, rule = qual, hi.qualifier, "pair"
    else:
        first_q, second_q, rule = "at_least", "up_to", "range"
    return [
        _Cand(
            qstart,
            hi.end,
            n.start,
            n.end,
            v,
            hi.unit,
            q,
            hi.kind,
            hi.measure,
            hi.subject,
            hi.confidence,
            rule,
        )
        for n, v, q in ((a, lo_value, first_q), (b, hi.value, second_q))
    ]
