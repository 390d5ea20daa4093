"""The benchmark corpus generators: real sample, perturbations, labelled corpus, generator."""

from __future__ import annotations

import difflib
import html
import re
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from benchmarks.corpus import (
    SITE_CHROMES,
    APOSTROPHES,
    aggregator_teaser,
    article_vocab,
    feed_teaser,
    hard_wrap,
    site_chrome_heavy,
    site_chrome_once,
    load_headlines,
    labelled_corpus,
    load_sample,
    pairs,
    perturb_typographic,
    perturb_words,
    repeat_paragraph,
    truncate,
    wrap_chrome,
)
from benchmarks.generate import generate_articles, main as generate_main

WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def tokens(text: str) -> list[str]:
    return text.split()


def nonblank(text: str) -> list[str]:
    return [line.strip() for line in re.split(r"\r?\n", text) if line.strip()]


def shingles(text: str, n: int = 5) -> set[str]:
    w = words(text)
    return {" ".join(w[i:i + n]) for i in range(len(w) - n + 1)}


def jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return load_sample()


@pytest.fixture(scope="module")
def prose(sample) -> list[str]:
    return sample[sample["kind"] == "distinct"]["text"].tolist()


@pytest.fixture(scope="module")
def vocab(sample) -> list[str]:
    return article_vocab(sample["text"].tolist())


@pytest.fixture(scope="module")
def corpus() -> pd.DataFrame:
    return labelled_corpus(seed=0)


# --------------------------------------------------------------------------- the sample

def test_sample_rows_load_with_their_fields(sample):
    assert {"id", "text", "date", "family", "kind", "template"} <= set(sample.columns)
    assert sample["id"].is_unique
    assert sample["id"].str.fullmatch(r"reuters-\d+").all()
    assert (sample["text"].str.len() > 0).all()
    assert set(sample["kind"]) == {"distinct", "exact", "reissue", "earnings_resend", "template"}


def test_sample_kinds_have_the_documented_sizes(sample):
    kinds = sample.groupby("kind")["family"].agg(["size", "nunique"])
    assert kinds.loc["distinct", "size"] == kinds.loc["distinct", "nunique"] >= 150
    assert kinds.loc["exact", "nunique"] >= 10
    assert kinds.loc["reissue", "nunique"] >= 10
    assert kinds.loc["earnings_resend", "nunique"] >= 8


def test_sample_families_match_their_kind(sample):
    for family, grp in sample.groupby("family"):
        kind = grp["kind"].iloc[0]
        assert (grp["kind"] == kind).all(), family
        texts = grp["text"].tolist()
        if kind in ("distinct", "template"):
            assert len(grp) == 1 and family == grp["id"].iloc[0]
        elif kind == "exact":
            assert len(grp) >= 2 and len(set(texts)) == 1
        elif kind == "reissue":
            assert len(grp) == 2 and 0.75 <= jaccard(*texts) < 0.99


def test_sample_templated_reports_exist_and_are_distinct_news(sample):
    tpl = sample[sample["template"].notna()]
    assert tpl["template"].nunique() >= 10
    assert (tpl["family"] == tpl["id"]).all()
    fed = tpl[tpl["template"] == "fed_customer_repurchase"]["text"].tolist()
    assert len(fed) >= 3
    # textually close, but never identical, and the figures differ
    for i, a in enumerate(fed):
        for b in fed[i + 1:]:
            assert a != b and jaccard(a, b) >= 0.5
            assert re.findall(r"\d[\d./-]*", a) != re.findall(r"\d[\d./-]*", b)


def test_sample_distinct_articles_are_news_length(sample):
    d = sample[sample["kind"] == "distinct"]["text"]
    assert (d.map(lambda t: len(words(t))) >= 120).all()


# --------------------------------------------------------------------------- perturbations

def test_typographic_changes_bytes_not_words(prose):
    for k, text in enumerate(prose[:30]):
        out = perturb_typographic(text, np.random.default_rng(k))
        assert out != text
        assert words(out) == words(text)
        assert "\r\n" in out and "\u00a0" in out
        assert len(nonblank(out)) == len(nonblank(text))


