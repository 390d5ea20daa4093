"""The words of a scanned corpus, tokenised again on demand, equal the first tokenisation."""

import json
from pathlib import Path

import numpy as np
import pytest

import dedup
from dedup import batch
from dedup.io import documents_from_texts
from dedup.text import tokenize
from dedup.tokens import TokenStore

DATA = Path(__file__).parent / "data"
NEWS = Path(__file__).parents[1] / "examples" / "news"
TEXTS = ([p.read_text(encoding="utf-8") for p in sorted(NEWS.glob("*.txt"))]
         + [json.loads(line)["text"]
            for line in (DATA / "reuters_sample.jsonl").read_text(encoding="utf-8").splitlines()]
         + ["", "   \n ", "---\nOne"])


def same_tokens(a, b):
    for name in ("block_doc", "block_start", "block_end", "doc_block_offsets", "word_offsets", "word_hash",
                 "word_is_number"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


@pytest.mark.parametrize("kept", [True, False], ids=["sliced", "tokenised-again"])
def test_tokens_of_some_documents_equal_tokenising_their_texts(kept):
    docs = documents_from_texts(TEXTS)
    whole = tokenize(TEXTS)
    store = TokenStore(docs, whole.block_table(), whole if kept else None)
    some = np.array([0, 3, 7, 40, 41, len(TEXTS) - 3, len(TEXTS) - 1])
    words = store.of(some)
    same_tokens(words.tokens, tokenize([TEXTS[i] for i in some]))
    # corpus block numbers of the subset's blocks, and back
    assert np.array_equal(whole.block_doc[words.blocks], some[words.tokens.block_doc])
    assert np.array_equal(words.local(words.blocks), np.arange(words.tokens.n_blocks))
    same_tokens(store.all(), whole)


def test_a_scan_of_several_batches_keeps_no_words_and_gives_them_back(monkeypatch):
    monkeypatch.setattr(batch, "BATCH_DOCS", 100)
    result = dedup.Scanner().scan(documents_from_texts(TEXTS))
    assert result.store._all is None  # 348 documents in 4 batches: only block tables
    assert np.array_equal(result.blocks.block_words, tokenize(TEXTS).block_words)
    same_tokens(result.tokens, tokenize(TEXTS))


def test_a_text_changed_under_the_scan_is_an_error():
    docs = documents_from_texts(["One line.\nTwo lines here.", "Other text"])
    store = TokenStore(docs, tokenize([d.text for d in docs]).block_table())
    changed = documents_from_texts(["One line only.", "Other text"])
    with pytest.raises(RuntimeError, match="changed"):
        TokenStore(changed, store.blocks).of(np.array([0]))


def test_tokenising_on_threads_gives_the_same_tokens(monkeypatch):
    from dedup import text

    whole = tokenize(TEXTS)
    monkeypatch.setattr(text, "_CHUNK_TEXT_BYTES", 20_000)  # ~20 chunks of the sample
    same_tokens(tokenize(TEXTS, jobs=2), whole)
    same_tokens(tokenize(TEXTS, jobs=1), whole)


def test_verifying_a_chunk_of_documents_at_a_time_reports_the_same(monkeypatch):
    """Above scan.KEEP_WORDS_DOCS documents to verify, each verification pass tokenises
    them again in chunks instead of keeping their words; the findings are the same."""
    import sys

    from dedup import match

    scan = sys.modules["dedup.scan"]  # (dedup.scan is also the name of a function)

    monkeypatch.setattr(batch, "BATCH_DOCS", 100)
    kept = dedup.Report(dedup.Scanner().scan(documents_from_texts(TEXTS)))
    assert kept.summary["clusters"] > 0 and kept.summary["boilerplate"] > 0
    calls = []
    monkeypatch.setattr(scan, "KEEP_WORDS_DOCS", 0)
    monkeypatch.setattr(match, "SET_CHUNK_DOCS", 16)
    original = TokenStore.of
    monkeypatch.setattr(TokenStore, "of", lambda self, docs: calls.append(len(docs)) or original(self, docs))
    chunked = dedup.Report(dedup.Scanner().scan(documents_from_texts(TEXTS)))
    assert calls.count(16) >= 4  # verified in chunks of 16 documents
    assert chunked.to_json() == kept.to_json()
    # with two threads the first pass's sets are written to disk by the thread beside
    spills = []
    original_spill = scan._spill_sets
    monkeypatch.setattr(scan, "_spill_sets", lambda *sets: spills.append(len(sets)) or original_spill(*sets))
    two = dedup.Report(dedup.Scanner(jobs=2).scan(documents_from_texts(TEXTS)))
    assert spills == [2] and two.to_json() == kept.to_json()


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_the_words_of_some_blocks_in_any_order_a_few_documents_at_a_time(monkeypatch, jobs):
    from dedup import tokens

    monkeypatch.setattr(tokens, "CHUNK_DOCS", 3)
    whole = tokenize(TEXTS)
    store = TokenStore(documents_from_texts(TEXTS), whole.block_table(), jobs=jobs)
    shuffled = np.random.default_rng(1).permutation(np.flatnonzero(whole.block_words >= 8))[:60]
    assert len(np.unique(whole.block_doc[shuffled])) > 3 * 5  # several chunks
    for blocks in (shuffled, np.sort(shuffled)):  # ascending blocks are filled in place
        words = store.block_words(blocks)
        for i, b in enumerate(blocks.tolist()):
            span = slice(whole.word_offsets[b], whole.word_offsets[b + 1])
            got = slice(words.offsets[i], words.offsets[i + 1])
            assert np.array_equal(words.word_hash[got], whole.word_hash[span])
            assert np.array_equal(words.word_is_number[got], whole.word_is_number[span])
    assert len(store.block_words(np.zeros(0, dtype=np.int64)).offsets) == 1


def test_the_tokens_of_some_of_the_documents_are_theirs():
    whole = tokenize(TEXTS)
    store = TokenStore(documents_from_texts(TEXTS), whole.block_table())
    docs = np.arange(1, whole.n_docs, 3)
    words = store.of(docs)
    local = np.array([0, 2, 5, len(docs) - 1])
    part = words.take(local)
    expected = store.of(docs[local])
    assert np.array_equal(part.docs, expected.docs) and np.array_equal(part.blocks, expected.blocks)
    assert np.array_equal(part.tokens.word_hash, expected.tokens.word_hash)
    assert np.array_equal(part.tokens.doc_block_offsets, expected.tokens.doc_block_offsets)
