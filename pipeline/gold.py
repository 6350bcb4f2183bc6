"""Gold annotation files: loading, validation, and the time labels they use.

A gold file is a JSON list with one object per annotated raw file (conventions in
`shared/gold/GUIDELINES.md`)::

    [{"file": "000_d1c45ccfa0d8dec5.txt",
      "statistics":   [{"quote", "value", "unit", "qualifier", "period", "measure"}, ...],
      "events":       [{"quote", "type", "date", "status", "location", "participants"}, ...],
      "institutions": [{"quote", "canonical", "kind"}, ...]}, ...]

`load_gold` checks the structure and raises a `ValueError` that names the gold file, the
entry (its index and `file`) and the row at fault. The fields a scorer matches on are
required (`quote` everywhere, `value` and `unit` for statistics, `type` for events,
`canonical` for institutions); the fields it only reports on may be left out and then
read as `""` (or `[]` for participants), but when present they must have the right type.

Time labels (`parse_time_label`) are the partial ISO dates of gold events (`1998`,
`2024-07`, `2015-10-16`) and the period labels of statistics (`2015-H1`, `2023-Q3`,
`2015-01/2015-06`, `2003/2014`): each becomes the closed interval of days it covers and
the precision it is written at.
"""

from __future__ import annotations

import calendar
import json
import math
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from schemas.types import EVENT_STATUSES, EVENT_TYPES, QUALIFIERS, UNIT_PATTERN

#: Date precisions from finest to coarsest (as in `events.date_precision`).
PRECISION_RANK: dict[str, int] = {
    "day": 0,
    "month": 1,
    "quarter": 2,
    "half": 3,
    "year": 4,
    "unknown": 5,
}

_SINGLE_LABEL = re.compile(
    r"^(?P<y>\d{4})(?:-(?:(?P<m>\d{2})(?:-(?P<d>\d{2}))?|Q(?P<q>[1-4])|H(?P<h>[12])))?$"
)
_UNIT = re.compile(UNIT_PATTERN)


@dataclass(frozen=True)
class TimeLabel:
    """A time label as a closed interval of days, with the precision it is written at."""

    start: date
    end: date
    precision: str


def _parse_single(label: str) -> TimeLabel | None:
    m = _SINGLE_LABEL.match(label)
    if m is None:
        return None
    year = int(m["y"])
    if year < 1:
        return None
    try:
        if m["d"] is not None:
            day = date(year, int(m["m"]), int(m["d"]))
            return TimeLabel(day, day, "day")
        if m["m"] is not None:
            month = int(m["m"])
            last = calendar.monthrange(year, month)[1]
            return TimeLabel(date(year, month, 1), date(year, month, last), "month")
    except ValueError:
        return None
    if m["q"] is not None:
        first = 3 * (int(m["q"]) - 1) + 1
        last_month = first + 2
        last = calendar.monthrange(year, last_month)[1]
        return TimeLabel(date(year, first, 1), date(year, last_month, last), "quarter")
    if m["h"] is not None:
        if m["h"] == "1":
            return TimeLabel(date(year, 1, 1), date(year, 6, 30), "half")
        return TimeLabel(date(year, 7, 1), date(year, 12, 31), "half")
    return TimeLabel(date(year, 1, 1), date(year, 12, 31), "year")


def parse_time_label(label: str) -> TimeLabel | None:
    """Parse `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, `YYYY-Qn`, `YYYY-Hn` or a range `A/B` of them.

    A range covers the first day of `A` to the last day of `B` and takes the precision of
    its finer end. Returns None for `""` and for anything else (not a label this module
    knows, an impossible date, a range that runs backwards).

    >>> parse_time_label("2015-H1")
    TimeLabel(start=datetime.date(2015, 1, 1), end=datetime.date(2015, 6, 30), precision='half')
    """
    label = label.strip()
    if not label:
        return None
    if "/" in label:
        parts = label.split("/")
        if len(parts) != 2:
            return None
        lo, hi = _parse_single(parts[0].strip()), _parse_single(parts[1].strip())
        if lo is None or hi is None or lo.start > hi.end:
            return None
        precision = min(lo.precision, hi.precision, key=PRECISION_RANK.__getitem__)
        return TimeLabel(lo.start, hi.end, precision)
    return _parse_single(label)


@dataclass(frozen=True)
class GoldStatistic:
    quote: str
    value: float
    unit: str
    qualifier: str
    period: str
    measure: str


@dataclass(frozen=True)
class GoldEvent:
    quote: str
    type: str
    date: str
    status: str
    location: str
    participants: tuple[str, ...]


@dataclass(frozen=True)
class GoldInstitution:
    quote: str
    canonical: str
    kind: str


