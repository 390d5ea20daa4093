"""A persistent, incremental index of documents: "which old article does this new one duplicate?"

:class:`Index` keeps, in one SQLite file (stdlib ``sqlite3``, WAL mode, never pickle),
what it takes to answer that for a batch of new documents without their old texts:

============  ==========================================================================
table         one row per
============  ==========================================================================
``meta``      parameter: schema version, ``ngram``, ``num_perm``, ``seed``, ``scheme``,
              bands x rows, ``min_block_words``, the word-hash seed, the other
              :class:`~dedup.scan.Params` used as defaults for queries, and how many
              words the vocabulary holds (a lost chunk is then noticed)
``docs``      document: its id, the number of its content words, a hash of its
              normalised text (equal: exact copy), and its content words as numbers
              into the vocabulary (varints: one byte below 128, two below 16,384, and the
              first numbers go to the most frequent words; about 1.5-1.7 bytes a word,
              :func:`encode_tokens`), paragraph by
              paragraph, boilerplate left out. Its shingle and figure sets, for exact
              verification, and its signature are computed again from them when needed
``vocabulary``  chunk of words an add met first: their 64-bit hashes (8 bytes each)
              and a bit each saying whether the word is a figure, numbered on from
              ``first``, the batch's most frequent first
``bands``     (band key, document): LSH buckets, keys cut to 32 bits (a collision only
              adds a candidate, and candidates are verified exactly)
``blocks``    (block key, document): the paragraphs of at least ``min_block_words``
              words, keys cut to 48 bits. Shared paragraphs are the second source of
              candidates, as in ``scan``: a copy truncated to a third has Jaccard ~0.3
              and no band in common, but shares its paragraphs whole
``near``      (key, document): LSH bands (:data:`NEAR_BANDS`, keys cut to 32 bits) of
              the word sets of a document's first :data:`NEAR_PARAGRAPHS` content
              paragraphs of ``short_block_words`` words or more: a paragraph written
              again ("Carmaker General Motors hopes to sell between 7,000 and 8,000
              vehicles" / "General Motors hopes to sell between 7,000 and 8,000 North
              American-made vehicles") shares a band. The third source of candidates,
              as in ``scan``: a corrected re-send with every paragraph edited has
              neither a band of the document nor a paragraph in common with its first
              version. An index made before it gets it, from the stored words, when
              first opened for writing
``boilerplate``  block type learnt as boilerplate from an added batch (its 64-bit hash
              and text): left out of every later document's shingles and candidates
============  ==========================================================================

Why words and not shingle hashes: a word is in ``ngram`` shingles, so the words are
the smaller record of the same sets. Sorted 32-bit shingle hashes cannot be coded in
much less than 3 bytes each (their entropy is ~24.6 bits for a 500-shingle article),
and a signature is 512 more bytes: 2,708 bytes an article of ~500 words in all, where
the words take 777 of the 1,257 an article now takes (``benchmarks/index_bench.py``).
The signature is a function of the shingle set, so it is not stored:
:meth:`Index.signature` computes it again.

Shingle sets leave boilerplate out, as ``scan`` does: a batch's boilerplate (found by
the scanner in the batch: site chrome shared by unrelated documents) and the
boilerplate learnt from earlier batches. So a story re-wrapped in another site's
chrome still matches its indexed copy exactly. Similarities are exact (computed on the
shingle sets), never MinHash estimates, and equal to what ``scan`` reports for the
same pair when both documents come with the same boilerplate.

Chrome that is nobody's boilerplate (a site seen once) is handled as ``scan`` does: a
new page and an indexed one whose shared paragraphs cover a third of both, and that
fail verification on their whole content, are verified again on the span from their
first shared paragraph to their last (:mod:`dedup.wrapped`, on the indexed page's
stored paragraphs); the similarity and containment reported are then the spans'.

Writes are transactions: an :meth:`Index.add` or :meth:`Index.remove` is committed
whole or not at all, even when the process is killed. :meth:`Index.query` only reads;
open the index with ``readonly=True`` to make that a guarantee (the command line does).

Examples:
    >>> import dedup, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "news.db")
    >>> story = "The central bank left rates unchanged on Thursday, citing slowing inflation and a weak labour market."
    >>> with dedup.Index(path) as idx:
    ...     idx.add([story], ids=["old-1"])
    ...     fresh = idx.query([story.replace("Thursday", "Thursday,"), "A different story about a football final."])
    1
    >>> fresh.documents[["doc", "is_duplicate", "duplicate_of", "similarity"]].values.tolist()
    [['0', True, 'old-1', 1.0], ['1', False, None, nan]]
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import sqlite3
import tempfile
import time
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np
import pandas as pd

from . import lsh
from .blocks import BLOCK_NUM_PERM, long_block_signatures
from .errors import DedupError, InputError, ParameterError, check_interrupted, committing, warn
from .io import MEMORY, Document, documents_from_texts, is_dask_collection, read_dataframe_documents
from .match import near_duplicate_rule, pair_stats, verification_sets
from .minhash import make_scheme, to_lean_minhash
from .report import HandedOut, Report, _plain, _version, jsonl, plural, printable, repeats_table, typed
from .scan import SHARED_MIN_COVER, Params, ScanResult, Scanner
from .shingles import SetBatch, fmix64, offsets_of, ragged_arange, rank_in_runs, sequence_hashes, sorted_distinct
from .text import NORMALIZATION, WORD_HASH_SEED, TokenizedBatch
from .wrapped import SPAN_MIN_COVER, span_copies

__all__ = ["Index", "QueryReport", "encode_tokens", "decode_tokens", "SCHEMA_VERSION"]

SCHEMA_VERSION = 2
#: parameters that decide what is stored: an index opened with other values would
#: give silently wrong answers, so that is an error
STORED_PARAMS = ("ngram", "num_perm", "seed", "scheme", "bands", "rows", "min_block_words", "word_hash_seed")
#: a paragraph key found in more indexed documents than this is not used for candidates
#: or overlap (as ``scan`` does with blocks in more than ``lsh.MAX_BUCKET`` documents)
MAX_BLOCK_DOCS = lsh.MAX_BUCKET
#: SQLite page size of a new index: rows of ~1-3 KB fill 16 KB pages to ~90 %
PAGE_SIZE = int(os.environ.get("DEDUP_INDEX_PAGE_SIZE", 16384))
#: documents coded or decoded at a time: their words' temporaries (~60 bytes a word in
#: numpy) stay near 60 MB whatever the size of an add or a query
CHUNK_DOCS = 2_048
_U64 = np.uint64
_BAND_SALT = fmix64(np.arange(1024, dtype=_U64) + _U64(0xB00))
#: LSH bands x rows of the paragraphs' 32-value word-set signatures in ``near``: those
#: ``scan`` uses for near-matching paragraphs (:func:`blocks.near_type_pairs`, at the
#: default ``block_threshold``)
NEAR_BANDS = lsh.optimal_params(0.6, BLOCK_NUM_PERM)
#: paragraphs of a document in ``near``: its first ones (of ``short_block_words`` and
#: ``min_block_words`` words or more). Measured on the first 15,000 Reuters-21578 stories
#: cleaned into an index twice (the second run keeps what the index misses of the
#: first's duplicates: 14 without ``near``) and ``benchmarks/index_bench.py --size
#: 20000`` (bytes an article, queries a second; 1,238 and 5,041 without ``near``): every
#: paragraph 2 kept, 2,048 bytes, 2,022 a second; the first 6: 3, 1,709, 2,994; the first
#: 4: 3, 1,552, 3,429; the first 2: 4, 1,395, 4,177; 4 x 8 bands, every paragraph: 4,
#: 1,785, 3,748. The generated articles' 6,000-word vocabulary makes their paragraphs
#: meet by chance far more than real news's (halves of those Reuters stories, one
#: queried against the other: 0.8 -> 1.1 s with every paragraph)
NEAR_PARAGRAPHS = 4

#: how long a statement waits for another connection's lock (SQLite's busy timeout, ms):
#: readers and checkpoints meet a writer's lock only briefly
BUSY_TIMEOUT_MS = 30_000
#: how long a writer waits for another run's write lock, which that run holds for its
#: whole clean (a million articles: ~1.5 min), and after how long it says it is waiting;
#: it waits a step at a time, so that Ctrl-C or SIGTERM is heard
LOCK_WAIT_SECONDS = 600.0
LOCK_WAIT_NOTICE_SECONDS = 2.0
LOCK_STEP_SECONDS = 0.25
#: keys looked up in one statement (SQLite allows 32,766 parameters since 3.32, 999 before)
NEAR_KEYS_AT_ONCE = 900
_NEAR_SALT = fmix64(np.arange(64, dtype=_U64) + _U64(0xE4A))

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS docs (
    doc INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    words INTEGER NOT NULL,
    text_hash INTEGER NOT NULL,
    tokens BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS vocabulary (first INTEGER PRIMARY KEY, hashes BLOB NOT NULL, figures BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS bands (key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (key, doc)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blocks (key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (key, doc)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS boilerplate (hash INTEGER PRIMARY KEY, text TEXT NOT NULL, documents INTEGER NOT NULL);
"""
#: the table an index made before 2026-11-27 lacks (added when it is opened for writing)
_NEAR_TABLE = "CREATE TABLE IF NOT EXISTS near (key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (key, doc)) " \
              "WITHOUT ROWID"
_SCHEMA += _NEAR_TABLE + ";\n"


# ---------------------------------------------------------------------------
# Compact word sequences: varints of numbers into the index's vocabulary
# ---------------------------------------------------------------------------


def encode_varints(values: np.ndarray) -> np.ndarray:
    """LEB128 code of non-negative integers below ``2**63``: 7 bits a byte, the high
    bit set on every byte but a value's last, so values below 128 take one byte and
    below 16,384 two. Returns a ``uint8`` array; :func:`decode_varints` reverses it.

    Examples:
        >>> encode_varints(np.array([5, 300])).tolist()
        [5, 172, 2]
    """
    v = np.asarray(values, dtype=np.int64)
    if len(v) and v.min() < 0:
        raise ValueError("varints code non-negative integers")
    v = v.astype(_U64)
    return _leb128(v, _varint_sizes(v))


