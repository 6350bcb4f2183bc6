"""`pipeline.lexicon`: the shared loader of the packaged lexicons."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline import lexicon


def test_load_reads_a_top_level_lexicon() -> None:
    data = lexicon.load("abbreviations.yaml")
    assert isinstance(data, dict)
    words = {w for group in data.values() for w in group}
    assert "mr" in {w.lower() for w in words}


def test_load_reads_a_subpath_and_is_cached() -> None:
    first = lexicon.load("institutions/_config.yaml")
    assert lexicon.load("institutions/_config.yaml") is first
    assert "spelling" in first


def test_files_globs_sorted_names_that_load_accepts() -> None:
    names = lexicon.files("institutions/*.yaml")
    assert names == sorted(names)
    assert "institutions/_config.yaml" in names
    assert "institutions/companies.yaml" in names
    assert all(n.startswith("institutions/") and n.endswith(".yaml") for n in names)
    assert lexicon.files("institutions/*.nothing") == []


@pytest.mark.parametrize("name", lexicon.files("**/*.yaml"))
def test_every_lexicon_loads_as_the_pure_python_loader_reads_it(name: str) -> None:
    text = (lexicon.ROOT / name).read_text("utf-8")
    assert lexicon.load(name) == yaml.safe_load(text)


def test_yaml_error_names_the_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "broken.yaml").write_text("a: 1\nb: [2, 3\nc: 4\n", "utf-8")
    monkeypatch.setattr(lexicon, "ROOT", tmp_path)
    lexicon.load.cache_clear()
    try:
        with pytest.raises(lexicon.LexiconError, match=r"pipeline/lexicons/bad/broken\.yaml:\d+:"):
            lexicon.load("bad/broken.yaml")
        with pytest.raises(lexicon.LexiconError, match="no such lexicon"):
            lexicon.load("bad/missing.yaml")
    finally:
        lexicon.load.cache_clear()


def test_names_outside_the_folder_are_refused() -> None:
    with pytest.raises(lexicon.LexiconError):
        lexicon.load("../lexicon.py")
