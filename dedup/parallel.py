"""Work cut into contiguous parts, one a thread.

The compiled loops (:mod:`dedup.kernels`) release the GIL, so a loop over many
independent items (pairs of paragraphs, say) runs on ``jobs`` threads by giving each
a contiguous part of the items; the parts' results are joined in order, so they do
not depend on ``jobs``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Sequence, TypeVar

import numpy as np

T = TypeVar("T")


def in_parts(work: Callable[[int, int], T], n: int, jobs: int = 1) -> list[T]:
    """``[work(lo, hi), ...]`` over ``jobs`` contiguous parts ``[lo, hi)`` of
    ``range(n)``, in order, each on its own thread (one part, in this thread, when
    ``jobs <= 1`` or ``n < 2``)."""
    if jobs <= 1 or n < 2:
        return [work(0, n)]
    bounds = np.linspace(0, n, min(jobs, n) + 1).astype(np.int64).tolist()
    with ThreadPoolExecutor(max_workers=len(bounds) - 1) as pool:
        return list(pool.map(work, bounds[:-1], bounds[1:]))


def concat_parts(work: Callable[[int, int], np.ndarray], n: int, jobs: int = 1) -> np.ndarray:
    """:func:`in_parts` joined into one array (``work`` returns an array a part)."""
    parts: Sequence[np.ndarray] = in_parts(work, n, jobs)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)
