"""Temporal expressions of English news texts: find them and resolve them to calendar dates.

A grammar of compiled regular expressions built from the lexicon `lexicons/timex.yaml`, plus
small pure resolvers. One master regular expression (an ordered alternation of rules, most
specific first) is run over the text; every rule is a named group, and the resolver of the
rule turns the match into a `Timex` (or rejects it). `ref` is the publication date.

Conventions (documented here, tested in `tests/golden/timex.jsonl`):

- The reported span leaves out a plain leading `in`/`on`/`at`/`during` ("in March 1994" ->
  "March 1994") but keeps words that change the meaning ("since 2003", "by 2030",
  "over the past year", "in the last year", "for 20 years", "between 2003 and 2014").
- Labels: day `YYYY-MM-DD`, month `YYYY-MM`, quarter `YYYY-Q1`, half `YYYY-H1`, year `YYYY`;
  an interval is `A/B` with A and B labels at the interval's precision.
- Decades: `the 1990s` -> 1990/1999; early = years 0-3, mid = 3-6, late = 7-9 of the decade.
- Centuries follow the formal count: the 20th century is 1901..2000 (label `1901/2000`).
- Parts of a year: early (and "the beginning of") = January-April, mid = May-August,
  late (and "the end of") = September-December, precision month; but the deadlines
  "by 2030", "by the end of 2020", "until 2025" give the whole year.
- Parts of a month: early = days 1-10, mid = 11-20, late = 21-end (precision day).
- Seasons: spring Mar-May, summer Jun-Aug, autumn/fall Sep-Nov, winter of YEAR = Dec YEAR to
  Feb YEAR+1.
- Rolling periods ("over the past year", "in the last 12 months", "over the past five
  years") run from the reference month minus the period to the reference month
  (precision month; weeks and days: precision day).
- "last year", "the past year", "the previous year" are the calendar year before `ref`;
  "last November" is the latest November before the reference month.
- Present markers ("currently", "to date") resolve to the reference year (kind "present").
- Durations and sets carry no dates (precision "unknown").
- Weeks ("last week") are day-precision intervals Monday..Sunday.
- "the day before" / "the previous day" assume the reference date (the day before `ref`).
- "the summer of 2019" keeps its months (2019-06/2019-08, precision month): the season is
  what the text fixes; a reader wanting one partial date takes the common year.
- Decades also in short and word forms: "the '90s", "the mid-'90s" ('20s-'90s are the 1900s,
  '00s and '10s this century), "the (late) nineties" (the word needs "the" or a part).
- Vague stretches before the reference date ("in recent years", "over the past few
  years", "over the years") are kind "range" with no dates: the text fixes no interval.
- Anaphoric times ("the following year", "the same year", "that year", "a year earlier")
  are kind "date" with no dates: the caller resolves them from the context, if it can.
- "for" before a month or a date is a date ("planned for December", "scheduled for March
  2025"), not a duration.
- After a temporal preposition ("in", "since", "during", ...) a plausible 4-digit number
  (1800-2100) is a year whatever word follows ("signed in 1998 opened a new stage"), unless
  a count word of the lexicon follows ("in 2000 tonnes").
- "N months of YEAR" after a preposition ("in 8 months of 2023", "over eleven months of this
  year", "based on the results of 8 months of 2024") are the first N months of that year
  (range 2024-01/2024-08, precision month), like "the first N months"; "the last N months of
  YEAR" are its last N months. Without a year, "for 8 months" stays a duration.
- Year (month) to date: "since/from the beginning (start) of 2011 / the year / this year /
  March / the month" run from the first day of that year (month) to the reference date:
  kind "range", precision "day" (both ends are known days), e.g. 2011-01-01/2024-11-25.
  Not when an end follows: "from the beginning of 2024 to October", "from the start of the
  year to the end of May", "since the beginning of the year through October 2023" run from
  January to the end of that month (kind "range", precision month). The year is the one
  after the month, else the one after "beginning of"; "the year" alone takes the year of
  the month read like a lone month ("in October") with `prefer`.
- "N months of YEAR" may take "the" ("in the eleven months of 2024"): the first N months.
- Weekdays ("on Sunday", "this Sunday"): with prefer="current" the day of the reference
  week (Monday first: written on a Monday, "this Sunday" is six days ahead), unless the
  sentence marks the tense: the nearest cue word of the lexicon (`tense_cues`; any other
  lower-case -ed word is a past cue, except after "be"/"is"/"to"...) reads it as with
  prefer="past" ("held this Sunday" on a Monday: the day before) or "future" ("will be held
  this Sunday"). prefer="past": the latest such day not after ref; "future": the earliest
  not before ref. "last Friday" is the latest Friday before ref, "next Tuesday" the earliest
  after ref (on a Monday: the next day), whatever `prefer`.
- Month ranges: "January-April", "Jan-Apr 2023", "January–April of this year" (any hyphen or
  dash), "from/between X to/and Y" are one range; a range across the new year
  ("December-February 2024") ends in the given year. Without a year, the range of ref's year
  (prefer="current"), or the latest such range that has ended by ref (prefer="past").
  "through" needs no "from" ("in January through October"). A first month with its own
  year ("December 2023-February 2024", "Dec 2023 – Feb 2024", "from December 2023 to
  February 2024", "between November 2022 and March 2023") is one range across the years;
  without a second year the second month is the first such month after the first one
  ("from November 2023 to February" ends in February 2024; a word separator then needs
  "from"/"between"); "December 2023 and February 2024" stays a list.
- Coordinated months ("in December and January", "in March and April 2024", "in May, June
  and July") are one expression per month (kind "date", precision month); a year at the end
  belongs to every month ("March" 2024-03, "April 2024" 2024-04). The months follow one
  another in time (a month not after the previous one is in the next year: "December and
  January" = 2024-12, 2025-01); the year at the end, or else the first month resolved like
  a lone month (the last one with prefer="past"), fixes them. "X and Y" is a range only
  after "between". A list needs a preposition before it or a year after it.

Matching: one scan finds the anchors (numbers, months, weekdays, units, relative and
present words); the rules are tried only at an anchor and at the words before it that can
stand inside an expression, and at each such word only the rules that can start with that
word (computed from the rules' parse trees), narrowed by the token after it (after a common
word, or after digits and a blank) and, at digits, by the length of the run and the
character after it. Digits where no rule can start open no expression: the words before
them are not tried. The tables and the compiled alternations are built on first use (a
one-document run compiles only what its text needs); `prepare()` builds them all at once.
"""

from __future__ import annotations

import calendar
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from itertools import pairwise
from typing import Any, NamedTuple

import yaml

__all__ = ["Timex", "find_timexes", "prepare"]

PRECISIONS = ("day", "month", "quarter", "half", "year", "unknown")
KINDS = ("date", "range", "present", "duration", "set")
PREFERS = ("current", "past", "future")


@dataclass(frozen=True, slots=True)
class Timex:
    """One temporal expression: its span in the text and its resolution."""

    start: int
    end: int
    text: str
    date_start: date | None
    date_end: date | None
    precision: str
    label: str | None
    kind: str
    relative: bool
    rule: str = ""


# --------------------------------------------------------------------------------------
# Calendar helpers (pure)
# --------------------------------------------------------------------------------------

_MIN_YEAR, _MAX_YEAR = 1, 9998


def _last_day(y: int, m: int) -> int:
    return calendar.monthrange(y, m)[1]


def _month_start(y: int, m: int) -> date:
    return date(y, m, 1)


def _month_end(y: int, m: int) -> date:
    return date(y, m, _last_day(y, m))


def _add_months(y: int, m: int, n: int) -> tuple[int, int]:
    k = y * 12 + (m - 1) + n
    return k // 12, k % 12 + 1


def _label(d: date, precision: str) -> str:
    if precision == "day":
        return d.isoformat()
    if precision == "month":
        return f"{d.year:04d}-{d.month:02d}"
    if precision == "quarter":
        return f"{d.year:04d}-Q{(d.month - 1) // 3 + 1}"
    if precision == "half":
        return f"{d.year:04d}-H{(d.month - 1) // 6 + 1}"
    return f"{d.year:04d}"


def _span_label(d1: date, d2: date, precision: str) -> str:
    a, b = _label(d1, precision), _label(d2, precision)
    return a if a == b else f"{a}/{b}"


# A resolution: (date_start, date_end, precision, kind, relative); label is derived.
_Res = tuple[date, date, str, str, bool]


def _res(d1: date, d2: date, precision: str, kind: str = "date", relative: bool = False) -> _Res:
    return (d1, d2, precision, kind, relative)


def _year_res(y1: int, y2: int | None = None, *, kind: str = "date", rel: bool = False) -> _Res:
    y2 = y1 if y2 is None else y2
    return _res(date(y1, 1, 1), date(y2, 12, 31), "year", kind, rel)


def _months_res(y: int, m1: int, n: int, *, kind: str = "date", rel: bool = False) -> _Res:
    """`n` months from month `m1` of year `y` (may run into the next year)."""
    y2, m2 = _add_months(y, m1, n - 1)
    return _res(_month_start(y, m1), _month_end(y2, m2), "month", kind, rel)


def _pick_year(
    span_of: Callable[[int], tuple[date, date]], ref: date, prefer: str
) -> tuple[date, date]:
    """Resolve a yearless expression: `span_of(year)` gives its dates in a given year."""
    s, e = span_of(ref.year)
    if prefer == "past" and s > ref:
        return span_of(ref.year - 1)
    if prefer == "future" and e < ref:
        return span_of(ref.year + 1)
    return s, e


def _safe_year(y: int) -> bool:
    return _MIN_YEAR + 1 <= y <= _MAX_YEAR - 1


# --------------------------------------------------------------------------------------
# Lexicon and grammar
# --------------------------------------------------------------------------------------


@cache
def _lexicon() -> dict[str, Any]:
    text = resources.files("pipeline.lexicons").joinpath("timex.yaml").read_text("utf-8")
    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it
    data: dict[str, Any] = yaml.load(text, Loader=loader)
    return data


def _alt(words: Any) -> str:
    """Alternation of lexicon words (a prefix tree, longest first), spaces as flexible blanks."""
    return _trie(words, space=_S)


def _cased(words: Any) -> str:
    """Lexicon words (months, weekdays) for the lower-cased text: case is checked later."""
    return _trie(str(w).lower() for w in words)


_S = r"[ \t\u00a0]+"  # blanks inside an expression (no line breaks)
_S0 = r"[ \t\u00a0]*"
_DASH = r"[ \t\u00a0]*[-–—‐‑‒−][ \t\u00a0]*"  # hyphens, dashes, minus
_YEAR = r"(?<![\d$€£¥₽₸])(?<!\d[.,])(?:1\d\d\d|20\d\d|21\d\d)(?![\d]|[.,]\d)"
_DAY = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?(?![\d%]|[.,:]\d)"


# Words that open a rule besides the lexicon's words (prepositions and determiners).
_RULE_FIRST_WORDS = [
    "in",
    "on",
    "at",
    "during",
    "of",
    "for",
    "throughout",
    "within",
    "from",
    "between",
    "the",
    "over",
    "since",
    "beginning",
    "starting",
    "commencing",
    "by",
    "until",
    "till",
    "through",
    "end",
    "start",
    "middle",
    "once",
    "twice",
    "thrice",
    "every",
    "each",
    "half",
    "recent",
    "following",
]


_LEXICON_WORD_LISTS = ("months", "month_abbreviations", "weekdays", "seasons", "numbers", "tens",
    "ordinals", "units", "relative_days", "relative_shift", "parts", "year_parts_relative",
    "present_markers", "set_words", "vague_quantities", "vague_periods", "anaphoric_years",
    "decade_words")  # fmt: skip


def _trie(words: Any, space: str = " ") -> str:
    """A regular expression matching exactly the given words, factored as a prefix tree.

    The regex engine tries the alternatives of a group one by one; sharing prefixes makes a
    failing position cost a few character tests instead of one per word.
    """
    root: dict[str, Any] = {}
    for w in {str(x) for x in words}:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        alts = [
            (space if ch == " " else re.escape(ch)) + emit(sub)
            for ch, sub in sorted(node.items())
            if ch
        ]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if "" in node:
            return f"(?:{body})?"
        return body

    return emit(root)


_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")


class _Unknown(Exception):
    """The first words of a rule cannot be listed: the rule is tried at every word."""


