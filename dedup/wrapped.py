"""One story on the pages of two sites seen once, or an excerpt in an aggregator's lines:
copies found on the span they share.

A site seen once has chrome (header, menus, footer, notices) that is nobody's
boilerplate: no other page of the corpus carries it. A short story in a heavy header
and footer then shares only about half of its page with its copy on another site,
and whole-page verification (:func:`~dedup.match.is_near_duplicate`) turns the pair
away; so does an aggregator's teaser of the article's first paragraphs, whose own lines
("Read the full story at ...") take its containment under the threshold. Both
:class:`~dedup.scan.Scanner` and :meth:`~dedup.index.Index.query` (a new page against
an indexed one) verify pairs that share paragraphs once more on the **span** of each
document from its first shared paragraph to its last (:func:`spans`), with
:func:`span_copies`:

* two pages of one story: the shared paragraphs cover :data:`SPAN_MIN_COVER` of both,
  one of the two has other text both before and after its span (pages of one site
  share the chrome around different stories instead, which reaches both ends of the
  page), and the text around both spans is chrome, not prose
  (:data:`MAX_PROSE_AROUND`: an update's new lead and ending, a press release's own
  news around its company's standard paragraphs);
* an excerpt: only short lines around one span (:data:`CHROME_LINE_WORDS`), and no
  prose before the other's.

Either way the spans hold at least ``min_shingles`` shingles (not a templated notice's
one shared line) and two paragraphs of prose each (:data:`SPAN_MIN_PARAGRAPHS`: not one
shared notice between two pages' different items), the text around them holds few
figures the other page lacks (:data:`FIGURES_AROUND_SHARE`: chrome has a time or a
count, a table's rows are its news), and it is not the same lines with other figures
(:data:`MAX_EDGE_VARIANTS`: a templated report of another day).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .match import PairStats, figures_at, is_near_duplicate, pair_stats, verification_sets
from .shingles import fmix64
from .text import TokenizedBatch

if TYPE_CHECKING:
    from .scan import Params

#: a pair is verified on its spans as two pages of one story when the paragraphs it
#: shares cover at least this share of both documents' words (in paragraphs of at
#: least ``min_block_words``); an excerpt needs it of itself only. Lower than
#: ``group_coverage`` (0.5): a short story in a site's header of menus and "most read"
#: headlines and its footer is half of its page or less
SPAN_MIN_COVER = 0.3
#: the text around the shared span of a templated report's two versions is the same
#: lines with other figures, another site's chrome is other lines. A line around one
#: span has a variant around the other when their words other than figures have
#: Jaccard at least EDGE_VARIANT_JACCARD; the pair is a templated report when the
#: words in such lines are MAX_EDGE_VARIANTS of those around the smaller edge.
#: Measured: every templated pair of ``benchmarks/quality.py`` 1.0 (Fed notices, coffee
#: rainfall, earnings); two sites' chrome 0-0.48 there, 0 for three sites' hand-written
#: chrome. On all of Reuters-21578 the rule finds 2 pairs, re-issues under a new headline
MAX_EDGE_VARIANTS = 0.75
EDGE_VARIANT_JACCARD = 0.5
#: ... and the text around them is chrome: of each document, the words outside the span
#: in blocks of PROSE_WORDS words or more are under MAX_PROSE_AROUND of the span's words.
#: A reviewer's cases (built from real Reuters paragraphs) that merged without it: one
#: company's press releases sharing their "About" and safe-harbour paragraphs (8 of 8),
#: developing stories with a new lead and ending (32 of 40), stories quoting the same two
#: paragraphs (12 of 40), one site's briefs sharing a related-coverage box (12 of 12);
#: with it, none, and ``benchmarks/quality.py`` is unchanged (two sites seen once: 1.0)
PROSE_WORDS = 16
MAX_PROSE_AROUND = 0.25
#: each span holds at least this many paragraphs of PROSE_WORDS words or more. A second
#: review built pairs of different items (short-line tables and briefs from Reuters)
#: that share one long block: a site's newsletter or cookie notice (one site: 40 of 40
#: merged; two sites with one consent notice: 36 of 40), a company's "About" paragraph
#: (38 of 40). One shared paragraph is no story; with two, 0, 0 and 2 of 40, and
#: ``benchmarks/quality.py`` unchanged (an aggregator's teaser of one paragraph is
#: missed: 54 of 60 teasers of the review's kind found instead of 60). A span of one
#: paragraph still counts when the text around it is one line, under half as long (a
#: wire story re-issued under a new headline: reuters-11935 and 11958)
SPAN_MIN_PARAGRAPHS = 2
#: an excerpt's page has only lines of fewer words than this around it ("Read the full
#: story at reuters.com", "Business | 2 hours ago": 6-7 words): a sentence of 15 words
#: after two shared paragraphs is the other day's version of a templated notice
CHROME_LINE_WORDS = 12
#: Either way, the text around each span (around the excerpt's, for an excerpt) holds
#: few figures that the other page has nowhere: a time, a count, a year, the figures of
#: a few headlines ("3 hours ago", "Comments (21)"), not a table's rows. At most
#: MAX_FIGURES_AROUND of them, or one in 1 / FIGURES_AROUND_SHARE of its words. Two
#: pages of a site seen twice with its two-sentence "About" blurb at the top, an
#: earnings table on one and any story on the other, were one story on two pages or an
#: excerpt and its article (73 of 300 random pairs of short Reuters stories; with the
#: blurb at the bottom of both, 6 of 300, all tables). Measured on
#: ``benchmarks/quality.py``: around an aggregator's teaser, 1 such figure; around a
#: story on a site seen once, up to 8, at most one in 10.6 words; a small table
#: ("Shr loss 97 cts / Net loss 1,364,453 / Sales 737,971"), one in 2-7 words
MAX_FIGURES_AROUND = 1
FIGURES_AROUND_SHARE = 0.12


def spans(tb: TokenizedBatch, shared: np.ndarray, trim: bool = True) -> np.ndarray:
    """Each document's span, a mask over the blocks of ``tb``: from its first block where
    ``shared`` (a paragraph its partner also has) to its last, less the short ones
    (under :data:`PROSE_WORDS` words) at either end that other text separates from the
    next shared block. Sites' chrome shares a line now and then ("Home | World |
    Business | Markets", a headline in both sites' lists); taken as the span's end, it
    would stretch the span over the chrome. With ``trim`` False, none is left out."""
    in_span = np.zeros(len(shared), dtype=bool)
    words = tb.block_words
    unshared = np.concatenate(([0], np.cumsum(np.where(shared, 0, words))))
    offsets = tb.doc_block_offsets
    for d in range(tb.n_docs):
        s = offsets[d] + np.flatnonzero(shared[offsets[d]:offsets[d + 1]])
        if len(s) == 0:
            continue
        i, j = 0, len(s) - 1
        while trim and i < j and words[s[i]] < PROSE_WORDS and unshared[s[i + 1]] > unshared[s[i]]:
            i += 1
        while trim and j > i and words[s[j]] < PROSE_WORDS and unshared[s[j]] > unshared[s[j - 1]]:
            j -= 1
        in_span[s[i]:s[j] + 1] = True
    return in_span


def _span_ends(tb: TokenizedBatch, in_span: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per document of ``tb``: its first and last block where ``in_span`` (-1 if none)."""
    n = tb.n_docs
    at = np.flatnonzero(in_span)
    first = np.full(n, -1, dtype=np.int64)
    last = np.full(n, -1, dtype=np.int64)
    # blocks are in document order: written last to first, the first stays
    first[tb.block_doc[at[::-1]]] = at[::-1]
    last[tb.block_doc[at]] = at
    return first, last


