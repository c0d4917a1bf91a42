"""Many athletes at once: which exposures go with pain and with flares, across runners.

Design (DOMAIN.md §5). The unit is the athlete-week: pain in week w (mean of the daily worst
pain, weeks with ≥ 4 diary days) and flare onsets in week w, against each exposure's weekly
summary in week w−1 (the first pre-specified weekly lag, so the exposure precedes the
outcome). Each exposure is split into a between-athlete part (the athlete's mean) and a
within-athlete part (the week's deviation from it), each per 1 SD (SD of the athlete means;
pooled SD of the deviations). Continuous exposures stay continuous.

- Mixed model: pain ~ within + between + a random intercept and a random slope of the
  within part per athlete, fitted by generalised least squares with moment estimates of
  the two variances (ML on 50,000 athlete-weeks took minutes). Its standard errors are
  cluster-robust by athlete (CR2, Bell & McCaffrey 2002, with t on each coefficient's
  effective degrees of freedom, Imbens & Kolesár 2016): weekly series are autocorrelated,
  and model-based errors of a random-intercept model called 24–57 % of null cohorts
  significant; CR3 with t on athletes − 1 called 8 % of null cohorts significant when
  two of six athletes carried the within part. Within parts that are rounding noise are
  no variation, and the within row needs MIN_ATHLETES athletes whose exposure varies. A
  restricted cubic spline (Harrell; 4 knots at the 5/35/65/95 % quantiles, 2 df beyond
  the line) for the within part is tested against the straight line with a cluster-robust
  (CR3) F test on 2 and athletes − 1 degrees of freedom: non-linearity is checked, not
  assumed away.
- Time to flare: Cox model in counting-process (start, stop] form over the weeks at risk
  (not inside a flare episode), recurrent flares, time-varying exposures, errors clustered
  by athlete (statsmodels PHReg with `entry`; a leave-one-athlete-out jackknife up to
  JACKKNIFE_ATHLETES, t on athletes − 1): hazard ratios.
- Risk of a flare within the week (7 days): GEE with independence working correlation and
  robust errors clustered by athlete (bias-reduced, Mancl & DeRouen 2001) — logistic for
  odds ratios, identity link (linear probability) for risk differences, side by side.
  Exposures still in their start-up (analysis.load: no ratio before its window is filled)
  are missing, so those weeks drop out of every model.
- Per-athlete estimates for a forest plot: OLS of pain on the within part per athlete, with
  Newey–West errors.

A model runs only with at least EVENTS_PER_PARAMETER (5) events per exposure parameter
(10 flares for within + between) and MIN_ATHLETES athletes; otherwise it says so. Athletes
left out (too few diary weeks, no complete week) are listed with the reason, and so are
those left out of one exposure's models because their files lack what it needs (heart
rate for trimp, shoes for new_shoes, durations for minutes: nof1.NEEDS).
Benjamini–Hochberg q-values across exposures in each model; everything is exploratory.
"""

from __future__ import annotations

import itertools
import os
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sized
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from scipy.linalg import solve_triangular
from statsmodels.duration.hazard_regression import PHReg
from statsmodels.genmod import cov_struct, families
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from analysis.load import monday
from analysis.schema import conform_activities, conform_pain
from analysis.stats.events import flare_table
from analysis.stats.exposures import exposure_grid
from analysis.stats.multiple import bh_qvalues
from analysis.stats.nof1 import (
    EXPOSURES,
    LABEL,
    MIN_DIARY_WEEKS,
    MIN_ENTRIES_PER_WEEK,
    MIN_PAIRS_WEEKLY,
    NEEDS,
    WEEKLY_OUTCOME,
    newey_west_maxlags,
    varies,
)
from analysis.thresholds import Thresholds
from analysis.workers import process_pool

MIN_ATHLETES = 5
EVENTS_PER_PARAMETER = 5
JACKKNIFE_ATHLETES = 50  # up to this many, the Cox model's errors are a jackknife
SPLINE_KNOTS = (0.05, 0.35, 0.65, 0.95)  # Harrell's quantiles for 4 knots
Z95 = stats.norm.ppf(0.975)

LEFT_OUT_COLUMNS = ("athlete_id", "reason")
LEFT_OUT_OF_COLUMNS = ("athlete_id", "exposure", "reason")
NOT_IN_FOREST_COLUMNS = ("athlete_id", "exposure", "n_weeks", "reason")
FOREST_COLUMNS = ("athlete_id", "exposure", "estimate", "ci_low", "ci_high", "n")
TIDY_REQUIRED = ("athlete_id", "date", "distance_m", "pain")
TIDY_OPTIONAL = ("elevation_loss_m", "avg_cadence_spm", "moving_time_s", "avg_heart_rate_bpm",
                 "max_heart_rate_bpm", "gear")


@dataclass
class CohortReport:
    """Results of `analyze_cohort`; model tables are empty when a model was refused."""

    enough_data: bool
    message: str
    n_athletes: int
    n_weeks: int
    n_flares: int
    mixed: pd.DataFrame
    time_to_flare: pd.DataFrame
    risk: pd.DataFrame
    forest: pd.DataFrame
    skipped: list[str] = field(default_factory=list)
    left_out: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=list(LEFT_OUT_COLUMNS)))  # athletes not in the models, and why
    left_out_of: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=list(LEFT_OUT_OF_COLUMNS)))  # athletes not in one exposure's models, and why
    n_flares_at_risk: int = 0  # flares in weeks at risk, what the flare models can use
    not_in_forest: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=list(NOT_IN_FOREST_COLUMNS)))  # included athletes an exposure's plot omits


SHOWN_PROBLEMS = 20  # a bad file's problems listed before "… and N more"
_NUMERIC_RANGE = {"pain": (0.0, 10.0), "distance_m": (0.0, np.inf),
                  **{c: (0.0, np.inf) for c in TIDY_OPTIONAL if c != "gear"}}


