"""events extractor: visits, talks, summits, forums, signings, foundings, elections, cultural
events, lectures and other happenings, with date, status, place, participants and CAMEO code.

How it works, per document:
1. One compiled regex of trigger phrases (`lexicons/event_triggers.yaml`) finds candidate
   triggers; sentences without one are never looked at again.
2. Each trigger grows into a quote: the noun phrase or verb phrase that names the event
   (`paid an official visit to Moscow in May 2019`), by a small grammar of
   determiners, modifiers, light verbs and prepositional attachments. Triggers that need an
   argument (`opened` needs a school, a branch, a plant...) are checked; sentences that speak
   of generic, recurring contacts (`regularly`, `four times`) yield only named events.
   Overlapping quotes keep the higher-priority rule (the forum, not the speech at it).
3. Status from tense and aspect cues of the event's clause; then the date from
   `pipeline.timex` (resolved towards the future for planned events, the past for past
   ones): a time expression inside the quote, else the nearest one in the sentence that is
   not inside another event's quote.
4. Place from the gazetteer (`pipeline.geo.find_places`), participants from
   `pipeline.people`, country names and `pipeline.extractors.institutions`.
5. Repeated mentions merge: a bare definite mention (`the visit`, `this forum`) or an arrival
   refers back to the latest event of its kind; the same named event twice is one event.
6. Carry-over of dates, each rule a convention of news reports:
   - `at that time`, `during the visit`: the date of the latest dated event;
   - `following the visit`: the month of the event it follows (the day is not fixed);
   - the lead: in a dated report's first paragraph, undated planned or ongoing events are
     the programme of the lead event (a visit, summit or forum of today or a fixed day) and
     take its date and place.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from pipeline.document import Document
from pipeline.events_lexicon import (
    AUXILIARIES,
    DETERMINERS,
    LIGHT_VERBS,
    MODIFIERS,
    PARTICIPLES,
    PREPOSITIONS,
    STOP_WORDS,
    Lexicon,
    Rule,
    cameo_code,
    find_triggers,
    fold_case,
    lexicon,
    lower_pattern,
)
from pipeline.extractors.rows import EventRow
from pipeline.geo import Place, find_places
from pipeline.institution_registry import registry
from pipeline.people import PersonMention, find_people, person_country
from pipeline.sentences import split as split_sentences
from pipeline.timex import find_timexes

NAME = "events"
VERSION = "1.0"
TABLE = "events"

_PREFER = {"planned": "future", "past": "past", "ongoing": "current"}
_FAMILY = {"summit": "meeting", "forum": "meeting"}
_PRECISION_ORDER = {"day": 0, "month": 1, "quarter": 2, "half": 3, "year": 4, "unknown": 5}

_TOKEN = re.compile(r"“[^”\n]{0,120}”|\"[^\"\n]{0,120}\"|«[^»\n]{0,120}»|[\w’'.&/-]+|[^\w\s]")
_QUOTED_OR_PUNCT = re.compile(
    r"“[^”\n]*”|\"[^\"\n]*\"|«[^»\n]*»|\((?-i:[A-Z][\w .&-]{0,60})\)|[,;:()]"
)
_WORD = r"(?:(?-i:[A-Z0-9][\w’'&-]*)|“[^”\n]{1,120}”|\"[^\"\n]{1,120}\"|«[^»\n]{1,120}»)"
_LIGHT = lower_pattern(LIGHT_VERBS)
_LIGHT_LAST = frozenset(re.findall(r"[a-z]+", LIGHT_VERBS))  # every word a light verb ends in
_WORD_START = re.compile(r"(?<![\w’'-])[A-Za-z]")
_TIME_HINT = lower_pattern(
    r"\d|(?<![\w-])(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|"
    r"sun|today|tonight|yesterday|tomorrow|year|month|week|day|spring|summer|autumn|fall|"
    r"winter|quarter|half|decade|centur|ago|earlier|recent|first|second|third|fourth|"
    r"beginning|end|mid|early|late)",
)
_INITIALS = re.compile(r"(?:[A-Z]\.)+$")
_PREV_WORD = re.compile(r"[“\"«]?([A-Z][\w’'-]*)\s+$")
_LEFT_TOKEN = re.compile(r"“[^”\n]{1,120}”|\"[^\"\n]{1,120}\"|«[^»\n]{1,120}»|\S+")
_NP_WORD = re.compile(
    _WORD
    + r"|"
    + MODIFIERS
    + r"|\d+(?:st|nd|rd|th)|[\w-]+-(?:day|level|scale)"
    + r"|(?-i:(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.)",
    re.IGNORECASE,
)
_PASSIVE_AUX = lower_pattern(
    r"\b(?:will\s+be|would\s+be|was|were|is|are|has\s+been|have\s+been|had\s+been|to\s+be|"
    r"be|being|been)\s+$",
)
_CLAUSE_OPENER = lower_pattern(
    r"^(?:(?:following\s+which|after\s+which|which|that|where|when|and|but|while|whereas|"
    r"as|so|thus|then|also)\s+)+",
)
_SIGN_NOUN = lower_pattern(r"\b(?:a|the|as|no|any|every|first|clear)\s+$")
_PRESENT = lower_pattern(
    r"\b(?:is|are|opens|starts|begins|takes\s+place|continues|runs|kicks\s+off|hosts|holds|"
    r"gathers|welcomes)\b"
)
_PRONOUN_START = re.compile(r"^(?:he|she|they|it)\b", re.IGNORECASE)
_DEADLINE = re.compile(r"(?i)(?:by|until|till|before|no\s+later\s+than)\b")
_MISSED_STOP = re.compile(r"(?<=[a-z])\.\s+[A-Z]")
_HEADER = re.compile(r"\s*date\s+\S+[ \t]*")
_PAST_CUE = lower_pattern(
    r"\b(?:was|were|had|did|has\s+been|have\s+been|\w{3,}ed|held|took|met|made|paid|gave|spoke|"
    r"began|won|went|came|led|sent|built|set\s+up|ago|yesterday|earlier|last)\b",
)
_REDUCED_PAST = lower_pattern(
    r"^\S*(?:\s+(?!(?:is|are|was|were|be|being|been|has|have|had|will|would|to)\b)\S+){0,8}?\s+"
    r"(?:held|signed|adopted|opened|organi[sz]ed|hosted|attended|concluded|ratified|staged|"
    r"convened|co-chaired|chaired)\b",
)
_REDUCED_PLANNED = lower_pattern(
    r"\b(?:scheduled|slated|planned|set)\s+(?:for|to)\b|\bto\s+(?:be\s+held|take\s+place)\b",
)
_PLACE_AFTER = lower_pattern(r"\b(?:in|at)\s+(?:the\s+)?(?:[\w’'-]+\s+){0,3}?(?:of\s+)?$")
_AFTER_STOP = re.compile(r"[;:]|,(?!\s*(?:which|that|where|\d{4})\b)|[.!?](?:\s|$)")
_WORDISH = re.compile(r"[\w“\"«]").match
_WORD_RUN = re.compile(r"[\w’'-]+")
_AND_OR = re.compile(r"\s*(?:and|or)\s")
_INITIATED = re.compile(r"\binitiated\b|\bproposed\b|\binitiative\b")
_SINCE = re.compile(r"(?i)(?:since|from|beginning|starting|as\s+of)\b")
_IN_AT_TO = lower_pattern(r"\b(?:in|at|to|near|into)\s+(?:the\s+)?$")
_IN_X_OF = re.compile(r"\b(?:in|at|to)\s+(?:the\s+)?(?:[\w-]+\s+){1,3}of\s+(?:the\s+)?$")
_FROM = lower_pattern(r"\bfrom\b")
_IN_AT = re.compile(r"\b(?:in|at)\s+(?:the\s+)?$")
_IN_TO_AT = re.compile(r"\b(?:in|to|at)\s+$")
_SPACE_OF = re.compile(r"\s+of\b")
_DET_END = re.compile(r"(?:\b(?:the|a|an|this|its|their|his|her)\s+)?$")
_SEMI = re.compile(r"[;:]")
_PUNCT = re.compile(r"[,;:()]")
_ARTICLE_END = re.compile(r"\b(?:a|an|the)\s+$")
_HEAD_PLACE = re.compile(r"\s*date\s+\S+\s+([A-Z][A-Z-]+)")
_ADJ_PLACE = re.compile(
    r"\b(?:in|to|at)\s+(?:the\s+)?(?:(?:southern|northern|eastern|western|central|border|"
    r"bordering|other|many|several|some|all|major|large|big|leading|main)\s+){0,2}$"
)


@dataclass
class _Event:
    start: int
    end: int
    trig_start: int
    trig_end: int
    rule: Rule
    sent: int  # sentence index
    para: int  # paragraph index
    status: str = "past"
    date_start: date | None = None
    date_end: date | None = None
    precision: str = "unknown"
    date_text: str | None = None
    own_date: bool = False
    place: Place | None = None
    participants: list[str] = field(default_factory=list)
    host: bool = False
    anaphoric: bool = False
    generic: bool = False
    date_inside: bool = False  # the date's expression lies inside the quote
    partner: _Event | None = None  # `the SCO and CSTO summits`: the event named with it
    key: tuple[str, ...] = ()
    clause: int = -1  # start of the trigger's clause (within 150 characters), once computed


@dataclass(slots=True)
class _DocCtx:
    """What is known of the document (places, persons and organisations are filled in once
    it has a candidate event)."""

    text: str
    low: str  # fold_case(text): for the lower-case patterns
    ref: date
    sents: tuple[tuple[int, int], ...]
    starts: tuple[int, ...]
    para_of: tuple[int, ...]  # paragraph index of each sentence
    places: tuple[Place, ...]
    place_starts: tuple[int, ...]
    people: tuple[PersonMention, ...]
    people_starts: tuple[int, ...]
    inst: tuple[tuple[int, int, str], ...]  # sorted, disjoint
    inst_starts: tuple[int, ...]
    inst_ends: tuple[int, ...]
    home: str | None
    pair: tuple[str, ...]


# ------------------------------------------------------------------------- small helpers


def _sentences(doc: Document) -> tuple[tuple[int, int], ...]:
    """The parse stage's sentences, or the same splitter's when the document has none."""
    return doc.sentences or tuple(split_sentences(doc.text))


def _clipped_sentences(
    text: str, spans: tuple[tuple[int, int], ...], lex: Lexicon
) -> tuple[tuple[int, int], ...]:
    """Sentences without the file header (` date 2024-11-27 `) and datelines
    (`ASTANA. KAZINFORM – `, `MOSCOW, May 3. /TASS/. `): no event quote starts in them."""
    header = _HEADER.match(text)
    h_end = header.end() if header else 0
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if b <= h_end:
            continue
        a = max(a, h_end)
        while a < b and text[a].isspace():
            a += 1
        m = lex.dateline_re.match(text, a, b)
        if m is not None:
            a = m.end()
        if b > a:
            out.append((a, b))
    return tuple(out)


def _title_sentence(text: str, sents: tuple[tuple[int, int], ...], lex: Lexicon) -> int:
    """Index of the headline (a first line with no final stop, a paragraph to itself), or -1."""
    if len(sents) < 2:
        return -1
    a, b = sents[0]
    if text[b - 1 : b] in '.!?”"' or "\n" not in text[b : sents[1][0]] or b - a > 200:
        return -1
    return 0


_QUOTE_OPEN = re.compile(r"[“\"«]")
_QUOTE_OR_PAREN = re.compile(r"[“\"«(]")
_CLAUSE_STOP = re.compile(r"[,;:)]")


def _clause_start(text: str, lo: int, pos: int) -> int:
    """Start of the clause that contains `pos`: after the last , ; : ( outside quotes."""
    if _QUOTE_OR_PAREN.search(text, lo, pos) is None:
        # no quotation and no parenthesis can begin: every , ; : ) is a clause stop
        return max(
            lo,
            text.rfind(",", lo, pos) + 1,
            text.rfind(";", lo, pos) + 1,
            text.rfind(":", lo, pos) + 1,
            text.rfind(")", lo, pos) + 1,
        )
    start = lo
    for m in _QUOTED_OR_PUNCT.finditer(text, lo, pos):
        if len(m.group()) == 1:
            start = m.end()
    return start


def _trigger_clause(text: str, ev: _Event, s_lo: int) -> int:
    """Start of the clause of the event's trigger (within 150 characters before it)."""
    if ev.clause < 0:
        ev.clause = _clause_start(text, max(s_lo, ev.trig_start - 150), ev.trig_start)
    return ev.clause


def _clause_end(text: str, pos: int, hi: int) -> int:
    if _QUOTE_OR_PAREN.search(text, pos, hi) is None:
        stop = _CLAUSE_STOP.search(text, pos, hi)
        return stop.start() if stop is not None else hi
    for m in _QUOTED_OR_PUNCT.finditer(text, pos, hi):
        if len(m.group()) == 1:
            return m.start()
    return hi


def _unpossessed(word: str) -> str:
    """`word` without a final `’s` / `'s` (`Tokayev’s` -> `Tokayev`)."""
    return word[:-2] if word.endswith(("’s", "'s")) else word


def _has_capital(quote: str, sentence_initial: bool) -> bool:
    tokens = quote.split()
    for i, t in enumerate(tokens):
        if i == 0 and sentence_initial:
            continue
        if (t[:1].isupper() and t not in {"I"}) or t[:1] in '“"«' or t[:1].isdigit():
            return True
    return False


def _label_bounds(label: str) -> tuple[date, date, str] | None:
    """Bounds of a simple time label: `2003`, `2003-05`, `2003-05-17`."""
    try:
        parts = [int(p) for p in label.split("-")]
    except ValueError:
        return None
    if len(parts) == 1:
        return date(parts[0], 1, 1), date(parts[0], 12, 31), "year"
    if len(parts) == 2:
        y, m = parts
        nxt = date(y + (m == 12), m % 12 + 1, 1)
        return date(y, m, 1), nxt - timedelta(days=1), "month"
    if len(parts) == 3:
        d = date(parts[0], parts[1], parts[2])
        return d, d, "day"
    return None


# ------------------------------------------------------------------------- quote extents


# word classes of the walk after a trigger, in the order the walk tests them
_AUX, _AND, _TO, _PREP, _STOP, _PART = range(6)
_WORD_CLASS = {
    w: cls
    for cls, words in reversed(
        [
            (_AUX, AUXILIARIES),
            (_AND, frozenset(["and"])),
            (_TO, frozenset(["to"])),
            (_PREP, PREPOSITIONS),
            (_STOP, STOP_WORDS),
            (_PART, PARTICIPLES),
        ]
    )
    for w in words
}
_BREAK = frozenset([",", ";", ":", "(", ")", "!", "?", "—", "–", "."])
_BE = frozenset(["be", "been", "being"])
_IN_OR_AT = frozenset(["in", "at"])


def _right_end(text: str, pos: int, hi: int) -> int:
    """End of the attachments after a trigger: prepositional phrases, names, a participle."""
    end = pos
    bare = 0
    preps = 0
    n = 0
    # tokens are read as far as the walk goes (it seldom needs all 200 characters)
    it = _TOKEN.finditer(text, pos, min(hi, pos + 200))
    toks: list[str] = []
    ends: list[int] = []
    more = True

    def have(k: int) -> bool:
        nonlocal more
        while k >= len(toks):
            if not more:
                return False
            got = 0
            for m in it:
                toks.append(m.group())
                ends.append(m.end())
                got += 1
                if got == 8:
                    break
            more = got == 8
            if not got:
                return False
        return True

    abbreviations = _abbreviations()
    word_class = _WORD_CLASS
    i = 0
    while n < 18 and (i < len(toks) or have(i)):
        tok = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) or have(i + 1) else ""
        if tok in _BREAK:
            break
        if (
            tok[-1] == "."
            and not _INITIALS.match(tok)
            and not (tok[:-1].lower() in abbreviations and nxt[:1].isalnum())
        ):
            # a sentence-final word: keep the word, not the stop
            if tok[:-1].lower() not in STOP_WORDS:
                end = ends[i] - 1
            break
        cls = word_class.get(tok.lower())
        if cls is not None:
            if cls == _AUX:
                # `was held in Astana`, `will be signed`: continue through a passive participle
                j = i + 1
                while have(j) and toks[j].lower() in _BE:
                    j += 1
                if have(j) and toks[j].lower() in PARTICIPLES:
                    end = ends[j]
                    bare = 0
                    n += 1
                    i = j + 1
                    continue
                break
            if cls == _AND:
                prev = toks[i - 1] if i > 0 else ""
                if prev[:1].isupper() and nxt[:1].isupper() and nxt.lower() not in DETERMINERS:
                    i += 1
                    n += 1
                    continue
                break
            if cls == _TO:
                if nxt.lower() in DETERMINERS or nxt[:1].isupper() or nxt[:1] in '“"«':
                    preps += 1
                    bare = 0
                    i += 1
                    n += 1
                    continue
                break
            if cls == _PREP:
                if preps >= 6:
                    break
                preps += 1
                bare = 0
                i += 1
                n += 1
                continue
            if cls == _STOP:
                break
            bare = 0  # a participle
            end = ends[i]
            i += 1
            n += 1
            continue
        if not _WORDISH(tok):
            break
        if tok[:1].islower():
            if i == 0 and tok.endswith("ed"):
                break  # `this summit gathered ...`: a past-tense verb right after the noun
            if i > 1 and toks[i - 1][:1].isupper() and toks[i - 2].lower() in _IN_OR_AT:
                break  # `the Youth Games in Almaty attract ...`: a verb after a place
        bare += 1
        if bare > 5:
            break
        end = ends[i]
        i += 1
        n += 1
    return end


