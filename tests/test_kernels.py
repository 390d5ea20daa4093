"""The compiled loops (``dedup.kernels``) compute exactly what their definitions say.

Each kernel is checked against a plain formulation of the same definition (Python's
``str.splitlines``/``str.strip``, per-text ``words()``, numpy's vectorised n-gram and
MinHash formulas, ``difflib.SequenceMatcher``, ``collections.Counter``) on the seed
articles, the Reuters sample and generated text with the characters scraped news has
(typographic quotes, NBSP, soft hyphens, ligatures, full-width letters, combining
accents, Hangul jamo, Unicode line breaks, lone surrogates, HTML character references).
"""

import difflib
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import kernels
from dedup.minhash import EMPTY, OnePermutationHashing
from dedup.shingles import SetBatch, _salt, fmix64, ngram_hashes, sequence_hashes
from dedup.text import Utf8Texts, _word_hash, block_spans, is_figure, tokenize, words

HERE = Path(__file__).parent
NEWS = sorted((HERE.parent / "examples" / "news").glob("*.txt"))
REUTERS = [json.loads(line)["text"] for line in (HERE / "data" / "reuters_sample.jsonl").open(encoding="utf-8")]
_U64 = np.uint64

PIECES = ["Putin", "said", "1.5", "6\u20133/16", "U.S.", "\u201cquoted\u201d", "caf\u00e9", "cafe\u0301", "\ufb01ne",
          "\uff21\uff22\uff23", "pro\u00adblem", "zero\u200bwidth", "\u1100\u1161", "\ud55c\uad6d", "STRASSE", "\u1e9e",
          "\u0130stanbul", "\u00a0", "\u2028", "\r\n", "\n", "\r", "\x0b", "\x1c", "\x85", "  ", "\t", "\ud800",
          "six", "Eight", "12:30", "-", "...", "\u2014", "\U0001F600", "x\u0308", "\ufdfa", "\u0390",
          # HTML character references, whole, broken and unknown, to a line break, a
          # control character, a combining mark, a surrogate and a fold of many letters
          "&", "&amp;", "Putin&rsquo;s", "&#8217;", "&#x2019;", "&#10;", "&#5;", "&#0;", "&#769;", "&#xD800;",
          "&#xFDFA;", "&nbsp;", "AT&T", "&amp", "&bogus;", "&amp;lt;", "&#", "&amplifier;", "&copyright;",
          # halfwidth katakana with voiced marks, compatibility jamo: folded one character
          # at a time (a block holding a reference too was once folded whole)
          "\uff76\uff9e\uff72\uff84\uff9e", "\u3131\u314f", "&#xFF76;&#xFF9E;"]
text_strategy = st.lists(st.sampled_from(PIECES), max_size=40).map(" ".join) | st.text(max_size=60)


def reference_tokens(texts):
    """Per text, per block: the span and each word's (hash, is_figure), the slow way."""
    out = []
    for t in texts:
        for s, e in block_spans(t):
            out.append(((s, e), [(int(_word_hash(w)), is_figure(w)) for w in words(t[s:e])]))
    return out


def batch_tokens(tb):
    out = []
    for b in range(tb.n_blocks):
        lo, hi = tb.word_offsets[b], tb.word_offsets[b + 1]
        out.append(((int(tb.block_start[b]), int(tb.block_end[b])),
                    list(zip(tb.word_hash[lo:hi].tolist(), tb.word_is_number[lo:hi].tolist()))))
    return out


def test_tokenize_equals_the_per_text_definition_on_real_news():
    texts = [p.read_text(encoding="utf-8") for p in NEWS] + REUTERS
    tb = tokenize(texts)
    assert batch_tokens(tb) == reference_tokens(texts)
    assert np.array_equal(np.diff(tb.doc_block_offsets), [len(block_spans(t)) for t in texts])