class CohortCSVError(ValueError):
    """A cohort CSV that cannot be analysed; `problems` lists every reason (line, column,
    value, why), as `kneeload pain import` does for a diary."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(self.shown()))

    def shown(self, limit: int = SHOWN_PROBLEMS) -> list[str]:
        """The first `limit` problems, then how many more there are."""
        more = len(self.problems) - limit
        return self.problems[:limit] + ([f"… and {more} more problem{'s' if more != 1 else ''}"]
                                         if more > 0 else [])


def _value_text(value: Any) -> str:
    """A cell as the file wrote it: text quoted, a whole number without '.0'."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, str) else str(value)


def tidy_problems(rows: pd.DataFrame, columns: dict[str, str] | None = None) -> list[str]:
    """Every problem of a tidy cohort table, one per bad cell ('line 7: distance_m 'abc' is
    not a number'): missing columns, dates that are not YYYY-MM-DD, pain that is not a
    number in 0–10, distances and the optional measures that are not numbers ≥ 0. Row i of
    `rows` is line i + 2 of its file (read_csv's index); `columns` names the file's column
    for a tidy one when they differ (a research daily.csv says pain_max). Empty cells are
    no run or no diary entry, not problems."""
    named = {c: c for c in (*TIDY_REQUIRED, *TIDY_OPTIONAL)} | (columns or {})
    missing = [named[c] for c in TIDY_REQUIRED if c not in rows]
    if missing:
        return ["the file lacks column(s): " + ", ".join(missing) + " (needed: " +
                ", ".join(named[c] for c in TIDY_REQUIRED) + "; optional: " +
                ", ".join(named[c] for c in TIDY_OPTIONAL) + ")"]
    found: list[tuple[int, int, str]] = []  # (row, column order, problem)

    def report(order: int, column: str, bad: np.ndarray, why: str,
               values: pd.Series | None = None) -> None:
        shown = rows[column] if values is None else values
        found.extend((i, order, f"line {i + 2}: {named[column]} "
                      f"{_value_text(shown.loc[i])} {why}") for i in rows.index[bad])

    dates = pd.to_datetime(rows["date"], errors="coerce", format="ISO8601")
    report(0, "date", dates.isna().to_numpy(), "is not a date (YYYY-MM-DD)")
    for order, (column, (low, high)) in enumerate(_NUMERIC_RANGE.items(), start=1):
        if column not in rows:
            continue
        cells = rows[column]
        if pd.api.types.is_numeric_dtype(cells):  # only inf can be unreadable
            number = cells.astype(float)
            unreadable = np.isinf(number.to_numpy())
        else:  # text somewhere: a cell given but not a finite number
            number = pd.to_numeric(cells, errors="coerce").astype(float)
            given = cells.notna().to_numpy() & (cells.astype(str).str.strip() != "").to_numpy()
            unreadable = given & ~np.isfinite(number.to_numpy())
        report(order, column, unreadable, "is not a number")
        outside = np.isfinite(number.to_numpy()) & ((number < low) | (number > high)).to_numpy()
        report(order, column, outside, "is outside 0–10" if column == "pain" else
               "is negative", number)
    return [problem for *_, problem in sorted(found)]


