"""Exact sets for verification are the same whether built at once or in chunks."""

import json
from pathlib import Path

import numpy as np
import pytest

from dedup import match
from dedup.text import tokenize

DATA = Path(__file__).parent / "data"
NEWS = Path(__file__).parents[1] / "examples" / "news"
TEXTS = ([p.read_text(encoding="utf-8") for p in sorted(NEWS.glob("*.txt"))]
         + [json.loads(line)["text"]
            for line in (DATA / "reuters_sample.jsonl").read_text(encoding="utf-8").splitlines()])


@pytest.mark.parametrize("chunk", [1, 7, 100])
def test_sets_built_in_chunks_equal_sets_built_at_once(chunk, monkeypatch):
    tb = tokenize(TEXTS)
    docs = np.arange(0, tb.n_docs, 2)  # every other document: chunks of a subset
    keep = np.random.default_rng(3).random(tb.n_blocks) < 0.8
    whole = [match.shingle_sets(tb, docs, 3), match.shingle_sets(tb, docs, 3, keep),
             match.figure_sets(tb, docs), match.figure_sets(tb, docs, keep)]
    assert len(docs) > 100 and all(len(s.values) for s in whole)
    monkeypatch.setattr(match, "SET_CHUNK_DOCS", chunk)
    chunked = [match.shingle_sets(tb, docs, 3), match.shingle_sets(tb, docs, 3, keep),
               match.figure_sets(tb, docs), match.figure_sets(tb, docs, keep)]
    for a, b in zip(whole, chunked):
        assert np.array_equal(a.values, b.values) and np.array_equal(a.offsets, b.offsets)


def test_paragraph_set_sizes_are_the_sizes_of_the_word_sets_verified():
    """near_type_pairs drops candidate paragraphs whose word-set sizes differ by more
    than the threshold allows, before verifying on those same sets: the sizes must be
    exactly theirs (32-bit word hashes, repeats counted once)."""
    from dedup.blocks import long_block_signatures

    tb = tokenize(TEXTS)
    blocks, signatures, sizes = long_block_signatures(tb, 8)
    assert len(blocks) > 100 and signatures.shape == (len(blocks), 32) and signatures.dtype == np.uint8
    for b, size in zip(blocks.tolist(), sizes.tolist()):
        words = tb.word_hash[tb.word_offsets[b]:tb.word_offsets[b + 1]].astype(np.uint32)
        assert size == len(set(words.tolist()))
    assert (sizes < tb.block_words[blocks]).any()  # repeated words count once


def test_sets_joined_from_a_generator_are_the_sets_joined_at_once():
    from dedup.shingles import SetBatch

    rng = np.random.default_rng(4)
    parts = [SetBatch.from_pairs(rng.integers(0, 50, 200).astype(np.uint32), rng.integers(0, k, 200), k)
             for k in (3, 1, 7, 2)]
    joined = SetBatch.concat(p for p in parts)
    assert len(joined) == 13
    assert [joined[i].tolist() for i in range(13)] == [p[i].tolist() for p in parts for i in range(len(p))]
    assert SetBatch.concat(iter(parts[:1])) is parts[0]  # one part: itself, not a copy
    assert len(SetBatch.concat(iter([]))) == 0
    assert parts[0].values.tolist() == joined.values[:len(parts[0].values)].tolist()  # parts left as they were
    listed = SetBatch.concat(parts)  # a list: one copy
    assert np.array_equal(listed.values, joined.values) and np.array_equal(listed.offsets, joined.offsets)


