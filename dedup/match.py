"""Verify candidate pairs of documents with their exact shingle sets.

LSH only proposes pairs; every reported similarity is computed here from the
shingle sets themselves, never estimated from signatures. A pair of documents is a
**near-duplicate** when

* its Jaccard similarity ``|A & B| / |A | B|`` is at least ``threshold``, or
* the smaller document is almost wholly inside the larger one (containment
  ``|A & B| / min(|A|, |B|)`` at least ``containment``) and has at least
  ``min_shingles`` shingles: a teaser or a copy truncated to a third of the article
  is a duplicate; a one-line text that happens to sit inside an article is not;

and, in both cases, the two agree on their **figures**: of the figures (words with a
digit, and English number words, counted with their repeats) of the document that has
fewer, at least ``min_figure_agreement`` also occur in the other. Templated reports
(earnings tables, central bank notices) share nearly every word and differ in their
figures; they are different news.

Two figures are the same when their words are, or one is an English number word and
the other its digits ("three-day", "3-day"). Left out are the figures that a page's
chrome changes from one scrape to the next or from one site to another: a relative
time ("Published 3 hours ago", "3h ago"), a reading time ("4 min read") and a count of
comments ("Comments (21)", "21 comments"), on a short line, and a page's time stamp:
a line of few words and at most three figures with a date and a word of a stamp or a
clock ("Updated March 12, 2024 10:32 ET", "March 12, 1987 at 6:05 a.m."), or a stamp's
word with figures alone ("Published 12/03/1987 18:05"); see :data:`STAMP_DATES`.
Without that, the same page scraped twice failed the rule whenever it had few figures
(three of the five seed articles, one line "Published 3 hours ago" against "5 hours ago").

Figures also decide the other way. A short table re-sent with its note reworded
(Reuters' earnings re-sends) shares few shingles (each line is a block of a few words)
but every figure: a pair whose documents have at least :data:`SAME_FIGURES_MIN` figures
each, agree on at least :data:`SAME_FIGURES_AGREEMENT` of them and share at least
:data:`SAME_FIGURES_CONTAINMENT` of the smaller one's shingles is the same story.
Measured on the labelled Reuters sample (tests/data): re-sends agree on 0.95-1.0 of
their figures; templated reports of different days or companies on 0-0.67, with three
crop/price tables between 0.86 and 0.94.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

import numpy as np

from .parallel import concat_parts
from .shingles import SetBatch, fmix64, intersection_sizes, ngram_hashes, ragged_arange
from .text import TokenizedBatch

#: the "same figures" rule: figures each document needs, share of them that must agree,
#: and containment of shingles needed alongside (so that a table and an unrelated
#: story quoting the same numbers stay apart)
SAME_FIGURES_MIN = 5
SAME_FIGURES_AGREEMENT = 0.95
SAME_FIGURES_CONTAINMENT = 0.5
#: a figure followed by one of these words and "ago" (or by "ago": "3h ago") is a
#: relative time, by one of them and "read" a reading time, and one that follows or
#: precedes one of COUNTED_WORDS a count of comments: page chrome (see the module's
#: docstring)
TIME_UNITS = ("second", "seconds", "sec", "secs", "minute", "minutes", "min", "mins", "hour", "hours", "hr", "hrs",
              "day", "days", "week", "weeks", "month", "months", "year", "years")
COUNTED_WORDS = ("comment", "comments", "replies")
#: ... on a line of fewer words than this: a page's line ("Published 3 hours ago |
#: 21 comments"), not a story's sentence ("the largest since it did so 2 years ago",
#: which a templated report of another year writes with another figure)
PAGE_LINE_WORDS = 8
#: a page's time stamp ("Updated March 12, 2024 10:32 ET", "Published Tue 12 Mar 2024"):
#: a line of fewer than PAGE_LINE_WORDS words besides its figures that holds a date (one of STAMP_DATES)
#: and a word of a stamp or a clock (one of STAMP_CLOCKS) and, beside its figures and
#: those words, at most STAMP_OTHER_WORDS others (a byline's name). Two sites stamp one
#: story with other times. A date alone is the news of a templated report ("Pay April
#: 30", "Record April 4": two quarters' dividends), and a clock alone the time of a
#: table of prices ("MIDWEST GRAIN FUTURES 12:00 EDT"). The time zones that are also
#: units or words ("ET", "EST", "CT", "PT", "MT": cents, points, tonnes) are no clock
#: ("Shipments March 120,000 mt" is a report's figure): "Updated", "Posted" or "AM" is
#: needed beside them ("6:05 p.m." is one too). A line of a stamp's word (STAMP_WORDS)
#: and figures alone is one ("Published 12/03/1987 18:05", "Posted 1987-03-12T18:05Z").
#: Figures do not count towards a stamp's length: "Published March 12, 1987 6:05 p.m. ET"
#: is 5 words and 3 figures; but a stamp holds at most STAMP_FIGURES ("Brent $18.50, WTI
#: $19.25 at 1500 GMT March 12" is prices). A line of one figure alone is no stamp (a
#: table's cell; an ISO stamp alone, "1987-03-12T18:05:00Z", one word, is not told from it)
STAMP_DATES = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
               "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
               "oct", "nov", "dec", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
               "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri")
STAMP_WORDS = ("updated", "published", "posted", "modified")
STAMP_CLOCKS = STAMP_WORDS + ("am", "pm", "edt", "cdt", "pdt", "pst", "gmt", "utc", "bst", "cet", "cest")
STAMP_OTHER_WORDS = 3
STAMP_FIGURES = 3
#: sets are built for this many documents at a time: building takes ~12 KB of
#: temporaries per news article (shingle hashes, their blocks and owners, sort
#: buffers) against the ~2 KB of the set kept, so 20,000 documents to verify at once
#: would need 250 MB beyond the sets; chunks keep that at ~50 MB whatever the corpus
SET_CHUNK_DOCS = 4_096
#: with several threads, no chunk is cut smaller than this many documents
_MIN_SHARED_CHUNK = 512


def _doc_blocks(tb: TokenizedBatch, docs: np.ndarray, keep_block: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """The kept blocks of documents ``docs`` in order, and the position in ``docs`` of each."""
    counts = np.diff(tb.doc_block_offsets)[docs]
    blocks, owner = ragged_arange(tb.doc_block_offsets[docs], counts), np.repeat(np.arange(len(docs)), counts)
    if keep_block is not None:
        kept = keep_block[blocks]
        blocks, owner = blocks[kept], owner[kept]
    return blocks, owner


def _in_chunks(build, docs: np.ndarray, jobs: int = 1) -> SetBatch:
    """``build(docs)``, done at most :data:`SET_CHUNK_DOCS` documents at a time (every
    set is the set of one document), the chunks on ``jobs`` threads (the loops release
    the GIL; the chunks are joined in order, so the result is the same)."""
    parts = _chunked(build, docs, jobs)
    return parts[0] if len(parts) == 1 else SetBatch.concat(parts)


def _chunked(build, docs: np.ndarray, jobs: int = 1) -> list:
    """``[build(chunk), ...]`` over the chunks of ``docs`` that :func:`_in_chunks` makes,
    in order, on ``jobs`` threads."""
    docs = np.asarray(docs, dtype=np.int64)
    size = SET_CHUNK_DOCS
    if jobs > 1 and len(docs):
        # as many chunks for each thread, so that none waits while another builds a last
        # one alone (a few thousand documents, those holding boilerplate say, are shared too)
        count = -(-len(docs) // SET_CHUNK_DOCS)
        count = -(-count // jobs) * jobs
        size = max(_MIN_SHARED_CHUNK, -(-len(docs) // count))
    if len(docs) <= size:
        return [build(docs)]
    chunks = (docs[a:a + size] for a in range(0, len(docs), size))
    if jobs <= 1:
        return [build(chunk) for chunk in chunks]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(build, chunks))


def shingle_sets(tb: TokenizedBatch, docs: np.ndarray, ngram: int, keep_block: np.ndarray | None = None,
                 jobs: int = 1) -> SetBatch:
    """The shingle sets of documents ``docs`` (set ``i`` is ``docs[i]``'s, ``docs``
    ascending), from the blocks where ``keep_block`` (default: all), on ``jobs`` threads."""
    return _in_chunks(lambda chunk: _shingle_sets(tb, chunk, ngram, keep_block), docs, jobs)


def _shingle_sets(tb: TokenizedBatch, docs: np.ndarray, ngram: int, keep_block: np.ndarray | None) -> SetBatch:
    blocks, owner = _doc_blocks(tb, docs, keep_block)
    sh_hash, sh_owner = ngram_hashes(tb.word_hash, tb.word_offsets, ngram, blocks, labels=owner)
    # shingles come in the order of ``blocks`` (ascending), so grouped by owner
    return SetBatch.from_grouped(sh_hash, sh_owner, len(docs))


def figure_sets(tb: TokenizedBatch, docs: np.ndarray, keep_block: np.ndarray | None = None,
                jobs: int = 1) -> SetBatch:
    """The figures of documents ``docs`` (``docs`` ascending), from the blocks where
    ``keep_block``, as sets that count repeats: the k-th occurrence of a figure in a
    document is its own element (on ``jobs`` threads)."""
    return _in_chunks(lambda chunk: _figure_sets(tb, chunk, keep_block), docs, jobs)


def verification_sets(tb: TokenizedBatch, docs: np.ndarray, ngram: int, keep_block: np.ndarray | None = None,
                      jobs: int = 1, keep_figures: np.ndarray | None = None) -> tuple[SetBatch, SetBatch]:
    """:func:`shingle_sets` and :func:`figure_sets` of ``docs``, what :func:`pair_stats`
    compares, the figures from the blocks where ``keep_figures`` (default: ``keep_block``):
    a template's lines are left out of the shingles but are the report's facts, whose
    figures tell two quarters' dividend notices apart. Each chunk's two on one thread, so
    that the threads are waited for once a chunk, not twice. With the figures found by
    :func:`~dedup.kernels.flagged_words` and the shingles labelled with their documents as
    they are hashed, a scan's two passes of sets went from 0.97 to 0.68 s with one thread
    and 0.61 to 0.43 s with two (100,000 generated articles)."""
    figure_blocks = keep_block if keep_figures is None else keep_figures
    parts = _chunked(lambda chunk: (_shingle_sets(tb, chunk, ngram, keep_block), _figure_sets(tb, chunk, figure_blocks)),
                     docs, jobs)
    if len(parts) == 1:
        return parts[0]
    return SetBatch.concat([s for s, _ in parts]), SetBatch.concat([f for _, f in parts])


def _figure_sets(tb: TokenizedBatch, docs: np.ndarray, keep_block: np.ndarray | None) -> SetBatch:
    from . import kernels

    blocks, owner = _doc_blocks(tb, docs, keep_block)
    at, which = kernels.flagged_words(tb.word_offsets, tb.word_is_number, blocks)
    counted, h = figures_at(tb, at, blocks[which])
    doc = owner[which[counted]]  # non-decreasing, as the blocks are
    bounds = np.searchsorted(doc, np.arange(len(docs) + 1))
    nth = kernels.occurrence_numbers(h, bounds[:-1], bounds[1:])  # which repeat of the figure in its document
    return SetBatch.from_grouped(fmix64(h ^ nth.astype(np.uint64)).astype(np.uint32), doc, len(docs))


def figures_at(tb: TokenizedBatch, at: np.ndarray, block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Of the figures at word positions ``at`` of ``tb`` (in blocks ``block``): which
    count as the document's figures (not a page's relative time or comment count, see
    the module's docstring), and the hashes of those, a number word's as its digits'."""
    counted = ~_page_counts(tb, at, block)
    return counted, _figure_hashes(tb.word_hash[at[counted]])


