"""Signature schemes: datasketch identity, accuracy of the fast scheme, determinism."""

import json
import os
import subprocess
import sys
from pathlib import Path

import datasketch
import numpy as np
import pytest

from dedup.minhash import DatasketchMinHash, OnePermutationHashing, estimate_jaccard, to_lean_minhash
from dedup.shingles import SetBatch, intersection_sizes, ngram_hashes
from dedup.text import tokenize

ROOT = Path(__file__).parents[1]
NEWS = ROOT / "examples" / "news"
SAMPLE = ROOT / "tests" / "data" / "reuters_sample.jsonl"


def real_texts() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(NEWS.glob("*.txt"))]
    if SAMPLE.exists():
        texts += [json.loads(line)["text"] for line in SAMPLE.read_text(encoding="utf-8").splitlines()[:150]]
    return texts


def shingle_sets(texts, ngram=5, per_block=False):
    tb = tokenize(texts)
    h, blk = ngram_hashes(tb.word_hash, tb.word_offsets, ngram)
    if per_block:
        return SetBatch.from_pairs(h, blk, tb.n_blocks)
    return SetBatch.from_pairs(h, tb.block_doc[blk], tb.n_docs)


@pytest.mark.parametrize("num_perm,seed", [(128, 1), (64, 42)])
def test_datasketch_scheme_is_bit_identical(num_perm, seed):
    sets = shingle_sets(real_texts()[:40])
    sig = DatasketchMinHash(num_perm, seed).sign(sets)
    for i in range(len(sets)):
        m = datasketch.MinHash(num_perm=num_perm, seed=seed, hashfunc=int)
        m.update_batch([int(v) for v in sets[i]])
        assert np.array_equal(m.hashvalues, sig[i]), i


def _edit(words_, rate, rng):
    out = list(words_)
    for i in range(len(out)):
        if rng.random() < rate:
            out[i] = f"edit{rng.integers(1_000_000)}"
    return " ".join(out)


def test_fast_scheme_tracks_exact_jaccard_on_real_paragraphs_and_articles():
    rng = np.random.default_rng(0)
    texts = real_texts()
    paragraphs = [line for t in texts for line in t.splitlines() if len(line.split()) >= 15]
    articles = [t for t in texts if len(t.split()) >= 80]
    pairs = []
    for pool in (paragraphs, articles):
        for _ in range(500):
            a = pool[rng.integers(len(pool))]
            # half the pairs are a text and an edited copy (any similarity), half random pairs
            b = _edit(a.split(), rng.uniform(0, 0.6), rng) if rng.random() < 0.5 else pool[rng.integers(len(pool))]
            pairs.append((a.replace("\n", " "), b.replace("\n", " ")))
    flat = [t for pair in pairs for t in pair]
    sets = shingle_sets(flat)
    ia, ib = np.arange(0, len(flat), 2), np.arange(1, len(flat), 2)
    inter = intersection_sizes(sets, ia, sets, ib)
    exact = inter / (sets.sizes[ia] + sets.sizes[ib] - inter)
    sig = OnePermutationHashing(128, 1).sign(sets)
    est = estimate_jaccard(sig[ia], sig[ib])
    assert len(pairs) == 1000
    assert np.mean(np.abs(est - exact)) <= 0.05
    assert abs(np.mean(est - exact)) <= 0.01  # unbiased
    assert exact.min() < 0.2 and exact.max() > 0.9  # the pairs span the whole range


def test_signatures_work_in_datasketch_indexes():
    texts = real_texts()[:5]
    sig = OnePermutationHashing(128, 1).sign(shingle_sets(texts + [texts[0]]))
    lsh = datasketch.MinHashLSH(threshold=0.8, num_perm=128)
    for i in range(5):
        lsh.insert(str(i), to_lean_minhash(sig[i]))
    assert lsh.query(to_lean_minhash(sig[5])) == ["0"]
    assert to_lean_minhash(sig[0]).jaccard(to_lean_minhash(sig[5])) == 1.0


def test_empty_sets_get_the_empty_signature_in_both_schemes():
    sets = SetBatch.from_pairs(np.array([5, 6], dtype=np.uint32), np.array([1, 1]), 3)
    for scheme in (OnePermutationHashing(16), DatasketchMinHash(16)):
        sig = scheme.sign(sets)
        assert (sig[0] == 0xFFFFFFFF).all() and (sig[2] == 0xFFFFFFFF).all()
        assert (sig[1] != 0xFFFFFFFF).all()


def test_short_sets_are_densified_consistently():
    # a one-shingle block and a two-shingle block: every bin filled, equal sets equal signatures
    sets = SetBatch.from_pairs(np.array([7, 7, 8, 7], dtype=np.uint32), np.array([0, 1, 1, 2]), 3)
    sig = OnePermutationHashing(128, 1).sign(sets)
    assert (sig != 0xFFFFFFFF).all()
    assert np.array_equal(sig[0], sig[2])
    assert 0.2 < estimate_jaccard(sig[0], sig[1]) < 0.8


def test_signatures_identical_across_processes_with_different_hash_seeds():
    code = ("import sys, hashlib; from dedup.io import read_documents; from dedup.scan import Scanner; "
            "r = Scanner().scan(read_documents([sys.argv[1]])); "
            "print(hashlib.sha256(r.signatures.tobytes()).hexdigest(), r.repeats.to_json())")
    outs = set()
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        out = subprocess.run([sys.executable, "-c", code, str(NEWS)], env=env, capture_output=True, text=True,
                             check=True, cwd=ROOT)
        outs.add(out.stdout)
    assert len(outs) == 1