def test_typographic_curls_quotes_and_dashes():
    out = perturb_typographic('He said "it\'s over" - done...\nNext line', 0)
    assert "\u201c" in out and "\u201d" in out and "\u2019" in out
    assert "\u2014" in out and "\u2026" in out
    assert '"' not in out and "'" not in out
    assert out.count("\r\n") == 1


@pytest.mark.parametrize("rate", [0.01, 0.03, 0.10])
def test_word_edit_rate_is_as_asked(prose, vocab, rate):
    edits = total = 0
    for k, text in enumerate(prose[:40]):
        out = perturb_words(text, rate, np.random.default_rng(k), vocab)
        a, b = tokens(text), tokens(out)
        ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
        edits += sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in ops if tag != "equal")
        total += len(a)
        assert len(nonblank(out)) == len(nonblank(text))  # line structure kept
    measured = edits / total
    assert 0.7 * rate <= measured <= 1.3 * rate, measured


def test_word_edits_use_the_vocabulary(prose):
    out = perturb_words(prose[0], 0.2, 1, ["zyzzyva"])
    assert "zyzzyva" in out
    assert perturb_words(prose[0], 0.0, 1, ["zyzzyva"]) == prose[0]


@pytest.mark.parametrize("fraction", [0.35, 0.7])
def test_truncate_keeps_a_word_prefix(prose, fraction):
    for text in prose[:30]:
        out = truncate(text, fraction)
        assert text.startswith(out)
        t, o = tokens(text), tokens(out)
        assert o == t[:len(o)]
        assert abs(len(o) - fraction * len(t)) <= 1
        assert not out.endswith((" ", "\n"))


def test_truncate_edge_cases():
    assert truncate("one two three", 1.0) == "one two three"
    assert truncate("one two three", 0.0) == "one"
    assert truncate("", 0.5) == ""


@pytest.mark.parametrize("width", [56, 79])
def test_hard_wrap_moves_line_breaks_only(prose, width):
    for text in prose[:30]:
        wrapped = hard_wrap(text, width)
        assert wrapped.split() == text.split()
        assert all(len(line) <= width or " " not in line for line in wrapped.splitlines())
        long_lines = [line for line in text.splitlines() if len(line) > width]
        assert long_lines and not set(long_lines) & set(wrapped.splitlines())
        assert wrapped.count("\n\n") == sum(1 for line in text.splitlines() if line.strip()) - 1


def test_feed_teaser_is_the_first_whole_paragraphs_escaped(prose):
    styles = set()
    for k, text in enumerate(prose[:40]):
        teaser = feed_teaser(text, np.random.default_rng(k))
        kept = nonblank(html.unescape(teaser).replace("\u2019", "'"))
        assert kept == nonblank(text)[:len(kept)]  # whole paragraphs, from the first
        assert 3 * len(" ".join(kept).split()) >= len(text.split())  # a third of the words at least
        assert 3 * len(" ".join(kept[:-1]).split()) < len(text.split())  # and no paragraph more
        assert not set("<>\"'") & set(teaser)
        styles |= {a for a in APOSTROPHES if a in teaser}
    assert len(styles) >= 3


def test_a_site_seen_once_wraps_the_article_in_lines_no_other_site_has(prose):
    pages = [site_chrome_once(text, np.random.default_rng(k)) for k, text in enumerate(prose[:40])]
    chrome = []
    for text, page in zip(prose[:40], pages):
        head, found, foot = page.partition("\n\n" + text + "\n\n")
        assert found and 4 <= len(head.splitlines()) and 6 <= len(foot.splitlines())  # the article, whole
        chrome.append(set(head.splitlines() + foot.splitlines()))
        assert 40 <= len(" ".join(chrome[-1]).split()) <= 110
    # each site's name is in several of its lines; two sites share a line now and then
    shared = [len(a & b) for a, b in zip(chrome, chrome[1:])]
    assert max(shared) <= 4 and sum(shared) < len(shared) * 2
    assert site_chrome_once(prose[0], 3) == site_chrome_once(prose[0], np.random.default_rng(3))


