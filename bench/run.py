"""The benchmark behind `make bench`: how fast kzru builds, how much memory it takes, how it
scales with workers, and how it compares with quantulum3.

    python -m bench.run [--n 20000] [--seed 0] [--workers 2] [--work DIR]

Steps, on a synthetic corpus of N documents (`bench/generate.py`):

1. full build, one process, cold cache: time, words/s, MB/s, CPU time, peak RSS;
2. no-op rebuild (nothing changed) and incremental rebuild after adding one document;
3. the README's DuckDB queries (else one query per documented view) on the release;
4. full build with `--workers W`: speed-up, and byte-identical tables;
5. a build of N/10 documents (peak RSS at N/10), and the same with the Dask executor on a
   local cluster (byte-identical tables);
6. baseline: quantulum3's `parse` on a sample of the same texts, in this process.

Every build runs as a subprocess (`kzru build`), measured with `os.wait4` (wall time, CPU
time, peak resident set of the largest process). Writes `bench/results.json` and
`bench/RESULTS.md`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from bench.generate import generate

REPO = Path(__file__).resolve().parent.parent
KZRU = [sys.executable, "-m", "pipeline"]
TABLES = ("documents", "statistics", "events", "institutions", "institution_mentions")
#: Targets of issue 7 (see docs/SCALING.md).
GOALS = {
    "words_per_s_one_core": 200_000,
    "ratio_to_quantulum3": 50,
    "speedup_2_workers": 1.7,
    "incremental_share_of_full": 0.05,
    "noop_rebuild_s": 2.0,
    "peak_rss_mb": 1024,
}


# --- measuring ------------------------------------------------------------------------------


def snapshot(work: Path, code: str) -> Path:
    """A copy of the code the builds run (`pipeline/`, `schemas/`): edits made to the tree
    while the benchmark runs do not reach it. `code="head"`: the last commit; `"worktree"`:
    the files as they are now."""
    src = work / "src"
    src.mkdir(parents=True)
    if code == "head":
        archive = subprocess.run(
            ["git", "archive", "HEAD", "pipeline", "schemas"], cwd=REPO, capture_output=True
        )
        if archive.returncode == 0:
            subprocess.run(["tar", "-x", "-C", str(src)], input=archive.stdout, check=True)
            return src
        print("bench: not a git checkout; using the working tree", flush=True)
    for package in ("pipeline", "schemas"):
        shutil.copytree(REPO / package, src / package, ignore=shutil.ignore_patterns("__pycache__"))
    return src


#: Where the builds import `pipeline` from (set by `bench`).
SOURCE: dict[str, Path] = {}


def run_measured(args: list[str], *, log: Path) -> dict[str, float]:
    """Run a command; its wall time, CPU time (user + system, with its children) and peak RSS.

    Raises when the command fails (its output is in `log`).
    """
    start = time.perf_counter()
    with log.open("ab") as out:
        out.write(f"$ {' '.join(args)}\n".encode())
        out.flush()
        src = SOURCE.get("src", REPO)
        env = {**os.environ, "PYTHONPATH": str(src)}
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=src, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}); see {log}")
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
    }


def build(raw: Path, out: Path, log: Path, *extra: str) -> dict[str, float]:
    return run_measured(
        [*KZRU, "-q", "build", "--raw", str(raw), "--out", str(out), *extra], log=log
    )


def table_hashes(out: Path) -> dict[str, str]:
    release = (out / "latest").resolve()
    return {t: hashlib.sha256((release / f"{t}.parquet").read_bytes()).hexdigest() for t in TABLES}


def corpus_stats(raw: Path) -> dict[str, int]:
    files = sorted(raw.glob("*.txt"))
    data = [f.read_bytes() for f in files]
    return {
        "documents": len(files),
        "bytes": sum(map(len, data)),
        "words": sum(len(d.decode("utf-8").split()) for d in data),
    }


#: The fact tables whose density (rows per 1,000 words) tells how article-like a corpus is.
DENSITY_TABLES = ("statistics", "events", "institution_mentions")


def density(rows: dict[str, int], words: int) -> dict[str, float]:
    """Rows per 1,000 words of the fact tables: the synthetic corpus should be as dense in
    facts as real articles, since the extractors' cost grows with the facts they find."""
    return {t: round(1000 * rows[t] / words, 1) for t in DENSITY_TABLES}


def row_counts(out: Path) -> dict[str, int]:
    import pyarrow.parquet as pq

    release = (out / "latest").resolve()
    return {t: pq.ParquetFile(release / f"{t}.parquet").metadata.num_rows for t in TABLES}


