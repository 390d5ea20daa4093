"""The per-document work of a scan, for batches of texts, on one or many threads.

Everything that depends on one document alone happens here: blocks and words
(``text.tokenize``), the type hash of each block, each document's signature and LSH
band keys (from its shingles, which are then dropped) and the hash of its whole
normalised text. The texts
are cut into batches of :data:`BATCH_DOCS`, so the shingles and words of one batch at a
time exist: of a corpus of several batches only the block tables are kept, and the
stages that compare documents tokenise the few they need again (:mod:`dedup.tokens`).
The work is done by compiled loops (:mod:`dedup.kernels`) that release the GIL, so
with ``jobs > 1`` threads take batches side by side, sharing the texts and results
without copying them between processes; results are concatenated in input order, so
they are identical to a single-threaded run. Stages that compare documents with each
other (LSH, verification, groups, boilerplate) run afterwards on the concatenated arrays.
"""

from __future__ import annotations

import collections
import itertools
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from . import lsh
from .blocks import long_block_signatures
from .memory import release_free_memory
from .minhash import OnePermutationHashing, make_scheme
from .shingles import SetBatch, ngram_hashes, sequence_hashes
from .spill import SpilledRows
from .text import BlockTable, TokenizedBatch, tokenize

#: a text that runs every compiled loop of :func:`compute` (a long paragraph, a
#: figure, non-ASCII letters)
_WARM_UP_TEXT = "Loading the compiled loops: 1.5 figures and a paragraph long enough to sign.\n\nÉtude ﬁ"

#: documents per batch: a batch's shingles (~12 bytes each, ~500 a news article) are its
#: largest temporary, ~25 MB at 4,096 articles; smaller batches cost more calls
BATCH_DOCS = 4_096
#: batches read ahead per thread, waiting to be signed: enough that a thread never
#: waits for the reader, few enough that the texts in memory stay a few batches
READ_AHEAD = 2


@dataclass
class BatchFeatures:
    """Per-document results for a batch; block and document numbers are batch-local.

    Shingles are not kept: a document's signature is computed straight from its
    shingle hashes, and the exact sets that verification needs are rebuilt from the
    words, for the documents in candidate pairs only (``scan``).

    Attributes:
        blocks: the block table (see :class:`~dedup.text.BlockTable`).
        tokens: blocks and words (see :class:`~dedup.text.TokenizedBatch`), kept only
            when asked for (a corpus of one batch), else None.
        type_hash: hash of each block's word sequence (its normalised text).
        doc_hash: hash of each document's whole normalised text.
        signatures: ``(documents, num_perm)`` uint32 signatures of the shingle sets; of a
            corpus of several batches, in a temporary file (:class:`~dedup.spill.SpilledRows`):
            no stage reads them, they are only part of the result.
        band_keys: ``(documents, bands)`` uint64 LSH keys of the signatures' bands
            (:func:`dedup.lsh.band_keys`), 72 bytes a document for 9 bands, against 512
            for the signature they come from.
        long_block_signatures, long_block_set_sizes: the signatures and the sizes of
            the word sets of the blocks of at least ``short_block_words`` words, in block
            order (for near-matching paragraphs; which blocks they are follows from
            ``blocks.block_words``).
    """

    blocks: BlockTable
    tokens: TokenizedBatch | None
    type_hash: np.ndarray
    doc_hash: np.ndarray
    signatures: np.ndarray | SpilledRows
    band_keys: np.ndarray
    long_block_signatures: np.ndarray
    long_block_set_sizes: np.ndarray


def compute(texts: Sequence[str], ngram: int, scheme: str, num_perm: int, seed: int,
            short_block_words: int, bands: tuple[int, int], keep_tokens: bool = True) -> BatchFeatures:
    """Everything of :class:`BatchFeatures` for ``texts``, in this thread, with ``bands``
    ``(b, r)`` band keys per document (the words dropped unless ``keep_tokens``)."""
    tb = tokenize(texts)
    _, long_sigs, long_sizes = long_block_signatures(tb, short_block_words)
    n = tb.n_docs
    sh_hash, sh_block = ngram_hashes(tb.word_hash, tb.word_offsets, ngram)
    sh_doc = tb.block_doc[sh_block]
    signer = make_scheme(scheme, num_perm, seed)
    if isinstance(signer, OnePermutationHashing):
        # shingles come in block order, so each document's are one run
        bounds = np.searchsorted(sh_doc, np.arange(n + 1))
        signatures = signer.sign_segments(sh_hash, bounds[:-1], bounds[1:])
    else:
        signatures = signer.sign(SetBatch.from_grouped(sh_hash, sh_doc, n))
    return BatchFeatures(
        blocks=tb.block_table(),
        tokens=tb if keep_tokens else None,
        type_hash=sequence_hashes(tb.word_hash, tb.word_offsets),
        doc_hash=sequence_hashes(tb.word_hash, tb.word_offsets[tb.doc_block_offsets]),
        signatures=signatures,
        band_keys=lsh.band_keys(signatures, *bands),
        long_block_signatures=long_sigs,
        long_block_set_sizes=long_sizes,
    )