@cache
def _parse_tree(pattern: str) -> tuple[Any, Any]:
    """The parse tree of `pattern` by the standard `re` parser and its constants module
    (parsed once: the analyses of a rule walk it several times)."""
    parser: Any = importlib.import_module("re._parser")
    c: Any = importlib.import_module("re._constants")
    return list(parser.parse(pattern)), c


def _first_words(pattern: str, limit: int = 5000) -> frozenset[str] | None:
    """The letter runs a match of `pattern` can start with ("" = a non-letter first).

    Walks the parse tree of the standard `re` module (lower-case patterns); None when the
    set is open-ended or too large, or the parser is unavailable.
    """
    try:
        tree, c = _parse_tree(pattern)
    except Exception:  # pragma: no cover - another Python: every rule is tried everywhere
        return None
    out: set[str] = set()
    Frame = tuple[list[Any], int]

    def chars_of(av: Any) -> set[str]:
        chars: set[str] = set()
        for iop, iav in av:
            if iop is c.LITERAL:
                chars.add(chr(iav))
            elif iop is c.RANGE:
                chars.update(chr(x) for x in range(iav[0], iav[1] + 1))
            elif iop is c.CATEGORY and iav in (c.CATEGORY_DIGIT, c.CATEGORY_SPACE):
                chars.add("0")
            else:
                raise _Unknown
        return chars

    def walk(stack: tuple[Frame, ...], word: str) -> None:
        if len(out) > limit:
            raise _Unknown
        while stack and stack[-1][1] >= len(stack[-1][0]):
            stack = stack[:-1]
        if not stack:
            out.add(word)
            return
        items, i = stack[-1]
        rest = (*stack[:-1], (items, i + 1))
        op, av = items[i]
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            walk(rest, word)
        elif op is c.LITERAL:
            ch = chr(av)
            if ch in _LETTERS:
                walk(rest, word + ch)
            else:
                out.add(word)
        elif op is c.IN:
            chars = chars_of(av)
            letters = chars & _LETTERS
            if len(letters) > 4:
                raise _Unknown
            for ch in sorted(letters):
                walk(rest, word + ch)
            if chars - _LETTERS:
                out.add(word)
        elif op is c.BRANCH:
            for seq in av[1]:
                walk((*rest, (list(seq), 0)), word)
        elif op is c.SUBPATTERN:
            walk((*rest, (list(av[-1]), 0)), word)
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
            lo, hi, sub = av
            if lo == 0:
                walk(rest, word)
            if hi == 0:
                return
            if hi > 5:  # open-ended: fine when a copy cannot go on with letters
                probe = _first_words_of_tree(list(sub), c)
                if probe is None or any(probe):
                    raise _Unknown
                walk((*rest, (list(sub), 0)), word)
                return
            for k in range(max(lo, 1), hi + 1):
                walk((*rest, (list(sub) * k, 0)), word)
        else:
            raise _Unknown

    try:
        walk(((tree, 0),), "")
    except (_Unknown, RecursionError):
        return None
    return frozenset(out)


_ANY = "*"  # any second token
_DIGITS = "0"  # a run of digits as the first token (see `_first_two`)
_DIGIT_CHARS = frozenset("0123456789")  # digits as `chars_of` lists them (\d is "0")
_GLUED = "#"  # the first word is not followed by a blank
_OTHER = ""  # blanks, then a token that is not a letter run


@cache
def _first_two(
    pattern: str, wanted: frozenset[str], limit: int = 5000
) -> frozenset[tuple[str, str]] | None:
    """The (first word, second token) pairs a match of `pattern` can start with.

    The first word is a letter run, as in `_first_words`, or `_DIGITS` for a run of digits
    (when `_DIGITS` is in `wanted`); the second token is the letter run
    after blanks (`[ \t\u00a0]`), `_OTHER` when blanks come before a non-letter, `_GLUED`
    when the first word is not followed by a blank, `_ANY` when it cannot be told (the match
    may end there, or the pattern cannot be listed); a second word ending with "…" is a
    prefix (the match may end inside a longer word). None when the first words cannot be
    listed (those of `_first_words`). Only pairs whose first word is in `wanted` are
    listed (the walk stops at other first words). Lower-case patterns."""
    prefixes = frozenset(w[:k] for w in wanted for k in range(len(w) + 1))
    try:
        tree, c = _parse_tree(pattern)
    except Exception:  # pragma: no cover - another Python: no second-word dispatch
        return None
    out: set[tuple[str, str]] = set()
    Frame = tuple[list[Any], int]
    blanks = frozenset(_BLANKS)

    def chars_of(av: Any) -> set[str] | None:
        chars: set[str] = set()
        for iop, iav in av:
            if iop is c.LITERAL:
                chars.add(chr(iav))
            elif iop is c.RANGE:
                if iav[1] - iav[0] > 200:
                    return None
                chars.update(chr(x) for x in range(iav[0], iav[1] + 1))
            elif iop is c.CATEGORY and iav == c.CATEGORY_DIGIT:
                chars.add("0")
            elif iop is c.CATEGORY and iav == c.CATEGORY_SPACE:
                chars.update((" ", "\n"))  # a blank or another non-letter
            else:
                return None
        return chars

    def step(stack: tuple[Frame, ...], state: tuple[int, str, str], ch: str) -> None:
        phase, w1, w2 = state
        letter = ch in _LETTERS
        if phase == 0 and w1 and w1 not in wanted and (not letter or w1 + ch not in prefixes):
            return  # not a wanted first word
        if phase == 3:  # in a run of digits
            if ch in _DIGIT_CHARS:
                walk(stack, state)
            elif ch in blanks:
                walk(stack, (1, w1, ""))
            else:
                out.add((w1, _GLUED))
        elif phase == 0:
            if letter:
                walk(stack, (0, w1 + ch, ""))
            elif not w1:
                if ch in _DIGIT_CHARS and _DIGITS in wanted:
                    walk(stack, (3, _DIGITS, ""))
                else:
                    out.add(("", _ANY))
            elif ch in blanks:
                walk(stack, (1, w1, ""))
            else:
                out.add((w1, _GLUED))
        elif phase == 1:
            if letter:
                walk(stack, (2, w1, ch))
            elif ch in blanks:
                walk(stack, state)
            else:
                out.add((w1, _OTHER))
        elif letter:
            walk(stack, (2, w1, w2 + ch))
        else:
            out.add((w1, w2))

    def give_up(state: tuple[int, str, str]) -> None:
        if state[0] == 0:
            raise _Unknown
        out.add((state[1], _ANY))

    def walk(stack: tuple[Frame, ...], state: tuple[int, str, str]) -> None:
        if len(out) > limit:
            raise _Unknown
        while stack and stack[-1][1] >= len(stack[-1][0]):
            stack = stack[:-1]
        phase, w1, w2 = state
        if not stack:
            out.add((w1, w2 + "…" if phase == 2 else _ANY) if w1 else ("", _ANY))
            return
        items, i = stack[-1]
        rest = (*stack[:-1], (items, i + 1))
        op, av = items[i]
        if op in (c.ASSERT, c.ASSERT_NOT) and state[0] == 2 and _bars_letters(op, av, c):
            out.add((state[1], state[2]))  # no letter may follow: the second word ends here
        elif op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            walk(rest, state)
        elif op is c.LITERAL:
            step(rest, state, chr(av))
        elif op is c.IN:
            chars = chars_of(av)
            if chars is None or len(chars & _LETTERS) > 4:
                give_up(state)
                return
            for ch in sorted(chars):
                step(rest, state, ch)
        elif op is c.BRANCH:
            for seq in av[1]:
                walk((*rest, (list(seq), 0)), state)
        elif op is c.SUBPATTERN:
            walk((*rest, (list(av[-1]), 0)), state)
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
            lo, hi, sub = av
            if lo == 0:
                walk(rest, state)
            if hi == 0:
                return
            if hi > 5:  # open-ended: one copy when more copies cannot change the state
                items_ = list(sub)
                one = len(items_) == 1 and items_[0][0] in (c.IN, c.LITERAL)
                chars = (
                    (chars_of(items_[0][1]) if items_[0][0] is c.IN else {chr(items_[0][1])})
                    if one
                    else None
                )
                if chars is None or chars & _LETTERS or (chars & blanks and chars - blanks):
                    give_up(state)
                    return
                if _DIGITS in wanted and chars & _DIGIT_CHARS and chars - _DIGIT_CHARS:
                    give_up(state)  # digits then another sign: more copies could matter
                    return
                # Blanks only (a blank keeps phases 0-1 waiting for the next token) or no
                # blank at all (the first copy ends the walk): one copy says it all.
                walk((*rest, (items_, 0)), state)
                return
            for k in range(max(lo, 1), hi + 1):
                walk((*rest, (list(sub) * k, 0)), state)
        else:
            give_up(state)

    try:
        walk(((tree, 0),), (0, "", ""))
    except (_Unknown, RecursionError):
        return None
    return frozenset(out)


_WORD_DISPATCH_MIN = 12  # first words with this many rules get a second-token dispatch


def _bars_letters(op: Any, av: Any, c: Any) -> bool:
    r"""Is the assertion `op`, `av` (of a parse tree) a look-ahead that fails before any
    letter a-z? Negative: `(?!\w)`, `(?![\w'’])`, `(?![a-z])`, `(?!\w|-old)`; positive:
    `(?=-|\W|$)` (every alternative starts with a sign that is not a letter)."""
    direction, sub = av
    if direction != 1:
        return False
    items = list(sub)
    if op is c.ASSERT:
        alts = items[0][1][1] if len(items) == 1 and items[0][0] is c.BRANCH else [items]
        return all(_opens_without_letter(list(seq), c) for seq in alts)

    def one_in(seq: Any) -> bool:
        items = list(seq)
        if len(items) != 1 or items[0][0] is not c.IN:
            return False
        for iop, iav in items[0][1]:
            if iop is c.NEGATE:
                return False
            if iop is c.CATEGORY and iav == c.CATEGORY_WORD:
                return True
            if iop is c.RANGE and iav[0] <= ord("a") and iav[1] >= ord("z"):
                return True
        return False

    if len(items) == 1 and items[0][0] is c.BRANCH:
        return any(one_in(seq) for seq in items[0][1][1])
    return one_in(items)


def _opens_without_letter(items: list[Any], c: Any) -> bool:
    """Does every match of the sub-pattern `items` start with a character that is not a
    letter a-z, or at the end of the text?"""
    if not items:
        return False
    op, av = items[0]
    if op is c.LITERAL:
        return chr(av) not in _LETTERS
    if op is c.AT:
        return av in (c.AT_END, c.AT_END_STRING)
    if op is c.IN:
        return list(av) == [(c.CATEGORY, c.CATEGORY_NOT_WORD)]
    return False


def _second_fits(seconds: tuple[frozenset[str], tuple[str, ...]], key: str) -> bool:
    """Can a rule whose second tokens are `seconds` (from `_first_two`, without `_ANY`: the
    whole tokens, and the prefixes of those ending with "…") match where the text's second
    token is `key` (a letter run, `_OTHER`, `_GLUED`, or `_ANY` for a letter run that no
    rule lists)?"""
    whole, prefixes = seconds
    if key in (_OTHER, _GLUED):
        return key in whole
    if key == _ANY:
        return bool(prefixes)
    return key in whole or any(key.startswith(b) for b in prefixes)


def _first_words_of_tree(items: list[Any], c: Any) -> set[str] | None:
    """Can a match of the sub-pattern `items` start with a letter? ({""} = no; None = maybe)."""
    for op, av in items:
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            continue
        if op is c.LITERAL:
            return {chr(av)} if chr(av) in _LETTERS else {""}
        if op is c.IN:
            try:
                chars = {
                    chr(iav) if iop is c.LITERAL else "0"
                    for iop, iav in av
                    if iop is c.LITERAL
                    or (iop is c.CATEGORY and iav in (c.CATEGORY_DIGIT, c.CATEGORY_SPACE))
                }
            except Exception:  # pragma: no cover
                return None
            if len(chars) != len(av) or chars & _LETTERS:
                return None
            return {""}
        return None
    return None


_BLANKS = " \t\u00a0"  # the characters of `_S`
_DASHES = "-–—‐‑‒−"  # the dashes of `_DASH`
_ORD_SUFFIX = "snrt"  # first letters of st, nd, rd, th
#: Characters after a digit run that some rule can go on with; any other is keyed "".
_DIGIT_NEXT = frozenset(_BLANKS + _DASHES + "./,'’" + _ORD_SUFFIX + "mqh")
_DIGIT_RUN_MAX = 5  # digit runs of 5 or more digits share one key


