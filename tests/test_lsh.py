"""LSH: the band/row optimiser mirrors datasketch's, bucketing finds every pair sharing a key."""

import itertools

import numpy as np
import pytest
from datasketch.lsh import _optimal_param

from dedup.lsh import (Prefilter, band_keys, bucket_pairs, candidate_pairs, false_negative_area, false_positive_area,
                       optimal_params, pairs_sharing_key)


@pytest.mark.parametrize("threshold", [0.5, 0.7, 0.78, 0.8, 0.9])
@pytest.mark.parametrize("num_perm", [32, 128, 256])
def test_bands_and_rows_are_datasketchs(threshold, num_perm):
    assert optimal_params(threshold, num_perm) == _optimal_param(threshold, num_perm, 0.5, 0.5)


@pytest.mark.parametrize("weights", [(0.5, 0.5), (0.2, 0.8), (0.0, 1.0), (1.0, 0.0)])
@pytest.mark.parametrize("num_perm", [16, 50, 64])
def test_bands_and_rows_minimise_the_areas_computed_curve_by_curve(num_perm, weights):
    # optimal_params evaluates every curve at once; the per-curve integrals are the reference
    for threshold in np.round(np.arange(0.1, 0.96, 0.1), 2):
        errors = {(b, r): weights[0] * false_positive_area(threshold, b, r)
                  + weights[1] * false_negative_area(threshold, b, r)
                  for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)}
        assert optimal_params(float(threshold), num_perm, weights) == min(errors, key=errors.get)


@pytest.mark.parametrize("num_perm", [64, 200])
def test_curves_evaluated_a_few_at_a_time_choose_the_same_bands(num_perm, monkeypatch):
    # a new user's review: --num-perm 100000 made a table of every (b, r), 74 GiB
    from dedup import lsh

    chosen = [optimal_params(t, num_perm, (0.1, 0.9)) for t in (0.3, 0.5, 0.8, 0.95)]
    monkeypatch.setattr(lsh, "_BANDS_AT_ONCE", 3)
    assert [optimal_params(t, num_perm, (0.1, 0.9)) for t in (0.3, 0.5, 0.8, 0.95)] == chosen
    assert optimal_params(0.8, 128, (0.1, 0.9)) == (14, 9)


def test_pairs_sharing_key_is_every_pair_of_every_bucket():
    rng = np.random.default_rng(1)
    keys, items = rng.integers(0, 40, 500), rng.integers(0, 150, 500)
    expected = set()
    for k in np.unique(keys):
        expected |= set(itertools.combinations(sorted(set(items[keys == k].tolist())), 2))
    assert set(map(tuple, pairs_sharing_key(keys, items, max_bucket=1000).tolist())) == expected


def test_an_oversized_bucket_becomes_a_star_not_all_pairs():
    keys = np.zeros(1000, dtype=np.int64)
    pairs = pairs_sharing_key(keys, np.arange(1000), max_bucket=64)
    assert len(pairs) == 999 and set(pairs[:, 0].tolist()) == {0}


def test_identical_signatures_are_candidates_and_invalid_rows_never_are():
    rng = np.random.default_rng(2)
    sig = rng.integers(0, 2**32, (6, 128), dtype=np.uint64).astype(np.uint32)
    sig[3] = sig[1]
    sig[5] = sig[4]
    valid = np.array([True, True, True, True, False, True])
    assert candidate_pairs(sig, 9, 13, valid=valid).tolist() == [[1, 3]]


def test_pairs_sharing_64_bit_keys_in_any_order():
    # band keys are full 64-bit hashes; items arrive in any order
    rng = np.random.default_rng(4)
    vocab = rng.integers(0, 2**64, 60, dtype=np.uint64)
    keys, items = vocab[rng.integers(0, 60, 800)], rng.integers(0, 300, 800)
    expected = set()
    for k in np.unique(keys):
        expected |= set(itertools.combinations(sorted(set(items[keys == k].tolist())), 2))
    assert set(map(tuple, pairs_sharing_key(keys, items, max_bucket=1000).tolist())) == expected
    # hashed keys (LSH band keys) are cut to their top bits, not mixed again: the same buckets
    assert set(map(tuple, pairs_sharing_key(keys, items, max_bucket=1000, hashed=True).tolist())) == expected
    star = pairs_sharing_key(np.full(200, vocab[0]), rng.permutation(np.arange(5, 205)), max_bucket=64)
    assert len(star) == 199 and set(star[:, 0].tolist()) == {5}