# --- queries --------------------------------------------------------------------------------

SQL_BLOCK = re.compile(r"```sql\n(.*?)```", re.S)


def readme_queries() -> list[tuple[str, str]]:
    """(name, SQL) of the README's DuckDB examples; one query per view when it has none."""
    readme = REPO / "README.md"
    text = readme.read_text("utf-8") if readme.exists() else ""
    blocks = [b.strip().rstrip(";") for b in SQL_BLOCK.findall(text) if b.strip()]
    if blocks:
        return [(f"README query {i + 1}", sql) for i, sql in enumerate(blocks)]
    import yaml

    views = yaml.safe_load((REPO / "pipeline" / "sql" / "views.yaml").read_text("utf-8"))
    return [(f"view {v['name']}", f"SELECT * FROM {v['name']}") for v in views]


def query_latency(out: Path, repeat: int = 5) -> list[dict[str, Any]]:
    """Median latency of each query on the release's kzru.duckdb (after one warm-up run)."""
    import duckdb

    db = (out / "latest").resolve() / "kzru.duckdb"
    results: list[dict[str, Any]] = []
    con = duckdb.connect(str(db), read_only=True)
    try:
        for name, sql in readme_queries():
            try:
                rows = len(con.execute(sql).fetchall())
            except duckdb.Error as err:
                results.append({"query": name, "sql": sql, "error": str(err).splitlines()[0]})
                continue
            times = []
            for _ in range(repeat):
                t = time.perf_counter()
                con.execute(sql).fetchall()
                times.append(time.perf_counter() - t)
            ms = round(statistics.median(times) * 1000, 2)
            results.append({"query": name, "sql": sql, "rows": rows, "median_ms": ms})
    finally:
        con.close()
    return results


# --- baseline -------------------------------------------------------------------------------