@cache
def _abbreviations() -> frozenset[str]:
    return lexicon().abbreviations


def _left_start(text: str, low: str, lo: int, trig_start: int, rule: Rule, lex: Lexicon) -> int:
    """Start of the event's quote: determiner and modifiers, a light verb, a passive subject."""
    window_lo = max(lo, trig_start - 200)
    clause = _clause_start(text, window_lo, trig_start)
    start = _np_start(text, clause, trig_start)
    if start > clause and text[start - 1] in '“"«':
        start = _np_start(text, clause, start - 1)
    before_np = text[max(clause, start - 20) : start].rsplit(None, 1)
    if before_np and before_np[-1].lower() in _LIGHT_LAST:  # cheap test before the regex
        # the light verb phrase ends right before the noun phrase: try it at the starts of
        # the last few words, leftmost first
        lo = max(clause, start - 60)
        for w in _WORD_START.finditer(text, lo, start):
            if _LIGHT.match(low, w.start(), start) is not None:
                start = w.start()
                break
    if rule.passive:
        before = low[clause:start]
        aux = _PASSIVE_AUX.search(before)
        subject_zone = before[: aux.start()] if aux else before
        opener = _CLAUSE_OPENER.match(subject_zone)
        s0 = opener.end() if opener else 0
        subject = subject_zone[s0:]
        needed = rule.requires or lex.documents_re
        if subject.strip() and len(subject.split()) <= 14 and needed.search(subject):
            start = clause + s0
    while start < trig_start and text[start].isspace():
        start += 1
    return start


