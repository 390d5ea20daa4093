"""Giving freed memory back to the operating system between the stages of a scan.

A scan allocates many short-lived arrays (a batch's shingles, a band's keys) between
the arrays it keeps (signatures, block tables). glibc's allocator serves arrays of up
to 32 MB from its heaps, and memory freed in the middle of a heap stays counted as
the process's own: after reading and joining a million articles' batches, 2.9 GB were
resident for 1.2 GB of live arrays. ``malloc_trim(0)`` hands every whole free page
back (``madvise``), so resident memory follows what is alive. The call takes a few
milliseconds, but pages handed back cost a fault when used again: trimming after every
few batches while reading cost 1-2 s of a 16 s scan of 100,000 articles and lowered no
peak, so a scan calls it only where large arrays were just freed (after joining each
field of the batches, after the index of block types, at its stage boundaries).

The opposite cost, pages faulted in again, is what :func:`reusing_freed_memory` cuts
while a scan runs: every batch allocates and frees the same sizes of arrays, and
unless freed memory stays with the process for the next batch, each one is handed to
the kernel and faulted in again, a page at a time, zeroed (100,000 articles: 2.0-2.5 s
of a scan's CPU in the kernel, 1.0-1.2 s without).

On other C libraries (macOS, Windows, musl) there is no such call and nothing is done.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from contextlib import contextmanager
from functools import lru_cache
from typing import Iterator

import numpy as np

__all__ = ["release_free_memory", "reusing_freed_memory"]

# mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: arrays up to this size come from malloc's heaps, not a mapping of their own (the
#: largest glibc allows, and what its adaptive threshold reaches after one such free)
_MMAP_THRESHOLD = 32 << 20
#: during a scan, free memory at the top of a heap goes back to the system only when
#: a scan asks (``release_free_memory``), not at every free over this
_SCAN_TRIM_THRESHOLD = 1 << 30
#: after a scan: twice the mmap threshold, as glibc's adaptive setting would be
_TRIM_THRESHOLD = 2 * _MMAP_THRESHOLD


def _libc_function(name: str, argtypes: list):
    """``name`` of the C library (glibc), or None where it has none."""
    library = ctypes.util.find_library("c")
    if library is None:  # pragma: no cover - every glibc system has one
        return None
    try:
        function = getattr(ctypes.CDLL(library), name)
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        return None
    function.argtypes, function.restype = argtypes, ctypes.c_int
    return function


@lru_cache(maxsize=1)
def _malloc_trim():
    return _libc_function("malloc_trim", [ctypes.c_size_t])


@lru_cache(maxsize=1)
def _mallopt():
    return _libc_function("mallopt", [ctypes.c_int, ctypes.c_int])


def release_free_memory() -> bool:
    """Return the allocator's free pages to the operating system (glibc); False where
    the C library cannot."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


@contextmanager
def reusing_freed_memory() -> Iterator[None]:
    """Within the block, freed memory stays with the process to be used again, rather
    than going back to the kernel at once and being faulted in again, zeroed, by the
    next batch (the memory a scan holds is still handed back where it calls
    :func:`release_free_memory`).

    Two settings, both measured on 100,000 generated articles (the read and
    per-document stage, kernel CPU time, one thread and two):

    * numpy's advice to the kernel to back arrays of 4 MB and more with huge pages is
      off (and put back after): each huge page faulted in is 2 MB zeroed at once,
      and the kernel compacts memory to find one (2.3-2.9 -> 1.2-1.5 s with two
      threads; alone, no change with one);
    * glibc (``mallopt``): arrays of up to 32 MB come from its heaps, and a heap's
      free top is not trimmed automatically during the scan (both: 1.9-2.6 -> 1.0-1.2 s,
      with one thread or two; the wall time 10.0-10.4 -> 8.1-8.9 s with one). These
      are process settings that glibc cannot report, so they are not put back as they
      were: after the scan the trim threshold is 64 MB, where glibc's adaptive setting
      settles once a 32 MB array has been freed.
    """
    madvise = getattr(getattr(np, "_core", None), "multiarray", None)
    set_hugepage = getattr(madvise, "_set_madvise_hugepage", None)
    hugepage = set_hugepage(False) if set_hugepage is not None else None
    mallopt = _mallopt()
    if mallopt is not None:
        mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
        mallopt(_M_TRIM_THRESHOLD, _SCAN_TRIM_THRESHOLD)
    try:
        yield
    finally:
        if mallopt is not None:
            mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)
        if set_hugepage is not None:
            set_hugepage(hugepage)