@settings(max_examples=300, deadline=None)
@given(st.lists(text_strategy, max_size=6), st.integers(0, 3))
def test_utf8_code_points_are_the_characters_of_each_text(texts, skip):
    # lone surrogates, astral characters and Unicode line breaks included; the buffer
    # may start later than its data (a slice of a batch)
    utf8 = Utf8Texts.from_strings(["x" * skip] + texts).slice(1, len(texts) + 1)
    cp, offsets = kernels.utf8_code_points(utf8.data, utf8.offsets)
    assert cp.tolist() == [ord(c) for c in "".join(texts)]
    assert np.diff(offsets).tolist() == [len(t) for t in texts]
    assert utf8.to_list() == texts and [utf8[i] for i in range(len(texts))] == texts


def test_utf8_texts_join_and_cut_back_to_the_same_strings():
    parts = [Utf8Texts.from_strings(REUTERS[a:a + 7]).slice(2, 5) for a in range(0, 70, 7)]
    joined = Utf8Texts.concat(parts)
    assert joined.to_list() == [t for a in range(0, 70, 7) for t in REUTERS[a + 2:a + 5]]
    assert joined.offsets[0] == 0 and len(joined.data) == joined.offsets[-1]
    assert joined[5:9].to_list() == joined.to_list()[5:9] and joined[9:5].to_list() == []
    assert joined[-3:].to_list() == joined.to_list()[-3:]


@settings(max_examples=200, deadline=None)
@given(st.lists(text_strategy, max_size=6))
def test_tokenize_equals_the_per_text_definition_on_generated_text(texts):
    tb = tokenize(texts)
    assert tb.n_docs == len(texts)
    assert batch_tokens(tb) == reference_tokens(texts)


def test_tokenize_folds_characters_whose_fold_is_many_times_their_size():
    # U+FDFA is 3 bytes of UTF-8 and folds to 18 letters and spaces (33 bytes): the
    # folded buffer is written in one pass into a size bounded beforehand, so a text of
    # nothing else is the case that bound must hold for (with blocks folded in Python)
    texts = ["\ufdfa" * 500, "\ufdfa\n" * 300, "a\u0308 \ufdfa\u0390" * 200, "\ufdfa \ufb01" * 100 + "\n\n"]
    tb = tokenize(texts)
    assert batch_tokens(tb) == reference_tokens(texts)


def test_tokenize_cuts_long_batches_into_chunks_without_changing_anything(monkeypatch):
    import dedup.text as text

    texts = REUTERS[:80]
    whole = batch_tokens(tokenize(texts))
    monkeypatch.setattr(text, "_CHUNK_TEXT_BYTES", 500)
    assert batch_tokens(tokenize(texts)) == whole


def reference_ngrams(word_hash, word_offsets, n):
    """numpy: the window polynomial per block, as a multiset of (block, hash)."""
    out = []
    for b in range(len(word_offsets) - 1):
        w = word_hash[word_offsets[b]:word_offsets[b + 1]]
        k = len(w)
        if k == 0:
            continue
        windows = [w] if k < n else [w[i:i + n] for i in range(k - n + 1)]
        for win in windows:
            acc = 0
            for x in win.tolist():
                acc = (acc * 0x100000001B3 + x) % 2**64
            acc = (acc + int(_salt(len(win)))) % 2**64
            out.append((b, int(fmix64(np.array([acc], dtype=_U64))[0]) & 0xFFFFFFFF))
    return sorted(out)


@pytest.mark.parametrize("n", [1, 3, 5])
def test_ngram_hashes_equal_the_window_polynomial(n):
    tb = tokenize(REUTERS[:40])
    h, blk = ngram_hashes(tb.word_hash, tb.word_offsets, n)
    assert sorted(zip(blk.tolist(), h.tolist())) == reference_ngrams(tb.word_hash, tb.word_offsets, n)
    # a subset of blocks, in a given order
    some = np.array([7, 3, 20, 0])
    h2, blk2 = ngram_hashes(tb.word_hash, tb.word_offsets, n, some)
    assert list(dict.fromkeys(blk2.tolist())) == [b for b in some.tolist() if tb.block_words[b] > 0]
    assert sorted(zip(blk2.tolist(), h2.tolist())) == [x for x in reference_ngrams(tb.word_hash, tb.word_offsets, n)
                                                     if x[0] in set(some.tolist())]


