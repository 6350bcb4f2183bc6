"""events lexicon: case folding for the lower-case patterns, the trigger gate."""

from __future__ import annotations

import re
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.events_lexicon import (
    MODIFIERS,
    beginnings,
    find_triggers,
    fold_case,
    gate_positions,
    lexicon,
    lower_pattern,
)

_ALL = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)


def _pattern_letters() -> set[str]:
    lex = lexicon()
    texts = [MODIFIERS, lex.planned_re.pattern, lex.ongoing_re.pattern, lex.publisher_re.pattern]
    texts += [lex.trigger_re.pattern]
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


def test_beginnings() -> None:
    assert beginnings(r"sign(?:ed|s|ing)?\s+(?:a\s+)?decree") == {
        "sign",
        "signed",
        "signs",
        "signing",
    }
    assert beginnings(r"(?:tele)?phone") == {"phone", "telephone"}
    assert beginnings(r"(?-i:Expo|EXPO)(?:[\s-]*\d{4})?") == {"expo"}
    assert beginnings(r"meet(?=\s)") == {"meet"}
    assert beginnings(r"[Tt]rips?") == {"trip", "trips"}
    assert beginnings(r"\w+ visit") == {""}  # may begin with anything
    assert beginnings(r"construction-of-the-plant") == {"construction"}  # the first 12 characters


def _reference_triggers(text: str) -> list[tuple[int, int, str | None]]:
    """The plain way: `trigger_re` at every gate position."""
    lex = lexicon()
    out: list[tuple[int, int, str | None]] = []
    last_end = 0
    for pos in gate_positions(lex, fold_case(text)):
        if pos < last_end:
            continue
        m = lex.trigger_re.match(text, pos)
        if m is not None:
            out.append((m.start(), m.end(), m.lastgroup))
            last_end = m.end()
    return out


_TRIGGER_TEXTS = [
    "The leaders met in Astana and signed the Treaty; the SCO summit opened on Monday.",
    "Tokayev paid a state visit to Moscow. The talks were held tête-à-tête. Expo-2017 opened.",
    "He gave a speech at the forum, and a telephone conversation followed the re-election.",
    "The Council session of the CIS Heads of State; assets were set up; MEETINGS of the EAEU.",
]


def test_find_triggers_as_the_whole_alternation() -> None:
    lex = lexicon()
    for text in _TRIGGER_TEXTS:
        found = [
            (m.start(), m.end(), m.lastgroup) for m in find_triggers(lex, text, fold_case(text))
        ]
        assert found == _reference_triggers(text)
        assert found


_WORDS = (
    "met meeting Meetings summit SCO signed sign of the Council session visit visited trip to "
    "talks tête-à-tête opened Expo 2017 CIS Heads State launch Soyuz rocket elections "
    "re-elected days culture Year Russia in Kazakhstan ı İ ſ - , . “ ”"
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_WORDS.split(" ")), max_size=30))
def test_find_triggers_property(words: list[str]) -> None:
    text = " ".join(words)
    found = [
        (m.start(), m.end(), m.lastgroup) for m in find_triggers(lexicon(), text, fold_case(text))
    ]
    assert found == _reference_triggers(text)


def test_word_alternation_as_the_plain_one() -> None:
    words = sorted(lexicon().country_word_iso, key=len, reverse=True)
    plain = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, words)) + r")(?![\w])")
    text = (
        "Kazakhstan and Russia; the Russian-Kazakh border, non-Russian, Russians, Kyrgyzstan. "
        "Uzbekistan’s, Russia-made, (China) Kazakh Russia"
    )
    fast = lexicon().country_word_re
    for lo, hi in [(0, len(text)), (4, 60), (21, 27), (0, 86)]:
        assert [m.span() for m in fast.finditer(text, lo, hi)] == [
            m.span() for m in plain.finditer(text, lo, hi)
        ]
    assert lexicon().country_word_iso["Kazakh"] == "KAZ"


def test_a_pattern_no_gate_prefix_begins_is_refused_at_load() -> None:
    """A trigger pattern is tried only where a gate word begins: one whose beginning no gate
    prefix starts would never fire, so the lexicon refuses it with the pattern named."""
    from pipeline.events_lexicon import _trigger_dispatch

    groups = [r"(?P<talks__0>talks?\s+with)", r"(?P<lecture__0>speech\s+(?:at|to))"]
    with pytest.raises(ValueError, match=r"lecture__0.*'speech'.*gate"):
        _trigger_dispatch(groups, ["talk"])
    _ac, parts, rest = _trigger_dispatch(groups, ["talk", "spee"])
    assert rest is None and len(parts) == 3  # beginnings: talk, talks, speech
