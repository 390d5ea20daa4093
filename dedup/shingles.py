"""Word n-gram shingles, and sets of them stored flat for exact comparison.

A **shingle** is a run of ``n`` consecutive words inside one block; a block shorter
than ``n`` words is one shingle of all its words (so a short title still counts).
Shingles never span two blocks: a document's shingle set is the union of its blocks'
sets, so leaving a block out (boilerplate) removes exactly that block's shingles.

Shingle hashes are computed from the 64-bit word hashes with a polynomial over the
window followed by a 64-bit finaliser (murmur3's ``fmix64``), in a compiled loop. They are
kept as their low 32 bits (:data:`SHINGLE_DTYPE`): half the memory of 64-bit hashes,
and sets are sorted arrays of them that a merge intersects. The price is a chance of one
spurious shared shingle between two 1,000-shingle documents of about
``1000 * 1000 / 2**32 = 2e-4``, which would move their Jaccard by 0.0005.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np

SHINGLE_DTYPE = np.uint32
_U64 = np.uint64
_POLY = _U64(0x100000001B3)  # FNV-64 prime: the window polynomial's base
_LEN_SALT = 0x9E3779B97F4A7C15
_C1 = _U64(0xFF51AFD7ED558CCD)
_C2 = _U64(0xC4CEB9FE1A85EC53)


def fmix64(x: np.ndarray) -> np.ndarray:
    """murmur3's 64-bit finaliser, vectorised: every input bit affects every output bit."""
    x = np.asarray(x, dtype=_U64).copy()
    x ^= x >> _U64(33)
    x *= _C1
    x ^= x >> _U64(33)
    x *= _C2
    x ^= x >> _U64(33)
    return x


def _salt(k: int) -> np.uint64:
    """A constant that tells windows of k words from windows of other lengths."""
    return _U64((_LEN_SALT * k) & 0xFFFFFFFFFFFFFFFF)


def offsets_of(sizes) -> np.ndarray:
    """``[0, s0, s0 + s1, ...]``: where each of consecutive runs of ``sizes`` starts, and the end (int64)."""
    offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return offsets


def sorted_distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)``, by one sort. NumPy 2.4's ``np.unique`` without
    ``return_index``/``return_inverse`` hashes instead, which took 13.5 s for 10M int64
    values on this project's 2-core machine, against 0.18 s for sorting."""
    values = np.sort(np.asarray(values).reshape(-1))
    if len(values) < 2:
        return values
    return values[np.concatenate(([True], values[1:] != values[:-1]))]


def rank_in_runs(values: np.ndarray) -> np.ndarray:
    """Each item's place (from 0) in its run of equal ``values``: ``[7, 7, 9, 7]`` gives
    ``[0, 1, 0, 0]`` (on sorted values, its place among its equals: the first k of each)."""
    values = np.asarray(values)
    starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
    return np.arange(len(values)) - np.repeat(starts, np.diff(np.append(starts, len(values))))


