"""`kzru evaluate`: score a published release against a gold file.

The gold file (format and conventions: `shared/gold/GUIDELINES.md`, loader: `pipeline.gold`)
annotates whole raw files. A gold entry is matched to the release's `documents` row whose
`source_path` has the same basename. Only documents named in the gold file are scored;
predictions in other documents are ignored.

Spans. Every gold `quote` is searched in `documents.text` and EVERY occurrence is kept
(overlapping occurrences included). A predicted row *overlaps* a gold row when its
`[char_start, char_end)` shares at least one character with one of those occurrences.
A quote found nowhere is listed in `gold_errors`; its row still counts as gold (so it is
a false negative unless an institution matches it by name), because the gold says the fact
is there.

Matching is one-to-one within a document: a gold row is matched at most once and a
predicted row at most once. Among the candidate pairs the scorer takes a maximum matching
(as many pairs as possible) and, among those, the one with the largest total weight (span
overlap measured as intersection over union, then agreement of the reported attributes as a
tie-break). It is solved exactly (Hungarian algorithm on each connected group of candidate
pairs).

- **statistics**: candidate when the spans overlap, the value is within 0.5 % of the gold
  value (relative to the gold value; exact when the gold value is 0) and the unit is the
  same (`count` and `people` are alike).
- **events**: candidate when the spans overlap and `event_type` equals the gold `type`.
  "events_untyped" is scored the same way with any type, so type confusions show up as the
  gap between the two.
- **institutions**: per document, the predicted institutions are the distinct
  `institution_id`s of its `institution_mentions`, with `name`/`acronym` from
  `institutions`. Candidate when one of its mentions overlaps an occurrence of the gold
  quote, or its `name` (or its `acronym`) equals the gold `canonical` once both are
  normalised (case-folded, punctuation dropped, a leading "the" dropped, Theatre = Theater,
  Organisation = Organization).

Scores. precision = matched / predicted, recall = matched / gold, F1 their harmonic mean.
When a denominator is 0 the ratio is 1.0 if the other side is empty too (nothing to find,
nothing found) and 0.0 otherwise; F1 is 0.0 when precision + recall is 0. Totals are
micro-averaged: counts are summed over the gold documents (a missing document contributes
its gold rows as false negatives) before the ratios are taken.

Agreement among matched pairs (agree / pairs compared):

- statistics `qualifier` and `measure`: exact string equality.
- statistics `period`: the gold `period` against `period_label` (None = ""). Equal strings
  agree; so do two labels that cover the same days (`2015-H1` = `2015-01/2015-06`).
- events `date`: only matched events whose gold `date` is not empty are compared. The
  predicted `date_start` must fall inside the gold date (gold `2024-07` accepts
  2024-07-01..2024-07-31) and the predicted `date_precision`, when the release has one, must
  be at least as fine as the gold's (`day` < `month` < `quarter` < `half` < `year`; a
  `year`-precision prediction does not agree with a gold month; `unknown` never agrees).
  That is: `date_start` written at the gold's precision equals the gold date. A gold range
  `A/B` needs `date_start` inside `A` and `date_end` (or `date_start`) inside `B`.
- events `status`: exact equality. events `location`: case-insensitive equality after
  trimming (None = ""), over all matched events.

A release that lacks a table (e.g. an old release) is scored as if the table were empty,
with a warning. Optional columns a table lacks read as null.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from pipeline.gold import (
    PRECISION_RANK,
    GoldEvent,
    GoldFile,
    GoldStatistic,
    load_gold,
    parse_time_label,
)

#: Keys of the scored tables, in report order.
TABLE_KEYS: tuple[str, ...] = ("statistics", "events", "events_untyped", "institutions")
TABLE_TITLES: dict[str, str] = {
    "statistics": "statistics",
    "events": "events",
    "events_untyped": "events (any type)",
    "institutions": "institutions",
}
#: Relative tolerance of a statistic's value.
VALUE_TOLERANCE = 0.005

Span = tuple[int, int]


# --------------------------------------------------------------------------- results


def _ratio(num: int, den: int, other: int) -> float:
    if den == 0:
        return 1.0 if other == 0 else 0.0
    return num / den


@dataclass(frozen=True)
class Score:
    """Counts of one table; precision, recall and F1 follow from them."""

    gold: int
    predicted: int
    matched: int

    @property
    def precision(self) -> float:
        return _ratio(self.matched, self.predicted, self.gold)

    @property
    def recall(self) -> float:
        return _ratio(self.matched, self.gold, self.predicted)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 0.0 if p + r == 0 else 2 * p * r / (p + r)

    def __add__(self, other: Score) -> Score:
        return Score(
            self.gold + other.gold,
            self.predicted + other.predicted,
            self.matched + other.matched,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "gold": self.gold,
            "predicted": self.predicted,
            "matched": self.matched,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


@dataclass(frozen=True)
class Agreement:
    """How many matched pairs agree on one attribute, out of those compared."""

    agree: int = 0
    total: int = 0

    @property
    def rate(self) -> float | None:
        return None if self.total == 0 else self.agree / self.total

    def __add__(self, other: Agreement) -> Agreement:
        return Agreement(self.agree + other.agree, self.total + other.total)

    def to_json(self) -> dict[str, Any]:
        return {"agree": self.agree, "total": self.total, "rate": self.rate}


AGREEMENT_KEYS: dict[str, tuple[str, ...]] = {
    "statistics": ("qualifier", "measure", "period"),
    "events": ("date", "status", "location"),
}


@dataclass
class DocumentResult:
    """Scores of one gold file; `doc_id` is None when the release lacks the document."""

    file: str
    doc_id: str | None
    scores: dict[str, Score]


def _empty_lists() -> dict[str, list[dict[str, Any]]]:
    return {key: [] for key in TABLE_KEYS}


@dataclass
class Evaluation:
    """Everything `evaluate` measured; render with `format_table` or `to_json`."""

    gold_path: str
    release_dir: str
    documents: list[DocumentResult] = field(default_factory=list)
    agreement: dict[str, dict[str, Agreement]] = field(
        default_factory=lambda: {
            table: {key: Agreement() for key in keys} for table, keys in AGREEMENT_KEYS.items()
        }
    )
    false_positives: dict[str, list[dict[str, Any]]] = field(default_factory=_empty_lists)
    false_negatives: dict[str, list[dict[str, Any]]] = field(default_factory=_empty_lists)
    #: Matched pairs that disagree on a reported attribute (events: also type confusions).
    disagreements: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {"statistics": [], "events": []}
    )
    missing_documents: list[str] = field(default_factory=list)
    gold_errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, Score]:
        """Micro-averaged scores: counts summed over the gold documents."""
        out = {key: Score(0, 0, 0) for key in TABLE_KEYS}
        for doc in self.documents:
            for key in TABLE_KEYS:
                out[key] = out[key] + doc.scores[key]
        return out


# --------------------------------------------------------------------------- matching


def _hungarian(cost: list[list[float]]) -> list[int]:
    """Minimum-cost assignment of every row to a distinct column (rows <= columns).

    Returns, for each row, its column. O(rows^2 * columns).
    """
    n, m = len(cost), len(cost[0])
    inf = math.inf
    u = [0.0] * (n + 1)
    v = [0.0] * (m + 1)
    p = [0] * (m + 1)  # p[j]: row (1-based) assigned to column j; 0 = free
    way = [0] * (m + 1)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        minv = [inf] * (m + 1)
        used = [False] * (m + 1)
        while True:
            used[j0] = True
            i0 = p[j0]
            delta = inf
            j1 = 0
            row = cost[i0 - 1]
            for j in range(1, m + 1):
                if not used[j]:
                    cur = row[j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j] = cur
                        way[j] = j0
                    if minv[j] < delta:
                        delta = minv[j]
                        j1 = j
            for j in range(m + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while True:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
            if j0 == 0:
                break
    assignment = [0] * n
    for j in range(1, m + 1):
        if p[j]:
            assignment[p[j] - 1] = j - 1
    return assignment


def max_matching(edges: dict[tuple[int, int], float]) -> list[tuple[int, int]]:
    """One-to-one matching of (gold, predicted) index pairs among the candidate `edges`.

    Maximises the number of pairs first, then the total weight (weights >= 0). Solved
    exactly per connected component of the candidate graph. Returns sorted pairs.
    """
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(x: tuple[str, int]) -> tuple[str, int]:
        root = x
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for g, p in edges:
        a, b = find(("g", g)), find(("p", p))
        if a != b:
            parent[a] = b
    components: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for g, p in edges:
        components.setdefault(find(("g", g)), []).append((g, p))

    pairs: list[tuple[int, int]] = []
    for comp in components.values():
        if len(comp) == 1:
            pairs.append(comp[0])
            continue
        rows = sorted({g for g, _ in comp})
        cols = sorted({p for _, p in comp})
        big = 1.0 + sum(edges[e] for e in comp)
        transpose = len(rows) > len(cols)
        if transpose:
            rows, cols = cols, rows
        row_at = {r: i for i, r in enumerate(rows)}
        col_at = {c: j for j, c in enumerate(cols)}
        cost = [[0.0] * len(cols) for _ in rows]
        for g, p in comp:
            r, c = (p, g) if transpose else (g, p)
            cost[row_at[r]][col_at[c]] = -(big + edges[(g, p)])
        for i, j in enumerate(_hungarian(cost)):
            r, c = rows[i], cols[j]
            pair = (c, r) if transpose else (r, c)
            if pair in edges:
                pairs.append(pair)
    return sorted(pairs)


def find_occurrences(text: str, quote: str) -> list[Span]:
    """Every `[start, end)` where `quote` occurs in `text`, overlapping ones included."""
    spans: list[Span] = []
    if not quote:
        return spans
    start = text.find(quote)
    while start != -1:
        spans.append((start, start + len(quote)))
        start = text.find(quote, start + 1)
    return spans


def span_iou(spans: Sequence[Span], other: Sequence[Span]) -> float:
    """Best intersection-over-union between any span of `spans` and any of `other`; 0 if none
    overlap."""
    best = 0.0
    for a0, a1 in spans:
        for b0, b1 in other:
            inter = min(a1, b1) - max(a0, b0)
            if inter > 0:
                best = max(best, inter / (max(a1, b1) - min(a0, b0)))
    return best


# --------------------------------------------------------------------------- comparisons


def values_match(predicted: float, gold: float) -> bool:
    """Within 0.5 % of the gold value (relative); exact when the gold value is 0."""
    if not math.isfinite(predicted):
        return False
    if gold == 0:
        return predicted == 0
    return abs(predicted - gold) <= VALUE_TOLERANCE * abs(gold) * (1 + 1e-9)


def _unit_key(unit: str | None) -> str:
    unit = (unit or "").strip()
    return "count" if unit == "people" else unit


def units_match(predicted: str | None, gold: str) -> bool:
    """Same unit, `count` and `people` being alike."""
    return _unit_key(predicted) == _unit_key(gold)


def period_agrees(gold: str, predicted: str | None) -> bool:
    """Same label (None = ""), or two labels covering the same days."""
    g, p = gold.strip(), (predicted or "").strip()
    if g == p:
        return True
    gl, pl = parse_time_label(g), parse_time_label(p)
    return gl is not None and pl is not None and (gl.start, gl.end) == (pl.start, pl.end)


def date_agrees(
    gold: str, date_start: date | None, date_end: date | None, precision: str | None
) -> bool:
    """The predicted date, written at the gold's precision, is the gold date.

    See the module docstring; `precision` None means the release does not say.
    """
    label = parse_time_label(gold)
    if label is None or date_start is None:
        return False
    if precision is not None:
        rank = PRECISION_RANK.get(precision, PRECISION_RANK["unknown"])
        if rank > PRECISION_RANK[label.precision] or precision == "unknown":
            return False
    if "/" in gold:
        lo = parse_time_label(gold.split("/")[0])
        hi = parse_time_label(gold.split("/")[1])
        assert lo is not None and hi is not None  # parse_time_label(gold) succeeded
        last = date_end or date_start
        return lo.start <= date_start <= lo.end and hi.start <= last <= hi.end
    return label.start <= date_start <= label.end


def location_agrees(gold: str, predicted: str | None) -> bool:
    """Case-insensitive equality after trimming; None = ""."""
    return " ".join(gold.split()).casefold() == " ".join((predicted or "").split()).casefold()


_PUNCT = re.compile(r"[^\w\s]|_")


def normalize_name(name: str) -> str:
    """Institution name for comparison: case-folded, punctuation dropped, no leading "the",
    British and American spellings of theatre and organisation made one."""
    s = _PUNCT.sub(" ", unicodedata.normalize("NFKC", name).casefold())
    words = s.split()
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words).replace("theatre", "theater").replace("organis", "organiz")


# --------------------------------------------------------------------------- release


def _as_date(value: Any) -> date | None:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    try:
        return pd.Timestamp(value).date()
    except (TypeError, ValueError):
        return None


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _opt_str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


def _read_table(
    release: Path,
    table: str,
    required: Sequence[str],
    optional: Sequence[str],
    key: str,
    keep: Iterable[str] | None,
    warnings: list[str],
) -> pd.DataFrame:
    """The rows of `table` whose `key` is in `keep` (all rows if None), with `required` +
    `optional` columns.

    A missing table reads as empty (with a warning); missing optional columns read as null.
    """
    columns = [*required, *optional]
    path = release / f"{table}.parquet"
    if not path.exists():
        message = f"The release has no {table} table: scored as empty."
        if message not in warnings:
            warnings.append(message)
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    parquet = pq.ParquetFile(path)
    names = set(parquet.schema_arrow.names)
    if parquet.metadata.num_rows == 0:  # an empty table, whatever its columns
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    missing = [c for c in required if c not in names]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
    present = [c for c in columns if c in names]
    wanted = None if keep is None else sorted(set(keep))
    if wanted is None:
        frame = pd.read_parquet(path, columns=present)
    elif not wanted:
        frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in present})
    else:
        frame = pd.read_parquet(path, columns=present, filters=[(key, "in", wanted)])
    for c in optional:
        if c not in names:
            frame[c] = None
    return frame


def _resolve_release(release_dir: Path) -> Path:
    release = Path(release_dir)
    if not release.is_dir():
        raise ValueError(f"release {release}: no such directory")
    if not (release / "documents.parquet").exists() and (release / "latest").is_dir():
        return release / "latest"  # the output folder was given: score its latest release
    return release


def _records(frame: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """Rows grouped by doc_id, each as a dict, in (char_start, char_end) order."""
    out: dict[str, list[dict[str, Any]]] = {}
    if frame.empty:
        return out
    frame = frame.sort_values(["doc_id", "char_start", "char_end"], kind="stable")
    for row in frame.to_dict("records"):
        out.setdefault(str(row["doc_id"]), []).append({str(k): v for k, v in row.items()})
    return out


# --------------------------------------------------------------------------- scoring


@dataclass
class _Doc:
    """One gold file being scored."""

    gold: GoldFile
    doc_id: str | None
    text: str
    ev: Evaluation
    occurrences: dict[str, list[Span]] = field(default_factory=dict)

    def occ(self, table: str, index: int, quote: str) -> list[Span]:
        if quote not in self.occurrences:
            spans = find_occurrences(self.text, quote)
            self.occurrences[quote] = spans
            if not spans and self.doc_id is not None:
                self.ev.gold_errors.append(
                    {
                        "file": self.gold.file,
                        "doc_id": self.doc_id,
                        "table": table,
                        "index": index,
                        "quote": quote,
                        "error": "quote not found in the document text",
                    }
                )
        return self.occurrences[quote]

    def where(self) -> dict[str, Any]:
        return {"file": self.gold.file, "doc_id": self.doc_id}


def _span(row: dict[str, Any]) -> list[Span]:
    return [(int(row["char_start"]), int(row["char_end"]))]


def _pred_quote(doc: _Doc, row: dict[str, Any]) -> str:
    quote = _opt_str(row.get("quote"))
    if quote is not None:
        return quote
    return doc.text[int(row["char_start"]) : int(row["char_end"])]


def _match_rows(
    golds: Sequence[Any],
    preds: Sequence[dict[str, Any]],
    gold_spans: Sequence[list[Span]],
    accept: Callable[[Any, dict[str, Any]], bool],
    bonus: Callable[[Any, dict[str, Any]], float],
) -> list[tuple[int, int]]:
    edges: dict[tuple[int, int], float] = {}
    for j, pred in enumerate(preds):
        pspan = _span(pred)
        for i, gold in enumerate(golds):
            iou = span_iou(gold_spans[i], pspan)
            if iou > 0 and accept(gold, pred):
                edges[(i, j)] = iou + bonus(gold, pred)
    return max_matching(edges)


def _stat_gold_item(doc: _Doc, g: GoldStatistic) -> dict[str, Any]:
    return {
        **doc.where(),
        "quote": g.quote,
        "value": g.value,
        "unit": g.unit,
        "qualifier": g.qualifier,
        "measure": g.measure,
        "period": g.period,
    }


def _stat_pred_item(doc: _Doc, p: dict[str, Any]) -> dict[str, Any]:
    return {
        **doc.where(),
        "quote": _pred_quote(doc, p),
        "char_start": int(p["char_start"]),
        "char_end": int(p["char_end"]),
        "value": None if math.isnan(_float(p["value"])) else _float(p["value"]),
        "unit": _opt_str(p["unit"]),
        "qualifier": _opt_str(p["qualifier"]),
        "measure": _opt_str(p["measure"]),
        "period_label": _opt_str(p["period_label"]),
    }


def _score_statistics(doc: _Doc, preds: list[dict[str, Any]]) -> Score:
    golds = doc.gold.statistics
    spans = [doc.occ("statistics", i, g.quote) for i, g in enumerate(golds)]

    def accept(g: GoldStatistic, p: dict[str, Any]) -> bool:
        return values_match(_float(p["value"]), g.value) and units_match(
            _opt_str(p["unit"]), g.unit
        )

    checks: dict[str, Callable[[GoldStatistic, dict[str, Any]], tuple[bool, str, Any]]] = {
        "qualifier": lambda g, p: (
            g.qualifier == (_opt_str(p["qualifier"]) or ""),
            g.qualifier,
            _opt_str(p["qualifier"]),
        ),
        "measure": lambda g, p: (
            g.measure == (_opt_str(p["measure"]) or ""),
            g.measure,
            _opt_str(p["measure"]),
        ),
        "period": lambda g, p: (
            period_agrees(g.period, _opt_str(p["period_label"])),
            g.period,
            _opt_str(p["period_label"]),
        ),
    }

    def bonus(g: GoldStatistic, p: dict[str, Any]) -> float:
        return 1e-3 * sum(check(g, p)[0] for check in checks.values())

    pairs = _match_rows(golds, preds, spans, accept, bonus)
    _record_pairs(doc, "statistics", golds, preds, pairs, checks, _stat_gold_item, _stat_pred_item)
    return Score(len(golds), len(preds), len(pairs))


def _event_gold_item(doc: _Doc, g: GoldEvent) -> dict[str, Any]:
    return {
        **doc.where(),
        "quote": g.quote,
        "type": g.type,
        "date": g.date,
        "status": g.status,
        "location": g.location,
    }


def _event_pred_item(doc: _Doc, p: dict[str, Any]) -> dict[str, Any]:
    start = _as_date(p["date_start"])
    return {
        **doc.where(),
        "quote": _pred_quote(doc, p),
        "char_start": int(p["char_start"]),
        "char_end": int(p["char_end"]),
        "type": _opt_str(p["event_type"]),
        "date_start": start.isoformat() if start else None,
        "date_precision": _opt_str(p["date_precision"]),
        "status": _opt_str(p["status"]),
        "location": _opt_str(p["location"]),
    }


def _event_date_check(g: GoldEvent, p: dict[str, Any]) -> tuple[bool, str, Any] | None:
    if not g.date:
        return None
    start, end = _as_date(p["date_start"]), _as_date(p["date_end"])
    precision = _opt_str(p["date_precision"])
    shown = None if start is None else f"{start.isoformat()} ({precision or 'precision ?'})"
    return date_agrees(g.date, start, end, precision), g.date, shown


def _score_events(doc: _Doc, preds: list[dict[str, Any]]) -> tuple[Score, Score]:
    golds = doc.gold.events
    spans = [doc.occ("events", i, g.quote) for i, g in enumerate(golds)]
    checks: dict[str, Callable[[GoldEvent, dict[str, Any]], tuple[bool, str, Any] | None]] = {
        "date": _event_date_check,
        "status": lambda g, p: (
            g.status == (_opt_str(p["status"]) or ""),
            g.status,
            _opt_str(p["status"]),
        ),
        "location": lambda g, p: (
            location_agrees(g.location, _opt_str(p["location"])),
            g.location,
            _opt_str(p["location"]),
        ),
    }

    def bonus(g: GoldEvent, p: dict[str, Any]) -> float:
        results = (check(g, p) for check in checks.values())
        return 1e-3 * sum(bool(r and r[0]) for r in results)

    def typed(g: GoldEvent, p: dict[str, Any]) -> bool:
        return _opt_str(p["event_type"]) == g.type

    pairs = _match_rows(golds, preds, spans, typed, bonus)
    _record_pairs(doc, "events", golds, preds, pairs, checks, _event_gold_item, _event_pred_item)

    def same_type_bonus(g: GoldEvent, p: dict[str, Any]) -> float:
        return 1e-2 * typed(g, p) + bonus(g, p)

    untyped = _match_rows(golds, preds, spans, lambda g, p: True, same_type_bonus)
    matched_g = {i for i, _ in untyped}
    matched_p = {j for _, j in untyped}
    ev = doc.ev
    ev.false_negatives["events_untyped"] += [
        _event_gold_item(doc, g) for i, g in enumerate(golds) if i not in matched_g
    ]
    ev.false_positives["events_untyped"] += [
        _event_pred_item(doc, p) for j, p in enumerate(preds) if j not in matched_p
    ]
    for i, j in untyped:
        g, p = golds[i], preds[j]
        if not typed(g, p):
            ev.disagreements["events"].append(
                {
                    **doc.where(),
                    "field": "type",
                    "gold_quote": g.quote,
                    "predicted_quote": _pred_quote(doc, p),
                    "gold": g.type,
                    "predicted": _opt_str(p["event_type"]),
                }
            )
    return Score(len(golds), len(preds), len(pairs)), Score(len(golds), len(preds), len(untyped))


def _record_pairs(
    doc: _Doc,
    table: str,
    golds: Sequence[Any],
    preds: Sequence[dict[str, Any]],
    pairs: list[tuple[int, int]],
    checks: Mapping[str, Callable[[Any, dict[str, Any]], tuple[bool, str, Any] | None]],
    gold_item: Callable[[_Doc, Any], dict[str, Any]],
    pred_item: Callable[[_Doc, dict[str, Any]], dict[str, Any]],
) -> None:
    """Add false positives/negatives, agreement counts and disagreements of a matching."""
    ev = doc.ev
    matched_g = {i for i, _ in pairs}
    matched_p = {j for _, j in pairs}
    ev.false_negatives[table] += [
        gold_item(doc, g) for i, g in enumerate(golds) if i not in matched_g
    ]
    ev.false_positives[table] += [
        pred_item(doc, p) for j, p in enumerate(preds) if j not in matched_p
    ]
    for i, j in pairs:
        g, p = golds[i], preds[j]
        for name, check in checks.items():
            result = check(g, p)
            if result is None:
                continue
            agrees, gold_value, pred_value = result
            ev.agreement[table][name] += Agreement(int(agrees), 1)
            if not agrees:
                ev.disagreements[table].append(
                    {
                        **doc.where(),
                        "field": name,
                        "gold_quote": g.quote,
                        "predicted_quote": _pred_quote(doc, p),
                        "gold": gold_value,
                        "predicted": pred_value,
                    }
                )


@dataclass
class _PredInstitution:
    institution_id: str
    name: str | None
    acronym: str | None
    spans: list[Span]
    quotes: list[str]


def _score_institutions(
    doc: _Doc, mentions: list[dict[str, Any]], registry: dict[str, dict[str, Any]]
) -> Score:
    golds = doc.gold.institutions
    spans = [doc.occ("institutions", i, g.quote) for i, g in enumerate(golds)]
    by_id: dict[str, _PredInstitution] = {}
    for m in mentions:
        iid = str(m["institution_id"])
        if iid not in by_id:
            info = registry.get(iid, {})
            by_id[iid] = _PredInstitution(
                iid, _opt_str(info.get("name")), _opt_str(info.get("acronym")), [], []
            )
        by_id[iid].spans += _span(m)
        by_id[iid].quotes.append(_pred_quote(doc, m))
    preds = list(by_id.values())

    edges: dict[tuple[int, int], float] = {}
    for j, p in enumerate(preds):
        names = {normalize_name(n) for n in (p.name, p.acronym) if n}
        names.discard("")
        for i, g in enumerate(golds):
            by_name = normalize_name(g.canonical) in names
            iou = span_iou(spans[i], p.spans)
            if by_name or iou > 0:
                edges[(i, j)] = 1.0 * by_name + 0.5 * (iou > 0) + 0.1 * iou
    pairs = max_matching(edges)

    ev = doc.ev
    matched_g = {i for i, _ in pairs}
    matched_p = {j for _, j in pairs}
    ev.false_negatives["institutions"] += [
        {**doc.where(), "quote": g.quote, "canonical": g.canonical, "kind": g.kind}
        for i, g in enumerate(golds)
        if i not in matched_g
    ]
    ev.false_positives["institutions"] += [
        {
            **doc.where(),
            "quote": p.quotes[0],
            "char_start": p.spans[0][0],
            "char_end": p.spans[0][1],
            "institution_id": p.institution_id,
            "name": p.name,
            "acronym": p.acronym,
            "n_mentions": len(p.spans),
        }
        for j, p in enumerate(preds)
        if j not in matched_p
    ]
    return Score(len(golds), len(preds), len(pairs))


STAT_COLUMNS = (
    ("doc_id", "char_start", "char_end", "value", "unit"),
    ("quote", "qualifier", "measure", "period_label"),
)
EVENT_COLUMNS = (
    ("doc_id", "char_start", "char_end", "event_type"),
    ("quote", "date_start", "date_end", "date_precision", "status", "location"),
)
MENTION_COLUMNS = (("doc_id", "char_start", "char_end", "institution_id"), ("quote",))
INSTITUTION_COLUMNS = (("institution_id", "name"), ("acronym",))


def evaluate(gold_path: Path, release_dir: Path) -> Evaluation:
    """Score the release in `release_dir` against the gold file at `gold_path`.

    Raises `ValueError` for a malformed gold file (naming the file and entry), a release
    directory that does not exist, or a table that lacks a column the scorer needs.
    """
    gold = load_gold(Path(gold_path))
    release = _resolve_release(Path(release_dir))
    ev = Evaluation(gold_path=str(gold_path), release_dir=str(release))
    warnings = ev.warnings

    wanted = {g.file for g in gold}
    index = _read_table(
        release, "documents", ("doc_id", "source_path"), (), "doc_id", None, warnings
    )
    doc_of: dict[str, str] = {}
    for doc_id, source in sorted(
        zip(index["doc_id"].astype(str), index["source_path"].astype(str), strict=True),
        key=lambda t: (t[1], t[0]),
    ):
        base = Path(source.replace("\\", "/")).name
        if base not in wanted:
            continue
        if base in doc_of:
            warnings.append(
                f"Several documents are named {base}: scoring {doc_of[base]}, ignoring {doc_id}."
            )
            continue
        doc_of[base] = doc_id
    ids = set(doc_of.values())
    texts = _read_table(release, "documents", ("doc_id", "text"), (), "doc_id", ids, warnings)
    text_of = dict(zip(texts["doc_id"].astype(str), texts["text"].astype(str), strict=True))

    stats = _records(_read_table(release, "statistics", *STAT_COLUMNS, "doc_id", ids, warnings))
    events = _records(_read_table(release, "events", *EVENT_COLUMNS, "doc_id", ids, warnings))
    mention_frame = _read_table(
        release, "institution_mentions", *MENTION_COLUMNS, "doc_id", ids, warnings
    )
    mentions = _records(mention_frame)
    registry_frame = _read_table(
        release,
        "institutions",
        *INSTITUTION_COLUMNS,
        "institution_id",
        mention_frame["institution_id"].astype(str),
        warnings,
    )
    registry = {
        str(r["institution_id"]): {str(k): v for k, v in r.items()}
        for r in registry_frame.to_dict("records")
    }

    for gf in gold:
        found = doc_of.get(gf.file)
        if found is None:
            ev.missing_documents.append(gf.file)
        key = found or ""
        doc = _Doc(gf, found, text_of.get(key, ""), ev)
        scores: dict[str, Score] = {}
        scores["statistics"] = _score_statistics(doc, stats.get(key, []))
        scores["events"], scores["events_untyped"] = _score_events(doc, events.get(key, []))
        scores["institutions"] = _score_institutions(doc, mentions.get(key, []), registry)
        ev.documents.append(DocumentResult(gf.file, found, scores))
    return ev


# --------------------------------------------------------------------------- output


def to_json(ev: Evaluation) -> dict[str, Any]:
    """The evaluation as JSON-serialisable data with stable keys."""
    return {
        "gold": ev.gold_path,
        "release": ev.release_dir,
        "n_documents": len(ev.documents),
        "totals": {key: score.to_json() for key, score in ev.totals.items()},
        "agreement": {
            table: {key: a.to_json() for key, a in keys.items()}
            for table, keys in ev.agreement.items()
        },
        "documents": [
            {
                "file": d.file,
                "doc_id": d.doc_id,
                "scores": {key: d.scores[key].to_json() for key in TABLE_KEYS},
            }
            for d in ev.documents
        ],
        "missing_documents": list(ev.missing_documents),
        "gold_errors": [dict(e) for e in ev.gold_errors],
        "false_positives": {k: [dict(r) for r in v] for k, v in ev.false_positives.items()},
        "false_negatives": {k: [dict(r) for r in v] for k, v in ev.false_negatives.items()},
        "disagreements": {k: [dict(r) for r in v] for k, v in ev.disagreements.items()},
        "warnings": list(ev.warnings),
    }


def _short(text: str | None, width: int = 90) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _fmt_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)


def _describe(table: str, item: dict[str, Any]) -> str:
    if table == "statistics":
        return f"{_fmt_value(item['value'])} {item['unit']}"
    if table == "institutions":
        return str(item.get("canonical") or item.get("name") or item.get("institution_id"))
    when = item.get("date") or item.get("date_start") or ""
    return f"{item['type']}{' ' + when if when else ''}"


def format_table(ev: Evaluation, verbose: bool = False) -> str:
    """The scores as a table a person can read; `verbose` adds what was missed and invented."""
    n = len(ev.documents)
    out: list[str] = [
        f"gold:    {ev.gold_path} ({n} file{'' if n == 1 else 's'})",
        f"release: {ev.release_dir}",
        "",
        f"{'table':<20}{'gold':>6}{'pred':>6}{'match':>7}{'precision':>11}{'recall':>8}{'F1':>7}",
    ]
    for key, s in ev.totals.items():
        out.append(
            f"{TABLE_TITLES[key]:<20}{s.gold:>6}{s.predicted:>6}{s.matched:>7}"
            f"{s.precision:>11.3f}{s.recall:>8.3f}{s.f1:>7.3f}"
        )
    out += ["", "agreement among matched pairs"]
    for table, keys in ev.agreement.items():
        for key, a in keys.items():
            rate = "   n/a" if a.rate is None else f"{a.rate:>6.3f}"
            note = "  (events with a gold date)" if (table, key) == ("events", "date") else ""
            out.append(f"  {table:<12}{key:<11}{a.agree:>5}/{a.total:<5}{rate}{note}")
    out += ["", "per document (P / R / F1)"]
    head = f"{'file':<42}" + "".join(f"{TABLE_TITLES[k]:<20}" for k in TABLE_KEYS)
    out.append(head.rstrip())
    for d in ev.documents:
        cells = "".join(
            f"{f'{s.precision:.2f} {s.recall:.2f} {s.f1:.2f}':<20}"
            for s in (d.scores[k] for k in TABLE_KEYS)
        )
        name = d.file if d.doc_id else f"{d.file} (missing)"
        out.append(f"{_short(name, 41):<42}{cells}".rstrip())
    if ev.missing_documents:
        out += ["", "gold files not in the release (all false negatives):"]
        out += [f"  {name}" for name in ev.missing_documents]
    if ev.gold_errors:
        out += ["", "gold errors:"]
        out += [
            f"  {e['file']} {e['table']}[{e['index']}]: {e['error']}: {_short(e['quote'])!r}"
            for e in ev.gold_errors
        ]
    if ev.warnings:
        out += ["", "warnings:"] + [f"  {w}" for w in ev.warnings]
    if verbose:
        for title, lists in (
            ("false negatives (gold, missed)", ev.false_negatives),
            ("false positives (predicted, not in gold)", ev.false_positives),
        ):
            for table in ("statistics", "events", "institutions"):
                items = lists[table]
                out += ["", f"{title}: {table} ({len(items)})"]
                out += [
                    f"  {item['file']}: {_short(item['quote'])!r}  [{_describe(table, item)}]"
                    for item in items
                ]
        for table, items in ev.disagreements.items():
            out += ["", f"disagreements among matched pairs: {table} ({len(items)})"]
            out += [
                f"  {d['file']}: {_short(d['gold_quote'], 60)!r} {d['field']}: "
                f"gold {d['gold']!r} vs predicted {d['predicted']!r}"
                for d in items
            ]
    return "\n".join(out) + "\n"
