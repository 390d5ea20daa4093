"""The per-document work of a scan, for one batch of texts, on one or many processes.

Everything that depends on one document alone happens here: blocks and words
(``text.tokenize``), the type hash of each block, shingles, each document's shingle set
and signature, and the hash of its whole normalised text. It is most of a scan's time,
so with ``jobs > 1`` the texts are cut into batches that worker processes handle
independently; the results are concatenated in input order, so they are identical to a
single-process run. Stages that compare documents with each other (LSH, verification,
groups, boilerplate) run afterwards on the concatenated arrays.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .blocks import long_block_signatures
from .minhash import make_scheme
from .shingles import SetBatch, ngram_hashes, sequence_hashes
from .text import TokenizedBatch, tokenize

#: below this many documents a pool costs more (process start-up, transfers) than it saves
MIN_DOCS_PER_JOB = 2_000


@dataclass
class BatchFeatures:
    """Per-document results for a batch; block and document numbers are batch-local.

    Attributes:
        tokens: blocks and words (see :class:`~dedup.text.TokenizedBatch`).
        type_hash: hash of each block's word sequence (its normalised text).
        doc_hash: hash of each document's whole normalised text.
        shingle_hash, shingle_block: every shingle and its block (unsorted).
        full_sets: each document's shingle set over all its blocks.
        signatures: ``(documents, num_perm)`` uint32 signatures of ``full_sets``.
        long_blocks, long_block_signatures: the blocks of at least ``short_block_words``
            words and the signatures of their word sets (for near-matching paragraphs).
        figure_hash, figure_block: every figure (word with a digit, number word) and its block.
    """

    tokens: TokenizedBatch
    type_hash: np.ndarray
    doc_hash: np.ndarray
    shingle_hash: np.ndarray
    shingle_block: np.ndarray
    full_sets: SetBatch
    signatures: np.ndarray
    long_blocks: np.ndarray
    long_block_signatures: np.ndarray
    figure_hash: np.ndarray
    figure_block: np.ndarray


def compute(texts: Sequence[str], ngram: int, scheme: str, num_perm: int, seed: int,
            short_block_words: int) -> BatchFeatures:
    """Everything of :class:`BatchFeatures` for ``texts``, in this process."""
    tb = tokenize(texts)
    long_blocks, long_sigs = long_block_signatures(tb, short_block_words)
    n = tb.n_docs
    sh_hash, sh_block = ngram_hashes(tb.word_hash, tb.word_offsets, ngram)
    full_sets = SetBatch.from_pairs(sh_hash, tb.block_doc[sh_block], n)
    return BatchFeatures(
        tokens=tb,
        type_hash=sequence_hashes(tb.word_hash, tb.word_offsets),
        doc_hash=sequence_hashes(tb.word_hash, tb.word_offsets[tb.doc_block_offsets]),
        shingle_hash=sh_hash,
        shingle_block=sh_block,
        full_sets=full_sets,
        signatures=make_scheme(scheme, num_perm, seed).sign(full_sets),
        long_blocks=long_blocks,
        long_block_signatures=long_sigs,
        figure_hash=tb.word_hash[tb.word_is_number],
        figure_block=np.repeat(np.arange(tb.n_blocks), tb.block_words)[tb.word_is_number],
    )


def _compute_args(args: tuple) -> BatchFeatures:
    return compute(*args)


def compute_parallel(texts: Sequence[str], ngram: int, scheme: str, num_perm: int, seed: int,
                     short_block_words: int, jobs: int = 1) -> BatchFeatures:
    """:func:`compute` over ``jobs`` processes (``-1``: all cores); identical results."""
    if jobs < 0:
        jobs = os.cpu_count() or 1
    jobs = max(1, min(jobs, len(texts) // MIN_DOCS_PER_JOB))
    if jobs == 1:
        return compute(texts, ngram, scheme, num_perm, seed, short_block_words)
    # a few batches per worker keep both busy when batches differ in cost
    bounds = np.linspace(0, len(texts), 4 * jobs + 1).astype(int)
    tasks = [(list(texts[a:b]), ngram, scheme, num_perm, seed, short_block_words)
             for a, b in zip(bounds[:-1], bounds[1:])]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        parts = list(pool.map(_compute_args, tasks))
    return concat(parts)


def concat(parts: Sequence[BatchFeatures]) -> BatchFeatures:
    """Join batches in order, renumbering documents, blocks and words."""
    doc_off = np.cumsum([0] + [p.tokens.n_docs for p in parts])
    block_off = np.cumsum([0] + [p.tokens.n_blocks for p in parts])
    word_off = np.cumsum([0] + [len(p.tokens.word_hash) for p in parts])
    set_off = np.cumsum([0] + [len(p.full_sets.values) for p in parts])
    tb = TokenizedBatch(
        block_doc=np.concatenate([p.tokens.block_doc + o for p, o in zip(parts, doc_off)]),
        block_start=np.concatenate([p.tokens.block_start for p in parts]),
        block_end=np.concatenate([p.tokens.block_end for p in parts]),
        doc_block_offsets=np.concatenate([[0]] + [p.tokens.doc_block_offsets[1:] + o
                                                  for p, o in zip(parts, block_off)]),
        word_offsets=np.concatenate([[0]] + [p.tokens.word_offsets[1:] + o for p, o in zip(parts, word_off)]),
        word_hash=np.concatenate([p.tokens.word_hash for p in parts]),
        word_is_number=np.concatenate([p.tokens.word_is_number for p in parts]),
    )
    return BatchFeatures(
        tokens=tb,
        type_hash=np.concatenate([p.type_hash for p in parts]),
        doc_hash=np.concatenate([p.doc_hash for p in parts]),
        shingle_hash=np.concatenate([p.shingle_hash for p in parts]),
        shingle_block=np.concatenate([p.shingle_block + o for p, o in zip(parts, block_off)]),
        full_sets=SetBatch(np.concatenate([p.full_sets.values for p in parts]),
                           np.concatenate([[0]] + [p.full_sets.offsets[1:] + o for p, o in zip(parts, set_off)])),
        signatures=np.concatenate([p.signatures for p in parts]),
        long_blocks=np.concatenate([p.long_blocks + o for p, o in zip(parts, block_off)]),
        long_block_signatures=np.concatenate([p.long_block_signatures for p in parts]),
        figure_hash=np.concatenate([p.figure_hash for p in parts]),
        figure_block=np.concatenate([p.figure_block + o for p, o in zip(parts, block_off)]),
    )