def _np_start(text: str, clause: int, pos: int) -> int:
    """Start of the determiner and modifiers before `pos` (a backward walk over words)."""
    lo = max(clause, pos - 140)
    start = pos
    n = 0
    if _QUOTE_OPEN.search(text, lo, pos) is None:
        # no quotation: the tokens are the runs of non-space; the walk reads at most 9
        seg = text[lo:pos]
        words = seg.rsplit(None, 9)
        if len(words) == 10:
            del words[0]
        at = len(seg)
        for word in reversed(words):
            at = seg.rindex(word, 0, at)
            if n < 8 and _NP_WORD.fullmatch(word):
                start = lo + at
                n += 1
                continue
            if word.lower() in DETERMINERS:
                start = lo + at
            break
        return start
    tokens = list(_LEFT_TOKEN.finditer(text, lo, pos))
    for tok in reversed(tokens):
        if tok.end() != start and text[tok.end() : start].strip():
            break
        word = tok.group()
        if n < 8 and word[:1] in '“"«' and _NP_WORD.fullmatch(word[1:]):
            start = tok.start()  # `“Russian seasons”`: the opening quote and its word
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


_DATE_WORD = re.compile(r"\d{1,2}|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.")
_ANAPHORIC_NP = re.compile(
    r"(?<![\w’'-])(?:the|this|that|these|those|its|his|her|their|"
    r"(?:the\s+)?(?:[a-z]+\s+)?(?-i:[a-z]+)(?:’s|'s))\s+((?:[\w’'.-]+\s+){0,3})$",
    re.IGNORECASE,
)


