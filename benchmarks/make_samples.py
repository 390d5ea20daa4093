"""Build ``tests/data/reuters_sample.jsonl`` (and ``reuters_headlines.txt``) from the full Reuters-21578 corpus.

Run once by a maintainer (``python benchmarks/make_samples.py``); tests and benchmarks
never run it and never read ``/work/shared``. It needs the full corpus
(``/work/shared/data/reuters21578.jsonl.gz``, or ``--source``) and writes a small,
labelled, real subset:

``distinct``
    ordinary news articles (120-350 words, >= 3 body paragraphs, prose: the median
    body paragraph has >= 12 words) that have no other article in the *whole* corpus
    with word-5-gram Jaccard >= 0.2; a seeded random draw; ``family`` = own id.
``exact``
    exact re-transmissions: identical texts under different ids, sent within 48 h of
    each other; ``family`` shared by the group.
``reissue``
    corrected / re-headlined / trimmed re-issues of one story (Jaccard 0.75-0.99,
    same day or next), hand-checked by reading the diffs; ``family`` shared.
``earnings_resend``
    short earnings tables re-sent with a heading, label or note changed (same company,
    same figures; one group is a CORRECTED + RPT pair of the same table),
    hand-checked; ``family`` shared.
``template``
    templated reports that are *different* news despite high textual similarity
    (the Fed's repurchase notices on different days, USDA price tables of different
    dates, metal price changes, earnings tables of different companies, ...),
    hand-checked; every document is its own family and carries ``template``.

``reuters_headlines.txt``
    300 real headlines of stories that are not in the sample, for site chrome
    (:func:`headlines`).

Similarity is brute-force exact Jaccard of the sets of word 5-grams (lower-cased
``\\w+`` tokens, n-grams running across line breaks). "Brute force" here means every
pair of the 19,043 articles is covered: a sparse document x shingle matrix product
gives the intersection size of every pair that shares at least one shingle, and all
other pairs have Jaccard 0. No sampling, no hashing.

The hand-picked ids below were chosen by reading diffs of candidate pairs; the script
re-checks their Jaccard ranges, dates and isolation, and asserts that no two documents
of different families in the sample (other than two templated reports) reach
Jaccard 0.3.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = Path("/work/shared/data/reuters21578.jsonl.gz")
DEFAULT_OUT = ROOT / "tests" / "data" / "reuters_sample.jsonl"
DEFAULT_HEADLINES = ROOT / "tests" / "data" / "reuters_headlines.txt"
N_HEADLINES = 300

WORD_RE = re.compile(r"\w+")
SHINGLE = 5
SEED = 1987
N_DISTINCT = 200
N_EXACT = 15

# Corrected / re-headlined / trimmed re-issues of one story (read diff by diff).
REISSUE_PAIRS = [
    (889, 955),     # Japan unemployment: later version drops the last 3 paragraphs
    (505, 550),     # CORRECTED BankAmerica sale: headline reworded, a sentence fixed
    (1618, 1637),   # GM car sales: ticker dropped from headline, 2 paragraphs cut
    (2614, 2631),   # South Africa debt talks: a paragraph removed
    (264, 344),     # Qantas 747s: engine-maker sentence rewritten
    (175, 190),     # Brazil debt: headline singular, a sentence extended
    (893, 991),     # U.S./Japan farm imports: headline "TO" dropped
    (1680, 1883),   # GATT herring panel: re-headlined, "today" added
    (2971, 3028),   # Brazil seamen strike: re-headlined, "yesterday" -> "Saturday"
    (3854, 4030),   # Iraq / Iran: re-headlined
    (4422, 4441),   # farm credit loss: re-headlined, paragraph split
    (5177, 5286),   # Harper and Row: typos fixed
    (5180, 5278),   # Egypt / Soviet arms debt: wording fixed
    (13323, 13637), # Japan supplementary budget: paragraphs re-ordered and edited
    (13963, 14211), # Kuwait tankers: re-headlined
    (16607, 16649), # Kuwaiti daily on OPEC: quotes re-edited
    (17200, 17268), # Corrigan on the dollar: re-headlined, sentences split
]

# Short earnings tables sent again with a heading / label / note changed. Same company,
# same period, same figures (3676/4239/4292: original, CORRECTED and RPT of one table).
EARNINGS_RESEND_GROUPS = [
    (1135, 1317),   # American Vanguard: note reworded
    (1320, 1327),   # Harper International: headline + "Qtr ended" line
    (483, 783),     # S-K-I: "Rev" -> "Revs", "Six months" -> "Six mths"
    (5617, 5629),   # United Tote: "Shr profit nil" -> "Shr nil"
    (10897, 10946), # Cherokee Group: headline + split note reworded
    (3676, 4239, 4292),  # Insituform: original, CORRECTED note, RPT
    (12204, 12207), # Kaufman and Broad: avg shares line replaced by a backlog note
    (19657, 19723), # Hovnanian: re-headlined, "First quarter report" note
    (20583, 20672), # P and C Foods: headline split, "mths" -> "months"
    (16299, 16386), # Park Communications: headline ticker/period
    (14516, 14525), # Total System Services: revs as "9.7 mln" vs "9,729,000"
    (9896, 9970),   # Healthmate: revs as "268.8 mln" vs "268,797"
]

# Templated reports: same wording, different figures / dates / companies => different news.
TEMPLATE_GROUPS = {
    "fed_customer_repurchase": (522, 1125, 3164, 3735, 7207),
    "fed_system_repurchase": (5439, 15096, 17005),
    "fed_sets_system_repurchase": (14178, 19693),
    "usda_farmer_reserve_prices": (13799, 14486, 15952),
    "usda_canada_crop_estimates": (3334, 15870),
    "usda_orange_juice_yield": (3315, 15855),
    "usda_feeder_steer_price": (13697, 16236),
    "brazil_coffee_rainfall": (13834, 15540),
    "freddie_mac_discount_rates": (12010, 12912, 15579),
    "magma_copper_price": (12215, 14476),
    "asarco_lead_price": (15563, 16289),
    "portland_grain_ships": (14688, 15942),
    "treasury_bill_sale": (6263, 9023),
    "ec_sugar_import_levies": (12117, 14299),
    "hog_cattle_slaughter_guesstimates": (17990, 20196),
    "jobless_claims": (9834, 12507),
    # earnings tables of different companies with the same period and layout
    "earnings_q1_split_note": (15559, 15757),
    "earnings_q3_nine_mths": (20195, 20257),
    "earnings_q3_nine_mths_b": (20983, 21255),
    "earnings_year_loss_revs": (11565, 11689),
    "earnings_year_loss_development_stage": (9965, 11424),
}


def rid(n: int) -> str:
    return f"reuters-{n}"


def tokens(text: str) -> list[str]:
    return WORD_RE.findall(text.lower())


def body_paragraphs(text: str) -> list[str]:
    """Paragraphs after the title, without the closing "Reuter" sign-off."""
    paras = [p.strip() for p in text.split("\n\n") if p.strip()]
    body = paras[1:]
    if body and body[-1].lower() == "reuter":
        body = body[:-1]
    return body


def all_pairs(texts: list[str], min_jaccard: float) -> tuple[pd.DataFrame, np.ndarray]:
    """Every pair (i < j) with exact word-5-gram Jaccard >= ``min_jaccard``."""
    vocab: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    sizes = np.zeros(len(texts), dtype=np.int64)
    for i, text in enumerate(texts):
        w = tokens(text)
        s = {vocab.setdefault(" ".join(w[k:k + SHINGLE]), len(vocab))
             for k in range(len(w) - SHINGLE + 1)}
        sizes[i] = len(s)
        rows.extend([i] * len(s))
        cols.extend(s)
    x = sp.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)),
                      shape=(len(texts), len(vocab)))
    xt = x.T.tocsr()
    found = []
    for a in range(0, x.shape[0], 2000):
        p = (x[a:a + 2000] @ xt).tocoo()
        i, j, inter = p.row + a, p.col, p.data
        keep = i < j
        i, j, inter = i[keep], j[keep], inter[keep]
        jac = inter / (sizes[i] + sizes[j] - inter)
        keep = jac >= min_jaccard
        found.append(pd.DataFrame({"i": i[keep], "j": j[keep], "jaccard": jac[keep]}))
    return pd.concat(found, ignore_index=True), sizes


def jaccard(a: str, b: str) -> float:
    def sh(t):
        w = tokens(t)
        return {" ".join(w[k:k + SHINGLE]) for k in range(len(w) - SHINGLE + 1)}
    sa, sb = sh(a), sh(b)
    return len(sa & sb) / len(sa | sb) if sa or sb else 1.0


def word_jaccard(a: str, b: str) -> float:
    sa, sb = set(tokens(a)), set(tokens(b))
    return len(sa & sb) / len(sa | sb)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    ap.add_argument("-o", "--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--headlines", type=Path, default=DEFAULT_HEADLINES)
    args = ap.parse_args()

    df = pd.read_json(args.source, lines=True)
    df["n"] = df["id"].str.removeprefix("reuters-").astype(int)
    df["when"] = pd.to_datetime(df["date"].str.split(".").str[0].str.strip(),
                                format="%d-%b-%Y %H:%M:%S", errors="coerce")
    df["words"] = df["text"].map(lambda t: len(tokens(t)))
    df["paras"] = df["text"].map(lambda t: len(body_paragraphs(t)))
    # prose, not tables: the median body paragraph has >= 12 words
    df["prose"] = df["text"].map(
        lambda t: bool(body_paragraphs(t))
        and np.median([len(tokens(p)) for p in body_paragraphs(t)]) >= 12)
    pos = {n: k for k, n in enumerate(df["n"])}
    texts = df["text"].tolist()

    pairs, _ = all_pairs(texts, 0.2)
    neighbours: dict[int, set[int]] = {}
    for i, j in zip(pairs["i"], pairs["j"]):
        neighbours.setdefault(i, set()).add(j)
        neighbours.setdefault(j, set()).add(i)
    close = pairs[pairs["jaccard"] >= 0.3]
    close_nb: dict[int, set[int]] = {}
    for i, j in zip(close["i"], close["j"]):
        close_nb.setdefault(i, set()).add(j)
        close_nb.setdefault(j, set()).add(i)

    def hours_apart(idx: list[int]) -> float:
        w = df["when"].iloc[idx]
        return (w.max() - w.min()).total_seconds() / 3600

    def check_isolated(group: list[int], what: str) -> None:
        outside = set().union(*(close_nb.get(k, set()) for k in group)) - set(group)
        assert not outside, f"{what} {group}: other close articles {outside}"

    rows: list[dict] = []
    used: set[int] = set()

    def add(idx: int, kind: str, family: str, **extra) -> None:
        assert idx not in used, df["id"].iloc[idx]
        used.add(idx)
        r = df.iloc[idx]
        rows.append({"id": r["id"], "date": r["date"], "family": family, "kind": kind,
                     "text": r["text"], **extra})

    # --- re-issues
    for a, b in REISSUE_PAIRS:
        ia, ib = pos[a], pos[b]
        j = jaccard(texts[ia], texts[ib])
        assert 0.75 <= j < 0.99, (a, b, j)
        assert hours_apart([ia, ib]) <= 48, (a, b)
        check_isolated([ia, ib], "reissue")
        for k in (ia, ib):
            add(k, "reissue", rid(a))

    # --- earnings tables re-sent
    for group in EARNINGS_RESEND_GROUPS:
        idx = [pos[n] for n in group]
        assert hours_apart(idx) <= 48, group
        for k in idx:
            assert re.search(r"^Shr", texts[k], re.M) and re.search(r"^Net", texts[k], re.M)
        check_isolated(idx, "earnings_resend")
        for k in idx:
            add(k, "earnings_resend", rid(group[0]))

    # --- templated reports: different news
    for name, group in TEMPLATE_GROUPS.items():
        idx = [pos[n] for n in group]
        for x in range(len(idx)):
            for y in range(x + 1, len(idx)):
                assert texts[idx[x]] != texts[idx[y]], (name, group)
                assert jaccard(texts[idx[x]], texts[idx[y]]) < 0.9, (name, group)
        for k in idx:
            add(k, "template", df["id"].iloc[k], template=name)

    # --- exact re-transmissions
    groups = df.groupby("text")["n"].agg(list)
    cands = []
    for text, ns in groups.items():
        if len(ns) < 2:
            continue
        idx = [pos[n] for n in ns]
        if any(k in used for k in idx) or hours_apart(idx) > 48:
            continue
        words = len(tokens(text))
        outside = set().union(*(close_nb.get(k, set()) for k in idx)) - set(idx)
        if outside or not 60 <= words <= 450:
            continue
        cands.append((words, sorted(ns)))
    cands.sort()
    pick = np.linspace(0, len(cands) - 1, N_EXACT).round().astype(int)
    for p in pick:
        ns = cands[p][1]
        for n in ns:
            add(pos[n], "exact", rid(ns[0]))

    # --- ordinary distinct articles: no neighbour >= 0.2 anywhere in the corpus
    ok = [k for k in range(len(df))
          if k not in used and k not in neighbours
          and 120 <= df["words"].iloc[k] <= 350 and df["paras"].iloc[k] >= 3
          and df["prose"].iloc[k]]
    rng = np.random.default_rng(SEED)
    for k in sorted(rng.choice(ok, N_DISTINCT, replace=False)):
        add(int(k), "distinct", df["id"].iloc[k])

    sample = pd.DataFrame(rows)
    order = {"distinct": 0, "exact": 1, "reissue": 2, "earnings_resend": 3, "template": 4}
    sample["_o"] = sample["kind"].map(order)
    sample["_n"] = sample["id"].str.removeprefix("reuters-").astype(int)
    sample = sample.sort_values(["_o", "family", "_n"]).drop(columns=["_o", "_n"])
    sample = sample.reset_index(drop=True)

    # --- verify the whole sample by brute force and print the summary
    sp_pairs, _ = all_pairs(sample["text"].tolist(), 0.0)
    fam = sample["family"].to_numpy()
    tpl = sample.get("template").to_numpy()
    within: dict[str, list[float]] = {}
    tpl_cross: list[float] = []
    max_other = 0.0
    fi = dict(zip(range(len(sample)), fam))
    for i, j, jac in zip(sp_pairs["i"], sp_pairs["j"], sp_pairs["jaccard"]):
        if fi[i] == fi[j]:
            within.setdefault(sample["kind"].iloc[i], []).append(jac)
        elif isinstance(tpl[i], str) and isinstance(tpl[j], str):
            if tpl[i] != tpl[j]:
                tpl_cross.append(jac)
        else:
            max_other = max(max_other, jac)
            if jac >= 0.3:
                print("TOO CLOSE", sample["id"].iloc[i], sample["id"].iloc[j], jac)
    assert max_other < 0.3, max_other

    print(f"{len(sample)} documents, {sample['family'].nunique()} families")
    summary = sample.groupby("kind", sort=False).agg(
        documents=("id", "size"), families=("family", "nunique"),
        median_words=("text", lambda s: int(np.median([len(tokens(t)) for t in s]))))
    print(summary.to_string())
    for kind, js in within.items():
        print(f"within-family word-5-gram Jaccard, {kind}: {min(js):.3f} - {max(js):.3f} "
              f"({len(js)} pairs)")
    print("templated reports (different news), per template: docs, word-5-gram Jaccard range, "
          "word-set Jaccard range")
    for name in TEMPLATE_GROUPS:
        sub = sample[sample["template"] == name]["text"].tolist()
        js = [jaccard(a, b) for x, a in enumerate(sub) for b in sub[x + 1:]]
        ws = [word_jaccard(a, b) for x, a in enumerate(sub) for b in sub[x + 1:]]
        print(f"  {name:36s} {len(sub):2d}  {min(js):.3f} - {max(js):.3f}  "
              f"{min(ws):.3f} - {max(ws):.3f}")
    print(f"max word-5-gram Jaccard between two templated reports of different templates: "
          f"{max([0.0] + tpl_cross):.3f}")
    print(f"max word-5-gram Jaccard between different families (not both templated): "
          f"{max_other:.3f}")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        for rec in sample.to_dict("records"):
            rec = {k: v for k, v in rec.items() if isinstance(v, str)}
            rec = {k: rec[k] for k in ("id", "family", "kind", "template", "date", "text") if k in rec}
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")
    chosen = headlines(df, set(sample["id"]))
    args.headlines.write_text("\n".join(chosen) + "\n", encoding="utf-8")
    print(f"wrote {len(chosen)} headlines to {args.headlines}")


def headlines(df: pd.DataFrame, sample_ids: set[str]) -> list[str]:
    """:data:`N_HEADLINES` distinct real headlines (a story's first line) of 5 to 9 words,
    of stories not in the sample whose headline is no other story's, drawn with
    :data:`SEED`: the lists of a heavy site page (``corpus.site_chrome_heavy``), which
    then share no line with the sample's articles."""
    first = df["text"].map(lambda t: t.strip().split("\n", 1)[0].strip())
    once = ~first.str.lower().duplicated(keep=False)
    ok = once & first.str.split().str.len().between(5, 9) & first.str.contains("[A-Za-z]{3}")
    pool = sorted(first[ok & ~df["id"].isin(sample_ids)])
    rng = np.random.default_rng(SEED)
    return [pool[i] for i in sorted(rng.choice(len(pool), size=N_HEADLINES, replace=False).tolist())]


if __name__ == "__main__":
    main()