def _leb128(v: np.ndarray, size: np.ndarray) -> np.ndarray:
    """:func:`encode_varints` of uint64 ``v``, whose codes take ``size`` bytes each."""
    end = np.cumsum(size)
    out = np.zeros(int(end[-1]) if len(v) else 0, dtype=np.uint8)
    start = end - size
    for k in range(int(size.max()) if len(v) else 0):
        has = size > k
        byte = (v[has] >> _U64(7 * k)) & _U64(0x7F)
        more = (size[has] > k + 1).astype(_U64) << _U64(7)
        out[start[has] + k] = (byte | more).astype(np.uint8)
    return out


def _varint_sizes(values: np.ndarray) -> np.ndarray:
    """Bytes of each value's LEB128 code (``values`` uint64)."""
    size = np.ones(len(values), dtype=np.int64)
    for k in range(1, 10):
        size += values >= _U64(1) << _U64(7 * k)
    return size


def decode_varints(data: np.ndarray | bytes) -> np.ndarray:
    """The ``int64`` values coded by :func:`encode_varints` (one after the other)."""
    buf = np.frombuffer(data, dtype=np.uint8) if isinstance(data, (bytes, bytearray, memoryview)) else data
    if len(buf) == 0:
        return np.zeros(0, dtype=np.int64)
    if buf[-1] >= 0x80:
        raise ValueError("varints cut short")
    ends = np.flatnonzero(buf < 0x80)
    starts = np.concatenate(([0], ends[:-1] + 1))
    shift = (np.arange(len(buf)) - np.repeat(starts, ends - starts + 1)) * 7
    if shift.max() > 56:
        raise ValueError("varint too long")
    return np.add.reduceat((buf & 0x7F).astype(_U64) << shift.astype(_U64), starts).astype(np.int64)


def content_tokens(tb: TokenizedBatch, keep_block: np.ndarray, lo: int = 0, hi: int | None = None) -> TokenizedBatch:
    """Documents ``lo:hi`` of ``tb`` (default: all) with only their blocks where
    ``keep_block`` (a document's content: boilerplate left out), in order, with their
    words; every document stays, perhaps with no block. Character spans are not kept."""
    hi = len(tb.doc_block_offsets) - 1 if hi is None else hi
    first = tb.doc_block_offsets[lo]
    blocks = first + np.flatnonzero(keep_block[first:tb.doc_block_offsets[hi]])
    counts = np.bincount(tb.block_doc[blocks] - lo, minlength=hi - lo)
    words = tb.word_positions(blocks)
    return _words_only(offsets_of(counts), offsets_of(tb.block_words[blocks]), tb.word_hash[words],
                       tb.word_is_number[words])


def _words_only(doc_block_offsets: np.ndarray, word_offsets: np.ndarray, word_hash: np.ndarray,
                word_is_number: np.ndarray) -> TokenizedBatch:
    """Documents' blocks and words without where the blocks are in the texts (spans 0):
    all that shingle and figure sets need."""
    blocks = len(word_offsets) - 1
    return TokenizedBatch(block_doc=np.repeat(np.arange(len(doc_block_offsets) - 1), np.diff(doc_block_offsets)),
                          block_start=np.zeros(blocks, np.int64), block_end=np.zeros(blocks, np.int64),
                          doc_block_offsets=doc_block_offsets, word_offsets=word_offsets, word_hash=word_hash,
                          word_is_number=word_is_number)


def content_chunks(tb: TokenizedBatch, keep_block: np.ndarray) -> Iterator[TokenizedBatch]:
    """:func:`content_tokens` of :data:`CHUNK_DOCS` documents at a time, so that coding
    a large add needs memory for one chunk's words, not the batch's."""
    n = len(tb.doc_block_offsets) - 1
    for lo in range(0, n, CHUNK_DOCS):
        yield content_tokens(tb, keep_block, lo, min(lo + CHUNK_DOCS, n))


def encode_tokens(content: TokenizedBatch, numbers: np.ndarray) -> list[bytes]:
    """Each document's content as varints: its number of blocks, each block's number of
    words, then its words as ``numbers`` (one per word of ``content``, into the index's
    vocabulary). About 1.5 bytes a word, where its 32-bit shingle hashes took 3."""
    nb = np.diff(content.doc_block_offsets)
    nw = np.diff(content.word_offsets[content.doc_block_offsets])
    per_doc = 1 + nb + nw
    first = offsets_of(per_doc)[:-1]
    values = np.empty(int(per_doc.sum()), dtype=np.int64)
    values[first] = nb
    count_at = ragged_arange(first + 1, nb)
    values[count_at] = content.block_words
    values[ragged_arange(first + 1 + nb, nw)] = numbers
    v = values.view(_U64)  # counts and numbers: never negative
    size = _varint_sizes(v)
    raw = _leb128(v, size).tobytes()
    # each document's bytes end where its last value's code ends
    bounds = np.concatenate(([0], np.cumsum(size)[offsets_of(per_doc)[1:] - 1]))
    return [raw[bounds[i]:bounds[i + 1]] for i in range(len(per_doc))]