def test_ngram_hashes_give_each_shingle_its_blocks_label():
    tb = tokenize(REUTERS[:40])
    some = np.array([7, 3, 20, 0, 11])
    labels = np.array([40, 41, 42, 43, 44]) * 1_000
    h, blk = ngram_hashes(tb.word_hash, tb.word_offsets, 5, some)
    h2, label = ngram_hashes(tb.word_hash, tb.word_offsets, 5, some, labels=labels)
    assert np.array_equal(h, h2) and len(set(blk.tolist())) == 5
    assert label.tolist() == [labels[some.tolist().index(b)] for b in blk.tolist()]


def test_flagged_words_are_the_flagged_positions_of_the_blocks_in_order():
    tb = tokenize(REUTERS + [p.read_text(encoding="utf-8") for p in NEWS])
    rng = np.random.default_rng(8)
    blocks = np.concatenate((np.sort(rng.choice(tb.n_blocks, 300, replace=False)), [5, 2, 5]))  # any order, repeats
    at, which = kernels.flagged_words(tb.word_offsets, tb.word_is_number, blocks)
    expected = [(w, i) for i, b in enumerate(blocks.tolist())
                for w in range(tb.word_offsets[b], tb.word_offsets[b + 1]) if tb.word_is_number[w]]
    assert len(expected) > 100 and list(zip(at.tolist(), which.tolist())) == expected
    none = kernels.flagged_words(tb.word_offsets, tb.word_is_number, blocks[:0])
    assert len(none[0]) == len(none[1]) == 0


def test_sequence_hashes_equal_the_positional_sum():
    tb = tokenize(REUTERS[:40])
    got = sequence_hashes(tb.word_hash, tb.word_offsets)
    keys = fmix64(np.arange(int(tb.block_words.max()), dtype=_U64) + _U64(0x51ED))
    c1 = _U64(0xFF51AFD7ED558CCD)
    for b in range(tb.n_blocks):
        w = tb.word_hash[tb.word_offsets[b]:tb.word_offsets[b + 1]]
        acc = np.sum((w ^ keys[:len(w)]) * c1, dtype=_U64)
        assert got[b] == fmix64(np.array([acc ^ _U64(len(w))]))[0]


def reference_sign(scheme, sets):
    """numpy: one scatter-min over all sets, then densification by the probe sequences."""
    k = scheme.num_perm
    sig = np.full((len(sets), k), EMPTY, dtype=np.uint32)
    g = fmix64(sets.values.astype(_U64) ^ scheme._salt)
    np.minimum.at(sig.reshape(-1), sets.set_ids * k + (g % _U64(k)).astype(np.int64), (g >> _U64(32)).astype(np.uint32))
    src = sig.copy()
    for r in np.flatnonzero(sets.sizes > 0):
        filled = np.flatnonzero(src[r] != EMPTY)
        for c in np.flatnonzero(src[r] == EMPTY):
            probe = [p for p in scheme._probes[c] if src[r, p] != EMPTY]
            j = probe[0] if probe else filled[np.searchsorted(filled, c) % len(filled)]
            sig[r, c] = src[r, j]
    return sig


@pytest.mark.parametrize("num_perm", [8, 128, 300])
def test_one_permutation_signatures_equal_the_numpy_definition(num_perm):
    tb = tokenize(REUTERS[:60] + ["", "one"])
    h, blk = ngram_hashes(tb.word_hash, tb.word_offsets, 3)
    sets = SetBatch.from_pairs(h, tb.block_doc[blk], tb.n_docs)
    scheme = OnePermutationHashing(num_perm, 11)
    assert np.array_equal(scheme.sign(sets), reference_sign(scheme, sets))
    # unsorted segments with repeats sign like their sets
    doc = tb.block_doc[blk]
    bounds = np.searchsorted(doc, np.arange(tb.n_docs + 1))
    assert np.array_equal(scheme.sign_segments(h, bounds[:-1], bounds[1:]), scheme.sign(sets))


