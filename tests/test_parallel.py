"""Work cut into parts on threads comes back whole and in order."""

import threading

import numpy as np
import pytest

from dedup.parallel import concat_parts, in_parts


@pytest.mark.parametrize("n, jobs", [(0, 2), (1, 4), (5, 2), (10, 3), (7, 7), (3, 8), (100, 1)])
def test_parts_cover_every_item_once_in_order(n, jobs):
    parts = in_parts(lambda lo, hi: (lo, hi), n, jobs)
    assert parts[0][0] == 0 and parts[-1][1] == n
    assert all(a[1] == b[0] for a, b in zip(parts, parts[1:]))
    assert len(parts) == (1 if jobs <= 1 or n < 2 else min(jobs, n))
    assert all(hi > lo for lo, hi in parts) or n == 0
    assert concat_parts(lambda lo, hi: np.arange(lo, hi) ** 2, n, jobs).tolist() == [i * i for i in range(n)]


def test_parts_run_at_the_same_time_on_threads_of_their_own():
    both = threading.Barrier(2, timeout=30)  # broken (an error) unless both parts wait at once

    def work(lo, hi):
        both.wait()
        return threading.current_thread().name

    names = in_parts(work, 10, 2)
    assert len(set(names)) == 2 and threading.current_thread().name not in names
    assert in_parts(lambda lo, hi: threading.current_thread().name, 10, 1) == [threading.current_thread().name]
