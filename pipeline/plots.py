"""The figures of a release's page, drawn with matplotlib as inline SVG.

Why matplotlib: the page must open offline. Measured on a release's trade figures, a
self-contained plotly page weighs 4.8 MB (it inlines plotly.min.js) against 17 kB for the
same chart as matplotlib SVG, which also needs no script to show, is byte-identical from
run to run (fixed `svg.hashsalt`, no date in the metadata) and renders in headless Chromium
in half the time. altair/vega cannot inline its scripts without a further compiler package.
Traceability does not need JavaScript: every point is an SVG link to its row in the table
under the chart and carries an SVG `<title>` (the browser's tooltip) with its quote and id.

Each `*_figure` function takes a table as a pandas DataFrame and returns a `Figure`: the SVG
markup, or `svg=None` and a plain sentence saying why there is nothing to draw.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import matplotlib

matplotlib.use("svg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure as MplFigure
from matplotlib.ticker import MaxNLocator

from schemas.types import EVENT_TYPES

TRADE_MEASURES = ("trade_turnover", "exports", "imports")
MONEY_UNIT = re.compile(r"^[A-Z]{3}$")
#: Distinct points drawn (and listed) at most in the trade chart.
MAX_TRADE_POINTS = 300
#: Sources kept per trade point (the first by stat_id); `n_sources` counts them all.
SOURCES_KEPT = 3
TOP_INSTITUTIONS = 20
# Colour-blind-safe palette (Okabe-Ito), then matplotlib's tab20 for many event types.
_PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
_MEASURE_COLOURS = {"trade_turnover": "#0072B2", "exports": "#009E73", "imports": "#D55E00"}
_RC: Any = {
    "svg.fonttype": "none",  # real <text>: selectable, searchable, small
    "font.family": "sans-serif",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
}


@dataclass(frozen=True)
class Figure:
    """An SVG chart, or a sentence saying why there is none; `notes` go under the chart."""

    svg: str | None
    message: str | None = None
    notes: tuple[str, ...] = ()
    #: Rows behind the chart, for the table under it (already ordered).
    data: pd.DataFrame = field(default_factory=pd.DataFrame)


def _svg(fig: MplFigure, name: str, titles: Mapping[str, str], label: str) -> str:
    """The figure as inline SVG; elements with a gid in `titles` get that `<title>`."""
    buf = io.StringIO()
    with plt.rc_context({"svg.hashsalt": f"kzru-{name}"}):
        fig.savefig(
            buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None}
        )
    plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, count=1, flags=re.S)

    def root(m: re.Match[str]) -> str:
        attrs = re.sub(r'\s(width|height)="[^"]*"', "", m.group(1))
        return f'<svg{attrs} class="chart" id="chart-{name}" role="img" aria-label="{_esc(label)}">'

    svg = re.sub(r"<svg([^>]*)>", root, svg, count=1)

    def titled(m: re.Match[str]) -> str:
        gid = m.group(1)
        return m.group(0) + f"<title>{_esc(titles[gid])}</title>" if gid in titles else m.group(0)

    svg = re.sub(r'(xlink:href="#[^"]*") target="_blank"', r"\1", svg)
    return re.sub(r'<g id="([^"]+)"[^>]*>', titled, svg)


def _esc(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _billions(value: float) -> str:
    return f"{value / 1e9:,.2f}".rstrip("0").rstrip(".") + " bn"


# --------------------------------------------------------------------------- trade


def trade_points(stats: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """USD trade facts with a period, one row per distinct (measure, period, value).

    Columns: measure, period_start, period_end, period_label, value, `sources` (the first
    `SOURCES_KEPT` rows of `stats` reporting that point, as dicts, by stat_id) and `n_sources`
    (how many rows report it), ordered by period then measure.
    Also returns sentences about the trade facts left out (other currencies, no period, over
    the limit).
    """
    notes: list[str] = []
    if stats.empty:
        return pd.DataFrame(), notes
    trade = stats[stats["measure"].isin(TRADE_MEASURES)]
    trade = trade[trade["unit"].astype(str).str.fullmatch(MONEY_UNIT.pattern)]
    other = trade[trade["unit"] != "USD"]
    if len(other):
        counts = other["unit"].value_counts().sort_index()
        listed = ", ".join(f"{unit}: {n}" for unit, n in counts.items())
        notes.append(
            f"{len(other)} trade figure{'s' if len(other) != 1 else ''} in other currencies "
            f"({listed}) {'are' if len(other) != 1 else 'is'} not drawn: no exchange rate "
            "is applied."
        )
    usd = trade[trade["unit"] == "USD"]
    dated = usd[usd["period_start"].notna() & usd["period_end"].notna()]
    if len(dated) < len(usd):
        n = len(usd) - len(dated)
        notes.append(f"{n} USD trade figure{'s' if n != 1 else ''} without a period not drawn.")
    if dated.empty:
        return pd.DataFrame(), notes
    dated = dated.sort_values(["period_start", "period_end", "measure", "value", "stat_id"])
    groups = dated.groupby(["measure", "period_start", "period_end", "value"], sort=False)
    n_points = groups.ngroups
    # only what is drawn and listed: the first points, the first sources of each
    kept = dated[
        (groups.ngroup() < MAX_TRADE_POINTS).to_numpy()
        & (groups.cumcount() < SOURCES_KEPT).to_numpy()
    ]
    sizes = groups.size()
    first_labels = groups["period_label"].first()
    by_point: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for rec in kept.to_dict("records"):
        key = (rec["measure"], rec["period_start"], rec["period_end"], rec["value"])
        by_point.setdefault(key, []).append({str(k): v for k, v in rec.items()})
    rows: list[dict[str, Any]] = []
    for (measure, start, end, value), sources in by_point.items():
        label = first_labels.get((measure, start, end, value))
        rows.append(
            {
                "measure": measure,
                "period_start": start,
                "period_end": end,
                "period_label": label if isinstance(label, str) else f"{start}/{end}",
                "value": float(value),
                "sources": sources,
                "n_sources": int(sizes[(measure, start, end, value)]),
            }
        )
    points = pd.DataFrame(rows)
    if n_points > MAX_TRADE_POINTS:
        notes.append(
            f"{n_points - MAX_TRADE_POINTS} further points (the most recent periods) are "
            "not drawn; all are in the statistics table."
        )
    return points.reset_index(drop=True), notes


def trade_figure(stats: pd.DataFrame) -> Figure:
    """Trade turnover, exports and imports in USD by period.

    Each point is a horizontal segment over its period (a half year is half as wide as a
    year) with a dot at its middle; hovering shows the quote and stat_id, clicking goes to
    the table row `#<stat_id>` under the chart.
    """
    points, notes = trade_points(stats)
    if points.empty and not notes:
        return Figure(None, "No trade figures in this release yet.")
    if points.empty:
        return Figure(
            None, "No trade figures in USD with a period in this release yet.", tuple(notes)
        )
    titles: dict[str, str] = {}
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(9, 4))
        seen: set[str] = set()
        for i, p in enumerate(points.to_dict("records")):
            start = pd.Timestamp(p["period_start"])
            end = pd.Timestamp(p["period_end"]) + pd.Timedelta(days=1)
            mid = start + (end - start) / 2
            y = p["value"] / 1e9
            colour = _MEASURE_COLOURS.get(p["measure"], _PALETTE[len(seen) % len(_PALETTE)])
            first = p["sources"][0]
            gid = f"pt-{first['stat_id']}"
            (line,) = ax.plot(
                mdates.date2num([start, mid, end]),
                [y, y, y],
                color=colour,
                linewidth=2.5,
                marker="o",
                markevery=[1],
                markersize=6,
                solid_capstyle="butt",
                label=p["measure"].replace("_", " ") if p["measure"] not in seen else None,
                gid=gid,
            )
            line.set_url(f"#{first['stat_id']}")
            seen.add(p["measure"])
            more = int(p["n_sources"]) - 1
            titles[gid] = (
                f"{p['measure'].replace('_', ' ')} {p['period_label']}: {_billions(p['value'])} "
                f"USD. “{first['quote']}” ({first['stat_id']}, document {first['doc_id']})"
                + (f" and {more} more source{'s' if more != 1 else ''}" if more else "")
                + f" [{i + 1}]"
            )
        ax.set_ylabel("USD billion")
        ax.set_ylim(bottom=0)
        ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=10))
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
        handles, labels = ax.get_legend_handles_labels()
        rank = {m.replace("_", " "): i for i, m in enumerate(TRADE_MEASURES)}
        order = sorted(range(len(labels)), key=lambda k: (rank.get(labels[k], 99), labels[k]))
        ax.legend(
            [handles[k] for k in order],
            [labels[k] for k in order],
            loc="lower left",
            bbox_to_anchor=(0, 1.0),
            frameon=False,
            ncols=3,
        )
        svg = _svg(fig, "trade", titles, "Trade turnover, exports and imports in USD by period")
    return Figure(svg, None, tuple(notes), points)


# --------------------------------------------------------------------------- events

# One colour per event type of the vocabulary, the same in every release (Okabe-Ito, then
# Paul Tol's muted colours); a type outside the vocabulary is grey.
_EVENT_COLOURS = (*_PALETTE, "#882255", "#44AA99", "#332288", "#999933", "#000000")


def _event_colour(event_type: str) -> str:
    if event_type in EVENT_TYPES:
        return _EVENT_COLOURS[EVENT_TYPES.index(event_type) % len(_EVENT_COLOURS)]
    return "#999999"


def events_by_year(events: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Counts of dated events, every year of the range as a row (years without events are
    zeros) and event types as columns, most frequent first; and the count of undated events.

    `events` has a row per event, or per group of events with their count in a column `n`
    (rows of `event_type`, `date_start`, `n`, e.g. counted in DuckDB)."""
    if events.empty or "date_start" not in events:
        return pd.DataFrame(), 0
    weights = events["n"] if "n" in events else pd.Series(1, index=events.index)
    has_date = events["date_start"].notna()
    dated = events[has_date]
    undated = int(weights[~has_date].sum())
    if dated.empty:
        return pd.DataFrame(), undated
    years = pd.to_datetime(dated["date_start"]).dt.year.rename("year")
    table = pd.crosstab(
        years, dated["event_type"].rename("event_type"), values=weights[has_date], aggfunc="sum"
    )
    table = table.fillna(0).astype("int64")
    order = table.sum().sort_values(ascending=False, kind="stable")
    table = table[sorted(table.columns, key=lambda t: (-int(order[cast(str, t)]), str(t)))]
    table = table.sort_index()
    every_year = range(int(table.index.min()), int(table.index.max()) + 1)
    return table.reindex(every_year, fill_value=0).rename_axis("year"), undated