def ragged_arange(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``concatenate([arange(s, s + n) for s, n in zip(starts, lengths)])``, vectorised."""
    lengths = np.asarray(lengths, dtype=np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    out = np.ones(total, dtype=np.int64)
    nz = lengths > 0
    first = (ends - lengths)[nz]
    s = np.asarray(starts, dtype=np.int64)[nz]
    # at each segment start, jump from the previous segment's last value to s
    prev_last = np.concatenate(([0], (s + lengths[nz] - 1)[:-1]))
    out[first] = s - prev_last
    out[0] = s[0]
    return np.cumsum(out)


def ngram_hashes(word_hash: np.ndarray, word_offsets: np.ndarray, n: int,
                 blocks: np.ndarray | None = None, labels: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Hash the word n-grams of every block.

    A window of words ``w_0 .. w_{n-1}`` hashes to
    ``fmix64(w_0 * P**(n-1) + ... + w_{n-1} + salt(n))`` (``P`` the FNV-64 prime), kept
    as its low 32 bits; a block of ``1 <= L < n`` words is one shingle, hashed the same
    way over its L words with ``salt(L)``. Computed in a compiled loop
    (:func:`dedup.kernels.ngram_hashes`).

    Args:
        word_hash: 64-bit hash of every word, blocks one after the other.
        word_offsets: block ``b`` holds words ``word_offsets[b]:word_offsets[b+1]``.
        n: words per shingle (>= 1).
        blocks: only these blocks, in this order (default: all).
        labels: one int64 a block of ``blocks``, given for each of its shingles in place
            of the block (its document, say: cheaper than looking the blocks up after).

    Returns:
        ``(hashes, block)``: one 32-bit hash per shingle and the block it belongs to (or
        its label), in the order of the blocks, not deduplicated. Blocks with no words have no shingle; blocks of
        1..n-1 words have exactly one.
    """
    from . import kernels

    if n < 1:
        raise ValueError("n must be >= 1")
    salts = np.array([_salt(k) for k in range(n + 1)], dtype=_U64)
    word_offsets = np.asarray(word_offsets, dtype=np.int64)
    if blocks is None:
        blocks = np.arange(len(word_offsets) - 1, dtype=np.int64)
    blocks = np.ascontiguousarray(blocks, dtype=np.int64)
    labels = blocks if labels is None else np.ascontiguousarray(labels, dtype=np.int64)
    return kernels.ngram_hashes(np.ascontiguousarray(word_hash, dtype=_U64), labels, word_offsets[blocks],
                                word_offsets[blocks + 1], n, _POLY, salts)


_POSITION_KEYS: list[np.ndarray] = []


def _position_keys(n: int) -> np.ndarray:
    """``fmix64(i + C)`` for positions ``i < n`` (at least), cached and grown as needed."""
    if not _POSITION_KEYS or len(_POSITION_KEYS[0]) < n:
        _POSITION_KEYS[:] = [fmix64(np.arange(max(n, 4096), dtype=_U64) + _U64(0x51ED))]
    return _POSITION_KEYS[0]


def sequence_hashes(word_hash: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """A 64-bit hash of the word sequence of each segment ``offsets[i]:offsets[i+1]``.

    Equal sequences give equal hashes; order matters. Each word's hash is combined with a
    random key for its position in the segment (xor, then an odd multiplier) and the
    results are summed; the sum is finalised with the length (a compiled loop,
    :func:`dedup.kernels.sequence_hashes`).
    """
    from . import kernels

    offsets = np.ascontiguousarray(offsets, dtype=np.int64)
    lengths = np.diff(offsets)
    keys = _position_keys(int(lengths.max()) if len(lengths) else 0)
    return kernels.sequence_hashes(np.ascontiguousarray(word_hash, dtype=_U64), offsets, keys)


@dataclass
class SetBatch:
    """Many sets of 32-bit hashes, each sorted and without repeats, stored flat.

    Set ``i`` is ``values[offsets[i]:offsets[i+1]]``.
    """

    values: np.ndarray
    offsets: np.ndarray

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i: int) -> np.ndarray:
        return self.values[self.offsets[i] : self.offsets[i + 1]]

    @property
    def sizes(self) -> np.ndarray:
        return np.diff(self.offsets)

    @property
    def set_ids(self) -> np.ndarray:
        """The set of every element of ``values``."""
        return np.repeat(np.arange(len(self), dtype=np.int64), self.sizes)

    @classmethod
    def from_pairs(cls, values: np.ndarray, set_ids: np.ndarray, n_sets: int) -> "SetBatch":
        """Build sets from unordered ``(value, set)`` pairs: one sort, then drop repeats."""
        key = sorted_distinct((np.asarray(set_ids, dtype=_U64) << _U64(32))
                              | np.asarray(values, dtype=SHINGLE_DTYPE).astype(_U64))
        sets = (key >> _U64(32)).astype(np.int64)
        return cls(values=key.astype(SHINGLE_DTYPE), offsets=offsets_of(np.bincount(sets, minlength=n_sets)))

    @classmethod
    def from_segments(cls, values: np.ndarray, offsets: np.ndarray, jobs: int = 1) -> "SetBatch":
        """Build sets from values that come grouped by set: set ``i`` holds
        ``values[offsets[i]:offsets[i+1]]``, in any order and with repeats. Each is
        sorted on its own (a compiled loop), which is cheaper than one sort of all
        ``(set, value)`` pairs; the result equals :meth:`from_pairs`. With ``jobs > 1``
        the sets are cut into that many runs, sorted on as many threads."""
        from . import kernels
        from .parallel import in_parts

        values = np.ascontiguousarray(values, dtype=SHINGLE_DTYPE)
        offsets = np.ascontiguousarray(offsets, dtype=np.int64)

        def part(lo: int, hi: int) -> "SetBatch":
            base = offsets[lo]
            v, o = kernels.sorted_sets(values[base:offsets[hi]], offsets[lo:hi + 1] - base)
            return cls(values=v, offsets=o)

        return cls.concat(in_parts(part, len(offsets) - 1, jobs))

    @classmethod
    def from_grouped(cls, values: np.ndarray, set_ids: np.ndarray, n_sets: int) -> "SetBatch":
        """:meth:`from_segments` for values whose ``set_ids`` are non-decreasing."""
        bounds = np.searchsorted(np.asarray(set_ids), np.arange(n_sets + 1))
        return cls.from_segments(values, bounds)

    @classmethod
    def concat(cls, parts: Iterable["SetBatch"]) -> "SetBatch":
        """The sets of ``parts``, one after another.

        ``parts`` may be a generator: each part is copied into one array that grows in
        place (``realloc``, which moves no pages of a large array), so joining needs the
        result and one part, not every part and the result (at a million articles, the
        shingle sets of the ~200,000 documents to verify are ~400 MB). Parts given as
        a list, which are all held anyway, are joined by one copy (growing an array of
        a few MB in the allocator's heap moves it at each part).
        """
        if isinstance(parts, (list, tuple)) and len(parts) > 1:
            return cls(np.concatenate([part.values for part in parts]),
                       offsets_of(np.concatenate([part.sizes for part in parts])))
        first: SetBatch | None = None
        values: np.ndarray | None = None  # owned here, so that it can grow in place
        sizes = []
        for part in parts:
            sizes.append(part.sizes)
            if first is None:
                first = part
                continue
            if values is None:
                values = first.values.copy()
            end = len(values)
            values.resize(end + len(part.values), refcheck=False)
            values[end:] = part.values
        if first is None:
            return cls(np.zeros(0, dtype=SHINGLE_DTYPE), np.zeros(1, dtype=np.int64))
        if values is None:  # one part: itself
            return first
        return cls(values, offsets_of(np.concatenate(sizes)))

    def shrink(self, rows: np.ndarray, subsets: "SetBatch") -> "SetBatch":
        """These sets with set ``rows[i]`` (``rows`` ascending) replaced by ``subsets[i]``,
        no larger than it, written over these sets' arrays, which this object gives up:
        a pass without boilerplate changes the sets of the few documents that hold it,
        without a second copy of all (~400 MB at a million articles)."""
        from . import kernels

        rows = np.ascontiguousarray(rows, dtype=np.int64)
        if len(rows) != len(subsets):
            raise ValueError("shrink() needs one subset for each row")
        values, offsets = self.values, self.offsets.astype(np.int64, copy=False)  # both given up
        end = kernels.overwrite_sets(values, offsets, rows, subsets.values, subsets.offsets)
        if end < 0:
            raise ValueError("shrink() replaces sets by smaller ones only")
        self.values = self.offsets = None  # given up: its sets are gone
        if values.flags.owndata:
            values.resize(end, refcheck=False)  # in place: the freed tail goes back
        else:
            values = values[:end].copy()
        return SetBatch(values, offsets)

    def select(self, keep: np.ndarray) -> "SetBatch":
        """The sets whose index is in ``keep`` (in that order)."""
        keep = np.asarray(keep, dtype=np.int64)
        sizes = self.sizes[keep]
        return SetBatch(self.values[ragged_arange(self.offsets[keep], sizes)], offsets_of(sizes))


def intersection_sizes(a: SetBatch, ia: np.ndarray, b: SetBatch, ib: np.ndarray,
                       weights: np.ndarray | None = None) -> np.ndarray:
    """``len(a[ia[k]] & b[ib[k]])`` for every k.

    With ``weights``, the sum of ``weights[v]`` over the common values ``v`` instead
    (the values are then indexes into ``weights``). Both sets of a pair are sorted, so
    one merge of the two finds the common values (a compiled loop,
    :func:`dedup.kernels.intersection_sizes`). Returns int64 counts, or float64 sums
    with ``weights``.
    """
    from . import kernels

    ia = np.ascontiguousarray(ia, dtype=np.int64)
    ib = np.ascontiguousarray(ib, dtype=np.int64)
    weighted = weights is not None
    w = np.ascontiguousarray(weights, dtype=np.float64) if weighted else np.zeros(1)
    out = kernels.intersection_sizes(a.values, a.offsets, ia, b.values, b.offsets, ib, w, weighted)
    return out if weighted else out.astype(np.int64)
