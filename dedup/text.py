"""Split documents into blocks, normalise them and turn their words into hashes.

A **block** is a paragraph: one non-blank line, stripped of surrounding white space.
Lines end where ``str.splitlines`` ends them (``\\n``, ``\\r\\n``, ``\\r`` and the other
Unicode line breaks), and each block keeps its character span ``[start, end)`` into the
original text, so ``text[start:end]`` is the block exactly as written.

The **normalised text** of a block is what two copies of a paragraph share after a
site's typography has been taken away:

0. HTML character references are decoded (``&rsquo;``, ``&#8217;``, ``&#x2019;``,
   ``&amp;``; a named one only with its ``;``), as a feed or a scraper that does not
   unescape leaves them: ``Putin&rsquo;s`` and ``Putin\u2019s`` are the same words. A
   reference to a line break or other white space is a space (blocks are the lines of
   the text as written), as is one to a control character;
1. Unicode NFKC (full-width letters, ligatures, NBSP become their plain forms);
2. Unicode format characters (category ``Cf``: soft hyphens, zero-width spaces and
   joiners, directional marks) are dropped, so ``inter\\u00adnational`` is one word;
3. typographic dashes and minus signs become ``-``;
4. case folding (``str.casefold``);
5. the text is cut into **words**: runs of letters, digits, combining marks and ``_``
   (any non-ASCII letter or digit counts). Every other character (punctuation, quotes of any kind,
   symbols) separates words and is dropped, with one exception that keeps figures
   intact: one of ``. , : / -`` between two digits stays (``1.5``, ``6-3/16``,
   ``1,234``, ``12:30``, ``5.6mln`` are one word each), because figures are what tell
   two templated reports apart.

The normalised text is the words joined by single spaces.

Speed: a batch of documents is folded as one string and cut into words with numpy on
its UTF-8 bytes (a class table per byte, word boundaries where the class changes).
Each word is hashed from its bytes with a seeded polynomial computed from cumulative
sums, then a 64-bit finaliser. No Python object is made per word, which is where a
regular-expression tokeniser spends its time.
"""

from __future__ import annotations

import html
import html.entities
import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np

from .shingles import fmix64, offsets_of, ragged_arange

#: Version of the normalisation (below), which an index stores with its words: 2 since
#: HTML character references are decoded (step 0), 1 before.
NORMALIZATION = 2
#: Seed of the word hash. Fixed, so that hashes (and persistent indexes) agree across
#: runs, processes and machines.
WORD_HASH_SEED = 0x5EED_D0C5

_U64 = np.uint64
_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")
#: a lone surrogate: half of a UTF-16 pair, which Python's ``json`` reads from an escaped
#: ``"\ud800"`` and no UTF-8 output can hold
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
#: an HTML character reference: decimal, hexadecimal or named (named ones need their
#: ``;`` here, so that ``AT&Tamp`` or ``R&D`` stay as they are)
_ENTITY = re.compile(r"&(?:#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,7}|[A-Za-z][A-Za-z0-9]{1,31});")
#: odd, so that it is invertible modulo 2**64
_POLY = 0x100000001B3

#: English number words count as figures too: "six ships" vs "eight ships" is different news.
NUMBER_WORDS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety".split()
)

# byte classes: 0 separates words, 1 word byte, 2 figure separator, 3 line break (block boundary)
_CLASS = np.zeros(256, dtype=np.uint8)
for _c in b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_":
    _CLASS[_c] = 1
_CLASS[128:] = 1  # bytes of non-ASCII letters and digits (other non-ASCII is mapped to spaces)
for _c in b".,:/-":
    _CLASS[_c] = 2
_CLASS[ord("\n")] = 3
_DIGIT = np.zeros(256, dtype=bool)
_DIGIT[ord("0"):ord("9") + 1] = True


def is_figure(word: str) -> bool:
    """Whether a normalised word is a figure: it has a digit, or is an English number word."""
    return any("0" <= c <= "9" for c in word) or word in NUMBER_WORDS