def test_sets_built_on_two_threads_are_the_sets_built_on_one(monkeypatch):
    from dedup.io import iter_documents

    monkeypatch.setattr(match, "SET_CHUNK_DOCS", 16)  # the Reuters sample in several chunks
    monkeypatch.setattr(match, "_MIN_SHARED_CHUNK", 1)
    texts = [d.text for d in iter_documents([Path(__file__).parent / "data" / "reuters_sample.jsonl"])]
    tb = tokenize(texts)
    keep = np.random.default_rng(5).random(tb.n_blocks) > 0.2
    assert tb.n_docs > 3 * 16
    # every document (chunks shared out evenly), and fewer than one chunk (cut for the threads)
    for docs in (np.arange(tb.n_docs), np.arange(3, 14)):
        for one, two in ((match.shingle_sets(tb, docs, 3, keep), match.shingle_sets(tb, docs, 3, keep, jobs=2)),
                         (match.figure_sets(tb, docs, keep), match.figure_sets(tb, docs, keep, jobs=2))):
            assert len(one.values) > 0 and len(one.sizes) == len(docs)
            assert np.array_equal(one.values, two.values) and np.array_equal(one.offsets, two.offsets)
        # both at once, as a scan verifies, are the two built one after the other
        for jobs in (1, 2):
            sets, figures = match.verification_sets(tb, docs, 3, keep, jobs)
            one = match.shingle_sets(tb, docs, 3, keep)
            assert np.array_equal(sets.values, one.values) and np.array_equal(sets.offsets, one.offsets)
            assert np.array_equal(figures.offsets, match.figure_sets(tb, docs, keep).offsets)
            assert np.array_equal(figures.values, match.figure_sets(tb, docs, keep).values)
    none = np.arange(0)  # no document to verify: no sets, on any number of threads
    assert len(match.shingle_sets(tb, none, 3, keep, jobs=2)) == len(match.figure_sets(tb, none, keep, jobs=3)) == 0


def test_pair_statistics_on_two_threads_are_those_on_one():
    tb = tokenize(TEXTS)
    docs = np.arange(tb.n_docs)
    shingles, figures = match.shingle_sets(tb, docs, 5), match.figure_sets(tb, docs)
    rng = np.random.default_rng(6)
    a, b = rng.integers(0, tb.n_docs, 501), rng.integers(0, tb.n_docs, 501)
    a[:50] = b[:50]  # some pairs of a document with itself: every shingle shared
    one = match.pair_stats(shingles, figures, a, b)
    assert (one.intersection[:50] == one.size_a[:50]).all() and one.intersection[:50].sum() > 0
    for jobs in (2, 3):
        other = match.pair_stats(shingles, figures, a, b, jobs=jobs)
        for field in ("intersection", "size_a", "size_b", "figure_agreement", "figures_min"):
            assert np.array_equal(getattr(one, field), getattr(other, field)), field
    assert len(match.pair_stats(shingles, figures, a[:0], b[:0], jobs=2).intersection) == 0


def test_near_matching_paragraphs_found_on_two_threads_are_those_found_on_one():
    from dedup import Scanner
    from dedup import blocks as blk
    from dedup.io import documents_from_texts

    # the Reuters sample, and each story again with one word of each paragraph changed
    edited = ["\n\n".join(p.replace(" the ", " a ", 1) for p in t.split("\n\n")) for t in TEXTS]
    result = Scanner().scan(documents_from_texts(TEXTS + edited))
    index = result.index
    eligible = index.type_words >= 8

    def near(jobs):
        signed = blk.type_signatures(index, eligible, blk.long_block_signatures(result.tokens, 8))
        return blk.near_type_pairs(result.store, index, eligible, 0.8, signed, 0.9, jobs=jobs)

    one = near(1)
    assert len(one) > 100
    for jobs in (2, 3):
        assert near(jobs).equals(one)