def test_a_heavy_site_wraps_the_article_in_four_lists_of_real_headlines(prose):
    headlines = set(load_headlines())
    assert len(headlines) == 300
    assert not any(text.split("\n", 1)[0].strip() in headlines for text in load_sample()["text"])  # none is an article's
    for k, text in enumerate(prose[:40]):
        page = site_chrome_heavy(text, np.random.default_rng(k))
        head, found, foot = page.partition("\n\n" + text + "\n\n")
        assert found  # the article, whole
        lines = head.splitlines() + foot.splitlines()
        assert len([line for line in lines if line in headlines]) == 20
        assert 120 <= len(" ".join(lines).split()) <= 220
    assert site_chrome_heavy(prose[0], 3) == site_chrome_heavy(prose[0], np.random.default_rng(3))


def test_an_aggregators_teaser_is_the_first_third_between_its_lines(prose):
    for k, text in enumerate(prose[:40]):
        teaser = aggregator_teaser(text, np.random.default_rng(k))
        lines = [line for line in teaser.split("\n") if line.strip()]
        body = [line for line in text.split("\n") if line.strip()]
        start = lines.index(body[0])
        kept = lines[start:start + next(i for i in range(len(body) + 1) if lines[start + i:start + i + 1] != body[i:i + 1])]
        assert 1 <= start and 1 <= len(lines) - start - len(kept) <= 2  # one line above, one or two below
        assert 3 * len(" ".join(kept).split()) >= len(text.split()) > 3 * len(" ".join(kept[:-1]).split())
        assert all(len(line.split()) < 10 for line in lines[:start] + lines[start + len(kept):])
    assert aggregator_teaser(prose[0], 3) == aggregator_teaser(prose[0], np.random.default_rng(3))


def test_repeat_paragraph_emits_one_line_twice(prose):
    for k, text in enumerate(prose[:40]):
        out = repeat_paragraph(text, np.random.default_rng(k))
        extra = Counter(nonblank(out)) - Counter(nonblank(text))
        assert 1 <= sum(extra.values()) <= 2
        assert all(line in nonblank(text) for line in extra)
        # dropping the first or the second occurrence of the repeats gives the article back
        lines = nonblank(out)
        keep_last = [l for i, l in enumerate(lines) if not (l in extra and l in lines[i + 1:])]
        keep_first = [l for i, l in enumerate(lines) if not (l in extra and l in lines[:i])]
        assert nonblank(text) in (keep_last, keep_first)


def test_site_chromes_are_realistic():
    assert len(SITE_CHROMES) >= 5
    assert len({c["name"] for c in SITE_CHROMES}) == len(SITE_CHROMES)
    for c in SITE_CHROMES:
        assert 5 <= len(c["header"]) <= 15 and 5 <= len(c["footer"]) <= 15
        assert "Related Articles" in c["footer"]
        assert any("\u00a9" in l or "Copyright" in l for l in c["footer"])


def test_wrap_chrome_adds_header_and_footer(prose):
    text = prose[0]
    for k, chrome in enumerate(SITE_CHROMES):
        out = wrap_chrome(text, chrome, k)
        lines = nonblank(out)
        assert lines[:len(chrome["header"])] == chrome["header"]
        assert lines[-1] == chrome["footer"][-1]
        assert all(line in lines for line in chrome["footer"])
        assert text in out
        assert len(lines) == len(nonblank(text)) + len(chrome["header"]) + len(chrome["footer"]) + 3


def test_perturbations_are_deterministic(prose, vocab):
    t = prose[3]
    for f in (lambda r: perturb_typographic(t, r), lambda r: perturb_words(t, 0.05, r, vocab),
              lambda r: repeat_paragraph(t, r), lambda r: wrap_chrome(t, SITE_CHROMES[1], r)):
        assert f(np.random.default_rng(7)) == f(np.random.default_rng(7)) == f(7)


# --------------------------------------------------------------------------- labelled corpus

EXPECTED_KINDS = {
    "original", "exact", "typographic", "edit_1pct", "edit_3pct", "chrome", "truncated_70",
    "truncated_35", "repeated_paragraph", "combined", "four_copies", "hard_wrapped", "feed_teaser", "two_sites",
    "two_sites_heavy", "aggregator_teaser", "same_topic_distinct",
    "chrome_only_shared", "template", "distinct", "real_exact", "real_reissue",
    "real_earnings_resend",
}


