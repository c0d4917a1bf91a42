import numpy as np

from analysis.stats.multiple import bh_qvalues, share_weights


def test_bh_qvalues_hand_computed():
    # sorted p 0.01, 0.03, 0.04, 0.20 with m = 4: m·p/j = 0.04, 0.06, 0.0533, 0.20;
    # running minimum from the top: 0.04, 0.0533, 0.0533, 0.20
    q = bh_qvalues([0.01, 0.04, 0.03, 0.20])
    np.testing.assert_allclose(q, [0.04, 0.16 / 3, 0.16 / 3, 0.20])


def test_untested_cells_stay_empty_and_do_not_count():
    q = bh_qvalues([0.01, np.nan, 0.04, 0.03, 0.20])
    assert np.isnan(q[1])
    np.testing.assert_allclose(q[[0, 2, 3, 4]], [0.04, 0.16 / 3, 0.16 / 3, 0.20])
    assert bh_qvalues([]).shape == (0,)


def test_weighted_bh_gives_the_marked_cells_their_share():
    # 4 tested cells, 1 marked, share 0.5: marked weight 0.5 · 4 / 1 = 2, the others
    # 0.5 · 4 / 3 = 2/3; the untested cell keeps 1 and is ignored.
    p = [0.001, 0.02, 0.04, 0.3, np.nan]
    weights = share_weights(p, [True, False, False, False, True], 0.5)
    np.testing.assert_allclose(weights, [2, 2 / 3, 2 / 3, 2 / 3, 1])
    # p / w = 0.0005, 0.03, 0.06, 0.45; m · (p/w) / j = 0.002, 0.06, 0.08, 0.45 (already
    # increasing, so the running minimum changes nothing).
    q = bh_qvalues(p, weights)
    np.testing.assert_allclose(q[:4], [0.002, 0.06, 0.08, 0.45])
    assert np.isnan(q[4])
    # Weighted p over 1 is capped: 0.9 / 0.5 = 1.8 -> 1.
    np.testing.assert_allclose(bh_qvalues([0.9, 0.01], [0.5, 1.5]), [1, 0.01 / 1.5 * 2])
    # Never below the own p: p / w = 0.0167, 0.005 -> BH 0.0167, 0.01; the first is raised
    # to its p 0.03.
    np.testing.assert_allclose(bh_qvalues([0.03, 0.001], [1.8, 0.2]), [0.03, 0.01])
    # Nothing marked (or everything): plain BH.
    np.testing.assert_array_equal(share_weights([0.1, 0.2], [False, False], 0.8), [1, 1])
    np.testing.assert_array_equal(share_weights([0.1, 0.2], [True, True], 0.8), [1, 1])