def _page_counts(tb: TokenizedBatch, at: np.ndarray, block: np.ndarray) -> np.ndarray:
    """Which of the figures at word positions ``at`` (in blocks ``block``) are a relative
    or reading time or a count of comments (:data:`TIME_UNITS`, :data:`COUNTED_WORDS`) on
    a line of fewer than :data:`PAGE_LINE_WORDS` words, or are on a time stamp's line
    (:data:`STAMP_DATES`)."""
    return _page_times(tb, at, block) | _stamp_lines(tb, block)


def _stamp_lines(tb: TokenizedBatch, block: np.ndarray) -> np.ndarray:
    """Which of ``block`` are a page's time stamp (see :data:`STAMP_DATES`)."""
    dates, clocks, stamps, stamp_words, (a, p, m) = _stamp_word_hashes()
    # lines of few words but their figures ("Published March 12, 1987 6:05 p.m. ET" has 8)
    short = np.unique(block[tb.block_words[block] < 2 * PAGE_LINE_WORDS])
    if len(short) == 0:
        return np.zeros(len(block), dtype=bool)
    words = tb.word_positions(short)
    owner = np.repeat(np.arange(len(short)), tb.block_words[short])
    h = tb.word_hash[words]
    figure = tb.word_is_number[words]

    def count(where: np.ndarray) -> np.ndarray:  # a line's words where ``where``
        return np.bincount(owner, weights=where, minlength=len(short))

    # "a.m." and "p.m." are a clock: "a" or "p" right after a figure (the time), then "m"
    # ("Texas A&M 24" is none)
    same_next = np.concatenate((owner[1:], [-1])) == owner
    after = np.where(same_next, np.concatenate((h[1:], [0])), 0)
    before = np.concatenate(([False], figure[:-1] & (owner[1:] == owner[:-1])))
    meridiem = np.isin(h, [a, p]) & (after == m) & before
    others = count(~figure & ~np.isin(h, stamp_words))
    stamp = (count(~figure) < PAGE_LINE_WORDS) & (count(figure) <= STAMP_FIGURES) & (
        ((count(np.isin(h, dates)) > 0) & (count(np.isin(h, clocks) | meridiem) > 0) & (others <= STAMP_OTHER_WORDS))
        # or a stamp's word and nothing but figures: "Published 12/03/1987 18:05"
        | ((count(np.isin(h, stamps)) > 0) & (others == 0)))
    at = np.searchsorted(short, block).clip(max=len(short) - 1)
    return (short[at] == block) & stamp[at]