def test_labelled_corpus_has_every_kind_and_unique_ids(corpus):
    assert set(corpus["kind"]) == EXPECTED_KINDS
    assert corpus["id"].is_unique
    assert list(corpus.columns) == ["id", "text", "story", "kind", "variant", "source"]


def test_labelled_corpus_is_deterministic(corpus, sample):
    again = labelled_corpus(sample, seed=0)
    pd.testing.assert_frame_equal(corpus, again)
    other = labelled_corpus(sample, seed=1)
    assert not corpus.equals(other)


def test_labelled_corpus_story_labels_are_consistent(corpus):
    originals = corpus[corpus["kind"] == "original"].set_index("story")["text"]
    assert originals.index.is_unique
    for story, grp in corpus.groupby("story"):
        kinds = set(grp["kind"])
        if "original" in kinds:
            # an original and its copies (one, or four), all made from the same article
            assert (grp["source"] == story).all()
            assert len(grp) in (2, 5)
            copies = grp[grp["kind"] != "original"]
            assert copies["id"].str.startswith(story + "~").all()
            assert (copies[copies["variant"] == "exact"]["text"] == originals[story]).all()
        elif kinds & {"real_exact", "real_reissue", "real_earnings_resend"}:
            assert len(grp) >= 2 and len(kinds) == 1
        else:  # negatives: one document each
            assert len(grp) == 1, (story, kinds)
            assert kinds <= {"distinct", "same_topic_distinct", "chrome_only_shared", "template"}


def test_labelled_corpus_copies_do_what_their_kind_says(corpus):
    idx = corpus.set_index("id")
    for _, r in corpus[corpus["kind"] != "original"].iterrows():
        if r["source"] not in idx.index or r["id"] == r["source"]:
            continue
        orig = idx.loc[r["source"], "text"]
        v = r["variant"]
        if v == "typographic":
            assert r["text"] != orig and words(r["text"]) == words(orig)
        elif v.startswith("truncated"):
            assert orig.startswith(r["text"]) and len(r["text"]) < len(orig)
        elif v == "chrome":
            assert orig in r["text"]
        elif v == "repeated_paragraph":
            assert len(nonblank(r["text"])) > len(nonblank(orig))
        elif v.startswith("edit"):
            assert r["text"] != orig and len(nonblank(r["text"])) == len(nonblank(orig))


def test_chrome_only_shared_negatives_share_identical_chrome(corpus):
    neg = corpus[corpus["kind"] == "chrome_only_shared"]
    assert len(neg) >= 5 and neg["story"].is_unique
    heads = {tuple(nonblank(t)[:5]) for t in neg["text"]}
    tails = {tuple(nonblank(t)[-5:]) for t in neg["text"]}
    assert len(heads) == 1 and len(tails) == 1


def test_four_copies_are_four_different_variants(corpus):
    four = corpus[corpus["kind"] == "four_copies"]
    for story, grp in four.groupby("story"):
        assert len(grp) == 4 and grp["variant"].nunique() == 4


