"""The compiled inner loops of the per-document work (numba).

Every loop here computes exactly what a numpy formulation elsewhere in the package
defines (the docstrings name it, and ``tests/test_kernels.py`` checks the two agree on
real and generated text). numpy alone spends its time on temporaries: one array per
step over every byte, word or shingle, and a sort per set. A loop compiled once does
each document in one pass and keeps only what later stages need, which is what let
``dedup`` pass rensa's Rust core on the same job (``benchmarks/speed.py``).

Compiled code is cached next to this module (``cache=True``), so only the first run
after installing pays the compilation (10-30 s on 2 cores; :func:`compiled` tells).

All arithmetic is on unsigned 64-bit integers and wraps modulo 2**64, as numpy's does;
every constant is a ``np.uint64`` so numba never promotes a mix of signed and
unsigned integers to float.
"""

from __future__ import annotations

import os

import numpy as np
from numba import njit

_U64 = np.uint64
_U32 = np.uint32
_C1 = np.uint64(0xFF51AFD7ED558CCD)
_C2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_S32 = np.uint64(32)
_EMPTY = np.uint32(0xFFFFFFFF)
_NL = np.uint8(10)


@njit(cache=True, nogil=True, inline="always")
def _fmix64(x):
    x ^= x >> _S33
    x *= _C1
    x ^= x >> _S33
    x *= _C2
    x ^= x >> _S33
    return x


# --------------------------------------------------------------------------- UTF-8

@njit(cache=True, nogil=True)
def utf8_code_points(data, offsets):
    """The code points of texts given as UTF-8 (``text.Utf8Texts``), as uint32.

    Text ``d`` is ``data[offsets[d]:offsets[d+1]]``: well-formed UTF-8, in which a lone
    surrogate may stand in its three-byte form ("surrogatepass", as Python writes it).
    The result is what ``np.frombuffer(t.decode("utf-8", "surrogatepass").encode(
    "utf-32-le", "surrogatepass"), np.uint32)`` gives for each text ``t``, one text after
    the other, with each text's offset into it (so ``len(str)`` of text ``d`` is
    ``cp_offsets[d+1] - cp_offsets[d]``). A sequence cut short by the end of its text
    (which well-formed input never has) gives U+FFFD.
    """
    n = len(offsets) - 1
    cp = np.empty(offsets[n] - offsets[0], dtype=np.uint32)
    cp_offsets = np.empty(n + 1, dtype=np.int64)
    k = 0
    for d in range(n):
        cp_offsets[d] = k
        i, end = offsets[d], offsets[d + 1]
        while i < end:
            b = np.int64(data[i])
            if b < 0x80:
                cp[k] = b
                i += 1
            else:
                size = 2 if b < 0xE0 else (3 if b < 0xF0 else 4)
                if i + size > end:
                    cp[k] = 0xFFFD
                    i = end
                else:
                    c = b & (0x1F if size == 2 else (0x0F if size == 3 else 0x07))
                    for j in range(i + 1, i + size):
                        c = (c << 6) | (np.int64(data[j]) & 0x3F)
                    cp[k] = c
                    i += size
            k += 1
    cp_offsets[n] = k
    return cp[:k], cp_offsets


# --------------------------------------------------------------------------- blocks

