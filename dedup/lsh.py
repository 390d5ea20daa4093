"""Locality-sensitive hashing: bands of signatures into buckets, buckets into pairs.

A signature of ``num_perm`` values is cut into ``b`` bands of ``r`` rows. Two sets
whose signatures agree on all rows of at least one band become a **candidate** pair.
With Jaccard similarity ``s`` that happens with probability ``1 - (1 - s**r)**b``,
an S-curve whose steep part sits near ``(1/b) ** (1/r)``.

:func:`optimal_params` picks ``b`` and ``r`` the way datasketch's ``MinHashLSH`` does:
it minimises the weighted sum of the false-positive area (below the threshold) and
the false-negative area (above it) under that curve. Candidates are verified exactly
afterwards (``match.py``), so a false positive costs only time while a false
negative is a missed duplicate; the default weights are datasketch's (0.5, 0.5).

Bucketing is vectorised: keys are sorted, equal keys form a bucket, and the pairs of
each bucket are generated with numpy. A bucket larger than ``max_bucket`` (thousands
of identical documents, say) does not explode into O(k^2) pairs: its members are
linked to its first member only, which keeps them connected for clustering.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np

from .parallel import in_parts
from .shingles import fmix64, sorted_distinct

_U64 = np.uint64

#: buckets with more members than this are linked as a star (k - 1 pairs), not all pairs
MAX_BUCKET = 64


@dataclass(frozen=True)
class Prefilter:
    """A test that candidate pairs must pass, run inside the loop that forms them.

    LSH at a low threshold over short signatures (paragraphs: 32 values, Jaccard 0.6)
    pairs many items that only share common words, and their number grows with the
    square of the corpus (~7 million a band at a million articles, ~3 % of which
    pass). Tested as they are found, they are never stored.

    Attributes:
        signatures: ``(n, k)`` the items' signatures; a pair is kept when its rows agree
            on at least ``min_share`` of their ``k`` values (``minhash.estimate_jaccard``).
        sizes: ``(n,)`` the sizes of the items' sets; a pair is kept when the smaller is
            at least ``min_size_ratio`` of the larger (two sets whose sizes differ more
            cannot reach a Jaccard of ``min_size_ratio``: ``|A & B| <= min < t max <= t |A | B|``).
    """

    signatures: np.ndarray
    min_share: float
    sizes: np.ndarray
    min_size_ratio: float

    def passes(self, pairs: np.ndarray) -> np.ndarray:
        """The same test on an ``(m, 2)`` array of pairs, with numpy (a mask)."""
        from .minhash import estimate_jaccard

        a, b = pairs[:, 0], pairs[:, 1]
        sa, sb = self.sizes[a].astype(np.float64), self.sizes[b].astype(np.float64)
        sized = np.minimum(sa, sb) >= self.min_size_ratio * np.maximum(sa, sb)
        return sized & (estimate_jaccard(self.signatures[a], self.signatures[b]) >= self.min_share)


#: points of the numerical integration (Simpson's rule): the areas agree with
#: scipy's ``quad``, which datasketch uses, to ~1e-9, without importing scipy.integrate
_POINTS = 2001
#: curves evaluated at once by :func:`optimal_params`: 2 x 2,001 floats each (64 MB)
_BANDS_AT_ONCE = 2_048


def _area(f, lo: float, hi: float) -> float:
    x = np.linspace(lo, hi, _POINTS)
    y = f(x)
    h = (hi - lo) / (_POINTS - 1)
    return float(h / 3 * (y[0] + y[-1] + 4 * y[1:-1:2].sum() + 2 * y[2:-1:2].sum()))


def false_positive_area(threshold: float, b: int, r: int) -> float:
    """Probability mass of becoming candidates below the threshold: integral of the S-curve on [0, t]."""
    return _area(lambda s: 1 - (1 - s ** float(r)) ** float(b), 0.0, threshold)


def false_negative_area(threshold: float, b: int, r: int) -> float:
    """Probability mass of being missed above the threshold: integral of 1 - S-curve on [t, 1]."""
    return _area(lambda s: 1 - (1 - (1 - s ** float(r)) ** float(b)), threshold, 1.0)


@lru_cache(maxsize=64)
def optimal_params(threshold: float, num_perm: int, weights: tuple[float, float] = (0.5, 0.5)) -> tuple[int, int]:
    """Bands and rows ``(b, r)``, ``b * r <= num_perm``, that minimise the weighted error
    (``weights``: of :func:`false_positive_area` and :func:`false_negative_area`).

    The ~600 pairs at 128 permutations are evaluated together: the S-curves
    ``(1 - s**r)**b`` of every ``b`` for one ``r`` are running products on one grid of
    ``s``, rather than 2.4M calls of ``pow`` (0.10 s before a scan could start, now
    0.02 s); the areas agree to ~1e-13 and the choice is the same (checked against the
    curve-by-curve integration for thresholds 0.05 to 0.95 by 0.01 and 16 to 256
    permutations, and against datasketch in the tests). With a weight of 0 the curves
    are compared one by one.

    Examples:
        >>> optimal_params(0.8, 128)
        (9, 13)
    """
    fp_weight, fn_weight = weights
    if min(weights) <= 0:
        # one area alone: many curves' areas underflow to exactly 0 one way and to a
        # few 1e-300 the other, so ties are broken curve by curve, as datasketch does
        return _optimal_params_by_curve(threshold, num_perm, fp_weight, fn_weight)
    simpson = np.ones(_POINTS)
    simpson[1:-1:2], simpson[2:-1:2] = 4.0, 2.0
    grids = np.stack((np.linspace(0.0, threshold, _POINTS), np.linspace(threshold, 1.0, _POINTS)))
    fp_step, fn_step = threshold / (_POINTS - 1) / 3, (1.0 - threshold) / (_POINTS - 1) / 3
    # the first minimum, b before r, as np.argmin of the table of every (b, r) would find
    # it; kept as it goes, the table being num_perm ** 2 floats (74 GiB at 100,000)
    best, best_error = (1, 1), np.inf
    power = np.ones_like(grids)
    for r in range(1, num_perm + 1):
        power = power * grids  # s ** r on both grids
        rest = 1.0 - power
        # (1 - s**r) ** b for b = 1 .. num_perm // r, and their Simpson sums on each grid,
        # _BANDS_AT_ONCE values of b at a time (the products are the same, in the same order)
        curve = None
        for low in range(0, num_perm // r, _BANDS_AT_ONCE):
            block = np.repeat(rest[None], min(_BANDS_AT_ONCE, num_perm // r - low), axis=0)
            if curve is not None:
                block[0] *= curve
            curves = np.cumprod(block, axis=0, out=block)
            curve = curves[-1].copy()
            sums = curves @ simpson
            fp = fp_step * (simpson.sum() - sums[:, 0])  # integral of 1 - (1 - s**r)**b on [0, t]
            fn = fn_step * sums[:, 1]  # integral of (1 - s**r)**b on [t, 1]
            error = fp_weight * fp + fn_weight * fn  # of b = low + 1, low + 2, ...
            b = int(np.argmin(error)) + low + 1
            if error[b - low - 1] < best_error or (error[b - low - 1] == best_error and b < best[0]):
                best, best_error = (b, r), float(error[b - low - 1])
    return best


def _optimal_params_by_curve(threshold: float, num_perm: int, fp_weight: float, fn_weight: float) -> tuple[int, int]:
    best, best_error = (1, num_perm), float("inf")
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            error = fp_weight * false_positive_area(threshold, b, r) + fn_weight * false_negative_area(threshold, b, r)
            if error < best_error:
                best, best_error = (b, r), error
    return best


def band_keys(signatures: np.ndarray, b: int, r: int, first: int = 0) -> np.ndarray:
    """A 64-bit key per band: ``(n, b)`` uint64 for bands ``first`` to ``first + b - 1``
    (the key of a band does not depend on which others are computed with it); equal
    bands give equal keys. Signatures of 8-, 16- or 32-bit values are read as they are
    (a value gives the same key whatever its width), others are cast to uint32."""
    from . import kernels

    signatures = np.ascontiguousarray(signatures)
    if signatures.dtype not in (np.uint8, np.uint16, np.uint32):
        signatures = signatures.astype(np.uint32)
    return kernels.band_keys(signatures, b, r, first)


def pairs_sharing_key(keys: np.ndarray, items: np.ndarray, max_bucket: int = MAX_BUCKET,
                      one_key_per_item: bool = False, prefilter: Prefilter | None = None,
                      hashed: bool = False) -> np.ndarray:
    """All pairs of distinct ``items`` that share a key, as an ``(m, 2)`` array with ``a < b``.

    ``keys[i]`` is the bucket of ``items[i]``; an item may be in many buckets (one row
    each). Buckets with more than ``max_bucket`` members contribute a star (their least
    item with each other one) instead of every pair. Duplicates are removed.

    With ``one_key_per_item`` (the items are distinct, as in one LSH band), no pair can
    come from two buckets: the pairs are returned as found, ``a < b`` but unsorted,
    which skips a sort of them all (the largest cost of a band with many pairs).
    With a ``prefilter`` (whose rows are the items), only the pairs that pass it.
    ``hashed`` says that ``uint64`` keys are already uniform 64-bit hashes (LSH band
    keys), whose top bits can be used as they are (see :func:`_sort_by_key`); keys of
    any other type are mixed whatever it says.
    """
    from . import kernels

    keys = np.asarray(keys)
    items = np.asarray(items, dtype=np.int64)
    if len(keys) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    names = None
    if int(items.max()).bit_length() > 40:  # pragma: no cover - item numbers this large: rank them
        names, items = np.unique(items, return_inverse=True)
        items = items.reshape(-1)
    packed, ib = _sort_by_key(keys, items, hashed)
    if prefilter is None:
        pairs = kernels.bucket_pairs(packed, ib, max_bucket, _NO_SIG, _NO_SIZES, 0.0, 0.0, False)
    else:
        pairs = kernels.bucket_pairs(packed, ib, max_bucket, np.ascontiguousarray(prefilter.signatures),
                                     np.ascontiguousarray(prefilter.sizes), float(prefilter.min_share),
                                     float(prefilter.min_size_ratio), True)
    del packed
    if names is not None:  # pragma: no cover
        pairs = names[pairs]
    return pairs if one_key_per_item else unique_pairs(pairs)


_NO_SIG = np.zeros((0, 1), dtype=np.uint8)
_NO_SIZES = np.zeros(0, dtype=np.uint16)


def _sort_by_key(keys: np.ndarray, items: np.ndarray, hashed: bool = False) -> tuple[np.ndarray, int]:
    """``(packed, ib)``: key and item packed into one uint64 each, sorted, so that equal
    keys are adjacent (about seven times faster than ``argsort``, and one array).

    The item takes the low ``ib`` bits (enough for the largest item, at most 40); the
    key the other ``64 - ib``. Keys that do not fit are first mixed by ``fmix64`` (a
    bijection) and cut to their top bits, so two different keys land in one bucket
    with probability ``2**-(64 - ib)`` (about 1e-12 for a million documents): at most a
    spurious candidate pair, which verification rejects. Keys that are ``hashed``
    already are only cut (mixing them again cost 1.9 s of a million articles' scan:
    six bands of ten million paragraph keys, each pass over them a fresh 76 MB array).
    """
    ib = max(1, int(items.max()).bit_length())
    kb = 64 - ib
    k64 = np.asarray(keys).astype(_U64, copy=False) if keys.dtype != np.int64 else keys.view(_U64)
    if keys.dtype.kind == "i" and keys.min() >= 0 and int(keys.max()) < (1 << kb):
        packed = k64 << _U64(ib)
    elif hashed and keys.dtype == np.uint64:
        packed = k64 >> _U64(ib)
        packed <<= _U64(ib)
    else:
        packed = fmix64(k64)
        packed >>= _U64(ib)
        packed <<= _U64(ib)
    packed |= items.view(_U64)  # int64 and not negative: the same bits, without a copy of them all
    packed.sort()
    return packed, ib


def pair_keys(pairs: np.ndarray) -> np.ndarray:
    """One int64 a row of document pairs ``(a, b)`` (numbers below 2**31)."""
    return (pairs[:, 0].astype(np.int64) << 32) | pairs[:, 1].astype(np.int64)


def unique_pairs(pairs: np.ndarray) -> np.ndarray:
    """Pairs with ``a < b``, self-pairs dropped, sorted and without repeats."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    a = np.minimum(pairs[:, 0], pairs[:, 1])
    b = np.maximum(pairs[:, 0], pairs[:, 1])
    keep = a != b
    packed = sorted_distinct((a[keep].astype(_U64) << _U64(32)) | b[keep].astype(_U64))
    return np.stack(((packed >> _U64(32)).astype(np.int64), (packed & _U64(0xFFFFFFFF)).astype(np.int64)), axis=1)