def decode_tokens(blobs: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What :func:`encode_tokens` coded, for several documents: ``(doc_block_offsets,
    word_offsets, numbers)``. Raises ``ValueError`` on a blob that does not add up."""
    none = np.zeros(0, dtype=np.int64)
    if not all(isinstance(b, bytes) for b in blobs):
        raise ValueError("a token blob is not bytes")
    if not len(blobs):
        return np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64), none
    lengths = np.fromiter((len(b) for b in blobs), dtype=np.int64, count=len(blobs))
    if lengths.min() == 0:
        raise ValueError("an empty token blob")
    buf = np.frombuffer(b"".join(blobs), dtype=np.uint8)
    last = np.cumsum(lengths) - 1
    if np.any(buf[last] >= 0x80):
        raise ValueError("a token blob ends inside a varint")
    values = decode_varints(buf)
    ends_per_blob = np.cumsum(buf < 0x80)[last]
    first = np.concatenate(([0], ends_per_blob[:-1])).astype(np.int64)
    nb = values[first] if len(first) else np.zeros(0, dtype=np.int64)
    if np.any(first + 1 + nb > ends_per_blob):
        raise ValueError("a token blob does not add up")
    block_words = values[ragged_arange(first + 1, nb)]
    doc_block_offsets = offsets_of(nb)
    word_offsets = offsets_of(block_words)
    nw = word_offsets[doc_block_offsets[1:]] - word_offsets[doc_block_offsets[:-1]]
    if np.any(first + 1 + nb + nw != ends_per_blob):
        raise ValueError("a token blob does not add up")
    return doc_block_offsets, word_offsets, values[ragged_arange(first + 1 + nb, nw)]


def _signed(u: np.ndarray, bits: int) -> np.ndarray:
    """The top ``bits`` of 64-bit hashes as signed integers (SQLite stores them in bits/8 bytes)."""
    return (np.asarray(u, dtype=_U64) >> _U64(64 - bits)).astype(np.int64) - (1 << (bits - 1))


# ---------------------------------------------------------------------------
# Features of a batch of documents
# ---------------------------------------------------------------------------


@dataclass
class Batch:
    """What the index stores and compares of a batch of documents.

    Attributes:
        documents: the documents; ``result``: the scanner's findings in the batch.
        type_hash: 64-bit hash of every block type of ``result.index``.
        boilerplate: mask over the types left out: boilerplate found in the batch or
            learnt earlier, and the batch's template lines (``ScanResult.template``).
        learnt: boilerplate found in the batch (:func:`story_boilerplate`), which an add stores.
        keep_block: mask over the blocks of ``result.tokens``: content, not boilerplate.
            An add stores their words (:func:`content_chunks`, :func:`encode_tokens`).
        shingles, figures: each document's shingle and figure hashes, from those blocks.
        words: content words (boilerplate left out); ``empty``: no content shingles.
        signatures: ``(n, num_perm)`` uint32; ``band_keys``: ``(n, bands)`` 32-bit keys.
        text_hash: hash of the whole normalised text (equal for exact copies).
        blocks: DataFrame ``doc, block, key, words``: each document's distinct content
            paragraphs of at least ``min_block_words`` words (first block of the type,
            global number), with their 48-bit key.
        near: ``(m, 2)`` rows ``document, key`` of the LSH bands of each document's
            first content paragraphs (:func:`near_keys`).
    """

    documents: list[Document]
    result: ScanResult
    type_hash: np.ndarray
    boilerplate: np.ndarray
    learnt: np.ndarray
    keep_block: np.ndarray
    shingles: SetBatch
    figures: SetBatch
    words: np.ndarray
    empty: np.ndarray
    signatures: np.ndarray
    band_keys: np.ndarray
    text_hash: np.ndarray
    blocks: pd.DataFrame
    near: np.ndarray

    def __len__(self) -> int:
        return len(self.documents)


def analyse(documents: Sequence[Document], params: Params, known_boilerplate: np.ndarray | None = None,
            bands: tuple[int, int] | None = None) -> Batch:
    """Compute a batch's features (see :class:`Batch`) with the core's public functions.

    Args:
        known_boilerplate: 64-bit hashes of block types to treat as boilerplate besides
            the batch's own (those learnt by an index).
        bands: LSH ``(b, r)`` of the band keys (default ``params.bands``; an index keeps
            those it was built with).
    """
    p = params
    docs = list(documents)
    n = len(docs)
    result = Scanner(**dataclasses.asdict(p)).scan(docs)
    tb, bi = result.tokens, result.index
    block_hash = sequence_hashes(tb.word_hash, tb.word_offsets) if tb.n_blocks else np.zeros(0, dtype=_U64)
    type_hash = block_hash[bi.type_first_block] if bi.n_types else np.zeros(0, dtype=_U64)
    learnt = story_boilerplate(result)
    # a template's lines are left out of what is stored and compared, but not learnt:
    # they are no boilerplate (the index lists what it learnt)
    boilerplate = learnt | result.template
    if known_boilerplate is not None and len(known_boilerplate):
        boilerplate |= np.isin(type_hash.view(np.int64), np.asarray(known_boilerplate, dtype=np.int64))
    keep_block = bi.content_blocks(boilerplate)
    shingles, figures = _sets(tb, p.ngram, keep_block)
    words = np.bincount(tb.block_doc, weights=tb.block_words * keep_block, minlength=n).astype(np.int64)
    empty = shingles.sizes == 0
    signatures = make_scheme(p.scheme, p.num_perm, p.seed).sign(shingles)
    b, r = bands or p.bands
    band_keys = _signed(lsh.band_keys(signatures, b, r) ^ _BAND_SALT[None, :b], 32)
    text_hash = sequence_hashes(tb.word_hash, tb.word_offsets[tb.doc_block_offsets]).view(np.int64)

    occ = bi.occurrences
    countable = (bi.type_words >= p.min_block_words) & ~boilerplate
    occ = occ[countable[occ["type"].to_numpy()]] if len(occ) else occ
    types = occ["type"].to_numpy(dtype=np.int64)
    blocks = pd.DataFrame({"doc": occ["doc"].to_numpy(dtype=np.int64), "block": occ["block"].to_numpy(dtype=np.int64),
                           "key": _signed(type_hash[types], 48), "words": bi.type_words[types].astype(np.int64)})
    return Batch(docs, result, type_hash, boilerplate, learnt, keep_block, shingles, figures, words, empty, signatures,
                 band_keys, text_hash, blocks, near_keys(tb, p, keep_block))


def near_keys(tb: TokenizedBatch, params: Params, keep_block: np.ndarray | None = None) -> np.ndarray:
    """``(m, 2)`` rows ``document, key``: the :data:`NEAR_BANDS` LSH bands (32-bit keys)
    of the word-set signatures of each document's first :data:`NEAR_PARAGRAPHS`
    paragraphs of ``tb`` that ``scan`` compares for near matches (``short_block_words``
    and ``min_block_words`` words or more) and that are content (``keep_block``, default
    all), each row once. The same for a batch being added or queried and for indexed
    documents read back (their stored paragraphs are the content ones, in order)."""
    blocks, signatures, _ = long_block_signatures(tb, params.short_block_words)
    kept = tb.block_words[blocks] >= params.min_block_words
    if keep_block is not None:
        kept &= keep_block[blocks]
    blocks, signatures = blocks[kept], signatures[kept]
    # a document's first NEAR_PARAGRAPHS of them (blocks ascend, so by document)
    first = rank_in_runs(tb.block_doc[blocks]) < NEAR_PARAGRAPHS
    blocks, signatures = blocks[first], signatures[first]
    b, r = NEAR_BANDS
    keys = _signed(lsh.band_keys(signatures, b, r) ^ _NEAR_SALT[None, :b], 32)
    rows = np.stack((np.repeat(tb.block_doc[blocks].astype(np.int64), b), keys.ravel()), axis=1)
    return np.unique(rows, axis=0) if len(rows) else rows.reshape(0, 2)


def _sets(tb: TokenizedBatch, ngram: int, keep_block: np.ndarray | None = None) -> tuple[SetBatch, SetBatch]:
    """The shingle and figure sets of every document of ``tb`` (from its blocks where
    ``keep_block``): the same functions for a batch being added or queried and for
    indexed documents read back."""
    docs = np.arange(len(tb.doc_block_offsets) - 1)
    return verification_sets(tb, docs, ngram, keep_block)


def story_boilerplate(result: ScanResult) -> np.ndarray:
    """The scan's boilerplate, less the block types found only in copies of one story.

    Copies of one story never make its paragraphs boilerplate. The scanner
    forms its groups before all its candidates are known (pairs found through
    near-matching paragraphs join later), so an article and its edited copy can count
    as two groups, making their shared title and sign-off "boilerplate" of the pair.
    A block type all of whose documents are in one cluster is not boilerplate here.
    """
    mask = result.boilerplate.copy()
    occ = result.index.occurrences
    if not mask.any() or len(occ) == 0:
        return mask
    # a document's story is its cluster's representative (itself when alone)
    story = result.representative[occ["doc"].to_numpy(dtype=np.int64)]
    stories = pd.DataFrame({"type": occ["type"].to_numpy(), "story": story}).drop_duplicates().groupby("type").size()
    n_stories = np.zeros(len(mask), dtype=np.int64)
    n_stories[stories.index.to_numpy()] = stories.to_numpy()
    return mask & (n_stories >= 2)


def as_documents(data: Any, text: str = "text", id: str | None = None,
                 ids: Iterable[Any] | None = None) -> tuple[list[Document], pd.Index]:
    """Documents from a DataFrame, a Series of texts (its index gives the ids), texts or
    :class:`Document` objects, and the index results are aligned to (the DataFrame's or
    Series' own, else 0..n-1)."""
    if ids is not None and (isinstance(data, (pd.Series, pd.DataFrame))
                            or any(isinstance(x, Document) for x in (data if isinstance(data, list) else []))):
        raise ParameterError("ids= names the documents of a list of texts; a DataFrame's come from its id "
                             "column (id=) or its index, a Document's from itself")
    if isinstance(data, pd.Series):
        if not data.index.is_unique:
            repeated = data.index[data.index.duplicated()][0]
            raise InputError(f"the Series' index repeats {str(repeated)!r}, and the index gives the ids; use "
                             "series.reset_index(drop=True), or pass a DataFrame and id= a column of unique ids",
                             MEMORY)
        data = data.to_frame(name=text)
    if isinstance(data, pd.DataFrame):
        documents = read_dataframe_documents(data, text=text, id=id)
        if id is not None and not data.index.is_unique:
            # results are aligned to the index: its labels name rows (report.rows, clean's removed)
            repeated = data.index[data.index.duplicated()][0]
            warn(f"the DataFrame's index repeats {str(repeated)!r}, and results name rows by their index label: "
                 "report.rows() and the index of clean's frames would pick every row with a label; "
                 "df.reset_index(drop=True) first to tell the rows apart")
        return documents, data.index
    if is_dask_collection(data):
        raise ParameterError(f"a Dask {type(data).__name__} is scanned by dedup.scan or dedup.dask.scan; here, "
                             "pass a pandas one (its .compute()), with client= where the scan can use a cluster")
    if isinstance(data, (str, bytes)):
        raise ParameterError("expected a list of texts or a DataFrame, not a single string")
    if isinstance(data, Mapping) or not isinstance(data, Iterable):  # a dict's keys are not its texts
        raise ParameterError(f"expected a list of texts or a DataFrame, not {type(data).__name__}")
    items = list(data)
    if items and all(isinstance(x, Document) for x in items):
        return items, pd.RangeIndex(len(items))
    return documents_from_texts(items, ids), pd.RangeIndex(len(items))


# ---------------------------------------------------------------------------
# The index
# ---------------------------------------------------------------------------


class Index:
    """A persistent, incremental index of documents in an SQLite file.

    Args:
        path: the index file; created (with its parameters) when missing.
        readonly: open without the right to write (for queries; the file must exist).
        **params: any :class:`~dedup.scan.Params` field. A new index stores them. An
            existing index keeps the ones it was built with; giving one that decides
            what is stored (``ngram``, ``num_perm``, ``seed``, ``scheme``,
            ``min_block_words``, or a ``threshold`` that needs other bands x rows) with
            another value raises :class:`~dedup.errors.ParameterError`. The others
            (``containment``, ``min_shingles``, ...) apply to this session's queries.

    Attributes:
        bands: LSH ``(b, r)`` of its band keys, as it was built (an index of an older
            dedup keeps its own; ``params.bands`` is what a new one would get).

    Note:
        Each :meth:`add` runs the scanner on its batch to find the batch's boilerplate,
        and stores it, so that later batches leave that chrome out too. Add articles in
        daily batches (hundreds or more), not one by one, so that site chrome is seen
        on several unrelated pages at once; or clean them first (``dedup clean``).

    Examples:
        >>> import dedup, tempfile, os
        >>> idx = dedup.Index(os.path.join(tempfile.mkdtemp(), "i.db"), num_perm=64)
        >>> idx.bands, len(idx)
        ((9, 7), 0)
        >>> idx.close()
    """

    def __init__(self, path: str | os.PathLike, readonly: bool = False, **params: Any):
        self.path = os.fsdecode(path)
        self.readonly = readonly
        self._depth = 0
        self._writing = False  # in a transaction that may write
        self._changed = False  # ... that added or removed documents
        # the vocabulary as read (committed words), and as read inside a write transaction
        self._vocab: tuple[np.ndarray, np.ndarray] = (np.zeros(0, np.int64), np.zeros(0, bool))
        self._vocab_txn: tuple[np.ndarray, np.ndarray] | None = None
        self._unseen_wal = False  # a reader's, who cannot write the directory, of a -wal file with content
        if readonly and not os.path.exists(self.path):
            raise DedupError("no such index", self.path)
        if not readonly and os.path.isdir(self.path):
            raise DedupError("is a directory, not an index file", self.path)
        if not readonly and self.path != ":memory:" and not os.path.exists(self.path):
            self._make(params)
        try:
            if readonly:
                # read-write to SQLite ("rw": never created), read-only to this class
                # (which writes only through _writable): reading a file in WAL mode makes
                # its -wal and -shm files, which only a connection that may write removes
                # when it closes (a pre-commit check would leave them in the working tree;
                # leaving the file out of WAL mode made writers wait for readers instead;
                # SQLite's query_only would also refuse the temporary tables a query uses).
                # A file that may not be written is read as it is ("immutable"), without the
                # -wal and -shm files that could not be made there (a read-only directory or
                # medium) or removed after; what a -wal file holds then is not seen, and said
                # (a review: another user's run had committed a day there, and this reader
                # answered without it)
                mode = "rw" if _writable(self.path) else "ro&immutable=1"
                if mode != "rw" and os.path.exists(self.path + "-wal") and os.path.getsize(self.path + "-wal"):
                    self._unseen_wal = True
                    warn(f"{self.path}: the index may have changes in its -wal file that a reader who cannot "
                         "write it does not see (a run writing it now, or one killed); opened once by a user "
                         "who can, they are merged")
                uri = "file:" + _uri_path(self.path) + "?mode=" + mode
                self._db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
            else:
                self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if not readonly:
                self._db.execute("PRAGMA journal_mode = WAL")  # (an index made by an older dedup)
                self._db.execute("PRAGMA synchronous = NORMAL")
            self.params = self._open(params)
        except BaseException as e:
            self._close_quietly()
            if not isinstance(e, sqlite3.DatabaseError):
                raise
            if isinstance(e, sqlite3.OperationalError):  # the file may be fine; reading or writing it is not
                raise DedupError(f"cannot open the index ({e})", self.path) from None
            raise DedupError(f"not a dedup index ({e})", self.path) from None

    def _make(self, params: dict) -> None:
        """Make a new index at :attr:`path`: whole, in a hidden file of its own beside it,
        then linked to its name. No run ever opens it half made, and a run that fails (a
        full disk, a wrong parameter) removes only its own file (a review: two runs making
        one index at once both failed now and then, and the maker's clean-up removed the
        file another run had added to). Made meanwhile by another run, that one is used."""
        directory = os.path.dirname(os.path.abspath(self.path))
        if not os.path.isdir(directory):
            raise DedupError("cannot create the index: no such directory", self.path)
        try:  # SQLite takes an empty file as a new database
            fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(self.path)}.", suffix=".tmp", dir=directory)
            os.close(fd)
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(tmp, 0o666 & ~mask)  # as a file made by open() would be, not mkstemp's 0600
        except OSError as e:
            raise DedupError(f"cannot create the index ({e.strerror or e})", self.path) from None
        try:
            try:
                self._db = sqlite3.connect(tmp, isolation_level=None, check_same_thread=False)
                # one article's row (~2 KB) per 4 KB page would leave pages half empty
                self._db.execute(f"PRAGMA page_size = {PAGE_SIZE}")
                self._db.execute("PRAGMA journal_mode = WAL")
                self._open(params)
                self._db.close()  # its -wal merged and removed: the file is whole
                self._db = None
            except sqlite3.DatabaseError as e:
                raise DedupError(f"cannot create the index ({e})", self.path) from None
            try:
                os.link(tmp, self.path)
            except FileExistsError:  # made meanwhile by another run
                pass
            except OSError:  # a file system without hard links
                if not os.path.exists(self.path):
                    os.rename(tmp, self.path)
        finally:
            if self._db is not None:
                self._close_quietly()
            for suffix in ("", "-wal", "-shm", "-journal"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(tmp + suffix)

    # ------------------------------------------------------------------ opening
    def _open(self, given: dict) -> Params:
        unknown = set(given) - set(Params.__dataclass_fields__)
        if unknown:
            raise ParameterError(f"unknown index parameter(s): {', '.join(sorted(unknown))}")
        tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "meta" not in tables:
            if self.readonly and self._unseen_wal:
                raise DedupError("the index is all in its -wal file, which a reader who cannot write its directory "
                                 "cannot read: open it once as a user who can", self.path)
            if self.readonly:
                raise DedupError("not a dedup index (no meta table)", self.path)
            with self.transaction():
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self._db.execute(statement)
                if self._db.execute("SELECT COUNT(*) FROM meta").fetchone()[0] == 0:
                    params = Params(**given)
                    self._write_meta(params)
        meta = dict(self._db.execute("SELECT key, value FROM meta"))
        if "schema_version" not in meta or "params" not in meta:
            raise DedupError("not a dedup index (no parameters stored)", self.path)
        if int(meta["schema_version"]) != SCHEMA_VERSION:
            # version 1 (dedup before 2026-11-26) stored shingle hashes, not words: the
            # words cannot be found again from them, so there is nothing to convert
            older = int(meta["schema_version"]) < SCHEMA_VERSION
            raise ParameterError(f"index schema version {meta['schema_version']} is not supported "
                                 f"(this dedup reads version {SCHEMA_VERSION})"
                                 + ("; build a new index from the articles" if older else ""), self.path)
        stored = Params(**json.loads(meta["params"]))
        self.normalization = int(meta.get("normalization", 1))
        if self.normalization < NORMALIZATION:
            # its words stay as they were: a text holding &rsquo; or &#8217; gave the words
            # "rsquo" and "8217", and matches less well now that they are decoded
            warn(f"{self.path}: index built before HTML character references (&rsquo;, &#8217;) were decoded "
                 f"(normalisation {self.normalization}, now {NORMALIZATION}): texts holding them match its "
                 f"documents less well; build a new index from the articles")
        # the LSH bands its keys were cut with, which it keeps: an index built before the
        # bands were weighed for recall (10 x 12 at 0.78, now 16 x 8) still finds what it did
        self.bands = (int(meta["bands"]), int(meta["rows"])) if "bands" in meta and "rows" in meta \
            else stored.bands
        self._stored = stored
        self._word_hash_seed = int(meta.get("word_hash_seed", WORD_HASH_SEED))
        params = self.params_with(**given)
        tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        self._near = "near" in tables  # (what it holds is used, all of it or not)
        if meta.get("near_keys") != "complete":
            if self.readonly:
                warn(f"{self.path}: index made before paragraphs written again were indexed: a new document "
                     f"whose every paragraph is edited (a corrected re-send) is not found in it; opening it "
                     f"for writing once (any `dedup index add`) adds them from its stored words")
            else:
                through = meta.get("near_through", "-1") if self._near else "-1"
                self._add_near_table(params, int(through) if through.lstrip("-").isdigit() else -1)
        return params

    def _add_near_table(self, params: Params, last: int = -1) -> None:
        """The ``near`` table of an index made before it, from the stored words of the
        indexed documents after number ``last`` (those before were done by an earlier
        open), :data:`CHUNK_DOCS` at a time, a transaction each: one killed midway keeps
        what it did (``near_through`` in ``meta``), and the writers' lock is let go between
        (0.93 s for 8,000 generated articles; said, since it takes that long once). Done,
        ``near_keys`` is ``complete``."""
        db = self._db
        count = db.execute("SELECT COUNT(*) FROM docs WHERE doc > ?", (last,)).fetchone()[0]
        if count:
            warn(f"{self.path}: adding the bands of its documents' paragraphs, once ({count:,} documents; an "
                 f"index made before 2026-11-27 lacks them)")
        with self.transaction():
            db.execute(_NEAR_TABLE)
        self._near = True
        while True:
            with self.transaction():
                rows = db.execute("SELECT doc, tokens FROM docs WHERE doc > ? ORDER BY doc LIMIT ?",
                                  (last, CHUNK_DOCS)).fetchall()
                if not rows:
                    db.execute("INSERT OR REPLACE INTO meta VALUES ('near_keys', 'complete')")
                    return
                numbers = np.array([r[0] for r in rows], dtype=np.int64)
                self._insert_near(near_keys(self._stored_tokens([r[1] for r in rows]), params), numbers)
                last = int(numbers[-1])
                db.execute("INSERT OR REPLACE INTO meta VALUES ('near_through', ?)", (str(last),))

    def params_with(self, **given: Any) -> Params:
        """The index's parameters with ``given`` in place of theirs (those a scan may
        change, such as ``containment``), or a :class:`ParameterError` for one that
        decides what the index stores (``ngram``, ``num_perm``, ``seed``, ``scheme``,
        ``min_block_words``, and a ``threshold`` under the index's, which needs other LSH
        bands; a higher one is verified on the candidates of the index's bands): what
        opening it with ``given`` checks, for work done on an index already open."""
        Params.of(**given)  # an unknown one is named, with the one meant
        stored = self._stored
        wanted = dataclasses.replace(stored, **given)
        stored_key, wanted_key = _stored_key(stored), _stored_key(wanted)
        stored_key["word_hash_seed"] = self._word_hash_seed
        diffs = [k for k in STORED_PARAMS if stored_key[k] != wanted_key[k]]
        if diffs and set(diffs) <= {"bands", "rows"} and wanted.threshold > stored.threshold:
            # a higher threshold: the index's bands find at least the pairs its own would
            # (more candidates, each verified exactly), so its keys serve (a review's case)
            diffs = []
        if diffs and set(diffs) <= {"bands", "rows"} and wanted.threshold != stored.threshold:
            # the LSH bands follow from the threshold, which is what a user gave
            raise ParameterError(f"index was built for threshold {stored.threshold} (LSH bands={stored_key['bands']}, "
                                 f"rows={stored_key['rows']}), and a lower threshold, {wanted.threshold}, needs other "
                                 f"bands; use a threshold of at least the index's, or build a new index", self.path,
                                 params=("threshold",))
        if diffs:
            have = ", ".join(f"{k}={stored_key[k]}" for k in diffs)
            want = ", ".join(f"{k}={wanted_key[k]}" for k in diffs)
            raise ParameterError(f"index was built with {have}, not {want}; use those parameters or a new index",
                                 self.path, params=tuple(diffs))
        return wanted

    def _write_meta(self, params: Params) -> None:
        b, r = params.bands
        rows = {"schema_version": str(SCHEMA_VERSION), "params": json.dumps(dataclasses.asdict(params)),
                "bands": str(b), "rows": str(r), "word_hash_seed": str(WORD_HASH_SEED),
                "normalization": str(NORMALIZATION), "created_by": _version(), "near_keys": "complete"}
        self._db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", rows.items())

    # ------------------------------------------------------------------ basics

    def __len__(self) -> int:
        """The number of indexed documents."""
        return self._connection().execute("SELECT COUNT(*) FROM docs").fetchone()[0]

    def __contains__(self, doc_id: object) -> bool:
        return self._connection().execute("SELECT 1 FROM docs WHERE id = ?", (str(doc_id),)).fetchone() is not None

    def held(self, ids: Iterable[Any]) -> set[str]:
        """Those of ``ids`` (as ``str``) that name indexed documents."""
        return {r[0] for r in _select_in(self._connection(), "SELECT id FROM docs WHERE id IN ({})",
                                         list(dict.fromkeys(map(str, ids))))}

    def __repr__(self) -> str:
        return f"<Index {self.path!r}: {len(self)} documents>" if self._db is not None else \
            f"<Index {self.path!r}: closed>"

    def _connection(self) -> sqlite3.Connection:
        """The database connection, unless the index is closed (a clear error, not ``None``)."""
        if self._db is None:
            raise DedupError("the index is closed", self.path)
        return self._db

    def ids(self) -> list[str]:
        """The ids of the indexed documents, in the order they were added."""
        return [r[0] for r in self._connection().execute("SELECT id FROM docs ORDER BY doc")]

    def signature(self, doc_id: str):
        """The signature of an indexed document as a ``datasketch.LeanMinHash``."""
        row = self._connection().execute("SELECT tokens FROM docs WHERE id = ?", (str(doc_id),)).fetchone()
        if row is None:
            raise KeyError(doc_id)
        return to_lean_minhash(self._signatures([row[0]])[0], self.params.seed)

    def _signatures(self, blobs: Sequence[bytes]) -> np.ndarray:
        """Signatures of indexed documents, computed again from their stored tokens
        (a signature is a function of the shingle set, so it need not be stored)."""
        p = self.params
        return make_scheme(p.scheme, p.num_perm, p.seed).sign(self._stored_sets(blobs)[0])

    @property
    def boilerplate(self) -> pd.DataFrame:
        """The boilerplate learnt so far: ``text, documents`` (in the batch it was found in)."""
        query = "SELECT text, documents FROM boilerplate ORDER BY documents DESC, text"
        rows = self._connection().execute(query).fetchall()
        return pd.DataFrame(rows, columns=["text", "documents"])

    def close(self) -> None:
        """Close the file (an open transaction is rolled back)."""
        if self._db is not None:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            self._db.close()
            self._db = None

    def _close_quietly(self) -> None:
        try:
            self._db.close()
        except Exception:  # pragma: no cover
            pass
        self._db = None

    def __enter__(self) -> "Index":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator["Index"]:
        """Group queries and writes into one transaction, committed when the block ends.

        Writers are serialised (``BEGIN IMMEDIATE``): between a query and an add made in
        one transaction no other process can add. If the block raises, nothing is written.
        Nested calls join the outer transaction. ``write=False`` only reads (a snapshot,
        taking no lock that would keep writers out).
        """
        self._connection()  # a closed index: an error
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self._writing = write and not self.readonly
        self._changed = False
        try:
            if self._writing:
                self._begin_writing()
            else:
                self._db.execute("BEGIN")
        except BaseException:
            self._writing = False
            raise
        self._depth = 1
        try:
            try:
                yield self
                check_interrupted()  # nothing is committed after Ctrl-C (:func:`dedup.errors.interrupts_marked`)
                with committing() if self._changed else contextlib.nullcontext():  # documents added or removed
                    self._db.execute("COMMIT")
            except BaseException:
                # (a COMMIT that failed, on a full disk say, leaves the transaction open
                # unless SQLite rolled it back itself: the index stays usable)
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
            if self._vocab_txn is not None:
                self._vocab = self._vocab_txn
        finally:
            self._depth, self._writing, self._vocab_txn, self._changed = 0, False, None, False

    def _begin_writing(self) -> None:
        """``BEGIN IMMEDIATE``: the write lock, waited for while another run holds it (a
        daily job overlapping the day before's), up to :data:`LOCK_WAIT_SECONDS`, saying
        so once it has waited :data:`LOCK_WAIT_NOTICE_SECONDS`. SQLite waits a short
        step at a time, so that Ctrl-C or SIGTERM ends the wait at once (a review: SQLite's
        own 30 s wait ignored both, then ended in a traceback)."""
        start, told = time.monotonic(), False
        self._db.execute(f"PRAGMA busy_timeout = {int(LOCK_STEP_SECONDS * 1000)}")
        try:
            while True:
                tried = time.monotonic()
                try:
                    self._db.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as e:
                    if "locked" not in str(e) and "busy" not in str(e):
                        raise
                if time.monotonic() - tried < LOCK_STEP_SECONDS / 2:  # refused without waiting
                    time.sleep(LOCK_STEP_SECONDS)
                waited = time.monotonic() - start
                check_interrupted()
                if waited >= LOCK_WAIT_SECONDS:
                    raise DedupError(f"another run has held the index's write lock for {LOCK_WAIT_SECONDS:.0f} s; "
                                     "try again when it is done", self.path)
                if not told and waited >= LOCK_WAIT_NOTICE_SECONDS:
                    warn(f"{self.path}: another run is writing the index; waiting for it "
                         f"(up to {LOCK_WAIT_SECONDS / 60:.0f} min)")
                    told = True
        except BaseException:
            # Ctrl-C as the lock was taken: it is given back, not kept by an object whose
            # transaction never began (a code review)
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise
        finally:
            self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    def _known_boilerplate(self) -> np.ndarray:
        return np.fromiter((r[0] for r in self._db.execute("SELECT hash FROM boilerplate")), dtype=np.int64)

    # ------------------------------------------------------------------ writing
    def add(self, data: Any, text: str = "text", id: str | None = None, ids: Iterable[Any] | None = None) -> int:
        """Add documents (a DataFrame, texts, or :class:`~dedup.io.Document` objects).

        All of them are added in one transaction, or none (an id already in the index
        raises :class:`~dedup.errors.InputError` and adds nothing). Returns how many
        were added.

        Args:
            text, id: the text and id columns of a DataFrame (without ``id``, its index).
            ids: ids for a list of texts (default ``"0"``, ``"1"``, ...).
        """
        self._writable()
        docs, _ = as_documents(data, text, id, ids)
        if not docs:
            return 0
        with self.transaction():
            batch = analyse(docs, self.params, self._known_boilerplate(), self.bands)
            self._insert(batch)
        return len(docs)

    def _holds_text(self, doc_id: str, text_hash: int) -> bool:
        """Whether the index's document ``doc_id`` has normalised text of hash ``text_hash``."""
        row = self._db.execute("SELECT text_hash FROM docs WHERE id = ?", (doc_id,)).fetchone()
        return row is not None and int(row[0]) == int(text_hash)

    def _insert(self, batch: Batch) -> None:
        db = self._db
        self._changed = True
        ids = [d.id for d in batch.documents]
        db.execute("CREATE TEMP TABLE IF NOT EXISTS new_ids (id TEXT)")
        db.execute("DELETE FROM temp.new_ids")
        db.executemany("INSERT INTO temp.new_ids VALUES (?)", ((i,) for i in ids))
        # the first of the batch's ids that is taken, in input order (the error names its record)
        taken = db.execute("SELECT n.id FROM temp.new_ids n JOIN docs d ON d.id = n.id ORDER BY n.rowid LIMIT 1"
                           ).fetchone()
        if taken is not None:
            k = next(k for k, d in enumerate(batch.documents) if d.id == taken[0])
            d = batch.documents[k]
            path = d.path.replace(os.sep, "/")
            hint = ""
            if self._holds_text(d.id, batch.text_hash[k]):
                hint = " (the same text: it was added before)"
            elif re.fullmatch(r"(.*#)?[0-9]+", taken[0]):  # a record number, perhaps
                hint = "; records without an id are numbered from 0 in each file: give them ids (--id-field)"
            elif path.endswith("/" + d.id):  # another directory's file of the same name
                name = d.id.rsplit("/", 1)[-1]
                ext = name[name.index("."):] if "." in name else ""
                hint = (f"; a directory's files have their paths inside it as ids: name the files "
                        f"({path[:-len(d.id) - 1]}/*{ext}) for ids that hold the directory")
            else:  # a data engineer's review: the message did not say that the texts differ
                raise InputError(id_taken(taken[0], self.path), d.path, d.line)
            raise InputError(f"id {taken[0]!r} is already in the index {self.path}{hint}",
                             d.path, d.line)
        first = (db.execute("SELECT COALESCE(MAX(doc), 0) FROM docs").fetchone()[0]) + 1
        numbers = np.arange(first, first + len(ids), dtype=np.int64)
        tokens = self._encode(batch)
        db.executemany("INSERT INTO docs (doc, id, words, text_hash, tokens) VALUES (?, ?, ?, ?, ?)",
                       ((int(numbers[i]), ids[i], int(batch.words[i]), int(batch.text_hash[i]), tokens[i])
                        for i in range(len(ids))))
        live = np.flatnonzero(~batch.empty)
        keys = batch.band_keys[live]
        db.executemany("INSERT OR IGNORE INTO bands VALUES (?, ?)",
                       zip(keys.ravel().tolist(), np.repeat(numbers[live], keys.shape[1]).tolist()))
        bl = batch.blocks
        db.executemany("INSERT OR IGNORE INTO blocks VALUES (?, ?)",
                       zip(bl["key"].tolist(), numbers[bl["doc"].to_numpy()].tolist()))
        self._insert_near(batch.near, numbers)
        # boilerplate found in this batch, for later batches
        tb, bi = batch.result.blocks, batch.result.index
        occ = bi.occurrences
        counts = np.bincount(occ["type"].to_numpy(dtype=np.int64), minlength=bi.n_types) if len(occ) else []
        rows = []
        for t in np.flatnonzero(batch.learnt):
            blk = bi.type_first_block[t]
            text = batch.documents[tb.block_doc[blk]].text[tb.block_start[blk]:tb.block_end[blk]]
            rows.append((int(batch.type_hash[t:t + 1].view(np.int64)[0]), text, int(counts[t])))
        db.executemany("INSERT INTO boilerplate VALUES (?, ?, ?) ON CONFLICT (hash) DO UPDATE "
                       "SET documents = MAX(documents, excluded.documents)", rows)

    def _insert_near(self, near: np.ndarray, numbers: np.ndarray) -> None:
        """Rows ``document, key`` of :func:`near_keys` into ``near``, their documents
        numbered ``numbers`` in the index; in key order (fewer pages touched: adding went
        from 2,313 to 3,103 articles/s)."""
        near = near[np.argsort(near[:, 1], kind="stable")]
        self._db.executemany("INSERT OR IGNORE INTO near VALUES (?, ?)",
                             zip(near[:, 1].tolist(), numbers[near[:, 0]].tolist()))

    def _vocabulary(self) -> tuple[np.ndarray, np.ndarray]:
        """The index's words by number: their 64-bit hashes (as int64) and whether each is
        a figure. Read once, then only the chunks added since (it only grows).

        Words read inside a write transaction may be its own, uncommitted: they are kept
        apart (``_vocab_txn``) and only join what is remembered once the transaction
        commits, so a rollback (asked for, or made by SQLite itself on a full disk) leaves
        no word that another writer's words could later take the numbers of."""
        in_write = self._depth > 0 and self._writing
        base = self._vocab_txn if in_write and self._vocab_txn is not None else self._vocab
        hashes, figures = base
        rows = self._db.execute("SELECT first, hashes, figures FROM vocabulary WHERE first >= ? ORDER BY first",
                                (len(hashes),)).fetchall()
        parts_h, parts_f, end = [hashes], [figures], len(hashes)
        for first, h, f in rows:
            if first != end or len(h) % 8 or len(f) != (len(h) // 8 + 7) // 8:
                raise DedupError("the index is damaged (its vocabulary has a gap)", self.path)
            parts_h.append(np.frombuffer(h, dtype="<i8").astype(np.int64))
            parts_f.append(np.unpackbits(np.frombuffer(f, dtype=np.uint8), count=len(h) // 8).astype(bool))
            end += len(h) // 8
        stored = self._db.execute("SELECT value FROM meta WHERE key = 'vocabulary_words'").fetchone()
        if end < (int(stored[0]) if stored else 0):
            raise DedupError("the index is damaged (words missing from its vocabulary)", self.path)
        if rows:
            base = (np.concatenate(parts_h), np.concatenate(parts_f))
            if in_write:
                self._vocab_txn = base
            else:
                self._vocab = base
        return base

    def _word_numbers(self, chunks: Iterable[TokenizedBatch]) -> tuple[np.ndarray, np.ndarray]:
        """``(words, numbers)``: the distinct words of ``chunks`` (64-bit hashes as int64,
        sorted) and their numbers in the vocabulary. Words new to the index are added to
        it as one chunk (8 bytes and a bit a word), the most frequent in ``chunks`` first,
        so that the words most documents use get the numbers of one and two bytes."""
        vocab, _ = self._vocabulary()
        parts = []
        for c in chunks:
            codes, distinct = pd.factorize(c.word_hash.view(np.int64))  # a hash table: 5x np.unique's speed
            figure = np.zeros(len(distinct), dtype=bool)
            figure[codes] = c.word_is_number
            parts.append((distinct, np.bincount(codes, minlength=len(distinct)), figure))
        if not parts:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        codes, distinct = pd.factorize(np.concatenate([part[0] for part in parts]))
        freq = np.bincount(codes, weights=np.concatenate([part[1] for part in parts]), minlength=len(distinct))
        figure = np.zeros(len(distinct), dtype=bool)
        figure[codes] = np.concatenate([part[2] for part in parts])
        order = np.argsort(distinct)
        distinct, freq, figure = distinct[order], freq[order], figure[order]
        number = np.full(len(distinct), -1, dtype=np.int64)
        if len(distinct) and len(vocab):
            at = np.minimum(np.searchsorted(distinct, vocab), len(distinct) - 1)
            hit = distinct[at] == vocab
            number[at[hit]] = np.flatnonzero(hit)
        new = np.flatnonzero(number < 0)
        if len(new):
            new = new[np.lexsort((distinct[new], -freq[new]))]
            number[new] = np.arange(len(vocab), len(vocab) + len(new))
            self._db.execute("INSERT INTO vocabulary VALUES (?, ?, ?)",
                             (len(vocab), distinct[new].astype("<i8").tobytes(), np.packbits(figure[new]).tobytes()))
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('vocabulary_words', ?)", (str(len(vocab) + len(new)),))
        return distinct, number

    def _encode(self, batch: Batch) -> list[bytes]:
        """What an add stores of each document of ``batch``: :func:`encode_tokens` of its
        content, a chunk of documents at a time."""
        tb, keep = batch.result.tokens, batch.keep_block
        words, numbers = self._word_numbers(content_chunks(tb, keep))
        out: list[bytes] = []
        for chunk in content_chunks(tb, keep):
            out += encode_tokens(chunk, numbers[np.searchsorted(words, chunk.word_hash.view(np.int64))])
        return out

    def _stored_sets(self, blobs: Sequence[bytes]) -> tuple[SetBatch, SetBatch]:
        """The shingle and figure sets of indexed documents, from their stored tokens
        (:data:`CHUNK_DOCS` documents at a time)."""
        shingles, figure_sets_ = [], []
        for lo in range(0, max(len(blobs), 1), CHUNK_DOCS):
            sh, fg = _sets(self._stored_tokens(blobs[lo:lo + CHUNK_DOCS]), self.params.ngram)
            shingles.append(sh)
            figure_sets_.append(fg)
        return SetBatch.concat(shingles), SetBatch.concat(figure_sets_)

    def _stored_tokens(self, blobs: Sequence[bytes]) -> TokenizedBatch:
        """Indexed documents' content paragraphs and words, from their stored tokens
        (words only: where the paragraphs were in the texts is not stored)."""
        hashes, figures = self._vocabulary()
        try:
            doc_block_offsets, word_offsets, numbers = decode_tokens(blobs)
        except ValueError as e:
            raise DedupError(f"the index is damaged ({e})", self.path) from None
        if len(numbers) and numbers.max() >= len(hashes):
            raise DedupError("the index is damaged (words missing from its vocabulary)", self.path)
        return _words_only(doc_block_offsets, word_offsets, hashes[numbers].view(_U64), figures[numbers])

    def _near_pairs(self, batch: Batch) -> np.ndarray:
        """``(new document, indexed document)`` pairs whose paragraphs share a band in
        ``near`` (keys held by more than :data:`MAX_BLOCK_DOCS` indexed documents left out,
        as in ``shared``): the candidates of near-matching paragraphs."""
        if not self._near or len(batch.near) == 0:
            return np.zeros((0, 2), dtype=np.int64)
        # the indexed documents of each distinct key, NEAR_KEYS_AT_ONCE keys a statement
        # (inserting the ~24 rows an article has into a temporary table and joining it
        # took most of a query's time)
        keys = np.unique(batch.near[:, 1]).tolist()
        rows = list(_select_in(self._db, "SELECT key, doc FROM near WHERE key IN ({})", keys, NEAR_KEYS_AT_ONCE))
        held = np.array(rows, dtype=np.int64).reshape(-1, 2)
        # keys held by too many documents are left out; each new document's rows then
        # meet the indexed documents of their key
        distinct, counts = np.unique(held[:, 0], return_counts=True)
        held = held[~np.isin(held[:, 0], distinct[counts > MAX_BLOCK_DOCS])]
        held = held[np.argsort(held[:, 0], kind="stable")]
        lo = np.searchsorted(held[:, 0], batch.near[:, 1], side="left")
        hi = np.searchsorted(held[:, 0], batch.near[:, 1], side="right")
        q = np.repeat(batch.near[:, 0], hi - lo)
        doc = held[ragged_arange(lo, hi - lo), 1]
        if len(q) == 0:
            return np.zeros((0, 2), dtype=np.int64)
        return np.unique(np.stack((q, doc), axis=1), axis=0)

    def _span_matches(self, batch: Batch, shared: pd.DataFrame, pairs: np.ndarray, rows: dict) -> pd.DataFrame:
        """Of ``pairs`` (new document, indexed one) that are not near-duplicates, those
        that are one story on two sites' pages, or an excerpt of the other in chrome
        (:mod:`dedup.wrapped`), as ``scan`` finds them: verified on the span from the
        first paragraph the two share (``shared``) to the last. Returns ``q, doc,
        similarity, containment`` (the spans' Jaccard and containment) of those found."""
        p = self.params
        out = pd.DataFrame({"q": np.zeros(0, np.int64), "doc": np.zeros(0, np.int64),
                            "similarity": np.zeros(0), "containment": np.zeros(0)})
        if len(shared) == 0 or len(pairs) == 0:
            return out
        s = shared.drop_duplicates(["q", "key", "doc"])
        s = s[np.isin(lsh.pair_keys(s[["q", "doc"]].to_numpy(np.int64)), lsh.pair_keys(pairs))]
        if len(s) == 0:
            return out
        own_q = batch.blocks.groupby("doc")["words"].sum()
        together = s.groupby(["q", "doc"], sort=True)["words"].sum()
        q = together.index.get_level_values("q").to_numpy(np.int64)
        d = together.index.get_level_values("doc").to_numpy(np.int64)
        # the indexed documents' paragraphs, their keys, and which are content now
        distinct = sorted_distinct(d)
        stored = self._stored_tokens([rows[x][4] for x in distinct.tolist()])
        para_hash = sequence_hashes(stored.word_hash, stored.word_offsets)
        boilerplate = np.union1d(self._known_boilerplate(), batch.type_hash[batch.boilerplate].view(np.int64))
        para_content = ~np.isin(para_hash.view(np.int64), boilerplate)
        para_key = _signed(para_hash, 48)
        countable = para_content & (stored.block_words >= p.min_block_words)
        # own words of each indexed document: its distinct countable paragraphs
        first_of_key = ~pd.DataFrame({"d": stored.block_doc, "k": para_key}).duplicated().to_numpy()
        own_d = np.bincount(stored.block_doc, weights=stored.block_words * (countable & first_of_key),
                            minlength=len(distinct))
        local = np.searchsorted(distinct, d)
        own = np.stack((own_q.reindex(q, fill_value=0).to_numpy(), own_d[local]), axis=1)
        # as in scan: the shared paragraphs cover SHARED_MIN_COVER of the smaller, and for
        # two pages of one story (not an excerpt) SPAN_MIN_COVER of both
        cover = together.to_numpy() >= SHARED_MIN_COVER * np.maximum(own.min(axis=1), 1)
        wide = together.to_numpy() >= min(p.group_coverage, SPAN_MIN_COVER) * np.maximum(own.max(axis=1), 1)
        q, d, local, wide = q[cover], d[cover], local[cover], wide[cover]
        if len(q) == 0:
            return out
        # each pair's shared paragraphs: the new document's blocks (numbered in the batch)
        # and the indexed one's paragraphs that hold a key the two share
        s = s.merge(pd.DataFrame({"q": q, "doc": d, "k": np.arange(len(q))}), on=["q", "doc"])
        para = pd.DataFrame({"local": stored.block_doc, "key": para_key, "at": np.arange(stored.n_blocks)})
        hits = s[["k", "key"]].assign(local=local[s["k"].to_numpy()]).merge(para, on=["local", "key"])
        tb = batch.result.tokens
        new = tb.take(q)
        new_blocks = ragged_arange(tb.doc_block_offsets[q], np.diff(tb.doc_block_offsets)[q])
        old = stored.take(local)
        old_blocks = ragged_arange(stored.doc_block_offsets[local], np.diff(stored.doc_block_offsets)[local])
        width = np.int64(max(tb.n_blocks, stored.n_blocks) + 1)
        shared_new = np.isin(new.block_doc * width + new_blocks,
                             s["k"].to_numpy(np.int64) * width + s["block"].to_numpy(np.int64))
        shared_old = np.isin(old.block_doc * width + old_blocks,
                             hits["k"].to_numpy(np.int64) * width + hits["at"].to_numpy(np.int64))
        # pair k: documents k (new) and len(q) + k (indexed)
        found, stats = span_copies(TokenizedBatch.concat([new, old]), np.concatenate((shared_new, shared_old)),
                                   np.concatenate((batch.keep_block[new_blocks], para_content[old_blocks])), wide, p)
        return pd.DataFrame({"q": q[found], "doc": d[found], "similarity": stats.jaccard[found],
                             "containment": stats.containment[found]})

    def remove(self, ids: Iterable[str] | str | int) -> int:
        """Remove documents by id, in one transaction; returns how many were found.

        Band rows are found again from the stored tokens; paragraph rows by one
        pass over the ``blocks`` table (remove in batches, not one id at a time).
        """
        self._writable()
        ids = [str(ids)] if isinstance(ids, (str, int, np.integer)) else [str(i) for i in ids]  # as ``in`` takes them
        with self.transaction():
            db = self._db
            db.execute("CREATE TEMP TABLE IF NOT EXISTS gone (doc INTEGER PRIMARY KEY)")
            db.execute("DELETE FROM temp.gone")
            rows = list(_select_in(db, "SELECT doc, tokens FROM docs WHERE id IN ({})", ids))
            if not rows:
                return 0
            numbers = np.array([r[0] for r in rows], dtype=np.int64)
            db.executemany("INSERT INTO temp.gone VALUES (?)", ((int(x),) for x in numbers))
            sig = self._signatures([r[1] for r in rows])
            b, r_ = self.bands
            keys = _signed(lsh.band_keys(sig, b, r_) ^ _BAND_SALT[None, :b], 32)
            db.executemany("DELETE FROM bands WHERE key = ? AND doc = ?",
                           zip(keys.ravel().tolist(), np.repeat(numbers, b).tolist()))
            db.execute("DELETE FROM blocks WHERE doc IN (SELECT doc FROM temp.gone)")
            if self._near:
                db.execute("DELETE FROM near WHERE doc IN (SELECT doc FROM temp.gone)")
            db.execute("DELETE FROM docs WHERE doc IN (SELECT doc FROM temp.gone)")
            self._changed = True
        return len(rows)

    def _writable(self) -> None:
        if self.readonly:
            raise DedupError("the index was opened read-only", self.path)
        self._connection()  # a closed index: an error

    # ------------------------------------------------------------------ querying
    def query(self, data: Any, text: str = "text", id: str | None = None,
              ids: Iterable[Any] | None = None) -> "QueryReport":
        """Which of these new documents duplicate indexed ones; their repeats and overlap.

        Nothing is written. Returns a :class:`QueryReport` whose ``documents`` has one
        row per input document (indexed like the input DataFrame), so
        ``df[~index.query(df).is_duplicate]`` keeps the new ones.
        """
        if self._db is None:
            raise DedupError("the index is closed", self.path)
        docs, labels = as_documents(data, text, id, ids)
        with self.transaction(write=False):
            batch = analyse(docs, self.params, self._known_boilerplate(), self.bands)
            return self._query(batch, labels)

    def _query(self, batch: Batch, labels: pd.Index) -> "QueryReport":
        db, p = self._db, self.params
        n = len(batch)
        live = np.flatnonzero(~batch.empty)
        db.execute("CREATE TEMP TABLE IF NOT EXISTS q_keys (q INTEGER, key INTEGER)")
        db.execute("CREATE TEMP TABLE IF NOT EXISTS q_blocks (q INTEGER, block INTEGER, key INTEGER, words INTEGER)")
        db.execute("DELETE FROM temp.q_keys")
        db.execute("DELETE FROM temp.q_blocks")
        keys = batch.band_keys[live]
        db.executemany("INSERT INTO temp.q_keys VALUES (?, ?)",
                       zip(np.repeat(live, keys.shape[1]).tolist(), keys.ravel().tolist()))
        bl = batch.blocks
        db.executemany("INSERT INTO temp.q_blocks VALUES (?, ?, ?, ?)",
                       zip(bl["doc"].tolist(), bl["block"].tolist(), bl["key"].tolist(), bl["words"].tolist()))
        band_pairs = np.array(db.execute(
            "SELECT DISTINCT q.q, b.doc FROM temp.q_keys q JOIN bands b ON b.key = q.key").fetchall(),
            dtype=np.int64).reshape(-1, 2)
        shared = pd.DataFrame(db.execute(
            "SELECT q.q, q.block, q.key, q.words, b.doc FROM temp.q_blocks q JOIN blocks b ON b.key = q.key"
        ).fetchall(), columns=["q", "block", "key", "words", "doc"])
        if len(shared):
            per_key = shared.drop_duplicates(["key", "doc"]).groupby("key").size()
            shared = shared[shared["key"].map(per_key).to_numpy() <= MAX_BLOCK_DOCS]
        pairs = np.concatenate((band_pairs, shared[["q", "doc"]].to_numpy(dtype=np.int64).reshape(-1, 2),
                                self._near_pairs(batch)))
        pairs = np.unique(pairs, axis=0) if len(pairs) else pairs

        # the candidates' stored sets
        cand_docs = sorted_distinct(pairs[:, 1]) if len(pairs) else np.zeros(0, dtype=np.int64)
        rows = {r[0]: r for r in _select_in(db, "SELECT doc, id, words, text_hash, tokens FROM docs WHERE doc IN ({})",
                                            cand_docs.tolist())}
        position = {d: i for i, d in enumerate(cand_docs.tolist())}
        stored_sh, stored_fg = self._stored_sets([rows[d][4] for d in cand_docs.tolist()])
        shingles = SetBatch.concat([batch.shingles, stored_sh])
        figures = SetBatch.concat([batch.figures, stored_fg])
        qa = pairs[:, 0]
        da = np.array([position[d] for d in pairs[:, 1].tolist()], dtype=np.int64)
        stats = pair_stats(shingles, figures, qa, n + da)
        rule = near_duplicate_rule(stats, p.threshold, p.containment, p.min_shingles, p.min_figure_agreement)
        dup = rule != ""
        # a story on another site's page: the pair taken on the span the two share
        spans = self._span_matches(batch, shared, pairs[~dup], rows)
        jaccard, containment = stats.jaccard.copy(), stats.containment.copy()
        if len(spans):
            at = np.searchsorted(lsh.pair_keys(pairs), lsh.pair_keys(spans[["q", "doc"]].to_numpy(np.int64)))
            dup[at] = True
            rule[at] = "span"
            jaccard[at], containment[at] = spans["similarity"].to_numpy(), spans["containment"].to_numpy()
        cand_ids = np.array([rows[d][1] for d in cand_docs.tolist()], dtype=object)
        cand_hash = np.array([rows[d][3] for d in cand_docs.tolist()], dtype=np.int64)
        matches = pd.DataFrame({
            "doc_index": qa[dup], "doc": np.array([d.id for d in batch.documents], dtype=object)[qa[dup]],
            "indexed": cand_ids[da[dup]], "similarity": jaccard[dup].round(4),
            "containment": containment[dup].round(4),
            "exact": batch.text_hash[qa[dup]] == cand_hash[da[dup]], "rule": rule[dup],
        }).sort_values(["doc_index", "similarity", "containment", "indexed"], ascending=[True, False, False, True],
                       ignore_index=True)

        # overlap: shared paragraphs with indexed documents that are not duplicates
        overlaps = _overlaps(batch, shared, set(zip(qa[dup].tolist(), pairs[dup, 1].tolist())), rows)
        return QueryReport(batch, labels, matches, overlaps, p, len(self))


def _overlaps(batch: Batch, shared: pd.DataFrame, dup_pairs: set, rows: dict) -> pd.DataFrame:
    columns = ["doc_index", "doc", "indexed", "blocks", "coverage", "indexed_coverage"]
    if len(shared) == 0:
        return pd.DataFrame({c: [] for c in columns})
    s = shared.drop_duplicates(["q", "key", "doc"])
    keep = [(q, d) not in dup_pairs for q, d in zip(s["q"].tolist(), s["doc"].tolist())]
    s = s[keep]
    if len(s) == 0:
        return pd.DataFrame({c: [] for c in columns})
    first = batch.result.blocks.doc_block_offsets[:-1]
    out = []
    for (q, d), g in s.groupby(["q", "doc"], sort=True):
        shared_words = int(g["words"].sum())
        out.append((int(q), batch.documents[q].id, rows[d][1], sorted((g["block"] - first[q]).astype(int).tolist()),
                    round(shared_words / max(int(batch.words[q]), 1), 4),
                    round(shared_words / max(int(rows[d][2]), 1), 4)))
    # by document, then indexed id: the same answer whatever order the index was filled in
    # (a new user's review: a day removed and added again reordered the next day's report)
    out.sort(key=lambda row: (row[0], row[2]))
    return pd.DataFrame(out, columns=columns)


def _stored_key(p: Params) -> dict:
    b, r = p.bands
    return {"ngram": p.ngram, "num_perm": p.num_perm, "seed": p.seed, "scheme": p.scheme, "bands": b, "rows": r,
            "min_block_words": p.min_block_words, "word_hash_seed": WORD_HASH_SEED}


def id_taken(doc_id: str, path: str) -> str:
    """What is wrong with a document whose id the index at ``path`` holds for another text."""
    return (f"id {doc_id!r} is already in the index {path} with another text (an id names one document: give this "
            "one its own id, or take the indexed one out first: dedup index remove, Index.remove)")


def _select_in(db: sqlite3.Connection, sql: str, values: Sequence, size: int = 500) -> Iterator[tuple]:
    """The rows of ``sql``, whose ``{}`` is an ``IN`` list, for ``values``, ``size`` at a
    time (SQLite before 3.32 takes 999 parameters a statement)."""
    for lo in range(0, len(values), size):
        chunk = list(values[lo:lo + size])
        yield from db.execute(sql.format(",".join("?" * len(chunk))), chunk)


def _writable(path: str) -> bool:
    """Whether the file at ``path`` and its directory (where SQLite puts ``-wal`` and
    ``-shm`` files: the target's, for a symbolic link) may be written."""
    real = os.path.realpath(path)
    return os.access(real, os.W_OK) and os.access(os.path.dirname(real), os.W_OK)


def _uri_path(path: str) -> str:
    from urllib.parse import quote

    return quote(os.path.abspath(path))


# ---------------------------------------------------------------------------
# The answer to a query
# ---------------------------------------------------------------------------


class QueryReport:
    """What a query found, for each new document.

    Attributes:
        documents: one row per queried document, indexed like the input: ``doc``,
            ``is_duplicate``, ``duplicate_of`` (the most similar indexed duplicate, or
            None), ``similarity``, ``containment``, ``exact`` (of that one),
            ``duplicates`` (how many indexed documents it duplicates), ``repeats``,
            ``overlaps``, ``is_empty``.
        matches: every (document, indexed duplicate) pair: ``doc, indexed, similarity,
            containment, exact, rule``, most similar first (``rule``: the part of the
            near-duplicate rule the pair passes, as in a scan's clusters; a query's pairs
            are verified each, so none is ``linked``).
        repeats: blocks repeated inside a new document, as in :class:`~dedup.report.Report`.
        overlaps: ``doc, indexed, blocks`` (the document's shared paragraphs),
            ``coverage`` (share of the document's content words they make up) and
            ``indexed_coverage`` (share of the indexed document's), for indexed documents
            that share paragraphs without being duplicates.
        summary: counts; params: the parameters used.
    """

    def __init__(self, batch: Batch, labels: pd.Index, matches: pd.DataFrame, overlaps: pd.DataFrame,
                 params: Params, indexed: int):
        n = len(batch)
        ids = [d.id for d in batch.documents]
        self._params = params.as_dict()
        self._matches = typed(matches.drop(columns="doc_index").reset_index(drop=True))
        self._overlaps = typed(overlaps.drop(columns="doc_index").reset_index(drop=True))
        self._repeats = Report(batch.result)._repeats  # its own frame, not a copy handed out
        best = matches.drop_duplicates("doc_index", keep="first").set_index("doc_index")
        count = np.bincount(matches["doc_index"].to_numpy(dtype=np.int64), minlength=n)
        best_of = dict(zip(best.index.tolist(), best["indexed"].tolist()))
        rep_count = self._repeats["doc"].value_counts()
        ov_count = np.bincount(overlaps["doc_index"].to_numpy(dtype=np.int64), minlength=n)
        pos = np.arange(n)
        self._documents = pd.DataFrame({
            "doc": ids,
            "is_duplicate": count > 0,
            "duplicate_of": pd.Series([best_of.get(i) for i in range(n)], dtype=object, index=labels),
            "similarity": pd.Series(best["similarity"]).reindex(pos).to_numpy(dtype=float),
            "containment": pd.Series(best["containment"]).reindex(pos).to_numpy(dtype=float),
            "exact": pd.Series(best["exact"]).reindex(pos).fillna(False).to_numpy(dtype=bool),
            "duplicates": count,
            "repeats": np.array([int(rep_count.get(i, 0)) for i in ids], dtype=np.int64),
            "overlaps": ov_count,
            "is_empty": batch.result.empty,
        }, index=labels)
        self._summary = {
            "documents": n,
            "indexed": indexed,
            "duplicates": int((count > 0).sum()),
            "documents_with_repeats": int((self._documents["repeats"] > 0).sum()),
            "repeats": int(len(self._repeats)),
            "overlaps": int(len(self._overlaps)),
            "empty": int(batch.result.empty.sum()),
        }


    # the frames it hands out are copies (see Report): changing one changes no rendering
    summary = HandedOut()
    params = HandedOut()
    documents = HandedOut()
    matches = HandedOut()
    repeats = HandedOut()
    overlaps = HandedOut()

    @property
    def is_duplicate(self) -> pd.Series:
        """Whether each document duplicates an indexed one (indexed like the input)."""
        return self._documents["is_duplicate"]

    def __len__(self) -> int:
        return len(self._documents)

    def __repr__(self) -> str:
        return f"<QueryReport {self._summary}>"

    def _repr_html_(self) -> str:
        """The compact summary Jupyter shows: counts, first duplicates, repeats and overlaps."""
        from .html import query_summary

        return query_summary(self)

    # ------------------------------------------------------------------ renderers
    def to_dict(self) -> dict:
        """The query's report (the README's ``index query --format json``) as plain Python objects."""
        dups = []
        for doc, g in self._matches.groupby("doc", sort=False):
            dups.append({"doc": doc, "of": [{"doc": r.indexed, "similarity": float(r.similarity),
                                             "containment": float(r.containment), "exact": bool(r.exact),
                                             "rule": r.rule}
                                            for r in g.itertuples()]})
        return {
            "version": _version(),
            "params": self._params,
            "summary": self._summary,
            "empty": self._documents.loc[self._documents["is_empty"], "doc"].tolist(),
            "duplicates": dups,
            "repeats": [_plain(r) for r in self._repeats.to_dict("records")],
            "overlaps": [_plain(r) for r in self._overlaps.to_dict("records")],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """:meth:`to_dict` as JSON text (``indent`` spaces a level; None: one line)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False) + "\n"

    def to_jsonl(self) -> str:
        """The report as JSON lines: the summary, then one finding a line, each with its
        ``type`` (``duplicate``, ``repeat``, ``overlap``, ``empty``)."""
        return jsonl(self.to_dict(), {"duplicate": "duplicates", "repeat": "repeats", "overlap": "overlaps"})

    def to_csv(self) -> str:
        """One row a queried document: whether and what it duplicates, its repeats and overlaps."""
        cols = ["doc", "is_duplicate", "duplicate_of", "similarity", "containment", "exact", "duplicates",
                "repeats", "overlaps", "is_empty"]
        return self._documents[cols].to_csv(index=False, lineterminator="\n")

    def to_table(self) -> str:
        s = self._summary
        out = [f"{plural(s['documents'], 'document')} against {s['indexed']} indexed: "
               f"{plural(s['duplicates'], 'duplicate')}, {plural(s['repeats'], 'repeat')} in "
               f"{plural(s['documents_with_repeats'], 'document')}, {plural(s['overlaps'], 'overlap')}, "
               f"{plural(s['empty'], 'empty document')}"]
        if len(self._matches):
            out += ["", "Duplicates (document <- indexed document: similarity, containment)"]
            for r in self._matches.itertuples():
                out.append(f"  {r.doc} <- {r.indexed}: {r.similarity:.2f}, {r.containment:.2f}"
                           + (" exact" if r.exact else ""))
        out += repeats_table(self._repeats)
        if len(self._overlaps):
            out += ["", "Overlaps (document ~ indexed document: shared blocks, coverage of each)"]
            for r in self._overlaps.itertuples():
                out.append(f"  {r.doc} ~ {r.indexed}: {plural(len(r.blocks), 'block')}, "
                           f"{r.coverage:.0%} of the document, {r.indexed_coverage:.0%} of the indexed one")
        if s["empty"]:
            out += ["", "Empty documents", *("  " + d for d in self._documents.loc[self._documents["is_empty"], "doc"])]
        return "\n".join(map(printable, out)) + "\n"

    def render(self, fmt: str) -> str:
        """The report as ``table``, ``json``, ``jsonl`` or ``csv``."""
        renderers: dict[str, Callable[[], str]] = {"table": self.to_table, "json": self.to_json,
                                                   "jsonl": self.to_jsonl, "csv": self.to_csv}
        if fmt not in renderers:
            raise ParameterError(f"a query report has no {fmt!r} format; choose from {', '.join(renderers)}")
        return renderers[fmt]()


QUERY_FORMATS = ("table", "json", "jsonl", "csv")

