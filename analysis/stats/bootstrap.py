"""Stationary block bootstrap (Politis & Romano 1994) with an automatic expected block length.

The expected block length follows Politis & White (2004) with the correction of Patton,
Politis & White (2009): b = (2 G^2 / D)^(1/3) n^(1/3), where G and D are flat-top-kernel
sums of the series' autocovariances. Resamples are built as one index matrix, so a
statistic is computed for every resample at once.
"""

from __future__ import annotations

import math

import numpy as np


def autocovariances(x: np.ndarray, max_lag: int) -> np.ndarray:
    """Autocovariances at lags 0..max_lag; NaN values are skipped pairwise (diary gaps)."""
    x = np.asarray(x, dtype=float)
    centred = x - np.nanmean(x)
    n = len(x)
    out = np.full(max_lag + 1, np.nan)
    for k in range(min(max_lag, n - 1) + 1):
        products = centred[: n - k] * centred[k:]
        if np.isfinite(products).any():
            out[k] = np.nanmean(products)
    return out


def optimal_block_length(x: np.ndarray) -> float:
    """Expected block length for the stationary bootstrap of `x` (Politis & White 2004).

    The bandwidth M is twice the first lag after which K_n = max(5, sqrt(log10 n))
    consecutive autocorrelations all lie within 2 sqrt(log10(n) / n); the result is
    bounded to [1, min(3 sqrt(n), n / 3)]. Missing values are skipped pairwise.
    """
    n = int(np.isfinite(np.asarray(x, dtype=float)).sum())
    if n < 8:
        return 1.0
    k_n = max(5, math.ceil(math.sqrt(math.log10(n))))
    m_max = math.ceil(math.sqrt(n)) + k_n
    b_max = math.ceil(min(3 * math.sqrt(n), n / 3))
    acv = autocovariances(x, m_max)
    if not np.isfinite(acv[0]) or acv[0] <= 0:
        return 1.0
    acv = np.nan_to_num(acv)
    small = np.abs(acv[1:] / acv[0]) < 2 * math.sqrt(math.log10(n) / n)
    # first lag m such that lags m+1 .. m+K_n are all insignificant
    runs = np.convolve(small.astype(int), np.ones(k_n, dtype=int), mode="valid") == k_n
    m_hat = int(np.argmax(runs)) if runs.any() else m_max - k_n
    bandwidth = min(2 * max(m_hat, 1), m_max)
    lags = np.arange(-bandwidth, bandwidth + 1)
    weight = np.clip(2 * (1 - np.abs(lags) / bandwidth), 0, 1)  # flat-top trapezoid
    gamma = acv[np.abs(lags)]
    g = np.sum(weight * np.abs(lags) * gamma)
    long_run = np.sum(weight * gamma)
    if long_run <= 0 or g == 0:
        return 1.0
    b = (2 * g**2 / (2 * long_run**2)) ** (1 / 3) * n ** (1 / 3)
    return float(np.clip(b, 1.0, b_max))


def stationary_indices(n: int, n_boot: int, mean_block: float,
                       rng: np.random.Generator) -> np.ndarray:
    """(n_boot, n) positions of stationary-bootstrap resamples of a length-n series.

    Each resample strings together blocks that start at a uniform random position and have
    geometric lengths with mean `mean_block`, wrapping around the end (Politis & Romano 1994).
    """
    if n == 0 or n_boot == 0:
        return np.zeros((n_boot, n), dtype=np.intp)
    positions = np.arange(n)
    new_block = rng.random((n_boot, n)) < 1.0 / max(mean_block, 1.0)
    new_block[:, 0] = True
    block_start = np.maximum.accumulate(np.where(new_block, positions, 0), axis=1)
    origin = rng.integers(0, n, size=(n_boot, n))
    first = np.take_along_axis(origin, block_start, axis=1)
    return (first + positions - block_start) % n