def events_figure(events: pd.DataFrame) -> Figure:
    """Events per year, stacked by event type (year of `date_start`)."""
    table, undated = events_by_year(events)
    notes = []
    if undated:
        notes.append(
            f"{undated} event{'s' if undated != 1 else ''} without a resolved date "
            f"{'are' if undated != 1 else 'is'} not counted in the chart."
        )
    if table.empty:
        msg = (
            "No dated events in this release yet." if undated else "No events in this release yet."
        )
        return Figure(None, msg, tuple(notes))
    titles: dict[str, str] = {}
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(9, 4))
        years = [int(y) for y in table.index]
        bottom = [0] * len(years)
        for etype in table.columns:
            counts = [int(c) for c in table[etype]]
            bars = ax.bar(
                years,
                counts,
                bottom=bottom,
                color=_event_colour(str(etype)),
                label=str(etype).replace("_", " "),
                width=0.8,
            )
            for year, count, bar in zip(years, counts, bars, strict=True):
                if count:
                    gid = f"ev-{year}-{etype}"
                    bar.set_gid(gid)
                    titles[gid] = f"{year}, {str(etype).replace('_', ' ')}: {count}"
            bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
        ax.set_ylabel("events")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        if len(years) <= 12:
            ax.set_xticks(years, [str(y) for y in years])
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=12))
        ax.grid(axis="x", visible=False)
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False, fontsize=9, ncols=4)
        svg = _svg(fig, "events", titles, "Events per year, stacked by type")
    return Figure(svg, None, tuple(notes), table)


