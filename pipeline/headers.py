"""The head of a raw file: ` date YYYY-MM-DD `, then a title or a dateline, and the text.

Also what can be told of the publisher: a news agency after the dateline (`ASTANA. KAZINFORM`),
or a source line such as `first published by Kremlin.ru`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from pipeline import lexicon

HEADER = re.compile(r"\A[ \t]*date[ \t]+(\S+)[ \t]*")
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
#: An upper-case place line ending in a full stop, e.g. `ASTANA-BEIJING.` or `MOSCOW, 14 May.`
DATELINE = re.compile(
    r"\A(?P<dateline>[A-Z][A-Z'\-]+(?:[ \-/][A-Z][A-Z'\-]+)*)(?:,[^.\n]{1,30})?\.[ \t]+"
)
#: Title line: short, and the text goes on after it.
MAX_TITLE_CHARS = 300
SOURCE_LINE = re.compile(
    r"(?:originally\s+)?(?:published|posted|first\s+appeared)\s+(?:on|in|by)\s+"
    r"(?:the\s+)?(?:(?:Russian|Kazakh|official)\s+)?(?:website|newspaper|portal|agency|site)?\s*"
    r"(?P<name>[A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*)*)",
)


class HeaderError(Exception):
    """The file's head cannot be read: `reason` is for people, `detail` for developers."""

    def __init__(self, reason: str, detail: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Header:
    published_date: date
    title: str | None
    dateline: str | None
    publisher: str | None
    body_start: int  # offset of the first character after the header


@cache
def _publishers() -> dict[str, str]:
    """Lower-cased surface form -> canonical publisher."""
    forms: dict[str, str] = {}
    for canonical, variants in lexicon.load("publishers.yaml").items():
        for v in [canonical, *variants]:
            forms[v.lower()] = canonical
    return forms


def publisher_of(name: str) -> str | None:
    """Canonical publisher for a surface form, or None."""
    return _publishers().get(name.strip(" .,;").lower())


def parse_date(token: str) -> date:
    m = ISO_DATE.match(token)
    if not m:
        raise HeaderError(
            f"The header date {token!r} is not of the form YYYY-MM-DD.",
            "expected a first line ' date YYYY-MM-DD '",
        )
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError as err:
        raise HeaderError(f"The header date {token} is not a real date.", str(err)) from err


def _first_line(text: str, start: int) -> tuple[str, int]:
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    return text[start:end].rstrip("\r"), end


def _find_publisher(text: str, lead: str) -> str | None:
    after_dateline = lead.split(None, 1)
    if after_dateline and (found := publisher_of(after_dateline[0])):
        return found
    # A source line near the end (`first published by Kremlin.ru`),
    # then near the start (`published in the Russian newspaper Izvestia`).
    for zone in (text[-600:], text[:600]):
        for m in SOURCE_LINE.finditer(zone):
            words = m["name"].split()
            for n in range(len(words), 0, -1):
                if found := publisher_of(" ".join(words[:n])):
                    return found
    return None


def _is_title(line: str, rest: str) -> bool:
    """A first line is a title when it is short, the text goes on after it, and it does not
    read as the first sentence of a paragraph."""
    if not line.strip() or len(line) > MAX_TITLE_CHARS or not rest.strip():
        return False
    return not line.rstrip().endswith((".", ":", ";")) or len(line) < 120


def parse(text: str) -> Header:
    """Read the head of a decoded raw file, or raise `HeaderError`."""
    m = HEADER.match(text)
    if not m:
        first, _ = _first_line(text, 0)
        raise HeaderError(
            "The file does not start with a ' date YYYY-MM-DD ' header.",
            f"first line: {first[:80]!r}",
        )
    published = parse_date(m[1])
    body_start = m.end()
    line, line_end = _first_line(text, body_start)
    title = dateline = None
    lead = line
    if dl := DATELINE.match(line):
        dateline = dl["dateline"]
        lead = line[dl.end() :]
    elif _is_title(line, text[line_end:]):
        title = line.strip()
    return Header(published, title, dateline, _find_publisher(text, lead), body_start)