def text_both_sides(tb: TokenizedBatch, in_span: np.ndarray) -> np.ndarray:
    """Per document of ``tb``: whether it has words both before its first block where
    ``in_span`` and after its last (False for a document with no such block)."""
    cw = np.concatenate(([0], np.cumsum(tb.block_words.astype(np.int64))))
    first, last = _span_ends(tb, in_span)
    d = np.flatnonzero(first >= 0)
    out = np.zeros(len(first), dtype=bool)
    out[d] = ((cw[first[d]] - cw[tb.doc_block_offsets[d]] > 0)
              & (cw[tb.doc_block_offsets[d + 1]] - cw[last[d] + 1] > 0))
    return out


def span_copies(tb: TokenizedBatch, shared: np.ndarray, content: np.ndarray, wide: np.ndarray, p: "Params"
                ) -> tuple[np.ndarray, PairStats]:
    """Which pairs of documents are one story on two sites' pages, judged on their spans.

    Args:
        tb: documents ``k`` and ``n + k`` are pair ``k`` (of ``n`` pairs).
        shared: mask over the blocks of ``tb``: paragraphs the document's partner also
            has (their spans are taken with :func:`spans`).
        content: mask over the blocks of ``tb``: not boilerplate.
        wide: one bool a pair: the paragraphs the two share cover
            :data:`SPAN_MIN_COVER` of both (else only an excerpt can be found).
        p: the scan's parameters (``ngram``, ``threshold``, ``containment``,
            ``min_shingles``, ``min_figure_agreement``).

    Returns:
        One bool a pair, and the statistics of the spans' content (their shingle and
        figure sets). A pair is one story when its spans are near-duplicates of at
        least ``min_shingles`` shingles and :data:`SPAN_MIN_PARAGRAPHS` paragraphs of
        prose each, the text around them is not the same lines with other figures,
        and either (the text around a span that counts holding few figures its partner
        lacks: :data:`MAX_FIGURES_AROUND`, :data:`FIGURES_AROUND_SHARE`)

        * the pair is ``wide``, one of the two has other text both before and after its
          span, and the text around both spans is chrome (:data:`MAX_PROSE_AROUND`); or
        * it is an **excerpt**: around one document's span are only lines of fewer than
          :data:`CHROME_LINE_WORDS` words, its span is prose (half its words in
          paragraphs of :data:`PROSE_WORDS` words or more),
          and the other's span starts its prose (a feed's or an aggregator's teaser of
          the article's first paragraphs, between lines such as "Read the full story
          at ...").
    """
    docs = tb.n_docs
    n = docs // 2
    own = np.arange(docs)
    inside = text_both_sides(tb, spans(tb, shared, trim=False)).reshape(2, n).any(axis=0)
    in_span = spans(tb, shared)
    keep = in_span & content
    stats = pair_stats(*verification_sets(tb, own, p.ngram, keep), own[:n], own[n:])
    # a story, not a line of a template: the spans hold min_shingles shingles at least
    same = (is_near_duplicate(stats, p.threshold, p.containment, p.min_shingles, p.min_figure_agreement)
            & (np.minimum(stats.size_a, stats.size_b) >= p.min_shingles))
    edge = ~in_span & content
    # the text around the spans is chrome, not prose: a developing story's new lead, a
    # press release's own news around its company's standard paragraphs, another story
    # quoting the same passage are paragraphs of PROSE_WORDS words or more
    words = tb.block_words.astype(np.float64)
    owner = tb.block_doc
    prose = (tb.block_words >= PROSE_WORDS) & content
    span_words = np.bincount(owner, weights=keep * words, minlength=docs)
    chrome_around = np.bincount(owner, weights=(edge & prose) * words, minlength=docs) < MAX_PROSE_AROUND * span_words
    lacking = figures_around(tb, edge)
    words_around = np.bincount(owner, weights=edge * words, minlength=docs)
    few_figures = (lacking <= MAX_FIGURES_AROUND) | (lacking <= FIGURES_AROUND_SHARE * words_around)
    chrome_around &= few_figures
    wrapped = wide & inside & chrome_around.reshape(2, n).all(axis=0)
    # an excerpt: around one span only lines shorter than CHROME_LINE_WORDS, and that
    # span is prose; no prose before the other's
    longest_out = np.zeros(docs, dtype=np.int64)
    np.maximum.at(longest_out, owner[edge], tb.block_words[edge])
    before = np.arange(len(in_span)) < _span_ends(tb, in_span)[0][owner]
    prose_before = np.bincount(owner, weights=(before & prose) * words, minlength=docs)
    starts_prose = (prose_before < MAX_PROSE_AROUND * span_words).reshape(2, n)
    span_prose = np.bincount(owner, weights=(keep & prose) * words, minlength=docs) >= 0.5 * span_words
    excerpt = ((longest_out < CHROME_LINE_WORDS) & span_prose & few_figures).reshape(2, n) & starts_prose[::-1]
    same &= wrapped | excerpt.any(axis=0)
    # ... the spans hold a story: SPAN_MIN_PARAGRAPHS paragraphs of prose each, not one
    # shared notice between two pages' different items (unless, as a re-issue under a new
    # headline, the text around it is one line of min_block_words words or more, under
    # half as long as the span: two one-line briefs beside a site's notice are two lines)
    paragraphs = np.bincount(owner, weights=keep & prose, minlength=docs)
    around = words_around
    around_lines = np.bincount(owner, weights=edge & (tb.block_words >= p.min_block_words), minlength=docs)
    story = (paragraphs >= SPAN_MIN_PARAGRAPHS) | ((around < 0.5 * span_words) & (around_lines <= 1))
    same &= story.reshape(2, n).all(axis=0)
    # ... and not the same lines with other figures (another site's chrome is other lines)
    for k in np.flatnonzero(same).tolist():
        same[k] = variant_share(tb, edge, k, n + k) < MAX_EDGE_VARIANTS
    return same, stats