def _is_anaphoric(text: str, start: int, ts: int, te: int, end: int) -> bool:
    """`the visit`, `this forum`, `took part in the meeting`, `The summit is attended by ...`:
    a definite mention with no name of its own (no capitalised modifier, no `of the CSTO`,
    `in Astana` right after the trigger) refers back to an event already named."""
    m = _ANAPHORIC_NP.search(text, start, ts)
    if m is None:
        return False
    if any(
        (w[:1].isupper() or w[:1].isdigit()) and not _DATE_WORD.fullmatch(w)
        for w in m.group(1).split()
    ):
        return False
    if any(_named(w) for w in text[ts:te].split()[1:]):
        return False  # `The Year of Russia in Kazakhstan`
    tail = text[te:end].split()[:5]
    if any(_named(w) for w in tail[:3]):
        return False  # `the production of the opera “Abai”`
    if tail and tail[0].lower() in PREPOSITIONS:
        return not any(_named(w) for w in tail[1:])
    return True


_TIME_NAMES = frozenset(
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
)


def _named(word: str) -> bool:
    """A capitalised or quoted word that names something (not `Wednesday`, not `May`)."""
    if word[:1] in '“"«':
        return True
    return word[:1].isupper() and word.strip(".,;:’'s").lower() not in _TIME_NAMES


def rule_trigger_end(text: str, pos: int) -> int:
    """End of the word at `pos` (helper kept public for tests of quote extents)."""
    m = _WORD_RUN.match(text, pos)
    return m.end() if m else pos


# ------------------------------------------------------------------------- the extractor


_PARTICIPANT_RULES = frozenset(("registry", "acronym", "organ", "national"))


def _institution_spans(text: str) -> tuple[tuple[int, int, str], ...]:
    """Organisations the registry knows, by canonical name (longest match wins; news media
    are the reporters, never participants). The registry's Aho–Corasick pass only: the
    institutions extractor's discovery and linking would double the cost of a build."""
    reg = registry()
    hits = reg.matcher.find(text)
    hits = [h for h in hits if h.form.rule in _PARTICIPANT_RULES and h.form.target >= 0]
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    out: list[tuple[int, int, str]] = []
    last_end = -1
    for h in hits:
        if h.start < last_end:
            continue
        inst = reg.institutions[h.form.target]
        if inst.kind == "media":
            continue
        out.append((h.start, h.end, inst.name))
        last_end = h.end
    return tuple(out)


def _home_country(
    text: str, low: str, places: tuple[Place, ...], lex: Lexicon, dateline: str | None
) -> str | None:
    """The publisher's country: a news agency in the header, the dateline, else the first
    place of the title (`Article by the President of Kazakhstan ...`)."""
    m = lex.publisher_re.search(low, 0, 80)
    if m is not None:
        return lex.publishers.get(m.group().lower())
    if dateline:
        for p in find_places(dateline.title()):
            if p.country:
                return p.country
    head = _HEAD_PLACE.match(text)
    if head is not None:
        for p in find_places(head.group(1).title()):
            if p.country:
                return p.country
    for p in places:
        if p.start >= 300:
            break
        if p.country:
            return p.country
    m = lex.publisher_re.search(low[-300:])
    return lex.publishers.get(m.group().lower()) if m else None


def _pair(places: tuple[Place, ...], lex: Lexicon) -> tuple[str, ...]:
    counts: dict[str, int] = {}
    for p in places:
        if p.kind == "country" and p.country:
            counts[p.country] = counts.get(p.country, 0) + 1
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:2]
    if len(top) < 2:
        return ()
    return tuple(lex.country_names.get(iso, iso) for iso, _ in top)


def _in_person(ctx: _DocCtx, pos: int) -> bool:
    """Whether a person's mention holds `pos` (mentions are sorted and disjoint)."""
    i = bisect.bisect_right(ctx.people_starts, pos) - 1
    return i >= 0 and pos < ctx.people[i].end


def _in_range(starts: tuple[int, ...], lo: int, hi: int) -> range:
    return range(bisect.bisect_left(starts, lo), bisect.bisect_left(starts, hi))


def _status(ctx: _DocCtx, lex: Lexicon, ev: _Event, s_lo: int, s_hi: int) -> str:
    text = ctx.text
    c_lo = _trigger_clause(text, ev, s_lo)
    if c_lo > s_lo and _AND_OR.match(text[c_lo : ev.start + 1]):
        c_lo = _clause_start(text, max(s_lo, c_lo - 150), c_lo - 1)  # `will debate ..., and sign`
    c_hi = _clause_end(text, ev.end, min(s_hi, ev.end + 40))
    window = ctx.low[c_lo:c_hi]
    if ev.rule.type == "founding" and _INITIATED.search(text[c_lo : ev.trig_start]):
        return "planned"
    own = ctx.low[ev.trig_end : ev.end]
    if _REDUCED_PLANNED.search(own):
        return "planned"
    if _REDUCED_PAST.match(own) and not lex.planned_re.search(own):
        return "past"  # `the elections held on May 3`, whatever the main verb's tense
    if lex.ongoing_re.search(window):
        return "ongoing"
    if lex.planned_re.search(window):
        return "planned"
    return "past"


def _past_marked(ctx: _DocCtx, ev: _Event, s_lo: int, s_hi: int) -> bool:
    """Whether the event's clause has a past-tense cue (else a bare `on October 14` is read
    in the current year: `Astana hosts the summit on October 14`)."""
    text = ctx.text
    c_lo = _trigger_clause(text, ev, s_lo)
    c_hi = _clause_end(text, ev.end, min(s_hi, ev.end + 60))
    return _PAST_CUE.search(ctx.low, c_lo, c_hi) is not None


def _choose_timex(
    ctx: _DocCtx, ev: _Event, timexes: list[object], taken: list[tuple[int, int]], s_lo: int
) -> object | None:
    best = None
    best_d = 10**9
    for t in timexes:
        ts = s_lo + t.start  # type: ignore[attr-defined]
        te = s_lo + t.end  # type: ignore[attr-defined]
        if t.kind not in ("date", "range") or t.date_start is None:  # type: ignore[attr-defined]
            continue
        if _DEADLINE.match(t.text):  # type: ignore[attr-defined]
            continue  # `by 2018`, `until 2030`: a deadline, not the event's date
        if (
            t.precision == "year" or t.kind == "range"  # type: ignore[attr-defined]
        ) and _PERIOD_FOR.search(ctx.low, max(s_lo, ts - 6), ts):
            continue  # `a declaration on development for 2024-2030`: a validity period
        if ev.start <= ts and te <= ev.end:
            return t
        if any(a <= ts and te <= b for a, b in taken):
            continue
        lo, hi = (te, ev.start) if te <= ev.start else (ev.end, ts)
        if _MISSED_STOP.search(ctx.text, lo, hi):
            continue  # a sentence boundary the splitter missed lies in between
        d = ev.trig_start - te if te <= ev.trig_start else ts - ev.end
        if d < best_d:
            best, best_d = t, d
    return best


