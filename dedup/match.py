"""Verify candidate pairs of documents with their exact shingle sets.

LSH only proposes pairs; every reported similarity is computed here from the
shingle sets themselves, never estimated from signatures. A pair of documents is a
**near-duplicate** when

* its Jaccard similarity ``|A & B| / |A | B|`` is at least ``threshold``, or
* the smaller document is almost wholly inside the larger one (containment
  ``|A & B| / min(|A|, |B|)`` at least ``containment``) and has at least
  ``min_shingles`` shingles: a teaser or a copy truncated to a third of the article
  is a duplicate; a one-line text that happens to sit inside an article is not;

and, in both cases, the two agree on their **figures**: of the distinct numbers
(words with a digit) of the document that has fewer, at least ``min_figure_agreement``
also occur in the other. Templated reports (earnings tables, central bank notices)
share nearly every word and differ in their figures; they are different news.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .shingles import SetBatch, intersection_sizes


@dataclass
class PairStats:
    """Exact statistics of document pairs ``(a[k], b[k])``."""

    a: np.ndarray
    b: np.ndarray
    intersection: np.ndarray
    size_a: np.ndarray
    size_b: np.ndarray
    figure_agreement: np.ndarray

    @property
    def jaccard(self) -> np.ndarray:
        union = self.size_a + self.size_b - self.intersection
        return np.where(union > 0, self.intersection / np.maximum(union, 1), 0.0)

    @property
    def containment(self) -> np.ndarray:
        smaller = np.minimum(self.size_a, self.size_b)
        return np.where(smaller > 0, self.intersection / np.maximum(smaller, 1), 0.0)


def pair_stats(shingles: SetBatch, figures: SetBatch, a: np.ndarray, b: np.ndarray) -> PairStats:
    """Exact intersection, set sizes and figure agreement of the pairs ``(a[k], b[k])``."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    inter = intersection_sizes(shingles, a, shingles, b)
    fig_inter = intersection_sizes(figures, a, figures, b)
    fig_min = np.minimum(figures.sizes[a], figures.sizes[b])
    agreement = np.where(fig_min > 0, fig_inter / np.maximum(fig_min, 1), 1.0)
    return PairStats(a, b, inter, shingles.sizes[a], shingles.sizes[b], agreement)


def is_near_duplicate(stats: PairStats, threshold: float, containment: float, min_shingles: int,
                      min_figure_agreement: float) -> np.ndarray:
    """Which pairs pass the near-duplicate rule (see the module docstring)."""
    smaller = np.minimum(stats.size_a, stats.size_b)
    similar = (stats.jaccard >= threshold) | ((stats.containment >= containment) & (smaller >= min_shingles))
    return similar & (smaller > 0) & (stats.figure_agreement >= min_figure_agreement)