def figures_around(tb: TokenizedBatch, edge: np.ndarray) -> np.ndarray:
    """Per document of ``tb`` (documents ``k`` and ``n + k`` a pair, as in
    :func:`span_copies`): how many distinct figures its blocks where ``edge`` hold that
    its partner has in none of its blocks (figures as the figure agreement counts them,
    :func:`~dedup.match.figures_at`: not a page's relative time or comment count)."""
    docs = np.uint64(tb.n_docs)
    half = np.uint64(tb.n_docs // 2)
    at = np.flatnonzero(tb.word_is_number)
    block = np.repeat(np.arange(len(tb.block_words)), np.diff(tb.word_offsets))[at]
    counted, h = figures_at(tb, at, block)
    block = block[counted]
    doc = tb.block_doc[block].astype(np.uint64)

    def key(doc: np.ndarray, h: np.ndarray) -> np.ndarray:  # one number a (document, figure)
        return fmix64(h ^ fmix64(doc + np.uint64(1)))

    around = edge[block]
    own = np.unique(np.stack((doc[around], h[around]), axis=1), axis=0)
    lacking = ~np.isin(key((own[:, 0] + half) % docs, own[:, 1]), key(doc, h))
    return np.bincount(own[lacking, 0].astype(np.int64), minlength=tb.n_docs)


def variant_share(tb: TokenizedBatch, edge: np.ndarray, a: int, b: int) -> float:
    """Of the words outside the span (blocks where ``edge``) of whichever of documents
    ``a`` and ``b`` of ``tb`` has fewer, the share in blocks with a variant outside the
    other's span: a block whose words other than figures have Jaccard at least
    :data:`EDGE_VARIANT_JACCARD` with it. One sparse product of the two documents'
    block-by-word matrices (a page of hundreds of menu lines is one product)."""
    from scipy.sparse import csr_matrix

    sides = []
    for d in (a, b):
        lo, hi = tb.doc_block_offsets[d], tb.doc_block_offsets[d + 1]
        w_lo, w_hi = tb.word_offsets[lo], tb.word_offsets[hi]
        block = np.repeat(np.arange(hi - lo), np.diff(tb.word_offsets[lo:hi + 1]))
        keep = edge[lo:hi][block] & ~tb.word_is_number[w_lo:w_hi]
        sides.append((block[keep], tb.word_hash[w_lo:w_hi][keep]))
    if len(sides[0][1]) == 0 or len(sides[1][1]) == 0:
        return 0.0
    _, word = np.unique(np.concatenate((sides[0][1], sides[1][1])), return_inverse=True)
    n_words = int(word.max()) + 1
    matrices = []
    for (block, _), ids in zip(sides, np.split(word, [len(sides[0][1])])):
        m = csr_matrix((np.ones(len(ids)), (block, ids)), shape=(int(block.max()) + 1, n_words))
        m.data[:] = 1.0  # a word counts once a block (duplicates were summed)
        matrices.append(m)
    size_a, size_b = (np.asarray(m.sum(axis=1)).ravel() for m in matrices)
    if size_b.sum() < size_a.sum():
        matrices, size_a, size_b = matrices[::-1], size_b, size_a
    inter = (matrices[0] @ matrices[1].T).tocoo()
    jaccard = inter.data / (size_a[inter.row] + size_b[inter.col] - inter.data)
    best = np.zeros(len(size_a))
    np.maximum.at(best, inter.row, jaccard)
    return float(size_a[best >= EDGE_VARIANT_JACCARD].sum() / size_a.sum())