def test_pairs_are_implied_by_story(corpus):
    p = pairs(corpus)
    sizes = corpus.groupby("story").size()
    assert len(p) == sum(n * (n - 1) // 2 for n in sizes)
    assert all(a < b for a, b in p)
    story = dict(zip(corpus["id"], corpus["story"]))
    assert all(story[a] == story[b] for a, b in p)
    toy = pd.DataFrame({"id": ["c", "a", "b", "d"], "story": [1, 1, 1, 2]})
    assert pairs(toy) == {("a", "b"), ("a", "c"), ("b", "c")}


def test_labelled_corpus_works_on_plain_articles(sample):
    plain = sample[sample["kind"] == "distinct"][["id", "text"]].head(60)
    out = labelled_corpus(plain, seed=3)
    assert out["id"].is_unique
    assert {"original", "exact", "four_copies", "chrome_only_shared", "distinct"} <= set(out["kind"])
    assert not any(k.startswith("real_") or k == "template" for k in out["kind"])
    with pytest.raises(ValueError):
        labelled_corpus(plain.head(10))


# --------------------------------------------------------------------------- generator

def test_generate_yields_n_unique_ids_with_the_dup_rate():
    docs = list(generate_articles(2000, seed=5, dup_rate=0.2))
    assert len(docs) == 2000
    ids = [d["id"] for d in docs]
    assert len(set(ids)) == 2000
    dups = [i for i in ids if "~" in i]
    assert 0.16 <= len(dups) / len(ids) <= 0.24
    assert {i.split("~")[1] for i in dups} == {"exact", "edit", "truncated", "chrome"}
    assert all(set(d) == {"id", "text"} for d in docs)


def test_generate_is_deterministic_and_prefix_stable():
    a = list(generate_articles(600, seed=1))
    assert a == list(generate_articles(600, seed=1))
    assert a[:100] == list(generate_articles(100, seed=1))
    assert a != list(generate_articles(600, seed=2))


def test_generated_articles_look_like_news():
    docs = list(generate_articles(300, seed=0, dup_rate=0.0))
    assert not any("~" in d["id"] for d in docs)
    for d in docs:
        paras = d["text"].split("\n\n")
        title, body = paras[0], paras[1:]
        assert title == title.upper() and 4 <= len(title.split()) <= 10
        assert 5 <= len(body) <= 15
        assert all(20 <= len(p.split()) <= 80 for p in body)
        assert all(p[0].isupper() or p[0].isdigit() for p in body)
        assert d["text"].endswith(".")
    # real vocabulary, Zipf-like: a few words are very frequent, most are rare
    counts = Counter(w for d in docs for w in words(d["text"]))
    top = [w for w, _ in counts.most_common(5)]
    assert {"the", "of", "to", "said", "in"} & set(top)
    assert counts.most_common(1)[0][1] > 50 * np.median(list(counts.values()))


def test_generated_copies_are_near_copies_of_their_source():
    docs = {d["id"]: d["text"] for d in generate_articles(1000, seed=9, dup_rate=0.4)}
    seen = Counter()
    for i, text in docs.items():
        if "~" not in i:
            continue
        _, kind, src = i.split("~")
        orig = docs[src]
        seen[kind] += 1
        if kind == "exact":
            assert text == orig
        elif kind == "truncated":
            assert orig.startswith(text) and len(tokens(text)) < len(tokens(orig))
        elif kind == "chrome":
            assert orig in text
        else:
            assert text != orig and jaccard(text, orig) > 0.6
    assert min(seen.values()) >= 40


def test_generated_copies_are_of_recent_originals_so_copies_per_story_stay_flat(monkeypatch):
    """Copies come from the latest RECENT originals: no story collects copies as the
    corpus grows, so duplicate pairs grow linearly with it (the speed benchmark's
    10k -> 100k -> 1M growth measures dedup, not the corpus)."""
    import benchmarks.generate as generate

    monkeypatch.setattr(generate, "RECENT", 50)
    originals, copies = [], Counter()
    for d in generate_articles(6000, seed=1, dup_rate=0.3):
        number = int(d["id"][4:12])
        if "~" not in d["id"]:
            originals.append(number)
            continue
        source = int(d["id"].rsplit("~gen-", 1)[1])
        assert source in originals[-50:]
        copies[source] += 1
    assert sum(copies.values()) > 1500
    # ~0.43 copies per original (0.3 / 0.7), each over the 50 next originals' time
    assert max(copies.values()) <= 8
    early = sum(v for k, v in copies.items() if k < 3000) / sum(1 for k in originals if k < 3000)
    late = sum(v for k, v in copies.items() if k >= 3000) / sum(1 for k in originals if k >= 3000)
    assert abs(early - late) < 0.1


def test_unrelated_generated_articles_share_almost_no_shingles():
    docs = [d["text"] for d in generate_articles(300, seed=4, dup_rate=0.0)]
    df = Counter(sh for t in docs for sh in shingles(t))
    shared = sum(1 for n in df.values() if n > 1)
    assert shared / len(df) < 0.002


def test_generate_cli_writes_the_same_articles_as_jsonl(tmp_path, capsys):
    out = tmp_path / "corpus.jsonl"
    generate_main(["120", "-o", str(out), "--seed", "2"])
    rows = pd.read_json(out, lines=True)
    expected = pd.DataFrame(list(generate_articles(120, seed=2)))
    pd.testing.assert_frame_equal(rows, expected)
    assert "articles/s" in capsys.readouterr().err