@njit(cache=True, nogil=True)
def block_spans(cp, doc_offsets, is_space, is_break):
    """Blocks (non-blank lines, stripped) of many texts given as code points.

    Reproduces ``str.splitlines`` and ``str.strip`` (``text.block_spans``): ``cp`` holds
    the texts one after the other, text ``d`` being ``cp[doc_offsets[d]:doc_offsets[d+1]]``;
    ``is_space`` and ``is_break`` say which code points below their length are white
    space and line breaks (``\\r\\n`` is one break).

    Returns ``(start, end, count)``: the character span of every block within its text
    and the number of blocks of each text.
    """
    n_docs = len(doc_offsets) - 1
    n_cp = doc_offsets[n_docs] - doc_offsets[0]
    start = np.empty(n_cp // 2 + n_docs + 1, dtype=np.int64)
    end = np.empty(n_cp // 2 + n_docs + 1, dtype=np.int64)
    count = np.zeros(n_docs, dtype=np.int64)
    n_space, n_break = len(is_space), len(is_break)
    k = 0
    for d in range(n_docs):
        lo, hi = doc_offsets[d], doc_offsets[d + 1]
        i = lo
        while i < hi:
            # one line: [i, j) then its break
            j = i
            while j < hi:
                c = cp[j]
                if c < n_break and is_break[c]:
                    break
                j += 1
            a = i
            while a < j and cp[a] < n_space and is_space[cp[a]]:
                a += 1
            b = j
            while b > a and cp[b - 1] < n_space and is_space[cp[b - 1]]:
                b -= 1
            if b > a:
                start[k] = a - lo
                end[k] = b - lo
                k += 1
                count[d] += 1
            if j < hi and cp[j] == 13 and j + 1 < hi and cp[j + 1] == 10:
                j += 1
            i = j + 1
    return start[:k], end[:k], count


@njit(cache=True, nogil=True)
def fold_blocks(cp, starts, ends, fold_cp, fold_offsets, fold_bytes, override, override_offsets, override_bytes,
                capacity):
    """The folded UTF-8 bytes of blocks, each followed by ``\\n`` (``text._fold_bytes``).

    ASCII letters are lowered; a non-ASCII code point ``c`` becomes the bytes
    ``fold_bytes[fold_offsets[i]:fold_offsets[i+1]]`` where ``fold_cp[i] == c`` (its fold,
    computed once per distinct character in Python). A block ``b`` with
    ``override[b] >= 0`` is replaced whole by
    ``override_bytes[override_offsets[o]:override_offsets[o+1]]`` (``o = override[b]``):
    text whose fold depends on neighbouring characters, folded in Python.

    Written in one pass into ``capacity`` bytes, which the caller bounds (see
    ``text._tokenize_chunk``); a first pass that found each block's exact size took a
    third of the time. Room is checked as it is written, never a write past the end (a
    ValueError): at a block's start for one byte a character, then at each non-ASCII
    character for its fold and one byte for each character after it. Returns ``buf``.
    """
    n = len(starts)
    buf = np.empty(capacity, dtype=np.uint8)
    p = 0
    for b in range(n):
        o = override[b]
        need = override_offsets[o + 1] - override_offsets[o] if o >= 0 else ends[b] - starts[b]
        if p + need + 1 > capacity:
            raise ValueError("fold_blocks: capacity too small")
        if o >= 0:
            for q in range(override_offsets[o], override_offsets[o + 1]):
                buf[p] = override_bytes[q]
                p += 1
        else:
            for i in range(starts[b], ends[b]):
                c = cp[i]
                if c < 128:
                    if 65 <= c <= 90:
                        c += 32
                    buf[p] = np.uint8(c)
                    p += 1
                else:
                    f = np.searchsorted(fold_cp, c)
                    if p + (fold_offsets[f + 1] - fold_offsets[f]) + (ends[b] - i - 1) + 1 > capacity:
                        raise ValueError("fold_blocks: capacity too small")
                    for q in range(fold_offsets[f], fold_offsets[f + 1]):
                        buf[p] = fold_bytes[q]
                        p += 1
        buf[p] = _NL
        p += 1
    return buf[:p]


@njit(cache=True, nogil=True)
def hash_words(buf, n_blocks, byte_class, seed, poly, number_table, max_number_word):
    """Cut folded bytes into words and hash them (``text._word_spans``, ``text._hash_spans``).

    ``buf`` holds ``n_blocks`` blocks, each ended by ``\n``. ``byte_class`` is
    ``text._CLASS``: 1 word byte, 2 a separator that joins two digits, 0 or 3 a separator.
    A word's hash is ``fmix64(sum(b_i * poly**i) ^ fmix64(len + seed))`` over its bytes;
    it is a figure when it has a digit or its hash is in ``number_table`` (an
    open-addressing table of 1,024 slots keyed by the hash's top 10 bits, 0 for empty;
    the longest number word has ``max_number_word`` bytes).

    Returns ``(word_hash, is_figure, block_words)``.
    """
    n = len(buf)
    cap = n // 2 + 1
    out = np.empty(cap, dtype=np.uint64)
    fig = np.empty(cap, dtype=np.bool_)
    counts = np.zeros(n_blocks, dtype=np.int64)
    k = 0
    block = 0
    i = 0
    while i < n:
        c = buf[i]
        cls = byte_class[c]
        if cls != 1:
            if c == _NL:
                block += 1
                i += 1
                continue
            if not (cls == 2 and 0 < i < n - 1 and 48 <= buf[i - 1] <= 57 and 48 <= buf[i + 1] <= 57):
                i += 1
                continue
        h = np.uint64(0)
        pw = np.uint64(1)
        digit = False
        j = i
        while j < n:
            c = buf[j]
            cls = byte_class[c]
            if cls != 1:
                if not (cls == 2 and 0 < j < n - 1 and 48 <= buf[j - 1] <= 57 and 48 <= buf[j + 1] <= 57):
                    break
            elif 48 <= c <= 57:
                digit = True
            h += np.uint64(c) * pw
            pw *= poly
            j += 1
        h = _fmix64(h ^ _fmix64(np.uint64(j - i) + seed))
        out[k] = h
        if not digit and j - i <= max_number_word:
            slot = np.int64(h >> np.uint64(54))
            while number_table[slot] != 0:
                if number_table[slot] == h:
                    digit = True
                    break
                slot = (slot + 1) & 1023
        fig[k] = digit
        counts[block] += 1
        k += 1
        i = j
    return out[:k], fig[:k], counts


# --------------------------------------------------------------------------- shingles

@njit(cache=True, nogil=True)
def ngram_hashes(word_hash, blocks, starts, ends, n, poly, salts):
    """Word n-gram hashes of blocks ``blocks[i]`` (words ``starts[i]:ends[i]``), in that
    order (``shingles.ngram_hashes``).

    A window ``w_0..w_{n-1}`` hashes to ``fmix64(sum(w_t * poly**(n-1-t)) + salts[n])``;
    a block of ``1 <= L < n`` words is one shingle of all its words with ``salts[L]``.
    Returns ``(hashes, block)``: the low 32 bits of each shingle's hash and its block's
    ``blocks[i]`` (read only as a label: a block number, or any int64 such as its document).
    """
    total = 0
    for i in range(len(blocks)):
        length = ends[i] - starts[i]
        if length > 0:
            total += max(length - n + 1, 1)
    out = np.empty(total, dtype=np.uint32)
    blk = np.empty(total, dtype=np.int64)
    mask = np.uint64(0xFFFFFFFF)
    top = np.uint64(1)  # poly ** (n - 1), the weight of a window's first word
    for _ in range(n - 1):
        top *= poly
    k = 0
    for i in range(len(blocks)):
        lo, hi = starts[i], ends[i]
        length = hi - lo
        if length == 0:
            continue
        if length < n:
            acc = np.uint64(0)
            for t in range(lo, hi):
                acc = acc * poly + word_hash[t]
            out[k] = np.uint32(_fmix64(acc + salts[length]) & mask)
            blk[k] = blocks[i]
            k += 1
            continue
        acc = np.uint64(0)
        for t in range(lo, lo + n):
            acc = acc * poly + word_hash[t]
        for s in range(lo, hi - n + 1):
            if s > lo:
                # the window moves on one word: its first word's term goes, the next word's
                # comes (modulo 2**64, the same sum as the window's own; two multiplications
                # a shingle instead of n: 0.019 -> 0.011 s a batch of 4,096 articles)
                acc = (acc - word_hash[s - 1] * top) * poly + word_hash[s + n - 1]
            out[k] = np.uint32(_fmix64(acc + salts[n]) & mask)
            blk[k] = blocks[i]
            k += 1
    return out, blk


@njit(cache=True, nogil=True)
def sequence_hashes(word_hash, offsets, keys):
    """A hash of the word sequence of each segment (``shingles.sequence_hashes``):
    ``fmix64(sum((w_i ^ keys[i]) * C1) ^ length)``."""
    n = len(offsets) - 1
    out = np.empty(n, dtype=np.uint64)
    for s in range(n):
        lo, hi = offsets[s], offsets[s + 1]
        acc = np.uint64(0)
        for i in range(lo, hi):
            acc += (word_hash[i] ^ keys[i - lo]) * _C1
        out[s] = _fmix64(acc ^ np.uint64(hi - lo))
    return out


# --------------------------------------------------------------------------- signatures

@njit(cache=True, nogil=True)
def oph_sign(values, starts, ends, k, salt, probes):
    """One-permutation MinHash of each segment ``values[starts[i]:ends[i]]``
    (``minhash.OnePermutationHashing``): a value ``v`` falls into bin ``g % k`` with
    ``g = fmix64(v ^ salt)`` and the bin keeps the least ``g >> 32``. Repeated values do
    not change a minimum, so segments need not be sets. Empty bins of a non-empty
    segment take the value of the first filled bin on their probe sequence
    (``probes[bin]``), else of the next filled bin to the right, circularly."""
    n = len(starts)
    sig = np.full((n, k), _EMPTY, dtype=np.uint32)
    uk = np.uint64(k)
    pow2 = (k & (k - 1)) == 0  # g % k is g & (k - 1): no division per value
    mask = np.uint64(k - 1)
    filled = np.empty(k, dtype=np.bool_)
    src = np.empty(k, dtype=np.uint32)
    n_probes = probes.shape[1]
    for r in range(n):
        lo, hi = starts[r], ends[r]
        if hi <= lo:
            continue
        row = sig[r]
        for i in range(lo, hi):
            g = _fmix64(np.uint64(values[i]) ^ salt)
            c = np.int64(g & mask) if pow2 else np.int64(g % uk)
            # min(), not "if v < row[c]": a select rather than a branch that a value
            # beats the bin's minimum as often as not (a bin's first values), mispredicted:
            # documents' signatures 0.018 -> 0.009 s a batch, paragraphs' 0.030 -> 0.020 s
            row[c] = min(row[c], np.uint32(g >> _S32))
        missing = False
        any_filled = False
        for c in range(k):
            filled[c] = row[c] != _EMPTY
            src[c] = row[c]
            if filled[c]:
                any_filled = True
            else:
                missing = True
        if not missing or not any_filled:
            continue
        for c in range(k):
            if filled[c]:
                continue
            done = False
            for t in range(n_probes):
                p = probes[c, t]
                if filled[p]:
                    row[c] = src[p]
                    done = True
                    break
            if not done:
                j = c + 1
                while True:
                    if j == k:
                        j = 0
                    if filled[j]:
                        break
                    j += 1
                row[c] = src[j]
    return sig


# --------------------------------------------------------------------------- paragraphs

@njit(cache=True, nogil=True)
def _matched(a, b):
    """Words of ``a`` and ``b`` that difflib's ``SequenceMatcher(None, a, b,
    autojunk=False)`` matches: the longest common run (the earliest in ``a``, then in
    ``b``), then the same on the parts left and right of it."""
    la, lb = len(a), len(b)
    prev = np.zeros(lb + 1, dtype=np.int64)
    cur = np.zeros(lb + 1, dtype=np.int64)
    stack = np.empty((la + lb + 2, 4), dtype=np.int64)
    top = 0
    stack[0, 0], stack[0, 1], stack[0, 2], stack[0, 3] = 0, la, 0, lb
    top = 1
    total = 0
    while top > 0:
        top -= 1
        alo, ahi, blo, bhi = stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3]
        besti, bestj, best = alo, blo, 0
        for j in range(blo, bhi + 1):
            prev[j] = 0
        for i in range(alo, ahi):
            cur[blo] = 0
            for j in range(blo, bhi):
                if a[i] == b[j]:
                    k = prev[j] + 1
                    cur[j + 1] = k
                    if k > best:
                        besti, bestj, best = i - k + 1, j - k + 1, k
                else:
                    cur[j + 1] = 0
            for j in range(blo, bhi + 1):
                prev[j] = cur[j]
        if best == 0:
            continue
        total += best
        if alo < besti and blo < bestj:
            stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3] = alo, besti, blo, bestj
            top += 1
        if besti + best < ahi and bestj + best < bhi:
            stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3] = besti + best, ahi, bestj + best, bhi
            top += 1
    return total


