"""The persistent index, on real text: Reuters-21578 articles, the seed articles, and
synthetic articles drawn from the Reuters vocabulary (``benchmarks/generate.py``).

The scenario test is the issue's: day 1 ingests 500 articles; day 2 is a scrape of 500
in which 150 are copies of day-1 articles (exact, edited, re-wrapped in other site
chrome, truncated); exactly those are reported, each with its original's id; day 3
repeats day 2 and is all duplicates. The crash test kills ``dedup index add`` with
SIGKILL in the middle of its transaction.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import warnings
from pathlib import Path

import datasketch
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import dedup
from benchmarks.corpus import (SITE_CHROMES, aggregator_teaser, article_vocab, labelled_corpus, load_sample,
                               perturb_typographic, perturb_words, site_chrome_heavy, truncate, wrap_chrome)
from benchmarks.generate import generate_articles
from dedup.cli import cli
from dedup.errors import DedupWarning
from dedup.index import SCHEMA_VERSION, decode_tokens, decode_varints, encode_varints
from dedup.io import documents_from_texts, read_documents
from dedup.scan import MAX_SEED

REPO = Path(__file__).resolve().parents[1]
NEWS = REPO / "examples" / "news"
SAMPLE = load_sample()
VOCAB = article_vocab(SAMPLE["text"].tolist())
DISTINCT = SAMPLE[SAMPLE["kind"] == "distinct"][["id", "text"]].reset_index(drop=True)


def generated(n: int, seed: int, prefix: str) -> pd.DataFrame:
    df = pd.DataFrame(list(generate_articles(n, seed=seed, dup_rate=0)))
    df["id"] = prefix + df["id"]
    return df


def runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)
    except TypeError:
        return CliRunner()


def ok(*args):
    result = runner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, (result.output, result.stderr, result.exception)
    return result


# ---------------------------------------------------------------------------
# the scenario of the issue
# ---------------------------------------------------------------------------

KINDS = ("exact", "edited", "chrome", "truncated", "republished")


def copy_of(text: str, kind: str, k: int, rng: np.random.Generator) -> str:
    if kind == "exact":
        return text
    if kind == "edited":  # 1 % of the words substituted, deleted or inserted
        return perturb_words(text, 0.01, rng, VOCAB)
    if kind == "chrome":  # the article inside another site's header and footer
        return wrap_chrome(text, SITE_CHROMES[k % len(SITE_CHROMES)], rng)
    if kind == "truncated":  # a teaser: the first half of the words
        return truncate(text, 0.5)
    # re-published elsewhere: edited, in the site's typography and chrome
    return wrap_chrome(perturb_typographic(perturb_words(text, 0.01, rng, VOCAB), rng),
                       SITE_CHROMES[k % len(SITE_CHROMES)], rng)


@pytest.fixture(scope="module")
def days():
    """Day 1: 200 real Reuters stories + 300 generated; day 2: 150 copies of day-1
    articles (half real, half generated; 30 of each kind) + 350 new articles (the first
    article of every real multi-article Reuters family and every templated report, and
    generated ones); day 3: day 2 again, under new ids."""
    day1 = pd.concat([DISTINCT, generated(300, 11, "day1-")], ignore_index=True)
    rng = np.random.default_rng(5)
    real = day1.iloc[:200].sample(75, random_state=1)
    synth = day1.iloc[200:].sample(75, random_state=2)
    copies = []
    for k, (_, row) in enumerate(pd.concat([real, synth]).iterrows()):
        kind = KINDS[k % len(KINDS)]
        copies.append({"id": f"day2-copy{k:03d}-{kind}", "text": copy_of(row["text"], kind, k, rng),
                       "source": row["id"]})
    others = SAMPLE[SAMPLE["kind"] != "distinct"].drop_duplicates("family")[["id", "text"]]
    new = pd.concat([others, generated(350 - len(others), 12, "day2-")], ignore_index=True)
    day2 = pd.concat([pd.DataFrame(copies), new], ignore_index=True).sample(frac=1, random_state=3)
    day2 = day2.reset_index(drop=True)
    assert len(day1) == 500 and len(day2) == 500 and day2["source"].notna().sum() == 150
    day3 = day2.assign(id="day3-" + day2["id"])
    return day1, day2, day3


def test_scenario_day_two_reports_exactly_the_copies_with_their_original_ids(tmp_path, days):
    day1, day2, day3 = days
    db = tmp_path / "news.db"
    with dedup.Index(db) as idx:
        assert idx.add(day1, id="id") == 500
        assert len(idx) == 500
    with dedup.Index(db, readonly=True) as idx:
        fresh = idx.query(day2, id="id")
    docs = fresh.documents
    found = dict(zip(docs.loc[docs["is_duplicate"], "doc"], docs.loc[docs["is_duplicate"], "duplicate_of"]))
    truth = dict(zip(day2.loc[day2["source"].notna(), "id"], day2.loc[day2["source"].notna(), "source"]))
    assert found == truth
    # each copy duplicates its original only, and the similarities are what the kind implies
    assert fresh.matches.groupby("doc").size().max() == 1
    m = fresh.matches.set_index("doc")
    kind = m.index.str.extract(r"-(\w+)$", expand=False).to_numpy()
    assert (m["similarity"][kind == "exact"] == 1.0).all() and m["exact"][kind == "exact"].all()
    assert (m["similarity"][kind == "chrome"] == 1.0).all()  # the chrome is boilerplate of the batch
    assert (m["containment"][kind == "truncated"] >= 0.95).all()
    assert (m["similarity"][kind == "truncated"] < 0.6).all()  # found by containment, not Jaccard
    assert (m["similarity"][np.isin(kind, ["edited", "republished"])] >= 0.85).all()
    assert not m["exact"][kind != "exact"].any()

    # ingest the new articles of day 2; day 3 repeats day 2: all duplicates
    with dedup.Index(db) as idx:
        idx.add(day2[~fresh.is_duplicate.to_numpy()], id="id")
        assert len(idx) == 850
        again = idx.query(day3, id="id")
    assert again.is_duplicate.all()
    expected = np.where(day2["source"].notna(), day2["source"], day2["id"])
    assert again.documents["duplicate_of"].tolist() == expected.tolist()


def test_scenario_through_the_command_line(tmp_path, days):
    day1, day2, _ = days
    day1.to_json(tmp_path / "day1.jsonl", orient="records", lines=True)
    day2[["id", "text"]].to_json(tmp_path / "day2.jsonl", orient="records", lines=True)
    db = tmp_path / "news.db"
    assert ok("index", "add", db, tmp_path / "day1.jsonl").output == f"added 500 documents to {db} (500 indexed)\n"
    out = ok("index", "query", db, tmp_path / "day2.jsonl", "--format", "json").output
    report = json.loads(out)
    assert report["summary"]["duplicates"] == 150 and report["summary"]["indexed"] == 500
    found = {d["doc"]: [o["doc"] for o in d["of"]] for d in report["duplicates"]}
    truth = day2[day2["source"].notna()]
    assert found == {i: [s] for i, s in zip(truth["id"], truth["source"])}
    table = ok("index", "query", db, tmp_path / "day2.jsonl").output
    assert table.startswith("500 documents against 500 indexed: 150 duplicates")
    row = truth.iloc[0]
    assert f"  {row['id']} <- {row['source']}: " in table
    csv = pd.read_csv(pd.io.common.StringIO(ok("index", "query", db, tmp_path / "day2.jsonl",
                                               "--format", "csv").output))
    assert csv["is_duplicate"].sum() == 150
    lines = [json.loads(x) for x in ok("index", "query", db, tmp_path / "day2.jsonl", "--format", "jsonl")
             .output.splitlines()]
    assert lines[0]["type"] == "summary" and sum(x["type"] == "duplicate" for x in lines) == 150


# ---------------------------------------------------------------------------
# what a query reports
# ---------------------------------------------------------------------------


def test_similarities_are_exact_and_agree_with_scan():
    corpus = labelled_corpus(seed=3)
    copies = corpus[corpus["kind"].isin(["exact", "typographic", "edit_1pct", "edit_3pct", "truncated_70",
                                         "truncated_35"])].sort_values("id").groupby("kind").head(5)
    text = corpus.set_index("id")["text"]
    checked = 0
    # one document a batch: no boilerplate on either side, as in a scan of the pair alone
    for copy_id, source in zip(copies["id"], copies["source"]):
        with dedup.Index(":memory:") as idx:
            idx.add([text[source]], ids=[source])
            fresh = idx.query([text[copy_id]], ids=[copy_id]).documents.iloc[0]
        report = dedup.scan([text[source], text[copy_id]])
        if report.clusters.empty:  # the scan does not call them duplicates: neither does the index
            assert not fresh["is_duplicate"], copy_id
            continue
        assert fresh["duplicate_of"] == source
        if len(report.boilerplate):  # the scanner's groups split the pair (see story_boilerplate)
            continue
        member = report.clusters.iloc[0]
        assert fresh["similarity"] == member["similarity"], copy_id
        assert fresh["containment"] == member["containment"], copy_id
        checked += 1
    assert checked >= 0.9 * len(copies)


def test_a_story_on_another_sites_page_matches_its_indexed_page_as_in_a_scan():
    # pages of sites seen once: their chrome is nobody's boilerplate, so the two pages
    # share part of each; verified on the span they share, as scan does
    corpus = labelled_corpus(seed=3)
    copies = corpus[corpus["kind"] == "two_sites"].sort_values("id")
    text = corpus.set_index("id")["text"]
    with dedup.Index(":memory:") as idx:
        idx.add([text[s] for s in copies["source"]], ids=copies["source"].tolist())
        fresh = idx.query(copies, id="id").documents.set_index("doc")
    assert fresh.loc[copies["id"], "duplicate_of"].tolist() == copies["source"].tolist()
    # and with heavy chrome (four lists of real headlines) around a story, which shares
    # two lines with the other site's chrome
    stories = SAMPLE.set_index("id")["text"][["reuters-10113", "reuters-10221", "reuters-10318", "reuters-11372"]]
    with dedup.Index(":memory:") as idx:
        idx.add([site_chrome_heavy(t, 1) for t in stories], ids=stories.index.tolist())
        fresh = idx.query([site_chrome_heavy(t, 2) for t in stories], ids=[f"{k}~wire" for k in stories.index])
    docs = fresh.documents
    assert docs["duplicate_of"].tolist() == stories.index.tolist()
    assert docs["similarity"].tolist() == [1.0] * len(stories)  # the spans': the same story
    assert fresh.overlaps.empty


def test_an_aggregators_teaser_of_an_indexed_story_is_a_duplicate():
    # one teaser a query: in a batch of teasers, the aggregator's lines are boilerplate
    stories = SAMPLE.set_index("id")["text"][["reuters-10113", "reuters-10452", "reuters-11372"]]
    with dedup.Index(":memory:") as idx:
        idx.add(list(stories), ids=stories.index.tolist())
        for doc_id, text in stories.items():
            for seed in range(2):
                fresh = idx.query([aggregator_teaser(text, seed)], ids=["teaser"]).documents
                assert fresh["duplicate_of"].tolist() == [doc_id], (doc_id, seed)


def test_an_update_or_a_quote_of_an_indexed_story_is_not_a_duplicate():
    # a story's update with a new lead and ending, and a story quoting three paragraphs
    # of another between its own: the shared span has prose around it, not chrome
    story = SAMPLE.set_index("id")["text"]
    base, other, third = ([p for p in story[i].split("\n\n") if p.strip()]
                          for i in ("reuters-10221", "reuters-10804", "reuters-11453"))
    middle = base[2:5]
    with dedup.Index(":memory:") as idx:
        idx.add(["\n\n".join(base[:2] + middle + base[5:6])], ids=["story"])
        fresh = idx.query(["\n\n".join([base[0] + " - UPDATE", other[1]] + middle + [third[1]]),
                           "\n\n".join(other[:2] + middle + other[2:3])], ids=["update", "quoting"])
    assert not fresh.is_duplicate.any()
    assert sorted(fresh.overlaps["doc"]) == ["quoting", "update"]


def test_templated_reports_with_other_figures_are_not_duplicates():
    # real Reuters templates: same wording, other figures or dates: different news
    template = SAMPLE[SAMPLE["kind"] == "template"]
    first = template.drop_duplicates("template")
    rest = template.drop(first.index)
    with dedup.Index(":memory:") as idx:
        idx.add(first, id="id")
        fresh = idx.query(rest, id="id")
    scan_pairs = dedup.scan(template, id="id").clusters
    assert fresh.is_duplicate.sum() <= len(scan_pairs)  # never more than scan itself finds
    assert fresh.is_duplicate.mean() < 0.1


def test_query_reports_repeats_and_overlap_with_indexed_documents():
    seeds = read_documents([NEWS])
    story = DISTINCT["text"][0]
    paragraphs = [p for p in story.split("\n") if len(p.split()) >= 8]
    other = DISTINCT["text"][1]
    # a new article quoting two paragraphs of an indexed one, inside its own text
    quoting = other + "\n\n" + paragraphs[0] + "\n\n" + paragraphs[1]
    with dedup.Index(":memory:") as idx:
        idx.add(DISTINCT.iloc[[0, 2, 3]], id="id")
        fresh = idx.query([seeds[0].text, quoting], ids=["000", "quoting"])
    docs = fresh.documents.set_index("doc")
    assert not docs["is_duplicate"].any()
    assert docs.loc["000", "repeats"] == 3
    assert list(zip(fresh.repeats["block"], fresh.repeats["repeat_of"])) == [(2, 1), (7, 5), (8, 6)]
    ov = fresh.overlaps.set_index("doc").loc["quoting"]
    assert ov["indexed"] == DISTINCT["id"][0]
    n_blocks = len([line for line in other.split("\n") if line.strip()])
    assert ov["blocks"] == [n_blocks, n_blocks + 1]
    shared = sum(len(dedup.text.words(p)) for p in paragraphs[:2])
    assert ov["indexed_coverage"] == pytest.approx(shared / len(dedup.text.words(story)), abs=0.05)
    assert 0 < ov["coverage"] < 0.7
    assert "quoting ~ " in fresh.to_table()


def test_an_index_from_before_html_references_were_decoded_says_so(tmp_path):
    import warnings

    from dedup.errors import DedupWarning

    db = tmp_path / "news.db"
    with warnings.catch_warnings():
        warnings.simplefilter("error", DedupWarning)  # a new index says nothing
        with dedup.Index(str(db)) as idx:
            idx.add(read_documents([NEWS]))
        with dedup.Index(str(db), readonly=True) as idx:
            assert idx.normalization == dedup.text.NORMALIZATION
    # an index written before: its meta has no normalisation (its words read '&rsquo;' as "rsquo")
    with sqlite3.connect(db) as con:
        con.execute("DELETE FROM meta WHERE key = 'normalization'")
    with pytest.warns(DedupWarning, match="news.db: index built before HTML character references") as shown:
        with dedup.Index(str(db), readonly=True) as idx:
            assert idx.normalization == 1 and len(idx) == 5
    assert shown[0].filename == __file__  # at the user's line, not inside dedup
    result = runner().invoke(cli, ["index", "query", str(db), str(NEWS)])
    assert result.exit_code == 0 and "5 duplicates" in result.stdout
    warned = [line for line in result.stderr.splitlines() if line.startswith("dedup: warning: ")]
    assert len(warned) == 1 and warned[0].endswith("build a new index from the articles")
    with warnings.catch_warnings():  # PYTHONWARNINGS=error: one line and exit code 2, not a traceback
        warnings.simplefilter("error", DedupWarning)
        result = runner().invoke(cli, ["index", "query", str(db), str(NEWS)])
    assert result.exit_code == 2 and result.stderr.startswith("dedup: error: ") and "Traceback" not in result.stderr


def test_a_query_shows_a_compact_summary_in_a_notebook():
    import html
    import re

    seeds = read_documents([NEWS])
    story, other = DISTINCT["text"][0], DISTINCT["text"][1]
    quoting = other + "\n\n" + "\n\n".join([p for p in story.split("\n") if len(p.split()) >= 8][:2])
    with dedup.Index(":memory:") as idx:
        idx.add(DISTINCT.iloc[[0, 2, 3]], id="id")
        fresh = idx.query([DISTINCT["text"][2], seeds[0].text, quoting, story[: len(story) // 2]],
                          ids=["<copy> & co", "000", "quoting", "half"])
    markup = fresh._repr_html_()
    assert "<style" not in markup and "<script" not in markup
    cells = re.findall(r"<td style='[^']*'>([^<]*)</td>", markup)
    s = fresh.summary
    assert cells[:6] == [str(s[k]) for k in ("documents", "indexed", "duplicates", "repeats", "overlaps", "empty")]
    assert s["duplicates"] >= 1 and s["repeats"] == 3
    # the duplicates of indexed documents, escaped, in the order of .matches
    part = markup[markup.index("Duplicates of indexed documents"):markup.index("Repeats (first")]
    rows = re.findall(r"<tr><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td>", part)
    assert rows == [(html.escape(r.doc), html.escape(r.indexed)) for r in fresh.matches.itertuples()]
    assert "&lt;copy&gt; &amp; co" in part and "<copy>" not in markup
    assert "Repeats (first 3 of 3)" in markup and "000:" in markup
    assert s["overlaps"] >= 1 and f"Overlaps with indexed documents (first {min(5, s['overlaps'])}" in markup


def test_query_results_align_with_the_input_dataframe():
    df = DISTINCT.iloc[:20].copy()
    df.index = [f"row{i}" for i in range(20)]
    with dedup.Index(":memory:") as idx:
        idx.add(df.iloc[:10], id="id")
        new = pd.concat([df.iloc[5:15]])
        fresh = idx.query(new, id="id")
        kept = new[~fresh.is_duplicate]
    assert kept["id"].tolist() == df["id"].iloc[10:15].tolist()
    assert fresh.documents.index.tolist() == new.index.tolist()


def test_empty_documents_are_indexed_but_match_nothing():
    with dedup.Index(":memory:") as idx:
        idx.add(["", "   \n", DISTINCT["text"][0]], ids=["e1", "e2", "a"])
        fresh = idx.query(["", DISTINCT["text"][0]], ids=["new-empty", "copy"])
        assert len(idx) == 3
    assert fresh.documents["is_duplicate"].tolist() == [False, True]
    assert fresh.documents["is_empty"].tolist() == [True, False]
    assert fresh.summary["empty"] == 1


def test_learnt_boilerplate_is_left_out_of_later_single_document_queries():
    chrome = SITE_CHROMES[0]
    rng = np.random.default_rng(0)
    day1 = [wrap_chrome(t, chrome, rng) for t in DISTINCT["text"][:12]]
    other_site = SITE_CHROMES[2]
    with dedup.Index(":memory:") as idx:
        idx.add(day1, ids=[f"d{i}" for i in range(12)])
        learnt = set(idx.boilerplate["text"])
        assert {"Skip to main content", "Related Articles", "Sign in"} <= learnt
        assert not any(p in learnt for p in DISTINCT["text"][0].split("\n") if len(p.split()) > 8)
        # a day-2 scrape of one page of another site: its own chrome is not known
        page = wrap_chrome(DISTINCT["text"][0], other_site, rng)
        fresh = idx.query([page], ids=["page"]).documents.iloc[0]
        assert fresh["duplicate_of"] == "d0"
        # the stored article left its site's chrome out: the page is the article plus other chrome
        assert fresh["containment"] == 1.0
        # another page of the first site, alone in its batch: the learnt chrome is left out
        same_site = wrap_chrome(DISTINCT["text"][0], chrome, rng)
        fresh = idx.query([same_site], ids=["same"]).documents.iloc[0]
        assert (fresh["duplicate_of"], fresh["similarity"]) == ("d0", 1.0)


# ---------------------------------------------------------------------------
# storage
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 2, 3, 100, 5000])
def test_varints_round_trip_in_one_byte_below_128_and_two_below_16384(n):
    rng = np.random.default_rng(n)
    values = rng.integers(0, 2 ** rng.integers(1, 63, size=n), dtype=np.int64) if n else np.zeros(0, np.int64)
    values[:min(n, 3)] = [0, 2**63 - 1, 127][:min(n, 3)]
    code = encode_varints(values)
    assert np.array_equal(decode_varints(code), values)
    assert np.array_equal(decode_varints(code.tobytes()), values)
    assert len(encode_varints(np.arange(128))) == 128 and len(encode_varints(np.arange(128, 16384))) == 2 * 16256
    assert len(encode_varints(np.array([16384]))) == 3
    with pytest.raises(ValueError, match="non-negative"):
        encode_varints(np.array([-1]))
    if n:
        with pytest.raises(ValueError, match="cut short"):
            decode_varints(encode_varints(np.array([300]))[:1])


@pytest.mark.parametrize("chunk", [7, dedup.index.CHUNK_DOCS])
def test_stored_tokens_give_back_the_scanned_shingle_and_figure_sets(tmp_path, monkeypatch, chunk):
    """What an add stores of each document (its content words, as numbers into the index's
    vocabulary) decodes to the very shingle and figure sets the batch was compared on,
    for the seeds, real Reuters stories and an empty text, with boilerplate left out,
    coded and decoded in chunks of documents or all at once."""
    monkeypatch.setattr(dedup.index, "CHUNK_DOCS", chunk)
    docs = read_documents([NEWS]) + documents_from_texts(list(SAMPLE["text"][:150]) + ["", "one"],
                                                        [f"r{i}" for i in range(152)])
    with dedup.Index(tmp_path / "i.db") as idx:
        batch = dedup.index.analyse(docs, idx.params)
        with idx.transaction():
            blobs = idx._encode(batch)
        assert batch.boilerplate.any()  # the seeds' site chrome is left out of what is stored
        shingles, figures = idx._stored_sets(blobs)
        for got, want in ((shingles, batch.shingles), (figures, batch.figures)):
            assert np.array_equal(got.offsets, want.offsets) and np.array_equal(got.values, want.values)
        # about a byte and a half a word, and the counts add up
        dbo, wo, numbers = decode_tokens(blobs)
        assert len(numbers) == batch.words.sum() == wo[-1] and len(dbo) == len(docs) + 1
        assert sum(map(len, blobs)) < 2 * batch.words.sum()
        for bad in (blobs[0][:-1], blobs[0][:-3] + b"\x00", b""):
            with pytest.raises(ValueError):
                decode_tokens([bad])


def test_storage_is_sqlite_tables_of_plain_values_never_pickle(tmp_path, monkeypatch):
    db = tmp_path / "i.db"
    docs = read_documents([NEWS])
    with dedup.Index(db) as idx:
        idx.add(docs)
        sig = idx.signature(docs[1].id)
    # a read-only query (a pre-commit check) leaves no -wal and -shm files beside it, and
    # cannot write
    with dedup.Index(db, readonly=True) as idx:
        assert idx.query(docs[:2]).documents["is_duplicate"].all()
        with pytest.raises(dedup.DedupError, match="opened read-only"):
            idx.add(docs[:1])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["i.db"]
    # a file that may not be written (a read-only directory or medium, another user's
    # file) is read as it is: no -wal or -shm file could be made or removed there
    with monkeypatch.context() as m:
        m.setattr(dedup.index, "_writable", lambda path: False)
        with dedup.Index(db, readonly=True) as idx:
            assert idx.query(docs[:2]).documents["is_duplicate"].all() and len(idx) == len(docs)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["i.db"]
    con = sqlite3.connect(db)
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"meta", "docs", "vocabulary", "bands", "blocks", "boilerplate", "near"}
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    meta = dict(con.execute("SELECT key, value FROM meta"))
    params = json.loads(meta["params"])
    assert int(meta["schema_version"]) == SCHEMA_VERSION
    assert (params["ngram"], params["num_perm"], params["seed"], params["scheme"]) == (dedup.Params().ngram, 128, 1,
                                                                                       "fast")
    assert (int(meta["bands"]), int(meta["rows"])) == dedup.Params().bands
    for doc_id, words, tokens in con.execute("SELECT id, words, tokens FROM docs"):
        assert not tokens.startswith(b"\x80")  # no pickle protocol header
        _, _, numbers = decode_tokens([tokens])
        assert len(numbers) == words > 0
        assert numbers.max() < con.execute("SELECT SUM(LENGTH(hashes)) / 8 FROM vocabulary").fetchone()[0]
    # the vocabulary: one chunk of 64-bit word hashes (and a bit each: is it a figure) per add
    hashes = np.concatenate([np.frombuffer(h, "<i8") for h, in con.execute("SELECT hashes FROM vocabulary")])
    assert len(np.unique(hashes)) == len(hashes) > 100
    b, _ = dedup.Params().bands
    assert con.execute("SELECT COUNT(*) FROM bands").fetchone()[0] == 5 * b
    assert con.execute("SELECT COUNT(*) FROM blocks").fetchone()[0] > 40
    # the near table: NEAR_BANDS 32-bit keys of each long content paragraph, plain integers
    keys = con.execute("SELECT key, doc FROM near").fetchall()
    assert len(keys) > 40 and all(isinstance(k, int) and -2**31 <= k < 2**31 for k, _ in keys)
    con.close()
    # the stored signature is a datasketch LeanMinHash of the document's shingles
    report = dedup.scan(docs)
    assert isinstance(sig, datasketch.LeanMinHash)
    assert sig.jaccard(report.signatures[docs[1].id]) == 1.0  # 001 has no boilerplate


def test_opening_with_other_parameters_is_a_clear_error(tmp_path):
    db = tmp_path / "i.db"
    with dedup.Index(db, ngram=4, num_perm=64) as idx:
        idx.add([DISTINCT["text"][0]])
    for bad in ({"ngram": 5}, {"num_perm": 128}, {"seed": 2}, {"scheme": "datasketch"}):
        with pytest.raises(dedup.ParameterError, match="index was built with") as err:
            dedup.Index(db, **bad)
        assert str(db) in str(err.value)
    # a threshold with other LSH bands: the message speaks of the threshold, which the user gave
    b, r = dedup.Params(num_perm=64).bands
    result = runner().invoke(cli, ["index", "query", str(db), str(NEWS), "--threshold", "0.3"])
    assert result.exit_code == 2
    assert result.stderr == (f"dedup: error: {db}: index was built for threshold 0.78 (LSH bands={b}, rows={r}), and "
                             "a lower threshold, 0.3, needs other bands; use a threshold of at least the index's, or "
                             "build a new index\n")
    # a higher one is verified on the candidates of the index's bands (a review: it was refused)
    result = runner().invoke(cli, ["index", "query", str(db), str(NEWS), "--threshold", "0.9", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["params"]["threshold"] == 0.9
    news = tmp_path / "news.db"
    assert runner().invoke(cli, ["index", "add", str(news), str(NEWS), "--threshold", "0.5"]).exit_code == 0
    result = runner().invoke(cli, ["index", "query", str(news), str(NEWS), "--threshold", "0.9", "--format", "json"])
    assert json.loads(result.stdout)["summary"]["duplicates"] == len(list(NEWS.glob("*.txt")))
    with dedup.Index(db) as idx:  # no parameters: the stored ones
        assert (idx.params.ngram, idx.params.num_perm) == (4, 64)
    with dedup.Index(db, ngram=4, containment=0.5) as idx:  # query-time parameters may change
        assert idx.params.containment == 0.5
    with dedup.Index(db) as idx:
        assert idx.params.containment == dedup.Params().containment  # ... for that session only
    result = runner().invoke(cli, ["index", "query", str(db), str(NEWS), "--ngram", "3"])
    assert result.exit_code == 2
    assert f"{db}: index was built with ngram=4, not ngram=3" in result.stderr


def test_an_index_in_memory_makes_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with dedup.Index(":memory:") as idx:
        idx.add(read_documents([NEWS]))
        assert len(idx) == 5
    assert os.listdir(tmp_path) == []


def test_an_index_that_cannot_be_made_says_why_and_leaves_no_file(tmp_path):
    with pytest.raises(dedup.DedupError, match="cannot create the index: no such directory"):
        dedup.Index(tmp_path / "missing" / "news.db")
    with pytest.raises(dedup.ParameterError):
        dedup.Index(tmp_path / "news.db", ngram=0)  # a wrong parameter leaves no empty index behind
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_FSIZE and SIGXFSZ as on Linux")
def test_an_index_over_the_file_size_limit_is_one_line_and_leaves_no_file(tmp_path):
    limit = "import resource; resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192)); "
    db = tmp_path / "news.db"
    proc = subprocess.run([sys.executable, "-c", limit + "from dedup.cli import main; main()", "index", "add", str(db),
                           str(NEWS)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr == f"dedup: error: {db}: cannot create the index (disk I/O error)\n"
    assert os.listdir(tmp_path) == []


def test_an_index_built_with_other_bands_keeps_them_and_still_finds_its_copies(tmp_path, monkeypatch):
    # an index of the dedup before LSH was weighed for recall (datasketch's equal weights)
    db = tmp_path / "news.db"
    monkeypatch.setattr(sys.modules["dedup.scan"], "LSH_WEIGHTS", (0.5, 0.5))
    old_bands = dedup.Params().bands
    with dedup.Index(db) as idx:
        idx.add(list(SAMPLE["text"][:40]), ids=[f"a{i}" for i in range(40)])
    monkeypatch.undo()
    assert dedup.Params().bands != old_bands
    def band_rows() -> int:
        con = sqlite3.connect(db)
        try:
            return con.execute("SELECT COUNT(*) FROM bands").fetchone()[0]
        finally:
            con.close()

    b = old_bands[0]
    assert band_rows() == 40 * b
    with dedup.Index(db) as idx:
        assert idx.bands == old_bands
        report = idx.query(list(SAMPLE["text"][:3]) + list(SAMPLE["text"][40:42]))
        assert report.is_duplicate.tolist() == [True, True, True, False, False]
        idx.add(list(SAMPLE["text"][40:42]), ids=["b0", "b1"])  # keys cut as the others were
        assert band_rows() == 42 * b
        assert idx.remove(["b0"]) == 1  # and found again to be deleted
        assert band_rows() == 41 * b
    with dedup.Index(db, readonly=True) as idx:
        assert idx.bands == old_bands
        assert idx.query([SAMPLE["text"][41]]).is_duplicate.tolist() == [True]


def test_not_an_index_and_missing_index_are_one_line_errors(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_text("not sqlite\n")
    with pytest.raises(dedup.DedupError, match="not a dedup index"):
        dedup.Index(junk)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(dedup.DedupError, match="not a dedup index"):
        dedup.Index(other, readonly=True)
    with pytest.raises(dedup.DedupError, match="no such index"):
        dedup.Index(tmp_path / "missing.db", readonly=True)
    result = runner().invoke(cli, ["index", "query", str(tmp_path / "missing.db"), str(NEWS)])
    assert result.exit_code == 2 and result.stderr == f"dedup: error: {tmp_path / 'missing.db'}: no such index\n"
    other_version = tmp_path / "other-version.db"
    dedup.Index(other_version).close()
    # a newer dedup's index, and one of version 1 (shingle hashes, from which no words can be had)
    for version, message in (("99", "schema version 99 is not supported"),
                             ("1", "version 1 is not supported .* build a new index from the articles")):
        with sqlite3.connect(other_version) as con:
            con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (version,))
        con.close()
        with pytest.raises(dedup.ParameterError, match=message):
            dedup.Index(other_version)


def test_query_opens_read_only_and_writes_nothing(tmp_path):
    db = tmp_path / "i.db"
    with dedup.Index(db) as idx:
        idx.add(DISTINCT.iloc[:30], id="id")
    before = db.read_bytes()
    with dedup.Index(db, readonly=True) as idx:
        idx.query(DISTINCT.iloc[20:40], id="id")
        with pytest.raises(dedup.DedupError, match="read-only"):
            idx.add(["x"])
        with pytest.raises(dedup.DedupError, match="read-only"):
            idx.remove(["x"])
    ok("index", "query", db, REPO / "tests" / "data" / "reuters_sample.jsonl")
    assert db.read_bytes() == before


def test_a_second_file_without_ids_is_told_to_give_them(tmp_path):
    for day in (1, 2):
        (tmp_path / f"day{day}.jsonl").write_text(
            "".join(json.dumps({"text": t}) + "\n" for t in DISTINCT["text"].iloc[10 * day:10 * day + 3]))
    db = tmp_path / "news.db"
    result = runner().invoke(cli, ["index", "add", str(db), str(tmp_path / "day1.jsonl")])
    assert result.exit_code == 0, result.stderr
    result = runner().invoke(cli, ["index", "add", str(db), str(tmp_path / "day2.jsonl")])
    assert result.exit_code == 2
    assert result.stderr == (f"dedup: error: {tmp_path / 'day2.jsonl'}:1: id '0' is already in the index {db}; "
                             "records without an id are numbered from 0 in each file: give them ids (--id-field)\n")


def test_add_is_all_or_nothing_when_an_id_is_taken(tmp_path):
    with dedup.Index(tmp_path / "i.db") as idx:
        idx.add(DISTINCT.iloc[:10], id="id")
        with pytest.raises(dedup.InputError, match="is already in the index"):
            idx.add(DISTINCT.iloc[5:15], id="id")
        assert len(idx) == 10
        # the error names the batch's first record whose id is taken (a review: a later one)
        batch = pd.concat([DISTINCT.iloc[20:22], DISTINCT.iloc[[7, 3]]])
        with pytest.raises(dedup.InputError) as caught:
            idx.add(batch, id="id")
        assert caught.value.line == 3 and f"id {DISTINCT['id'].iloc[7]!r}" in str(caught.value)
        assert idx.ids() == DISTINCT["id"].iloc[:10].tolist()
        # an id taken by another text says so (a data engineer's review)
        other = pd.DataFrame({"id": [DISTINCT["id"].iloc[2]], "text": [DISTINCT["text"].iloc[30]]})
        with pytest.raises(dedup.InputError, match="is already in the index .* with another text"):
            idx.add(other, id="id")


def test_remove_takes_documents_out_of_every_table(tmp_path):
    db = tmp_path / "i.db"
    with dedup.Index(db) as idx:
        idx.add(DISTINCT.iloc[:40], id="id")
        gone = DISTINCT["id"].iloc[:20].tolist()
        assert idx.remove(gone + ["no-such-id"]) == 20
        assert len(idx) == 20 and gone[0] not in idx and DISTINCT["id"][25] in idx
        fresh = idx.query(DISTINCT.iloc[:40], id="id")
        assert fresh.is_duplicate.tolist() == [False] * 20 + [True] * 20
        idx.add(DISTINCT.iloc[:20], id="id")  # and back
        assert idx.query(DISTINCT.iloc[:40], id="id").is_duplicate.all()
        idx.remove(DISTINCT["id"].tolist()[:40])
        assert len(idx) == 0
    con = sqlite3.connect(db)
    assert [con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("docs", "bands", "blocks")] == [0, 0, 0]


def test_a_transaction_groups_query_and_add(tmp_path):
    with dedup.Index(tmp_path / "i.db") as idx:
        idx.add(DISTINCT.iloc[:10], id="id")
        with pytest.raises(RuntimeError):
            with idx.transaction():
                fresh = idx.query(DISTINCT.iloc[5:15], id="id")
                idx.add(DISTINCT.iloc[5:15][~fresh.is_duplicate], id="id")
                assert len(idx) == 15
                raise RuntimeError("the caller failed before committing")
        assert len(idx) == 10
        with idx.transaction():
            fresh = idx.query(DISTINCT.iloc[5:15], id="id")
            idx.add(DISTINCT.iloc[5:15][~fresh.is_duplicate], id="id")
        assert len(idx) == 15


def test_words_of_a_rolled_back_add_leave_no_gap_in_the_vocabulary(tmp_path):
    """The index numbers words as it first meets them. An add rolled back after its words
    were read back (a query in the same transaction) must not leave them numbered, or
    the next add's words would be numbered past a gap."""
    with dedup.Index(tmp_path / "i.db") as idx:
        idx.add(DISTINCT.iloc[:10], id="id")
        with pytest.raises(RuntimeError):
            with idx.transaction():
                idx.add(DISTINCT.iloc[10:20], id="id")
                assert idx.query(DISTINCT.iloc[10:20], id="id").is_duplicate.all()
                raise RuntimeError("the caller failed before committing")
        idx.add(DISTINCT.iloc[20:30], id="id")
        found = idx.query(DISTINCT.iloc[:30], id="id").documents
        assert found["is_duplicate"].tolist() == [True] * 10 + [False] * 10 + [True] * 10
        assert found["duplicate_of"].iloc[20:].tolist() == DISTINCT["id"].iloc[20:30].tolist()
    con = sqlite3.connect(tmp_path / "i.db")
    chunks = con.execute("SELECT first, LENGTH(hashes) / 8 FROM vocabulary ORDER BY first").fetchall()
    assert len(chunks) == 2 and chunks[1][0] == chunks[0][1]


