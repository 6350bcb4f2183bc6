"""Synthetic corpus for the benchmark: article-like texts of the genre, never real articles.

Texts are composed from the project's lexicons (`pipeline/lexicons/*.yaml`: countries, places,
people, institutions, publishers, counted nouns) and the sentence templates of
`bench/templates.yaml`, with numbers, dates, places and organisations drawn at random. Each
document depends only on (seed, index), so a corpus of N documents is the first N of a corpus
of N + 1, and a run is reproducible.

    python -m bench.generate --n 20000 --out /tmp/corpus [--seed 0]

Files are named `NNNNNN_<16 hex>.txt` (the hex is the start of the sha256 of the bytes) and
begin with the raw-file header ` date YYYY-MM-DD `.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

TEMPLATES = Path(__file__).with_name("templates.yaml")
FIRST_DAY = date(2005, 1, 1)
N_DAYS = (date(2025, 12, 31) - FIRST_DAY).days
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
NUMBER_WORDS = [
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "fifteen",
    "twenty",
]
SLOT = re.compile(r"\{([A-Za-z_]+?)(\d?)\}")


@dataclass(frozen=True)
class Vocabulary:
    """What the generator fills slots with."""

    countries: tuple[tuple[str, str], ...]  # (name, adjective)
    people: tuple[str, ...]
    roles: tuple[str, ...]
    places: tuple[str, ...]
    organisations: tuple[str, ...]
    publishers: tuple[str, ...]
    nouns: tuple[str, ...]
    topics: tuple[str, ...]
    templates: dict[str, Any]


def _lexicon(name: str) -> Any:
    """A YAML file of `pipeline/lexicons`, or None when it is missing or unreadable."""
    try:
        text = resources.files("pipeline.lexicons").joinpath(name).read_text("utf-8")
        return yaml.safe_load(text)
    except (OSError, yaml.YAMLError):
        return None


def _names(records: Any, key: str = "name") -> list[str]:
    if not isinstance(records, list):
        return []
    return [str(r[key]) for r in records if isinstance(r, dict) and isinstance(r.get(key), str)]


def _people(lexicon: Any) -> tuple[list[str], list[str]]:
    if not isinstance(lexicon, dict):
        return [], []
    people: list[str] = []
    for person in lexicon.get("persons") or []:
        if not isinstance(person, dict) or not isinstance(person.get("name"), str):
            continue
        people.append(person["name"])
        first, last = person.get("first"), person.get("last")
        if isinstance(first, list) and isinstance(last, list) and first and last:
            people.append(f"{str(first[0])[0]}.{last[0]}")
    roles = [
        str(w)
        for words in (lexicon.get("roles") or {}).values()
        if isinstance(words, list)
        for w in words
        if isinstance(w, str) and w[:1].isupper()
    ]
    return people, roles


def _institutions() -> list[str]:
    """Names of the institution records (`pipeline/lexicons/institutions/*.yaml`)."""
    names: list[str] = []
    try:
        folder = resources.files("pipeline.lexicons").joinpath("institutions")
        files = sorted((f for f in folder.iterdir() if f.name.endswith(".yaml")), key=str)
    except (OSError, ModuleNotFoundError):
        return names
    for f in files:
        if f.name.startswith("_"):
            continue
        try:
            data = yaml.safe_load(f.read_text("utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        records = data.get("institutions", data.get("records")) if isinstance(data, dict) else data
        names += _names(records)
    return names


def _nouns(lexicon: Any) -> list[str]:
    """Plural counted nouns of `measures.yaml` (`companies`, `projects`, ...)."""
    counted = lexicon.get("counted") if isinstance(lexicon, dict) else None
    if not isinstance(counted, dict):
        return []
    out: list[str] = []
    for entry in counted.values():
        nouns = entry.get("nouns") if isinstance(entry, dict) else None
        for noun in (nouns or [])[:3]:
            if isinstance(noun, str) and noun.islower() and " " not in noun:
                out.append(_plural(noun))
    return out


def _plural(noun: str) -> str:
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


@cache
def vocabulary() -> Vocabulary:
    """The generator's vocabulary: the lexicons, completed by `templates.yaml`."""
    templates = yaml.safe_load(TEMPLATES.read_text("utf-8"))
    adjectives: dict[str, str] = templates["adjectives"]
    countries = _lexicon("countries.yaml")
    names = [str(v[0]) for v in countries.values()] if isinstance(countries, dict) else []
    names = [n for n in names if n in adjectives] or list(templates["countries"])
    places = _lexicon("places.yaml")
    place_names = _names(places.get("places") if isinstance(places, dict) else None)
    place_names = [p for p in dict.fromkeys(place_names) if p not in adjectives]
    people, roles = _people(_lexicon("people.yaml"))
    publishers = _lexicon("publishers.yaml")
    return Vocabulary(
        countries=tuple((n, adjectives[n]) for n in names),
        people=tuple(people) or ("the Prime Minister",),
        roles=tuple(dict.fromkeys(roles)) or ("President",),
        places=tuple(place_names) or ("Astana", "Moscow", "Almaty", "Omsk"),
        organisations=tuple(dict.fromkeys(_institutions() + list(templates["organisations"]))),
        publishers=tuple(publishers) if isinstance(publishers, dict) else ("Kazinform",),
        nouns=tuple(dict.fromkeys(_nouns(_lexicon("measures.yaml")) + templates["nouns"])),
        topics=tuple(templates["topics"]),
        templates=templates,
    )