@njit(cache=True, nogil=True)
def sequence_ratios(word_hash, a_start, a_end, b_start, b_end):
    """difflib's ``ratio()`` (``2 * matched / (len_a + len_b)``) of the word sequences
    ``word_hash[a_start[k]:a_end[k]]`` and ``word_hash[b_start[k]:b_end[k]]``."""
    n = len(a_start)
    out = np.zeros(n, dtype=np.float64)
    for k in range(n):
        a = word_hash[a_start[k]:a_end[k]]
        b = word_hash[b_start[k]:b_end[k]]
        if len(a) + len(b) == 0:
            out[k] = 1.0
        else:
            out[k] = 2.0 * _matched(a, b) / (len(a) + len(b))
    return out


@njit(cache=True, nogil=True)
def figure_agreements(word_hash, is_figure, a_start, a_end, b_start, b_end):
    """Share of the figures (counted with repeats) of the segment with fewer that the
    other has too; 1.0 when one has none."""
    n = len(a_start)
    out = np.ones(n, dtype=np.float64)
    for k in range(n):
        a = word_hash[a_start[k]:a_end[k]][is_figure[a_start[k]:a_end[k]]]
        b = word_hash[b_start[k]:b_end[k]][is_figure[b_start[k]:b_end[k]]]
        fewer = min(len(a), len(b))
        if fewer == 0:
            continue
        a = np.sort(a)
        b = np.sort(b)
        i = j = common = 0
        while i < len(a) and j < len(b):
            if a[i] == b[j]:
                common += 1
                i += 1
                j += 1
            elif a[i] < b[j]:
                i += 1
            else:
                j += 1
        out[k] = common / fewer
    return out


