"""Split documents into blocks, normalise them and turn their words into hashes.

A **block** is a paragraph: one non-blank line, stripped of surrounding white space.
Lines end at ``\\n`` or ``\\r`` (so ``\\r\\n`` files work), and each block keeps its
character span ``[start, end)`` into the original text, so ``text[start:end]`` is
the block exactly as written.

The **normalised text** of a block is what two copies of a paragraph share after a
site's typography has been taken away:

1. Unicode NFKC (full-width letters, ligatures, NBSP become their plain forms);
2. Unicode format characters (category ``Cf``: soft hyphens, zero-width spaces and
   joiners, directional marks) are dropped, so ``inter\\u00adnational`` is one word;
3. typographic dashes and minus signs become ``-``;
4. case folding (``str.casefold``);
5. the text is cut into **words**: runs of letters, digits and ``_``. Every other
   character (punctuation, quotes of any kind, symbols) separates words and is
   dropped. One exception keeps figures intact: a number with inner separators
   (``1.5``, ``6-3/16``, ``1,234``, ``12:30``, ``5.6mln``) stays one word, because the
   figures are what tell two templated reports apart.

The normalised text is the words joined by single spaces.

Words are hashed once per distinct word with a seeded 64-bit xxHash (never Python's
``hash()``, which changes between processes), so everything downstream works on
numpy arrays of integers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
import xxhash

#: Seed of the word hash. Fixed, so that hashes (and persistent indexes) agree across
#: runs, processes and machines.
WORD_HASH_SEED = 0x5EED_D0C5

BLOCK_RE = re.compile(r"[^\s\r\n](?:[^\r\n]*[^\s\r\n])?")
_WORD = r"\d+(?:[.,:/-]\d+)+\w*|\w+"
WORD_RE = re.compile(_WORD)
_WORD_OR_BREAK_RE = re.compile(_WORD + r"|\n")
_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")
_DIGIT_RE = re.compile(r"\d")

#: English number words count as figures too: "six ships" vs "eight ships" is different news.
NUMBER_WORDS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety".split()
)


def is_figure(word: str) -> bool:
    """Whether a normalised word is a figure: it has a digit, or is an English number word."""
    return _DIGIT_RE.search(word) is not None or word in NUMBER_WORDS


def _is_format_char(c: str) -> bool:
    return unicodedata.category(c) == "Cf"


def block_spans(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` character spans of the blocks (non-blank lines) of ``text``."""
    return [m.span() for m in BLOCK_RE.finditer(text)]


def _fold(text: str) -> str:
    """Steps 1-4 of normalisation: NFKC, drop format characters, ASCII dashes, casefold."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        # build a pattern from the characters actually present: one pass over a small
        # character class is ~100x faster than a class of all ~170 format characters
        present = {c for c in set(text) if c > "\x7f"}
        drop = [c for c in present if _is_format_char(c)]
        if drop:
            text = re.sub("[" + "".join(map(re.escape, drop)) + "]", "", text)
        dashes = present & _DASHES
        if dashes:
            text = re.sub("[" + "".join(map(re.escape, dashes)) + "]", "-", text)
    return text.casefold()


def words(text: str) -> list[str]:
    """The normalised words of ``text`` (see the module docstring)."""
    return WORD_RE.findall(_fold(text))


def normalize(text: str) -> str:
    """The normalised text: its words joined by single spaces.

    >>> normalize("\u201cPutin\u2019s\u201d \u2014 U.S.  plan:\u00a0$1.5\u00adbn, 6\u20133/16 pct")
    'putin s u s plan 1.5 bn 6-3/16 pct'
    """
    return " ".join(words(text))


@dataclass
class TokenizedBatch:
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
    def n_docs(self) -> int:
        return len(self.doc_block_offsets) - 1

    @property
    def n_blocks(self) -> int:
        return len(self.block_doc)

    @property
    def block_words(self) -> np.ndarray:
        """Number of words in each block."""
        return np.diff(self.word_offsets)


def tokenize(texts: Sequence[str]) -> TokenizedBatch:
    """Cut ``texts`` into blocks and hashed words, a whole batch at a time.

    All blocks of the batch are joined with ``\\n`` into one string, folded once and cut
    into words by one regular-expression pass in which ``\\n`` marks a block boundary;
    distinct words are hashed once each. This keeps the per-word Python work to a
    minimum (the cost is one regex match per word).
    """
    starts: list[int] = []
    ends: list[int] = []
    counts = np.zeros(len(texts), dtype=np.int64)
    pieces: list[str] = []
    for d, text in enumerate(texts):
        n = 0
        for m in BLOCK_RE.finditer(text):
            s, e = m.span()
            starts.append(s)
            ends.append(e)
            pieces.append(m.group())
            n += 1
        counts[d] = n
    doc_block_offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(counts, out=doc_block_offsets[1:])
    block_doc = np.repeat(np.arange(len(texts), dtype=np.int64), counts)
    n_blocks = len(pieces)

    tokens = _WORD_OR_BREAK_RE.findall(_fold("\n".join(pieces))) if n_blocks else []
    codes, uniques = pd.factorize(np.asarray(tokens, dtype=object))
    uniques = list(uniques)
    is_break_code = np.array([u == "\n" for u in uniques], dtype=bool)
    is_break = is_break_code[codes] if len(codes) else np.zeros(0, dtype=bool)
    # block of every token: blocks are separated by exactly one break token
    block_of_token = np.cumsum(is_break) if len(codes) else np.zeros(0, dtype=np.int64)
    word_mask = ~is_break
    word_codes = codes[word_mask]
    word_block = block_of_token[word_mask]
    word_offsets = np.zeros(n_blocks + 1, dtype=np.int64)
    if n_blocks:
        np.cumsum(np.bincount(word_block, minlength=n_blocks), out=word_offsets[1:])
    seed = WORD_HASH_SEED
    uniq_hash = np.fromiter(
        (xxhash.xxh64_intdigest(u.encode("utf-8"), seed) for u in uniques), dtype=np.uint64, count=len(uniques)
    )
    uniq_number = np.fromiter(
        (is_figure(u) for u in uniques), dtype=bool, count=len(uniques)
    )
    return TokenizedBatch(
        block_doc=block_doc,
        block_start=np.asarray(starts, dtype=np.int64),
        block_end=np.asarray(ends, dtype=np.int64),
        doc_block_offsets=doc_block_offsets,
        word_offsets=word_offsets,
        word_hash=uniq_hash[word_codes],
        word_is_number=uniq_number[word_codes],
    )


def line_of(text: str, offset: int) -> int:
    """The 1-based line (counting ``\\n`` only, as editors do) of character ``offset``."""
    return text.count("\n", 0, offset) + 1

