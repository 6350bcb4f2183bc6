"""The `kzru` command line (also `python -m pipeline`).

`kzru build` runs every stage and prints the release's path on its last line. Each stage can
also run alone (`kzru ingest`, `parse`, `extract`, `validate`, `publish`), as `dvc.yaml` does.
`kzru rebuild` is the build for schedulers; `kzru diff OLD NEW` compares two releases.
Exit status 0 on success (also when nothing changed); otherwise a one-line reason on stderr
and 1 (failure), 2 (usage) or 75 (another build holds the lock of the output folder).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline import __version__, lock, rebuild, release
from pipeline.stages.validate import ValidationFailed

if TYPE_CHECKING:
    from pipeline.stages import publish

# The stages are imported by the commands that run them, and import what they need (pandas,
# pandera, DuckDB) only when they have work to do: a build that finds nothing changed returns
# after reading fingerprints.

log = logging.getLogger("kzru")

DEFAULT_RAW = Path("raw")
DEFAULT_OUT = Path("output")
DEFAULT_GOLD = Path("gold/seeds.json")


class UsageError(Exception):
    """A problem with what the user asked for (exit status 2)."""


def stage_dir(out: Path) -> Path:
    return out / "stages"


def _release_dir(args: argparse.Namespace) -> Path:
    if args.release is not None:
        return Path(args.release)
    found = release.latest(Path(args.out))
    if found is None:
        raise UsageError(f"no release under {args.out}: run `kzru build` first or pass --release")
    return found


# --- commands ---------------------------------------------------------------------------


def _cache_dir(args: argparse.Namespace) -> Path | None:
    if getattr(args, "no_cache", False):
        return None
    cache = getattr(args, "cache", None)
    return Path(cache) if cache else rebuild.default_cache(Path(args.out))


def _extract_options(args: argparse.Namespace) -> dict[str, Any]:
    """`--workers`, `--executor`, `--scheduler` as keyword arguments of `extract.run`."""
    if getattr(args, "scheduler", None) and getattr(args, "executor", "local") != "dask":
        raise UsageError("--scheduler needs --executor dask")
    return {
        "workers": getattr(args, "workers", 1),
        "executor": getattr(args, "executor", "local"),
        "scheduler": getattr(args, "scheduler", None),
    }


def _gold(args: argparse.Namespace) -> Path | None:
    return Path(args.gold) if getattr(args, "gold", None) else None


def cmd_ingest(args: argparse.Namespace) -> int:
    from pipeline.stages import ingest

    with lock.acquire(Path(args.out)):
        ingest.run(Path(args.raw), stage_dir(Path(args.out)))
    return 0


def cmd_parse(args: argparse.Namespace) -> int:
    from pipeline.stages import parse

    with lock.acquire(Path(args.out)):
        parse.run(stage_dir(Path(args.out)))
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    from pipeline.stages import extract

    with lock.acquire(Path(args.out)):
        extract.run(
            stage_dir(Path(args.out)),
            progress=sys.stderr.isatty(),
            cache_dir=_cache_dir(args),
            **_extract_options(args),
        )
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from pipeline.stages import validate

    with lock.acquire(Path(args.out)):
        validate.run(stage_dir(Path(args.out)))
    return 0


def _print_published(result: publish.Published) -> None:
    if not result.new:
        print(f"nothing changed since release {result.version}; nothing published")
    print(result.path)


def cmd_publish(args: argparse.Namespace) -> int:
    from pipeline.stages import publish

    out = Path(args.out)
    with lock.acquire(out):
        result = publish.run(stage_dir(out), out, gold=_gold(args), keep=args.keep)
    _print_published(result)
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    outcome = rebuild.run(
        Path(args.raw),
        Path(args.out),
        cache_dir=_cache_dir(args),
        keep=args.keep,
        gold=_gold(args),
        progress=sys.stderr.isatty(),
        extract_options=_extract_options(args),
    )
    _print_published(outcome.published)
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    stamped = logging.Formatter("%(asctime)s kzru %(levelname)s %(message)s", "%Y-%m-%dT%H:%M:%S")
    for handler in logging.getLogger().handlers:  # scheduler logs: each line with its time
        if isinstance(handler, logging.StreamHandler) and handler.stream is sys.stderr:
            handler.setFormatter(stamped)
    outcome = rebuild.run(
        Path(args.raw),
        Path(args.out),
        cache_dir=_cache_dir(args),
        keep=args.keep,
        gold=_gold(args),
    )
    print(rebuild.summary(outcome))
    print(outcome.published.path)
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from pipeline import changes

    out = Path(args.out)
    try:
        old, new = release.resolve(out, args.old), release.resolve(out, args.new)
    except FileNotFoundError as err:
        raise UsageError(str(err)) from err
    result = changes.diff_releases(old, new)
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(changes.to_markdown(result, max_ids=None if args.all else 20), end="")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from pipeline import evaluate

    result = evaluate.evaluate(Path(args.gold), _release_dir(args))
    if args.json:
        print(json.dumps(evaluate.to_json(result), indent=2, sort_keys=True))
    else:
        print(evaluate.format_table(result, verbose=args.verbose))
    return 0


def cmd_dictionary(args: argparse.Namespace) -> int:
    import schemas
    from schemas.generate import data_dictionary

    text = data_dictionary(schemas.TABLES)
    path = Path(args.path)
    if args.check:
        if not path.exists() or path.read_text("utf-8") != text:
            raise UsageError(f"{path} differs from the schemas: run `kzru dictionary --write`")
        print(f"{path} is up to date")
    elif args.write:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(path)
    else:
        print(text, end="")
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    from pipeline import query

    result = query.run_query(args.sql, _release_dir(args), args.format)
    if isinstance(result, bytes):
        sys.stdout.buffer.write(result)
    else:
        print(result)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from pipeline import query

    try:
        print(query.show(args.id, _release_dir(args)))
    except KeyError as err:
        raise UsageError(str(err.args[0]) if err.args else str(err)) from err
    return 0


# --- parser -----------------------------------------------------------------------------


def _add_paths(p: argparse.ArgumentParser, *, raw: bool = False) -> None:
    if raw:
        p.add_argument("--raw", default=str(DEFAULT_RAW), help="folder of raw text files")
    p.add_argument("--out", default=str(DEFAULT_OUT), help="output folder (default: output)")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _add_publish_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--gold", default=None, help="gold file to score the release against (quality.json)"
    )
    p.add_argument(
        "--keep",
        type=_positive,
        default=None,
        metavar="N",
        help="keep at most N releases: remove the oldest (never the one `latest` points to)",
    )


def _add_cache_options(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--cache", default=None, metavar="DIR", help="extraction cache (default: <out>/cache)"
    )
    group.add_argument("--no-cache", action="store_true", help="extract every document afresh")


def _add_executor_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--workers",
        type=_positive_int,
        default=1,
        metavar="N",
        help="processes for the extractors (default: 1, this process)",
    )
    p.add_argument(
        "--executor",
        choices=("local", "dask"),
        default="local",
        help="local processes, or a Dask cluster (extra kzru[dask]; default: local)",
    )
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="address of an existing Dask scheduler (default: start a local cluster)",
    )


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _add_release(p: argparse.ArgumentParser) -> None:
    p.add_argument("--release", default=None, help="release folder (default: <out>/latest)")
    p.add_argument("--out", default=str(DEFAULT_OUT), help="output folder (default: output)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kzru", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"kzru {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="warnings and errors only")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands: list[tuple[str, str, Callable[[argparse.Namespace], int], bool]] = [
        ("build", "run every stage and publish a release", cmd_build, True),
        ("ingest", "stage 1: read raw files into documents and rejected", cmd_ingest, True),
        ("parse", "stage 2: split documents into sentences", cmd_parse, False),
        ("extract", "stage 3: run the extractors", cmd_extract, False),
        ("validate", "stage 4: check every table against its schema", cmd_validate, False),
        ("publish", "stage 5: write a release and point `latest` at it", cmd_publish, False),
    ]
    for name, help_, func, raw in commands:
        p = sub.add_parser(name, help=help_, description=help_)
        _add_paths(p, raw=raw)
        if name in ("build", "publish"):
            _add_publish_options(p)
        if name in ("build", "extract"):
            _add_cache_options(p)
            _add_executor_options(p)
        p.set_defaults(func=func)

    help_ = "build and publish under a lock, for cron, systemd timers and CI"
    p = sub.add_parser("rebuild", help=help_, description=help_)
    _add_paths(p, raw=True)
    _add_publish_options(p)
    _add_cache_options(p)
    p.set_defaults(func=cmd_rebuild)

    p = sub.add_parser("diff", help="what changed between two releases, by ids")
    p.add_argument("old", help="a version (2026.11.21), `latest`, or a release folder")
    p.add_argument("new", help="a version, `latest`, or a release folder")
    p.add_argument("--out", default=str(DEFAULT_OUT), help="output folder (default: output)")
    p.add_argument("--json", action="store_true", help="print changes.json instead of Markdown")
    p.add_argument("--all", action="store_true", help="list every id, not the first 20")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("evaluate", help="score a release against a gold file")
    p.add_argument("--gold", required=True, help="gold annotations (format of gold/seeds.json)")
    _add_release(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--verbose", action="store_true", help="list misses and false alarms")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("dictionary", help="print, --write or --check docs/DATA_DICTIONARY.md")
    p.add_argument("--path", default="docs/DATA_DICTIONARY.md")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--write", action="store_true")
    group.add_argument("--check", action="store_true")
    p.set_defaults(func=cmd_dictionary)

    p = sub.add_parser("query", help="run SQL on a release and print the result")
    p.add_argument("sql")
    _add_release(p)
    p.add_argument("--format", choices=("table", "csv", "json", "parquet"), default="table")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("show", help="print a fact with its document and sentence")
    p.add_argument("id", help="stat_id, event_id, mention_id or institution_id")
    _add_release(p)
    p.set_defaults(func=cmd_show)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    level = logging.WARNING if args.quiet else logging.DEBUG if args.verbose else logging.INFO
    logging.basicConfig(level=level, format="kzru %(levelname)s %(message)s", stream=sys.stderr)
    try:
        return int(args.func(args))
    except UsageError as err:
        print(f"kzru: {err}", file=sys.stderr)
        return 2
    except lock.Locked as err:
        print(f"kzru: {err}", file=sys.stderr)
        return lock.EXIT_LOCKED
    except ValidationFailed as err:
        for failure in err.failures:
            log.error("%s", failure)
        print(f"kzru: {str(err).splitlines()[0]} (details above)", file=sys.stderr)
        return 1
    except (OSError, ValueError, RuntimeError) as err:
        print(f"kzru: {err}", file=sys.stderr)
        return 1
