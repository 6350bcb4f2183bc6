"""Sentence boundaries with character offsets, by rule.

Paragraph breaks (newlines) always end a sentence. Inside a paragraph a sentence ends at
`.`, `!`, `?` or `…` (with any closing quotes or brackets) followed by white space and a
capital letter, digit or opening quote, unless the word before the stop is an
abbreviation (`Mr.`, `No.`, `bln.`), an initial (`V. Putin`) or a dotted acronym (`U.S.`).
"""

from __future__ import annotations

import re
from functools import cache

from pipeline import lexicon

_PARAGRAPH = re.compile(r"[^\r\n]+")
_CANDIDATE = re.compile(r"""(?P<stop>[.!?…]+)["'”’»)\]]*(?=\s+["'“‘«(\[]?[A-Z0-9А-ЯЁ])""")
#: Longest word looked at before a stop (a bound keeps splitting linear in the text length).
_MAX_WORD = 64
_INITIALS = re.compile(r"^(?:[A-Z]\.)*[A-Z]$")  # `V`, `K.K`, `U.S` (before the last stop)


@cache
def _abbreviations() -> frozenset[str]:
    words = [w for group in lexicon.load("abbreviations.yaml").values() for w in group]
    if not all(isinstance(w, str) for w in words):
        raise ValueError("abbreviations.yaml: quote every word (YAML reads `no` as false)")
    return frozenset(w.lower() for w in words)


def _word_before(text: str, end: int) -> str:
    """The run of non-space characters ending at `end` (at most `_MAX_WORD` of them)."""
    start = end
    limit = max(0, end - _MAX_WORD)
    while start > limit and not text[start - 1].isspace():
        start -= 1
    return text[start:end]


def _is_boundary(text: str, stop_start: int, stop: str) -> bool:
    if stop != ".":
        return True
    word = _word_before(text, stop_start).lstrip("\"'“‘«([")
    if not word:
        return True
    if _INITIALS.match(word):
        return False
    return word.lower() not in _abbreviations()


def split(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans `(char_start, char_end)` of `text[start:end]`, stripped of white space."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for para in _PARAGRAPH.finditer(text, start, end):
        s = para.start()
        for m in _CANDIDATE.finditer(text, para.start(), para.end()):
            if _is_boundary(text, m.start("stop"), m["stop"]):
                spans.append((s, m.end()))
                s = m.end()
        spans.append((s, para.end()))
    return [t for t in (_strip(text, a, b) for a, b in spans) if t[1] > t[0]]


def _strip(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b
