"""Compiled lexicons of the events extractor: trigger rules, status cues, CAMEO mapping.

Data: `pipeline/lexicons/event_triggers.yaml` and `pipeline/lexicons/cameo.yaml`. Everything
is compiled once (`lexicon()` is cached); the extractor never reads files at call time.

Case-insensitive word lists are compiled case-sensitive in lower case and run on
`fold_case(text)` (same indices as `text`): Python's `re` tries the branches of an
`IGNORECASE` alternation one by one at every position, while a lower-case literal branch that
cannot match is skipped at once (about three times faster on this genre).
"""

from __future__ import annotations

import re
import re._constants as sre
import re._parser as sre_parse
from dataclasses import dataclass
from functools import cache
from typing import Any

import ahocorasick
import pycountry

from pipeline.geo import country_iso3
from pipeline.lexicon import load

#: Determiners and possessives that may open an event's noun phrase.
DETERMINERS = (
    "the",
    "a",
    "an",
    "this",
    "that",
    "these",
    "those",
    "its",
    "his",
    "her",
    "their",
    "our",
    "my",
    "your",
)
#: Determiners that make a bare trigger noun refer back to an event already named.
ANAPHORIC_DETERMINERS = frozenset(
    ("the", "this", "that", "these", "those", "its", "his", "her", "their")
)

#: Lower-case words that may stand between a determiner and the trigger noun.
MODIFIERS = (
    "state|official|working|friendly|first|second|third|fourth|fifth|last|next|historic|"
    "historical|upcoming|forthcoming|planned|recent|joint|bilateral|trilateral|multilateral|"
    "international|regional|interregional|annual|informal|extended|narrow|full-scale|"
    "high-level|top-level|large-scale|two-day|three-day|one-day|brief|short|return|"
    "phone|telephone|opening|closing|plenary|jubilee|anniversary|cultural|presidential|"
    "parliamentary|early|snap|new|landmark|extraordinary|regular|ordinary|summit|ministerial|"
    "intergovernmental|economic|business|investment|youth|scientific|expert|public|open|"
    "solemn|ceremonial|main|major|important|key|final|general|memorial|art|photo|theatre|"
    "theater|film|music|musical|folk|national|traditional|separate|personal|private|"
    "in-depth|detailed|productive|constructive|fruitful|successful|large|big|grand|"
    "special|keynote|welcoming|online|virtual|video|remote|face-to-face|tête-à-tête"
)

#: Auxiliaries and light verbs that may precede the event noun (`is paying an official visit`).
LIGHT_VERBS = (
    r"(?:(?:is|are|was|were|will|would|shall|has|have|had|to|also|be|been|being|not)\s+){0,3}"
    r"(?:pay|pays|paid|paying|make|makes|made|making|hold|holds|held|holding|conduct|"
    r"conducts|conducted|conducting|have|has|had|having|attend|attends|attended|attending|"
    r"participate\s+in|participated\s+in|participates\s+in|participating\s+in|"
    r"take\s+part\s+in|took\s+part\s+in|takes\s+part\s+in|taking\s+part\s+in|"
    r"deliver|delivers|delivered|delivering|give|gives|gave|giving|host|hosts|hosted|"
    r"hosting|organize|organized|organise|organised|stage|staged|open|opened|opens|"
    r"visit|visited|chair|chaired|chairs|celebrate|celebrated|launch|launched|"
    r"complete|completed|start|started|begin|began|finish|finished)\s+$"
)