def tidy_tables(rows: pd.DataFrame, *, check: bool = True
                ) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Canonical (activities, pain) per athlete from the tidy long cohort layout.

    Columns athlete_id, date, distance_m, pain (TIDY_OPTIONAL optional; cadence is compared
    at matched speed, so without moving_time_s there is no cadence deviation; without heart
    rate no trimp, without gear, the run's shoes, no new_shoes); a row with distance_m > 0
    is one run on that day, a row with a pain score one diary entry (rounded to whole
    points). Raises CohortCSVError listing every problem of `tidy_problems` (`check=False`:
    the caller has checked the whole file already, as csv_panel does before splitting it).
    """
    if check and (problems := tidy_problems(rows)):
        raise CohortCSVError(problems)
    dates = pd.to_datetime(rows["date"], format="ISO8601")
    rows = rows.assign(athlete_id=rows["athlete_id"].astype(str), date=dates.dt.normalize())
    distance = pd.to_numeric(rows["distance_m"], errors="coerce")
    runs = rows[distance > 0]
    activities = conform_activities(pd.DataFrame({
        "activity_id": runs["athlete_id"] + "-" + runs.index.astype(str),
        "source_format": "cohort_csv", "origin": "csv", "sport": "run", "sport_raw": "run",
        "start_time": (runs["date"] + pd.Timedelta(hours=12)).dt.tz_localize("UTC"),
        "local_date": runs["date"], "tz_source": "default_utc",
        "distance_m": distance[distance > 0],
        **{c: runs[c] if c == "gear" else pd.to_numeric(runs[c], errors="coerce")
           for c in TIDY_OPTIONAL if c in runs},
    }))
    score = pd.to_numeric(rows["pain"], errors="coerce")
    diary = rows[score.notna()]
    pain = conform_pain(pd.DataFrame({"date": diary["date"], "timing": "daily_worst",
                                      "score": score[score.notna()].round().astype(int)}))
    # Iterated, not get_group: grouping by a one-element array reads it as a column name.
    activity_of = dict(iter(activities.groupby(pd.Series(runs["athlete_id"].to_numpy(),
                                                         index=activities.index))))
    pain_of = dict(iter(pain.groupby(pd.Series(diary["athlete_id"].to_numpy(),
                                               index=pain.index))))
    return {athlete: (activity_of.get(athlete, activities.iloc[:0]).reset_index(drop=True),
                      pain_of.get(athlete, pain.iloc[:0]).reset_index(drop=True))
            for athlete in sorted(rows["athlete_id"].unique())}


def athlete_panel(activities: pd.DataFrame, pain: pd.DataFrame,
                  thresholds: Thresholds = Thresholds()) -> pd.DataFrame:
    """One athlete's weeks: pain and flares of week w, exposures of week w−1, risk set.

    Columns: week_start, start and stop (days since the athlete's first week; stop is the
    onset day + 1 in a week with a flare), pain, flare, at_risk (the week starts outside
    a flare episode and has ≥ 4 diary days), and the EXPOSURES of the previous week.
    """
    grid = exposure_grid(activities, pain, thresholds)
    weekly = grid.weekly
    if weekly.empty:
        return pd.DataFrame()
    weeks = weekly.index
    previous = weekly[list(EXPOSURES)].reindex(weeks - pd.Timedelta(days=7))
    flares = flare_table(grid.daily, thresholds)
    onsets = pd.DatetimeIndex(flares["onset"])
    recovered = pd.DatetimeIndex(flares["recovered"]).fillna(pd.Timestamp.max)
    # In an episode when the Monday falls between an earlier onset and its recovery.
    in_episode = np.zeros(len(weeks), dtype=bool)
    if len(onsets):
        last = np.searchsorted(onsets, weeks, side="left") - 1
        in_episode = (last >= 0) & (recovered[np.maximum(last, 0)] > weeks)
    first_onset = pd.Series(onsets, index=monday(onsets)).groupby(level=0).min()
    onset_day = (first_onset.reindex(weeks) - weeks).dt.days.to_numpy()
    start = (weeks - weeks[0]).days.to_numpy()
    flare = np.isfinite(onset_day)
    return pd.DataFrame({
        "week_start": weeks,
        "start": start,
        "stop": np.where(flare, start + np.nan_to_num(onset_day) + 1, start + 7),
        "pain": weekly[WEEKLY_OUTCOME].to_numpy(),
        "flare": flare,
        "at_risk": ~in_episode & (weekly["pain_days"].to_numpy() >= MIN_ENTRIES_PER_WEEK),
        **{name: previous[name].to_numpy() for name in EXPOSURES},
    })


def _panel_task(item: tuple[str, pd.DataFrame, pd.DataFrame, Thresholds]) -> pd.DataFrame:
    athlete, activities, pain, thresholds = item
    return athlete_panel(activities, pain, thresholds).assign(athlete_id=athlete)


def parallel_map(function: Callable[[Any], Any], items: Iterable[Any], workers: int | None,
                 progress: Callable[[int, int, str], None] | None = None,
                 label: Callable[[Any], str] = str, total: int | None = None) -> list[Any]:
    """`function` over `items` in `workers` processes (default: one per core), in order.

    `items` may be a generator (`total`: how many, for the progress and the pool's size;
    0 = unknown): at most 2 × workers items are in flight, so only those are held besides
    the results. Falls back to this process when the pool breaks — as it does when the
    calling script has no `if __name__ == "__main__":` guard, which forkserver workers need.
    """
    known = isinstance(items, Sized) or bool(total)
    total = len(items) if isinstance(items, Sized) else total or 0
    workers = workers or os.cpu_count() or 1
    workers = min(workers, total) if known else workers
    results: list[Any] = []

    def finish(item: Any, result: Any) -> None:
        results.append(result)
        if progress:
            progress(len(results), total, label(item))

    window: deque[tuple[Any, Future[Any]]] = deque()  # handed to the pool, in order

    def collect(keep: int) -> None:
        while len(window) > keep:
            result = window[0][1].result()  # a broken pool raises here, the item kept
            finish(window.popleft()[0], result)

    items = iter(items)
    unsent: list[Any] = []  # an item drawn whose submit met a broken pool
    if workers > 1:
        try:
            with process_pool(workers, __name__) as pool:
                for item in items:
                    unsent.append(item)
                    window.append((item, pool.submit(function, item)))
                    unsent.clear()
                    collect(2 * workers)
                collect(0)
            return results
        except BrokenProcessPool:
            pass
    for item in itertools.chain([item for item, _ in window], unsent, items):
        finish(item, function(item))
    return results


def cohort_panel(athletes: Iterable[tuple[str, pd.DataFrame, pd.DataFrame]],
                 thresholds: Thresholds = Thresholds(), *, workers: int | None = None,
                 progress: Callable[[int, int, str], None] | None = None,
                 total: int | None = None) -> pd.DataFrame:
    """All athletes' panels stacked (athlete_id first); built in `workers` processes
    (default: one per core) since every athlete's load tables are independent. `athletes`
    may be a generator (`total`: how many): only the athletes being built are held."""
    items = ((name, acts, pain, thresholds) for name, acts, pain in athletes)
    parts = [part for part in parallel_map(
        _panel_task, items, workers, progress, label=lambda item: item[0],
        total=len(athletes) if isinstance(athletes, Sized) else total) if not part.empty]
    if not parts:
        return pd.DataFrame(columns=["athlete_id", "week_start", "start", "stop", "pain",
                                     "flare", "at_risk", *EXPOSURES])
    panel = pd.concat(parts, ignore_index=True)
    return panel[["athlete_id", *[c for c in panel.columns if c != "athlete_id"]]]


@dataclass
class _Split:
    """An exposure split into standardised within and between parts over some rows."""

    rows: np.ndarray  # boolean mask of panel rows used
    groups: np.ndarray
    within: np.ndarray
    between: np.ndarray
    sd_within: float
    sd_between: float
    varying: np.ndarray  # per row: the athlete's exposure varies by more than rounding


def within_between(panel: pd.DataFrame, exposure: str, rows: np.ndarray) -> _Split | None:
    """Athlete mean (between) and deviation from it (within) of `exposure` over `rows`,
    each divided by its SD; None when either part does not vary. An athlete whose values
    differ only by rounding (nof1.varies: a constant cadence deviates from its own mean
    by ±1e-13) has within parts of exactly 0, not noise to fit a slope to."""
    used = rows & np.isfinite(panel[exposure].to_numpy(dtype=float))
    if not used.any():
        return None
    x = panel.loc[used, exposure].to_numpy(dtype=float)
    groups = panel.loc[used, "athlete_id"].to_numpy()
    by_athlete = pd.Series(x).groupby(groups)
    means = by_athlete.mean()
    athlete_mean = means.reindex(groups).to_numpy()
    varying = by_athlete.agg(lambda values: varies(values.to_numpy())).reindex(
        groups).to_numpy(dtype=bool)
    within = np.where(varying, x - athlete_mean, 0.0)
    sd_within = float(np.std(within, ddof=1)) if len(within) > 1 else 0.0
    sd_between = float(means.std(ddof=1)) if len(means) > 1 else 0.0
    if not (sd_within > 0 and sd_between > 0):
        return None
    return _Split(used, groups, within / sd_within,
                  (athlete_mean - means.mean()) / sd_between, sd_within, sd_between, varying)


def _effects(exposure: str, split: _Split, params: np.ndarray, se: np.ndarray,
             transform: Callable[[np.ndarray], np.ndarray] = lambda v: v,
             dof: float | np.ndarray | None = None) -> list[dict]:
    """Rows for the within and between coefficients (params/se ordered within, between);
    interval and p-value from the normal, or from Student's t with `dof` degrees of freedom
    (one for both, or one each, within then between) — the same distribution for interval
    and p, so they agree. A ratio whose interval is beyond floating point (hardly any
    spread between a few athletes) reads inf."""
    dofs = np.broadcast_to(np.nan if dof is None else np.asarray(dof, dtype=float), 2)
    rows = []
    for i, (component, sd) in enumerate((("within", split.sd_within),
                                         ("between", split.sd_between))):
        reference = stats.norm if dof is None else stats.t(dofs[i])
        critical = float(reference.ppf(0.975))
        with np.errstate(over="ignore"):
            rows.append({"exposure": exposure, "component": component, "per_sd": sd,
                         "estimate": float(transform(params[i])),
                         "ci_low": float(transform(params[i] - critical * se[i])),
                         "ci_high": float(transform(params[i] + critical * se[i])),
                         "p_value": float(2 * reference.sf(abs(params[i] / se[i])))})
    return rows


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence statsmodels' convergence chatter (boundary fits of the random intercept)."""
    with warnings.catch_warnings():
        for category in (ConvergenceWarning, RuntimeWarning, UserWarning):
            warnings.simplefilter("ignore", category)
        yield


def restricted_cubic_spline(x: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """The non-linear columns of a restricted (natural) cubic spline in x (Harrell 2015,
    Regression Modeling Strategies §2.4.5): k knots give k − 2 columns which, with x itself,
    span the cubic splines that are linear beyond the outer knots. Scaled by the knot
    span squared so the columns are of the order of x."""
    t = np.asarray(knots, dtype=float)
    last, before_last = t[-1], t[-2]

    def cube(v: np.ndarray) -> np.ndarray:
        return np.clip(v, 0, None) ** 3

    columns = [cube(x - knot)
               - cube(x - before_last) * (last - knot) / (last - before_last)
               + cube(x - last) * (before_last - knot) / (last - before_last)
               for knot in t[:-2]]
    return np.column_stack(columns) / (last - t[0]) ** 2


def working_covariance(y: np.ndarray, design: np.ndarray, groups: np.ndarray,
                       within: np.ndarray) -> tuple[np.ndarray, float]:
    """Moment estimates of a random intercept and a random slope of `within` per group, on
    the residuals of least squares: (2 × 2 diagonal covariance, residual variance). Each
    group's own line through its residuals; the spread of its intercepts and slopes beyond
    what their sampling error explains. Groups whose `within` is constant (exactly: see
    within_between) have no slope and stay out of the slope moments; with fewer than two
    slopes the slope variance is 0."""
    resid = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    codes, _ = pd.factorize(groups)
    n = np.bincount(codes).astype(float)
    x_mean = np.bincount(codes, within) / n
    e_mean = np.bincount(codes, resid) / n
    dx, de = within - x_mean[codes], resid - e_mean[codes]
    sxx = np.bincount(codes, dx * dx)
    slope = np.bincount(codes, dx * de) / np.where(sxx > 0, sxx, np.nan)
    rss = np.bincount(codes, (de - np.nan_to_num(slope)[codes] * dx) ** 2)
    scale = float(rss.sum() / max((n - 2).clip(min=0).sum(), 1.0))
    usable = np.isfinite(slope) & (n > 2)
    tau_slope = (np.var(slope[usable], ddof=1) - np.mean(scale / sxx[usable])
                 if usable.sum() > 1 else 0.0)
    tau_int = np.var(e_mean, ddof=1) - np.mean(scale / n)
    return np.diag([max(float(tau_int), 0.0), max(float(tau_slope), 0.0)]), scale


ADJUSTMENTS = {"CR2": -0.5, "CR3": -1.0}  # residuals times (I − H_gg) to this power


def cluster_robust(y: np.ndarray, design: np.ndarray, groups: np.ndarray,
                   random: np.ndarray | None = None, cov_re: np.ndarray | None = None,
                   scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """GLS coefficients and their CR3 covariance clustered by `groups`, the jackknife-like
    sandwich (cluster_robust_dof without the degrees of freedom)."""
    beta, cov, _ = cluster_robust_dof(y, design, groups, random, cov_re, scale)
    return beta, cov


def cluster_robust_dof(y: np.ndarray, design: np.ndarray, groups: np.ndarray,
                       random: np.ndarray | None = None, cov_re: np.ndarray | None = None,
                       scale: float = 1.0, *, kind: str = "CR3"
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """GLS coefficients, their cluster-robust covariance by `groups` and each coefficient's
    effective degrees of freedom for t.

    Working covariance V_g = Z_g cov_re Z_g' + scale·I (Z = `random`; without it ordinary
    least squares). Each group's residuals, whitened by V_g's Cholesky factor, are inflated
    by (I − H_gg)^-1 (`kind` CR3, the jackknife: Bell & McCaffrey 2002) or (I − H_gg)^-½
    (CR2, unbiased when the working covariance is right: Bell & McCaffrey 2002, Pustejovsky
    & Tipton 2018), H_gg the group's block of the whitened hat matrix. Degrees of freedom:
    Satterthwaite's for that variance of each coefficient under the working covariance
    (Bell & McCaffrey 2002; Imbens & Kolesár 2016) — the variance is Σ_g (u_g'e_g)², so with
    B_gh = q_g'V q_h for its n-vectors q_g, dof = (tr B)² / tr B²: G − 1 when every group is
    alike, towards 1 when a few groups carry the coefficient; capped at G − 1. In whitened
    terms B = diag(u_g'u_g) − M'(X'WX)⁻¹M with m_g = X̃_g'u_g, so no n × n matrix is formed;
    (I − H_gg) has rank-p structure, so its powers come from a p × p eigenproblem."""
    power = ADJUSTMENTS[kind]
    order = np.argsort(groups, kind="stable")
    y, design, groups = y[order], design[order], groups[order]
    random = None if random is None else random[order]
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    bounds = list(itertools.pairwise(np.r_[starts, len(y)]))
    whitened = []  # per group: L⁻¹X_g and L⁻¹y_g, V_g = LL'
    for begin, end in bounds:
        v = scale * np.eye(end - begin)
        if random is not None:
            z = random[begin:end]
            v += z @ cov_re @ z.T
        lower = np.linalg.cholesky(v)
        whitened.append((solve_triangular(lower, design[begin:end], lower=True),
                         solve_triangular(lower, y[begin:end], lower=True)))
    inverse = np.linalg.inv(sum(x.T @ x for x, _ in whitened))
    beta = inverse @ sum(x.T @ t for x, t in whitened)
    p = design.shape[1]
    cov = np.zeros((p, p))
    own = np.zeros((len(bounds), p))  # [g, j]: u_gj'u_gj
    cross = np.zeros((len(bounds), p, p))  # [g, j]: m_gj
    for g, (x, t) in enumerate(whitened):
        basis, triangle = np.linalg.qr(x)  # H_gg = Q (R P R') Q'
        values, vectors = np.linalg.eigh(triangle @ inverse @ triangle.T)
        frame = basis @ vectors
        with np.errstate(divide="ignore", invalid="ignore"):
            stretch = (1 - values) ** power - 1  # (I − H_gg)^power = I + F diag F'
        u = inverse @ (x.T + (x.T @ frame) * stretch @ frame.T)  # row j: weights on e_g
        shift = u @ (t - x @ beta)  # the group's term of the sandwich, bread included
        cov += np.outer(shift, shift)
        own[g] = np.einsum("jk,jk->j", u, u)
        cross[g] = u @ x
    dof = np.empty(p)
    for j in range(p):
        m = cross[:, j, :]
        shared = np.einsum("gi,ik,gk->g", m, inverse, m)  # m_g'(X'WX)⁻¹m_g
        spread = inverse @ (m.T @ m)
        trace = own[:, j].sum() - shared.sum()
        square = (own[:, j] ** 2).sum() - 2 * (own[:, j] * shared).sum() + np.trace(
            spread @ spread)
        dof[j] = trace ** 2 / square if square > 0 else np.nan
    return beta, cov, np.minimum(dof, len(bounds) - 1)


def _spline_p(y: np.ndarray, linear: np.ndarray, curve: np.ndarray,
              groups: np.ndarray) -> float:
    """Cluster-robust (CR3) test of the spline columns in a least-squares fit: Wald / q
    against F(q, athletes − 1), the few-clusters form (Stata's cluster-robust F), as the
    main effects use t on athletes − 1 (χ² with 6 athletes called a straight line bent
    in 10 % of cohorts). Never exactly 0: an underflow is reported as the smallest float."""
    design = np.column_stack([linear, curve])
    beta, cov = cluster_robust(y, design, groups)
    extra = slice(linear.shape[1], design.shape[1])
    try:
        wald = float(beta[extra] @ np.linalg.solve(cov[extra, extra], beta[extra]))
    except np.linalg.LinAlgError:
        return np.nan
    if not np.isfinite(wald):
        return np.nan
    q = curve.shape[1]
    p = float(stats.f.sf(wald / q, q, len(np.unique(groups)) - 1))
    return max(p, float(np.finfo(float).tiny))


def mixed_model(panel: pd.DataFrame, exposure: str) -> tuple[list[dict], str | None]:
    """Weekly pain ~ within + between with a random intercept and a random slope of the
    within part per athlete (GLS under moment estimates of the two variances), cluster-robust
    (CR2) errors with t on each part's effective degrees of freedom (cluster_robust_dof) and
    a cluster-robust Wald test of a restricted cubic spline for the within part (module
    docstring). The within row needs MIN_ATHLETES athletes whose exposure varies beyond
    rounding; with fewer, the between part is fitted alone (random intercept), and its row
    is given with the reason."""
    split = within_between(panel, exposure, np.isfinite(panel["pain"].to_numpy(dtype=float)))
    if split is None:
        return [], f"mixed model, {exposure}: no values, or no variation within or between athletes"
    n_athletes = len(np.unique(split.groups))
    if n_athletes < MIN_ATHLETES:
        return [], (f"mixed model, {exposure}: {n_athletes} athletes with data, needs "
                    f"{MIN_ATHLETES}")
    n_varying = len(np.unique(split.groups[split.varying]))
    enough = n_varying >= MIN_ATHLETES  # else the between part alone: few varying athletes
    y = panel.loc[split.rows, "pain"].to_numpy(dtype=float)
    within = split.within if enough else np.zeros(len(y))
    linear = sm.add_constant(np.column_stack([within, split.between]), has_constant="add")
    kept = [0, 1, 2] if enough else [0, 2]
    cov_re, scale = working_covariance(y, linear[:, kept], split.groups, within)
    random = np.column_stack([np.ones(len(y)), within])
    beta, cov, dof = cluster_robust_dof(y, linear[:, kept], split.groups, random, cov_re,
                                        scale, kind="CR2")
    # (within, between); the within part NaN when it was left out
    params, se, dof = (np.r_[np.nan, values[1:]][-2:] for values in
                       (beta, np.sqrt(np.diag(cov)), dof))
    reported = slice(0 if enough else 1, 2)
    if not (np.isfinite(se[reported]).all() and np.isfinite(dof[reported]).all()):
        return [], f"mixed model, {exposure}: the fit did not converge"
    rows = _effects(exposure, split, params, se, dof=dof)
    for row, count, df in zip(rows, (n_varying, n_athletes), dof, strict=True):
        row.update(n_obs=len(y), n_athletes=count, dof=float(df), nonlinearity_p=np.nan)
    if not enough:
        return rows[1:], (f"mixed model, {exposure}, within athletes: {n_varying} athletes "
                          f"whose value varies from week to week (beyond rounding), needs "
                          f"{MIN_ATHLETES}")
    curve = restricted_cubic_spline(split.within, np.quantile(split.within, SPLINE_KNOTS))
    rows[0]["nonlinearity_p"] = _spline_p(y, linear, curve, split.groups)
    return rows, None


def _event_rows(panel: pd.DataFrame, exposure: str, model: str
                ) -> tuple[_Split | None, str | None]:
    """The at-risk rows of an exposure, or why a flare model cannot be fitted."""
    split = within_between(panel, exposure, panel["at_risk"].to_numpy(dtype=bool))
    if split is None:
        return None, f"{model}, {exposure}: no values, or no variation within or between athletes"
    events = int(panel.loc[split.rows, "flare"].sum())
    needed = 2 * EVENTS_PER_PARAMETER
    if events < needed:
        return None, (f"{model}, {exposure}: {events} flares in weeks at risk, needs "
                      f"{needed} ({EVENTS_PER_PARAMETER} per parameter)")
    return split, None


def at_risk_at_a_flare(start: np.ndarray, stop: np.ndarray, flare: np.ndarray) -> np.ndarray:
    """Rows (start, stop] holding some flare time t, start < t ≤ stop: only they enter the
    partial likelihood. The others (weeks after the cohort's last flare time, or between
    two flare times) add nothing to it, but statsmodels gives them NaN score residuals —
    and so NaN cluster-robust errors for the whole model — or, between two flare times,
    wrong ones; leaving them out changes no estimate."""
    times = np.unique(stop[flare.astype(bool)])
    first_after_start = np.searchsorted(times, start, side="right")
    inside = first_after_start < len(times)
    return inside & (times[np.minimum(first_after_start, len(times) - 1)] <= stop)


def _phreg(start: np.ndarray, stop: np.ndarray, flare: np.ndarray, design: np.ndarray
           ) -> tuple[PHReg, np.ndarray]:
    """The Cox model of the rows at risk at some flare time, and which rows those are."""
    keep = at_risk_at_a_flare(start, stop, flare)
    return PHReg(stop[keep], design[keep], status=flare[keep], entry=start[keep] + 0.5), keep


def cox_cluster_fit(start: np.ndarray, stop: np.ndarray, flare: np.ndarray,
                    design: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cox (Breslow) coefficients over (start, stop] intervals of whole days and their
    standard errors clustered by `groups`, for t on groups − 1 degrees of freedom.

    statsmodels counts a row at risk from its entry time on, inclusive, so the entry is
    start + ½ day: a week is not at risk at a flare on the day it starts (the athlete's
    previous week is; both doubled the athlete in that risk set). Up to JACKKNIFE_ATHLETES
    groups the errors are the leave-one-group-out jackknife, (G − 1)/G · Σ (β₋g − β)², the
    CR3 of a Cox model (β₋g: two Newton steps from β, the refit to about 7 digits in half
    its time; Lipsitz, Dear & Zhao 1994 take one): statsmodels' score sandwich, even times
    G/(G − 1), called 7–9 % (within) and 9–13 % (between) of null cohorts of 12–40 groups
    significant. Beyond, that sandwich times G/(G − 1) (3–4 % at 80–150 groups). NaN
    errors when leaving one group out leaves no flare, or nothing to fit."""
    model, keep = _phreg(start, stop, flare, design)
    fit = model.fit(groups=groups[keep])
    names = np.unique(groups)
    n = len(names)
    if n > JACKKNIFE_ATHLETES:
        return fit.params, fit.bse * np.sqrt(n / (n - 1))
    spread = np.zeros_like(fit.params)
    for name in names:
        rest = groups != name
        if not flare[rest].any():
            return fit.params, np.full_like(fit.params, np.nan)
        left_out, _ = _phreg(start[rest], stop[rest], flare[rest], design[rest])
        params = fit.params
        try:
            for _ in range(2):
                params = params - np.linalg.solve(left_out.hessian(params),
                                                  left_out.score(params))
        except np.linalg.LinAlgError:  # nothing varies once that group is out
            return fit.params, np.full_like(fit.params, np.nan)
        spread += (params - fit.params) ** 2
    return fit.params, np.sqrt((n - 1) / n * spread)


def time_to_flare(panel: pd.DataFrame, exposure: str) -> tuple[list[dict], str | None]:
    """Cox model in (start, stop] form: hazard ratios of within and between, per 1 SD,
    errors clustered by athlete (cox_cluster_fit) and t on athletes − 1."""
    split, reason = _event_rows(panel, exposure, "time to flare")
    if split is None:
        return [], reason
    used = panel[split.rows]
    flare = used["flare"].to_numpy(dtype=float)
    with _quiet():
        params, se = cox_cluster_fit(used["start"].to_numpy(dtype=float),
                                     used["stop"].to_numpy(dtype=float), flare,
                                     np.column_stack([split.within, split.between]),
                                     split.groups)
    if not np.isfinite(se).all():
        return [], (f"time to flare, {exposure}: without one of the athletes no flare is left, "
                    "or nothing varies, so there is no error clustered by athlete")
    n_athletes = len(np.unique(split.groups))
    rows = _effects(exposure, split, params, se, np.exp, dof=n_athletes - 1)
    for row in rows:
        row.update(n_events=int(flare.sum()), n_intervals=len(used))
    return rows, None


def flare_risk(panel: pd.DataFrame, exposure: str) -> tuple[list[dict], str | None]:
    """Odds ratios (logistic GEE) and risk differences (linear-probability GEE) of a flare
    within the week, per 1 SD, robust errors clustered by athlete."""
    split, reason = _event_rows(panel, exposure, "flare risk")
    if split is None:
        return [], reason
    flare = panel.loc[split.rows, "flare"].to_numpy(dtype=float)
    design = sm.add_constant(np.column_stack([split.within, split.between]))
    with _quiet():
        logistic = sm.GEE(flare, design, groups=split.groups, family=families.Binomial(),
                          cov_struct=cov_struct.Independence()).fit(cov_type="bias_reduced")
        linear = sm.GEE(flare, design, groups=split.groups, family=families.Gaussian(),
                        cov_struct=cov_struct.Independence()).fit(cov_type="bias_reduced")
    odds = _effects(exposure, split, logistic.params[1:], logistic.bse[1:], np.exp)
    difference = _effects(exposure, split, linear.params[1:], linear.bse[1:])
    rows = []
    for ratio_row, diff_row in zip(odds, difference, strict=True):
        rows.append({"exposure": exposure, "component": ratio_row["component"],
                     "per_sd": ratio_row["per_sd"],
                     "odds_ratio": ratio_row["estimate"], "or_ci_low": ratio_row["ci_low"],
                     "or_ci_high": ratio_row["ci_high"], "or_p_value": ratio_row["p_value"],
                     "risk_difference": diff_row["estimate"], "rd_ci_low": diff_row["ci_low"],
                     "rd_ci_high": diff_row["ci_high"], "rd_p_value": diff_row["p_value"],
                     "baseline_risk": float(flare.mean()), "n_events": int(flare.sum()),
                     "n_weeks": len(flare)})
    return rows, None


def group_slopes(groups: np.ndarray, x: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    """Per group (rows in time order within each group): OLS slope of y on x and its
    Newey–West standard error (Bartlett, maxlags = newey_west_maxlags(n), small-sample
    factor n/(n−2)) — statsmodels' OLS HAC with use_correction=True, for every group at once.
    """
    frame = pd.DataFrame({"g": groups, "x": x, "y": y})
    frame = frame[np.isfinite(frame["x"]) & np.isfinite(frame["y"])]
    by = frame.groupby("g", sort=False)
    dx = (frame["x"] - by["x"].transform("mean")).to_numpy()
    dy = (frame["y"] - by["y"].transform("mean")).to_numpy()
    codes, names = pd.factorize(frame["g"])
    sxx = np.bincount(codes, dx * dx)
    slope = np.bincount(codes, dx * dy) / np.where(sxx > 0, sxx, np.nan)
    score = dx * (dy - slope[codes] * dx)
    lags = np.array([newey_west_maxlags(int(k)) for k in np.bincount(codes)])
    long_run = np.bincount(codes, score * score)
    for lag in range(1, int(lags.max(initial=0)) + 1):
        same = codes[lag:] == codes[:-lag]
        weight = np.clip(1 - lag / (lags + 1), 0, None)
        products = np.where(same, score[lag:] * score[:-lag], 0.0)
        long_run += 2 * weight * np.bincount(codes[lag:], products, minlength=len(names))
    count = np.bincount(codes)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(long_run * count / (count - 2)) / sxx
    return pd.DataFrame({"group": names, "n": count, "slope": slope, "se": se})


def forest(panel: pd.DataFrame, exposure: str) -> pd.DataFrame:
    """Per-athlete slopes of weekly pain on the within part (per 1 pooled within SD), with
    95 % Newey–West intervals; athletes with under MIN_PAIRS_WEEKLY weeks are left out."""
    split = within_between(panel, exposure, np.isfinite(panel["pain"].to_numpy(dtype=float)))
    if split is None:
        return pd.DataFrame(columns=list(FOREST_COLUMNS))
    slopes = group_slopes(split.groups, split.within,
                          panel.loc[split.rows, "pain"].to_numpy(dtype=float))
    slopes = slopes[(slopes["n"] >= MIN_PAIRS_WEEKLY) & np.isfinite(slopes["se"])]
    return pd.DataFrame({"athlete_id": slopes["group"], "exposure": exposure,
                         "estimate": slopes["slope"],
                         "ci_low": slopes["slope"] - Z95 * slopes["se"],
                         "ci_high": slopes["slope"] + Z95 * slopes["se"], "n": slopes["n"]})


def _table(rows: list[dict], p_column: str = "p_value") -> pd.DataFrame:
    """Rows as a table with BH q-values across all its tests and the exploratory label."""
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table.insert(table.columns.get_loc(p_column) + 1, p_column.replace("p_value", "q_value"),
                 bh_qvalues(table[p_column].to_numpy()))
    table["label"] = LABEL
    return table


def _exposure_models(task: tuple[pd.DataFrame, str]
                     ) -> tuple[list[dict], list[dict], list[dict], pd.DataFrame, list[str]]:
    """Every model of one exposure: mixed, time to flare, flare risk, forest, skip reasons."""
    panel, exposure = task
    results = [model(panel, exposure) for model in (mixed_model, time_to_flare, flare_risk)]
    reasons = [reason for _, reason in results if reason]
    return (*(rows for rows, _ in results), forest(panel, exposure), reasons)


def _exposure_weeks(panel: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per athlete (rows, sorted) and exposure of the panel (columns): the weeks with a
    value, and the weeks with a value and weekly pain — what left_out, left_out_of and
    not_in_forest judge by."""
    ids = panel["athlete_id"].to_numpy()
    columns = [name for name in EXPOSURES if name in panel]
    known = pd.DataFrame(np.isfinite(panel[columns].to_numpy(dtype=float)), columns=columns)
    pain = np.isfinite(panel["pain"].to_numpy(dtype=float))
    return (known.groupby(ids).sum(),
            known.mul(pain, axis=0).groupby(ids).sum())


def left_out(panel: pd.DataFrame, names: Iterable[str] = ()) -> pd.DataFrame:
    """The athletes (of the panel, and of `names`) the models leave out, with the reason:
    no complete week at all, fewer than MIN_DIARY_WEEKS weeks with ≥ MIN_ENTRIES_PER_WEEK
    diary days, or no week with any exposure known before a week with weekly pain (no
    runs, or none where a model could pair them with pain): no model could use them."""
    pain = np.isfinite(panel["pain"].to_numpy(dtype=float))
    ids = panel["athlete_id"].to_numpy()
    present = set(panel["athlete_id"])
    everyone = sorted(present | set(names))
    weeks = pd.Series(pain).groupby(ids).sum().reindex(everyone, fill_value=0)
    valued, with_pain = _exposure_weeks(panel)
    ever = (valued > 0).any(axis=1).reindex(everyone, fill_value=False)
    paired = (with_pain > 0).any(axis=1).reindex(everyone, fill_value=False)
    rows = []
    for athlete, count in weeks.items():
        if athlete not in present:
            rows.append((athlete, "no complete week of runs or diary"))
        elif count < MIN_DIARY_WEEKS:
            rows.append((athlete, f"{count} week{'s' if count != 1 else ''} with "
                         f"≥ {MIN_ENTRIES_PER_WEEK} diary days, needs {MIN_DIARY_WEEKS}"))
        elif not paired[athlete]:
            rows.append((athlete, "no week with runs before a week with weekly pain"
                         if ever[athlete] else "no runs: no exposure in any week"))
    return pd.DataFrame(rows, columns=list(LEFT_OUT_COLUMNS))


def not_in_forest(panel: pd.DataFrame, forest_rows: pd.DataFrame) -> pd.DataFrame:
    """The athletes of the panel missing from each exposure's forest plot
    (NOT_IN_FOREST_COLUMNS), of the exposures with a value before some week with weekly
    pain (for the others the models say there are no values), with why: fewer than
    MIN_PAIRS_WEEKLY such weeks (n_weeks), or no spread in the exposure — over the
    athlete's weeks, or, when nobody has an estimate, within or between athletes."""
    with_pain = _exposure_weeks(panel)[1]
    plotted = (forest_rows.groupby("exposure")["athlete_id"].agg(set) if len(forest_rows)
               else pd.Series(dtype=object))
    rows = []
    for exposure in with_pain.columns:
        pairs = with_pain[exposure]
        if not pairs.any():
            continue
        shown = plotted.get(exposure, set())
        no_spread = ("the exposure does not vary over its weeks" if len(shown) else
                     "the exposure does not vary within or between athletes")
        for athlete, n in pairs[~pairs.index.isin(list(shown))].items():
            rows.append((athlete, exposure, int(n), (
                f"{n} week{'s' if n != 1 else ''} with weekly pain after a week with a "
                f"value, needs {MIN_PAIRS_WEEKLY}" if n < MIN_PAIRS_WEEKLY else no_spread)))
    return pd.DataFrame(rows, columns=list(NOT_IN_FOREST_COLUMNS))


def left_out_of(panel: pd.DataFrame) -> pd.DataFrame:
    """The athletes of the panel left out of one exposure's models (LEFT_OUT_OF_COLUMNS):
    for each exposure of nof1.NEEDS, those without a value in any week before a week with
    weekly pain — their files lack what it needs, or have it only in other weeks."""
    valued, with_pain = _exposure_weeks(panel)
    rows = []
    for exposure, need in NEEDS.items():
        for athlete in with_pain.index[with_pain[exposure].to_numpy() == 0]:
            rows.append((athlete, exposure, need if not valued.at[athlete, exposure] else
                         "no week with a value before a week with weekly pain"))
    return pd.DataFrame(rows, columns=list(LEFT_OUT_OF_COLUMNS))


def analyze_cohort(panel: pd.DataFrame, *, n_athletes: int | None = None,
                   workers: int | None = None, names: Iterable[str] = (),
                   excluded: Iterable[tuple[str, str]] = ()) -> CohortReport:
    """Every cohort model for every exposure, from `cohort_panel` output; exposures are
    fitted in `workers` processes (default: one per core). `n_athletes`: how many athletes
    were read; `names`: who they were (those without a complete week have no panel rows,
    and are listed as left out only when named); `excluded`: (athlete, reason) of those
    not read at all (no research consent), listed as left out too."""
    names = list(names)
    missing = left_out(panel, names)
    if excluded := list(excluded):
        missing = pd.concat([missing, pd.DataFrame(excluded, columns=list(LEFT_OUT_COLUMNS))],
                            ignore_index=True)
    included = sorted(set(panel["athlete_id"]) - set(missing["athlete_id"]))
    n_all = (n_athletes if n_athletes is not None
             else len(set(panel["athlete_id"]) | set(names)))
    panel = panel[panel["athlete_id"].isin(included)].reset_index(drop=True)
    n_flares = int(panel["flare"].sum())
    at_risk = int(panel.loc[panel["at_risk"].to_numpy(dtype=bool), "flare"].sum())
    empty = pd.DataFrame()
    who = (f"{len(included)} of {n_all} athletes have ≥ {MIN_DIARY_WEEKS} weeks with "
           f"≥ {MIN_ENTRIES_PER_WEEK} diary entries and runs before them")
    if len(included) < MIN_ATHLETES:
        return CohortReport(False, f"Not enough data: {who}; the cohort analysis needs "
                            f"{MIN_ATHLETES}.", len(included), len(panel), n_flares, empty,
                            empty, empty, empty, left_out=missing, n_flares_at_risk=at_risk)
    results = parallel_map(_exposure_models, [(panel, exposure) for exposure in EXPOSURES],
                           workers)
    mixed_rows = [row for result in results for row in result[0]]
    cox_rows = [row for result in results for row in result[1]]
    risk_rows = [row for result in results for row in result[2]]
    skipped = [reason for result in results for reason in result[4]]
    parts = [
        "Exploratory: associations across runners, not causes.",
        f"{who}; they are included ({len(panel)} athlete-weeks, {n_flares} flares).",
        "Exposure in week w−1 against pain and flares in week w; each exposure split into "
        "between-athlete (athlete mean) and within-athlete (deviation) parts, per 1 SD; "
        "mixed model with a random intercept and a random slope of the within part per "
        "athlete, cluster-robust (CR2) errors by athlete with t on effective degrees of "
        "freedom and a spline check for "
        "non-linearity; Cox model in start/stop form for time to flare; odds ratios and "
        "risk differences of a flare within the week from GEE with bias-reduced robust "
        "errors; exposures still in their start-up are missing; Benjamini–Hochberg "
        "q-values per model.",
    ]
    if len(missing):
        parts.append(f"Left out: {len(missing)} athlete{'s' if len(missing) != 1 else ''} "
                     "(listed with the reason).")
    partly = left_out_of(panel)
    if len(partly):
        counts = partly.groupby("exposure", sort=False).size()
        parts.append("Left out of single exposures' models (listed with the reason): "
                     + ", ".join(f"{exposure} {n} athlete{'s' if n != 1 else ''}"
                                 for exposure, n in counts.items()) + ".")
    if skipped:
        parts.append("Not computed: " + "; ".join(skipped) + ".")
    risk = _table(risk_rows, "or_p_value")
    if not risk.empty:
        risk.insert(risk.columns.get_loc("rd_p_value") + 1, "rd_q_value",
                    bh_qvalues(risk["rd_p_value"].to_numpy()))
    forest_rows = pd.concat([result[3] for result in results], ignore_index=True)
    return CohortReport(True, " ".join(parts), len(included), len(panel), n_flares,
                        _table(mixed_rows), _table(cox_rows), risk, forest_rows,
                        skipped, missing, partly, at_risk, not_in_forest(panel, forest_rows))