# --------------------------------------------------------------------------- sets

@njit(cache=True, nogil=True)
def intersection_sizes(a_values, a_offsets, ia, b_values, b_offsets, ib, weights, weighted):
    """``|a[ia[k]] & b[ib[k]]|`` of sorted sets without repeats, by merging
    (``shingles.intersection_sizes``); with ``weighted``, the sum of ``weights[v]``
    over the common values ``v`` instead."""
    n = len(ia)
    out = np.zeros(n, dtype=np.float64)
    for k in range(n):
        i, i_end = a_offsets[ia[k]], a_offsets[ia[k] + 1]
        j, j_end = b_offsets[ib[k]], b_offsets[ib[k] + 1]
        total = 0.0
        while i < i_end and j < j_end:
            x, y = a_values[i], b_values[j]
            if x == y:
                total += weights[np.int64(x)] if weighted else 1.0
                i += 1
                j += 1
            elif x < y:
                i += 1
            else:
                j += 1
        out[k] = total
    return out


# --------------------------------------------------------------------------- block types

@njit(cache=True, nogil=True)
def factorize(values, keep):
    """Number the distinct ``values`` where ``keep`` in order of first appearance, as
    ``pandas.factorize(values[keep])`` does, with -1 where not ``keep``. Returns
    ``(codes, first)``: int32 codes, and the position of each code's first value.
    An open-addressing table of at least 4/3 slots a value (12 bytes a slot): 200 MB
    for the ten million blocks of a million articles, where pandas needed 530 MB."""
    n = len(values)
    cap = 1
    while cap * 3 < n * 4:
        cap <<= 1
    mask = np.uint64(cap - 1)
    slot_value = np.empty(cap, dtype=np.uint64)
    slot_code = np.full(cap, -1, dtype=np.int32)
    codes = np.full(n, -1, dtype=np.int32)
    first = np.empty(n, dtype=np.int32)
    k = 0
    for i in range(n):
        if not keep[i]:
            continue
        v = values[i]
        s = _fmix64(v) & mask
        while True:
            c = slot_code[s]
            if c < 0:
                slot_value[s] = v
                slot_code[s] = k
                codes[i] = k
                first[k] = i
                k += 1
                break
            if slot_value[s] == v:
                codes[i] = c
                break
            s = (s + np.uint64(1)) & mask
    return codes, first[:k].copy()