def test_pairs_filtered_as_they_are_formed_are_the_candidates_filtered_at_the_end():
    # 8-bit paragraph-like signatures: many chance collisions, some pairs in several bands
    rng = np.random.default_rng(6)
    base = rng.integers(0, 256, (40, 32), dtype=np.uint8)
    sig = base[rng.integers(0, 40, 400)]
    noise = rng.random(sig.shape) < 0.3
    sig[noise] = rng.integers(0, 256, noise.sum(), dtype=np.uint8)
    sizes = rng.integers(10, 40, 400).astype(np.uint16)
    everything = candidate_pairs(sig, 6, 5)
    agree = (sig[everything[:, 0]] == sig[everything[:, 1]]).mean(axis=1)
    small, large = np.sort(sizes[everything], axis=1).T
    wanted = (agree >= 0.6) & (small >= 0.7 * large)
    assert 0 < (agree >= 0.6).sum() and 0 < wanted.sum() < (agree >= 0.6).sum()  # both tests drop some
    prefilter = Prefilter(sig, 0.6, sizes, 0.7)
    assert np.array_equal(prefilter.passes(everything), wanted)
    assert np.array_equal(candidate_pairs(sig, 6, 5, prefilter=prefilter), everything[wanted])
    # a share on the boundary: 13 of 32 values is 0.40625, 12 is 0.375
    exact = Prefilter(sig, 13 / 32, np.ones(400, dtype=np.uint16), 1.0)
    kept = candidate_pairs(sig, 6, 5, prefilter=exact)
    assert np.array_equal(kept, everything[(sig[everything[:, 0]] == sig[everything[:, 1]]).sum(axis=1) >= 13])


def test_pairs_of_items_with_one_key_each_are_the_same_pairs_unsorted():
    rng = np.random.default_rng(7)
    keys = rng.integers(0, 40, 500).astype(np.uint64)   # some buckets over max_bucket
    items = rng.permutation(500)
    fast = pairs_sharing_key(keys, items, max_bucket=14, one_key_per_item=True)
    assert (fast[:, 0] < fast[:, 1]).all() and len(np.unique(fast, axis=0)) == len(fast)
    assert np.array_equal(np.unique(fast, axis=0), pairs_sharing_key(keys, items, max_bucket=14))


def test_band_keys_kept_from_a_batch_give_the_signatures_candidates():
    # a scan keeps each document's band keys, not its signature: bucketing them must give
    # exactly the pairs that bucketing the signatures band by band gives
    rng = np.random.default_rng(8)
    base = rng.integers(0, 2**32, (30, 128), dtype=np.uint32)
    sig = base[rng.integers(0, 30, 300)]
    noise = rng.random(sig.shape) < 0.05
    sig[noise] = rng.integers(0, 2**32, noise.sum(), dtype=np.uint32)
    valid = rng.random(300) > 0.1
    b, r = optimal_params(0.8, 128)
    keys = band_keys(sig, b, r)
    assert keys.shape == (300, b)
    expected = candidate_pairs(sig, b, r, valid=valid)
    assert len(expected) > 100
    assert np.array_equal(bucket_pairs(keys, valid=valid), expected)
    assert np.array_equal(bucket_pairs(keys[:, :0]), np.zeros((0, 2), dtype=np.int64))


@pytest.mark.parametrize("jobs", [2, 3, 8])
def test_bands_bucketed_on_threads_give_the_pairs_of_one_thread(jobs):
    rng = np.random.default_rng(9)
    base = rng.integers(0, 256, (40, 32), dtype=np.uint8)
    sig = base[rng.integers(0, 40, 400)]
    noise = rng.random(sig.shape) < 0.3
    sig[noise] = rng.integers(0, 256, noise.sum(), dtype=np.uint8)
    prefilter = Prefilter(sig, 0.5, rng.integers(10, 40, 400).astype(np.uint16), 0.7)
    valid = rng.random(400) > 0.1
    for args in ({}, {"prefilter": prefilter}, {"valid": valid}):
        one = candidate_pairs(sig, 7, 4, **args)  # 7 bands: the last round has fewer than jobs
        assert len(one) > 50
        assert np.array_equal(candidate_pairs(sig, 7, 4, jobs=jobs, **args), one)
    keys = band_keys(sig, 7, 4)
    assert np.array_equal(bucket_pairs(keys, valid=valid, jobs=jobs), candidate_pairs(sig, 7, 4, valid=valid))