def compute_batches(batches: Iterable[Sequence[str]], ngram: int, scheme: str, num_perm: int, seed: int,
                    short_block_words: int, bands: tuple[int, int], jobs: int = 1) -> BatchFeatures:
    """:func:`compute` for each batch of texts as it arrives, then joined in order.

    ``batches`` may be a generator that reads the input: with ``jobs > 1`` (``-1``: all
    cores) batches are handed to a pool of ``jobs`` threads as soon as they are read, so
    reading the next batch overlaps with signing the previous ones (and, at the start,
    with loading the compiled loops); reading waits while :data:`READ_AHEAD` batches a
    thread are waiting. Results are identical for any ``jobs`` and any cut into batches. A corpus of one batch keeps its
    tokens (:attr:`BatchFeatures.tokens`); a larger one only its block tables.
    """
    jobs = threads(jobs)
    args = (ngram, scheme, num_perm, seed, short_block_words, bands)
    pool = ThreadPoolExecutor(max_workers=jobs) if jobs > 1 else None
    try:
        if pool is not None:
            # a worker loads the compiled loops (numba imported, the cached code read)
            # while this thread reads the first batches: Arrow parses JSONL without the
            # GIL, so the two overlap (100,000 articles, 2 threads, whole scan, medians of
            # two sets of alternating runs: 8.30 -> 7.59 s and 8.71 -> 8.47 s; while the
            # reader held the GIL, loading took 1.2-1.7 s instead of 0.4 s, and it was
            # done before reading instead)
            pool.submit(compute, [_WARM_UP_TEXT], *args)
        batches = iter(batches)
        first = next(batches, [])
        if pool is None:
            second = next(batches, None)
            if second is None:  # one batch (or none): its words are kept
                return compute(first, *args)
            results = Results()
            for texts in itertools.chain((first, second), batches):
                results.add(compute(texts, *args, False))
            return results.joined()
        # the first batch goes to the pool at once, its words kept until a second batch
        # shows that it is not the only one; then at most READ_AHEAD batches a thread are
        # read and not yet signed: reading (~5x faster than signing) would otherwise hold
        # every text of the input at once
        waiting: collections.deque = collections.deque([pool.submit(compute, first, *args, True)])
        results = Results()
        for texts in batches:
            # in halves: the threads share the last batch too, rather than one signing
            # it alone while the other waits (results do not depend on the cut)
            half = (len(texts) + 1) // 2
            for part in (texts[:half], texts[half:]) if half else (texts,):
                if len(waiting) >= 2 * READ_AHEAD * jobs:
                    results.add(waiting.popleft().result())
                waiting.append(pool.submit(compute, part, *args, False))
            texts = part = None
        for future in waiting:
            results.add(future.result())
        waiting.clear()  # each held its result: concat frees each batch's arrays as it joins them
        return results.joined(pool)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def threads(jobs: int) -> int:
    """The number of threads ``jobs`` asks for (``-1``: one per core)."""
    return (os.cpu_count() or 1) if jobs < 0 else max(1, jobs)


def compute_parallel(texts: Sequence[str], ngram: int, scheme: str, num_perm: int, seed: int,
                     short_block_words: int, bands: tuple[int, int], jobs: int = 1) -> BatchFeatures:
    """:func:`compute_batches` over ``texts`` cut into batches of :data:`BATCH_DOCS`."""
    batches = (texts[a:a + BATCH_DOCS] for a in range(0, len(texts), BATCH_DOCS))
    return compute_batches(batches, ngram, scheme, num_perm, seed, short_block_words, bands, jobs)