def _digit_rule_may_match(rule: str, size: int, ch: str) -> bool:
    r"""False only when rule `rule` cannot match at a position where a run of `size` digits
    (`\d+`; `_DIGIT_RUN_MAX` = that many or more) is followed by the character `ch`
    ("" = the end of the text or a character outside `_DIGIT_NEXT`).

    Read off the rules' patterns in `_grammar` (their optional word prefixes cannot match at
    a digit): `_YEAR` is exactly 4 digits, `_DAY` at most 2 (then a suffix, a blank or a
    dash), `num` at most 3 (then a blank). A rule not listed here may match anywhere."""
    blank = ch != "" and ch in _BLANKS
    if rule == "iso":
        return size == 4 and ch == "-"
    if rule == "dotted":
        return size <= 2 and ch in (".", "/")
    if rule == "day_range_dmy":
        return size <= 2 and ch != "" and ch in _ORD_SUFFIX + _BLANKS + _DASHES
    if rule in ("date_dmy", "date_dm", "century"):
        return size <= 2 and ch != "" and ch in _ORD_SUFFIX + (_BLANKS if rule != "century" else "")
    if rule == "n_months_code":
        return size <= 2 and ch == "m"
    if rule == "quarter_words":
        return size == 1 and ch != "" and ch in _ORD_SUFFIX
    if rule == "quarter_code":
        return size == 4 or (size == 1 and ch in ("q", "h"))
    if rule == "decade":
        return size == 4 and ch in ("'", "’", "s")
    if rule == "decade_short":
        return False  # starts with an apostrophe or a word
    if rule == "ago":
        return size <= 3 and blank
    if rule == "year_range":
        return size == 4 and (blank or ch == "/" or (ch != "" and ch in _DASHES))
    if rule == "set":
        return blank
    if rule == "duration_adj":
        return blank or ch in ("-", "‑", ".", ",")
    if rule == "duration":
        return blank or ch in (".", ",")
    if rule == "year":
        return size == 4
    return True


class _Rules:
    """Rules tried together at a position: one alternation of their patterns, in priority
    order, compiled on first use (a fresh process compiles only the sets its text needs)."""

    __slots__ = ("names", "rx", "source")

    def __init__(self, names: tuple[str, ...], source: str) -> None:
        self.names = names
        self.source = source
        self.rx: re.Pattern[str] | None = None

    def pattern(self) -> re.Pattern[str]:
        if self.rx is None:
            self.rx = re.compile(self.source)
        return self.rx


@dataclass(frozen=True, slots=True)
class _Grammar:
    anchors: re.Pattern[str]
    back: re.Pattern[str]
    dispatch: dict[str, _Rules]
    digit_dispatch: dict[tuple[int, str], _Rules | None]
    # First word -> second token -> rules; a table is built on first use ({} until then).
    word_dispatch: dict[str, dict[str, _Rules | None]]
    # Digits followed by a blank ((size, blank) as in digit_dispatch) -> next token -> rules.
    digit_word_dispatch: dict[tuple[int, str], dict[str, _Rules | None]]
    singles: dict[str, _Rules]
    patterns: tuple[str, ...]  # the rules' patterns, in priority order
    names: tuple[str, ...]
    firsts: tuple[frozenset[str] | None, ...]  # see `_first_words`
    rule_sets: dict[tuple[int, ...], _Rules]  # one `_Rules` per set of rule indices
    groups: dict[str, _RuleGroups]
    months: dict[str, int]
    weekdays: dict[str, int]
    seasons: dict[str, tuple[int, int]]
    numbers: dict[str, int]
    ordinals: dict[str, int]
    relative_days: dict[str, int]
    shifts: dict[str, int]
    parts: dict[str, str]
    year_parts_relative: dict[str, str]
    year_prev_words: frozenset[str]
    temporal_prepositions: frozenset[str]
    decade_words: dict[str, int]
    after_year_words: frozenset[str]
    sentence_start_year_words: frozenset[str]
    count_words: frozenset[str]
    units: dict[str, str]
    future_cues: frozenset[str]
    past_cues: frozenset[str]
    passive_aux: frozenset[str]


def _norm(s: str) -> str:
    return " ".join(s.lower().replace("-", " ").split())


def _word_table(g: _Grammar, w: str) -> dict[str, _Rules | None]:
    """The rules after the common first word `w`, by the token after it (see `_second_table`);
    built on first use and kept in `g.word_dispatch[w]`."""
    table = g.word_dispatch[w]
    if not table:
        idx = [i for i, f in enumerate(g.firsts) if f is None or w in f]
        table.update(_second_table(g, w, idx, digit_keys=True))
    return table


def _digit_table(g: _Grammar, key: tuple[int, str]) -> dict[str, _Rules | None]:
    """The rules at a run of digits followed by a blank (`key` as in `g.digit_dispatch`), by
    the token after the blanks (see `_second_table`); built on first use and kept in
    `g.digit_word_dispatch[key]`."""
    table = g.digit_word_dispatch[key]
    if not table:
        rules = g.digit_dispatch[key]
        names = rules.names if rules is not None else ()
        idx = [i for i, name in enumerate(g.names) if name in names]
        table.update(_second_table(g, _DIGITS, idx, digit_keys=False))
    return table


def _second_table(
    g: _Grammar, first: str, idx: list[int], *, digit_keys: bool
) -> dict[str, _Rules | None]:
    """The rules `idx` that can match where the first token is `first`, by the token after it:
    a letter run, `_OTHER`, `_GLUED`, or `_ANY` for a letter run no rule lists (from
    `_first_two`). With `digit_keys`, a run of digits after the blanks also has keys
    `_digit_key(size, ch)`: the rules of `_OTHER` that `_digit_rule_may_match` there (the
    digits that follow a first word open the same part of a rule as at its start)."""
    wanted = frozenset((first,))
    seconds: list[tuple[frozenset[str], tuple[str, ...]] | None] = []  # None: any token
    keys = {_OTHER, _GLUED, _ANY}  # _ANY: a word not listed
    for i in idx:
        two = _first_two(g.patterns[i], wanted)
        mine = {b for a, b in two if a == first} if two is not None else set()
        if not mine or _ANY in mine:
            seconds.append(None)
            continue
        prefixes = tuple(sorted(b[:-1] for b in mine if b.endswith("…")))
        seconds.append((frozenset(b for b in mine if not b.endswith("…")), prefixes))
        keys.update(b.removesuffix("…") for b in mine)
    subs: dict[str, tuple[int, ...]] = {}
    for key in sorted(keys):
        subs[key] = tuple(
            i for i, sec in zip(idx, seconds, strict=True) if sec is None or _second_fits(sec, key)
        )
    if digit_keys:
        for size in range(1, _DIGIT_RUN_MAX + 1):
            for ch in sorted({*_DIGIT_NEXT, ""}):
                subs[_digit_key(size, ch)] = tuple(
                    i for i in subs[_OTHER] if _digit_rule_may_match(g.names[i], size, ch)
                )
    built: dict[str, _Rules | None] = {}
    for key, sub in subs.items():
        if not sub:
            built[key] = None
        elif sub in g.rule_sets:
            built[key] = g.rule_sets[sub]
        else:
            src = "|".join(g.patterns[i] for i in sub)
            built[key] = g.rule_sets.setdefault(sub, _Rules(tuple(g.names[i] for i in sub), src))
    return built


def _digit_key(size: int, ch: str) -> str:
    """The key of a second token that is a run of `size` digits followed by `ch`."""
    return f"{_DIGITS}{size}{ch}"


def _second_entry(table: dict[str, _Rules | None], low: str, e: int) -> _Rules | None:
    """The rules of `table` (see `_second_table`) for the token after the first one, which
    ends at `e`."""
    if e >= len(low) or low[e] not in _BLANKS:
        return table[_GLUED]
    b = _BLANK_RUN.match(low, e)
    q = b.end() if b is not None else e
    t = _FIRST_WORD.match(low, q)
    if t is not None:
        return table.get(t.group(), table[_ANY])
    d = _DIGIT_RUN.match(low, q)
    if d is None:
        return table[_OTHER]
    de = d.end()
    ch = low[de : de + 1]
    key = _digit_key(min(de - q, _DIGIT_RUN_MAX), ch if ch in _DIGIT_NEXT else "")
    return table.get(key, table[_OTHER])


