"""Benjamini–Hochberg q-values across a grid of tests, ignoring the cells that were not run."""

from __future__ import annotations

import numpy as np
from statsmodels.stats.multitest import multipletests


def bh_qvalues(p_values: np.ndarray | list[float]) -> np.ndarray:
    """BH (1995) q-values for `p_values`; NaN stays NaN and does not count as a test.

    The q-value of a test is the smallest false-discovery rate at which it would be called
    a discovery: q_(i) = min over j >= i of m * p_(j) / j, capped at 1.
    """
    p = np.asarray(p_values, dtype=float)
    q = np.full(p.shape, np.nan)
    tested = ~np.isnan(p)
    if tested.any():
        q[tested] = multipletests(p[tested], method="fdr_bh")[1]
    return q