@njit(cache=True, nogil=True)
def first_in_document(block_type, doc_block_offsets):
    """Mask over blocks: the block has a type (``>= 0``) that no earlier block of its
    document has. ``blocks.build_index`` defines it as the first index of each distinct
    ``(document, type)`` key (``np.unique(..., return_index=True)``); this needs no array
    but the mask. Documents of up to 64 blocks compare each block with the earlier ones;
    longer ones sort their types."""
    out = np.zeros(len(block_type), dtype=np.bool_)
    for d in range(len(doc_block_offsets) - 1):
        lo, hi = doc_block_offsets[d], doc_block_offsets[d + 1]
        if hi - lo <= 64:
            for i in range(lo, hi):
                t = block_type[i]
                if t < 0:
                    continue
                seen = False
                for j in range(lo, i):
                    if block_type[j] == t:
                        seen = True
                        break
                out[i] = not seen
        else:
            order = np.argsort(block_type[lo:hi], kind="mergesort")  # stable: earliest first
            previous = -1
            for k in range(hi - lo):
                i = lo + order[k]
                t = block_type[i]
                if t >= 0 and t != previous:
                    out[i] = True
                previous = t
    return out


# --------------------------------------------------------------------------- clusters

@njit(cache=True, nogil=True, inline="always")
def _root(parent, x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]  # path halving
        x = parent[x]
    return x