@cache
def _grammar() -> _Grammar:
    lx = _lexicon()
    months = {str(k): int(v) for k, v in lx["months"].items()}
    abbrs = {str(k): int(v) for k, v in lx["month_abbreviations"].items()}
    month_map = {**months, **abbrs}
    weekdays = {str(k): int(v) for k, v in lx["weekdays"].items()}
    seasons = {str(k): (int(v[0]), int(v[1])) for k, v in lx["seasons"].items()}
    numbers = {str(k): int(v) for k, v in lx["numbers"].items()}
    tens = {str(k): int(v) for k, v in lx["tens"].items()}
    ordinals = {_norm(str(k)): int(v) for k, v in lx["ordinals"].items()}
    units = {str(k): str(v) for k, v in lx["units"].items()}

    month_full = rf"(?:{_cased(months)})(?![\w'’])"
    month_abbr = rf"(?:{_cased(abbrs)})(?:\.|(?![\w]))"
    month_any = rf"(?:{month_full}|{month_abbr})"
    weekday = rf"(?:{_cased(weekdays)})(?!\w)"
    season = rf"(?:{_alt(seasons)})(?!\w)"
    numw = (
        rf"(?:(?:{_alt(tens)})(?:[- ](?:{_alt(k for k in numbers if numbers[k] < 10)}))?"
        rf"|{_alt(numbers)})"
    )
    num = rf"(?:\d{{1,3}}|(?:{numw}))(?![\w])"
    vague = rf"(?:{_alt(lx['vague_quantities'])})"
    ordw = rf"(?:{_alt(lx['ordinals'])})"
    ordn = r"(?:\d{1,2}(?:st|nd|rd|th))"
    roman = r"(?:[xvi]{1,5}(?:th)?)"
    unit = rf"(?:{_alt(units)})"
    units_pl = rf"(?:(?:{_alt(units)})s|centuries)"
    unit_any = rf"(?:(?:centuries)|{unit}s?)(?!\w)"
    shift = rf"(?:{_alt(lx['relative_shift'])})"
    part = rf"(?:{_alt(lx['parts'])})"
    yref_rel = rf"(?:{_alt(lx['relative_shift'])}){_S}(?:year)(?!\w)"
    yref = rf"(?:{_YEAR}|{yref_rel}|(?:the{_S}year)(?!\w))"
    in_ = rf"(?:(?:in|on|at|during|of|for|throughout|within){_S})"
    q_ord = r"(?:first|second|third|fourth|last|final|1st|2nd|3rd|4th)"

    # Rules in priority order: at one position the first rule that matches wins; the scan
    # then continues after the match, so longer, more specific rules come first.
    # "(?P<@x>" becomes a group named "<rule>__x"; "@core" is the reported span.
    rules: list[tuple[str, str]] = [
        ("iso", r"\b(?P<@y>\d{4})-(?P<@m>0[1-9]|1[0-2])-(?P<@d>[0-3]\d)(?![\d-])"),
        (
            "dotted",
            r"(?<![\d.])(?P<@d>[0-3]?\d)(?P<@sep>[./])(?P<@m>[01]?\d)(?P=@sep)"
            r"(?P<@y>(?:1\d|2[01])\d\d)(?![\d]|\.\d)",
        ),
        (
            "day_range_dmy",
            rf"(?:{in_}|(?:from){_S})?(?P<@core>(?P<@d1>{_DAY})(?:{_DASH}|{_S}(?:to|and){_S})"
            rf"(?P<@d2>{_DAY}){_S}(?:(?:of){_S})?(?P<@m>{month_any})(?:,?{_S}(?P<@y>{_YEAR}))?)",
        ),
        (
            "day_range_mdy",
            rf"(?:{in_}|(?:from){_S})?(?P<@core>(?P<@m>{month_any}){_S}(?P<@d1>{_DAY})"
            rf"(?:{_DASH}|{_S}(?:to|and){_S})(?P<@d2>{_DAY})(?:,?{_S}(?P<@y>{_YEAR}))?)",
        ),
        (
            "date_dmy",
            rf"(?:{in_})?(?P<@core>(?:(?P<@wd>{weekday}),?{_S})?(?:(?:the){_S})?"
            rf"(?P<@d>{_DAY}){_S}(?:(?:of){_S})?(?P<@m>{month_any}),?{_S}(?P<@y>{_YEAR}))",
        ),
        (
            "date_mdy",
            rf"(?:{in_})?(?P<@core>(?:(?P<@wd>{weekday}),?{_S})?(?P<@m>{month_any}){_S}"
            rf"(?P<@d>{_DAY}),?{_S}(?P<@y>{_YEAR}))",
        ),
        (
            "month_year_range",
            rf"(?:{in_})?(?P<@core>(?:(?P<@from>(?:from|between)){_S})?(?P<@m1>{month_any}),?"
            rf"{_S}(?:(?:of){_S})?(?P<@y1>{_YEAR})(?:{_DASH}|,?{_S}"
            rf"(?P<@sep>to|through|till|until|and){_S})(?P<@m2>{month_any})"
            rf"(?:,?{_S}(?:(?:of){_S})?(?P<@y2>{_YEAR})|(?!,?{_S0}\d)))",
        ),
        (
            "month_list",
            rf"(?:(?P<@prep>(?:in|during|for|of|throughout|through|since|until|till|by|from))"
            rf"{_S})?(?P<@core>(?P<@m>{month_full})(?:[, \t\u00a0]{_S0}(?:(?:and|or){_S})?"
            rf"{month_full})+(?:,?{_S}(?:(?:of){_S})?(?P<@y>{yref}))?)(?!{_S0}\d)",
        ),
        (
            "month_range",
            rf"(?:{in_})?(?P<@core>(?:(?P<@from>(?:from|between)){_S})?(?P<@m1>{month_any})"
            rf"(?:{_DASH}|{_S}(?P<@sep>to|through|till|until|and){_S})(?P<@m2>{month_any})"
            rf"(?:,?{_S}(?:(?:of){_S})?(?P<@y>{yref}))?)",
        ),
        (
            "date_dm",
            rf"(?:{in_})?(?P<@core>(?:(?P<@wd>{weekday}),?{_S})?(?:(?:the){_S})?"
            rf"(?P<@d>{_DAY}){_S}(?:(?:of){_S})?(?P<@m>{month_any}))",
        ),
        (
            "date_md",
            rf"(?:{in_})?(?P<@core>(?:(?P<@wd>{weekday}),?{_S})?(?P<@m>{month_any}){_S}"
            rf"(?P<@d>{_DAY})(?!{_S0}[-–—]{_S0}\d|,?{_S}\d))",
        ),
        (
            "first_months",
            rf"(?:(?:in|during){_S})?(?P<@core>(?:(?:over|for){_S})?(?:the){_S}"
            rf"(?P<@o>first|last|final){_S}(?P<@n>{num}){_S}(?:months)"
            rf"(?:{_S}(?:of){_S}(?P<@y>{yref}))?)",
        ),
        (
            "n_months_of",
            rf"(?:in|during|of|over|for|throughout){_S}(?P<@core>(?:(?:the){_S})?(?P<@n>{num})"
            rf"{_S}(?:months)"
            rf"{_S}(?:of){_S}(?P<@y>{yref}))",
        ),
        (
            "n_months_code",
            rf"(?:{in_})?(?P<@core>\b(?P<@n>[1-9]|1[01])(?P<@mm>m){_S0}(?P<@y>{_YEAR}))",
        ),
        (
            "quarter_words",
            rf"(?:{in_})?(?P<@core>(?:(?:the){_S})?(?P<@o>{q_ord}){_S}(?P<@u>(?:quarter|half))"
            rf"(?:{_S}(?:of){_S}(?:(?:the){_S}(?:current){_S}(?:year)|(?P<@y>{yref}))"
            rf"|(?!{_S}(?:of|a|an)\b|-))(?:{_S}(?P<@y2>{_YEAR}))?)",
        ),
        (
            "quarter_code",
            rf"(?:{in_})?(?P<@core>\b(?:(?P<@y0>{_YEAR}){_S0}[-/]?{_S0})?"
            rf"(?:(?P<@u>[qh])(?P<@n>[1-4])|(?P<@n2>[1-4])(?P<@u2>[qh]))\b"
            rf"(?:{_S0}[-/]?{_S0}(?P<@y>{_YEAR}))?)",
        ),
        (
            "decade",
            rf"(?:{in_})?(?P<@core>(?:(?:the){_S})?(?:(?P<@p>{part})(?:{_S0}-{_S0}|{_S}))?"
            rf"(?P<@y>(?:1\d|20|21)\d0)['’]?s)\b",
        ),
        (
            "decade_short",
            rf"(?:{in_})?(?P<@core>(?:(?:the){_S})?(?:(?P<@p>{part})(?:{_S0}-{_S0}|{_S}))?"
            rf"['’](?P<@d>\d)0s|(?:(?:(?:the){_S})?(?P<@p2>{part})(?:{_S0}-{_S0}|{_S})"
            rf"|(?:the){_S})(?P<@w>{_alt(lx['decade_words'])}))(?![\w'’])",
        ),
        (
            "century",
            rf"(?:{in_})?(?P<@core>(?:(?:the){_S})?(?:(?P<@p>{part})(?:{_S0}-{_S0}|{_S}))?"
            rf"(?P<@c>{ordw}|{ordn}|{roman}){_S}(?:century))\b",
        ),
        (
            "vague_period",
            rf"(?P<@core>(?:{_alt(lx['vague_periods'])}))(?![\w-])",
        ),
        (
            "anaphoric",
            rf"(?P<@core>(?:{_alt(lx['anaphoric_years'])}))(?![\w-])",
        ),
        (
            "rolling",
            rf"(?P<@core>(?:(?P<@prep>(?:over|in|during|within|for|throughout|from)){_S})?"
            rf"(?:the){_S}(?P<@dir>(?:past|last|previous|recent|next|coming|following))"
            rf"{_S}(?:(?P<@n>{num}){_S}(?P<@us>{units_pl})|(?P<@u>{unit}))(?!\w))",
        ),
        (
            "ago",
            rf"(?P<@core>(?P<@n>{num}|(?:an?)){_S}(?P<@u>{unit_any}){_S}ago"
            rf"(?=\W*$|\W*[a-z,.])(?!\w))",
        ),
        (
            "deadline",
            rf"(?P<@core>(?P<@prep>(?:by|until|till|through)){_S}"
            rf"(?:(?:the){_S}(?:end){_S}(?:of){_S})?(?P<@y>{yref}))",
        ),
        (
            "year_range",
            rf"(?:(?P<@ctx>(?:in|during|for|of|the|years|period|from)){_S})?"
            rf"(?P<@core>(?P<@y1>{_YEAR})(?:{_DASH}|/)(?P<@y2>{_YEAR}|\d\d(?!\d)))",
        ),
        (
            "year_from_to",
            rf"(?P<@core>(?P<@from>(?:from|between)){_S}(?P<@y1>{_YEAR}){_S}"
            rf"(?:(?:to|till|until|through|and){_S}|{_DASH})(?P<@y2>{_YEAR}))",
        ),
        (
            "since",
            rf"(?P<@core>(?P<@prep>(?:since|(?:beginning|starting|commencing)(?:{_S}(?:from|in|with))?"
            rf"|from)){_S}(?:(?P<@m>{month_full}){_S})?(?P<@y>{_YEAR})(?:{_S}onwards?)?)"
            rf"(?!{_S}(?:to|till|until|through){_S}(?:\d|{month_any}))",
        ),
        (
            "year_start_to_month",
            rf"(?P<@core>(?P<@from>(?:since|from|between)){_S}(?:(?:the){_S})?"
            rf"(?:beginning|start){_S}(?:of){_S}(?P<@y>{yref})(?:,?{_S}"
            rf"(?P<@sep>to|till|until|through|and){_S}|{_DASH})"
            rf"(?:(?:the){_S}(?:end){_S}(?:of){_S})?(?P<@m>{month_full})"
            rf"(?:,?{_S}(?:(?:of){_S})?(?P<@my>{_YEAR})|(?!,?{_S0}\d)))",
        ),
        (
            "year_to_date",
            rf"(?P<@core>(?:since|from){_S}(?:(?:the){_S})?(?:beginning|start){_S}(?:of){_S}"
            rf"(?:(?P<@y>{yref})|(?P<@m>{month_full})(?:,?{_S}(?P<@my>{_YEAR}))?"
            rf"|(?P<@mu>(?:{shift}|the){_S}month)(?!\w)))"
            rf"(?!,?{_S}(?:to|till|until|through|and){_S}|{_DASH})",
        ),
        (
            "month_year",
            rf"(?:{in_}|(?:since|from|until|till|by|of){_S})?(?P<@core>(?:(?P<@p>{part})"
            rf"(?:{_S0}-{_S0}|{_S}))?(?P<@m>{month_any}),?{_S}(?:(?:of){_S})?(?P<@y>{yref}))",
        ),
        (
            "season_year",
            rf"(?:{in_})?(?P<@core>(?:(?:the){_S})?(?:(?P<@p>{part}){_S})?(?P<@s>{season})"
            rf"{_S}(?:(?:of){_S})?(?P<@y>{yref}))",
        ),
        (
            "part_year",
            rf"(?:{in_})?(?P<@core>(?P<@p>{part})(?:{_S0}-{_S0}|{_S})(?P<@y>{yref}))",
        ),
        (
            "year_part_rel",
            rf"(?P<@core>(?:{_alt(lx['year_parts_relative'])}))(?!\w)",
        ),
        (
            "rel_named",
            rf"(?P<@core>(?P<@sh>{shift}){_S}(?:(?P<@m>{month_full})|(?P<@s>{season})"
            rf"|(?P<@wd>{weekday})))",
        ),
        (
            "rel_unit",
            rf"(?P<@core>(?P<@sh>{shift}){_S}(?P<@u>(?:year|month|week|quarter|decade))"
            rf"(?!\w|-old))",
        ),
        (
            "rel_day",
            rf"(?P<@core>(?:{_alt(lx['relative_days'])}))(?!\w)",
        ),
        (
            "present",
            rf"(?P<@core>(?:{_alt(w for w in lx['present_markers'] if w != 'now')}))(?!\w)",
        ),
        (
            "now",
            rf"(?<!from )(?P<@core>\bnow)(?!\w|{_S}(?:that|on)\b|'s)",
        ),
        (
            "set",
            rf"(?P<@core>(?:(?:once|twice|thrice|(?:{numw}|\d+){_S}times?){_S}"
            rf"(?:a|per|every|each){_S}{unit}|(?:every|each){_S}(?:{num}{_S})?{unit_any}"
            rf"|(?:{_alt(lx['set_words'])}))(?!\w))",
        ),
        (
            "part_month",
            rf"(?:{in_})?(?P<@core>(?P<@p>{part})(?:{_S0}-{_S0}|{_S})(?P<@m>{month_full}))",
        ),
        (
            "month_ctx",
            rf"(?P<@prep>(?:in|of|since|until|till|by|from|during|through|for|last|next|this))"
            rf"{_S}"
            rf"(?P<@core>(?P<@m>{month_full}))(?![ \t]+(?:be|have|not)\b)",
        ),
        (
            "season",
            rf"(?:(?:in|during){_S})(?P<@core>(?:(?:the){_S})?(?P<@s>{season}))"
            rf"(?!{_S}(?:of)\b)",
        ),
        ("weekday", rf"(?:(?:on){_S})?(?P<@core>(?P<@wd>{weekday}))"),
        (
            "duration_adj",
            rf"(?P<@core>\b(?P<@n>{num}|(?:half|one{_S}and{_S}a{_S}half)|\d+(?:[.,]\d+)?)"
            rf"(?:-|{_S}|‑)(?P<@u>{unit}|(?:yr))(?:(?:-|{_S})(?:old|long))?)(?=-|\W|$)(?!-\d)",
        ),
        (
            "duration",
            rf"(?P<@core>(?:(?:for|over|during|within|in|after|under|throughout){_S})?"
            rf"(?:(?P<@n>{num}|{vague}|\d+(?:[.,]\d+)?|(?:half{_S}a|a{_S}quarter{_S}of{_S}a))"
            rf"{_S}(?:(?:more|less|full|long|whole|consecutive|successive){_S})?"
            rf"(?P<@u>{unit_any})(?:{_S}(?:old|long))?|(?:for){_S}(?P<@v>{units_pl}))(?!\w))",
        ),
        ("year", rf"(?P<@core>(?P<@y>{_YEAR})(?P<@poss>['’]s)?)(?!\w)"),
    ]

    parts: list[str] = []
    for name, body in rules:
        body = body.replace("(?P<@", f"(?P<{name}__").replace("(?P=@", f"(?P={name}__")
        parts.append(f"(?P<{name}>{body})")
    names = tuple(name for name, _ in rules)
    singles = {name: _Rules((name,), part) for name, part in zip(names, parts, strict=True)}
    rule_sets: dict[tuple[int, ...], _Rules] = {}

    def rule_set(sub: tuple[int, ...]) -> _Rules:
        if sub not in rule_sets:
            src = "|".join(parts[i] for i in sub)
            rule_sets[sub] = _Rules(tuple(names[i] for i in sub), src)
        return rule_sets[sub]

    # Anchors: every expression holds one (a number, a month, a weekday, a unit, a relative
    # or present word...) within its first words. One scan finds them; the rules are then
    # tried only at the anchor and at the words just before it that can open an expression.
    anchors: set[str] = {"centuries", "now", "century", "annum", "quarter", "half", "recent"}
    for key in ("months", "month_abbreviations", "weekdays", "seasons", "units"):
        anchors.update(str(w).lower() for w in lx[key])
    anchors.update(str(w).lower() + "s" for w in lx["units"])
    for key in ("relative_days", "present_markers", "set_words", "year_parts_relative",
                "anaphoric_years", "decade_words"):  # fmt: skip
        for w in lx[key]:
            anchors.add(re.split(r"[\s-]", str(w).lower())[-1])
    anchor_rx = re.compile(
        rf"(?<![a-z0-9])(?:\d+|[qh][1-4](?![a-z0-9])|['’]\d0s|(?:{_trie(anchors)})(?![a-z]))"
    )
    # Words that may stand inside an expression before its anchor: the literal words of the
    # rules and of the lexicon.
    inner: set[str] = set(_RULE_FIRST_WORDS)
    for body in parts:
        inner.update(w for w in re.findall(r"(?<![\\?<a-z])[a-z]{2,}", body))
    for key in _LEXICON_WORD_LISTS:
        for w in lx[key]:
            inner.update(re.split(r"[\s-]+", str(w).lower()))
    inner.update(("a", "an", "i", "v", "x", "c"))
    inner.discard("")
    # Matched on the reversed text before an anchor: the chain of such words that ends there.
    back_rx = re.compile(
        rf"(?:[^a-z0-9\n]{{1,3}}(?:{_trie(w[::-1] for w in inner)}|(?:ts|dn|dr|ht)?\d+"
        rf"|(?:ht)?[xvi]+)(?![a-z0-9]))+"
    )
    # Dispatch: the rules that can start with a given first word ("" = a digit or a sign),
    # in priority order; a rule whose first words cannot be listed is tried at every word.
    firsts = [_first_words(part) for part in parts]
    vocab: set[str] = set().union(*(f for f in firsts if f is not None))
    dispatch: dict[str, _Rules] = {}
    for w in sorted(vocab | {"*"}):
        idx = tuple(i for i, f in enumerate(firsts) if f is None or w in f)
        if idx:
            dispatch[w] = rule_set(idx)

    # At a digit the rules of dispatch[""] are narrowed further by the length of the digit
    # run and the character after it (see `_digit_rule_may_match`).
    digit_dispatch: dict[tuple[int, str], _Rules | None] = {}
    digit_entry = dispatch.get("", dispatch.get("*"))
    digit_names = digit_entry.names if digit_entry is not None else ()
    for size in range(1, _DIGIT_RUN_MAX + 1):
        for ch in (*_DIGIT_NEXT, ""):
            sub = tuple(
                i for i in range(len(names))
                if names[i] in digit_names and _digit_rule_may_match(names[i], size, ch)
            )  # fmt: skip
            digit_dispatch[(size, ch)] = rule_set(sub) if sub else None

    # After a common first word the rules are narrowed further by the token after it (see
    # `_word_table`): "in 2023" tries no rule that needs "in the".
    word_dispatch: dict[str, dict[str, _Rules | None]] = {
        w: {} for w in vocab if w and len(dispatch[w].names) >= _WORD_DISPATCH_MIN
    }
    # At digits followed by a blank, narrowed further by the token after the blanks.
    digit_word_dispatch: dict[tuple[int, str], dict[str, _Rules | None]] = {
        key: {}
        for key, rules in digit_dispatch.items()
        if rules is not None and key[1] and key[1] in _BLANKS
    }

    sh: dict[str, int] = {_norm(str(k)): int(v) for k, v in lx["relative_shift"].items()}
    return _Grammar(
        anchors=anchor_rx,
        back=back_rx,
        dispatch=dispatch,
        digit_dispatch=digit_dispatch,
        word_dispatch=word_dispatch,
        digit_word_dispatch=digit_word_dispatch,
        singles=singles,
        patterns=tuple(parts),
        names=names,
        firsts=tuple(firsts),
        rule_sets=rule_sets,
        groups={name: _rule_groups(name, part) for name, part in zip(names, parts, strict=True)},
        months={k: v for k, v in month_map.items()},
        weekdays=weekdays,
        seasons=seasons,
        numbers={**numbers, **tens, "a": 1, "an": 1},
        ordinals=ordinals,
        relative_days={_norm(str(k)): int(v) for k, v in lx["relative_days"].items()},
        shifts=sh,
        parts={_norm(str(k)): str(v) for k, v in lx["parts"].items()},
        year_parts_relative={_norm(str(k)): str(v) for k, v in lx["year_parts_relative"].items()},
        year_prev_words=frozenset(_norm(str(w)) for w in lx["year_prepositions"]),
        temporal_prepositions=frozenset(str(w).lower() for w in lx["temporal_prepositions"]),
        decade_words={str(k).lower(): int(v) for k, v in lx["decade_words"].items()},
        after_year_words=frozenset(str(w).lower() for w in lx["after_year_words"]),
        sentence_start_year_words=frozenset(
            str(w).lower() for w in lx["sentence_start_year_words"]
        ),
        units=units,
        count_words=frozenset(str(w).lower() for w in lx["count_words"]),
        future_cues=frozenset(_norm(str(w)) for w in lx["tense_cues"]["future"]),
        past_cues=frozenset(_norm(str(w)) for w in lx["tense_cues"]["past"]),
        passive_aux=frozenset(str(w).lower() for w in lx["passive_auxiliaries"]),
    )