# --- slot fillers ------------------------------------------------------------------------


def _money(rng: random.Random, vocab: Vocabulary) -> str:
    prefix, suffix = rng.choice(vocab.templates["currencies"])
    style = rng.random()
    if style < 0.35:
        amount = f"{rng.randint(1, 99)}.{rng.randint(1, 9)} billion"
    elif style < 0.6:
        amount = f"{rng.randint(10, 990)} million"
    elif style < 0.8:
        amount = f"{rng.randint(1, 40)} bln {rng.randint(1, 9)}00 mln"
    elif style < 0.9:
        amount = f"{rng.randint(1, 9)} trillion"
    else:
        amount = f"{rng.randint(1, 999)},{rng.randint(100, 999)},000"
    return f"{prefix}{amount}{suffix}"


def _pct(rng: random.Random) -> str:
    value = (
        f"{rng.randint(1, 60)}.{rng.randint(0, 9)}" if rng.random() < 0.6 else rng.randint(2, 90)
    )
    return f"{value}{rng.choice(['%', '%', ' percent', ' per cent'])}"


def _count(rng: random.Random) -> str:
    style = rng.random()
    if style < 0.15:
        return rng.choice(NUMBER_WORDS)
    n = rng.choice([rng.randint(2, 99), rng.randint(100, 999), rng.randint(1000, 60000)])
    text = f"{n:,}"
    if style > 0.8:
        text = f"{rng.choice(['about', 'over', 'nearly', 'some', 'at least'])} {text}"
    return text


def _qty(rng: random.Random, vocab: Vocabulary) -> str:
    unit, low, high = rng.choice(vocab.templates["quantities"])
    return f"{rng.randint(int(low), int(high)):,} {unit}"


def _day(rng: random.Random, published: date) -> str:
    d = published + timedelta(days=rng.randint(-200, 120))
    style = rng.random()
    if style < 0.4:
        return f"{MONTHS[d.month - 1]} {d.day}"
    if style < 0.8:
        return f"{d.day} {MONTHS[d.month - 1]} {d.year}"
    return f"{MONTHS[d.month - 1]} {d.day}, {d.year}"


def _period(rng: random.Random, published: date) -> str:
    year = published.year - rng.randint(0, 2)
    return rng.choice(
        [
            f"in {year}",
            f"in H1 {year}",
            f"in the first quarter of {year}",
            f"in January-{rng.choice(MONTHS[2:11])} {year}",
            f"over nine months of {year}",
            "last year",
            f"in {rng.choice(MONTHS)} {year}",
        ]
    )