@dataclass(frozen=True)
class GoldFile:
    """The annotations of one raw file; `file` is the file's basename."""

    file: str
    statistics: tuple[GoldStatistic, ...]
    events: tuple[GoldEvent, ...]
    institutions: tuple[GoldInstitution, ...]


class _Row:
    """Typed access to one gold row, raising errors that say where the row is."""

    def __init__(self, raw: Any, where: str) -> None:
        if not isinstance(raw, dict):
            raise ValueError(f"{where}: expected an object, got {type(raw).__name__}")
        self.raw: dict[str, Any] = raw
        self.where = where

    def fail(self, message: str) -> ValueError:
        return ValueError(f"{self.where}: {message}")

    def string(self, key: str, *, required: bool = False, nonempty: bool = False) -> str:
        if key not in self.raw:
            if required:
                raise self.fail(f"missing field {key!r}")
            return ""
        value = self.raw[key]
        if not isinstance(value, str):
            raise self.fail(f"field {key!r} must be a string, got {value!r}")
        if nonempty and not value:
            raise self.fail(f"field {key!r} must not be empty")
        return value

    def number(self, key: str) -> float:
        if key not in self.raw:
            raise self.fail(f"missing field {key!r}")
        value = self.raw[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"field {key!r} must be a number, got {value!r}")
        if not math.isfinite(value):
            raise self.fail(f"field {key!r} must be finite, got {value!r}")
        return float(value)

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"field {key!r} must be a list of strings, got {value!r}")
        return tuple(value)

    def one_of(self, key: str, allowed: tuple[str, ...], *, required: bool = False) -> str:
        value = self.string(key, required=required, nonempty=required)
        if value and value not in allowed:
            raise self.fail(f"field {key!r} is {value!r}, not one of: {', '.join(allowed)}")
        return value


def _statistic(row: _Row) -> GoldStatistic:
    unit = row.string("unit", required=True, nonempty=True)
    if not _UNIT.match(unit):
        raise row.fail(f"field 'unit' is {unit!r}: not an ISO 4217 code or a known unit")
    return GoldStatistic(
        quote=row.string("quote", required=True, nonempty=True),
        value=row.number("value"),
        unit=unit,
        qualifier=row.one_of("qualifier", QUALIFIERS),
        period=row.string("period"),
        measure=row.string("measure"),
    )


def _event(row: _Row) -> GoldEvent:
    when = row.string("date")
    if when.strip() and parse_time_label(when) is None:
        raise row.fail(
            f"field 'date' is {when!r}: not an ISO date such as 1998, 2024-07, 2015-10-16"
        )
    return GoldEvent(
        quote=row.string("quote", required=True, nonempty=True),
        type=row.one_of("type", EVENT_TYPES, required=True),
        date=when.strip(),
        status=row.one_of("status", EVENT_STATUSES),
        location=row.string("location"),
        participants=row.strings("participants"),
    )


def _institution(row: _Row) -> GoldInstitution:
    return GoldInstitution(
        quote=row.string("quote", required=True, nonempty=True),
        canonical=row.string("canonical", required=True, nonempty=True),
        kind=row.string("kind"),
    )


_TABLES = (("statistics", _statistic), ("events", _event), ("institutions", _institution))


def parse_gold(data: Any, source: str) -> list[GoldFile]:
    """Validate decoded gold JSON; `source` names the file in error messages."""
    if not isinstance(data, list):
        raise ValueError(f"gold file {source}: expected a list of file entries at the top level")
    files: list[GoldFile] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(data):
        where = f"gold file {source}, entry {index}"
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: expected an object, got {type(entry).__name__}")
        name = entry.get("file")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{where}: missing or empty 'file'")
        where = f"gold file {source}, entry {index} ({name!r})"
        basename = Path(name.strip()).name
        if basename in seen:
            raise ValueError(f"{where}: file already annotated in entry {seen[basename]}")
        seen[basename] = index
        parsed: dict[str, tuple[Any, ...]] = {}
        for table, build in _TABLES:
            if table not in entry:
                raise ValueError(f"{where}: missing key {table!r} (use [] for none)")
            rows = entry[table]
            if not isinstance(rows, list):
                raise ValueError(f"{where}: {table!r} must be a list")
            parsed[table] = tuple(
                build(_Row(raw, f"{where}, {table}[{i}]")) for i, raw in enumerate(rows)
            )
        files.append(
            GoldFile(
                file=basename,
                statistics=parsed["statistics"],
                events=parsed["events"],
                institutions=parsed["institutions"],
            )
        )
    return files


def load_gold(path: Path) -> list[GoldFile]:
    """Read and validate a gold file; raise `ValueError` naming the file and entry at fault."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"gold file {path}: cannot be read ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise ValueError(f"gold file {path}: not UTF-8 ({exc.reason})") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"gold file {path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc
    return parse_gold(data, str(path))