def _page_times(tb: TokenizedBatch, at: np.ndarray, block: np.ndarray) -> np.ndarray:
    """Of :func:`_page_counts`, the relative and reading times and counts of comments."""
    units, ago, read, counted = _chrome_word_hashes()
    first, end = tb.word_offsets[block], tb.word_offsets[block + 1]
    last = len(tb.word_hash) - 1

    def word(offset: int) -> np.ndarray:  # the word at at + offset in the same block, else 0
        pos = at + offset
        inside = (pos >= first) & (pos < end)
        return np.where(inside, tb.word_hash[np.clip(pos, 0, last)], np.uint64(0))

    following = word(1)
    # "3 hours ago", "3h ago" (one word), and a reading time: "4 min read"
    after_unit = np.where(np.isin(following, units), word(2), np.uint64(0))
    relative = (after_unit == ago) | (after_unit == read) | (following == ago)
    count = np.isin(following, counted) | np.isin(word(-1), counted)
    return (relative | count) & (end - first < PAGE_LINE_WORDS)


def _figure_hashes(h: np.ndarray) -> np.ndarray:
    """Word hashes of figures, those of English number words replaced by their digits'."""
    words, digits = _number_words_as_digits()
    at = np.searchsorted(words, h).clip(max=len(words) - 1)
    hit = words[at] == h
    return np.where(hit, digits[at], h)