def _apply_timex(ev: _Event, t: object) -> None:
    kind = t.kind  # type: ignore[attr-defined]
    text = t.text  # type: ignore[attr-defined]
    label = t.label or ""  # type: ignore[attr-defined]
    if kind == "range" and _SINCE.match(text):
        b = _label_bounds(label.split("/")[0])
        if b is not None:
            ev.date_start, ev.date_end, ev.precision = b
            ev.date_text, ev.own_date = text, True
            return
    ev.date_start = t.date_start  # type: ignore[attr-defined]
    ev.date_end = t.date_end or t.date_start  # type: ignore[attr-defined]
    precision = t.precision  # type: ignore[attr-defined]
    ev.precision = precision if precision in _PRECISION_ORDER else "unknown"
    ev.date_text = text
    ev.own_date = True


def _place_after(ctx: _DocCtx, ev: _Event, s_hi: int, evs: list[_Event]) -> Place | None:
    """`the next summit, which is scheduled to be held in Moscow`, `A summit ... has kicked
    off in the Kazakh capital city of Astana`: a place the event's clause puts it in, after
    the quote and before any other event."""
    text = ctx.text
    hi = min(s_hi, ev.end + 110)
    for o in evs:
        if ev.end <= o.start < hi:
            hi = o.start
    cut = _AFTER_STOP.search(text, ev.end, hi)
    if cut is not None:
        hi = cut.start()
    for i in _in_range(ctx.place_starts, ev.end, hi):
        p = ctx.places[i]
        if p.end > hi:
            break
        if _in_person(ctx, p.start):
            continue
        if _PLACE_AFTER.search(ctx.low, max(ev.end, p.start - 40), p.start):
            return p
    return None


def _choose_place(
    ctx: _DocCtx, lex: Lexicon, ev: _Event, s_lo: int, s_hi: int, evs: list[_Event]
) -> Place | None:
    text = ctx.text
    best: Place | None = None
    best_score = -1
    for i in _in_range(ctx.place_starts, ev.start, ev.end):
        p = ctx.places[i]
        if p.end > ev.end:
            continue
        if _in_person(ctx, p.start):
            continue
        score = 1
        if _IN_AT_TO.search(ctx.low[max(s_lo, p.start - 25) : p.start]):
            score = 3 if p.kind != "country" else 2
        elif _IN_X_OF.search(text[max(s_lo, p.start - 60) : p.start]):
            score = 2
        elif ev.rule.name == "space_launch" and _FROM.search(
            ctx.low[max(s_lo, p.start - 45) : p.start]
        ):
            score = 3  # `blasted off from Site 31 of the Baikonur Cosmodrome`
        if score > best_score:
            best, best_score = p, score
    if best is not None and best_score >= 2:
        return best
    c_lo = _clause_start(text, max(s_lo, ev.start - 120), ev.start)
    hosts = list(lex.host_re.finditer(ctx.low, c_lo, ev.trig_start))
    host = hosts[-1] if hosts else None
    if host is not None and not host.group().lower().startswith("at"):
        for i in reversed(_in_range(ctx.place_starts, c_lo, host.start())):
            return ctx.places[i]
    after = _place_after(ctx, ev, s_hi, evs)
    if after is not None:
        return after
    if ev.rule.type in ("summit", "forum", "talks", "visit", "cultural_event"):
        # `will gather the leaders in St. Petersburg for an informal summit`
        lo = c_lo
        for o in evs:
            if o is not ev and lo <= o.end <= ev.start:
                lo = o.end
        for i in reversed(_in_range(ctx.place_starts, lo, ev.start)):
            p = ctx.places[i]
            if p.kind != "country" and _IN_AT.search(text[max(lo, p.start - 8) : p.start]):
                return p
    # `in our country`, `in Russian cities`
    for m in lex.home_re.finditer(ctx.low, ev.start, ev.end):
        if ctx.home and _IN_TO_AT.search(text[max(s_lo, m.start() - 5) : m.start()]):
            return Place(
                m.start(),
                m.end(),
                text[m.start() : m.end()],
                lex.country_names.get(ctx.home, ctx.home),
                ctx.home,
                None,
                None,
                "country",
            )
    for m in lex.country_word_re.finditer(text, ev.start, ev.end):
        if (
            _ADJ_PLACE.search(text, max(s_lo, m.start() - 30), m.start())
            and m.group()[:1].isupper()
        ):
            iso = lex.country_word_iso[m.group()]
            if iso and not any(p.country == iso for p in ctx.places if p.start == m.start()):
                return Place(
                    m.start(),
                    m.end(),
                    m.group(),
                    lex.country_names.get(iso, iso),
                    iso,
                    None,
                    None,
                    "country",
                )
    if best is not None and best.kind == "country":
        return None  # `President Putin of Russia`, `talks between Kazakhstan and Russia`
    return best


def _election_country(ctx: _DocCtx, lex: Lexicon, ev: _Event, s_lo: int) -> Place | None:
    """`Tokayev won Sunday's presidential election`: an election takes place in the country
    of the person (or of the country word) nearest before it in its sentence."""
    best: tuple[int, str] | None = None
    for i in _in_range(ctx.people_starts, s_lo, ev.end):
        c = ctx.people[i].country
        if c:
            best = (ctx.people[i].start, c)
    for m in lex.country_word_re.finditer(ctx.text, max(s_lo, ev.start - 80), ev.end):
        iso = lex.country_word_iso[m.group()]
        if iso and (best is None or m.start() > best[0]):
            best = (m.start(), iso)
    if best is None:
        return None
    iso = best[1]
    name = lex.country_names.get(iso, iso)
    return Place(best[0], best[0], "", name, iso, None, None, "country")


def _participants(ctx: _DocCtx, lex: Lexicon, ev: _Event, s_lo: int, s_hi: int) -> list[str]:
    text = ctx.text
    out: list[str] = []
    c_lo = _trigger_clause(text, ev, s_lo)
    for i in _in_range(ctx.people_starts, s_lo, s_hi):
        out.append(ctx.people[i].name)
    for i in _in_range(ctx.people_starts, s_lo, s_hi):
        c = ctx.people[i].country
        if c:
            out.append(lex.country_names.get(c, c))
    for m in lex.country_word_re.finditer(text, c_lo, ev.end):
        iso = lex.country_word_iso[m.group()]
        if iso:
            out.append(lex.country_names.get(iso, iso))
    if ctx.pair and lex.pair_re.search(ctx.low, c_lo, min(s_hi, ev.end + 40)):
        out.extend(ctx.pair)
    if ctx.home and lex.home_re.search(ctx.low, c_lo, ev.end):
        out.append(lex.country_names.get(ctx.home, ctx.home))
    # the organisations overlapping the quote (sorted, disjoint: their ends increase too)
    for k in range(
        bisect.bisect_right(ctx.inst_ends, ev.start), bisect.bisect_left(ctx.inst_starts, ev.end)
    ):
        out.append(ctx.inst[k][2])
    if ev.place is not None and ev.place.kind == "country" and ev.rule.type == "visit":
        out.append(ev.place.name)
    seen: set[str] = set()
    uniq = []
    for name in out:
        if name not in seen:
            seen.add(name)
            uniq.append(name)
    return uniq


