"""Size and speed of the persistent index (``dedup.Index``).

    python benchmarks/index_bench.py                  # 100,000 articles
    python benchmarks/index_bench.py --size 20000     # any size

1. **add**: ``--size`` generated articles (``benchmarks/generate.py``: real Reuters
   vocabulary, 5-15 paragraphs of 20-80 words, ~500 words; no copies) are added in
   batches of ``--batch``; add throughput is reported overall and for the last batches
   (an index that is already large).
2. **size**: bytes per indexed article, from the file size after the WAL is
   checkpointed, and per table/index (SQLite's ``dbstat``); also for the real Reuters
   sample (``tests/data/reuters_sample.jsonl``, median 154 words), news of wire length:
   there the bytes in use (pages less their free space), as 337 articles fill few pages.
3. **query**: a batch of ``--queries`` articles, half new and half copies of indexed
   ones (exact, 1 % edited, truncated to half, in another site's chrome), against the
   full index opened read-only: throughput, recall of the copies (with the right id)
   and false positives among the new; then single-article queries (latency).

Prints a table and writes ``benchmarks/results/index.json``.

The generated articles draw on a vocabulary of ~6,000 words, which flatters an index
that stores words as numbers into its vocabulary. ``--real PATH`` measures the size on
a real corpus instead (JSONL with ``id`` and ``text``, or ``.jsonl.gz``), ``--join K``
joining every K consecutive stories into one article to reach news length:

    python benchmarks/index_bench.py --real ../shared/data/reuters21578.jsonl.gz --join 4
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import dedup  # noqa: E402
from benchmarks.corpus import (SITE_CHROMES, article_vocab, load_sample, perturb_words, truncate,  # noqa: E402
                               wrap_chrome)
from benchmarks.generate import generate_articles  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


def file_bytes(path: Path) -> int:
    return sum(os.path.getsize(p) for p in (path, Path(f"{path}-wal")) if os.path.exists(p))


def table_bytes(path: Path, used: bool = False) -> dict[str, int]:
    """Bytes of each table and index: whole pages, or (``used``) without the pages' free space."""
    con = sqlite3.connect(path)
    size = "pgsize - unused" if used else "pgsize"
    rows = con.execute(f"SELECT name, SUM({size}) FROM dbstat GROUP BY name ORDER BY 2 DESC").fetchall()
    con.close()
    return {name: int(size) for name, size in rows}


def blob_bytes(path: Path) -> dict[str, float]:
    con = sqlite3.connect(path)
    row = con.execute("SELECT AVG(LENGTH(tokens)), AVG(words), COUNT(*) FROM docs").fetchone()
    bands = con.execute("SELECT COUNT(*) FROM bands").fetchone()[0]
    blocks = con.execute("SELECT COUNT(*) FROM blocks").fetchone()[0]
    vocabulary = con.execute("SELECT COALESCE(SUM(LENGTH(hashes)), 0) / 8 FROM vocabulary").fetchone()[0]
    con.close()
    n = max(row[2], 1)
    return {"tokens": row[0], "content_words": row[1], "tokens_per_word": row[0] / max(row[1], 1),
            "band_rows": bands / n, "block_rows": blocks / n, "vocabulary": vocabulary}


def copies(originals: list[dict], rng: np.random.Generator, vocab: list[str]) -> list[dict]:
    out = []
    for k, doc in enumerate(originals):
        kind = ("exact", "edited", "truncated", "chrome")[k % 4]
        text = doc["text"]
        if kind == "edited":
            text = perturb_words(text, 0.01, rng, vocab)
        elif kind == "truncated":
            text = truncate(text, 0.5)
        elif kind == "chrome":
            text = wrap_chrome(text, SITE_CHROMES[k % len(SITE_CHROMES)], rng)
        out.append({"id": f"q-copy{k}-{kind}", "text": text, "source": doc["id"]})
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=100_000, help="articles in the index")
    ap.add_argument("--batch", type=int, default=2000, help="articles per add")
    ap.add_argument("--queries", type=int, default=2000, help="articles per query batch")
    ap.add_argument("--singles", type=int, default=50, help="single-article queries (latency)")
    ap.add_argument("--dir", default=None, help="where to put the index (default: a temporary directory)")
    ap.add_argument("--real", default=None, help="only measure the size of an index of this JSONL corpus")
    ap.add_argument("--join", type=int, default=1, help="with --real: stories joined into one article")
    args = ap.parse_args(argv)
    if args.real:
        return real_size(args)
    if args.dir is None:
        with tempfile.TemporaryDirectory(prefix="dedup-index-bench-") as tmp:
            return run(args, Path(tmp))
    return run(args, Path(args.dir))