def quantulum_baseline(raw: Path, sample: int) -> dict[str, Any]:
    """quantulum3's `parse` (no classifier extra) on `sample` documents spread over the
    corpus, timed in this process after one warm-up call; words/s extrapolates."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from quantulum3 import parser
    except ImportError:
        return {"error": "quantulum3 is not installed: pip install 'kzru[bench]'"}
    files = sorted(raw.glob("*.txt"))
    step = max(1, len(files) // sample)
    texts = [f.read_text("utf-8") for f in files[::step][:sample]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parser.parse(texts[0])  # loads its unit tables
        start = time.perf_counter()
        cpu = time.process_time()
        found = sum(len(parser.parse(t)) for t in texts)
        wall = time.perf_counter() - start
        cpu = time.process_time() - cpu
    words = sum(len(t.split()) for t in texts)
    return {
        "documents": len(texts),
        "words": words,
        "bytes": sum(len(t.encode()) for t in texts),
        "quantities_found": found,
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "words_per_s": round(words / wall),
        "words_per_cpu_s": round(words / cpu),
    }


# --- machine --------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = "unknown"
    ram_gb = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram_gb = round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": ram_gb,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


# --- the run --------------------------------------------------------------------------------


def bench(
    n: int, seed: int, workers: int, work: Path, sample: int, dask: bool, code: str
) -> dict[str, Any]:
    log = work / "bench.log"
    SOURCE["src"] = snapshot(work, code)
    raw, small = work / "raw", work / "raw_small"
    print(f"bench: generating {n} documents in {raw}", flush=True)
    generate(raw, n, seed=seed)
    generate(small, max(1, n // 10), seed=seed)
    corpus = corpus_stats(raw)
    words, mb = corpus["words"], corpus["bytes"] / 1e6
    result: dict[str, Any] = {
        "machine": machine(),
        "n": n,
        "seed": seed,
        "code": code,
        "commit": _commit(),
        "corpus": corpus,
    }

    print("bench: full build, 1 process, cold cache", flush=True)
    out1 = work / "out1"
    full = build(raw, out1, log)
    full["words_per_s"] = round(words / full["wall_s"])
    full["words_per_cpu_s"] = round(words / full["cpu_s"])
    full["mb_per_s"] = round(mb / full["wall_s"], 3)
    result["full_build"] = full
    result["rows"] = row_counts(out1)
    result["density"] = density(result["rows"], words)
    hashes = table_hashes(out1)

    print("bench: fact density of the real texts of raw/ (reference)", flush=True)
    out_seeds = work / "out_seeds"
    build(REPO / "raw", out_seeds, log)
    result["density_raw"] = density(row_counts(out_seeds), corpus_stats(REPO / "raw")["words"])

    print("bench: no-op rebuild", flush=True)
    result["noop_rebuild"] = build(raw, out1, log)

    print("bench: DuckDB queries", flush=True)
    result["queries"] = query_latency(out1)

    print("bench: incremental rebuild after adding one document", flush=True)
    raw_plus = work / "raw_plus"
    shutil.copytree(raw, raw_plus)
    generate(raw_plus, 1, seed=seed, start=n)
    # the release of out1 is reused: same cache, same stage folder
    incr = build(raw_plus, out1, log)
    incr["share_of_full"] = round(incr["wall_s"] / full["wall_s"], 4)
    result["incremental_rebuild"] = incr

    if workers > 1:
        print(f"bench: full build, {workers} workers, cold cache", flush=True)
        out2 = work / "out2"
        par = build(raw, out2, log, "--workers", str(workers))
        par["speedup"] = round(full["wall_s"] / par["wall_s"], 3)
        par["words_per_s"] = round(words / par["wall_s"])
        par["identical_tables"] = table_hashes(out2) == hashes
        result["parallel_build"] = {"workers": workers, **par}

    print(f"bench: build of N/10 = {n // 10} documents", flush=True)
    out_small = work / "out_small"
    tenth = build(small, out_small, log)
    result["tenth_build"] = {"documents": max(1, n // 10), **tenth}

    print(f"bench: dense stress corpus of N/10 = {n // 10} documents (no prose)", flush=True)
    dense_raw = work / "raw_dense"
    generate(dense_raw, max(1, n // 10), seed=seed, dense=True)
    dense_words = corpus_stats(dense_raw)["words"]
    dense: dict[str, Any] = dict(build(dense_raw, work / "out_dense", log))
    dense["words"] = dense_words
    dense["words_per_s"] = round(dense_words / dense["wall_s"])
    dense["words_per_cpu_s"] = round(dense_words / dense["cpu_s"])
    dense["density"] = density(row_counts(work / "out_dense"), dense_words)
    result["dense_tenth_build"] = dense
    if dask:
        print("bench: N/10 with the Dask executor (local cluster)", flush=True)
        out_dask = work / "out_dask"
        try:
            dsk: dict[str, Any] = dict(
                build(small, out_dask, log, "--executor", "dask", "--workers", str(workers))
            )
            dsk["identical_tables"] = table_hashes(out_dask) == table_hashes(out_small)
        except RuntimeError as err:
            dsk = {"error": str(err)}
        result["dask_tenth_build"] = {"workers": workers, **dsk}

    print(f"bench: quantulum3 baseline on {sample} documents", flush=True)
    base = quantulum_baseline(raw, sample)
    result["quantulum3"] = base
    if "words_per_s" in base:
        result["ratio_to_quantulum3"] = round(full["words_per_s"] / base["words_per_s"], 2)
        result["ratio_to_quantulum3_cpu"] = round(
            full["words_per_cpu_s"] / base["words_per_cpu_s"], 2
        )
    result["goals"] = goals(result)
    return result


def _commit() -> str | None:
    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


def goals(r: dict[str, Any]) -> dict[str, dict[str, Any]]:
    peak = max(r["full_build"]["peak_rss_mb"], r.get("parallel_build", {}).get("peak_rss_mb", 0))
    measured = {
        "words_per_s_one_core": r["full_build"]["words_per_s"],
        "ratio_to_quantulum3": r.get("ratio_to_quantulum3"),
        "speedup_2_workers": r.get("parallel_build", {}).get("speedup"),
        "incremental_share_of_full": r["incremental_rebuild"]["share_of_full"],
        "noop_rebuild_s": r["noop_rebuild"]["wall_s"],
        "peak_rss_mb": peak,
    }
    out = {}
    for key, target in GOALS.items():
        value = measured[key]
        lower_is_better = key in ("incremental_share_of_full", "noop_rebuild_s", "peak_rss_mb")
        met = None if value is None else (value <= target if lower_is_better else value >= target)
        out[key] = {"target": target, "measured": value, "met": met}
    return out


def markdown(r: dict[str, Any]) -> str:
    m, c, f = r["machine"], r["corpus"], r["full_build"]
    lines = [
        "# kzru benchmark",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB RAM, Python {m['python']};"
        f" load average at start {m['load_average_at_start']}.",
        f"Code: {r['code']} at commit {(r.get('commit') or 'unknown')[:12]}.",
        f"Corpus: {c['documents']:,} synthetic documents (seed {r['seed']}), "
        f"{c['words']:,} words, {c['bytes'] / 1e6:.1f} MB.",
        "",
        "Fact density (rows per 1,000 words): "
        + _density_text(r["density"])
        + "; the real texts of raw/: "
        + _density_text(r["density_raw"])
        + ".",
        "",
        "| measure | value |",
        "|---|---|",
        f"| full build, 1 process (wall) | {f['wall_s']:.1f} s |",
        f"| full build, CPU time | {f['cpu_s']:.1f} s |",
        f"| words/s (wall) | {f['words_per_s']:,} |",
        f"| words per CPU second | {f['words_per_cpu_s']:,} |",
        f"| MB/s (wall) | {f['mb_per_s']:.3f} |",
        f"| peak RSS at N | {f['peak_rss_mb']:.0f} MB |",
        f"| peak RSS at N/10 | {r['tenth_build']['peak_rss_mb']:.0f} MB |",
        f"| no-op rebuild | {r['noop_rebuild']['wall_s']:.2f} s |",
        f"| incremental rebuild (+1 document) | {r['incremental_rebuild']['wall_s']:.2f} s "
        f"({r['incremental_rebuild']['share_of_full']:.1%} of the full build) |",
    ]
    if "dense_tenth_build" in r:
        d = r["dense_tenth_build"]
        lines.append(
            f"| dense stress corpus, N/10 ({_density_text(d['density'])} per 1,000 words) | "
            f"{d['words_per_s']:,} words/s ({d['words_per_cpu_s']:,} per CPU second) |"
        )
    if "parallel_build" in r:
        p = r["parallel_build"]
        lines.append(
            f"| full build, {p['workers']} workers | {p['wall_s']:.1f} s, speed-up "
            f"{p['speedup']:.2f}x, identical tables: {p['identical_tables']} |"
        )
    if "dask_tenth_build" in r:
        d = r["dask_tenth_build"]
        value = d.get("error") or (
            f"{d['wall_s']:.1f} s, identical tables to the local build: {d['identical_tables']}"
        )
        lines.append(f"| N/10 on Dask (local cluster, {d['workers']} workers) | {value} |")
    q = r["quantulum3"]
    if "words_per_s" in q:
        lines += [
            f"| quantulum3 `parse`, {q['documents']} documents | {q['words_per_s']:,} words/s "
            f"({q['words_per_cpu_s']:,} per CPU second) |",
            f"| kzru / quantulum3 | {r['ratio_to_quantulum3']}x wall, "
            f"{r['ratio_to_quantulum3_cpu']}x CPU |",
        ]
    lines += ["", "Rows: " + ", ".join(f"{k} {v:,}" for k, v in r["rows"].items()) + ".", ""]
    lines += ["| DuckDB query | rows | median latency |", "|---|---|---|"]
    for q_ in r["queries"]:
        value = q_.get("error") or f"{q_['median_ms']:.1f} ms"
        lines.append(f"| {q_['query']} | {q_.get('rows', '')} | {value} |")
    lines += ["", "| goal | target | measured | met |", "|---|---|---|---|"]
    for key, g in r["goals"].items():
        lines.append(f"| {key} | {g['target']} | {g['measured']} | {g['met']} |")
    return "\n".join(lines) + "\n"


def _density_text(d: dict[str, float]) -> str:
    return ", ".join(f"{table} {value}" for table, value in d.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="documents (default 20000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2, help="workers of the parallel build")
    parser.add_argument("--sample", type=int, default=200, help="documents for quantulum3")
    parser.add_argument("--work", default=None, help="work folder (default: a temporary one)")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask executor run")
    parser.add_argument(
        "--code",
        choices=("worktree", "head"),
        default="worktree",
        help="build with the files as they are (default) or as last committed",
    )
    parser.add_argument("--results", default=str(REPO / "bench" / "results.json"))
    parser.add_argument("--markdown", default=str(REPO / "bench" / "RESULTS.md"))
    args = parser.parse_args(argv)
    work = Path(args.work).resolve() if args.work else Path(tempfile.mkdtemp(prefix="kzru-bench-"))
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    result = bench(args.n, args.seed, args.workers, work, args.sample, not args.no_dask, args.code)
    Path(args.results).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    text = markdown(result)
    Path(args.markdown).write_text(text, encoding="utf-8")
    print(text)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
