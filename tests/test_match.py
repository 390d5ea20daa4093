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
