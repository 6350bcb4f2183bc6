"""events extractor internals: the fast paths give what the plain token scans give."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.events_lexicon import DETERMINERS
from pipeline.extractors import events
from pipeline.extractors.events import _LEFT_TOKEN, _NP_WORD, _QUOTED_OR_PUNCT


def _plain_clause_start(text: str, lo: int, pos: int) -> int:
    start = lo
    for m in _QUOTED_OR_PUNCT.finditer(text, lo, pos):
        if len(m.group()) == 1:
            start = m.end()
    return start


def _plain_clause_end(text: str, pos: int, hi: int) -> int:
    for m in _QUOTED_OR_PUNCT.finditer(text, pos, hi):
        if len(m.group()) == 1:
            return m.start()
    return hi


def _plain_np_start(text: str, clause: int, pos: int) -> int:
    tokens = list(_LEFT_TOKEN.finditer(text, max(clause, pos - 140), pos))
    start = pos
    n = 0
    for tok in reversed(tokens):
        if tok.end() != start and text[tok.end() : start].strip():
            break
        word = tok.group()
        if n < 8 and word[:1] in '“"«' and _NP_WORD.fullmatch(word[1:]):
            start = tok.start()
            n += 1
            continue
        if n < 8 and _NP_WORD.fullmatch(word):
            start = tok.start()
            n += 1
            continue
        if word.lower() in DETERMINERS:
            start = tok.start()
        break
    return start


_VOCABULARY = (
    "the a this official state visit Russian Kazakh Summit SCO of in to , ; : ( ) (CIS) "
    '“Astana” “Russian seasons” " 2019 first two-day high-level and talks met Putin'
)
_WORDS = _VOCABULARY.split(" ")
_TEXTS = st.lists(st.sampled_from(_WORDS), max_size=60).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(_TEXTS, st.integers(0, 400), st.integers(0, 400))
def test_clause_bounds_as_the_token_scan(text: str, a: int, b: int) -> None:
    lo, hi = sorted((min(a, len(text)), min(b, len(text))))
    assert events._clause_start(text, lo, hi) == _plain_clause_start(text, lo, hi)
    assert events._clause_end(text, lo, hi) == _plain_clause_end(text, lo, hi)


@settings(max_examples=300, deadline=None)
@given(_TEXTS, st.integers(0, 400), st.integers(0, 400))
def test_np_start_as_the_token_scan(text: str, a: int, b: int) -> None:
    lo, pos = sorted((min(a, len(text)), min(b, len(text))))
    assert events._np_start(text, lo, pos) == _plain_np_start(text, lo, pos)


def test_np_start_examples() -> None:
    text = "Tokayev paid the first official state visit"
    assert events._np_start(text, 0, text.index("visit")) == text.index("the")
    text = "opened the “Russian seasons” festival"
    assert events._np_start(text, 0, text.index("festival")) == text.index("the")
    text = "a, b; c (Kazakh) state visit"
    assert events._clause_start(text, 0, len(text)) == text.index(";") + 1
    assert events._clause_end(text, 0, len(text)) == 1
