"""One runner (n-of-1): lagged associations of each exposure with pain, made safe for
autocorrelated series.

Method, per exposure × pre-specified lag (0–3 days for run-level and daily exposures, 1–4
weeks for weekly ones):

1. Prewhitening of the exposure: an AR(p) model (p = 0..7 for days, 0..4 for weeks, chosen
   by AIC, fitted by least squares to the days/weeks where the exposure is defined, in time
   order) turns the exposure into its innovations u_t — the part its own past does not
   predict. Regressing pain on u_{t-lag} recovers the exposure's effect at that lag (for an
   AR process cov(x_t, u_t) = var(u_t)), and because u is close to white noise the test
   stays valid however strongly pain itself is autocorrelated. Only the exposure is
   filtered: the pain diary has missing days, which an AR filter cannot pass through.
2. OLS of pain on u_{t-lag}. Its standard error is the larger of the classical one (valid
   once u is white) and the Newey–West one (HAC, Bartlett kernel, maxlags =
   floor(4 (n/100)^(2/9)), Newey & West 1994, small-sample corrected), which guards
   against autocorrelation left in u. HAC alone is too liberal at these lengths (heavy-tailed
   innovations, short weekly series): on 200 simulated null athletes it put 12.5 % of them
   at q < 0.05 (6.2 % of tests at p < 0.05); the larger of the two gives 2.5 % (3.9 %), see
   benchmarks/bench_stats.py. Two-sided p-value from Student's t with n - 2 degrees of
   freedom.
3. Confidence interval: percentile interval of the slope over 999 stationary block
   bootstrap resamples (Politis & Romano 1994) of the outcome days (pairs kept together);
   the expected block length is chosen by Politis & White (2004, corrected 2009) from the
   pain series. No interval when over 10 % of resamples leave the exposure constant.
4. Benjamini–Hochberg q-values across every exposure × lag cell that was computed.

Estimates are pain points (0–10 scale) per 1 SD of the exposure (the runner's own SD);
every result is exploratory.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from analysis.stats.bootstrap import optimal_block_length, stationary_indices
from analysis.stats.multiple import bh_qvalues

RUN_EXPOSURES = ("spike_ratio", "descent_m", "descent_per_km", "cadence_dev_pct")
DAILY_EXPOSURES = (*RUN_EXPOSURES, "acwr_uncoupled", "acwr_ewma")
WEEKLY_EXPOSURES = ("weekly_change_pct", "long_run_share")
EXPOSURES = ("weekly_change_pct", "spike_ratio", "descent_m", "descent_per_km",
             "cadence_dev_pct", "acwr_uncoupled", "acwr_ewma", "long_run_share")
DAILY_OUTCOME = "pain_max"  # the day's worst pain, NaN = no diary entry
WEEKLY_OUTCOME = "pain_mean_daily_max"  # mean of daily worst pain, NaN under 4 diary days
DAILY_LAGS = (0, 1, 2, 3)
WEEKLY_LAGS = (1, 2, 3, 4)

MIN_DIARY_WEEKS = 8
MIN_ENTRIES_PER_WEEK = 4
MIN_PAIRS_DAILY = 20
MIN_PAIRS_WEEKLY = 12
MAX_AR_DAILY = 7
MAX_AR_WEEKLY = 4
N_BOOT = 999
LABEL = "exploratory"

ASSOCIATION_COLUMNS = ("exposure", "lag_days", "lag_weeks", "estimate", "ci_low", "ci_high",
                       "p_value", "q_value", "per_sd", "n", "ar_order", "label")


def newey_west_maxlags(n: int) -> int:
    """Newey & West (1994) rule of thumb for the HAC truncation lag: floor(4 (n/100)^(2/9))."""
    return int(4 * (n / 100) ** (2 / 9))


def diary_weeks(pain: pd.Series) -> pd.DataFrame:
    """Per Monday week: days with a diary entry (`diary_days`) from a daily pain series."""
    days = pain.notna().groupby(pain.index.to_period("W-SUN")).sum()
    return pd.DataFrame({"week_start": days.index.start_time, "diary_days": days.to_numpy()})


def diary_shortfall(pain: pd.Series) -> str | None:
    """Why the diary is too thin for the n-of-1 analysis, or None when it is enough.

    Needs MIN_DIARY_WEEKS Monday weeks with at least MIN_ENTRIES_PER_WEEK days that have a
    pain entry (weeks need not be consecutive).
    """
    good = int((diary_weeks(pain)["diary_days"] >= MIN_ENTRIES_PER_WEEK).sum())
    if good >= MIN_DIARY_WEEKS:
        return None
    return (f"{good} of the {MIN_DIARY_WEEKS} weeks needed have ≥{MIN_ENTRIES_PER_WEEK} diary "
            f"entries (days with a pain score); keep the diary for "
            f"{MIN_DIARY_WEEKS - good} more such week{'s' if MIN_DIARY_WEEKS - good > 1 else ''}.")


def ar_innovations(x: np.ndarray, max_order: int) -> tuple[np.ndarray, int]:
    """Residuals of an AR(p) least-squares fit to the defined values of `x` (in order).

    p in 0..max_order is chosen by AIC on a common sample; at most one parameter per 10
    values. Positions where `x` is undefined, and the first p defined ones, get NaN.
    """
    x = np.asarray(x, dtype=float)
    defined = np.flatnonzero(np.isfinite(x))
    values = x[defined]
    n = len(values)
    top = max(0, min(max_order, n // 10 - 1))

    def fit(order: int, start: int) -> tuple[np.ndarray, float]:
        target = values[start:]
        design = np.column_stack([np.ones(n - start)] +
                                 [values[start - k: n - k] for k in range(1, order + 1)])
        beta = np.linalg.lstsq(design, target, rcond=None)[0]
        resid = target - design @ beta
        return resid, float(resid @ resid)

    aic = []
    for order in range(top + 1):
        rss = fit(order, top)[1]
        aic.append((n - top) * np.log(max(rss, 1e-300) / (n - top)) + 2 * (order + 1))
    order = int(np.argmin(aic))
    out = np.full(len(x), np.nan)
    out[defined[order:]] = fit(order, order)[0]
    return out, order


def _shift(values: np.ndarray, lag: int) -> np.ndarray:
    """values[t - lag] at position t (NaN before the start)."""
    out = np.full(len(values), np.nan)
    out[lag:] = values[: len(values) - lag]
    return out


@dataclass
class _Cell:
    exposure: str
    lag: int
    regressor: np.ndarray  # u_{t-lag} on the outcome calendar
    scale: float           # SD of the exposure: slope x scale = pain per 1 SD
    order: int


@dataclass
class Associations:
    """The exposure × lag grid (ASSOCIATION_COLUMNS) and the cells left out, with reasons."""

    table: pd.DataFrame
    skipped: list[str] = field(default_factory=list)


def _cells(frame: pd.DataFrame, outcome: np.ndarray, exposures: tuple[str, ...],
           lags: tuple[int, ...], max_order: int, min_pairs: int,
           skipped: list[str], unit: str) -> list[_Cell]:
    """Prewhitened, lagged regressors for every exposure × lag with enough pairs."""
    cells = []
    for name in exposures:
        x = frame[name].to_numpy(dtype=float) if name in frame else np.full(len(frame), np.nan)
        scale = float(np.nanstd(x, ddof=1)) if np.isfinite(x).sum() > 1 else 0.0
        if not scale > 0:
            skipped.append(f"{name}: no variation (or no values) to relate to pain")
            continue
        innovations, order = ar_innovations(x, max_order)
        for lag in lags:
            regressor = _shift(innovations, lag)
            n = int((np.isfinite(regressor) & np.isfinite(outcome)).sum())
            if n < min_pairs:
                skipped.append(f"{name} at lag {lag} {unit}{'s' if lag != 1 else ''}: "
                               f"{n} paired values, needs {min_pairs}")
            else:
                cells.append(_Cell(name, lag, regressor, scale, order))
    return cells


def _slope_test(outcome: np.ndarray, regressor: np.ndarray) -> tuple[float, float, int]:
    """Slope, p-value and n of OLS outcome ~ 1 + regressor over the paired values.

    The standard error is the larger of the classical one and the Newey–West one; the
    p-value is two-sided from Student's t with n - 2 degrees of freedom.
    """
    paired = np.isfinite(outcome) & np.isfinite(regressor)
    n = int(paired.sum())
    fit = sm.OLS(outcome[paired], sm.add_constant(regressor[paired], has_constant="add")).fit()
    hac = fit.get_robustcov_results(cov_type="HAC", maxlags=newey_west_maxlags(n),
                                    use_correction=True)
    se = max(float(fit.bse[1]), float(hac.bse[1]))
    slope = float(fit.params[1])
    return slope, float(2 * stats.t.sf(abs(slope) / se, n - 2)) if se > 0 else np.nan, n


def bootstrap_slopes(outcome: np.ndarray, regressors: np.ndarray,
                     counts: np.ndarray) -> np.ndarray:
    """Slopes of outcome on each regressor column for every resample at once.

    `counts` is (n_boot, T): how often each calendar position is drawn in each resample;
    `regressors` is (T, k). Missing pairs get weight 0. Returns (n_boot, k).
    """
    paired = np.isfinite(regressors) & np.isfinite(outcome)[:, None]
    w = paired.astype(float)
    a = np.where(paired, regressors, 0.0)
    y = np.where(paired, outcome[:, None], 0.0)
    sums = counts @ np.hstack([w, a, y, a * a, a * y])
    sw, sa, sy, saa, say = np.split(sums, 5, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sxx = saa - sa * sa / sw
        slopes = (say - sa * sy / sw) / sxx
    slopes[~(sxx > 1e-12)] = np.nan
    return slopes


def resample_counts(n: int, n_boot: int, mean_block: float,
                    rng: np.random.Generator) -> np.ndarray:
    """(n_boot, n) counts of each position in stationary-bootstrap resamples."""
    idx = stationary_indices(n, n_boot, mean_block, rng)
    flat = idx + (np.arange(n_boot) * n)[:, None]
    return np.bincount(flat.ravel(), minlength=n_boot * n).reshape(n_boot, n).astype(float)


def _grid_rows(cells: list[_Cell], outcome: np.ndarray, n_boot: int,
               rng: np.random.Generator, weekly: bool) -> list[dict]:
    """One result row per cell: HAC fit and bootstrap interval on a shared resample set."""
    if not cells:
        return []
    regressors = np.column_stack([c.regressor for c in cells])
    low = high = np.full(len(cells), np.nan)
    if n_boot > 0:
        counts = resample_counts(len(outcome), n_boot, optimal_block_length(outcome), rng)
        slopes = bootstrap_slopes(outcome, regressors, counts)
        usable = np.isfinite(slopes).sum(axis=0) >= 0.9 * n_boot  # else no honest interval
        low, high = low.copy(), high.copy()
        low[usable], high[usable] = np.nanpercentile(slopes[:, usable], [2.5, 97.5], axis=0)
    rows = []
    for i, cell in enumerate(cells):
        slope, p_value, n = _slope_test(outcome, cell.regressor)
        rows.append({
            "exposure": cell.exposure,
            "lag_days": 7 * cell.lag if weekly else cell.lag,
            "lag_weeks": cell.lag if weekly else None,
            "estimate": slope * cell.scale,
            "ci_low": low[i] * cell.scale,
            "ci_high": high[i] * cell.scale,
            "p_value": p_value,
            "per_sd": cell.scale,
            "n": n,
            "ar_order": cell.order,
        })
    return rows


def associations(daily: pd.DataFrame, weekly: pd.DataFrame, *, n_boot: int = N_BOOT,
                 seed: int = 0) -> Associations:
    """The n-of-1 exposure × lag grid (see the module docstring for the method).

    `daily`: one row per calendar day with DAILY_OUTCOME and the DAILY_EXPOSURES (run-level
    ones NaN on days without a run); `weekly`: one row per Monday week with WEEKLY_OUTCOME
    and the WEEKLY_EXPOSURES (analysis.stats.exposures builds both). Rows must be
    consecutive days / weeks.
    """
    rng = np.random.default_rng(seed)
    skipped: list[str] = []
    rows = []
    for frame, outcome_name, exposures, lags, max_order, min_pairs, weekly_unit in (
            (daily, DAILY_OUTCOME, DAILY_EXPOSURES, DAILY_LAGS, MAX_AR_DAILY,
             MIN_PAIRS_DAILY, False),
            (weekly, WEEKLY_OUTCOME, WEEKLY_EXPOSURES, WEEKLY_LAGS, MAX_AR_WEEKLY,
             MIN_PAIRS_WEEKLY, True)):
        outcome = frame[outcome_name].to_numpy(dtype=float)
        cells = _cells(frame, outcome, exposures, lags, max_order, min_pairs, skipped,
                       "week" if weekly_unit else "day")
        rows += _grid_rows(cells, outcome, n_boot, rng, weekly_unit)
    table = pd.DataFrame(rows, columns=[c for c in ASSOCIATION_COLUMNS if c != "q_value"
                                        and c != "label"])
    table.insert(table.columns.get_loc("p_value") + 1, "q_value",
                 bh_qvalues(table["p_value"].to_numpy()))
    table["lag_weeks"] = table["lag_weeks"].astype("Int64")
    table["label"] = LABEL
    return Associations(table[list(ASSOCIATION_COLUMNS)], skipped)