def test_a_full_disk_in_a_transaction_is_its_own_error_and_leaves_no_stale_word(tmp_path):
    """SQLite rolls a transaction back by itself when the disk is full. The error says so
    (not "cannot rollback"), and the words the transaction had read back are forgotten:
    another writer's new words, numbered from the same point, must then be read as theirs."""
    texts = SAMPLE["text"].tolist()
    db = tmp_path / "i.db"
    with dedup.Index(db) as idx:
        idx.add(texts[:20], ids=[f"a{i}" for i in range(20)])
        pages = idx._db.execute("PRAGMA page_count").fetchone()[0]
        idx._db.execute(f"PRAGMA max_page_count = {pages + 3}")
        with pytest.raises(sqlite3.OperationalError, match="full"):
            with idx.transaction():
                idx.add(texts[20:22], ids=["b0", "b1"])
                assert idx.query(texts[20:21]).documents["is_duplicate"].all()  # reads its own new words
                idx.add(texts[22:200], ids=[f"c{i}" for i in range(178)])
        idx._db.execute("PRAGMA max_page_count = 1073741823")
        with dedup.Index(db) as other:
            other.add(texts[200:201], ids=["w0"])
        assert idx.query(texts[200:201]).documents["duplicate_of"].tolist() == ["w0"]
        mine = idx.signature("w0").hashvalues
    with dedup.Index(db, readonly=True) as fresh:
        assert np.array_equal(fresh.signature("w0").hashvalues, mine)