def _ordinal(rng: random.Random) -> str:
    n = rng.randint(2, 40)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class _Filler:
    """Fills the slots of one document; a slot and its `2` variant get different values."""

    def __init__(self, rng: random.Random, vocab: Vocabulary, published: date) -> None:
        self.rng, self.vocab, self.published = rng, vocab, published
        self.pair = rng.sample(vocab.countries, 2) if len(vocab.countries) > 1 else []

    def value(self, name: str, second: bool) -> str:
        rng, vocab = self.rng, self.vocab
        if name in ("country", "adj"):
            pair = self.pair or [rng.choice(vocab.countries)] * 2
            country, adjective = pair[1 if second else 0]
            return country if name == "country" else adjective
        simple: dict[str, Any] = {
            "person": lambda: rng.choice(vocab.people),
            "role": lambda: rng.choice(vocab.roles),
            "place": lambda: rng.choice(vocab.places),
            "PLACE": lambda: rng.choice(vocab.places).upper(),
            "org": lambda: rng.choice(vocab.organisations),
            "publisher": lambda: rng.choice(vocab.publishers),
            "PUBLISHER": lambda: rng.choice(vocab.publishers).upper(),
            "money": lambda: _money(rng, vocab),
            "pct": lambda: _pct(rng),
            "count": lambda: _count(rng),
            "noun": lambda: rng.choice(vocab.nouns),
            "qty": lambda: _qty(rng, vocab),
            "km": lambda: f"{rng.randint(5, 3000):,} km",
            "date": lambda: _day(rng, self.published),
            "month": lambda: rng.choice(MONTHS),
            "weekday": lambda: rng.choice(WEEKDAYS),
            "year": lambda: str(self.published.year + rng.randint(-6, 6)),
            "period": lambda: _period(rng, self.published),
            "ordinal": lambda: _ordinal(rng),
            "topic": lambda: rng.choice(vocab.topics),
        }
        if name not in simple:
            raise KeyError(f"templates.yaml: unknown slot {{{name}}}")
        return str(simple[name]())

    def fill(self, template: str) -> str:
        return SLOT.sub(lambda m: self.value(m[1], m[2] == "2"), template)


def compose(seed: int, index: int, vocab: Vocabulary | None = None, *, dense: bool = False) -> str:
    """The text of document `index` of the corpus of `seed`: header, lead, paragraphs.

    A paragraph mixes fact sentences of one theme with prose (`composition` in
    templates.yaml); `dense=True` gives paragraphs of fact sentences only (a stress corpus)."""
    vocab = vocab or vocabulary()
    rng = random.Random(f"kzru-bench:{seed}:{index}")
    published = FIRST_DAY + timedelta(days=rng.randrange(N_DAYS))
    fill = _Filler(rng, vocab, published).fill
    t = vocab.templates
    lead = fill(rng.choice(t["leads"]))
    if rng.random() < 0.5:
        first = f"{fill(rng.choice(t['datelines']))} {lead}"
        paragraphs = []
    else:
        first = fill(rng.choice(t["headlines"]))
        paragraphs = [lead]
    themes = list(t["paragraphs"])
    mix = t["composition"]
    for _ in range(rng.randint(*mix["paragraphs"])):
        theme = t["paragraphs"][rng.choice(themes)]
        if dense:
            picked = rng.sample(theme, min(len(theme), rng.randint(2, 6)))
        else:
            picked = rng.sample(theme, min(len(theme), rng.randint(*mix["facts"])))
            picked += rng.sample(t["prose"], rng.randint(*mix["prose"]))
            rng.shuffle(picked)
        sentences = [fill(template) for template in picked]
        paragraphs.append(" ".join(sentences))
    if rng.random() < 0.6:
        paragraphs.append(fill(rng.choice(t["closings"])))
    newline = "\r\n" if rng.random() < 0.03 else "\n"
    body = (newline * 2).join(paragraphs)
    return f" date {published.isoformat()} {first}{newline}{newline}{body}{newline}"


def file_name(index: int, data: bytes) -> str:
    return f"{index:06d}_{hashlib.sha256(data).hexdigest()[:16]}.txt"


def generate(
    out_dir: Path, n: int, *, seed: int = 0, start: int = 0, dense: bool = False
) -> list[Path]:
    """Write documents `start .. start + n - 1` of the corpus of `seed` to `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    vocab = vocabulary()
    paths = []
    for i in range(start, start + n):
        data = compose(seed, i, vocab, dense=dense).encode("utf-8")
        path = out_dir / file_name(i, data)
        path.write_bytes(data)
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="number of documents")
    parser.add_argument("--out", required=True, help="folder to write the files to")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--start", type=int, default=0, help="index of the first document")
    parser.add_argument(
        "--dense", action="store_true", help="fact sentences only (a stress corpus, no prose)"
    )
    args = parser.parse_args(argv)
    paths = generate(Path(args.out), args.n, seed=args.seed, start=args.start, dense=args.dense)
    size = sum(p.stat().st_size for p in paths)
    print(f"{len(paths)} documents, {size / 1e6:.1f} MB in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
