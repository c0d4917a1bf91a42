"""One runner (n-of-1): lagged associations of each exposure with pain, made safe for
autocorrelated series and for pain that changes the running (reverse causation).

Method, per exposure × pre-specified lag (1–3 days for run-level and daily exposures, 1–4
weeks for weekly ones; no same-day cells, since the diary entry may predate the run):

1. Prewhitening of continuous exposures: an AR(p) model (p = 0..7 for days, 0..4 for weeks,
   chosen by AIC, fitted by least squares to the days/weeks where the exposure is defined, in
   time order) turns the exposure into its innovations u_t — the part its own past does not
   predict. Flags (FLAG_EXPOSURES: a spike, a descent spike, a weekly jump over 30 %, as the
   product raises them) enter as 0/1 event indicators, unfiltered: they are isolated days.
   New shoes, 0/1 too but 1 for weeks on end, are prewhitened like the continuous
   exposures: unfiltered, its 14-day blocks against autocorrelated pain gave p < 0.05 in
   9–10 % of null cells (benchmarks/calibration.py), prewhitened 5 %.
2. Pain before the exposure: every cell is adjusted for the pain on the day before the
   exposure (that week's mean, with a missing-day indicator, where the day has no entry)
   and the mean pain of the 7 days before it (weekly cells: the weekly pain of the week
   before the exposure week). A runner in pain runs less; without this term the grid reads
   "less load, then less pain" as load lowering pain. Only pairs whose week before the
   exposure has ≥ PRIOR_MIN_ENTRIES (2) entries count: requiring 4, as the diary minimum
   does, dropped one pair in five at a 70 % diary (README, Calibration).
3. OLS of pain_t on u_{t-lag} and the prior-pain terms. The standard error of the exposure
   term is the larger of the classical one and the Newey–West one (HAC, Bartlett kernel,
   maxlags = floor(4 (n/100)^(2/9)), small-sample corrected; statsmodels); the 95 %
   interval and the two-sided p-value both come from that one standard error and Student's
   t with n − k degrees of freedom, so the interval excludes 0 exactly when p < 0.05.
4. Benjamini–Hochberg q-values across every exposure × lag cell that was computed,
   weighted (Genovese, Roeder & Wasserman 2006) so that the flags — the product's own,
   pre-specified claims — share FLAG_ALPHA_SHARE of the 5 % and the continuous cells the
   rest, however many exposures the grid holds; the false-discovery rate stays at 5 %.
5. Exposures that move together (|Spearman ρ| ≥ SHARED_SIGNAL_RHO on the same days or
   weeks) are marked as one signal (`signal`): a finding in one of them is a finding in
   all, not a separate confirmation.

Estimates are pain points (0–10 scale) per 1 SD of a continuous exposure (the runner's own
SD), or per raised flag; every result is exploratory.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from analysis.stats.multiple import bh_qvalues, share_weights

RUN_EXPOSURES = ("spike_ratio", "descent_m", "descent_per_km", "cadence_dev_pct")
FLAG_EXPOSURES = ("spike_flag", "descent_spike_flag", "weekly_jump_flag")
# Time-based load and shoes per day: unknown (NaN) for a runner whose files lack what they
# need, never 0 (NEEDS says what).
LOAD_EXPOSURES = ("minutes", "trimp", "new_shoes")
DAILY_EXPOSURES = (*RUN_EXPOSURES, *FLAG_EXPOSURES, "acwr_uncoupled", "acwr_ewma",
                   *LOAD_EXPOSURES)
WEEKLY_EXPOSURES = ("weekly_change_pct", "long_run_share")
EXPOSURES = ("weekly_change_pct", "spike_ratio", "descent_m", "descent_per_km",
             "cadence_dev_pct", "acwr_uncoupled", "acwr_ewma", "long_run_share",
             *LOAD_EXPOSURES)
NEEDS = {"minutes": "no run has a duration", "trimp": "no run carries heart rate",
         "new_shoes": "no run names its shoes"}
DAILY_OUTCOME = "pain_max"  # the day's worst pain, NaN = no diary entry
WEEKLY_OUTCOME = "pain_mean_daily_max"  # mean of daily worst pain, NaN under 4 diary days
DAILY_LAGS = (1, 2, 3)
WEEKLY_LAGS = (1, 2, 3, 4)
PRIOR_DAYS = 7  # the prior-pain mean covers the week before the exposure
PRIOR_MIN_ENTRIES = 2  # entries that week needs for its mean (else the pair drops out)
FLAG_ALPHA_SHARE = 0.8  # the flag cells' share of the error rate (weighted BH)

MIN_DIARY_WEEKS = 8
MIN_ENTRIES_PER_WEEK = 4
MIN_PAIRS_DAILY = 20
MIN_PAIRS_WEEKLY = 12
MIN_EVENTS = 3  # a flag needs this many raised days among the pairs
MAX_AR_DAILY = 7
MAX_AR_WEEKLY = 4
SHARED_SIGNAL_RHO = 0.5
LABEL = "exploratory"

ASSOCIATION_COLUMNS = ("exposure", "kind", "lag_days", "lag_weeks", "estimate", "ci_low",
                       "ci_high", "p_value", "q_value", "per_sd", "n", "ar_order", "signal",
                       "label")
REPEATED_LOOKS = (
    "Each run of this analysis is a fresh look at a growing diary: the q-values hold for one "
    "look. Looking again every week or month and stopping at the first q < 0.05 raises the "
    "chance of a false finding several-fold (measured on simulated null runners: see README, "
    "Statistics). Trust a finding that stays as the diary grows, not one that comes and goes.")


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


def shift(values: np.ndarray, lag: int) -> np.ndarray:
    """values[t - lag] at position t (NaN before the start)."""
    out = np.full(len(values), np.nan)
    out[lag:] = values[: len(values) - lag]
    return out


def prior_pain(outcome: np.ndarray, weekly: bool) -> np.ndarray:
    """Pain before an exposure at position t, as columns. Days: the pain of day t − 1 (the
    week's mean where that day has no entry), whether day t − 1 had no entry (0/1), and the
    mean of the logged pain of days t − 7..t − 1 (NaN under PRIOR_MIN_ENTRIES entries).
    Weeks: the weekly pain of week t − 1."""
    before = shift(outcome, 1)
    if weekly:
        return before[:, None]
    logged = np.isfinite(outcome)
    total = np.r_[0.0, np.cumsum(np.where(logged, outcome, 0.0))]
    count = np.r_[0, np.cumsum(logged)]
    end = np.arange(len(outcome))
    start = np.maximum(end - PRIOR_DAYS, 0)
    n = count[end] - count[start]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n >= PRIOR_MIN_ENTRIES, (total[end] - total[start]) / n, np.nan)
    missing = np.isnan(before)
    return np.column_stack([np.where(missing, mean, before), missing.astype(float), mean])


@dataclass
class _Cell:
    exposure: str
    kind: str              # "per SD" or "flag"
    lag: int
    regressor: np.ndarray  # u_{t-lag} (or the flag at t − lag) on the outcome calendar
    scale: float           # SD of the exposure (1 for flags): slope x scale = the estimate
    order: int


@dataclass
class Associations:
    """The exposure × lag grid (ASSOCIATION_COLUMNS), the cells left out with reasons, and
    the groups of exposures that share one signal."""

    table: pd.DataFrame
    skipped: list[str] = field(default_factory=list)
    shared: list[tuple[str, ...]] = field(default_factory=list)


def _cells(frame: pd.DataFrame, outcome: np.ndarray, covariates: np.ndarray,
           exposures: tuple[str, ...], lags: tuple[int, ...], max_order: int, min_pairs: int,
           skipped: list[str], unit: str) -> list[_Cell]:
    """Lagged regressors (prewhitened, or 0/1 flags) for every exposure × lag with enough
    pairs that have their prior pain logged."""
    cells = []
    for name in exposures:
        x = frame[name].to_numpy(dtype=float) if name in frame else np.full(len(frame), np.nan)
        flag = name in FLAG_EXPOSURES
        scale = 1.0 if flag else (float(np.nanstd(x, ddof=1)) if np.isfinite(x).sum() > 1
                                  else 0.0)
        if name in NEEDS and not np.isfinite(x).any():
            skipped.append(f"{name}: not enough data ({NEEDS[name]})")
            continue
        if not (scale > 0 and varies(x)):
            skipped.append(f"{name}: no variation (or no values) to relate to pain")
            continue
        innovations, order = (x, 0) if flag else ar_innovations(x, max_order)
        for lag in lags:
            regressor = shift(innovations, lag)
            paired = (np.isfinite(regressor) & np.isfinite(outcome)
                      & np.isfinite(_shift_rows(covariates, lag)).all(axis=1))
            n = int(paired.sum())
            events = int((regressor[paired] > 0).sum()) if flag else MIN_EVENTS
            where = f"{name} at lag {lag} {unit}{'s' if lag != 1 else ''}"
            if n < min_pairs:
                skipped.append(f"{where}: {n} paired values with the pain before them "
                               f"logged, needs {min_pairs}")
            elif events < MIN_EVENTS:
                skipped.append(f"{where}: the flag was raised {events} "
                               f"time{'s' if events != 1 else ''} among them, needs {MIN_EVENTS}")
            else:
                cells.append(_Cell(name, "flag" if flag else "per SD", lag, regressor, scale,
                                   order))
    return cells


def varies(x: np.ndarray) -> bool:
    """Whether an exposure's values differ by more than rounding: a constant cadence's
    deviation from its own mean is ±1e-13, not a signal to scale up to 1 SD."""
    values = x[np.isfinite(x)]
    return values.size > 1 and np.ptp(values) > 1e-9 * max(1.0, np.abs(values).max())


def _shift_rows(values: np.ndarray, lag: int) -> np.ndarray:
    """Row t − lag of a 2-D array at row t (NaN rows before the start)."""
    out = np.full(values.shape, np.nan)
    out[lag:] = values[: len(values) - lag]
    return out


def slope_test(outcome: np.ndarray, regressor: np.ndarray, covariates: np.ndarray
               ) -> tuple[float, float, float, float, int]:
    """Slope of the regressor in OLS outcome ~ 1 + regressor + covariates over the complete
    rows (covariates constant there are left out), its 95 % interval, two-sided p-value
    and n.

    The standard error is the larger of the classical and the Newey–West one; the interval
    and the p-value both use it with Student's t on n − k degrees of freedom.
    """
    complete = (np.isfinite(outcome) & np.isfinite(regressor)
                & np.isfinite(covariates).all(axis=1))
    n = int(complete.sum())
    others = covariates[complete]
    others = others[:, np.ptp(others, axis=0) > 0] if n else others  # constant: no column
    design = np.column_stack([np.ones(n), regressor[complete], others])
    fit = sm.OLS(outcome[complete], design).fit()
    hac = fit.get_robustcov_results(cov_type="HAC", maxlags=newey_west_maxlags(n),
                                    use_correction=True)
    se = max(float(fit.bse[1]), float(hac.bse[1]))
    slope = float(fit.params[1])
    dof = n - design.shape[1]
    if not (se > 0 and dof > 0):
        return slope, np.nan, np.nan, np.nan, n
    half = float(stats.t.ppf(0.975, dof)) * se
    return slope, slope - half, slope + half, float(2 * stats.t.sf(abs(slope) / se, dof)), n


def shared_signals(frame: pd.DataFrame, exposures: tuple[str, ...],
                   rho: float = SHARED_SIGNAL_RHO) -> list[tuple[str, ...]]:
    """Groups of exposures linked by |Spearman ρ| ≥ rho on the rows where both are defined
    (connected components, in the order given); exposures alone are left out."""
    present = [name for name in exposures if name in frame and frame[name].notna().sum() > 2]
    if len(present) < 2:
        return []
    corr = frame[present].corr(method="spearman", min_periods=10).abs().to_numpy()
    linked = np.nan_to_num(corr) >= rho
    group = list(range(len(present)))
    for i in range(len(present)):
        for j in range(i + 1, len(present)):
            if linked[i, j]:
                old, new = group[j], group[i]
                group = [new if g == old else g for g in group]
    groups: dict[int, list[str]] = {}
    for name, g in zip(present, group, strict=True):
        groups.setdefault(g, []).append(name)
    return [tuple(names) for names in groups.values() if len(names) > 1]


def _grid_rows(cells: list[_Cell], outcome: np.ndarray, covariates: np.ndarray,
               weekly: bool) -> list[dict]:
    """One result row per cell."""
    rows = []
    for cell in cells:
        slope, low, high, p_value, n = slope_test(outcome, cell.regressor,
                                                  _shift_rows(covariates, cell.lag))
        rows.append({
            "exposure": cell.exposure,
            "kind": cell.kind,
            "lag_days": 7 * cell.lag if weekly else cell.lag,
            "lag_weeks": cell.lag if weekly else None,
            "estimate": slope * cell.scale,
            "ci_low": low * cell.scale,
            "ci_high": high * cell.scale,
            "p_value": p_value,
            "per_sd": cell.scale if cell.kind == "per SD" else np.nan,
            "n": n,
            "ar_order": cell.order,
        })
    return rows


def associations(daily: pd.DataFrame, weekly: pd.DataFrame) -> Associations:
    """The n-of-1 exposure × lag grid (see the module docstring for the method).

    `daily`: one row per calendar day with DAILY_OUTCOME and the DAILY_EXPOSURES (run-level
    ones NaN on days without a run); `weekly`: one row per Monday week with WEEKLY_OUTCOME
    and the WEEKLY_EXPOSURES (analysis.stats.exposures builds both). Rows must be
    consecutive days / weeks.
    """
    skipped: list[str] = []
    rows, shared = [], []
    for frame, outcome_name, exposures, lags, max_order, min_pairs, weekly_unit in (
            (daily, DAILY_OUTCOME, DAILY_EXPOSURES, DAILY_LAGS, MAX_AR_DAILY,
             MIN_PAIRS_DAILY, False),
            (weekly, WEEKLY_OUTCOME, WEEKLY_EXPOSURES, WEEKLY_LAGS, MAX_AR_WEEKLY,
             MIN_PAIRS_WEEKLY, True)):
        outcome = frame[outcome_name].to_numpy(dtype=float)
        covariates = prior_pain(outcome, weekly_unit)
        cells = _cells(frame, outcome, covariates, exposures, lags, max_order, min_pairs,
                       skipped, "week" if weekly_unit else "day")
        rows += _grid_rows(cells, outcome, covariates, weekly_unit)
        shared += shared_signals(frame, exposures)
    table = pd.DataFrame(rows, columns=[c for c in ASSOCIATION_COLUMNS
                                        if c not in ("q_value", "signal", "label")])
    p_values = table["p_value"].to_numpy()
    weights = share_weights(p_values, table["kind"] == "flag", FLAG_ALPHA_SHARE)
    table.insert(table.columns.get_loc("p_value") + 1, "q_value",
                 bh_qvalues(p_values, weights))
    table["lag_weeks"] = table["lag_weeks"].astype("Int64")
    signal_of = {name: " + ".join(group) for group in shared for name in group}
    table["signal"] = [signal_of.get(name, name) for name in table["exposure"]]
    table["label"] = LABEL
    return Associations(table[list(ASSOCIATION_COLUMNS)], skipped, shared)