def test_sparse_sets_fall_back_to_the_next_filled_bin():
    sets = SetBatch.from_pairs(np.array([5, 9, 1234567], dtype=np.uint32), np.array([0, 0, 1]), 2)
    scheme = OnePermutationHashing(4096, 1)  # 1-2 filled bins of 4096: most probes miss
    assert np.array_equal(scheme.sign(sets), reference_sign(scheme, sets))


def paragraph_pairs():
    tb = tokenize(REUTERS)
    long = np.flatnonzero(tb.block_words >= 8)
    rng = np.random.default_rng(3)
    a, b = rng.choice(long, 300), rng.choice(long, 300)
    return tb, a, b


def test_sequence_ratios_equal_difflib_on_real_paragraphs_and_edits():
    tb, a, b = paragraph_pairs()
    wo = tb.word_offsets
    words_ = [tb.word_hash[wo[x]:wo[x + 1]].tolist() for x in range(tb.n_blocks)]
    # an edited copy of each paragraph: every fifth word changed
    edited = [[w if i % 5 else 7 for i, w in enumerate(words_[x])] for x in a.tolist()]
    flat = np.array([w for x in a.tolist() for w in words_[x]] + [w for e in edited for w in e], dtype=_U64)
    la = np.array([len(words_[x]) for x in a.tolist()])
    starts = np.concatenate(([0], np.cumsum(la)))
    got = kernels.sequence_ratios(flat, starts[:-1], starts[1:], starts[:-1] + starts[-1], starts[1:] + starts[-1])
    ref = [difflib.SequenceMatcher(None, words_[x], e, autojunk=False).ratio() for x, e in zip(a.tolist(), edited)]
    assert np.allclose(got, ref, rtol=0, atol=1e-12)
    got = kernels.sequence_ratios(tb.word_hash, wo[a], wo[a + 1], wo[b], wo[b + 1])
    ref = [difflib.SequenceMatcher(None, words_[x], words_[y], autojunk=False).ratio() for x, y in zip(a, b)]
    assert np.allclose(got, ref, rtol=0, atol=1e-12)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 5), max_size=30), st.lists(st.integers(0, 5), max_size=30))
def test_sequence_ratios_equal_difflib_on_small_alphabets(x, y):
    flat = np.array(x + y, dtype=_U64)
    got = kernels.sequence_ratios(flat, np.array([0]), np.array([len(x)]), np.array([len(x)]), np.array([len(x) + len(y)]))
    ref = difflib.SequenceMatcher(None, x, y, autojunk=False).ratio() if x or y else 1.0
    assert got[0] == pytest.approx(ref, abs=1e-12)


def test_figure_agreements_count_repeats_like_counters():
    tb, a, b = paragraph_pairs()
    wo = tb.word_offsets
    got = kernels.figure_agreements(tb.word_hash, tb.word_is_number, wo[a], wo[a + 1], wo[b], wo[b + 1])

    def figures(x):
        return Counter(tb.word_hash[wo[x]:wo[x + 1]][tb.word_is_number[wo[x]:wo[x + 1]]].tolist())

    ref = []
    for x, y in zip(a.tolist(), b.tolist()):
        fa, fb = figures(x), figures(y)
        fewer = min(sum(fa.values()), sum(fb.values()))
        ref.append(sum((fa & fb).values()) / fewer if fewer else 1.0)
    assert np.allclose(got, ref)
    assert (np.asarray(ref) < 1).any()