class Results:
    """The batches' results in input order. From the second on, each batch's signatures
    go to a temporary file as it comes, rather than all at the end: they are the largest
    result (512 bytes a document), and at a million articles, held until the last batch,
    they made the scan's peak (2.0 GB resident at the end of reading)."""

    def __init__(self) -> None:
        self.parts: list[BatchFeatures] = []
        self.signatures: SpilledRows | None = None

    def add(self, part: BatchFeatures) -> None:
        self.parts.append(part)
        if len(self.parts) == 2:  # not one batch: none keeps its words, all spill their signatures
            self.parts[0].tokens = None
            self.signatures = SpilledRows(np.uint32, part.signatures.shape[1], "signature")
            self._spill(self.parts[0])
        if self.signatures is not None:
            self._spill(part)

    def _spill(self, part: BatchFeatures) -> None:
        self.signatures.append(part.signatures)
        part.signatures = None

    def joined(self, pool: ThreadPoolExecutor | None = None) -> BatchFeatures:
        """The one batch, or all joined (:func:`concat`, with ``pool``); the list is emptied."""
        parts, self.parts = self.parts, []
        return parts[0] if len(parts) == 1 else concat(parts, self.signatures, pool)


#: the fields :func:`concat` joins on a thread of its pool, if given, while the calling
#: thread joins the others: the paragraph signatures (~200 MB at a million articles)
#: and the per-document fields, about half of the bytes (0.5 s of copying at a million)
_JOINED_BESIDE = ("long_block_signatures", "long_block_set_sizes", "band_keys", "doc_hash")


def concat(parts: list[BatchFeatures], signatures: SpilledRows,
           pool: ThreadPoolExecutor | None = None) -> BatchFeatures:
    """Join batches in order, renumbering documents and blocks (the words are not joined:
    ``tokens`` is None; the signatures are ``signatures``, the temporary file where the
    parts' went as they were done, see :class:`Results`).

    ``parts`` is emptied: each batch's arrays are freed as soon as they are copied, so
    joining needs about one field's worth of memory beyond its result rather than twice
    the result (at a million articles the joined arrays are ~0.8 KB a document); two,
    one a thread, when ``pool`` joins :data:`_JOINED_BESIDE` beside this thread.
    """
    doc_off = np.cumsum([0] + [p.blocks.n_docs for p in parts])[:-1]
    block_off = np.cumsum([0] + [p.blocks.n_blocks for p in parts])[:-1]
    block_fields = ("block_doc", "block_start", "block_end", "block_words")
    columns = {name: [getattr(p.blocks, name) for p in parts] for name in block_fields}
    columns["doc_block_offsets"] = [np.zeros(1, dtype=np.int64)] + [p.blocks.doc_block_offsets[1:] for p in parts]
    for name in ("type_hash", "doc_hash", "band_keys", "long_block_signatures", "long_block_set_sizes"):
        columns[name] = [getattr(p, name) for p in parts]
    parts.clear()
    shifts = {"block_doc": doc_off, "doc_block_offsets": np.concatenate(([0], block_off))}

    def join_all(names: Sequence[str]) -> dict[str, np.ndarray]:
        return {name: _join(columns[name], shifts.get(name)) for name in names}

    beside = pool.submit(join_all, _JOINED_BESIDE) if pool is not None else None
    joined = join_all([name for name in columns if beside is None or name not in _JOINED_BESIDE])
    if beside is not None:
        joined.update(beside.result())
    return BatchFeatures(
        blocks=BlockTable(**{name: joined[name] for name in block_fields + ("doc_block_offsets",)}),
        tokens=None,
        type_hash=joined["type_hash"],
        doc_hash=joined["doc_hash"],
        signatures=signatures,
        band_keys=joined["band_keys"],
        long_block_signatures=joined["long_block_signatures"],
        long_block_set_sizes=joined["long_block_set_sizes"],
    )


def _join(arrays: list[np.ndarray], shifts: np.ndarray | None = None) -> np.ndarray:
    """``np.concatenate(arrays)`` (each plus its shift, if given), emptying ``arrays`` as
    it goes so that each part is freed once copied."""
    out = np.empty((sum(len(a) for a in arrays),) + arrays[0].shape[1:], dtype=arrays[0].dtype)
    pos = 0
    for k in range(len(arrays)):
        a = arrays[k]
        arrays[k] = None
        out[pos:pos + len(a)] = a if shifts is None else a + shifts[k]
        pos += len(a)
    del a
    # the parts lay between arrays that stay: their pages are free only once handed back,
    # so that joining needs one field's worth of memory beyond its result (a million
    # articles: 1.8 GB resident while joining, 2.8 GB without)
    release_free_memory()
    return out