PREPOSITIONS = frozenset(
    [
        "of",
        "in",
        "to",
        "at",
        "with",
        "between",
        "on",
        "for",
        "from",
        "by",
        "under",
        "within",
        "among",
        "during",
        "near",
        "across",
        "around",
        "via",
        "amid",
    ]
)
PARTICIPLES = frozenset(
    [
        "held",
        "signed",
        "opened",
        "adopted",
        "organized",
        "organised",
        "hosted",
        "chaired",
        "scheduled",
        "planned",
        "dedicated",
        "devoted",
        "attended",
        "initiated",
        "launched",
        "concluded",
        "ratified",
        "established",
        "built",
        "staged",
        "convened",
        "slated",
        "set",
        "timed",
        "attended",
        "co-chaired",
        "arranged",
    ]
)
AUXILIARIES = frozenset(
    ["is", "are", "was", "were", "be", "been", "being", "will", "shall", "has", "have", "had"]
)
STOP_WORDS = frozenset(
    [
        "and",
        "or",
        "but",
        "which",
        "that",
        "who",
        "whom",
        "whose",
        "where",
        "when",
        "while",
        "as",
        "because",
        "since",
        "if",
        "than",
        "so",
        "is",
        "are",
        "was",
        "were",
        "will",
        "would",
        "shall",
        "should",
        "can",
        "could",
        "may",
        "might",
        "must",
        "has",
        "have",
        "had",
        "be",
        "been",
        "being",
        "do",
        "does",
        "did",
        "not",
        "also",
        "however",
        "said",
        "noted",
        "says",
        "say",
        "told",
        "stated",
        "stressed",
        "added",
        "according",
        "it",
        "he",
        "she",
        "they",
        "we",
        "i",
        "you",
        "there",
        "here",
        "this",
        "these",
        "those",
        "following",
        "after",
        "before",
        "during",
        "until",
        "ahead",
        "prior",
        "thanks",
        "due",
    ]
)


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    type: str
    priority: int
    confidence: float
    passive: bool
    requires: re.Pattern[str] | None
    window: int
    before: int
    after_capital: bool


@dataclass(frozen=True, slots=True)
class CameoEntry:
    type: str
    rule: str | None
    status: str | None
    host: bool | None
    code: str | None


@dataclass(frozen=True, slots=True)
class Lexicon:
    trigger_re: re.Pattern[str]
    # the trigger patterns' literal beginnings (`meeting`, `signed`, lower case) -> (length,
    # index into `trigger_parts`): at a word where `k` is the longest such beginning, only
    # the patterns that may begin there can match (`trigger_parts[i]`, in rule order)
    trigger_ac: Any
    trigger_parts: tuple[tuple[re.Pattern[str] | None, bool], ...]  # (regex, begins a gate)
    trigger_any: re.Pattern[str] | None  # the patterns with no literal beginning, if any
    gate_ac: Any  # ahocorasick.Automaton over the gate prefixes (lower case) -> length
    gates: tuple[str, ...]  # the gate prefixes, lower case
    rules: dict[str, Rule]  # regex group name -> rule
    generic_re: re.Pattern[str]
    ongoing_re: re.Pattern[str]
    planned_re: re.Pattern[str]
    anaphoric_time_re: re.Pattern[str]
    following_re: re.Pattern[str]
    pair_re: re.Pattern[str]
    home_re: re.Pattern[str]
    host_re: re.Pattern[str]
    country_word_re: re.Pattern[str]  # `(?<![\w-])(?:Kazakhstan|Russia|...)(?![\w])`
    country_word_iso: dict[str, str | None]  # each word `country_word_re` matches -> ISO3
    documents_re: re.Pattern[str]
    publishers: dict[str, str]  # publisher name -> ISO3
    publisher_re: re.Pattern[str]
    cameo: tuple[CameoEntry, ...]
    country_names: dict[str, str]  # ISO3 -> canonical English short name
    abbreviations: frozenset[str]  # words before a full stop that ends no sentence (`Oct`, `St`)
    dateline_re: re.Pattern[str]  # `ASTANA. KAZINFORM –`, `MOSCOW, May 3. /TASS/.`


#: Characters whose `IGNORECASE` match differs from a match of their `str.lower()`: the dotted
#: capital I (lower-cases to two characters), the dotless i and the long s all match `i`/`s`.
_FOLD_FIX = {ord("İ"): "i", ord("ı"): "i", ord("ſ"): "s"}


def fold_case(text: str) -> str:
    """`text` lower-cased for the patterns compiled by `lower_pattern`: same length and
    indices, and a lower-case pattern matches it where the pattern with `IGNORECASE` matches
    `text` (tested over every code point)."""
    low = text.lower()
    if len(low) == len(text) and "ı" not in low and "ſ" not in low:
        return low
    low = text.translate(_FOLD_FIX).lower()
    if len(low) != len(text):  # no such character is known today; kept as it is
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text.translate(_FOLD_FIX))
    return low


_UPPER_LITERAL = re.compile(r"\\.|(\(\?-?i)|([A-Z])")