def test_band_keys_equal_the_chained_finaliser():
    from dedup.lsh import band_keys

    sig = np.random.default_rng(5).integers(0, 2**32, size=(50, 128), dtype=np.uint64).astype(np.uint32)
    b, r = 9, 13
    ref = np.empty((50, b), dtype=_U64)
    for band in range(b):
        h = np.full(50, _U64(band + 1), dtype=_U64)
        for col in range(band * r, band * r + r):
            h = fmix64(h ^ sig[:, col].astype(_U64)) + _U64(col)
        ref[:, band] = h
    assert np.array_equal(band_keys(sig, b, r), ref)
    # a band's key does not depend on the bands computed with it
    assert np.array_equal(band_keys(sig, 3, r, first=4), ref[:, 4:7])
    # narrower values give the keys of the same values as uint32 (paragraph signatures
    # keep 8 bits of each value)
    low = sig.astype(np.uint8)
    assert np.array_equal(band_keys(low, b, r), band_keys(low.astype(np.uint32), b, r))


def test_sets_from_grouped_values_equal_sets_from_pairs():
    rng = np.random.default_rng(8)
    sizes = rng.integers(0, 40, 200)
    values = rng.integers(0, 60, sizes.sum()).astype(np.uint32)  # small range: many repeats
    owner = np.repeat(np.arange(200), sizes)
    a, b = SetBatch.from_grouped(values, owner, 200), SetBatch.from_pairs(values, owner, 200)
    assert np.array_equal(a.values, b.values) and np.array_equal(a.offsets, b.offsets)
    # cut into runs of sets on threads: the same sets (offsets need not start at 0)
    bounds = np.concatenate(([0], np.cumsum(sizes)))
    for jobs in (2, 3, 7, 500):
        c = SetBatch.from_segments(values, bounds, jobs)
        assert np.array_equal(c.values, b.values) and np.array_equal(c.offsets, b.offsets)
    d = SetBatch.from_segments(values, bounds[50:], 3)
    e = SetBatch.from_pairs(values[bounds[50]:], owner[bounds[50]:] - 50, 150)
    assert np.array_equal(d.values, e.values) and np.array_equal(d.offsets, e.offsets)
    assert len(SetBatch.from_segments(values, bounds[:1], 2)) == 0


def test_distinct_counts_are_the_unique_values_of_each_segment_of_real_paragraphs():
    tb = tokenize([p.read_text(encoding="utf-8") for p in NEWS] + REUTERS)
    words = tb.word_hash.astype(np.uint32)
    starts, ends = tb.word_offsets[:-1], tb.word_offsets[1:]
    counts = kernels.distinct_counts(words, starts, ends)
    assert counts.tolist() == [len(np.unique(words[a:b])) for a, b in zip(starts, ends)]
    assert counts.max() < np.diff(tb.word_offsets).max()  # some paragraph repeats a word


def test_distinct_counts_of_overlapping_segments_in_any_order_and_of_any_length():
    rng = np.random.default_rng(12)
    values = rng.integers(0, 300, 20_000).astype(np.uint32)  # many repeats, and 0
    starts = rng.integers(0, 20_000, 500)
    ends = np.minimum(starts + rng.integers(0, 2_000, 500), 20_000)
    starts[:3], ends[:3] = (0, 5, 7), (20_000, 5, 8)  # the whole array, an empty segment, one value
    expected = [len(np.unique(values[a:b])) for a, b in zip(starts, ends)]
    assert kernels.distinct_counts(values, starts, ends).tolist() == expected
    assert kernels.distinct_counts(values.astype(np.uint64), starts, ends).tolist() == expected


@pytest.mark.parametrize("dtype", [np.int64, np.uint64, np.int32, np.uint32])
def test_sorted_distinct_is_np_unique(dtype):
    from dedup.shingles import sorted_distinct

    rng = np.random.default_rng(11)
    values = rng.integers(0, 50, 1000).astype(dtype)
    assert np.array_equal(sorted_distinct(values), np.unique(values))
    assert sorted_distinct(values).dtype == dtype
    pairs = rng.integers(0, 9, (300, 2)).astype(dtype)  # any shape: its values
    assert np.array_equal(sorted_distinct(pairs), np.unique(pairs))
    for few in (values[:0], values[:1]):
        assert np.array_equal(sorted_distinct(few), np.unique(few))


