"""Accuracy of dedup against a labelled corpus of real articles, beside a plain datasketch baseline.

    python benchmarks/quality.py            # defaults, 5 seeds
    python benchmarks/quality.py --sweep    # also n-gram x threshold, to choose the defaults

The corpus (``benchmarks/corpus.py``) is built from the real Reuters-21578 sample in
``tests/data``: its real exact re-transmissions, re-issues, re-sent earnings tables and
templated reports (different news), plus copies of real articles with the perturbations
scraped news has (typographic, 1 % and 3 % word edits, site chrome, truncation to 70 %
and 35 %, a repeated paragraph, four mixed copies, hard-wrapped copies, feed summaries with
their HTML escaped, aggregators' teasers between their lines, an article and its copy on the
pages of two sites seen once, with light or heavy chrome), unrelated articles sharing site chrome,
and articles on the same topic. Each seed draws a different corpus.

Measured:
- pairwise precision, recall and F1 of duplicate pairs (every pair inside a predicted
  cluster against every pair inside a true story), and the adjusted Rand index;
- recall per kind of copy (share of the copy-original pairs found);
- the persistent index's path (``evaluate_index``): precision and recall of the
  duplicates a query reports against indexed documents, and recall per kind;
- repeats: precision and recall of repeated blocks, where the truth is every non-blank
  line of at least 4 words equal to an earlier line of the document up to white space,
  except in the real templated tables (their header lines repeat by design: section
  headers of one table, not a scraper fault);
- the same pair metrics for datasketch's MinHashLSH at the same threshold (word 5-grams,
  128 permutations, LSH pairs taken as duplicates), the way its documentation uses it.

Prints a table and writes ``benchmarks/results/quality.json``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import dedup  # noqa: E402
from benchmarks.corpus import labelled_corpus, load_sample, pairs  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
NEWS = Path(__file__).resolve().parents[1] / "examples" / "news"


def predicted_pairs(labels: pd.Series) -> set[tuple[str, str]]:
    """All pairs of ids that share a label (label -1 means alone)."""
    out: set[tuple[str, str]] = set()
    for label, ids in labels[labels >= 0].groupby(labels[labels >= 0]):
        out |= set(itertools.combinations(sorted(ids.index), 2))
    return out


def prf(pred: set, truth: set) -> dict:
    tp = len(pred & truth)
    p = tp / len(pred) if pred else 1.0
    r = tp / len(truth) if truth else 1.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "false_positives": len(pred - truth), "false_negatives": len(truth - pred)}


def ari(df: pd.DataFrame, labels: pd.Series) -> float:
    from sklearn.metrics import adjusted_rand_score

    pred = labels.reindex(df["id"]).to_numpy()
    singletons = np.flatnonzero(pred < 0)
    pred = pred.copy()
    pred[singletons] = pred.max(initial=0) + 1 + np.arange(len(singletons))
    return float(adjusted_rand_score(df["story"].to_numpy(), pred))


def per_kind_recall(df: pd.DataFrame, pred: set) -> dict:
    story_of = dict(zip(df["id"], df["story"]))
    out = {}
    for kind, g in df.groupby("kind"):
        truth = set()
        for doc in g["id"]:
            mates = [d for d in df.loc[df["story"] == story_of[doc], "id"] if d != doc]
            truth |= {tuple(sorted((doc, m))) for m in mates}
        if truth:
            out[kind] = len(truth & pred) / len(truth)
    return out


def true_repeats(texts: dict[str, str]) -> set[tuple[str, int]]:
    truth = set()
    for doc, text in texts.items():
        seen = set()
        blocks = [" ".join(line.split()) for line in text.splitlines() if line.strip()]  # NBSP is white space
        for i, b in enumerate(blocks):
            if b in seen and len(b.split()) >= 4:
                truth.add((doc, i))
            seen.add(b)
    return truth


def datasketch_baseline(df: pd.DataFrame, threshold: float) -> pd.Series:
    from datasketch import MinHash, MinHashLSH
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    def shingles(text: str) -> list[bytes]:
        w = text.lower().split()
        return [" ".join(w[i:i + 5]).encode() for i in range(max(1, len(w) - 4))]

    mhs = MinHash.bulk([shingles(t) for t in df["text"]], num_perm=128)
    lsh = MinHashLSH(threshold=threshold, num_perm=128)
    for i, m in enumerate(mhs):
        lsh.insert(i, m)
    edges = [(i, j) for i, m in enumerate(mhs) for j in lsh.query(m) if j != i]
    n = len(df)
    e = np.array(edges or [(0, 0)])
    _, comp = connected_components(coo_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(n, n)), directed=False)
    sizes = np.bincount(comp)
    labels = np.where(sizes[comp] > 1, comp, -1)
    return pd.Series(labels, index=df["id"].to_numpy())


def evaluate(df: pd.DataFrame, **params) -> dict:
    t0 = time.perf_counter()
    report = dedup.scan(df, text="text", id="id", **params)
    seconds = time.perf_counter() - t0
    labels = report.documents.set_index("doc")["cluster"]
    truth = pairs(df)
    pred = predicted_pairs(labels)
    texts = dict(zip(df["id"], df["text"]))
    rep_truth = true_repeats({d: t for d, t, k in zip(df["id"], df["text"], df["kind"]) if k != "template"})
    templates = set(df.loc[df["kind"] == "template", "id"])
    rep_pred = {(d, b) for d, b in zip(report.repeats["doc"], report.repeats["block"]) if d not in templates}
    return {"pairs": prf(pred, truth), "ari": ari(df, labels), "per_kind_recall": per_kind_recall(df, pred),
            "repeats": prf(rep_pred, rep_truth), "seconds": seconds}


def evaluate_index(df: pd.DataFrame) -> dict:
    """The persistent index's path on ``df``: the first document of each story is added
    (one batch: yesterday's ingest), the others are queried (one batch: today's scrape).
    A queried document is a true duplicate when its story has an indexed document; it is
    found when it is reported as a duplicate of one of them. Precision is the share of
    reported duplicates whose indexed document is of the same story."""
    first = ~df["story"].duplicated()
    old, new = df[first], df[~first]
    story = dict(zip(df["id"], df["story"]))
    with dedup.Index(":memory:") as idx:
        idx.add(old, text="text", id="id")
        docs = idx.query(new, text="text", id="id").documents
    got = {d: of for d, dup, of in zip(docs["doc"], docs["is_duplicate"], docs["duplicate_of"])
           if dup and of in story}  # duplicates of indexed documents (not of each other)
    right = {d for d, of in got.items() if story[of] == story[d]}
    truth = set(new["id"])  # every story has its first document indexed
    kinds = {kind: len(right & set(g["id"])) / len(g) for kind, g in new.groupby("kind")}
    return {"precision": len(right) / len(got) if got else 1.0, "recall": len(right) / len(truth),
            "reported": len(got), "per_kind_recall": kinds}


def corpus(seed: int) -> pd.DataFrame:
    df = labelled_corpus(load_sample(), seed=seed)
    seeds = pd.DataFrame({"id": [p.name for p in sorted(NEWS.glob("*.txt"))],
                          "text": [p.read_text(encoding="utf-8") for p in sorted(NEWS.glob("*.txt"))]})
    seeds["story"] = seeds["id"]
    seeds["kind"] = "seed_article"
    return pd.concat([df, seeds], ignore_index=True)


def mean(results: list[dict], *path: str) -> float:
    values = []
    for r in results:
        for p in path:
            r = r[p]
        values.append(r)
    return float(np.mean(values))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5, help="number of corpora (seeds 0..N-1)")
    ap.add_argument("--sweep", action="store_true", help="also sweep ngram x threshold")
    args = ap.parse_args()
    corpora = [corpus(s) for s in range(args.seeds)]
    print(f"{len(corpora)} corpora of ~{len(corpora[0])} documents, "
          f"{np.mean([len(pairs(c)) for c in corpora]):.0f} true pairs each")

    defaults = [evaluate(c) for c in corpora]
    baseline = [prf(predicted_pairs(datasketch_baseline(c, dedup.Params().threshold)), pairs(c)) for c in corpora]
    out = {"params": dedup.Params().as_dict(), "seeds": args.seeds, "dedup": defaults, "datasketch": baseline}

    print(f"\n{'tool':<24}{'precision':>10}{'recall':>10}{'F1':>8}{'ARI':>8}")
    print(f"{'dedup (defaults)':<24}{mean(defaults, 'pairs', 'precision'):>10.3f}"
          f"{mean(defaults, 'pairs', 'recall'):>10.3f}{mean(defaults, 'pairs', 'f1'):>8.3f}{mean(defaults, 'ari'):>8.3f}")
    print(f"{'datasketch MinHashLSH':<24}{np.mean([b['precision'] for b in baseline]):>10.3f}"
          f"{np.mean([b['recall'] for b in baseline]):>10.3f}{np.mean([b['f1'] for b in baseline]):>8.3f}")
    print(f"\nrepeats: precision {mean(defaults, 'repeats', 'precision'):.3f}  recall "
          f"{mean(defaults, 'repeats', 'recall'):.3f}  F1 {mean(defaults, 'repeats', 'f1'):.3f}")
    indexed = [evaluate_index(c) for c in corpora]
    out["index"] = indexed
    kinds = sorted({k for r in defaults for k in r["per_kind_recall"]})
    print("\nrecall of copy-original pairs by kind (dedup defaults), and of the index path (the first")
    print("document of each story indexed, the others queried):")
    print(f"  {'':<24}{'scan':>6}{'index':>7}")
    for k in kinds:
        vals = [r["per_kind_recall"][k] for r in defaults if k in r["per_kind_recall"]]
        ivals = [r["per_kind_recall"][k] for r in indexed if k in r["per_kind_recall"]]
        print(f"  {k:<24}{np.mean(vals):>6.3f}{np.mean(ivals) if ivals else float('nan'):>7.3f}")
    print(f"\nindex path: precision {mean(indexed, 'precision'):.3f}  recall {mean(indexed, 'recall'):.3f}  "
          f"({mean(indexed, 'reported'):.0f} duplicates reported a corpus)")

    if args.sweep:
        print(f"\n{'ngram':>6}{'threshold':>10}{'precision':>10}{'recall':>10}{'F1':>8}")
        out["sweep"] = []
        for ngram, threshold in itertools.product((3, 4, 5), (0.6, 0.7, 0.8, 0.9)):
            res = [evaluate(c, ngram=ngram, threshold=threshold) for c in corpora]
            row = {"ngram": ngram, "threshold": threshold, "precision": mean(res, "pairs", "precision"),
                   "recall": mean(res, "pairs", "recall"), "f1": mean(res, "pairs", "f1")}
            out["sweep"].append(row)
            print(f"{ngram:>6}{threshold:>10}{row['precision']:>10.3f}{row['recall']:>10.3f}{row['f1']:>8.3f}")

    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "quality.json").write_text(json.dumps(out, indent=2) + "\n")
    print(f"\nwrote {RESULTS / 'quality.json'}")


if __name__ == "__main__":
    main()
