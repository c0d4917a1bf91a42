import numpy as np

from analysis.stats.bootstrap import autocovariances, optimal_block_length, stationary_indices


def test_autocovariances_skip_missing_pairs():
    # x = 1, 2, NaN, 4: mean 7/3, centred -4/3, -1/3, NaN, 5/3
    # lag 0: (16 + 1 + 25)/9 / 3 = 14/9; lag 1: only (-4/3)(-1/3) = 4/9; lag 2: (-1/3)(5/3)
    acv = autocovariances(np.array([1.0, 2.0, np.nan, 4.0]), 2)
    np.testing.assert_allclose(acv, [14 / 9, 4 / 9, -5 / 9])


def test_block_length_grows_with_persistence():
    rng = np.random.default_rng(0)
    white = rng.normal(size=1000)
    persistent = np.zeros(1000)
    for t in range(1, 1000):
        persistent[t] = 0.9 * persistent[t - 1] + white[t]
    assert optimal_block_length(white) < 3
    assert optimal_block_length(persistent) > 8
    assert optimal_block_length(np.arange(5.0)) == 1.0  # too short to estimate
    # bounded by min(3 sqrt(n), n/3) = 60 for n = 400
    trend = np.arange(400.0)
    assert optimal_block_length(trend) <= 60


def test_one_long_block_is_a_circular_shift():
    idx = stationary_indices(10, 5, 1e12, np.random.default_rng(1))
    assert idx.shape == (5, 10)
    assert np.all((np.diff(idx, axis=1) % 10) == 1)


def test_blocks_have_the_expected_mean_length():
    idx = stationary_indices(2000, 50, 5.0, np.random.default_rng(2))
    breaks = (np.diff(idx, axis=1) % 2000) != 1  # a jump starts a new block (or lands next)
    mean_length = idx.size / (breaks.sum() + len(idx))
    assert 4.5 < mean_length < 5.5
    assert idx.min() >= 0 and idx.max() < 2000