def test_first_block_of_each_type_in_each_document_is_the_sorted_definition():
    # documents of 0 to 300 blocks (the long ones sort), types repeating within them, and
    # blocks without words (-1)
    rng = np.random.default_rng(12)
    counts = np.concatenate(([0, 1, 65, 300], rng.integers(0, 20, 200)))
    offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    block_type = rng.integers(-1, 40, offsets[-1]).astype(np.int32)
    doc = np.repeat(np.arange(len(counts)), counts)
    has = np.flatnonzero(block_type >= 0)
    _, first = np.unique((doc[has].astype(np.int64) << 32) | block_type[has], return_index=True)
    expected = np.zeros(len(block_type), dtype=bool)
    expected[has[first]] = True
    got = kernels.first_in_document(block_type, offsets)
    assert 0 < got.sum() < (block_type >= 0).sum()
    assert np.array_equal(got, expected)


def test_factorize_numbers_values_as_pandas_does():
    import pandas as pd

    rng = np.random.default_rng(13)
    for n, distinct in ((0, 1), (1, 1), (5000, 40), (20000, 19000)):
        values = rng.integers(0, 2**64, distinct, dtype=np.uint64)[rng.integers(0, distinct, n)]
        keep = rng.random(n) > 0.1
        codes, first = kernels.factorize(values, keep)
        expected, uniques = pd.factorize(values[keep])
        assert codes.dtype == np.int32 and (codes[~keep] == -1).all()
        assert np.array_equal(codes[keep], expected)
        assert np.array_equal(values[first], uniques) and (codes[first] == np.arange(len(first))).all()


def test_occurrence_numbers_count_earlier_equal_values_like_pandas_cumcount():
    import pandas as pd

    rng = np.random.default_rng(13)
    values = rng.integers(0, 20, 5_000).astype(np.uint64)  # many repeats, and 0
    segment = np.sort(rng.integers(0, 300, 5_000))
    bounds = np.searchsorted(segment, np.arange(301))
    expected = pd.DataFrame({"s": segment, "v": values}).groupby(["s", "v"], sort=False).cumcount().to_numpy()
    assert np.array_equal(kernels.occurrence_numbers(values, bounds[:-1], bounds[1:]), expected)
    assert expected.max() > 2


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 40).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.integers(0, max(n - 1, 0)), st.integers(0, max(n - 1, 0))),
                         max_size=0 if n == 0 else 60))))
def test_components_are_scipys_connected_components(graph):
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from dedup.cluster import components

    n, edges = graph
    pairs = np.array(edges, dtype=np.int64).reshape(-1, 2)
    labels = components(n, pairs)
    _, expected = connected_components(coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n)),
                                       directed=False)
    # the same partition, numbered in order of each component's first node
    assert [np.flatnonzero(labels == k).tolist() for k in range(labels.max(initial=-1) + 1)] == \
        sorted(np.flatnonzero(expected == k).tolist() for k in range(expected.max(initial=-1) + 1))
    assert kernels.component_roots(n, pairs[:, 0].copy(), pairs[:, 1].copy()).tolist() == \
        [int(np.flatnonzero(labels == labels[i])[0]) for i in range(n)]


def test_components_of_a_long_chain():
    """A path of 200,000 nodes given end first (the worst order for a naive union)."""
    from dedup.cluster import components

    n = 200_000
    a = np.arange(n - 1, 0, -1, dtype=np.int64)
    labels = components(n + 2, np.stack((a, a - 1), axis=1))
    assert labels[:n].tolist() == [0] * n and labels[n:].tolist() == [1, 2]
