"""MinHash signatures of many shingle sets at once.

Two schemes sit behind one interface (``scheme.sign(sets) -> (n, num_perm) uint32``):

``fast`` (:class:`OnePermutationHashing`, the default)
    One-permutation hashing with optimal densification (Li, Owen & Zhang 2012;
    Shrivastava 2017). Each shingle is hashed once; the hash picks one of ``num_perm``
    bins and the bin keeps the smallest value. Bins that no shingle fell into borrow
    the value of another bin chosen by a fixed pseudo-random probe sequence that is
    the same for every set, which keeps ``P[sig_a[i] == sig_b[i]] = Jaccard(a, b)``.
    Cost: O(shingles) per set instead of O(shingles x num_perm).

``datasketch`` (:class:`DatasketchMinHash`)
    Bit-identical to ``datasketch.MinHash(num_perm, seed, hashfunc=int)`` (its default
    ``affine32`` scheme) fed the same 32-bit shingle hashes, for users who put our
    signatures into indexes that already hold datasketch's. Cost O(shingles x num_perm).

Both produce 32-bit values, so a signature row converts to a
``datasketch.LeanMinHash`` (:func:`to_lean_minhash`) and datasketch's ``MinHashLSH``
and ``jaccard()`` work on it. Do not compare signatures of different schemes.
An empty set has every value equal to :data:`EMPTY` (as in datasketch).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np

from .errors import ParameterError
from .shingles import SetBatch, fmix64

if TYPE_CHECKING:  # datasketch (and the scipy it imports) loads on first use: `import dedup` stays quick
    import datasketch

EMPTY = np.uint32(0xFFFFFFFF)
_U64 = np.uint64
#: probes of the densification before it falls back to the next filled bin on the right
_MAX_PROBES = 96
#: elements x permutations handled at once by the datasketch scheme (bounds memory)
_DS_CHUNK = 2_000_000


class Scheme(Protocol):
    num_perm: int
    seed: int
    name: str

    def sign(self, sets: SetBatch) -> np.ndarray: ...


class OnePermutationHashing:
    """One-permutation MinHash with optimal densification (the ``fast`` scheme).

    Args:
        num_perm: number of bins (signature length). 128 is datasketch's customary
            size: the standard error of a similarity estimate is about
            ``sqrt(J (1 - J) / num_perm)``, 0.035 at J = 0.8.
        seed: selects the hash function; signatures are comparable only for equal seeds.

    Examples:
        >>> import numpy as np
        >>> from dedup.shingles import SetBatch
        >>> sets = SetBatch.from_pairs(np.arange(200), np.repeat([0, 1], 100), 2)
        >>> OnePermutationHashing(num_perm=8, seed=1).sign(sets).shape
        (2, 8)
    """

    name = "fast"

    def __init__(self, num_perm: int = 128, seed: int = 1):
        if num_perm < 1:
            raise ParameterError("num_perm must be at least 1")
        self.num_perm = num_perm
        self.seed = seed
        self._salt = fmix64(np.array([seed], dtype=_U64))[0]
        k = num_perm
        probe_keys = np.arange(k * _MAX_PROBES, dtype=_U64) ^ self._salt
        self._probes = (fmix64(probe_keys) % _U64(k)).astype(np.int64).reshape(k, _MAX_PROBES)

    def sign(self, sets: SetBatch) -> np.ndarray:
        """Signatures of ``sets``: a ``(len(sets), num_perm)`` uint32 array."""
        return self.sign_segments(sets.values, sets.offsets[:-1], sets.offsets[1:])

    def sign_segments(self, values: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Signatures of the segments ``values[starts[i]:ends[i]]`` of 32-bit hashes.

        A segment need not be sorted nor free of repeats (a repeat never changes a bin's
        minimum), so a document's shingles are signed straight from
        :func:`~dedup.shingles.ngram_hashes` without building its set first. A compiled
        loop (:func:`dedup.kernels.oph_sign`).
        """
        from . import kernels

        return kernels.oph_sign(np.ascontiguousarray(values, dtype=np.uint32),
                                np.ascontiguousarray(starts, dtype=np.int64),
                                np.ascontiguousarray(ends, dtype=np.int64),
                                self.num_perm, _U64(self._salt), self._probes)


class DatasketchMinHash:
    """``datasketch.MinHash`` (``affine32``) computed for many sets at once.

    ``sign(sets)[i]`` equals ``MinHash(num_perm, seed, hashfunc=int)`` after
    ``update_batch(sets[i])``, bit for bit. The permutations are read from a real
    ``datasketch.MinHash`` so the two can never drift apart.
    """

    name = "datasketch"

    def __init__(self, num_perm: int = 128, seed: int = 1):
        if num_perm < 1:
            raise ParameterError("num_perm must be at least 1")
        self.num_perm = num_perm
        self.seed = seed
        import datasketch

        m = datasketch.MinHash(num_perm=num_perm, seed=seed, hashfunc=int)
        if getattr(m, "scheme", "legacy") != "affine32":  # pragma: no cover - old datasketch
            raise ParameterError("the datasketch scheme needs datasketch >= 2.0")
        a, b = m.permutations
        self._a = np.asarray(a, dtype=np.uint32)
        self._b = np.asarray(b, dtype=np.uint32)

    def sign(self, sets: SetBatch) -> np.ndarray:
        k = self.num_perm
        sig = np.full((len(sets), k), EMPTY, dtype=np.uint32)
        hv = _fmix32(sets.values.astype(np.uint32))
        ids = sets.set_ids
        step = max(1, _DS_CHUNK // k)
        for lo in range(0, len(hv), step):
            phv = hv[lo : lo + step, None] * self._a + self._b
            np.minimum.at(sig, ids[lo : lo + step], phv)
        return sig


def _fmix32(h: np.ndarray) -> np.ndarray:
    h = h.copy()
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


SCHEMES = {"fast": OnePermutationHashing, "datasketch": DatasketchMinHash}


def make_scheme(name: str, num_perm: int = 128, seed: int = 1) -> Scheme:
    """The signature scheme called ``name`` (``fast`` or ``datasketch``)."""
    try:
        cls = SCHEMES[name]
    except KeyError:
        raise ParameterError(f"unknown scheme {name!r}; choose from {', '.join(SCHEMES)}") from None
    return cls(num_perm=num_perm, seed=seed)


def to_lean_minhash(signature: np.ndarray, seed: int = 1) -> datasketch.LeanMinHash:
    """One signature row as a ``datasketch.LeanMinHash`` (scheme ``affine32``)."""
    import datasketch

    return datasketch.LeanMinHash(seed=seed, hashvalues=np.asarray(signature, dtype=np.uint32), scheme="affine32")


def estimate_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> np.ndarray:
    """The MinHash estimate of Jaccard similarity: the share of equal values (row-wise)."""
    return np.mean(np.asarray(sig_a) == np.asarray(sig_b), axis=-1)