def test_a_damaged_index_is_a_clear_error(tmp_path):
    db = tmp_path / "i.db"
    with dedup.Index(db) as idx:
        idx.add(DISTINCT.iloc[:10], id="id")
        idx.add(DISTINCT.iloc[10:20], id="id")
    damage = ["UPDATE docs SET tokens = X'05' WHERE doc = 1",  # five blocks, and nothing else
              "UPDATE docs SET tokens = 'text' WHERE doc = 1",
              "DELETE FROM vocabulary WHERE first = 0",  # the first add's words
              "DELETE FROM vocabulary WHERE first > 0"]  # the last add's
    for i, statement in enumerate(damage):
        copy = tmp_path / f"damaged-{i}.db"
        shutil.copy(db, copy)
        with sqlite3.connect(copy) as con:
            con.execute(statement)
        con.close()
        with dedup.Index(copy) as idx:
            for use in (lambda: idx.query(DISTINCT.iloc[:1], id="id"), lambda: idx.signature(DISTINCT["id"][0]),
                        lambda: idx.add(DISTINCT.iloc[20:21], id="id") if i >= 2 else idx.remove(DISTINCT["id"][:1])):
                with pytest.raises(dedup.DedupError, match="the index is damaged"):
                    use()


# ---------------------------------------------------------------------------
# crash safety
# ---------------------------------------------------------------------------