def _candidates(ctx: _DocCtx, lex: Lexicon, triggers: list[re.Match[str]]) -> list[_Event]:
    text, low = ctx.text, ctx.low
    by_sentence: dict[int, list[re.Match[str]]] = {}
    for m in triggers:
        si = bisect.bisect_right(ctx.starts, m.start()) - 1
        if si < 0 or m.end() > ctx.sents[si][1]:
            continue
        by_sentence.setdefault(si, []).append(m)
    events: list[_Event] = []
    for si, matches in sorted(by_sentence.items()):
        s_lo, s_hi = ctx.sents[si]
        generic = lex.generic_re.search(low[s_lo:s_hi]) is not None
        cands: list[_Event] = []
        for m in matches:
            group = m.lastgroup
            if group is None:
                continue
            rule = lex.rules[group]
            ts, te = m.start(), m.end()
            if rule.after_capital:
                prev_word = _PREV_WORD.search(text, max(s_lo, ts - 30), ts)
                if prev_word is None or prev_word.group(1).lower() in DETERMINERS:
                    continue
            if rule.type == "founding" and text[ts].isupper() and ts > s_lo:
                continue  # a word of a title: `the Agreement on the Establishment of ...`
            if rule.name == "signing" and (
                _SIGN_NOUN.search(low, max(s_lo, ts - 12), ts)
                or (te - ts <= 5 and _SPACE_OF.match(text[te : te + 4]))
            ):
                continue  # `a sign of trust`
            if (
                rule.type in _SET_TYPES
                and text[te - 1] in "sS"
                and _COUNTED.search(low, max(s_lo, ts - 40), ts)
            ):
                continue  # `three multilateral summits`: a count of events, not one of them
            if (rule.type in ("agreement_signing", "founding") or rule.name == "ratification") and (
                _CONDITION.search(low, _clause_start(text, max(s_lo, ts - 120), ts), ts)
            ):
                continue  # `will expire as soon as the new treaty is adopted`
            end = max(te, _right_end(text, te, s_hi))
            inner = [
                o
                for o in matches
                if te <= o.start() < end
                and o.lastgroup is not None
                and not _IN_NAME.search(text, max(s_lo, o.start() - 8), o.start() + 1)
            ]
            if inner:
                first_inner = inner[0]
                inner_rule = lex.rules[str(first_inner.lastgroup)]
                if rule.type == "lecture" and inner_rule.priority > rule.priority:
                    continue  # a speech at a forum or summit is part of that event
                cut = first_inner.start()
                det = _DET_END.search(text[te:cut])
                end = _right_end(text, te, te + (det.start() if det else cut - te))
                end = max(te, end)
            if rule.requires is not None:
                after = lex_search(rule.requires, low, te, min(end, te + rule.window))
                ok = after is not None and not _SEMI.search(text[te:after])
                if not ok and rule.before:
                    lo = max(s_lo, ts - rule.before)
                    for bm in rule.requires.finditer(low, lo, ts):
                        between = _QUOTED_OR_PUNCT.sub(
                            lambda x: "" if len(x.group()) > 1 else x.group(), text[bm.end() : ts]
                        )
                        if not _PUNCT.search(between):
                            ok = True
                if not ok:
                    continue
            start = _left_start(text, low, s_lo, ts, rule, lex)
            quote = text[start:end]
            if generic and not _has_capital(quote, start == s_lo):
                continue
            ev = _Event(start, end, ts, te, rule, si, ctx.para_of[si])
            ev.anaphoric = _is_anaphoric(text, start, ts, te, end) or (
                rule.type == "election" and text[te - 2 : te].lower() == "ed"
            )  # `re-elected`: the election already told, if any
            ev.generic = generic
            ev.key = tuple(
                _unpossessed(w.strip('“”"«».,')).lower()
                for w in quote.split()[1:]
                if w[:1].isupper() or w[:1] in '“"«' or w[:1].isdigit()
            )
            cands.append(ev)
        # overlapping quotes: the higher priority stays, then the earlier and longer
        cands.sort(key=lambda e: (-e.rule.priority, e.start, -(e.end - e.start)))
        kept: list[_Event] = []
        for ev in cands:
            if any(ev.start < k.end and k.start < ev.end for k in kept):
                continue
            kept.append(ev)
        kept.sort(key=lambda e: e.start)
        kept.extend(_coordinated(ctx, lex, kept, si, s_hi))
        kept.sort(key=lambda e: e.start)
        events.extend(kept)
    return events


_SET_TYPES = frozenset(("summit", "forum", "talks", "cultural_event"))
_COUNTED = lower_pattern(
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|several|many|numerous|dozens\s+of|"
    r"\d+)\s+(?:(?:" + MODIFIERS + r")\s+){0,2}$"
)
_CONDITION = lower_pattern(r"\b(?:as\s+soon\s+as|if|unless|until|whether)\b")
_IN_NAME = re.compile(r"\bof\s+the\s+(?-i:[A-Z])")  # `the summit of the Conference on ...`
_PERIOD_FOR = lower_pattern(r"\bfor\s+(?:the\s+)?$")
_FRAME = lower_pattern(
    r"\b(?:(?:sidelines|margins|framework|course)\s+of|during|at)\s+(?:the\s+)?$"
)
_COORD_NAME = re.compile(r"(?:\bthe\s+)?((?-i:[A-Z]{2,8}))\s+and\s+$")
_COORD = lower_pattern(r"\s*(?:,\s*)?\band\s+(?:also\s+)?(?:(?:a|an|the|new|one|two|three)\s+)*")


def _coordinated(
    ctx: _DocCtx, lex: Lexicon, kept: list[_Event], si: int, s_hi: int
) -> list[_Event]:
    """`to open a campus of X in Almaty and a liaison office of Y in Kazan`: the
    second founded thing is a second founding."""
    out: list[_Event] = []
    text = ctx.text
    for ev in kept:
        rule = ev.rule
        if rule.type in ("summit", "forum"):
            m = _COORD_NAME.search(text, max(ctx.sents[si][0], ev.start - 40), ev.start)
            if m is not None and not any(k.start < ev.start and k.end > m.start() for k in kept):
                new = _Event(
                    m.start(),
                    m.start(1) + len(m.group(1)),
                    ev.trig_start,
                    ev.trig_end,
                    rule,
                    si,
                    ev.para,
                )
                new.partner = ev
                out.append(new)
            continue
        if rule.type != "founding" or rule.requires is None:
            continue
        m = _COORD.match(ctx.low, ev.end)
        if m is None:
            continue
        thing = rule.requires.match(ctx.low, m.end())
        if thing is None or thing.end() > s_hi:
            continue
        end = max(thing.end(), _right_end(text, thing.end(), s_hi))
        start = m.end()
        while start > ev.end and text[start - 1] != " ":
            start -= 1
        a = _ARTICLE_END.search(text[ev.end : m.end()])
        start = ev.end + a.start() if a else m.end()
        if any(start < k.end and k.start < end for k in kept):
            continue
        new = _Event(start, end, thing.start(), thing.end(), rule, si, ev.para)
        out.append(new)
    return out


def lex_search(pattern: re.Pattern[str], text: str, lo: int, hi: int) -> int | None:
    """Start of the first match of `pattern` in text[lo:hi], or None."""
    m = pattern.search(text, lo, hi)
    return m.start() if m else None