@njit(cache=True, nogil=True)
def component_roots(n, a, b):
    """The smallest node of each node's connected component in the undirected graph on
    nodes ``0..n-1`` with edges ``(a[i], b[i])``: the components scipy's
    ``csgraph.connected_components`` finds, each named by its first node.

    Union-find: a union hangs the larger root under the smaller, so a node's parent is
    never after it, and one pass in node order then resolves every node to its root.
    Loading this compiled loop takes ~10 ms where importing ``scipy.sparse.csgraph``
    took ~0.25 s (~0.1 s of a scan's start-up net: numba loads ``scipy.linalg`` anyway)."""
    parent = np.arange(n)
    for i in range(len(a)):
        x = _root(parent, a[i])
        y = _root(parent, b[i])
        if x < y:
            parent[y] = x
        elif y < x:
            parent[x] = y
    for i in range(n):
        parent[i] = parent[parent[i]]
    return parent


# --------------------------------------------------------------------------- LSH

@njit(cache=True, nogil=True)
def band_keys(sig, b, r, first):
    """A 64-bit key per band of each signature (``lsh.band_keys``), for bands ``first``
    to ``first + b - 1``: starting from ``band + 1``, each of the band's ``r`` values
    ``v`` (column ``col``) turns the key ``h`` into ``fmix64(h ^ v) + col``."""
    n = sig.shape[0]
    keys = np.empty((n, b), dtype=np.uint64)
    for i in range(n):
        for k in range(b):
            band = first + k
            h = np.uint64(band + 1)
            for col in range(band * r, band * r + r):
                h = _fmix64(h ^ np.uint64(sig[i, col])) + np.uint64(col)
            keys[i, k] = h
    return keys


@njit(cache=True, nogil=True, inline="always")
def _passes(a, b, sig, sizes, min_share, min_size_ratio):
    """The prefilter of ``lsh.Prefilter``: the smaller of the two sizes is at least
    ``min_size_ratio`` of the larger, and the signature rows agree on at least
    ``min_share`` of their values (``minhash.estimate_jaccard``)."""
    sa = np.float64(sizes[a])
    sb = np.float64(sizes[b])
    if min(sa, sb) < min_size_ratio * max(sa, sb):
        return False
    width = sig.shape[1]
    equal = 0
    for col in range(width):
        if sig[a, col] == sig[b, col]:
            equal += 1
    return np.float64(equal) / np.float64(width) >= min_share