def real_size(args: argparse.Namespace) -> dict:
    """Bytes per article of an index of a real corpus, added ``--batch`` at a time."""
    opener = gzip.open if args.real.endswith(".gz") else open
    with opener(args.real, "rt", encoding="utf-8") as f:
        stories = [json.loads(line) for line in f if line.strip()]
    k = max(1, args.join)
    articles = pd.DataFrame({"id": [f"a{i}" for i in range(len(stories) // k)],
                             "text": ["\n\n".join(s["text"] for s in stories[i * k:(i + 1) * k])
                                      for i in range(len(stories) // k)]})
    with tempfile.TemporaryDirectory(prefix="dedup-index-bench-") as tmp:
        db = Path(tmp) / "real.db"
        with dedup.Index(db) as idx:
            for lo in range(0, len(articles), args.batch):
                idx.add(articles.iloc[lo:lo + args.batch], id="id")
        n = len(articles)
        result = {"corpus": args.real, "join": k, "articles": n,
                  "mean_words": float(articles["text"].str.split().str.len().mean()),
                  "bytes_per_article": file_bytes(db) / n,
                  "bytes_per_article_by_table": {t: b / n for t, b in table_bytes(db).items()},
                  "stored_per_article": blob_bytes(db)}
    s = result["stored_per_article"]
    print(f"dedup.Index of {args.real}: {n:,} articles of {k} stories (~{result['mean_words']:.0f} words)")
    print(f"  {'bytes per article (file)':<40}{result['bytes_per_article']:>10,.0f}")
    for name, b in result["bytes_per_article_by_table"].items():
        if b >= 1:
            print(f"    {name:<38}{b:>10,.0f}")
    print(f"  {'  of which: tokens blob':<40}{s['tokens']:>10,.0f}  ({s['content_words']:.0f} content words, "
          f"{s['tokens_per_word']:.2f} bytes a word; vocabulary of {s['vocabulary']:,} words)")
    return result


def run(args: argparse.Namespace, workdir: Path) -> dict:
    db = workdir / "bench.db"
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(f"{db}{suffix}"):
            os.remove(f"{db}{suffix}")

    # 1. add
    rng = np.random.default_rng(0)
    kept_for_queries: list[dict] = []
    add_seconds: list[float] = []
    words = 0
    with dedup.Index(db) as idx:
        batch: list[dict] = []
        for doc in generate_articles(args.size, seed=0, dup_rate=0):
            batch.append(doc)
            if len(batch) == args.batch:
                t = time.perf_counter()
                idx.add(pd.DataFrame(batch), id="id")
                add_seconds.append(time.perf_counter() - t)
                words += sum(len(d["text"].split()) for d in batch)
                if len(kept_for_queries) < args.queries:
                    kept_for_queries += batch[: args.queries // 2 // max(1, args.size // args.batch) + 1]
                batch = []
                print(f"\radded {len(idx):,}", end="", file=sys.stderr, flush=True)
        if batch:
            t = time.perf_counter()
            idx.add(pd.DataFrame(batch), id="id")
            add_seconds.append(time.perf_counter() - t)
            words += sum(len(d["text"].split()) for d in batch)
        n = len(idx)
    print(file=sys.stderr)
    add_total = sum(add_seconds)
    tail = add_seconds[-max(1, len(add_seconds) // 10):]

    # 2. size (closing checkpointed the WAL)
    size = file_bytes(db)
    tables = table_bytes(db)
    blobs = blob_bytes(db)
    with tempfile.TemporaryDirectory() as tmp:
        real = load_sample()
        rdb = Path(tmp) / "reuters.db"
        with dedup.Index(rdb) as idx:
            idx.add(real, id="id")
        real_tables = table_bytes(rdb, used=True)  # 337 articles: partly filled pages would dominate
        real_blobs = blob_bytes(rdb)
        real_payload = sum(real_tables.values()) / len(real)

    # 3. query: half copies of indexed articles, half new ones
    vocab = article_vocab(load_sample()["text"].tolist())
    half = args.queries // 2
    sources = kept_for_queries[:half]
    queries = copies(sources, rng, vocab)
    queries += [{"id": f"q-new-{d['id']}", "text": d["text"], "source": None}
                for d in generate_articles(args.queries - len(queries), seed=1, dup_rate=0)]
    qdf = pd.DataFrame(queries)
    with dedup.Index(db, readonly=True) as idx:
        t = time.perf_counter()
        report = idx.query(qdf, id="id")
        query_seconds = time.perf_counter() - t
        latencies = []
        for doc in queries[: args.singles]:
            t = time.perf_counter()
            idx.query([doc["text"]], ids=[doc["id"]])
            latencies.append(time.perf_counter() - t)
    docs = report.documents
    truth = qdf["source"].to_numpy()
    is_copy = qdf["source"].notna().to_numpy()
    found_right = (docs["duplicate_of"].to_numpy() == truth) & is_copy
    recall_by_kind = {kind: float(found_right[qdf["id"].str.endswith(kind).to_numpy()].mean())
                      for kind in ("exact", "edited", "truncated", "chrome")}
    false_positives = int((docs["is_duplicate"].to_numpy() & ~is_copy).sum())

    result = {
        "size": n, "batch": args.batch, "mean_words": words / max(n, 1),
        "bytes_per_article": size / n,
        "bytes_per_article_by_table": {k: v / n for k, v in tables.items()},
        "stored_per_article": blobs,
        "reuters_sample": {"articles": len(real), "median_words": float(real["text"].str.split().str.len().median()),
                           "bytes_per_article": real_payload, "stored_per_article": real_blobs,
                           "bytes_per_article_by_table": {k: v / len(real) for k, v in real_tables.items()}},
        "add_articles_per_s": n / add_total, "add_seconds": add_total,
        "add_articles_per_s_last_10pct": sum(args.batch for _ in tail) / sum(tail),
        "query_batch": args.queries, "query_articles_per_s": args.queries / query_seconds,
        "query_seconds": query_seconds,
        "single_query_ms_median": 1000 * float(np.median(latencies)) if latencies else None,
        "copies_found_with_right_id": float(found_right.sum() / max(is_copy.sum(), 1)),
        "recall_by_kind": recall_by_kind, "false_positives_among_new": false_positives,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "sqlite": sqlite3.sqlite_version,
                    "platform": platform.platform()},
    }
    print_table(result)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "index.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {out.relative_to(ROOT)}")
    return result


def print_table(r: dict) -> None:
    s = r["stored_per_article"]
    print(f"dedup.Index, {r['size']:,} generated articles (~{r['mean_words']:.0f} words), batches of {r['batch']:,}")
    print(f"  {'bytes per article (file)':<40}{r['bytes_per_article']:>10,.0f}")
    for name, b in r["bytes_per_article_by_table"].items():
        print(f"    {name:<38}{b:>10,.0f}")
    print(f"  {'  of which: tokens blob':<40}{s['tokens']:>10,.0f}  ({s['content_words']:.0f} content words, "
          f"{s['tokens_per_word']:.2f} bytes a word; {s['band_rows']:.0f} band rows, {s['block_rows']:.1f} block rows; "
          f"vocabulary of {s['vocabulary']:,} words)")
    rs = r["reuters_sample"]
    print(f"  {'bytes per article, real Reuters (used)':<40}{rs['bytes_per_article']:>10,.0f}  "
          f"({rs['articles']} articles, median {rs['median_words']:.0f} words)")
    print(f"  {'add (articles/s)':<40}{r['add_articles_per_s']:>10,.0f}  "
          f"(last 10 %: {r['add_articles_per_s_last_10pct']:,.0f})")
    print(f"  {'query batch of ' + format(r['query_batch'], ',') + ' (articles/s)':<40}"
          f"{r['query_articles_per_s']:>10,.0f}")
    if r["single_query_ms_median"] is not None:
        print(f"  {'single-article query (median ms)':<40}{r['single_query_ms_median']:>10,.1f}")
    print(f"  {'copies found with the right id':<40}{r['copies_found_with_right_id']:>10.3f}  "
          + ", ".join(f"{k} {v:.3f}" for k, v in r["recall_by_kind"].items()))
    print(f"  {'false positives among new articles':<40}{r['false_positives_among_new']:>10}")


if __name__ == "__main__":
    main()
