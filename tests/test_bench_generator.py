"""The benchmark's corpus generator: deterministic, raw-file format, readable by ingest, and
never a copy of the real texts in raw/."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from pipeline import headers
from pipeline.stages import ingest

REPO = Path(__file__).resolve().parent.parent
WORD = re.compile(r"\w+(?:[-'.]\w+)*")


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_same_seed_same_texts_other_seed_other_texts(gen: ModuleType) -> None:
    first = [gen.compose(3, i) for i in range(20)]
    assert first == [gen.compose(3, i) for i in range(20)]
    assert first != [gen.compose(4, i) for i in range(20)]
    assert len(set(first)) == 20


def test_a_document_depends_only_on_seed_and_index(gen: ModuleType, tmp_path: Path) -> None:
    """So adding one document to a corpus leaves the others byte for byte."""
    small = gen.generate(tmp_path / "a", 5, seed=1)
    large = gen.generate(tmp_path / "b", 6, seed=1)
    assert [p.name for p in small] == [p.name for p in large[:5]]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(small, large, strict=False))
    extra = gen.generate(tmp_path / "a", 1, seed=1, start=5)
    assert extra[0].read_bytes() == large[5].read_bytes()


def test_files_have_the_raw_name_and_header(gen: ModuleType, tmp_path: Path) -> None:
    paths = gen.generate(tmp_path, 30, seed=0)
    for i, path in enumerate(paths):
        assert ingest.RAW_NAME.match(path.name)
        assert path.name.startswith(f"{i:06d}_")
        text = path.read_text("utf-8")
        assert re.match(r"^ date \d{4}-\d{2}-\d{2} \S", text)
        header = headers.parse(text)
        assert 2005 <= header.published_date.year <= 2025
        assert header.title is not None or header.dateline is not None


def test_ingest_accepts_every_generated_file(gen: ModuleType, tmp_path: Path) -> None:
    gen.generate(tmp_path, 50, seed=2)
    docs, rejected = ingest.ingest(tmp_path)
    assert rejected.empty
    assert len(docs) == 50
    words = sum(len(t.split()) for t in docs["text"])
    assert 150 * 50 < words < 2000 * 50  # article-sized texts


def test_texts_are_article_like(gen: ModuleType) -> None:
    text = "\n".join(gen.compose(0, i) for i in range(40))
    assert re.search(r"\d+(?:\.\d)?(?:%| percent| per cent)", text)  # percentages
    assert re.search(r"(?:\$|USD |€)\d", text) or "U.S. dollars" in text  # money
    assert re.search(
        r"\b(?:January|February|March|April|May|June|July|August|September|"
        r"October|November|December) \d{1,2}\b",
        text,
    )  # dates
    vocab = gen.vocabulary()
    assert sum(p in text for p in vocab.places) >= 5
    assert sum(o in text for o in vocab.organisations) >= 3


def test_no_seven_word_run_of_the_real_texts(gen: ModuleType) -> None:
    """No run of seven words of raw/ in the generated texts or the templates. Names from the
    lexicons (`Supreme Eurasian Economic Council`) are facts, not prose: they are masked on
    both sides first."""
    vocab = gen.vocabulary()
    names = [*vocab.places, *vocab.organisations, *vocab.people, *vocab.publishers]
    names += [c for pair in vocab.countries for c in pair]
    longest_first = sorted({n for n in names if n}, key=len, reverse=True)
    mask = re.compile("|".join(re.escape(n) for n in longest_first))

    def runs(text: str) -> set[tuple[str, ...]]:
        words = [w.lower() for w in WORD.findall(mask.sub(" NAME ", text))]
        return {tuple(words[i : i + 7]) for i in range(len(words) - 6)}

    real: set[tuple[str, ...]] = set()
    for path in sorted((REPO / "raw").glob("*.txt")):
        real |= runs(path.read_text("utf-8"))
    assert real
    generated: set[tuple[str, ...]] = set()
    for i in range(300):
        generated |= runs(gen.compose(0, i))
    templates = (REPO / "bench" / "templates.yaml").read_text("utf-8")
    assert not generated & real
    assert not runs(templates) & real


def test_article_corpus_mixes_prose_and_the_dense_one_does_not(gen: ModuleType) -> None:
    """The default corpus has the fact density of real articles: its paragraphs carry prose
    sentences; `dense=True` keeps fact sentences only, several times denser in figures."""
    prose_openings = [p.split("{")[0].strip()[:30] for p in gen.vocabulary().templates["prose"]]
    prose_openings = [o for o in prose_openings if len(o) >= 15]
    number = re.compile(r"\d")

    def density(texts: list[str]) -> float:
        words = [w for t in texts for w in t.split()]
        return sum(bool(number.search(w)) for w in words) / len(words)

    article = [gen.compose(0, i) for i in range(60)]
    dense = [gen.compose(0, i, dense=True) for i in range(60)]
    assert sum(any(o in t for o in prose_openings) for t in article) >= 55
    assert not any(o in t for o in prose_openings for t in dense)
    assert density(dense) > 2 * density(article)