def _resolve(ctx: _DocCtx, lex: Lexicon, events: list[_Event]) -> None:
    """Status, date, place and participants of each candidate, sentence by sentence."""
    text = ctx.text
    cache: dict[tuple[int, str], list[object]] = {}

    def timexes(si: int, prefer: str) -> list[object]:
        key = (si, prefer)
        if key not in cache:
            lo, hi = ctx.sents[si]
            if _TIME_HINT.search(ctx.low, lo, hi) is None:
                cache[key] = []  # no digit and no time word: no time expression
                return cache[key]
            cache[key] = list(find_timexes(text[lo:hi], ctx.ref, prefer=prefer))
        return cache[key]

    by_sent: dict[int, list[_Event]] = {}
    for ev in events:
        by_sent.setdefault(ev.sent, []).append(ev)
    for si, evs in by_sent.items():
        s_lo, s_hi = ctx.sents[si]
        taken = [(e.start, e.end) for e in evs]
        for ev in evs:
            ev.status = _status(ctx, lex, ev, s_lo, s_hi)
            prefer = _PREFER[ev.status]
            if prefer == "past" and not _past_marked(ctx, ev, s_lo, s_hi):
                prefer = "current"
            others = [(a, b) for a, b in taken if (a, b) != (ev.start, ev.end)]
            t = None
            if not ev.generic:
                t = _choose_timex(ctx, ev, timexes(si, "current"), others, s_lo)
            if t is not None and prefer != "current" and t.relative:  # type: ignore[attr-defined]
                # resolved against the publication date: read it in the event's tense
                alike = [
                    u
                    for u in timexes(si, prefer)
                    if (u.start, u.end) == (t.start, t.end)  # type: ignore[attr-defined]
                ]
                t = alike[0] if alike else t
            if t is not None:
                _apply_timex(ev, t)
                ev.date_inside = ev.start <= s_lo + t.start < ev.end  # type: ignore[attr-defined]
                if ev.status == "past" and ev.date_start is not None and ev.date_start > ctx.ref:
                    ev.status = "planned"
                elif (
                    ev.status == "past"
                    and ev.date_start == ctx.ref
                    and ev.precision == "day"
                    and _PRESENT.search(ctx.low, s_lo, s_hi)
                ):
                    ev.status = "ongoing"
            if ev.date_start is None and ev.status == "ongoing":
                # `is paying a visit`, `has kicked off`: the report's own day
                ev.date_start = ev.date_end = ctx.ref
                ev.precision, ev.own_date = "day", True
            ev.place = _choose_place(ctx, lex, ev, s_lo, s_hi, evs)
            if ev.place is None and ev.rule.type == "election":
                ev.place = _election_country(ctx, lex, ev, s_lo)
            ev.host = bool(lex.host_re.search(ctx.low, max(s_lo, ev.start - 40), ev.end))
            ev.participants = _participants(ctx, lex, ev, s_lo, s_hi)
        # `signed ... following talks on Wednesday in Moscow`: the day and place of the
        # event it follows in the same sentence; `the SCO and CSTO summits`: one date
        for ev in evs:
            src = ev.partner
            if src is None:
                for o in evs:  # `met on the sidelines of the summit in Bishkek on Oct. 13`
                    if ev.end <= o.start <= ev.end + 12 and _FRAME.search(
                        ctx.low, ev.trig_end, o.start
                    ):
                        src = o
                        break
            if src is None and ev.rule.type == "agreement_signing":
                for o in evs:
                    if ev.end <= o.start <= ev.end + 80 and lex.following_re.search(
                        ctx.low[max(ev.end, o.start - 14) : o.start]
                    ):
                        src = o
                        break
            if src is not None:
                if ev.date_start is None and src.date_start is not None:
                    ev.date_start, ev.date_end = src.date_start, src.date_end
                    ev.precision, ev.date_text = src.precision, src.date_text
                if ev.place is None or ev.place.kind == "country":
                    ev.place = src.place or ev.place
        # coordinated events of one kind share the sentence's place
        for ev in evs:
            if ev.place is None:
                same = [o for o in evs if o is not ev and o.place and o.rule.type == ev.rule.type]
                other = [
                    o
                    for o in evs
                    if o is not ev
                    and o.place
                    and o.rule.type != "visit"
                    and abs(o.start - ev.start) < 150
                    and not _MISSED_STOP.search(text, min(o.end, ev.end), max(o.start, ev.start))
                ]
                if same or other:
                    ev.place = (same or other)[0].place


def _same_kind(a: _Event, b: _Event) -> bool:
    ta, tb = a.rule.type, b.rule.type
    return ta == tb or (_FAMILY.get(ta) is not None and _FAMILY.get(ta) == _FAMILY.get(tb))


_NOW_OR_PAST = {"past", "ongoing"}