# --------------------------------------------------------------------------------------
# Small parsers
# --------------------------------------------------------------------------------------

_ROMAN = {"I": 1, "V": 5, "X": 10}


def _roman(s: str) -> int | None:
    total, prev = 0, 0
    for ch in reversed(s):
        v = _ROMAN.get(ch)
        if v is None:
            return None
        total += -v if v < prev else v
        prev = max(prev, v)
    return total or None


def _num(g: _Grammar, s: str | None) -> int | None:
    """Integer value of a digit string or number words ("twenty-five"); None when vague."""
    if not s:
        return None
    s = s.strip().lower()
    if s.isdigit():
        return int(s)
    total = 0
    for w in re.split(r"[\s-]+", s):
        v = g.numbers.get(w)
        if v is None:
            return None
        total += v
    return total


def _month(g: _Grammar, s: str) -> int:
    return g.months[s.lower().rstrip(".")]


def _day(s: str) -> int:
    return int(re.sub(r"\D", "", s))


def _unit(s: str) -> str:
    s = s.lower()
    if s.startswith("centur"):
        return "century"
    return s[:-1] if s.endswith("s") else s


def _yref(g: _Grammar, s: str, ref: date) -> tuple[int, bool] | None:
    """A year reference: "2015" -> (2015, False); "last year" -> (ref.year - 1, True)."""
    s = s.strip()
    if s[:1].isdigit():
        return int(s), False
    words = _norm(s).split()
    if words[-1] != "year":
        return None
    key = " ".join(words[:-1])
    if key == "the":
        return ref.year, True
    shift = g.shifts.get(key)
    if shift is None:
        return None
    return ref.year + shift, True


# --------------------------------------------------------------------------------------
# Resolvers: (match, rule, text, ref, prefer) -> resolution or None (reject)
# --------------------------------------------------------------------------------------


class _Ctx:
    __slots__ = ("g", "m", "prefer", "ref", "rule", "text")

    def __init__(
        self, g: _Grammar, m: re.Match[str], rule: str, text: str, ref: date, prefer: str
    ) -> None:
        self.g, self.m, self.rule, self.text, self.ref, self.prefer = g, m, rule, text, ref, prefer

    def get(self, name: str) -> str | None:
        """A group of the match, from the lower-cased text."""
        return self.m.group(f"{self.rule}__{name}")

    def orig(self, name: str) -> str:
        """A group of the match as written in the original text ("" when unmatched)."""
        key = f"{self.rule}__{name}"
        if self.m.group(key) is None:
            return ""
        return self.text[self.m.start(key) : self.m.end(key)]


_Resolver = Callable[[_Ctx], _Res | None]

_PREV_WORD = re.compile(r"(?:^|[^\w.])([A-Za-z]+\.?)[ \t\u00a0]*(?:-[ \t\u00a0]*)?$")
_PREV_YEAR_LIST = re.compile(
    r"\d{4}(?:['’]s)?(?:,|,?[ \t\u00a0]+(?:and|or|to))[ \t\u00a0]*$"
    r"|\d{4}[ \t\u00a0]*[-–—][ \t\u00a0]*$"
)
_SENT_START = re.compile(r"(?:^|[.!?:;\n]|[.!?][\"”’)])[ \t\u00a0\"“‘(]*$")
_NEXT_WORD = re.compile(r"[ \t\u00a0]*([A-Za-z][\w'’-]*|[%‰])")


_YEAR_SPAN = (1800, 2100)  # plausible years after a temporal preposition


def _year_ok(c: _Ctx, s: int, e: int, *, strength: str = "bare") -> bool:
    """Is the 4-digit number at text[s:e] a year? (the general bare-year rule).

    Always a count when followed by `%` or a unit/scale word of the lexicon
    ("2014 million", "2000 tons"). `strength="firm"` (since 2003, 2025-2030): nothing more.
    Otherwise any lower-case word after it that is not a function word of the lexicon makes
    it a count ("of 2000 students"), except after a sentence-initial "In" ("In 2023 regional
    banks..."). `strength="strong"` (by 2030, by the end of 2020): nothing more. A bare
    number also needs a temporal context before it (a preposition of the lexicon, a month,
    a list of years, an opening bracket) or, at the start of a sentence, a following word
    of the lexicon ("2014 saw", "2014,").
    """
    g, text = c.g, c.text
    after = _NEXT_WORD.match(text, e, min(len(text), e + 40))
    nxt = after.group(1) if after else ""
    if nxt in ("%", "‰") or nxt.lower() in g.count_words:
        return False
    if strength == "firm":
        return True
    before = text[max(0, s - 40) : s]
    pm = _PREV_WORD.search(before)
    prev = pm.group(1) if pm else ""
    initial_in = prev == "In" and pm is not None and _SENT_START.search(before[: pm.start(1)])
    if prev.lower() in g.temporal_prepositions and _YEAR_SPAN[0] <= int(text[s:e]) <= _YEAR_SPAN[1]:
        return True  # "signed in 1998 opened a new stage": a year even before a verb
    if nxt and nxt[0].islower() and nxt.lower() not in g.after_year_words and not initial_in:
        return False
    if strength == "strong":
        return True
    if prev.lower().rstrip(".") in g.year_prev_words or prev.lower() in g.months:
        return True
    if before.endswith("(") or _PREV_YEAR_LIST.search(before):
        return True
    if _SENT_START.search(before):
        return text[e : e + 1] == "," or nxt.lower() in g.sentence_start_year_words
    return False


def _r_iso(c: _Ctx) -> _Res | None:
    return _day_res(int(c.get("y") or 0), int(c.get("m") or 0), int(c.get("d") or 0))


def _day_res(y: int, m: int, d: int, rel: bool = False) -> _Res | None:
    if not (1 <= m <= 12 and _safe_year(y) and 1 <= d <= _last_day(y, m)):
        return None
    x = date(y, m, d)
    return _res(x, x, "day", "date", rel)


def _r_dotted(c: _Ctx) -> _Res | None:
    return _day_res(int(c.get("y") or 0), int(c.get("m") or 0), int(c.get("d") or 0))


def _r_date_full(c: _Ctx) -> _Res | None:
    return _day_res(int(c.get("y") or 0), _month(c.g, c.get("m") or ""), _day(c.get("d") or ""))