def candidate_pairs(signatures: np.ndarray, b: int, r: int, valid: np.ndarray | None = None,
                    max_bucket: int = MAX_BUCKET, prefilter: Prefilter | None = None, jobs: int = 1) -> np.ndarray:
    """Pairs of rows of ``signatures`` that share at least one band bucket.

    Rows where ``valid`` is False (empty documents) never enter a bucket. Bands are
    bucketed one at a time, so the keys of one band exist at once (8 bytes a row: for
    the ten million paragraphs of a million articles, 80 MB instead of 480 MB for six);
    with ``jobs > 1``, ``jobs`` bands at a time, one a thread (the same pairs).
    With a ``prefilter``, only the pairs that pass it (tested as they are formed).
    """
    return _bucket_bands(lambda band: band_keys(signatures, 1, r, first=band)[:, 0], b, signatures.shape[0], valid,
                         max_bucket, prefilter, jobs)


def bucket_pairs(keys: np.ndarray, valid: np.ndarray | None = None, max_bucket: int = MAX_BUCKET,
                 prefilter: Prefilter | None = None, jobs: int = 1) -> np.ndarray:
    """:func:`candidate_pairs` from band keys computed before (``(n, b)``, from
    :func:`band_keys`): the same pairs, without the signatures."""
    keys = np.asarray(keys)
    return _bucket_bands(lambda band: keys[:, band], keys.shape[1], keys.shape[0], valid, max_bucket, prefilter, jobs)


def _bucket_bands(band_keys: Callable[[int], np.ndarray], bands: int, n: int, valid: np.ndarray | None,
                  max_bucket: int, prefilter: Prefilter | None, jobs: int = 1) -> np.ndarray:
    """Pairs of rows that share a key in any band (``band_keys(band)``: that band's ``n``
    keys), the bands on ``jobs`` threads (their loops release the GIL)."""
    rows = np.arange(n, dtype=np.int64) if valid is None else np.flatnonzero(valid)
    if len(rows) < 2 or bands == 0:
        return np.zeros((0, 2), dtype=np.int64)

    def bucket(band: int) -> np.ndarray:
        keys = band_keys(band)
        return pairs_sharing_key(keys if valid is None else keys[rows], rows, max_bucket,
                                 one_key_per_item=True, prefilter=prefilter, hashed=True)

    # each thread buckets its share of the bands one at a time: ``jobs`` bands' keys exist at once
    parts = in_parts(lambda lo, hi: [bucket(band) for band in range(lo, hi)], bands, jobs)
    return unique_pairs(np.concatenate([pairs for part in parts for pairs in part]))
