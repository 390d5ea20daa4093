"""Acceptance on a labelled corpus generated from real Reuters articles (benchmarks/corpus.py).

Every kind of copy scraped news has clusters with its original, also when an article has
four copies; different articles on one topic, unrelated articles sharing only site
chrome, and templated reports that differ in their figures stay apart.
"""

import itertools
from pathlib import Path

import pandas as pd
import pytest

import dedup
from benchmarks.corpus import escape_html, hard_wrap, labelled_corpus, load_sample

COPY_KINDS = ["exact", "typographic", "edit_1pct", "edit_3pct", "chrome", "truncated_70", "truncated_35",
              "repeated_paragraph", "four_copies", "combined", "hard_wrapped", "feed_teaser", "two_sites",
              "two_sites_heavy", "real_exact", "real_reissue"]
APART_KINDS = ["same_topic_distinct", "chrome_only_shared", "template", "distinct"]

# Known limitation, kept visible: USDA's April 1987 estimate of Canadian crops restates the
# March one word for word with 17 of its 18 figures (two merely swapped places); only the
# dates of the wire tell them apart, and dedup reads no dates. benchmarks/quality.py still
# counts this pair as a false positive.
INDISTINGUISHABLE = {frozenset({"reuters-3334", "reuters-15870"})}


@pytest.fixture(scope="module", params=[0, 1], ids=lambda s: f"seed{s}")
def scanned(request):
    df = labelled_corpus(load_sample(), seed=request.param)
    report = dedup.scan(df, text="text", id="id")
    labels = report.documents.set_index("doc")["cluster"]
    return df, report, labels


def test_corpus_has_every_kind(scanned):
    df, _, _ = scanned
    assert set(COPY_KINDS + APART_KINDS) <= set(df["kind"])


@pytest.mark.parametrize("kind", COPY_KINDS)
def test_copies_cluster_with_their_original(scanned, kind):
    df, _, labels = scanned
    copies = df[df["kind"] == kind]
    assert len(copies) >= 4
    for story, group in df[df["story"].isin(copies["story"])].groupby("story"):
        clusters = set(labels[group["id"]])
        assert len(clusters) == 1 and -1 not in clusters, (kind, story, labels[group["id"]].to_dict())


def test_aggregators_teasers_cluster_with_their_original_but_those_of_one_paragraph(scanned):
    # a teaser is taken on its span when that span holds two paragraphs of prose: one
    # shared paragraph between other short lines is also what two items sharing a
    # site's notice look like (dedup.wrapped.SPAN_MIN_PARAGRAPHS)
    df, _, labels = scanned
    teasers = df[df["kind"] == "aggregator_teaser"]
    found = [labels[t] >= 0 and labels[t] == labels[story] for t, story in zip(teasers["id"], teasers["story"])]
    assert sum(found) >= 0.9 * len(found)
    for text, ok in zip(teasers["text"], found):
        assert ok or sum(len(p.split()) >= 16 for p in text.split("\n\n")) < 2


@pytest.mark.parametrize("kind", APART_KINDS)
def test_different_news_stays_apart(scanned, kind):
    df, _, labels = scanned
    story = df.set_index("id")["story"]
    for doc in df.loc[df["kind"] == kind, "id"]:
        c = labels[doc]
        if c >= 0:
            mates = [m for m in labels.index[labels == c] if frozenset({doc, m}) not in INDISTINGUISHABLE]
            assert set(story[mates]) == {story[doc]}, (kind, doc, list(mates))


def test_site_chrome_is_boilerplate_and_story_paragraphs_are_not(scanned):
    df, report, _ = scanned
    boiler = set(report.boilerplate["text"])
    chrome = df.loc[df["kind"] == "chrome_only_shared", "text"].iloc[0]
    chrome_lines = {line.strip() for line in chrome.splitlines()[:3] if line.strip()}
    assert chrome_lines & boiler
    # paragraphs of stories with four copies are content
    four = df[df["kind"] == "four_copies"]
    originals = df[(df["story"].isin(four["story"])) & (df["kind"] == "original")]
    paragraphs = {line.strip() for t in originals["text"] for line in t.splitlines() if len(line.split()) >= 8}
    assert not paragraphs & boiler


def test_pairwise_quality_on_the_labelled_corpus(scanned):
    df, _, labels = scanned
    truth = set()
    for _, g in df.groupby("story"):
        truth |= set(itertools.combinations(sorted(g["id"]), 2))
    pred = set()
    for _, g in labels[labels >= 0].groupby(labels[labels >= 0]):
        pred |= set(itertools.combinations(sorted(g.index), 2))
    tp = len(pred & truth)
    assert tp / len(pred) >= 0.97 and tp / len(truth) >= 0.95


NEWS = Path(__file__).resolve().parents[1] / "examples" / "news"


def assert_each_seed_clusters_with(copy) -> None:
    """Each seed article (its paragraphs of 20 words or more) and ``copy(paragraphs)`` of
    it, scanned together: every article is in one cluster with its copy."""
    docs = {}
    for path in sorted(NEWS.glob("*.txt"))[1:]:
        paragraphs = [line for line in path.read_text(encoding="utf-8").splitlines() if len(line.split()) >= 20]
        docs[path.stem] = "\n\n".join(paragraphs)
        docs[path.stem + "~copy"] = copy(paragraphs)
    report = dedup.scan(pd.DataFrame({"id": list(docs), "text": list(docs.values())}), text="text", id="id")
    labels = report.documents.set_index("doc")["cluster"]
    for name in docs:
        if not name.endswith("~copy"):
            assert labels[name] >= 0 and labels[name] == labels[name + "~copy"], name


@pytest.mark.parametrize("width", [58, 64, 70, 76])
def test_hard_wrapped_copies_sharing_no_line_are_found_by_lsh(width):
    # each filled to lines of ``width`` characters: no line is shared, so only the LSH of
    # whole documents finds them (their shingle sets agree at J 0.77-0.87, containment ~0.99)
    assert_each_seed_clusters_with(lambda paragraphs: hard_wrap("\n\n".join(paragraphs), width))


@pytest.mark.parametrize("rng", [0, 1, 2, 3])
def test_escaped_feed_teasers_are_duplicates(rng):
    # a feed's summary of each seed article: its first paragraphs with the HTML escaped,
    # apostrophes and quotes as character references (its containment in the article was
    # 0.73-0.93 with the references read as words, so most were missed)
    assert_each_seed_clusters_with(
        lambda paragraphs: escape_html("\n\n".join(paragraphs[:3]), rng).replace("\u2019", "&rsquo;"))


def test_the_index_path_finds_the_copies_of_what_was_indexed(scanned):
    # benchmarks/quality.py's index path: the first document of each story is indexed,
    # the others queried as one batch (a day's scrape against what was ingested)
    from benchmarks.quality import evaluate_index

    df, _, _ = scanned
    result = evaluate_index(df)
    assert result["precision"] >= 0.99 and result["recall"] >= 0.95
    # pages of sites seen once are verified on the span they share, as scan does
    assert result["per_kind_recall"]["two_sites"] >= 0.9 and result["per_kind_recall"]["two_sites_heavy"] >= 0.9
