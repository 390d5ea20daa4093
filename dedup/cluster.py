"""Group near-duplicate documents into clusters and pick what each keeps.

Clusters are the connected components of the graph of verified pairs (found by
union-find, :func:`~dedup.kernels.component_roots`), numbered in order of their
first document, so that ids are deterministic. The **representative** of a cluster is
the document ``clean`` keeps: the longest one, ties going to the earliest in input order. Length is counted
in words, not characters, so that a copy with CRLF line endings or extra white space
does not win over its original.
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


def clusters(n: int, pairs: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cluster label (-1 for a document with no near-duplicate) and representative of each document.

    Returns:
        ``(cluster, representative)``: ``cluster[i]`` is 0.. for documents in a
        cluster of two or more, else -1; ``representative[i]`` is the index of the
        representative of ``i``'s cluster (``i`` itself when alone).
    """
    labels = components(n, pairs)
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