def _r_date_partial(c: _Ctx) -> _Res | None:
    m, d = _month(c.g, c.get("m") or ""), _day(c.get("d") or "")
    if d > 31 or (m == 2 and d > 29) or d > _last_day(2001 if m != 2 else 2000, m):
        return None

    def span(y: int) -> tuple[date, date]:
        dd = min(d, _last_day(y, m))
        return date(y, m, dd), date(y, m, dd)

    s, e = _pick_year(span, c.ref, c.prefer)
    return _res(s, e, "day", "date", True)


def _r_day_range(c: _Ctx) -> _Res | None:
    m = _month(c.g, c.get("m") or "")
    d1, d2 = _day(c.get("d1") or ""), _day(c.get("d2") or "")
    if not d1 < d2:
        return None
    ys = c.get("y")
    if ys:
        y = int(ys)
        if not _safe_year(y) or d2 > _last_day(y, m):
            return None
        return _res(date(y, m, d1), date(y, m, d2), "day", "range", False)
    if d2 > _last_day(2000, m):
        return None
    s, e = _pick_year(
        lambda y: (date(y, m, d1), date(y, m, min(d2, _last_day(y, m)))), c.ref, c.prefer
    )
    return _res(s, e, "day", "range", True)


def _r_month_range(c: _Ctx) -> _Res | None:
    m1, m2 = _month(c.g, c.get("m1") or ""), _month(c.g, c.get("m2") or "")
    if m1 == m2:
        return None
    sep, frm = c.get("sep"), c.get("from")
    if sep == "and" and frm != "between":
        return None  # "March and May" is a list (month_list); "between March and May" a range
    wrap = 1 if m1 > m2 else 0  # "December-February": across the new year

    def span(y: int) -> tuple[date, date]:  # `y` is the year of the last month
        return _month_start(y - wrap, m1), _month_end(y, m2)

    ys = c.get("y")
    if ys:
        yr = _yref(c.g, ys, c.ref)
        if yr is None or not _safe_year(yr[0] - wrap):
            return None
        s, e = span(yr[0])
        return _res(s, e, "month", "range", yr[1])
    if not frm and sep and sep != "through":
        return None  # "January-June", "January through June" alone are ranges; "May to June"
        # without a year needs "from"
    if c.prefer == "past":  # the latest such period that has ended by the reference date
        y = c.ref.year if span(c.ref.year)[1] < c.ref else c.ref.year - 1
        s, e = span(y)
    else:
        s, e = _pick_year(span, c.ref, c.prefer)
    return _res(s, e, "month", "range", True)


def _r_month_year_range(c: _Ctx) -> _Res | None:
    """ "December 2023-February 2024", "from November 2022 to March 2023", "between November
    2022 and March 2023": a month range whose first month has its own year. Without a year
    after the second month, that month is the first one after the first month ("from November
    2023 to February" ends in February 2024)."""
    m1, m2 = _month(c.g, c.get("m1") or ""), _month(c.g, c.get("m2") or "")
    y1 = int(c.get("y1") or 0)
    sep, frm, y2s = c.get("sep"), c.get("from"), c.get("y2")
    if sep == "and" and frm != "between":
        return None  # "December 2023 and February 2024" is a list
    if y2s:
        y2 = int(y2s)
    else:
        if sep and not frm:
            return None  # "in March 2024 to May": needs "from" (or a second year)
        y2 = y1 if m2 > m1 else y1 + 1
    if not (_safe_year(y1) and _safe_year(y2)) or (y1, m1) >= (y2, m2):
        return None
    return _res(_month_start(y1, m1), _month_end(y2, m2), "month", "range")


def _r_year_start_to_month(c: _Ctx) -> _Res | None:
    """ "from the beginning of 2024 to October", "from the start of the year to the end of
    May", "since the beginning of the year through October 2023": from January of the year to
    the end of the month. The year is the one written after the month, else the one written
    after "beginning of" ("2024", "this year", "last year"); "the year" alone takes the year
    of the month read like a lone month ("in October") with `prefer`."""
    if c.get("sep") == "and" and c.get("from") != "between":
        return None
    m = _month(c.g, c.get("m") or "")
    ys, my = c.get("y") or "", c.get("my")
    yr = _yref(c.g, ys, c.ref)
    if yr is None:
        return None
    if not yr[1]:
        e = c.m.end(f"{c.rule}__y")
        if not _year_ok(c, e - 4, e, strength="firm"):
            return None
    the_year = _norm(ys) == "the year"
    y2 = int(my) if my else yr[0]
    if my is None and the_year:  # no year written: read the month
        s, _e = _pick_year(lambda y: (_month_start(y, m), _month_end(y, m)), c.ref, c.prefer)
        y2 = s.year
    y1 = y2 if the_year else yr[0]
    if not (_safe_year(y1) and _safe_year(y2)) or y1 > y2:
        return None
    rel = yr[1] and not (my and the_year)
    return _res(_month_start(y1, 1), _month_end(y2, m), "month", "range", rel)


def _r_first_months(c: _Ctx) -> _Res | None:
    n = _num(c.g, c.get("n"))
    if n is None or not 1 <= n <= 12:
        return None
    o, ys = c.get("o"), c.get("y")
    if o in ("last", "final"):
        if not ys:
            return None  # "the last 8 months": a rolling period
        yr = _yref(c.g, ys, c.ref)
        if yr is None or not _safe_year(yr[0]):
            return None
        return _months_res(yr[0], 13 - n, n, kind="range", rel=yr[1])
    if ys:
        yr = _yref(c.g, ys, c.ref)
        if yr is None or not _safe_year(yr[0]):
            return None
        return _months_res(yr[0], 1, n, kind="range", rel=yr[1])
    # Figures for the first n months are published after month n: take the latest such
    # period that has ended by the reference month (unless "future" is preferred).
    y = c.ref.year if (n < c.ref.month or c.prefer == "future") else c.ref.year - 1
    return _months_res(y, 1, n, kind="range", rel=True)


def _r_n_months_of(c: _Ctx) -> _Res | None:
    """ "in 8 months of 2023": the first 8 months of the year (the genre's way of writing it)."""
    n = _num(c.g, c.get("n"))
    yr = _yref(c.g, c.get("y") or "", c.ref)
    if n is None or not 2 <= n <= 12 or yr is None or not _safe_year(yr[0]):
        return None
    return _months_res(yr[0], 1, n, kind="range", rel=yr[1])


def _r_n_months_code(c: _Ctx) -> _Res | None:
    n = int(c.get("n") or 0)
    y = int(c.get("y") or 0)
    if not (1 <= n <= 12 and _safe_year(y)):
        return None
    return _months_res(y, 1, n, kind="range")


def _quarter_res(y: int, unit: str, n: int, rel: bool) -> _Res | None:
    if not _safe_year(y):
        return None
    if unit == "q":
        if not 1 <= n <= 4:
            return None
        m1 = 3 * (n - 1) + 1
        return _res(_month_start(y, m1), _month_end(y, m1 + 2), "quarter", "date", rel)
    if not 1 <= n <= 2:
        return None
    m1 = 6 * (n - 1) + 1
    return _res(_month_start(y, m1), _month_end(y, m1 + 5), "half", "date", rel)


_Q_ORD = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
          "4th": 4}  # fmt: skip


def _r_quarter_words(c: _Ctx) -> _Res | None:
    unit = "q" if (c.get("u") or "").lower() == "quarter" else "h"
    o = (c.get("o") or "").lower()
    n = (4 if unit == "q" else 2) if o in ("last", "final") else _Q_ORD.get(o, 0)
    ys = c.get("y") or c.get("y2")
    core = c.m.group(f"{c.rule}__core") or ""
    if o in ("last", "final") and not re.search(r"\bof\b", core):
        return None  # "last quarter": the quarter before this one (rel_unit)
    if ys:
        yr = _yref(c.g, ys, c.ref)
        if yr is None:
            return None
        return _quarter_res(yr[0], unit, n, yr[1])
    core = c.m.group(f"{c.rule}__core") or ""
    if re.search(r"(?i)\bof\b", core):  # "of the current year"
        return _quarter_res(c.ref.year, unit, n, True)
    # Yearless: the latest such period that has begun by the reference date.
    r = _quarter_res(c.ref.year, unit, n, True)
    if r is None:
        return None
    if c.prefer != "future" and r[0] > c.ref:
        return _quarter_res(c.ref.year - 1, unit, n, True)
    return r


def _r_quarter_code(c: _Ctx) -> _Res | None:
    unit = (c.get("u") or c.get("u2") or "").lower()
    n = int(c.get("n") or c.get("n2") or 0)
    y0, y1 = c.get("y0"), c.get("y")
    if y0 and y1:
        return None
    ys = y0 or y1
    if ys:
        return _quarter_res(int(ys), unit, n, False)
    r = _quarter_res(c.ref.year, unit, n, True)
    if r is None:
        return None
    if c.prefer != "future" and r[0] > c.ref:
        return _quarter_res(c.ref.year - 1, unit, n, True)
    return r


def _part_bounds(part: str, lo: int, hi: int) -> tuple[int, int]:
    """First/last index of the early/mid/late third of the inclusive range lo..hi."""
    n = hi - lo + 1
    if part == "early":
        return lo, lo + n // 3 - 1 + (1 if n % 3 == 2 else 0)
    if part == "late":
        return hi - n // 3 + 1 - (1 if n % 3 == 2 else 0), hi
    a = lo + n // 3 + (1 if n % 3 == 2 else 0)
    return a, hi - n // 3 - (1 if n % 3 == 2 else 0)


def _part(g: _Grammar, s: str | None) -> str | None:
    return g.parts.get(_norm(s)) if s else None


def _r_decade(c: _Ctx) -> _Res | None:
    y = int(c.get("y") or 0)
    p = _part(c.g, c.get("p"))
    if p == "early":
        a, b = y, y + 3
    elif p == "mid":
        a, b = y + 3, y + 6
    elif p == "late":
        a, b = y + 7, y + 9
    else:
        a, b = y, y + 9
    return _year_res(a, b)


def _r_decade_short(c: _Ctx) -> _Res | None:
    """ "the '90s" (the 1920s-1990s; "'00s" and "'10s" are this century), "the nineties"."""
    d, w = c.get("d"), c.get("w")
    if d is not None:
        y = (1900 if d >= "2" else 2000) + 10 * int(d)
    else:
        y = c.g.decade_words[_norm(w or "")]
    a, b = _decade_part(y, _part(c.g, c.get("p") or c.get("p2")))
    return _year_res(a, b)


def _decade_part(y: int, p: str | None) -> tuple[int, int]:
    if p == "early":
        return y, y + 3
    if p == "mid":
        return y + 3, y + 6
    if p == "late":
        return y + 7, y + 9
    return y, y + 9


def _r_century(c: _Ctx) -> _Res | None:
    s = (c.get("c") or "").strip()
    n: int | None
    if s[:1].isdigit():
        n = int(re.sub(r"\D", "", s))
    elif s[:1] in "xvi":
        o = c.orig("c").removesuffix("th")
        n = _roman(o) if o.isupper() else None
    else:
        n = c.g.ordinals.get(_norm(s))
    if n is None or not 1 <= n <= 22:
        return None
    lo, hi = 100 * (n - 1) + 1, 100 * n
    p = _part(c.g, c.get("p"))
    if p:
        lo, hi = _part_bounds(p, lo, hi)
    return _year_res(lo, hi)


def _rolling(ref: date, unit: str, n: int, future: bool) -> _Res | None:
    if unit in ("day", "week", "hour", "minute"):
        days = n * (7 if unit == "week" else 1) if unit in ("day", "week") else 0
        try:
            other = ref + timedelta(days=days if future else -days)
        except OverflowError:
            return None
        a, b = (ref, other) if future else (other, ref)
        return _res(a, b, "day", "range", True)
    months = {"month": 1, "quarter": 3, "year": 12, "decade": 120, "century": 1200}.get(unit)
    if months is None:
        return None
    y, m = _add_months(ref.year, ref.month, months * n * (1 if future else -1))
    if not _safe_year(y):
        return None
    if future:
        return _res(_month_start(ref.year, ref.month), _month_end(y, m), "month", "range", True)
    return _res(_month_start(y, m), _month_end(ref.year, ref.month), "month", "range", True)