# --------------------------------------------------------------------------- institutions


def top_institutions(institutions: pd.DataFrame, n: int = TOP_INSTITUTIONS) -> pd.DataFrame:
    """The `n` most-mentioned institutions (ties by name), most mentioned first."""
    if institutions.empty:
        return pd.DataFrame()
    ranked = institutions.sort_values(
        ["n_mentions", "n_documents", "name", "institution_id"],
        ascending=[False, False, True, True],
        kind="stable",
    )
    return ranked.head(n).reset_index(drop=True)


def institutions_figure(institutions: pd.DataFrame) -> Figure:
    """Horizontal bars of the most-mentioned institutions."""
    top = top_institutions(institutions)
    if top.empty:
        return Figure(None, "No institutions in this release yet.")
    titles: dict[str, str] = {}
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(9, 1.2 + 0.32 * len(top)))
        labels = [
            _short(f"{r.name} ({r.acronym})" if _present(r.acronym) else str(r.name), 48)
            for r in top.itertuples()
        ]
        bars = ax.barh(range(len(top)), top["n_mentions"], color=_PALETTE[0], height=0.7)
        for r, bar in zip(top.itertuples(), bars, strict=True):
            gid = f"inst-{r.institution_id}"
            bar.set_gid(gid)
            bar.set_url(f"#inst-{r.institution_id}")
            titles[gid] = (
                f"{r.name}: {r.n_mentions} mention{'s' if r.n_mentions != 1 else ''} in "
                f"{r.n_documents} document{'s' if r.n_documents != 1 else ''} ({r.institution_id})"
            )
        ax.set_yticks(range(len(top)), labels)
        ax.invert_yaxis()
        ax.set_xlabel("mentions")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="y", visible=False)
        svg = _svg(fig, "institutions", titles, "Most-mentioned institutions")
    return Figure(svg, None, (), top)


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value)) and value != ""


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# --------------------------------------------------------------------------- memo


def memoized(
    draw: Callable[[pd.DataFrame], Figure], table: pd.DataFrame, folder: Path | None
) -> Figure:
    """`draw(table)`, kept in `folder` (when given) under a hash of the table, of this
    module's source and of the matplotlib version: a release whose data behind a chart did
    not change reuses the chart drawn for the previous one (the same bytes, drawn once).
    An entry that cannot be read is drawn again; older entries of the same chart go."""
    if folder is None:
        return draw(table)
    h = hashlib.sha256(draw.__name__.encode() + b"\0" + matplotlib.__version__.encode())
    h.update(Path(__file__).read_bytes())
    h.update(pickle.dumps(table, protocol=5))
    path = folder / f"{draw.__name__}-{h.hexdigest()}.pkl"
    try:
        with path.open("rb") as f:
            found = pickle.load(f)
        if isinstance(found, Figure):
            return found
    except Exception:  # missing, torn or foreign: draw it
        pass
    fig = draw(table)
    with contextlib.suppress(OSError):  # a read-only folder: the page is still written
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob(f"{draw.__name__}-*.pkl"):
            old.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as f:
            pickle.dump(fig, f, protocol=5)
        os.replace(tmp, path)
    return fig