@lru_cache(maxsize=1)
def _chrome_word_hashes() -> tuple[np.ndarray, np.uint64, np.uint64, np.ndarray]:
    from .text import _word_hash as word_hash

    return (np.array([word_hash(w) for w in TIME_UNITS], dtype=np.uint64), word_hash("ago"), word_hash("read"),
            np.array([word_hash(w) for w in COUNTED_WORDS], dtype=np.uint64))


@lru_cache(maxsize=1)
def _stamp_word_hashes() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple]:
    from .text import _word_hash as word_hash

    def hashes(ws: Iterable[str]) -> np.ndarray:
        return np.array([word_hash(w) for w in ws], dtype=np.uint64)

    return (hashes(STAMP_DATES), hashes(STAMP_CLOCKS), hashes(STAMP_WORDS),
            hashes(STAMP_DATES + STAMP_CLOCKS + ("et", "est", "ct", "cst", "pt", "mt", "mst", "last", "on", "at", "a",
                                                 "p", "m")),
            tuple(word_hash(w) for w in ("a", "p", "m")))


@lru_cache(maxsize=1)
def _number_words_as_digits() -> tuple[np.ndarray, np.ndarray]:
    """The hashes of the English number words (sorted) and of their digits, in order."""
    from .text import NUMBER_WORDS, _word_hash as word_hash

    values = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve "
                                         "thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split())}
    values.update({w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())})
    assert set(values) == NUMBER_WORDS
    pairs = sorted((word_hash(w), word_hash(str(v))) for w, v in values.items())
    return np.array([a for a, _ in pairs], dtype=np.uint64), np.array([b for _, b in pairs], dtype=np.uint64)


