"""The `kzru` command line (also `python -m pipeline`).

`kzru build` runs every stage and prints the release's path on its last line. Each stage can
also run alone (`kzru ingest`, `parse`, `extract`, `validate`, `publish`), as `dvc.yaml` does.
Exit status 0 on success; otherwise a one-line reason on stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from pipeline import __version__, release
from pipeline.stages import extract, ingest, parse, publish, validate

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


def cmd_ingest(args: argparse.Namespace) -> int:
    ingest.run(Path(args.raw), stage_dir(Path(args.out)))
    return 0


def cmd_parse(args: argparse.Namespace) -> int:
    parse.run(stage_dir(Path(args.out)))
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    extract.run(stage_dir(Path(args.out)), progress=sys.stderr.isatty())
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    validate.run(stage_dir(Path(args.out)))
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    gold = Path(args.gold) if args.gold else None
    result = publish.run(stage_dir(Path(args.out)), Path(args.out), gold=gold)
    if not result.new:
        print(f"nothing changed since release {result.version}; nothing published")
    print(result.path)
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    raw, out = Path(args.raw), Path(args.out)
    stages = stage_dir(out)
    ingest.run(raw, stages)
    parse.run(stages)
    extract.run(stages, progress=sys.stderr.isatty())
    validate.run(stages)
    return cmd_publish(args)


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
            p.add_argument(
                "--gold",
                default=None,
                help="gold file to score the release against (quality.json)",
            )
        p.set_defaults(func=func)

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
    except validate.ValidationFailed as err:
        for failure in err.failures:
            log.error("%s", failure)
        print(f"kzru: {str(err).splitlines()[0]} (details above)", file=sys.stderr)
        return 1
    except (OSError, ValueError, RuntimeError) as err:
        print(f"kzru: {err}", file=sys.stderr)
        return 1
