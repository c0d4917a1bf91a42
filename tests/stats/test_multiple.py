import numpy as np

from analysis.stats.multiple import bh_qvalues


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