@njit(cache=True, nogil=True)
def bucket_pairs(packed, ib, max_bucket, sig, sizes, min_share, min_size_ratio, filtered):
    """Pairs of items that share a key (``lsh.pairs_sharing_key``), from ``packed``:
    ascending uint64 values holding a key in their high ``64 - ib`` bits and an item in
    their low ``ib``. A bucket (a run of one key) of at most ``max_bucket`` members gives
    every pair of its members, a larger one its first (least) member with each other.
    With ``filtered``, only pairs that pass the prefilter (:func:`_passes`, on rows
    ``a``, ``b`` of ``sig`` and ``sizes``) are kept. Returns ``(m, 2)`` int64 pairs,
    ``a <= b`` (equal only for an item with one key twice).

    One pass into an array that doubles when full, cut to size at the end: no array but
    the result, where numpy needed eight and every chance pair. (A counting pass first
    would test every pair twice: at a million articles the paragraphs' bands form ~44M
    chance pairs, each test two random signature rows, ~2.5 s of the second pass.)"""
    n = len(packed)
    shift = np.uint64(ib)
    mask = (np.uint64(1) << shift) - np.uint64(1)
    out = np.empty((max(16, n), 2), dtype=np.int64)
    k = 0
    i = 0
    while i < n:
        key = packed[i] >> shift
        j = i + 1
        while j < n and (packed[j] >> shift) == key:
            j += 1
        last = j if j - i <= max_bucket else i + 1  # a star: only its centre pairs
        for x in range(i, last):
            a = np.int64(packed[x] & mask)
            for y in range(x + 1, j):
                b = np.int64(packed[y] & mask)
                if filtered and not _passes(a, b, sig, sizes, min_share, min_size_ratio):
                    continue
                if k == out.shape[0]:
                    grown = np.empty((2 * k, 2), dtype=np.int64)
                    grown[:k] = out
                    out = grown
                out[k, 0] = a
                out[k, 1] = b
                k += 1
        i = j
    return out[:k].copy()


@njit(cache=True, nogil=True, inline="always")
def _table_slots(count):
    """Slots of an open-addressing table for ``count`` values: a power of two, at least
    twice ``count`` (and 16)."""
    size = 16
    while size < 2 * count:
        size <<= 1
    return size


@njit(cache=True, nogil=True, inline="always")
def _longest(starts, ends):
    longest = 0
    for s in range(len(starts)):
        longest = max(longest, ends[s] - starts[s])
    return longest


@njit(cache=True, nogil=True, inline="always")
def _slot_of(v, owner, mask, slot_value, slot_owner):
    """``(slot, new)``: the slot of value ``v`` in the table of segment ``owner`` (slots
    of other segments count as empty), claimed for it if ``new``."""
    slot = _fmix64(np.uint64(v)) & mask
    while True:
        if slot_owner[slot] != owner:
            slot_owner[slot] = owner
            slot_value[slot] = v
            return slot, True
        if slot_value[slot] == v:
            return slot, False
        slot = (slot + np.uint64(1)) & mask


@njit(cache=True, nogil=True)
def flagged_words(word_offsets, flag, blocks):
    """The positions of the words of ``blocks`` (block ``b``'s are
    ``word_offsets[b]:word_offsets[b + 1]``) where ``flag`` is set, block after block,
    and for each the position in ``blocks`` of its block: ``np.flatnonzero`` of the
    flag over the blocks' words, without making the positions of all their words
    (a document's figures are ~5 % of its words)."""
    count = 0
    for i in range(len(blocks)):
        for w in range(word_offsets[blocks[i]], word_offsets[blocks[i] + 1]):
            if flag[w]:
                count += 1
    at = np.empty(count, dtype=np.int64)
    which = np.empty(count, dtype=np.int64)
    k = 0
    for i in range(len(blocks)):
        for w in range(word_offsets[blocks[i]], word_offsets[blocks[i] + 1]):
            if flag[w]:
                at[k] = w
                which[k] = i
                k += 1
    return at, which