def _r_rolling(c: _Ctx) -> _Res | None:
    d = (c.get("dir") or "").lower()
    prep = (c.get("prep") or "").lower()
    us, u1 = c.get("us"), c.get("u")
    future = d in ("next", "coming", "following")
    if u1 and not us:
        unit = _unit(u1)
        if not prep or future:
            return None  # "the past year", "in the coming year": calendar year (rel_unit)
        n = 1
    else:
        unit = _unit(us or "")
        n_ = _num(c.g, c.get("n"))
        if n_ is None or n_ < 1:
            return None
        n = n_
        if d == "following":
            return None  # anaphoric
    return _rolling(c.ref, unit, n, future)


def _r_ago(c: _Ctx) -> _Res | None:
    n = _num(c.g, c.get("n"))
    if n is None:
        return None
    unit = _unit(c.get("u") or "")
    ref = c.ref
    try:
        if unit == "day":
            x = ref - timedelta(days=n)
            return _res(x, x, "day", "date", True)
        if unit == "week":
            x = ref - timedelta(days=7 * n)
            return _res(x, x, "day", "date", True)
    except OverflowError:
        return None
    if unit == "month":
        y, m = _add_months(ref.year, ref.month, -n)
        return _months_res(y, m, 1, rel=True) if _safe_year(y) else None
    years = {"year": 1, "decade": 10, "century": 100}.get(unit)
    if years is None:
        return None
    y = ref.year - n * years
    return _year_res(y, rel=True) if _safe_year(y) else None


def _r_deadline(c: _Ctx) -> _Res | None:
    yr = _yref(c.g, c.get("y") or "", c.ref)
    if yr is None or not _safe_year(yr[0]):
        return None
    if not yr[1]:
        core_end = c.m.end(f"{c.rule}__core")
        ys = c.m.start(f"{c.rule}__y")
        if not _year_ok(c, ys, core_end, strength="strong"):
            return None
    return _year_res(yr[0], rel=yr[1])


