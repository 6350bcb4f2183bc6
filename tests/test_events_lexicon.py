"""events lexicon: case folding for the lower-case patterns, the trigger gate."""

from __future__ import annotations

import re
import sys

import pytest

from pipeline.events_lexicon import (
    MODIFIERS,
    fold_case,
    gate_positions,
    lexicon,
    lower_pattern,
)

_ALL = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)


def _pattern_letters() -> set[str]:
    lex = lexicon()
    texts = [MODIFIERS, lex.planned_re.pattern, lex.ongoing_re.pattern, lex.publisher_re.pattern]
    texts += [r.requires.pattern for r in lex.rules.values() if r.requires is not None]
    return {c for t in texts for c in t if c.isalpha()} | set("abcdefghijklmnopqrstuvwxyz")


def test_fold_case_keeps_indices_and_character_classes() -> None:
    low = fold_case(_ALL)
    assert len(low) == len(_ALL)
    for c, f in zip(_ALL, low, strict=True):
        if c != f:
            assert (c.isalnum(), c.isspace(), c.isdecimal(), c.isdigit()) == (
                f.isalnum(),
                f.isspace(),
                f.isdecimal(),
                f.isdigit(),
            ), hex(ord(c))


def test_fold_case_matches_like_ignorecase() -> None:
    """A lower-case letter matches exactly the characters it matches with IGNORECASE."""
    low = fold_case(_ALL)
    for letter in sorted(_pattern_letters()):
        if not letter.islower():
            continue
        ci = {m.start() for m in re.finditer(re.escape(letter), _ALL, re.IGNORECASE)}
        lc = {m.start() for m in re.finditer(re.escape(letter), low)}
        assert ci == lc, (letter, [hex(ord(_ALL[i])) for i in ci ^ lc])


def test_fold_case_of_plain_text_is_lower() -> None:
    assert fold_case("The SUMMIT in Astana") == "the summit in astana"
    assert fold_case("İstanbul ſummit ıi") == "istanbul summit ii"


def test_lower_pattern_rejects_capitals() -> None:
    assert lower_pattern(r"\bvisit\S*\W", re.IGNORECASE).flags & re.IGNORECASE == 0
    with pytest.raises(ValueError):
        lower_pattern(r"[A-Z]\w+")
    with pytest.raises(ValueError):
        lower_pattern(r"(?-i:x)")


def test_gate_positions_are_word_starts() -> None:
    text = "Pre-visit talks; revisit the Visit and the Têt-à-tête"
    found = gate_positions(lexicon(), fold_case(text))
    assert [text[p : p + 5] for p in found] == ["talks", "Visit", "Têt-à"]
