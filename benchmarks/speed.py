"""Speed and memory of dedup against its peers, on one generated corpus, in one run.

    python benchmarks/speed.py                # 10k and 100k articles
    python benchmarks/speed.py --sizes 20000  # any sizes
    python benchmarks/speed.py --large        # also 1M
    python benchmarks/speed.py --repeat 5     # dedup and dedup-jobs2 5 times each (default 3)

The job is the same for every tool: read a JSONL corpus and find all near-duplicate
document pairs at Jaccard >= 0.8 with word 5-grams and 128 permutations. Tools:

- ``floor``: reading and tokenising alone (json.loads, lowercase, split, 5-gram strings),
  the least any Python pipeline does;
- ``dedup``: the library (``iter_documents`` + ``Scanner.scan`` + ``Report``), which also
  verifies every pair exactly and finds repeats, overlaps and boilerplate; ``dedup-jobs2``
  is the same with ``jobs=2``; ``dedup-cli`` is the command line writing JSON;
  ``dedup-dask2`` is the Dask engine (``dedup.dask.DaskScanner``) on a local cluster of
  two worker processes started for it (its start counted: ``cluster_seconds``), with
  the reading and the comparisons in the benchmark's process, as on a cluster whose
  workers are other machines (here they share its two cores); needs ``dedup[dask]``;
- ``datasketch``: ``MinHash.bulk`` + ``MinHashLSH`` with an insertion session, then a
  query per document (its documented bulk path);
- ``rensa``: ``RMinHash`` + ``RMinHashLSH`` (insert, then a query per document).

Each tool runs in its own process, so its peak resident memory (``ru_maxrss``) is its
own. dedup's modules are compiled to bytecode first, as ``pip install .`` does and the
peers' installs did: from an editable install with ``PYTHONDONTWRITEBYTECODE`` set,
every run compiled its 26 modules again (53 ms of its import, measured with cProfile).
``dedup`` and ``dedup-jobs2`` run ``--repeat`` times in alternation and report their
median runs; the jobs=2 ratio is the median of the ratios of runs side by side (this
machine's timings drift by 10-20 % over minutes, more than a single pair can tell).
Prints docs/s, the ratio of each tool's time to dedup's, peak RSS, pairs found and how
time grows with size; writes ``benchmarks/results/speed.json``. The corpus comes from
``benchmarks/generate.py`` (real-text vocabulary, 5-15 paragraphs, ~10 % near-copies).
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TOOLS = ["floor", "dedup", "dedup-jobs2", "dedup-cli", "dedup-dask2", "rensa", "datasketch"]
PARAMS = {"threshold": 0.8, "ngram": 5, "num_perm": 128}


def read_texts(path: str) -> list[str]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f]


def five_grams(text: str) -> list[str]:
    w = text.lower().split()
    return [" ".join(w[i:i + 5]) for i in range(max(1, len(w) - 4))]


def run_floor(path: str) -> int:
    for text in read_texts(path):
        five_grams(text)
    return 0


#: seconds the child spent importing the tool's package (dedup: pandas, pyarrow, numba)
IMPORTED: dict = {}


def run_dedup(path: str, jobs: int = 1) -> int:
    sys.path.insert(0, str(ROOT))
    t0 = time.perf_counter()
    import dedup
    from dedup.io import iter_documents

    IMPORTED["seconds"] = time.perf_counter() - t0

    # documents stream into the scanner, as the CLI does (with jobs > 1 signing overlaps reading)
    report = dedup.Report(dedup.Scanner(jobs=jobs, **PARAMS).scan(iter_documents([path])))
    return int(report.clusters.groupby("cluster")["size"].first().map(lambda k: k * (k - 1) // 2).sum())


def run_dedup_dask(path: str, workers: int = 2) -> int:
    sys.path.insert(0, str(ROOT))
    t0 = time.perf_counter()
    import dedup
    from dedup.dask import DaskScanner
    from dedup.io import iter_documents
    from distributed import Client, LocalCluster

    IMPORTED["seconds"] = time.perf_counter() - t0
    with LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        IMPORTED["cluster_seconds"] = time.perf_counter() - t0 - IMPORTED["seconds"]
        report = dedup.Report(DaskScanner(client, **PARAMS).scan(iter_documents([path])))
    return int(report.clusters.groupby("cluster")["size"].first().map(lambda k: k * (k - 1) // 2).sum())


def run_dedup_cli(path: str) -> int:
    # the console script installed beside this Python (its environment need not be activated)
    script = shutil.which("dedup", path=os.path.dirname(sys.executable)) or shutil.which("dedup")
    if script is None:
        raise SystemExit("the dedup command is not installed (pip install -e .)")
    out = subprocess.run([script, "scan", path, "--format", "json", "--threshold", "0.8", "--ngram", "5"],
                         check=True, capture_output=True, text=True).stdout
    return sum(c["size"] * (c["size"] - 1) // 2 for c in json.loads(out)["clusters"])


def run_rensa(path: str) -> int:
    from rensa import RMinHash, RMinHashLSH

    lsh = RMinHashLSH(threshold=0.8, num_perm=128, num_bands=16)
    sigs = []
    for i, text in enumerate(read_texts(path)):
        m = RMinHash(num_perm=128, seed=1)
        m.update(five_grams(text))
        lsh.insert(i, m)
        sigs.append(m)
    return len({(min(i, j), max(i, j)) for i, m in enumerate(sigs) for j in lsh.query(m) if j != i})


def run_datasketch(path: str) -> int:
    from datasketch import MinHash, MinHashLSH

    mhs = MinHash.bulk([[s.encode() for s in five_grams(t)] for t in read_texts(path)], num_perm=128)
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    with lsh.insertion_session() as session:
        for i, m in enumerate(mhs):
            session.insert(i, m)
    return len({(min(i, j), max(i, j)) for i, m in enumerate(mhs) for j in lsh.query(m) if j != i})


def child(tool: str, path: str) -> None:
    t0 = time.perf_counter()
    fn = {"floor": run_floor, "dedup": run_dedup, "dedup-jobs2": lambda p: run_dedup(p, jobs=2),
          "dedup-cli": run_dedup_cli, "dedup-dask2": run_dedup_dask, "rensa": run_rensa,
          "datasketch": run_datasketch}[tool]
    found = fn(path)
    seconds = time.perf_counter() - t0
    rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    out = {"seconds": seconds, "peak_rss_mb": rss / 1024, "pairs": found}
    if IMPORTED:
        out["import_seconds"] = IMPORTED["seconds"]
    if "cluster_seconds" in IMPORTED:
        out["cluster_seconds"] = IMPORTED["cluster_seconds"]
    print(json.dumps(out))


def compile_dedup() -> None:
    """dedup's modules as bytecode beside them (``__pycache__``), as an installed copy has
    them (see the module's docstring); nothing where they cannot be written."""
    spec = importlib.util.find_spec("dedup")
    if spec is not None and spec.origin:
        compileall.compile_dir(Path(spec.origin).parent, quiet=2)


def corpus(n: int) -> Path:
    RESULTS.mkdir(exist_ok=True)
    sys.path.insert(0, str(ROOT))
    from benchmarks.generate import VERSION  # here, not at the top: children stay lean

    path = RESULTS / f"corpus-{n}-v{VERSION}.jsonl"
    if not path.exists():
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(n), "-o", str(path)], check=True)
    return path