def block_spans(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` character spans of the blocks (non-blank lines) of ``text``."""
    spans = []
    pos = 0
    for line in text.splitlines(True):
        stripped = line.strip()
        if stripped:
            start = pos + len(line) - len(line.lstrip())
            spans.append((start, start + len(stripped)))
        pos += len(line)
    return spans


@lru_cache(maxsize=4096)
def _entity(reference: str) -> str:
    """The text of one HTML character reference (step 0): white space, control characters
    and references to no character (``&#0;``) are a space, which separates words as the
    character would have; an unknown name stays as written."""
    if reference.startswith("&#"):
        decoded = html.unescape(reference)
    else:  # the whole name, not a legacy prefix of it ("&amplifier;" is not "&" + "lifier;")
        decoded = html.entities.html5.get(reference[1:], reference)
    if decoded == reference:
        return reference
    return "".join(" " if c.isspace() or unicodedata.category(c) == "Cc" else c for c in decoded) or " "


def decode_entities(text: str) -> str:
    """``text`` with its HTML character references decoded (step 0 of normalisation).

    >>> decode_entities("AT&amp;T&#39;s R&D&#10;costs &#x24;5 &bogus;")
    "AT&T's R&D costs $5 &bogus;"
    """
    return _ENTITY.sub(lambda m: _entity(m.group()), text) if "&" in text else text


def _fold(text: str) -> str:
    """Steps 1-4 of normalisation (of a text whose references are decoded), and every
    non-ASCII character that is neither a letter nor a digit (curly quotes, bullets,
    symbols) made a space."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(_fold_chars(text)) if not text.isascii() else text


def _fold_chars(text: str):
    """Characters of an NFKC-normalised, case-folded text after steps 2-3 and the mapping
    of non-ASCII non-alphanumerics to spaces (ASCII characters pass unchanged)."""
    for c in text:
        if c < "\x80":
            yield c
        elif c in _DASHES:
            yield "-"
        elif unicodedata.category(c) == "Cf":
            continue
        elif c.isalnum() or unicodedata.category(c)[0] == "M":  # a combining mark belongs to its word
            yield c
        else:
            yield " "


@lru_cache(maxsize=4096)
def _fold_char(c: str) -> str | None:
    """The fold of one non-ASCII character on its own, or None when its fold may depend on
    its neighbours (combining marks, conjoining jamo), which needs the whole-text path."""
    if unicodedata.combining(c) or unicodedata.category(c).startswith("M") or "\u1100" <= c <= "\u11ff":
        return None
    folded = unicodedata.normalize("NFKC", c).casefold()
    if unicodedata.normalize("NFKC", folded) != folded:
        return None
    return "".join(_fold_chars(folded))


_WIDTH_MASK = np.array([0, 0, 0xFFFF0000, 0xFFFFFF00, 0xFFFFFFFF], dtype=np.uint32)


def _fold_bytes(text: str) -> bytes:
    """Steps 0-4 of normalisation (:func:`decode_entities`, then :func:`_fold`) as UTF-8
    bytes, fast when non-ASCII characters are few: ASCII is
    lowered with ``bytes.lower`` and each distinct non-ASCII character is folded once
    and replaced throughout. Text where folding depends on neighbouring characters
    (combining marks, conjoining jamo) takes the whole-text path; the result is the same."""
    text = decode_entities(text)
    raw = text.encode("utf-8", "surrogatepass")
    buf = np.frombuffer(raw, dtype=np.uint8)
    high = np.flatnonzero(buf >= 0x80)
    if len(high) == 0:
        return raw.lower()
    # each non-ASCII character starts at a byte that is not a continuation byte (10xxxxxx)
    starts = high[(buf[high] & 0xC0) != 0x80]
    lead = buf[starts]
    width = np.where(lead >= 0xF0, 4, np.where(lead >= 0xE0, 3, 2))
    pad = np.concatenate((buf, np.zeros(3, dtype=np.uint8))).astype(np.uint32)
    code = (pad[starts] << 24) | (pad[starts + 1] << 16) | (pad[starts + 2] << 8) | pad[starts + 3]
    _, first = np.unique(code & _WIDTH_MASK[width], return_index=True)
    chars = {raw[a:a + w].decode("utf-8", "surrogatepass") for a, w in zip(starts[first].tolist(), width[first].tolist())}
    folds = {c: _fold_char(c) for c in chars}
    if any(f is None for f in folds.values()):
        return _fold(text).encode("utf-8", "surrogatepass")
    for c, f in folds.items():
        if f != c:
            raw = raw.replace(c.encode("utf-8", "surrogatepass"), f.encode("utf-8"))
    return raw.lower()


_POWER_TABLES: list[tuple[np.ndarray, np.ndarray]] = []


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``P**i`` and ``P**-i`` modulo 2**64 for i < n at least; the tables grow as needed,
    doubling. Only words are hashed here (the compiled loops hash the texts), so they start
    at 64: two million entries, made on first use, were 0.025 s of every scan's start."""
    if not _POWER_TABLES or len(_POWER_TABLES[0][0]) < n:
        size = 64
        while size < n:
            size *= 2
        _POWER_TABLES[:] = [_power_tables(size)]
    return _POWER_TABLES[0]


def _power_tables(n: int) -> tuple[np.ndarray, np.ndarray]:
    p = np.full(n, _POLY, dtype=_U64)
    p[0] = 1
    inv = np.full(n, pow(_POLY, -1, 1 << 64), dtype=_U64)
    inv[0] = 1
    return np.cumprod(p, dtype=_U64), np.cumprod(inv, dtype=_U64)


def _word_spans(buf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end byte offsets of the words of a folded UTF-8 buffer."""
    cls = _CLASS[buf]
    word = cls == 1
    sep = cls == 2
    if sep.any():
        digit = _DIGIT[buf]
        between = np.zeros(len(buf), dtype=bool)
        between[1:-1] = digit[:-2] & digit[2:]
        word |= sep & between
    edges = np.diff(word.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _hash_spans(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Seeded 64-bit hash of each ``buf[start:end]``: a polynomial over its bytes from one
    cumulative sum, shifted to the word's start with the inverse power, then finalised."""
    n = len(buf)
    pw, inv = _powers(max(n, 1))
    csum = np.zeros(n + 1, dtype=_U64)
    np.cumsum(buf.astype(_U64) * pw[:n], dtype=_U64, out=csum[1:])
    raw = (csum[ends] - csum[starts]) * inv[starts]
    return fmix64(raw ^ fmix64((ends - starts).astype(_U64) + _U64(WORD_HASH_SEED)))


def _word_hash(word: str) -> np.uint64:
    buf = np.frombuffer(word.encode("utf-8"), dtype=np.uint8)
    return _hash_spans(buf, np.array([0]), np.array([len(buf)]))[0]


@lru_cache(maxsize=1)
def _number_word_hashes() -> np.ndarray:
    return np.sort(np.array([_word_hash(w) for w in NUMBER_WORDS], dtype=_U64))


@lru_cache(maxsize=1)
def _number_word_table() -> np.ndarray:
    """The number-word hashes in an open-addressing table for :func:`kernels.hash_words`."""
    table = np.zeros(1024, dtype=_U64)
    for h in _number_word_hashes().tolist():
        slot = h >> 54
        while table[slot]:
            slot = (slot + 1) & 1023
        table[slot] = h
    return table


def words(text: str) -> list[str]:
    """The normalised words of ``text`` (see the module docstring)."""
    raw = _fold_bytes(text)
    starts, ends = _word_spans(np.frombuffer(raw, dtype=np.uint8))
    return [raw[s:e].decode("utf-8", "surrogatepass") for s, e in zip(starts.tolist(), ends.tolist())]


def normalize(text: str) -> str:
    """The normalised text: its words joined by single spaces.

    >>> normalize("\u201cPutin\u2019s\u201d \u2014 U.S.  plan:\u00a0$1.5\u00adbn, 6\u20133/16 pct")
    'putin s u s plan 1.5bn 6-3/16 pct'
    """
    return " ".join(words(text))


class _Counts:
    """Numbers of documents and blocks of a block table (mixin)."""

    block_doc: np.ndarray
    doc_block_offsets: np.ndarray

    @property
    def n_docs(self) -> int:
        return len(self.doc_block_offsets) - 1

    @property
    def n_blocks(self) -> int:
        return len(self.block_doc)


@dataclass
class BlockTable(_Counts):
    """The blocks of many documents without their words: what a scan keeps of every
    document (a few dozen bytes a block, where the words take ~9 bytes each).

    Attributes have the meaning of :class:`TokenizedBatch`'s; ``block_words`` is the
    number of words of each block. The per-block arrays are int32 (18 bytes a block
    with ``doc_block_offsets``, against 34 as int64: ~180 bytes a news article kept
    for the length of a scan); a document is held as one Python string, so no text
    reaches 2**31 characters, and a corpus of 2**31 documents does not fit in memory.
    """

    block_doc: np.ndarray
    block_start: np.ndarray
    block_end: np.ndarray
    doc_block_offsets: np.ndarray
    block_words: np.ndarray


@dataclass
class TokenizedBatch(_Counts):
    """Many documents cut into blocks and words, as flat numpy arrays.

    Blocks of all documents are numbered 0..n_blocks-1 in document order; the words of
    block ``b`` are ``word_hash[word_offsets[b]:word_offsets[b+1]]``.

    Attributes:
        block_doc: document (0-based, within the batch) of each block, int64.
        block_start, block_end: character span of each block in its document's text.
        doc_block_offsets: blocks of document ``d`` are ``doc_block_offsets[d]:doc_block_offsets[d+1]``.
        word_offsets: word range of each block (length n_blocks + 1).
        word_hash: 64-bit hash of each word (uint64).
        word_is_number: whether each word is a figure (see :func:`is_figure`).
    """

    block_doc: np.ndarray
    block_start: np.ndarray
    block_end: np.ndarray
    doc_block_offsets: np.ndarray
    word_offsets: np.ndarray
    word_hash: np.ndarray
    word_is_number: np.ndarray

    @property
    def block_words(self) -> np.ndarray:
        """Number of words in each block."""
        return np.diff(self.word_offsets)

    def word_positions(self, blocks: np.ndarray) -> np.ndarray:
        """Positions in ``word_hash`` of the words of ``blocks``, block after block."""
        return ragged_arange(self.word_offsets[blocks], self.word_offsets[blocks + 1] - self.word_offsets[blocks])

    def block_table(self) -> BlockTable:
        """The blocks without their words, as int32 (see :class:`BlockTable`)."""
        small = np.int32
        return BlockTable(self.block_doc.astype(small), self.block_start.astype(small), self.block_end.astype(small),
                          self.doc_block_offsets, self.block_words.astype(small))

    def take(self, docs: np.ndarray) -> "TokenizedBatch":
        """The tokens of documents ``docs`` (document ``i`` of the result is ``docs[i]``),
        as :func:`tokenize` gives them for those documents' texts."""
        docs = np.asarray(docs, dtype=np.int64)
        counts = np.diff(self.doc_block_offsets)[docs]
        blocks = ragged_arange(self.doc_block_offsets[docs], counts)
        words = self.word_positions(blocks)
        return TokenizedBatch(
            block_doc=np.repeat(np.arange(len(docs), dtype=np.int64), counts),
            block_start=self.block_start[blocks],
            block_end=self.block_end[blocks],
            doc_block_offsets=offsets_of(counts),
            word_offsets=offsets_of(self.block_words[blocks]),
            word_hash=self.word_hash[words],
            word_is_number=self.word_is_number[words],
        )

    @classmethod
    def concat(cls, parts: Sequence["TokenizedBatch"]) -> "TokenizedBatch":
        """The documents of ``parts``, one part after the other (joined as
        :func:`tokenize` joins its chunks)."""
        return _concat_tokens([(p.block_doc, p.block_start, p.block_end, np.diff(p.doc_block_offsets), p.block_words,
                                p.word_hash, p.word_is_number) for p in parts])


@dataclass
class Utf8Texts:
    """Texts as one UTF-8 buffer: text ``i`` is ``data[offsets[i]:offsets[i+1]]``.

    The form in which a batch of texts goes from the reader to the tokeniser and to the
    corpus's temporary file without ever being Python strings: Arrow's JSON reader
    leaves a chunk's texts exactly so (:func:`dedup.io.iter_documents`), the corpus
    writes the bytes as they are, and :func:`tokenize` decodes the code points in a
    compiled loop. None of that holds the GIL, which is what bounds ``--jobs``: as
    strings, a batch held it for making them, joining and encoding them again
    (100,000 articles: ~1.5 s). A lone surrogate (possible only in a text made in
    memory) is kept in its three-byte form ("surrogatepass"), as the corpus writes it.

    Attributes:
        data: uint8 bytes (may hold more than these texts: ``offsets`` say where they are).
        offsets: int64 byte offsets, one more than there are texts; need not start at 0.
    """

    data: np.ndarray
    offsets: np.ndarray

    @classmethod
    def from_strings(cls, texts: Sequence[str]) -> "Utf8Texts":
        """``texts`` encoded (one encoding of each, holding the GIL)."""
        encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
        return cls(np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets_of(list(map(len, encoded))))

    @classmethod
    def concat(cls, parts: Sequence["Utf8Texts"]) -> "Utf8Texts":
        """``parts`` one after the other (the first itself when it is the only one)."""
        if len(parts) == 1:
            return parts[0]
        return cls(np.concatenate([p.bytes() for p in parts]),
                   offsets_of(np.concatenate([np.diff(p.offsets) for p in parts])))

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i: int | slice) -> "str | Utf8Texts":
        """Text ``i`` as a string, or texts ``start:stop`` (a :meth:`slice`)."""
        if isinstance(i, slice):
            start, stop, step = i.indices(len(self))
            if step != 1:
                raise ValueError("Utf8Texts slices take every text (step 1)")
            return self.slice(start, max(start, stop))
        return str(memoryview(self.data)[self.offsets[i]:self.offsets[i + 1]], "utf-8", "surrogatepass")

    def slice(self, start: int, stop: int) -> "Utf8Texts":
        """Texts ``start:stop`` (sharing ``data``)."""
        return Utf8Texts(self.data, self.offsets[start:stop + 1])

    def bytes(self) -> np.ndarray:
        """The bytes of all the texts, one after the other (a view of ``data``)."""
        return self.data[self.offsets[0]:self.offsets[-1]]

    def to_list(self) -> list[str]:
        """The texts as strings."""
        view = memoryview(self.data)
        bounds = self.offsets.tolist()
        return [str(view[a:b], "utf-8", "surrogatepass") for a, b in zip(bounds[:-1], bounds[1:])]


def tokenize(texts: Sequence[str] | Utf8Texts, jobs: int = 1) -> TokenizedBatch:
    """Cut ``texts`` into blocks and hashed words, a whole batch at a time.

    The texts (strings are encoded first) are taken about ``_CHUNK_TEXT_BYTES`` bytes of
    UTF-8 at a time. Compiled loops (:mod:`dedup.kernels`) decode their code points,
    find the blocks (exactly as :func:`block_spans`), fold them to UTF-8 bytes (exactly
    as :func:`_fold_bytes`, each distinct non-ASCII character folded once in Python)
    and cut and hash the words (exactly as :func:`words` and :func:`_hash_spans`).
    Character spans count code points, as Python's ``str`` does. With ``jobs > 1``
    chunks are tokenised on that many threads (the loops release the GIL); the result
    is the same.
    """
    from . import kernels

    if not isinstance(texts, Utf8Texts):
        texts = Utf8Texts.from_strings(texts)
    ends_at = texts.offsets[1:]
    bounds = [0]
    while bounds[-1] < len(texts):
        base = texts.offsets[bounds[-1]]
        bounds.append(max(int(np.searchsorted(ends_at, base + _CHUNK_TEXT_BYTES, side="right")), bounds[-1] + 1))
    chunks = [texts.slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])] or [texts]
    if jobs > 1 and len(chunks) > 1:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            parts = list(pool.map(lambda c: _tokenize_chunk(c, kernels), chunks))
    else:
        parts = [_tokenize_chunk(c, kernels) for c in chunks]
    return _concat_tokens(parts)


def _tokenize_chunk(texts: Utf8Texts, kernels) -> tuple:
    cp, doc_offsets = kernels.utf8_code_points(texts.data, texts.offsets)
    starts, ends, counts = kernels.block_spans(cp, doc_offsets, _IS_SPACE, _IS_BREAK)
    block_doc = np.repeat(np.arange(len(texts), dtype=np.int64), counts)
    g_start = starts + doc_offsets[block_doc]
    g_end = ends + doc_offsets[block_doc]
    high = cp[cp >= 128]
    fold_cp, fold_offsets, fold_bytes, unfoldable = _fold_table(high)
    override = np.full(len(starts), -1, dtype=np.int64)
    over_offsets = np.zeros(1, dtype=np.int64)
    over_bytes = np.zeros(0, dtype=np.uint8)
    # blocks folded in Python: those with a character whose fold depends on its
    # neighbours, and those with an HTML character reference (step 0)
    raw = texts.bytes()
    joined = str(raw, "utf-8", "surrogatepass") if len(unfoldable) or raw.tobytes().find(b"&") >= 0 else ""
    blocks = np.zeros(0, dtype=np.int64)
    if len(unfoldable):
        bad = np.concatenate(([0], np.cumsum(np.isin(cp, unfoldable))))
        blocks = np.flatnonzero(bad[g_end] > bad[g_start])
    references = [m.start() for m in _ENTITY.finditer(joined) if _entity(m.group()) != m.group()]
    if references:
        at = np.asarray(references, dtype=np.int64)
        block = np.searchsorted(g_start, at, side="right") - 1  # a reference lies inside its block
        blocks = np.union1d(blocks, block[block >= 0])
    if len(blocks):
        folded = [_fold_bytes(joined[a:b]) for a, b in zip(g_start[blocks].tolist(), g_end[blocks].tolist())]
        override[blocks] = np.arange(len(blocks))
        over_offsets = offsets_of([len(f) for f in folded])
        over_bytes = np.frombuffer(b"".join(folded), dtype=np.uint8)
    # at most: every code point, the non-ASCII ones at their longest fold, a line break a
    # block and the blocks folded in Python
    widest = max(1, int(np.diff(fold_offsets).max(initial=0)))
    capacity = len(cp) + len(high) * (widest - 1) + len(starts) + len(over_bytes)
    buf = kernels.fold_blocks(cp, g_start, g_end, fold_cp, fold_offsets, fold_bytes,
                              override, over_offsets, over_bytes, capacity)
    word_hash, is_number, block_words = kernels.hash_words(buf, len(starts), _CLASS, _U64(WORD_HASH_SEED),
                                                           _U64(_POLY), _number_word_table(),
                                                           max(map(len, NUMBER_WORDS)))
    return block_doc, starts, ends, counts, block_words, word_hash, is_number


def _concat_tokens(parts: list[tuple]) -> TokenizedBatch:
    def cat(i: int, shift: np.ndarray | None = None) -> np.ndarray:
        arrays = [p[i] for p in parts] if shift is None else [p[i] + s for p, s in zip(parts, shift)]
        return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)

    doc_base = np.cumsum([0] + [len(p[3]) for p in parts])
    return TokenizedBatch(
        block_doc=cat(0, doc_base),
        block_start=cat(1),
        block_end=cat(2),
        doc_block_offsets=offsets_of(cat(3)),
        word_offsets=offsets_of(cat(4)),
        word_hash=cat(5),
        word_is_number=cat(6),
    )


#: white space (``str.isspace``) and line breaks (``str.splitlines``) among code points
#: below U+3001 (there are none above)
_IS_SPACE = np.array([chr(c).isspace() for c in range(0x3001)], dtype=np.bool_)
_IS_BREAK = np.array([len(("a" + chr(c) + "b").splitlines()) == 2 for c in range(0x3001)], dtype=np.bool_)
#: bytes of UTF-8 tokenised at once (bounds the per-chunk arrays: ~8 bytes a byte,
#: ~16 MB; larger chunks measured no faster)
_CHUNK_TEXT_BYTES = 1 << 21
#: folds of non-ASCII characters seen so far: code point -> UTF-8 bytes, or None
_FOLDS: dict[int, bytes | None] = {}


def _fold_table(high: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The fold of every distinct code point of ``high`` (non-ASCII code points), as sorted
    code points, offsets and UTF-8 bytes for :func:`kernels.fold_blocks`, and the code
    points whose fold depends on their neighbours (:func:`_fold_char` gives None)."""
    distinct = np.unique(high).tolist()
    folds = []
    unfoldable = []
    for c in distinct:
        if c not in _FOLDS:
            f = _fold_char(chr(c))
            _FOLDS[c] = None if f is None else f.encode("utf-8", "surrogatepass")
        f = _FOLDS[c]
        if f is None:
            unfoldable.append(c)
            f = b""
        folds.append(f)
    return (np.asarray(distinct, dtype=np.uint32), offsets_of([len(f) for f in folds]),
            np.frombuffer(b"".join(folds), dtype=np.uint8), np.asarray(unfoldable, dtype=np.uint32))


def line_of(text: str, offset: int) -> int:
    """The 1-based line (counting ``\\n`` only, as editors do) of character ``offset``."""
    return text.count("\n", 0, offset) + 1