def _dedup_command() -> list[str]:
    return [sys.executable, "-c", "from dedup.cli import main; main()"]


def test_kill_9_during_index_add_leaves_all_or_none_of_the_batch(tmp_path):
    db = tmp_path / "news.db"
    with dedup.Index(db) as idx:
        idx.add(DISTINCT, id="id")
    big = tmp_path / "big.jsonl"
    with open(big, "w", encoding="utf-8") as f:
        for doc in generate_articles(3000, seed=7, dup_rate=0):
            f.write(json.dumps(doc) + "\n")
    wal = Path(str(db) + "-wal")
    outcomes = []
    for attempt in range(3):
        before = len(dedup.Index(db, readonly=True))
        proc = subprocess.Popen(_dedup_command() + ["index", "add", str(db), str(big)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # kill once the transaction has started writing pages (the WAL grows), a bit later each time
        deadline = time.monotonic() + 120
        start_size = wal.stat().st_size if wal.exists() else 0
        while time.monotonic() < deadline and proc.poll() is None:
            if wal.exists() and wal.stat().st_size > start_size + (1 + attempt) * 1_500_000:
                break
            time.sleep(0.002)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        with dedup.Index(db) as idx:  # opens, recovers, answers
            after = len(idx)
            assert after in (before, before + 3000), (before, after)
            assert idx._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert idx.query(DISTINCT.iloc[:5], id="id").is_duplicate.all()
        outcomes.append((proc.returncode, after - before))
        if after > before:  # committed before the kill: start again on a fresh batch of ids
            with dedup.Index(db) as idx:
                idx.remove([f"gen-{i:08d}" for i in range(3000)])
    assert any(code == -signal.SIGKILL and added == 0 for code, added in outcomes), outcomes


def test_a_read_snapshot_keeps_writers_out_of_nothing(tmp_path):
    db = tmp_path / "i.db"
    with dedup.Index(db) as reader, dedup.Index(db) as writer:
        writer.add(DISTINCT.iloc[:10], id="id")
        with reader.transaction(write=False):
            assert reader.query(DISTINCT.iloc[10:12], id="id").is_duplicate.tolist() == [False, False]
            writer.add(DISTINCT.iloc[10:12], id="id")  # not blocked by the reader
            assert len(reader) == 10  # the reader's snapshot
        assert len(reader) == 12
        assert reader.query(DISTINCT.iloc[10:12], id="id").is_duplicate.all()


def test_empty_batches():
    with dedup.Index(":memory:") as idx:
        assert idx.add([]) == 0
        idx.add(DISTINCT.iloc[:3], id="id")
        fresh = idx.query([])
    assert len(fresh) == 0 and fresh.summary["documents"] == 0 and fresh.to_json()


def test_a_closed_index_says_so(tmp_path):
    with dedup.Index(tmp_path / "news.db") as idx:
        idx.add(dedup.read_documents([NEWS]))
        assert repr(idx) == f"<Index {str(tmp_path / 'news.db')!r}: 5 documents>"
    assert repr(idx) == f"<Index {str(tmp_path / 'news.db')!r}: closed>"  # what a notebook cell shows
    for use in (len, lambda i: i.ids(), lambda i: "000_2ea5d5c95082bfe6.txt" in i, lambda i: i.signature("x"),
                lambda i: i.boilerplate, lambda i: i.query(dedup.read_documents([NEWS]))):
        with pytest.raises(dedup.DedupError, match="the index is closed"):
            use(idx)


def test_the_largest_seed_gives_signatures_that_pickle(tmp_path):
    # datasketch's LeanMinHash packs its seed as a signed 64-bit integer
    with dedup.Index(tmp_path / "i.db", seed=MAX_SEED["fast"], num_perm=64) as idx:
        docs = read_documents([NEWS])
        idx.add(docs)
        sig = idx.signature(docs[0].id)
    assert pickle.loads(pickle.dumps(sig)).jaccard(sig) == 1.0



def test_an_index_lists_no_template_line_as_boilerplate():
    # a review's case: the index learnt the template's lines ("Year") as boilerplate
    tables = [d.text for d in dedup.read_documents([REPO / "tests" / "data" / "reuters_tables.jsonl"])]
    assert sum("\nYear\n" in t for t in tables) >= 3
    with dedup.Index(":memory:") as idx:
        idx.add(tables)
        learnt = set(idx.boilerplate["text"])
    assert "Reuter" in learnt and "Year" not in learnt


def test_a_querys_matches_say_which_rule_made_each_a_duplicate():
    # as a scan's cluster members do: a re-post by similarity, a teaser by containment,
    # a story in another site's heavy chrome by its span
    from benchmarks.corpus import site_chrome_heavy

    news = {p.name[:3]: p.read_text(encoding="utf-8") for p in sorted(NEWS.glob("*.txt"))}
    day2 = {p.name: p.read_text(encoding="utf-8") for p in sorted((REPO / "examples" / "day2").glob("*.txt"))}
    story = next(d.text for d in dedup.read_documents([REPO / "tests" / "data" / "reuters_sample.jsonl"])
                 if d.id == "reuters-11385")
    with dedup.Index(":memory:") as idx:
        idx.add(list(news.values()) + [site_chrome_heavy(story, 1)], ids=[*news, "ledger"])
        query = idx.query([day2["repost.txt"], day2["teaser.txt"], site_chrome_heavy(story, 2)],
                          ids=["repost", "teaser", "wire"])
    rules = dict(zip(query.matches["doc"], query.matches["rule"]))
    assert rules == {"repost": "similarity", "teaser": "containment", "wire": "span"}
    assert [m["rule"] for d in query.to_dict()["duplicates"] for m in d["of"]] == [rules[d] for d in
                                                                                 ("repost", "teaser", "wire")]


# ---------------------------------------------------------------------------
# paragraphs written again: the third source of candidates, as in scan
# ---------------------------------------------------------------------------

RESENDS_FILE = REPO / "tests" / "data" / "reuters_resends.jsonl"
RESENDS = pd.read_json(RESENDS_FILE, lines=True, dtype=False)
FIRSTS, CORRECTED = RESENDS[RESENDS.id.isin(["reuters-1081", "reuters-1230"])], \
    RESENDS[RESENDS.id.isin(["reuters-1202", "reuters-1255"])]


def test_a_corrected_resend_is_found_as_scan_finds_it(tmp_path):
    # a data engineer's review: scan clusters each story with its re-send, every
    # paragraph of which is edited; the index found neither (no band, no paragraph shared)
    report = dedup.scan(RESENDS, text="text", id="id")
    scanned = dict(zip(report.documents["doc"], report.documents["representative"]))
    assert scanned["reuters-1202"] == "reuters-1081" and scanned["reuters-1255"] == "reuters-1230"
    with dedup.Index(tmp_path / "news.db") as idx:
        idx.add(FIRSTS, text="text", id="id")
        found = idx.query(CORRECTED, text="text", id="id").documents
    assert dict(zip(found["doc"], found["duplicate_of"])) == {"reuters-1202": "reuters-1081",
                                                              "reuters-1255": "reuters-1230"}


def test_cleaning_a_day_of_resends_into_the_index_twice_keeps_nothing_the_second_time(tmp_path):
    src = tmp_path / "day.jsonl"
    shutil.copy(RESENDS_FILE, src)
    db = tmp_path / "news.db"
    ok("clean", src, "-o", tmp_path / "a.jsonl", "--index", db)
    assert len((tmp_path / "a.jsonl").read_text().splitlines()) == 2
    second = ok("clean", src, "-o", tmp_path / "b.jsonl", "--index", db)
    assert (tmp_path / "b.jsonl").read_text() == "", second.output
    with dedup.Index(db, readonly=True) as idx:
        assert sorted(idx.ids()) == ["reuters-1081", "reuters-1230"]


def test_a_day_cleaned_into_the_index_again_onto_its_own_output_keeps_that_output(tmp_path):
    """A cron job's retry of a run that succeeded put an empty output over the cleaned
    day, whose texts were then nowhere (a data engineer's review): now an error, and
    nothing changes; the output of a day that merely shares ids with the index is written."""
    src = tmp_path / "day.jsonl"
    shutil.copy(RESENDS_FILE, src)
    db, out = tmp_path / "news.db", tmp_path / "out.jsonl"
    ok("clean", src, "-o", out, "--index", db)
    written, manifest, index = out.read_bytes(), (tmp_path / "out.jsonl.removed.jsonl").read_bytes(), db.read_bytes()
    again = runner().invoke(cli, ["clean", str(src), "-o", str(out), "--index", str(db)])
    assert again.exit_code == 2 and again.stderr == (
        f"dedup: error: {out}: holds 2 records, all of which this run drops as already in the index under their own "
        "id (the same input cleaned into it again?): it is kept and nothing was written; remove it, or write to "
        "another OUTPUT, to clean the input again\n")
    assert (out.read_bytes(), (tmp_path / "out.jsonl.removed.jsonl").read_bytes(), db.read_bytes()) == (
        written, manifest, index)
    assert sorted(os.listdir(tmp_path)) == ["day.jsonl", "news.db", "out.jsonl", "out.jsonl.removed.jsonl"]
    # an output in place of other records too (yesterday's, a path used every day) is replaced, as before
    other = tmp_path / "latest.jsonl"
    other.write_text(out.read_text() + json.dumps({"id": "x", "text": "Another story, about the weather."}) + "\n")
    ok("clean", src, "-o", other, "--index", db)
    assert other.read_text() == ""
    # a text file's one document is named by the input's path, not the output's (a code review)
    story = tmp_path / "story.txt"
    story.write_text(DISTINCT["text"][0], encoding="utf-8")
    ok("clean", story, "-o", tmp_path / "story-clean.txt", "--index", tmp_path / "t.db")
    kept = (tmp_path / "story-clean.txt").read_text(encoding="utf-8")
    again = runner().invoke(cli, ["clean", str(story), "-o", str(tmp_path / "story-clean.txt"), "--index",
                                  str(tmp_path / "t.db")])
    assert again.exit_code == 2 and (tmp_path / "story-clean.txt").read_text(encoding="utf-8") == kept != ""


def test_an_index_made_before_the_near_table_gets_it_when_opened_for_writing(tmp_path):
    db = tmp_path / "old.db"
    with dedup.Index(db) as idx:
        idx.add(FIRSTS, text="text", id="id")
        idx.add(DISTINCT.iloc[:50], text="text", id="id")
    with sqlite3.connect(db) as con:  # as an index of the day before was made
        con.execute("DROP TABLE near")
        con.execute("DELETE FROM meta WHERE key = 'near_keys'")
    with pytest.warns(DedupWarning, match="paragraphs written again.*opening it for writing once"):
        with dedup.Index(db, readonly=True) as idx:
            assert not idx.query(CORRECTED, text="text", id="id").documents["is_duplicate"].any()
    with pytest.warns(DedupWarning, match="adding the bands of its documents' paragraphs, once"):
        with dedup.Index(db) as idx:  # opened for writing: the table is made from the stored words
            pass
    with dedup.Index(db, readonly=True) as idx:
        assert idx.query(CORRECTED, text="text", id="id").documents["is_duplicate"].all()
    fresh = tmp_path / "fresh.db"
    with dedup.Index(fresh) as idx:
        idx.add(FIRSTS, text="text", id="id")
        idx.add(DISTINCT.iloc[:50], text="text", id="id")
    rows = {str(p): sqlite3.connect(p).execute("SELECT d.id, n.key FROM near n JOIN docs d USING (doc) "
                                               "ORDER BY 1, 2").fetchall() for p in (db, fresh)}
    assert rows[str(db)] == rows[str(fresh)] and len(rows[str(db)]) > 100


def test_adding_the_near_table_goes_on_where_an_interrupted_open_left_it(tmp_path, monkeypatch):
    # a code review: in one transaction, an open killed each time (a scheduler's timeout)
    # could never finish, and held the writers' lock all along
    db, fresh = tmp_path / "old.db", tmp_path / "fresh.db"
    for path in (db, fresh):
        with dedup.Index(path) as idx:
            idx.add(FIRSTS, text="text", id="id")
            idx.add(DISTINCT.iloc[:50], text="text", id="id")
    with sqlite3.connect(db) as con:
        con.execute("DROP TABLE near")
        con.execute("DELETE FROM meta WHERE key = 'near_keys'")
    monkeypatch.setattr(dedup.index, "CHUNK_DOCS", 10)
    keys, calls = dedup.index.near_keys, []

    def killed(*args):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return keys(*args)

    monkeypatch.setattr(dedup.index, "near_keys", killed)
    with pytest.warns(DedupWarning, match=r"once \(52 documents"), pytest.raises(KeyboardInterrupt):
        dedup.Index(db)
    with sqlite3.connect(db) as con:
        meta = dict(con.execute("SELECT key, value FROM meta"))
    assert "near_keys" not in meta and int(meta["near_through"]) == 20  # two chunks kept
    monkeypatch.setattr(dedup.index, "near_keys", keys)
    with pytest.warns(DedupWarning, match=r"once \(32 documents"):
        dedup.Index(db).close()
    rows = {str(p): sqlite3.connect(p).execute("SELECT d.id, n.key FROM near n JOIN docs d USING (doc) "
                                               "ORDER BY 1, 2").fetchall() for p in (db, fresh)}
    assert rows[str(db)] == rows[str(fresh)]
    with sqlite3.connect(db) as con:
        assert dict(con.execute("SELECT key, value FROM meta"))["near_keys"] == "complete"


def test_removing_a_document_removes_its_paragraph_bands(tmp_path):
    with dedup.Index(tmp_path / "news.db") as idx:
        idx.add(FIRSTS, text="text", id="id")
        assert idx.remove(["reuters-1081"]) == 1
        assert not idx.query(CORRECTED, text="text", id="id").documents.set_index("doc").loc[
            "reuters-1202", "is_duplicate"]
        held = idx._db.execute("SELECT COUNT(*) FROM near WHERE doc NOT IN (SELECT doc FROM docs)").fetchone()[0]
    assert held == 0


def test_the_command_line_takes_documents_out_of_the_index(tmp_path):
    db = tmp_path / "news.db"
    ok("index", "add", db, NEWS)
    first, second, third = sorted(p.name for p in NEWS.glob("*.txt"))[:3]
    result = ok("index", "remove", db, first, "not-there.txt")
    assert result.output == f"removed 1 document from {db} (4 indexed); 1 id not in it\n"
    result = runner().invoke(cli, ["index", "remove", str(db), "-"], input=f"{second}\n\n{third}\n")
    assert result.exit_code == 0 and result.output == f"removed 2 documents from {db} (2 indexed)\n"
    with dedup.Index(db, readonly=True) as idx:
        assert first not in idx and second not in idx and len(idx) == 2
    # the day can be cleaned into it again: what was taken out is new again
    kept = ok("index", "query", db, NEWS / first)
    assert "0 duplicates" in kept.output
    missing = runner().invoke(cli, ["index", "remove", str(tmp_path / "none.db"), first])
    assert missing.exit_code == 2 and "no such index" in missing.stderr and not (tmp_path / "none.db").exists()


def test_a_querys_overlaps_and_empty_documents_do_not_depend_on_the_order_of_adding(tmp_path):
    # a new user's review: a day removed and added again reordered the next day's overlaps,
    # and the query's table named no empty document
    news = sorted(NEWS.glob("*.txt"))
    day2 = REPO / "examples" / "day2"
    (tmp_path / "empty.txt").write_text("\n")
    reports = []
    for order in (news, news[::-1]):
        db = tmp_path / f"news-{len(reports)}.db"
        with dedup.Index(db) as index:
            for path in order:  # one at a time: the index numbers them in this order
                index.add(read_documents([str(path)]))
        query = CliRunner().invoke(cli, ["index", "query", str(db), str(day2), str(tmp_path / "empty.txt")])
        assert query.exit_code == 0, query.output
        reports.append(query.output)
    assert reports[0] == reports[1]
    overlaps = [line for line in reports[0].splitlines() if "roundup.txt ~ " in line]
    assert [line.split(" ~ ")[1].split(":")[0].rsplit("/", 1)[-1] for line in overlaps] == [
        "002_b6f423c43c4fe5ed.txt", "003_ccfff45a009af0f0.txt"]
    assert reports[0].endswith(f"\nEmpty documents\n  {tmp_path / 'empty.txt'}\n")


def _hold_write_lock(path: str, ready, release) -> None:
    with dedup.Index(path) as index, index.transaction():
        ready.set()
        release.wait(60)


def _add_one(path: str, k: int, barrier, results) -> None:
    barrier.wait()
    try:
        with dedup.Index(path) as index:
            index.add([f"story number {k} about the markets and the prices of grain, in words enough"], ids=[f"d{k}"])
        results.put((k, "ok"))
    except BaseException as e:  # noqa: BLE001 - the test reports what failed
        results.put((k, repr(e)))


def test_a_writer_waits_for_another_runs_lock_then_says_so_in_one_line(tmp_path, monkeypatch):
    # a review: a second writer crashed with sqlite3's "database is locked" traceback after
    # 30 s, deaf to Ctrl-C and SIGTERM meanwhile; it now waits, says so, and ends in one line
    import multiprocessing

    db = str(tmp_path / "news.db")
    with dedup.Index(db) as index:
        index.add(read_documents([str(NEWS)]))
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_write_lock, args=(db, ready, release))
    holder.start()
    try:
        assert ready.wait(60)
        monkeypatch.setattr(dedup.index, "LOCK_WAIT_SECONDS", 1.0)
        started = time.monotonic()
        with pytest.raises(dedup.DedupError, match="another run has held the index's write lock for 1 s"):
            with dedup.Index(db) as index:
                index.remove(["000_2ea5d5c95082bfe6.txt"])
        assert time.monotonic() - started < 5
        monkeypatch.setattr(dedup.index, "LOCK_WAIT_SECONDS", 60.0)
        monkeypatch.setattr(dedup.index, "LOCK_WAIT_NOTICE_SECONDS", 0.3)
        threading_timer = __import__("threading").Timer(1.0, release.set)
        threading_timer.start()
        with pytest.warns(DedupWarning, match="another run is writing the index; waiting for it"):
            with dedup.Index(db) as index:
                assert index.remove(["000_2ea5d5c95082bfe6.txt"]) == 1
    finally:
        release.set()
        holder.join(30)


def test_runs_making_one_new_index_at_once_all_add_to_it(tmp_path):
    # a review: two runs making one index at once both failed now and then, and the maker's
    # clean-up removed the file another run had reported its records added to
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    for trial in range(6):
        db = str(tmp_path / f"new-{trial}.db")
        barrier, results = ctx.Barrier(4), ctx.Queue()
        workers = [ctx.Process(target=_add_one, args=(db, k, barrier, results)) for k in range(4)]
        for w in workers:
            w.start()
        outcome = dict(results.get(timeout=120) for _ in workers)
        for w in workers:
            w.join(30)
        assert outcome == {k: "ok" for k in range(4)}, outcome
        with dedup.Index(db, readonly=True) as index:
            assert sorted(index.ids()) == ["d0", "d1", "d2", "d3"]


def test_a_reader_who_cannot_write_the_directory_is_told_of_changes_it_cannot_see(tmp_path, monkeypatch):
    # a review: such a reader opens the file as it is ("immutable"), without the -wal file
    # another user's run had just committed a day to, and answered without that day
    db = str(tmp_path / "news.db")
    writer = dedup.Index(db)
    try:
        writer.add(read_documents([str(NEWS)]))
        assert os.path.getsize(db + "-wal") > 0  # committed, not yet merged: the writer is open
        monkeypatch.setattr(dedup.index, "_writable", lambda path: False)  # as for a user who may not write there
        with pytest.warns(DedupWarning, match="may have changes in its -wal file that a reader who cannot write"):
            reader = dedup.Index(db, readonly=True)
        assert len(reader) == 0  # a new index: made whole, then added to in the -wal file
        reader.close()
    finally:
        writer.close()  # merged
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(dedup.Index(db, readonly=True)) == 5  # nothing to say
    writer = dedup.Index(db)
    try:
        writer.add(read_documents([str(REPO / "examples" / "day2")]))
        with pytest.warns(DedupWarning, match="changes in its -wal file that a reader who cannot write"):
            reader = dedup.Index(db, readonly=True)
        assert len(reader) == 5  # the day in the -wal file unseen, and said
        reader.close()
    finally:
        writer.close()


def test_ctrl_c_while_waiting_for_the_lock_gives_it_back(tmp_path):
    # a code review: Ctrl-C as the lock was taken left the Index in a transaction that kept it
    import signal
    import threading

    db = str(tmp_path / "news.db")
    dedup.Index(db).close()
    index = dedup.Index(db)

    def holder():
        other = sqlite3.connect(db, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the index waits...
        other.execute("COMMIT")  # ...and the lock let go a moment later
        other.close()

    thread = threading.Thread(target=holder)
    thread.start()
    time.sleep(0.1)
    try:
        with pytest.raises(KeyboardInterrupt):
            index.add(["Oil prices rose sharply on Tuesday after the cartel agreed to cut output."], ids=["x"])
        thread.join()
        assert not index._db.in_transaction
        other = sqlite3.connect(db, isolation_level=None, timeout=0.5)
        other.execute("BEGIN IMMEDIATE")  # the lock is free
        other.execute("ROLLBACK")
        other.close()
        assert index.add(["Shares in the bank fell ten percent after a quarterly loss."], ids=["y"]) == 1
    finally:
        thread.join()
        index.close()