def test_blocks_too_long_for_the_word_sequence_score_are_scored_on_their_word_sets(monkeypatch):
    """A text without paragraph breaks is one block; difflib's ratio of two such blocks
    costs the product of their lengths (minutes for a few megabytes), so past
    MAX_SEQUENCE_CELLS two blocks match on their word sets' Jaccard instead."""
    from dedup import Scanner
    from dedup import blocks as blk
    from dedup.io import documents_from_texts

    stories = [" ".join(t.split()) for t in TEXTS[5:25]]  # 20 real stories, ~3,000 words
    one, other = " ".join(stories), " ".join(reversed(stories))  # the same words, in another order
    result = Scanner().scan(documents_from_texts([one, other]))
    index = result.index
    eligible = index.type_words >= 8
    assert eligible.sum() == 2 and (index.type_words[eligible] > 2_000).all()

    def near():
        signed = blk.type_signatures(index, eligible, blk.long_block_signatures(result.tokens, 8))
        return blk.near_type_pairs(result.store, index, eligible, 0.8, signed, 0.9)

    assert near()["similarity"].tolist() == [1.0]  # one word set
    monkeypatch.setattr(blk, "MAX_SEQUENCE_CELLS", 10**12)  # scored on the sequences: stories in another order
    assert len(near()) == 0
    monkeypatch.undo()
    # ... but never above what the ratio could be: a block and itself written twice (one
    # word set, ratio at most 2/3) are no match
    result = Scanner().scan(documents_from_texts([one, one + " " + one]))
    index, eligible = result.index, result.index.type_words >= 8
    assert eligible.sum() == 2 and len(near()) == 0


def test_paragraph_signatures_moved_in_place_are_those_copied(monkeypatch):
    from dedup import Scanner
    from dedup import blocks as blk
    from dedup.io import documents_from_texts

    # the sample twice: the copies' paragraphs are not their types' first blocks, so rows
    # are left out all along the arrays
    result = Scanner().scan(documents_from_texts(TEXTS + TEXTS))
    eligible = result.index.type_words >= 8
    copied = blk.type_signatures(result.index, eligible, blk.long_block_signatures(result.tokens, 8))
    monkeypatch.setattr(blk, "_COMPACT_ROWS", 7)  # many chunks, each reading rows that later ones write over
    signed = blk.long_block_signatures(result.tokens, 8)
    moved = blk.type_signatures(result.index, eligible, signed, overwrite=True)
    assert len(moved[1]) < len(signed[1]) / 1.5  # rows were left out
    for got, expected in zip(moved, copied):
        assert np.array_equal(got, expected)
    assert np.shares_memory(moved[1], signed[1]) and np.shares_memory(moved[2], signed[2])


def test_sets_shrunk_in_place_are_the_sets_with_their_subsets():
    from dedup.shingles import SetBatch

    rng = np.random.default_rng(6)
    sizes = rng.integers(0, 30, 50)
    owner = np.repeat(np.arange(50), sizes)

    def sets():
        return SetBatch.from_pairs(np.random.default_rng(7).integers(0, 99, len(owner)).astype(np.uint32), owner, 50)

    original = sets()
    rows = np.array([0, 7, 8, 20, 49])
    subsets = [original[r][::2] for r in rows[:-1]] + [original[49][:0]]  # one emptied
    other = SetBatch.from_pairs(np.concatenate(subsets), np.repeat(np.arange(5), [len(x) for x in subsets]), 5)
    shrunk = sets()
    got = shrunk.shrink(rows, other)
    expected = [subsets[list(rows).index(i)] if i in rows else original[i] for i in range(50)]
    assert [got[i].tolist() for i in range(50)] == [e.tolist() for e in expected]
    assert len(got.values) == sum(len(e) for e in expected) < len(original.values)
    assert shrunk.values is None  # given up
    assert sets().shrink(rows[:0], other.select([])).values.tolist() == original.values.tolist()
    with pytest.raises(ValueError, match="one subset"):
        sets().shrink(rows[:2], other)
    small, large = int(np.argmin(original.sizes)), int(np.argmax(original.sizes))
    kept = sets()
    with pytest.raises(ValueError, match="smaller"):
        kept.shrink(np.array([small]), original.select([large]))
    assert kept.values.tolist() == original.values.tolist()  # left as it was