def _subsequence(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    """`launch from Baikonur` names a part of `blasted off from Site 31 of the Baikonur
    Cosmodrome`; `the Year of Russia in Kazakhstan` is not `the Year of Kazakhstan in Russia`."""
    it = iter(long)
    return all(w in it for w in short)


def _person_words(ev: _Event) -> set[str]:
    """The words of the names of the persons taking part (`Tokayev’s first visit`)."""
    return {w.lower() for p in ev.participants if person_country(p) for w in p.split()}


def _dates_fit(a: _Event, b: _Event) -> bool:
    """Whether two mentions' dates may name one event (one contains the other, or unknown)."""
    if a.date_start is None or b.date_start is None:
        return True
    a_end = a.date_end or a.date_start
    b_end = b.date_end or b.date_start
    return (a.date_start <= b.date_start and b_end <= a_end) or (
        b.date_start <= a.date_start and a_end <= b_end
    )


def _absorb(target: _Event, ev: _Event) -> None:
    target.host = target.host or ev.host
    for p in ev.participants:
        if p not in target.participants:
            target.participants.append(p)
    if ev.date_start is not None and (
        target.date_start is None
        or (ev.date_inside and not target.date_inside)
        or (
            _dates_fit(target, ev)
            and _PRECISION_ORDER[ev.precision] < _PRECISION_ORDER[target.precision]
        )
    ):
        target.date_start, target.date_end = ev.date_start, ev.date_end
        target.precision, target.date_text = ev.precision, ev.date_text
    if ev.place is not None and (
        target.place is None
        or (
            target.place.kind == "country"
            and ev.place.kind != "country"
            and ev.place.country == target.place.country
        )
    ):
        target.place = ev.place


def _merge(
    ctx: _DocCtx, lex: Lexicon, events: list[_Event], title_sent: int
) -> tuple[list[_Event], dict[int, _Event]]:
    """Merge repeated mentions. Returns the events and, per merged mention's sentence, the
    event it referred to (for date carry-over within that sentence).

    The headline's events are the lead's events told again (`Kazakh, Russian Presidents
    hold telephone conversation` / `President ... held a telephone conversation with ...`):
    each merges into the first event of its kind in the first paragraph of the body."""
    out: list[_Event] = []
    refs: dict[int, _Event] = {}
    titled = [ev for ev in events if ev.sent == title_sent]
    for ev in events:
        if ev.sent == title_sent:
            continue
        target: _Event | None = None
        if ev.rule.name == "arrival":
            later = [e for e in events if e.sent == ev.sent and e.rule.name == "visit"]
            if later and later[0].start > ev.start:
                visit = later[0]  # `has arrived in Astana for a two-day state visit`
                if ev.status == "ongoing" and visit.date_start is None:
                    visit.status, visit.own_date = "ongoing", True
                _absorb(visit, ev)
                continue
            for prev in reversed(out):
                if prev.rule.type == "visit" and ev.sent - prev.sent <= 2:
                    target = prev
                    break
        elif ev.anaphoric:
            for prev in reversed(out):
                near = ev.sent - prev.sent <= 2
                if (_same_kind(prev, ev) and (prev.rule.type == ev.rule.type or near)) or (
                    ev.rule.name == "meeting" and prev.rule.type in _FAMILY and near
                ):
                    if ev.own_date and not _dates_fit(prev, ev):
                        break  # `the visit` of another date is another visit
                    target = prev
                    break
        else:
            for prev in reversed(out):
                if (
                    prev.rule.type == ev.rule.type
                    and ev.key
                    and (_subsequence(ev.key, prev.key) or set(ev.key) <= _person_words(prev))
                    and (prev.status == ev.status or {prev.status, ev.status} == _NOW_OR_PAST)
                    and (_dates_fit(prev, ev) or (len(ev.key) >= 3 and prev.key == ev.key))
                ):
                    target = prev
                    break
        if target is not None:
            _absorb(target, ev)
            refs.setdefault(ev.sent, target)
            refs[-(ev.start + 1)] = target  # where the mention was, for `following the visit`
            continue
        out.append(ev)
    if titled:
        body_para = ctx.para_of[title_sent + 1] if title_sent + 1 < len(ctx.sents) else -1
        lead = [e for e in out if e.para == body_para]
        head: list[_Event] = []
        for ev in titled:
            for e in lead:
                if _same_kind(e, ev) or (ev.rule.type == "visit" and e.rule.name == "arrival"):
                    _absorb(e, ev)
                    break
            else:
                head.append(ev)
        out = head + out
    return out, refs


def _carry_over(ctx: _DocCtx, lex: Lexicon, events: list[_Event], refs: dict[int, _Event]) -> None:
    first = events[0]
    lead = (
        first
        if first.own_date
        and first.precision == "day"
        and first.rule.type in ("visit", "summit", "forum")
        and first.status in ("ongoing", "planned")
        else None
    )
    in_frame = lead is not None
    last_dated: _Event | None = None
    for ev in events:
        s_lo, s_hi = ctx.sents[ev.sent]
        if not ev.own_date and ev.date_start is None:
            source: _Event | None = None
            coarsen = False
            if lex.anaphoric_time_re.search(ctx.low, s_lo, s_hi) and last_dated is not None:
                source = last_dated
            else:
                ref = refs.get(ev.sent)
                if ref is not None and ref.date_start is not None and ref is not ev:
                    f = lex.following_re.search(ctx.low, s_lo, s_hi)
                    if f is not None:
                        source, coarsen = ref, True
                    else:
                        source = ref
            if (
                source is None
                and lead is not None
                and in_frame
                and ev.para <= lead.para + 1
                and ev.status in ("planned", "ongoing")
                and ev.rule.type != "visit"
            ):
                source = lead
                if ev.place is None:
                    ev.place = lead.place
            if source is not None and source.date_start is not None:
                ev.date_start, ev.date_end = source.date_start, source.date_end
                ev.precision, ev.date_text = source.precision, source.date_text
                if coarsen and ev.precision == "day":
                    d = ev.date_start
                    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
                    ev.date_start, ev.date_end = d.replace(day=1), nxt - timedelta(days=1)
                    ev.precision = "month"
                if ev.place is None and source.place is not None:
                    ev.place = source.place
        if ev.date_start is not None:
            last_dated = ev
        if ev.own_date and ev is not lead:
            in_frame = False  # a new time frame: the lead's programme has ended


def _row(ctx: _DocCtx, lex: Lexicon, ev: _Event) -> EventRow:
    text = ctx.text
    start, end = ev.start, ev.end
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:"):
        end -= 1
    quote = text[start:end]
    place = ev.place
    conf = ev.rule.confidence
    if ev.anaphoric:
        conf -= 0.1
    row: EventRow = {
        "char_start": start,
        "char_end": end,
        "quote": quote,
        "event_type": ev.rule.type,
        "cameo_code": cameo_code(lex, ev.rule.type, ev.rule.name, ev.status, ev.host),
        "date_start": ev.date_start,
        "date_end": ev.date_end if ev.date_start is not None else None,
        "date_precision": ev.precision if ev.date_start is not None else "unknown",
        "date_text": ev.date_text if ev.date_start is not None else None,
        "status": ev.status,
        "location": place.name if place else None,
        "location_country": place.country if place else None,
        "latitude": place.lat if place else None,
        "longitude": place.lon if place else None,
        "participants": list(ev.participants),
        "extractor": f"events/{ev.rule.name}@{VERSION}",
        "confidence": round(max(0.05, min(1.0, conf)), 3),
    }
    return row


def extract(doc: Document) -> list[EventRow]:
    """Rows of `events` found in `doc`, in text order, one per distinct event."""
    text = doc.text
    if not text:
        return []
    lex = lexicon()
    low = fold_case(text)
    triggers = find_triggers(lex, text, low)
    if not triggers:
        return []
    sents = _clipped_sentences(text, _sentences(doc), lex)
    if not sents:
        return []
    para_of: list[int] = []
    para = 0
    prev_end = 0
    for a, b in sents:
        if "\n" in text[prev_end:a]:
            para += 1
        para_of.append(para)
        prev_end = b
    # the candidates need only the sentences: places, persons and organisations are found
    # once a document has one
    ctx = _DocCtx(
        text=text,
        low=low,
        ref=doc.published_date,
        sents=sents,
        starts=tuple(a for a, _ in sents),
        para_of=tuple(para_of),
        places=(),
        place_starts=(),
        people=(),
        people_starts=(),
        inst=(),
        inst_starts=(),
        inst_ends=(),
        home=None,
        pair=(),
    )
    events = _candidates(ctx, lex, triggers)
    if not events:
        return []
    places = tuple(find_places(text))
    people = tuple(find_people(text, doc.published_date))
    inst = _institution_spans(text)
    ctx.places, ctx.place_starts = places, tuple(p.start for p in places)
    ctx.people, ctx.people_starts = people, tuple(p.start for p in people)
    ctx.inst = inst
    ctx.inst_starts = tuple(a for a, _, _ in inst)
    ctx.inst_ends = tuple(b for _, b, _ in inst)
    ctx.home = _home_country(text, low, places, lex, doc.dateline)
    ctx.pair = _pair(places, lex)
    _resolve(ctx, lex, events)
    events, refs = _merge(ctx, lex, events, _title_sentence(text, sents, lex))
    _carry_over(ctx, lex, events, refs)
    rows = [_row(ctx, lex, ev) for ev in events]
    return [r for r in rows if r["char_end"] > r["char_start"]]
