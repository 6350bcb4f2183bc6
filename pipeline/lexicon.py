"""One place to load the packaged lexicons (`pipeline/lexicons/**`).

`load(name)` parses `pipeline/lexicons/<name>` (subpaths allowed: `institutions/companies.yaml`)
once per process with libyaml's `CSafeLoader` when PyYAML was built with it (several times
faster than the pure-Python `SafeLoader`, same data: both use the same YAML 1.1 resolvers), and
caches the result. The cached object is shared: callers must treat it as read-only (copy before
changing it).

A YAML error raises `LexiconError` naming the file and the line. `files(pattern)` lists the
lexicons matching a glob (`institutions/*.yaml`), sorted, as names `load` accepts.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

_Loader: type[yaml.CSafeLoader] | type[yaml.SafeLoader]
try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # PyYAML without libyaml
    _Loader = yaml.SafeLoader

#: The folder of the packaged lexicons.
ROOT = Path(__file__).resolve().parent / "lexicons"


class LexiconError(ValueError):
    """A lexicon file that is missing or is not valid YAML."""


def path(name: str) -> Path:
    """The file of lexicon `name` (relative to `pipeline/lexicons/`, no `..`)."""
    rel = Path(name)
    if rel.is_absolute() or ".." in rel.parts:
        raise LexiconError(f"{name}: a lexicon name is a path inside pipeline/lexicons/")
    return ROOT / rel


@cache
def load(name: str) -> Any:
    """The parsed content of `pipeline/lexicons/<name>` (cached; read-only)."""
    p = path(name)
    try:
        text = p.read_text("utf-8")
    except FileNotFoundError as exc:
        raise LexiconError(f"pipeline/lexicons/{name}: no such lexicon") from exc
    try:
        return yaml.load(text, Loader=_Loader)  # a safe loader (no Python tags)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        what = " ".join(x for x in (exc.context, exc.problem) if x)
        raise LexiconError(f"pipeline/lexicons/{name}{where}: {what}") from exc
    except yaml.YAMLError as exc:
        raise LexiconError(f"pipeline/lexicons/{name}: {exc}") from exc


def files(pattern: str) -> list[str]:
    """Names of the lexicons matching glob `pattern` (e.g. `institutions/*.yaml`), sorted."""
    return sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob(pattern) if p.is_file())
