"""The number grammar of English news text: a pure, reusable module.

It reads cardinal amounts as written in the genre and returns their spans and values:

- digits with thousands separators (`23,000`, `23 000`), decimal points and decimal commas
  (`3.2`, `114,3`);
- spelled-out numbers (`four`, `twenty-three`, `one hundred and fifty`, `a dozen`), halves
  (`two-and-a-half`, `one and a half`) and fractions (`one third`, `a quarter`, `two thirds`);
- scale words and abbreviations after a number (`million`, `mln`, `bln`, `bn`, `tn`, ...);
- compound amounts (`7 bln 500 mln` = 7.5e9, `1 million 200 thousand`).

It knows nothing of units, currencies or meaning: `pipeline.extractors.statistics` does that.
The word lists live in `pipeline/lexicons/numbers.yaml`.

>>> [(n.text, n.value) for n in find_numbers("7 bln 500 mln dollars and 114,3 million")]
[('7 bln 500 mln', 7500000000.0), ('114,3 million', 114300000.0)]
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, NamedTuple

import ahocorasick

from pipeline.lexicon import load as load_lexicon

__all__ = [
    "Number",
    "find_numbers",
    "lexicon",
    "number_anchors",
    "number_regex",
    "parse_digits",
    "parse_number",
    "words_to_number",
]

#: Characters that separate groups of thousands besides the comma.
_SPACES = " \u00a0\u202f\u2009"

#: Digits: thousands with commas, thousands with spaces, plain with a decimal point or comma.
#: Never glued to a letter or a dot before (`MS-25`, `v1`, `1.2.3`), never followed by more
#: digits after a dot, slash or colon (dates `27.11.2024`, times `10:30`, `1/2`).
_DIGITS = (
    r"(?<![\w.,/:])(?<![A-Za-z]-)"
    r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?"
    rf"|\d{{1,3}}(?:[{_SPACES}]\d{{3}})+(?!\d)(?:[.,]\d+)?"
    r"|\d+(?:[.,]\d+)?)"
    r"(?![.,/:]?\d)(?!(?:st|nd|rd|th)\b)"
)


class Number(NamedTuple):
    """A cardinal amount in a text (immutable; a named tuple: cheap to make by the
    hundred thousand).

    `value` has the scale applied (`7 bln 500 mln` -> 7.5e9); `form` is `digits`, `words`
    or `fraction`; `scale` is the multiplier of the first scale word (1.0 when none);
    `integer_text` is True when the number is written as plain digits without separators
    or decimals (`2015`: a candidate year).
    """

    start: int
    end: int
    text: str
    value: float
    form: str
    scale: float
    integer_text: bool


@cache
def lexicon() -> dict[str, Any]:
    """The number lexicon (`pipeline/lexicons/numbers.yaml`)."""
    data: dict[str, Any] = load_lexicon("numbers.yaml")
    return data


def _alt(words: list[str]) -> str:
    """A regex alternation of `words`, longest first, spaces matching any run of spaces."""
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    return "|".join(re.escape(w).replace(r"\ ", r"[\s-]+") for w in ordered)


@cache
def number_regex() -> re.Pattern[str]:
    """The compiled grammar of one number with its scale words (see module doc)."""
    lex = lexicon()
    units = _alt(list(lex["units"]))
    tens = _alt(list(lex["tens"]))
    one_to_nine = _alt([w for w, v in lex["units"].items() if 1 <= v <= 9])
    standalone = _alt(list(lex["standalone"]))
    fractions = _alt(list(lex["fractions"]))
    scales = _alt(list(lex["scales"]))
    tu = rf"(?:(?:{tens})(?:[-\s](?:{one_to_nine}))?|(?:{units}))"
    hundreds = rf"(?:(?:{units}|a)[-\s]hundred(?:[-\s](?:and[-\s])?{tu})?)"
    words = rf"(?:{hundreds}|{standalone}|{tu})"
    half = r"(?:[-\s]+and[-\s]+a[-\s]+half)"
    fraction = rf"(?:(?:{units}|an?)[-\s]+(?:{fractions}))"
    half_of = rf"(?:(?<!first\s)(?<!second\s)half(?=\s+(?:of\b|an?\s+(?:{scales})\b)))"
    half_a = rf"(?:half\s+an?(?=\s+(?:{scales})\b))"
    pattern = (
        rf"(?P<digits>{_DIGITS})"
        rf"|(?i:\b(?P<fraction>{fraction}|{half_a}|{half_of})\b)"
        rf"|(?i:\b(?P<words>{words})(?P<half>{half})?\b)"
    )
    scale = rf"(?i:(?:[{_SPACES}]?|[{_SPACES}]*-[{_SPACES}]*)(?P<scale>{scales})\b)"
    return re.compile(rf"(?:{pattern})(?:{scale})?")


@cache
def _compound_regex() -> re.Pattern[str]:
    """A lower-scale continuation of a scaled amount: ` 500 mln` after `7 bln`."""
    scales = _alt(list(lexicon()["scales"]))
    return re.compile(
        rf"[{_SPACES}]+(?:and[{_SPACES}]+)?(?P<n>\d{{1,3}}(?:[.,]\d+)?)"
        rf"[{_SPACES}]?(?i:(?P<scale>{scales}))\b"
    )


def parse_digits(s: str) -> float | None:
    """Value of a digit string with thousands separators or a decimal comma.

    >>> parse_digits("23,000"), parse_digits("23 000"), parse_digits("114,3"), parse_digits("3.2")
    (23000.0, 23000.0, 114.3, 3.2)
    """
    d = _decimal_digits(s)
    return None if d is None else float(d)


def _clean_digits(s: str) -> str | None:
    """A digit string in Python's notation: separators dropped, a decimal comma made a point;
    None when its commas are neither thousands separators nor one decimal comma."""
    t = s.strip()
    for sp in _SPACES:
        if sp in t:
            t = t.replace(sp, "")
    if "," in t:
        if _THOUSANDS.fullmatch(t):
            t = t.replace(",", "")
        elif t.count(",") == 1 and "." not in t:
            t = t.replace(",", ".")
        else:
            return None
    return t


def _decimal_digits(s: str) -> Decimal | None:
    t = _clean_digits(s)
    if t is None:
        return None
    try:
        return Decimal(t)
    except InvalidOperation:
        return None


def _key(s: str) -> str:
    return " ".join(re.split(r"[\s-]+", s.lower().strip()))


@cache
def _standalone() -> dict[str, float]:
    return {_key(k): float(v) for k, v in lexicon()["standalone"].items()}


def words_to_number(s: str) -> float | None:
    """Value of a spelled-out cardinal (`twenty-three`, `one hundred and five`, `a dozen`).

    >>> words_to_number("twenty-three"), words_to_number("two hundred and five")
    (23.0, 205.0)
    """
    lex = lexicon()
    key = _key(s)
    standalone = _standalone()
    if key in standalone:
        return standalone[key]
    total = 0
    current = 0
    seen = False
    for w in key.split():
        if w == "and":
            continue
        if w == "a":
            current = 1
            seen = True
        elif w in lex["units"]:
            current += lex["units"][w]
            seen = True
        elif w in lex["tens"]:
            current += lex["tens"][w]
            seen = True
        elif w == "hundred":
            current = max(current, 1) * 100
        else:
            return None
    total += current
    return float(total) if seen else None


def _fraction_value(s: str) -> float | None:
    lex = lexicon()
    words = _key(s).split()
    if words[0] == "half":
        return 0.5
    if len(words) < 2:
        return None
    denom = lex["fractions"].get(words[-1])
    if denom is None:
        return None
    num = 1.0 if words[0] in ("a", "an") else words_to_number(" ".join(words[:-1]))
    return None if num is None else num / denom


def _scale_of(word: str | None) -> Decimal:
    if not word:
        return Decimal(1)
    return Decimal(lexicon()["scales"][word.lower()])


@cache
def _automaton() -> Any:
    """Aho–Corasick automaton of the words a spelled-out number can start or turn on."""
    lex = lexicon()
    words = {*lex["units"], *lex["tens"], *lex["fractions"], "dozen", "half"}
    words |= {w for k in lex["scales"] for w in k.split() if len(w) > 2}
    auto = ahocorasick.Automaton()
    for w in words:
        auto.add_word(w, len(w))
    auto.make_automaton()
    return auto


_DIGIT_RUN = re.compile(r"[0-9]+")
_LEAD_IN = re.compile(r"(?:^|(?<![a-z]))((?:a|an|one)[\s-]+(?:and[\s-]+a[\s-]+)?)$")


def number_anchors(text: str, start: int = 0, end: int | None = None) -> list[int]:
    """Sorted offsets where a number may begin in `text[start:end]` (digit runs and number
    words, found with Aho–Corasick): the cheap pre-filter of `find_numbers`."""
    stop = len(text) if end is None else end
    anchors = [m.start() for m in _DIGIT_RUN.finditer(text, start, stop)]
    low = text[start:stop].lower()
    n = len(low)
    for e, size in _automaton().iter(low):
        s = e - size + 1
        if (s and low[s - 1].isalpha()) or (e + 1 < n and low[e + 1].isalpha()):
            continue
        anchors.append(s + start)
        lead = _LEAD_IN.search(low, max(0, s - 12), s)
        if lead is not None:
            anchors.append(lead.start(1) + start)
    anchors.sort()
    return anchors


def find_numbers(text: str, start: int = 0, end: int | None = None) -> list[Number]:
    """Every cardinal amount in `text[start:end]`, left to right, non-overlapping.

    >>> [(n.text, n.value) for n in find_numbers("over 3,500 schools, two-and-a-half times")]
    [('3,500', 3500.0), ('two-and-a-half', 2.5)]
    """
    stop = len(text) if end is None else end
    out: list[Number] = []
    rx = number_regex()
    compound = _compound_regex()
    pos = start
    for anchor in number_anchors(text, start, stop):
        if anchor < pos:
            continue
        m = rx.match(text, anchor, stop)
        if m is None:
            continue
        pos = m.end()
        digits, scale_word = m.group("digits", "scale")
        if digits is not None and scale_word is None:  # the common case: plain digits
            fast = _digits_float(digits)
            if fast is None:
                continue
            out.append(
                Number(m.start(), pos, text[m.start() : pos], fast, "digits", 1.0, digits.isdigit())
            )
            continue
        base = _match_value(m)
        if base is None:
            continue
        scale = _scale_of(scale_word)
        value = base * scale
        n_end = m.end()
        if scale_word:
            prev_scale = scale
            while True:
                c = compound.match(text, n_end, stop)
                if c is None:
                    break
                c_scale = _scale_of(c.group("scale"))
                c_val = _decimal_digits(c.group("n"))
                if c_val is None or c_scale >= prev_scale or c_val * c_scale >= prev_scale:
                    break
                value += c_val * c_scale
                prev_scale = c_scale
                n_end = c.end()
        pos = n_end
        form = "digits" if digits else "fraction" if m.group("fraction") else "words"
        out.append(
            Number(
                start=m.start(),
                end=n_end,
                text=text[m.start() : n_end],
                value=float(value),
                form=form,
                scale=float(scale),
                integer_text=bool(digits) and digits.isdigit() and not scale_word,
            )
        )
    return out


def _digits_float(s: str) -> float | None:
    """`float(_decimal_digits(s) * 1)`, without Decimal when the cleaned string is short
    enough for the product to be exact (then both round the same decimal once)."""
    t = _clean_digits(s)
    if t is None:
        return None
    if len(t) <= 20:
        try:
            return float(t)
        except ValueError:
            pass
    d = _decimal_digits(s)
    return None if d is None else float(d * Decimal(1))


_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def _match_value(m: re.Match[str]) -> Decimal | None:
    if m.group("digits"):
        return _decimal_digits(m.group("digits"))
    if m.group("fraction"):
        text = m.group("fraction")
        if re.match(r"(?i)half\s+an?$", text):
            return Decimal("0.5")
        f = _fraction_value(text)
        return None if f is None else Decimal(str(round(f, 12)))
    w = words_to_number(m.group("words"))
    if w is None:
        return None
    value = Decimal(str(w))
    if m.group("half"):
        value += Decimal("0.5")
    return value


def parse_number(s: str) -> float | None:
    """Value of `s` when the whole of it is one number (`7 bln 500 mln`, `one third`).

    >>> parse_number("7 bln 500 mln"), parse_number("a quarter"), parse_number("hello")
    (7500000000.0, 0.25, None)
    """
    t = s.strip()
    found = find_numbers(t)
    if len(found) == 1 and found[0].start == 0 and found[0].end == len(t):
        return found[0].value
    return None