def _r_year_range(c: _Ctx) -> _Res | None:
    y1s, y2s = c.get("y1") or "", c.get("y2") or ""
    y1 = int(y1s)
    y2 = int(y2s) if len(y2s) == 4 else (y1 // 100) * 100 + int(y2s)
    if not (y1 < y2 <= y1 + 100) or y1 < 1800:
        return None
    s, e = c.m.start(f"{c.rule}__core"), c.m.end(f"{c.rule}__core")
    if not _year_ok(c, s, e, strength="firm"):
        return None
    if "/" in (c.m.group(f"{c.rule}__core") or "") and y2 != y1 + 1:
        return None
    return _year_res(y1, y2, kind="range")


def _r_year_from_to(c: _Ctx) -> _Res | None:
    y1, y2 = int(c.get("y1") or 0), int(c.get("y2") or 0)
    if not y1 < y2:
        return None
    e = c.m.end(f"{c.rule}__core")
    if not _year_ok(c, e - 4, e, strength="firm"):
        return None
    return _year_res(y1, y2, kind="range")


def _r_since(c: _Ctx) -> _Res | None:
    y = int(c.get("y") or 0)
    e = c.m.end(f"{c.rule}__y")
    ms = c.get("m")
    if not ms and not _year_ok(c, e - 4, e, strength="firm"):
        return None
    if y > c.ref.year or not _safe_year(y):
        return None
    if ms:
        m = _month(c.g, ms)
        if (y, m) > (c.ref.year, c.ref.month):
            return None
        return _res(_month_start(y, m), _month_end(c.ref.year, c.ref.month), "month", "range")
    return _year_res(y, c.ref.year, kind="range")


def _r_year_to_date(c: _Ctx) -> _Res | None:
    """ "since the beginning of the year" / "of 2011" / "of March" / "of the month": from the
    first day of that year (month) to the reference date."""
    ref = c.ref
    ys, ms, mu = c.get("y"), c.get("m"), c.get("mu")
    if ys:
        yr = _yref(c.g, ys, ref)
        if yr is None or not _safe_year(yr[0]):
            return None
        if not yr[1]:
            e = c.m.end(f"{c.rule}__y")
            if not _year_ok(c, e - 4, e, strength="firm"):
                return None
        start, rel = date(yr[0], 1, 1), yr[1]
    elif ms:
        m = _month(c.g, ms)
        my = c.get("my")
        if my:
            start, rel = date(int(my), m, 1), False
        else:
            y = ref.year if m <= ref.month else ref.year - 1
            start, rel = date(y, m, 1), True
    elif mu:
        sh = c.g.shifts.get(_norm(mu.rsplit(None, 1)[0]), 0) if _norm(mu) != "the month" else 0
        y, m = _add_months(ref.year, ref.month, sh)
        start, rel = date(y, m, 1), True
    else:
        return None
    if start > ref:
        return None
    return _res(start, ref, "day", "range", rel)


def _r_month_year(c: _Ctx) -> _Res | None:
    yr = _yref(c.g, c.get("y") or "", c.ref)
    if yr is None or not _safe_year(yr[0]):
        return None
    m = _month(c.g, c.get("m") or "")
    p = _part(c.g, c.get("p"))
    return _month_part(yr[0], m, p, yr[1])


def _month_part(y: int, m: int, p: str | None, rel: bool) -> _Res:
    if p is None:
        return _months_res(y, m, 1, rel=rel)
    last = _last_day(y, m)
    lo, hi = {"early": (1, 10), "mid": (11, 20), "late": (21, last)}[p]
    return _res(date(y, m, lo), date(y, m, hi), "day", "date", rel)


def _season_span(g: _Grammar, s: str, y: int) -> tuple[date, date]:
    m1, n = g.seasons[s.lower()]
    y2, m2 = _add_months(y, m1, n - 1)
    return _month_start(y, m1), _month_end(y2, m2)


def _r_season_year(c: _Ctx) -> _Res | None:
    yr = _yref(c.g, c.get("y") or "", c.ref)
    if yr is None or not _safe_year(yr[0]):
        return None
    s, e = _season_span(c.g, c.get("s") or "", yr[0])
    p = _part(c.g, c.get("p"))
    if p:
        lo, hi = _part_bounds(p, s.month, s.month + 2)
        y2a, ma = _add_months(s.year, lo, 0)
        y2b, mb = _add_months(s.year, hi, 0)
        s, e = _month_start(y2a, ma), _month_end(y2b, mb)
    return _res(s, e, "month", "date", yr[1])


def _r_part_year(c: _Ctx) -> _Res | None:
    yr = _yref(c.g, c.get("y") or "", c.ref)
    if yr is None or not _safe_year(yr[0]):
        return None
    p = _part(c.g, c.get("p")) or "mid"
    if not yr[1]:
        e = c.m.end(f"{c.rule}__core")
        if not _year_ok(c, e - 4, e, strength="strong"):
            return None
    lo, hi = _part_bounds(p, 1, 12)
    return _res(_month_start(yr[0], lo), _month_end(yr[0], hi), "month", "date", yr[1])


def _r_year_part_rel(c: _Ctx) -> _Res | None:
    kind = c.g.year_parts_relative.get(_norm(c.get("core") or ""))
    y, m = c.ref.year, c.ref.month
    if kind == "earlier":
        return _res(_month_start(y, 1), _month_end(y, m), "month", "date", True)
    return _res(_month_start(y, m), _month_end(y, 12), "month", "date", True)


def _r_rel_named(c: _Ctx) -> _Res | None:
    g, ref = c.g, c.ref
    sh = g.shifts.get(_norm(c.get("sh") or ""))
    if sh is None:
        return None
    ms, ss, wds = c.get("m"), c.get("s"), c.get("wd")
    if ms:
        m = _month(g, ms)
        if sh == 0:
            y = ref.year
        elif sh < 0:
            y = ref.year if m < ref.month else ref.year - 1
        else:
            y = ref.year if m > ref.month else ref.year + 1
        return _months_res(y, m, 1, rel=True)
    if ss:
        spans = [
            _season_span(g, ss, y) for y in (ref.year - 2, ref.year - 1, ref.year, ref.year + 1)
        ]
        if sh == 0:
            cur = [sp for sp in spans if sp[0] <= ref <= sp[1]]
            s, e = cur[0] if cur else spans[2]
        elif sh < 0:
            s, e = [sp for sp in spans if sp[1] < ref][-1]
        else:
            s, e = next(sp for sp in spans if sp[0] > ref)
        return _res(s, e, "month", "date", True)
    if wds:
        wd = g.weekdays[wds.lower()]
        delta = wd - ref.weekday()
        if sh == 0:
            return _weekday_res(c, wd)
        if sh < 0:
            x = ref + timedelta(days=delta if delta < 0 else delta - 7)
        else:
            x = ref + timedelta(days=delta if delta > 0 else delta + 7)
        return _res(x, x, "day", "date", True)
    return None


def _r_rel_unit(c: _Ctx) -> _Res | None:
    ref = c.ref
    sh = c.g.shifts.get(_norm(c.get("sh") or ""))
    if sh is None:
        return None
    unit = (c.get("u") or "").lower()
    if unit == "year":
        return _year_res(ref.year + sh, rel=True)
    if unit == "month":
        y, m = _add_months(ref.year, ref.month, sh)
        return _months_res(y, m, 1, rel=True)
    if unit == "quarter":
        q = (ref.month - 1) // 3 + sh
        y = ref.year + q // 4
        return _quarter_res(y, "q", q % 4 + 1, True)
    if unit == "week":
        monday = ref - timedelta(days=ref.weekday()) + timedelta(days=7 * sh)
        return _res(monday, monday + timedelta(days=6), "day", "date", True)
    if unit == "decade":
        if sh == 0:
            return _year_res(ref.year // 10 * 10, ref.year // 10 * 10 + 9, rel=True)
        return None
    return None


def _r_rel_day(c: _Ctx) -> _Res | None:
    shift = c.g.relative_days.get(_norm(c.get("core") or ""))
    if shift is None:
        return None
    x = c.ref + timedelta(days=shift)
    return _res(x, x, "day", "date", True)


def _r_present(c: _Ctx) -> _Res | None:
    return _year_res(c.ref.year, kind="present", rel=True)


def _r_part_month(c: _Ctx) -> _Res | None:
    m = _month(c.g, c.get("m") or "")
    p = _part(c.g, c.get("p"))
    s, _e = _pick_year(lambda y: (_month_start(y, m), _month_end(y, m)), c.ref, c.prefer)
    r = _month_part(s.year, m, p, True)
    return r


def _r_month_ctx(c: _Ctx) -> _Res | None:
    m = _month(c.g, c.get("m") or "")
    prep = (c.get("prep") or "").lower()
    if prep in ("last", "next", "this"):
        return None  # handled by rel_named
    s, e = _pick_year(lambda y: (_month_start(y, m), _month_end(y, m)), c.ref, c.prefer)
    return _res(s, e, "month", "date", True)


def _r_season(c: _Ctx) -> _Res | None:
    ss = c.get("s") or ""
    s, e = _pick_year(lambda y: _season_span(c.g, ss, y), c.ref, c.prefer)
    return _res(s, e, "month", "date", True)


_CLAUSE_WORDS = re.compile(r"[a-z]+(?:['’][a-z]+)?|['’]ll\b|[.;!?\n]")


def _tense(c: _Ctx) -> str:
    """ "past", "future" or "current": the tense cue nearest to the weekday of the match in
    its sentence (before it, else after it); see `tense_cues` in the lexicon."""
    g, low = c.g, c.m.string
    s, e = c.m.span(f"{c.rule}__core")
    before = _CLAUSE_WORDS.findall(low, max(0, s - 80), s)
    for k in range(len(before) - 1, -1, -1):
        if before[k] in ".;!?\n":
            break
        t = _cue(g, before[k], before[k - 1] if k else "", c.text, s)
        if t:
            return t
    prev = ""
    for w in _CLAUSE_WORDS.findall(low, e, e + 80):
        if w in ".;!?\n":
            break
        t = _cue(g, w, prev, c.text, s)
        if t:
            return t
        prev = w
    return "current"


def _cue(g: _Grammar, w: str, prev: str, text: str, pos: int) -> str | None:
    two = f"{prev} {w}"
    if w in g.future_cues or two in g.future_cues:
        return "future"
    if prev in g.passive_aux and (w in g.past_cues or w.endswith("ed")):
        return None  # "will be held", "is expected": not a past tense
    if w in g.past_cues or two in g.past_cues:
        return "past"
    if len(w) > 3 and w.endswith("ed") and not w.endswith("eed"):
        return "past"
    return None


def _weekday_res(c: _Ctx, wd: int) -> _Res:
    """A weekday of the reference week (Monday first); with prefer="past" (or a past-tense
    cue) the latest such day not after `ref`, with "future" the earliest not before it."""
    ref = c.ref
    prefer = _tense(c) if c.prefer == "current" else c.prefer
    delta = wd - ref.weekday()
    if prefer == "past" and delta > 0:
        delta -= 7
    elif prefer == "future" and delta < 0:
        delta += 7
    x = ref + timedelta(days=delta)
    return _res(x, x, "day", "date", True)


def _r_weekday(c: _Ctx) -> _Res | None:
    return _weekday_res(c, c.g.weekdays[(c.get("wd") or "").lower()])


def _r_set(c: _Ctx) -> _Res | None:
    return None


def _r_year(c: _Ctx) -> _Res | None:
    s, e = c.m.start(f"{c.rule}__y"), c.m.end(f"{c.rule}__y")
    if not (c.get("poss") or _year_ok(c, s, e)):
        return None
    return _year_res(int(c.get("y") or 0))


# Rules without dates (kind, resolver ignored).
_DATELESS = {
    "set": "set",
    "duration": "duration",
    "duration_adj": "duration",
    "vague_period": "range",
    "anaphoric": "date",
}

_RESOLVERS: dict[str, _Resolver] = {
    "iso": _r_iso,
    "dotted": _r_dotted,
    "day_range_dmy": _r_day_range,
    "day_range_mdy": _r_day_range,
    "date_dmy": _r_date_full,
    "date_mdy": _r_date_full,
    "month_range": _r_month_range,
    "month_year_range": _r_month_year_range,
    "year_start_to_month": _r_year_start_to_month,
    "year_to_date": _r_year_to_date,
    "date_dm": _r_date_partial,
    "date_md": _r_date_partial,
    "first_months": _r_first_months,
    "n_months_of": _r_n_months_of,
    "n_months_code": _r_n_months_code,
    "quarter_words": _r_quarter_words,
    "quarter_code": _r_quarter_code,
    "decade": _r_decade,
    "decade_short": _r_decade_short,
    "century": _r_century,
    "rolling": _r_rolling,
    "ago": _r_ago,
    "deadline": _r_deadline,
    "year_range": _r_year_range,
    "year_from_to": _r_year_from_to,
    "since": _r_since,
    "month_year": _r_month_year,
    "season_year": _r_season_year,
    "part_year": _r_part_year,
    "year_part_rel": _r_year_part_rel,
    "rel_named": _r_rel_named,
    "rel_unit": _r_rel_unit,
    "rel_day": _r_rel_day,
    "present": _r_present,
    "now": _r_present,
    "part_month": _r_part_month,
    "month_ctx": _r_month_ctx,
    "season": _r_season,
    "weekday": _r_weekday,
    "year": _r_year,
}


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


_ASCII_LOWER = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"
)  # keeps every index: the grammar runs on the lower-cased text
_CAPITALISED = ("m", "m1", "m2", "wd")  # month and weekday names: Title or UPPER case
_UPPER = {"quarter_code": ("u", "u2"), "n_months_code": ("mm",)}  # "Q3", "H1", "9M 2023"


class _RuleGroups(NamedTuple):
    """Names of a rule's groups that `_from_match` reads (built once per rule)."""

    core: str | None  # the reported span, when the rule has one
    capitalised: tuple[str, ...]  # groups of `_CAPITALISED` the rule has
    upper: tuple[str, ...]  # groups of `_UPPER`


def _rule_groups(name: str, pattern: str) -> _RuleGroups:
    def has(group: str) -> bool:
        return f"(?P<{name}__{group}>" in pattern

    return _RuleGroups(
        f"{name}__core" if has("core") else None,
        tuple(f"{name}__{x}" for x in _CAPITALISED if has(x)),
        tuple(f"{name}__{x}" for x in _UPPER.get(name, ())),
    )


def _case_ok(m: re.Match[str], groups: _RuleGroups, text: str) -> bool:
    """Case checks the lower-cased matching cannot make."""
    for key in groups.capitalised:
        st = m.start(key)
        if st >= 0:
            ch = text[st]
            if ch.isalpha() and not ch.isupper():
                return False
    for key in groups.upper:
        st = m.start(key)
        if st >= 0 and not text[st : m.end(key)].isupper():
            return False
    return True


def prepare() -> None:
    """Build every rule table and compile every rule set now instead of on first use (~1 s
    CPU): for a process that will fork workers sharing them. A process that reads a few
    documents is better off without it."""
    g = _grammar()
    for w in g.word_dispatch:
        _word_table(g, w)
    for key in g.digit_word_dispatch:
        _digit_table(g, key)
    for rules in (*g.rule_sets.values(), *g.singles.values()):
        rules.pattern()


def find_timexes(text: str, ref: date, *, prefer: str = "current") -> list[Timex]:
    """All time expressions in `text`, left to right, non-overlapping (longest wins).

    `ref` is the publication date. `prefer` resolves under-specified expressions
    ("in October", "on Monday"): "current" = the same year/week as ref, "past" = the latest
    such date not after ref, "future" = the earliest not before ref.
    """
    if prefer not in PREFERS:
        raise ValueError(f"prefer must be one of {PREFERS}, not {prefer!r}")
    g = _grammar()
    low = text.lower()
    if len(low) != len(text):  # a few non-ASCII capitals lower-case to two characters
        low = text.translate(_ASCII_LOWER)
    out: list[Timex] = []
    anchors = [m.start() for m in g.anchors.finditer(low)]
    rev = low[::-1] if anchors else ""  # the back chain is matched on the reversed text
    size = len(low)
    pos = 0  # end of the last expression
    tried = 0  # every start before this has been tried
    i, n = 0, len(anchors)
    while i < n:
        a = anchors[i]
        if a < pos:
            i += 1
            continue
        known = None  # the rules at the anchor, when already looked up
        if low[a] in _DIGIT_CHARS:
            d = _DIGIT_RUN.match(low, a)
            known = _digit_entry(g, low, a, d.end()) if d is not None else None
            if known is None:
                # No rule starts at these digits, and none has them as its first anchor:
                # the words before them cannot open an expression either.
                tried = a + 1
                i += 1
                continue
        lo = max(pos, tried, a - _LOOKBACK)
        starts: list[int] = []
        if lo < a:
            # low[a - 1 : lo - 1 : -1] is rev[size - a : size - lo] (no look-behind in `back`)
            b = g.back.match(rev, size - a, size - lo)
            if b is not None:
                back = b.end() - (size - a)
                starts = [w.start() for w in _WORD_START.finditer(low, a - back, a)]
        starts.append(a)
        found = None
        for p in starts:
            found = _try_at(g, text, low, p, ref, prefer, known if p == a else None)
            if found:
                break
        if not found:
            tried = a + 1
            i += 1
            continue
        out.extend(found)
        pos = found[-1].end
        tried = found[0].start + 1
    return out


_LOOKBACK = 60  # characters before an anchor where an expression may begin
_WORD_START = re.compile(r"(?<![a-z0-9])[a-z0-9'’]")
_FIRST_WORD = re.compile(r"[a-z]+")
_DIGIT_RUN = re.compile(r"\d+")
_BLANK_RUN = re.compile(r"[ \t\u00a0]+")


def _digit_entry(g: _Grammar, low: str, p: int, e: int) -> _Rules | None:
    """The rules that can match at the run of digits `low[p:e]`."""
    ch = low[e : e + 1]
    key = (min(e - p, _DIGIT_RUN_MAX), ch if ch in _DIGIT_NEXT else "")
    table = g.digit_word_dispatch.get(key)
    if table is None:
        return g.digit_dispatch[key]
    return _second_entry(table or _digit_table(g, key), low, e)


def _try_at(
    g: _Grammar, text: str, low: str, p: int, ref: date, prefer: str, known: _Rules | None = None
) -> list[Timex] | None:
    """The expression starting at `p`: the first rule (in priority order) that matches there
    and whose resolver accepts the match (a list of months gives one expression a month).
    `known`: the rules that can match at `p`, when the caller has looked them up."""
    w = _FIRST_WORD.match(low, p) if known is None else None
    if known is not None:
        entry: _Rules | None = known
    elif w is not None:
        table = g.word_dispatch.get(w.group())
        if table is None:
            entry = g.dispatch.get(w.group(), g.dispatch.get("*"))
        else:
            entry = _second_entry(table or _word_table(g, w.group()), low, w.end())
    else:
        d = _DIGIT_RUN.match(low, p)
        if d is None:
            entry = g.dispatch.get("", g.dispatch.get("*"))
        else:
            entry = _digit_entry(g, low, p, d.end())
    if entry is None:
        return None
    m = (entry.rx or entry.pattern()).match(low, p)
    if m is None:
        return None
    tx = _from_match(g, m, text, ref, prefer)
    if tx:
        return tx
    # Rejected: try the later rules at the same position.
    rejected = m.lastgroup or ""
    names = entry.names
    k = names.index(rejected) + 1 if rejected in names else len(names)
    for name in names[k:]:
        single = g.singles[name]
        m2 = (single.rx or single.pattern()).match(low, p)
        if m2 is not None:
            tx = _from_match(g, m2, text, ref, prefer)
            if tx:
                return tx
    return None


def _from_match(
    g: _Grammar, m: re.Match[str], text: str, ref: date, prefer: str
) -> list[Timex] | None:
    rule = m.lastgroup or ""
    groups = g.groups[rule]
    core = groups.core
    s, e = m.span(core) if core is not None else (-1, -1)
    if s < 0:
        s, e = m.span(rule)
    if s == e or not _case_ok(m, groups, text):
        return None
    c = _Ctx(g, m, rule, text, ref, prefer)
    if rule == "month_list":
        return _month_list(c, s, e)
    tx = _resolve(c, s, e)
    return None if tx is None else [tx]


_LIST_MONTH = re.compile(r"[a-z]+")


def _month_list(c: _Ctx, s: int, e: int) -> list[Timex] | None:
    """ "in December and January", "in May, June and July 2024": one expression a month.

    The months follow one another in time (a month not after the one before it is in the next
    year). A year at the end fixes the last month; without one, the first month is resolved
    like a lone month ("in May"), or the last one with prefer="past"."""
    g, low, text = c.g, c.m.string, c.text
    ye = c.m.start(f"{c.rule}__y") if c.get("y") is not None else e
    spans = [(w.start(), w.end()) for w in _LIST_MONTH.finditer(low, s, ye)]
    if not any(low[a:b] in ("and", "or") for a, b in spans):
        return None
    months = [(a, b, g.months.get(low[a:b], 0)) for a, b in spans if low[a:b] in g.months]
    if not all(text[a].isupper() for a, _b, _m in months):
        return None
    if not c.get("y") and not c.get("prep"):
        return None  # "March and May": months need a preposition or a year
    # Years relative to the first month: +1 at each turn of the year.
    offs = [0]
    for (_a, _b, m0), (_c, _d, m1) in pairwise(months):
        offs.append(offs[-1] + (1 if m1 <= m0 else 0))
    ys = c.get("y")
    first, last = months[0][2], months[-1][2]
    if ys:
        yr = _yref(g, ys, c.ref)
        if yr is None:
            return None
        y0, rel = yr[0] - offs[-1], yr[1]
    elif c.prefer == "past":
        ly = c.ref.year if _month_start(c.ref.year, last) <= c.ref else c.ref.year - 1
        y0, rel = ly - offs[-1], True
    else:
        span = _pick_year(lambda y: (_month_start(y, first), _month_end(y, first)), c.ref, c.prefer)
        y0, rel = span[0].year, True
    if not (_safe_year(y0) and _safe_year(y0 + offs[-1])):
        return None
    out: list[Timex] = []
    for k, ((a, b, m), off) in enumerate(zip(months, offs, strict=True)):
        if k == len(months) - 1:
            b = e
        d1, d2 = _month_start(y0 + off, m), _month_end(y0 + off, m)
        out.append(
            Timex(a, b, text[a:b], d1, d2, "month", _label(d1, "month"), "date", rel, c.rule)
        )
    return out


def _resolve(c: _Ctx, s: int, e: int) -> Timex | None:
    rule = c.rule
    dateless = _DATELESS.get(rule)
    if dateless is not None:
        return Timex(s, e, c.text[s:e], None, None, "unknown", None, dateless, False, rule)
    try:
        r = _RESOLVERS[rule](c)
    except (ValueError, OverflowError, KeyError):
        return None
    if r is None:
        return None
    d1, d2, precision, kind, relative = r
    if d1 > d2:
        return None
    return Timex(
        s, e, c.text[s:e], d1, d2, precision, _span_label(d1, d2, precision), kind, relative, rule
    )
