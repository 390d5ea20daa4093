"""Group near-duplicate documents into clusters and pick what each keeps.

Clusters are the connected components of the graph of verified pairs (found by
union-find, :func:`~dedup.kernels.component_roots`), numbered in order of their
first document, so that ids are deterministic. The **representative** of a cluster is
the document ``clean`` keeps: the longest one, ties going to the earliest in input order. Length is counted
in words, not characters, so that a copy with CRLF line endings or extra white space
does not win over its original.

Two documents known to be different news (pairs ``apart``: their texts pass the rule
but their figures disagree, two days' templated notices) are never put in one cluster
through others: a teaser of the headline and first paragraph that both notices share is
contained in each, and the components joined them, so that ``clean`` dropped one
notice as a duplicate of the other. A component holding such a pair is built again
from its pairs, the strongest first, leaving out each pair that would join two
documents kept apart (the teaser goes with one notice).
"""

from __future__ import annotations

import numpy as np


def components(n: int, pairs: np.ndarray) -> np.ndarray:
    """Component label of each of ``n`` nodes; labels ordered by each component's first node."""
    from .kernels import component_roots  # numba is loaded when first needed (see batch.compute_batches)

    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    roots = component_roots(n, np.ascontiguousarray(pairs[:, 0]), np.ascontiguousarray(pairs[:, 1]))
    # each component is named by its first node: number the roots in node order
    return (np.cumsum(roots == np.arange(n)) - 1)[roots]


def clusters(n: int, pairs: np.ndarray, lengths: np.ndarray, apart: np.ndarray | None = None,
             strength: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Cluster label (-1 for a document with no near-duplicate) and representative of each document.

    Args:
        n: the number of documents.
        pairs: the verified pairs (the graph's edges), ``(k, 2)``.
        lengths: each document's length in words.
        apart: pairs of documents that no cluster may hold together (see the module's
            docstring), ``(m, 2)``.
        strength: how alike each pair of ``pairs`` is (higher first), for the order in
            which a component holding a pair of ``apart`` is built again; default: all
            alike, in the order of their documents.

    Returns:
        ``(cluster, representative)``: ``cluster[i]`` is 0.. for documents in a
        cluster of two or more, else -1; ``representative[i]`` is the index of the
        representative of ``i``'s cluster (``i`` itself when alone).
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    labels = components(n, pairs)
    if apart is not None and len(apart):
        labels = _kept_apart(n, labels, pairs, np.asarray(apart, dtype=np.int64).reshape(-1, 2),
                             np.zeros(len(pairs)) if strength is None else np.asarray(strength, dtype=np.float64),
                             np.asarray(lengths, dtype=np.int64))
    sizes = np.bincount(labels, minlength=labels.max() + 1 if n else 0)
    in_cluster = sizes[labels] >= 2
    # longest first, then input order
    order = np.lexsort((np.arange(n), -np.asarray(lengths, dtype=np.int64), labels))
    first_of_label = np.full(len(sizes), -1, dtype=np.int64)
    seen = np.concatenate(([True], labels[order][1:] != labels[order][:-1])) if n else np.zeros(0, bool)
    first_of_label[labels[order][seen]] = order[seen]
    representative = first_of_label[labels]
    cluster = np.full(n, -1, dtype=np.int64)
    if in_cluster.any():
        _, cluster[in_cluster] = np.unique(labels[in_cluster], return_inverse=True)
    return cluster, representative


def _kept_apart(n: int, labels: np.ndarray, pairs: np.ndarray, apart: np.ndarray, strength: np.ndarray,
                lengths: np.ndarray) -> np.ndarray:
    """``labels`` (components of ``pairs``) with each component that holds a pair of
    ``apart`` built again from its pairs, the strongest first (ties: by their documents),
    leaving out each pair that would join two documents of a pair of ``apart``.

    A pair of ``apart`` that is a near-duplicate of one document at least as long as
    either (each paired with it) is one story after all: the figure agreement is taken
    over the smaller document's figures, so a copy that lost a figure in an edit and a
    copy cut short before it disagree, while the article they both copy has both."""
    clash = labels[apart[:, 0]] == labels[apart[:, 1]]
    if clash.any():
        inside = np.isin(labels[pairs[:, 0]], np.unique(labels[apart[clash, 0]]))
        near: dict[int, set[int]] = {}
        for a, b in pairs[inside].tolist():
            near.setdefault(a, set()).add(b)
            near.setdefault(b, set()).add(a)
        for k in np.flatnonzero(clash):
            x, y = apart[k].tolist()
            longest = max(lengths[x], lengths[y])
            if any(lengths[z] >= longest for z in near.get(x, set()) & near.get(y, set())):
                clash[k] = False
    if not clash.any():
        return labels
    torn = np.isin(labels[pairs[:, 0]], np.unique(labels[apart[clash, 0]]))
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    # each set's documents that must stay out of it, by their roots once joined
    away: dict[int, set[int]] = {}
    for a, b in apart[clash].tolist():
        away.setdefault(a, set()).add(b)
        away.setdefault(b, set()).add(a)
    edges = pairs[torn]
    order = np.lexsort((edges[:, 1], edges[:, 0], -strength[torn]))
    kept = []
    for k, (a, b) in zip(order.tolist(), edges[order].tolist()):
        ra, rb = root(a), root(b)
        if ra == rb:
            continue
        out_a, out_b = away.get(ra, set()), away.get(rb, set())
        if any(root(x) == rb for x in out_a) or any(root(x) == ra for x in out_b):
            continue  # it would join two documents kept apart
        if len(out_a) < len(out_b):
            ra, rb, out_a, out_b = rb, ra, out_b, out_a
        parent[rb] = ra
        if out_b:
            away[ra] = out_a | out_b
        kept.append(k)
    torn_at = np.flatnonzero(torn)
    return components(n, np.concatenate((pairs[~torn], pairs[torn_at[np.sort(np.array(kept, dtype=np.int64))]])))