def measure(tool: str, path: Path) -> dict | None:
    proc = subprocess.run([sys.executable, __file__, "--child", tool, str(path)], capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"  {tool} failed: {proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode}")
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


#: the tools run ``--repeat`` times in alternation (``dedup``, ``dedup-jobs2``, ``dedup``, ...):
#: the jobs=2 target is a ratio of the two, and this machine's timings drift by 10-20 %
#: over minutes, so each ratio is of two runs side by side and the median is reported
PAIRED = ["dedup", "dedup-jobs2"]


def measure_paired(tools: list[str], path: Path, repeat: int) -> dict:
    """``tools`` (of :data:`PAIRED`) run ``repeat`` times each, in alternation: each tool's
    median run (by seconds) with all its ``runs``, and, when both ran, ``jobs2_ratio`` in
    the jobs=2 row: the median of the ratios of each pair of runs side by side, with and
    without the import (the same whatever ``jobs`` is)."""
    rounds = [{tool: measure(tool, path) for tool in tools} for _ in range(max(1, repeat))]
    rows = {}
    for tool in tools:
        done = [r[tool] for r in rounds if r[tool]]
        if done:
            rows[tool] = dict(sorted(done, key=lambda r: r["seconds"])[(len(done) - 1) // 2], runs=done)
    # a ratio is of two runs of one round (a failed run leaves its round out)
    pairs = [(r["dedup"], r["dedup-jobs2"]) for r in rounds if r.get("dedup") and r.get("dedup-jobs2")]
    if pairs:
        rows["dedup-jobs2"]["jobs2_ratio"] = {
            "paired": [a["seconds"] / b["seconds"] for a, b in pairs],
            "median": statistics.median(a["seconds"] / b["seconds"] for a, b in pairs),
            "after_import": statistics.median((a["seconds"] - a["import_seconds"]) / (b["seconds"] - b["import_seconds"])
                                              for a, b in pairs),
        }
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    ap.add_argument("--large", action="store_true", help="also 1,000,000 articles")
    ap.add_argument("--tools", nargs="*", default=TOOLS, choices=TOOLS)
    ap.add_argument("--repeat", type=int, default=3, metavar="K",
                    help="runs of dedup and dedup-jobs2 each, alternating (default 3); their medians are reported")
    ap.add_argument("--child", nargs=2, metavar=("TOOL", "CORPUS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    sizes = args.sizes + ([1_000_000] if args.large else [])
    compile_dedup()
    print(f"machine: {os.cpu_count()} cores; job: all pairs at Jaccard >= 0.8, word 5-grams, 128 permutations")
    results: dict = {"params": PARAMS, "sizes": {}}
    for n in sizes:
        path = corpus(n)
        print(f"\n{n:,} articles ({path.stat().st_size / 1e6:.0f} MB)")
        rows = {}
        for tool in args.tools:
            if n >= 1_000_000 and tool == "datasketch":
                continue  # hours at this size
            if tool in PAIRED:
                if tool == next(t for t in args.tools if t in PAIRED):  # the pair runs once, in alternation
                    rows.update(measure_paired([t for t in PAIRED if t in args.tools], path, args.repeat))
                continue
            r = measure(tool, path)
            if r:
                rows[tool] = r
        for r in rows.values():
            r["docs_per_s"] = n / r["seconds"]
        base = rows.get("dedup", {}).get("seconds")
        print(f"  {'tool':<13}{'seconds':>9}{'docs/s':>10}{'x dedup time':>14}{'peak RSS MB':>13}{'pairs':>9}")
        for tool, r in rows.items():
            ratio = f"{r['seconds'] / base:.2f}" if base else "-"
            print(f"  {tool:<13}{r['seconds']:>9.2f}{r['docs_per_s']:>10,.0f}{ratio:>14}{r['peak_rss_mb']:>13,.0f}"
                  f"{r['pairs']:>9,}")
        for tool, r in rows.items():
            if len(r.get("runs", [])) > 1:
                times = " ".join(f"{x['seconds']:.2f}" for x in r["runs"])
                print(f"  {tool}: median of {len(r['runs'])} runs, {times} s")
        if "cluster_seconds" in rows.get("dedup-dask2", {}):
            print(f"  dedup-dask2: {rows['dedup-dask2']['cluster_seconds']:.2f} s of it starting the local cluster")
        if "jobs2_ratio" in rows.get("dedup-jobs2", {}):
            ratio = rows["dedup-jobs2"]["jobs2_ratio"]
            paired = " ".join(f"{x:.2f}" for x in ratio["paired"])
            print(f"  jobs=2: {ratio['median']:.2f}x one thread ({ratio['after_import']:.2f}x after importing dedup); "
                  f"each pair of runs: {paired}")
        results["sizes"][n] = rows
    if len(sizes) > 1:
        print("\ntime growth per 10x articles (1.0 = linear):")
        for tool in args.tools:
            times = [results["sizes"][n].get(tool, {}).get("seconds") for n in sizes]
            growth = [f"{b / a / (m / k):.2f}" for a, b, k, m in zip(times, times[1:], sizes, sizes[1:]) if a and b]
            if growth:
                print(f"  {tool:<13}{' '.join(growth)}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "speed.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {RESULTS / 'speed.json'}")


if __name__ == "__main__":
    main()