@njit(cache=True, nogil=True)
def distinct_counts(values, starts, ends):
    """The number of distinct values in each segment ``values[starts[i]:ends[i]]``:
    ``len(np.unique(values[starts[i]:ends[i]]))``. One open-addressing table, sized for
    the longest segment and never cleared (a slot belongs to the segment whose number
    it holds), so a segment costs one probe a value where sorting it cost ~log2 of its
    length: the distinct words of a batch's paragraphs in 0.03 s instead of 0.12 s."""
    n = len(starts)
    cap = _table_slots(_longest(starts, ends))
    slot_value = np.empty(cap, dtype=values.dtype)
    slot_owner = np.full(cap, -1, dtype=np.int64)
    out = np.zeros(n, dtype=np.int64)
    for s in range(n):
        lo, hi = starts[s], ends[s]
        mask = np.uint64(_table_slots(hi - lo) - 1)
        count = 0
        for i in range(lo, hi):
            _, new = _slot_of(values[i], s, mask, slot_value, slot_owner)
            if new:
                count += 1
        out[s] = count
    return out


@njit(cache=True, nogil=True)
def occurrence_numbers(values, starts, ends):
    """For each value of each segment ``values[starts[i]:ends[i]]``, how many equal
    values come before it in its segment (0 for the first): pandas'
    ``groupby([segment, value]).cumcount()``, with one hash table as in
    :func:`distinct_counts`, and without holding the GIL."""
    n = len(starts)
    cap = _table_slots(_longest(starts, ends))
    slot_value = np.empty(cap, dtype=values.dtype)
    slot_count = np.zeros(cap, dtype=np.int64)
    slot_owner = np.full(cap, -1, dtype=np.int64)
    out = np.zeros(len(values), dtype=np.int64)
    for s in range(n):
        lo, hi = starts[s], ends[s]
        mask = np.uint64(_table_slots(hi - lo) - 1)
        for i in range(lo, hi):
            slot, new = _slot_of(values[i], s, mask, slot_value, slot_owner)
            if new:
                slot_count[slot] = 1
            else:
                out[i] = slot_count[slot]
                slot_count[slot] += 1
    return out


@njit(cache=True, nogil=True)
def overwrite_sets(values, offsets, rows, new_values, new_offsets):
    """Replace set ``rows[i]`` of ``(values, offsets)`` by set ``i`` of ``(new_values,
    new_offsets)``, in place: every set moves down to follow the one before it, and
    none is larger than the one it replaces, so no write passes a value not yet read
    (``rows`` ascending). ``offsets`` is rewritten; returns the new length of
    ``values``, or -1 (and nothing changed) if a replacement is larger."""
    for i in range(len(rows)):
        if new_offsets[i + 1] - new_offsets[i] > offsets[rows[i] + 1] - offsets[rows[i]]:
            return -1
    n = len(offsets) - 1
    end = 0
    k = 0
    for s in range(n):
        lo, hi = offsets[s], offsets[s + 1]
        offsets[s] = end
        if k < len(rows) and rows[k] == s:
            for j in range(new_offsets[k], new_offsets[k + 1]):
                values[end] = new_values[j]
                end += 1
            k += 1
        else:
            for j in range(lo, hi):
                values[end] = values[j]
                end += 1
    offsets[n] = end
    return end


@njit(cache=True, nogil=True)
def sorted_sets(values, offsets):
    """Each segment ``values[offsets[i]:offsets[i+1]]`` sorted, without repeats
    (``shingles.SetBatch.from_pairs`` for values that come grouped by set).
    Returns ``(values, offsets)`` of the sets."""
    n = len(offsets) - 1
    out = values.copy()
    out_offsets = np.zeros(n + 1, dtype=np.int64)
    k = 0
    for s in range(n):
        lo, hi = offsets[s], offsets[s + 1]
        seg = out[lo:hi]
        seg.sort()  # in place, in the copy: no array allocated per set
        for i in range(hi - lo):
            if i == 0 or seg[i] != seg[i - 1]:
                out[k] = seg[i]  # k <= lo + i: writes never overtake the reads
                k += 1
        out_offsets[s + 1] = k
    return out[:k].copy(), out_offsets


def compiled() -> bool:
    """Whether an earlier run left these loops in numba's cache, so that a run starts at
    once; otherwise the first one compiles them (10-30 s on 2 cores, silent). Judged by
    the cache index of :func:`hash_words`, which every scan runs; True when numba's
    cache cannot be read that way (another numba version)."""
    try:
        return os.path.exists(hash_words._cache._cache_file._index_path)
    except AttributeError:  # pragma: no cover - numba's cache is private
        return True
