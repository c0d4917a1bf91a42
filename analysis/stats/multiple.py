"""Benjamini–Hochberg q-values across a grid of tests, ignoring the cells that were not run;
optionally weighted, so that pre-specified cells get a fixed share of the error rate."""

from __future__ import annotations

import numpy as np
from statsmodels.stats.multitest import multipletests


def bh_qvalues(p_values: np.ndarray | list[float],
               weights: np.ndarray | list[float] | None = None) -> np.ndarray:
    """BH (1995) q-values for `p_values`; NaN stays NaN and does not count as a test.

    The q-value of a test is the smallest false-discovery rate at which it would be called
    a discovery: q_(i) = min over j >= i of m * p_(j) / j, capped at 1. With `weights`
    (positive, mean 1 over the tested cells; see share_weights) this is the weighted BH of
    Genovese, Roeder & Wasserman (2006): the same on p / w, which keeps the false-discovery
    rate at its level; a q-value is never below its own p-value, so a cell with q < 0.05
    always has a 95 % interval that excludes 0.
    """
    p = np.asarray(p_values, dtype=float)
    q = np.full(p.shape, np.nan)
    tested = ~np.isnan(p)
    if tested.any():
        w = np.ones(p.shape) if weights is None else np.asarray(weights, dtype=float)
        q[tested] = np.clip(multipletests(p[tested] / w[tested], method="fdr_bh")[1],
                            p[tested], 1.0)
    return q


def share_weights(p_values: np.ndarray | list[float], marked: np.ndarray | list[bool],
                  share: float) -> np.ndarray:
    """Weights for bh_qvalues (mean 1 over the tested cells, i.e. those with a p-value)
    that give the tested `marked` cells `share` of the error rate and the other tested
    cells the rest, however many of each there are; all 1 when either group is empty."""
    tested = ~np.isnan(np.asarray(p_values, dtype=float))
    marked = np.asarray(marked, dtype=bool) & tested
    m, k = int(tested.sum()), int(marked.sum())
    if k in (0, m):
        return np.ones(len(tested))
    return np.where(marked, share * m / k, np.where(tested, (1 - share) * m / (m - k), 1.0))