def lower_pattern(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`pattern` (case-insensitive, written in lower case) compiled to run on `fold_case`d text."""
    for m in _UPPER_LITERAL.finditer(pattern):
        if m.group(1) or m.group(2):
            raise ValueError(f"not a lower-case pattern: {pattern[:80]!r}")
    return re.compile(pattern, flags & ~re.IGNORECASE)


def word_alternation(words: list[str]) -> re.Pattern[str]:
    r"""`(?<![\w-])(?:w1|w2|...)(?![\w])` over literal words (case-sensitive), written so
    that `re` scans fast: the alternatives grouped by first character, each group opening
    with its literal character and the lookbehind after it (`K(?<![\w-]K)(?:azakh|...)`),
    so that only positions holding a first character are tried. Same matches, in the same
    order of preference (within a group, the words keep their order)."""
    groups: dict[str, list[str]] = {}
    for w in words:
        groups.setdefault(w[:1], []).append(w[1:])
    alts = [
        f"{re.escape(c)}(?<![\\w-]{re.escape(c)})(?:{'|'.join(re.escape(r) for r in rests)})"
        for c, rests in groups.items()
    ]
    return re.compile(r"(?:" + "|".join(alts) + r")(?![\w])")


def _alt(patterns: list[str]) -> str:
    return "|".join(f"(?:{p})" for p in patterns)


def _words_re(words: list[str]) -> re.Pattern[str]:
    alts = sorted(
        (re.escape(w.lower()).replace(r"\ ", r"\s+") for w in words), key=len, reverse=True
    )
    return lower_pattern(r"\b(?:" + "|".join(alts) + r")\b")


def _read(name: str) -> Any:
    return load(name)


@cache
def lexicon() -> Lexicon:
    data = _read("event_triggers.yaml")
    lists = {k: _words_re(v) for k, v in data["lists"].items()}
    rules: dict[str, Rule] = {}
    groups: list[str] = []
    for name, spec in data["rules"].items():
        req = spec.get("requires")
        rule = Rule(
            name=name,
            type=spec["type"],
            priority=int(spec.get("priority", 5)),
            confidence=float(spec.get("confidence", 0.7)),
            passive=bool(spec.get("passive", False)),
            requires=lists[req] if req else None,
            window=int(spec.get("window", 60)),
            before=int(spec.get("before", 0)),
            after_capital=bool(spec.get("after_capital", False)),
        )
        for i, pattern in enumerate(spec["patterns"]):
            group = f"{name}__{i}"
            rules[group] = rule
            groups.append(rf"(?P<{group}>{pattern})")
    trigger_re = _trigger_alternation(groups)
    trigger_ac, trigger_parts, trigger_any = _trigger_dispatch(
        groups, [str(g).lower() for g in data["gate"]]
    )
    gate_ac = ahocorasick.Automaton()
    for g in data["gate"]:
        gate_ac.add_word(str(g).lower(), len(str(g)))
    gate_ac.make_automaton()
    status = data["status"]
    countries = _read("countries.yaml")
    country_words: list[str] = []
    country_names: dict[str, str] = {}
    for iso3, variants in countries.items():
        country_names[iso3] = variants[0]
        country_words.extend(v for v in variants if v[:1].isupper())
    for c in pycountry.countries:
        country_names.setdefault(c.alpha_3, getattr(c, "common_name", None) or c.name)
    country_word_re = word_alternation(sorted(country_words, key=len, reverse=True))
    publishers: dict[str, str] = {}
    for iso3, names in data["publishers"].items():
        for n in names:
            publishers[n.lower()] = iso3
    publisher_re = lower_pattern(
        r"(?<!\w)(?:"
        + "|".join(re.escape(n) for n in sorted(publishers, key=len, reverse=True))
        + r")(?!\w)"
    )
    cameo = tuple(
        CameoEntry(
            type=e["type"],
            rule=e.get("rule"),
            status=e.get("status"),
            host=e.get("host"),
            code=e.get("code"),
        )
        for e in _read("cameo.yaml")["mapping"]
    )

    abbrev = _read("abbreviations.yaml")
    abbreviations = frozenset(
        str(w).lower() for key, ws in abbrev.items() if key != "scales" for w in ws or []
    )
    agency = "|".join(re.escape(n) for n in sorted(publishers, key=len, reverse=True))
    dateline_re = re.compile(
        r"(?:[A-Z][A-Z’'-]+(?:[ -][A-Z][A-Z’'-]+)*[.,]\s+(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}\.\s+)?)?"
        rf"(?:/(?i:{agency})/\.?\s+|(?=[A-Z]{{2,}}[\s.-])(?i:{agency})\.?\s*[–—-]?\s+"
        rf"|(?i:{agency})\s*[–—-]\s+)(?=[A-Z“\"«])"
        r"|[A-Z][A-Z’'-]+(?:[ -][A-Z][A-Z’'-]+)*(?:\s+\([A-Za-z]{2,10}\))?\s*[–—]\s+(?=[A-Z])"
    )

    def words(key: str) -> re.Pattern[str]:
        return lower_pattern(r"\b(?:" + _alt(data[key]) + r")\b")

    return Lexicon(
        trigger_re=trigger_re,
        trigger_ac=trigger_ac,
        trigger_parts=trigger_parts,
        trigger_any=trigger_any,
        gate_ac=gate_ac,
        gates=tuple(str(g).lower() for g in data["gate"]),
        rules=rules,
        generic_re=words("generic"),
        ongoing_re=lower_pattern(r"\b(?:" + _alt(status["ongoing"]) + r")\b"),
        planned_re=lower_pattern(r"\b(?:" + _alt(status["planned"]) + r")\b"),
        anaphoric_time_re=words("anaphoric_time"),
        following_re=words("following"),
        pair_re=words("pair_words"),
        home_re=words("home_words"),
        host_re=words("host_words"),
        country_word_re=country_word_re,
        country_word_iso={w: country_iso3(w) for w in country_words},
        documents_re=lists["documents"],
        publishers=publishers,
        publisher_re=publisher_re,
        cameo=cameo,
        country_names=country_names,
        abbreviations=abbreviations,
        dateline_re=dateline_re,
    )


def _trigger_alternation(groups: list[str]) -> re.Pattern[str]:
    return re.compile(
        r"(?<![\w-])(?:" + "|".join(groups) + r")(?![\w-])", re.IGNORECASE | re.UNICODE
    )


_MAX_BEGINNING = 12  # characters of a pattern's literal beginning that are looked at
_Beginnings = set[tuple[str, bool]]  # (lower-case text, whether the pattern may go on after)


def beginnings(pattern: str) -> set[str]:
    """Lower-case strings one of which every match of `pattern` (case-insensitive) begins
    with, once lower-cased: `sign(?:ed|s)?` -> {sign, signed, signs}. The empty string
    when the pattern may begin with anything (`\\w+`, `.`, a long class)."""
    return {b for b, _ in _seq_beginnings(sre_parse.parse(pattern, re.IGNORECASE))}


def _seq_beginnings(items: Any) -> _Beginnings:
    out: _Beginnings = {("", True)}
    for op, av in items:
        live = [b for b, going in out if going]
        if not live:
            break
        options = _item_beginnings(op, av)
        nxt = {x for x in out if not x[1]}
        for b in live:
            for t, going in options:
                u = b + t
                nxt.add((u[:_MAX_BEGINNING], False) if len(u) >= _MAX_BEGINNING else (u, going))
        out = nxt
        if len(out) > 256:
            return {(b, False) for b, _ in out}
    return out


def _item_beginnings(op: Any, av: Any) -> _Beginnings:
    stop: _Beginnings = {("", False)}
    if op is sre.LITERAL:
        c = chr(av).lower()
        return {(c, True)} if len(c) == 1 else stop
    if op is sre.IN:
        chars: set[str] = set()
        for o, a in av:
            if o is sre.LITERAL:
                chars.add(chr(a).lower())
            elif o is sre.RANGE and a[1] - a[0] <= 30:
                chars.update(chr(x).lower() for x in range(a[0], a[1] + 1))
            else:
                return stop
        return {(c, True) for c in chars} if all(len(c) == 1 for c in chars) else stop
    if op is sre.SUBPATTERN:
        return _seq_beginnings(av[3])
    if op is sre.BRANCH:
        out: _Beginnings = set()
        for branch in av[1]:
            out |= _seq_beginnings(branch)
        return out
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        least, most, sub = av
        inner = _seq_beginnings(sub)
        if most != 1:
            inner = {(b, False) for b, _ in inner}
        return inner | {("", True)} if least == 0 else inner
    if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
        return {("", True)}  # consumes nothing
    return stop


def _trigger_dispatch(
    groups: list[str], gates: list[str]
) -> tuple[Any, tuple[tuple[re.Pattern[str] | None, bool], ...], re.Pattern[str] | None]:
    starts = [beginnings(g) for g in groups]
    for group, bs in zip(groups, starts, strict=True):
        ungated = sorted(
            b for b in bs if b and not any(b.startswith(g) or g.startswith(b) for g in gates)
        )
        if ungated:
            raise ValueError(
                f"event_triggers.yaml: pattern {group!r} may begin with {ungated[0]!r}, which no"
                " `gate` prefix starts: add the prefix to `gate`, or the pattern never fires"
            )
    anywhere = [i for i, b in enumerate(starts) if "" in b]
    keys = sorted({b for bs in starts for b in bs if b})
    compiled: dict[tuple[int, ...], re.Pattern[str]] = {}
    parts: list[tuple[re.Pattern[str] | None, bool]] = []
    ac = ahocorasick.Automaton()
    for k in keys:
        # the patterns that may match where `k` is the longest beginning found
        which = tuple(
            i for i, bs in enumerate(starts) if i in anywhere or any(k.startswith(b) for b in bs)
        )
        if which not in compiled:
            compiled[which] = _trigger_alternation([groups[i] for i in which])
        ac.add_word(k, (len(k), len(parts)))
        parts.append((compiled[which], any(k.startswith(g) for g in gates)))
    ac.make_automaton()
    rest = _trigger_alternation([groups[i] for i in anywhere]) if anywhere else None
    return ac, tuple(parts), rest


def cameo_code(lex: Lexicon, event_type: str, rule: str, status: str, host: bool) -> str | None:
    """The CAMEO code of the first mapping entry whose conditions hold."""
    for e in lex.cameo:
        if e.type != event_type:
            continue
        if e.rule is not None and e.rule != rule:
            continue
        if e.status is not None and e.status != status:
            continue
        if e.host is not None and e.host != host:
            continue
        return e.code
    return None


def find_triggers(lex: Lexicon, text: str, low: str) -> list[re.Match[str]]:
    """Trigger matches in `text` (`low` is `fold_case(text)`), left to right, non-overlapping:
    `trigger_re` tried only where a gate word begins (same result as `trigger_re.finditer`
    where the gate list is complete), faster: only the patterns whose literal beginning is
    there are tried (their alternation gives the same match as the whole one)."""
    longest: dict[int, int] = {}  # word start -> the longest pattern beginning there
    for end, (n, k) in lex.trigger_ac.iter(low):
        pos = end - n + 1
        if pos == 0 or not (low[pos - 1].isalnum() or low[pos - 1] in "_-"):
            longest[pos] = k  # hits come by end: a longer beginning at `pos` comes later
    tries: list[tuple[int, re.Pattern[str] | None]] = []
    if lex.trigger_any is not None:
        tries = [(pos, None) for pos in gate_positions(lex, low) if pos not in longest]
    for pos, k in longest.items():
        rx, gated = lex.trigger_parts[k]
        if gated or any(low.startswith(g, pos) for g in lex.gates):
            tries.append((pos, rx))
    tries.sort(key=lambda t: t[0])
    out: list[re.Match[str]] = []
    last_end = 0
    for pos, rx in tries:
        if pos < last_end:
            continue
        m = (rx or lex.trigger_any or lex.trigger_re).match(text, pos)
        if m is not None:
            out.append(m)
            last_end = m.end()
    return out


def gate_positions(lex: Lexicon, low: str) -> list[int]:
    """Starts of words that begin with a gate prefix, in order (Aho–Corasick over
    `low` = `fold_case(text)`). No trigger begins anywhere else."""
    found: set[int] = set()
    for end, n in lex.gate_ac.iter(low):
        pos = end - n + 1
        if pos == 0 or not (low[pos - 1].isalnum() or low[pos - 1] in "_-"):
            found.add(pos)
    return sorted(found)