@dataclass
class PairStats:
    """Exact statistics of document pairs ``(a[k], b[k])``."""

    a: np.ndarray
    b: np.ndarray
    intersection: np.ndarray
    size_a: np.ndarray
    size_b: np.ndarray
    figure_agreement: np.ndarray
    figures_min: np.ndarray

    @property
    def jaccard(self) -> np.ndarray:
        union = self.size_a + self.size_b - self.intersection
        return np.where(union > 0, self.intersection / np.maximum(union, 1), 0.0)

    @property
    def containment(self) -> np.ndarray:
        smaller = np.minimum(self.size_a, self.size_b)
        return np.where(smaller > 0, self.intersection / np.maximum(smaller, 1), 0.0)


def pair_stats(shingles: SetBatch, figures: SetBatch, a: np.ndarray, b: np.ndarray, jobs: int = 1) -> PairStats:
    """Exact intersection, set sizes and figure agreement of the pairs ``(a[k], b[k])``,
    the pairs cut into ``jobs`` parts, each on its own thread (the merges release the
    GIL)."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    inter = concat_parts(lambda lo, hi: intersection_sizes(shingles, a[lo:hi], shingles, b[lo:hi]), len(a), jobs)
    fig_inter = intersection_sizes(figures, a, figures, b)
    fig_min = np.minimum(figures.sizes[a], figures.sizes[b])
    agreement = np.where(fig_min > 0, fig_inter / np.maximum(fig_min, 1), 1.0)
    return PairStats(a, b, inter, shingles.sizes[a], shingles.sizes[b], agreement, fig_min)


def is_near_duplicate(stats: PairStats, threshold: float, containment: float, min_shingles: int,
                      min_figure_agreement: float) -> np.ndarray:
    """Which pairs pass the near-duplicate rule (see the module docstring)."""
    parts = _rule_parts(stats, threshold, containment, min_shingles, min_figure_agreement)
    return parts[0] | parts[1] | parts[2]


#: the names :func:`near_duplicate_rule` gives the parts of the rule, the first that holds
RULES = ("similarity", "containment", "figures")


def near_duplicate_rule(stats: PairStats, threshold: float, containment: float, min_shingles: int,
                        min_figure_agreement: float) -> np.ndarray:
    """Which part of the near-duplicate rule each pair passes, the first of :data:`RULES`
    that holds (Jaccard at the threshold, containment, the same figures), or ``""``."""
    parts = _rule_parts(stats, threshold, containment, min_shingles, min_figure_agreement)
    return np.select(list(parts), list(RULES), "").astype(object)


def _rule_parts(stats: PairStats, threshold: float, containment: float, min_shingles: int,
                min_figure_agreement: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs that pass each part of the rule: Jaccard, containment, same figures."""
    smaller = np.minimum(stats.size_a, stats.size_b)
    some = smaller > 0
    figures_agree = stats.figure_agreement >= min_figure_agreement
    by_similarity = some & (stats.jaccard >= threshold) & figures_agree
    by_containment = some & (stats.containment >= containment) & (smaller >= min_shingles) & figures_agree
    same_figures = some & ((stats.figures_min >= SAME_FIGURES_MIN) & (stats.figure_agreement >= SAME_FIGURES_AGREEMENT)
                           & (stats.containment >= SAME_FIGURES_CONTAINMENT))
    return by_similarity, by_containment, same_figures
