"""Flares (DOMAIN.md §3) and the flare event study with a permutation test of random onsets.

Flare onsets are analysis.pain.flare_onsets, the one definition the dashboard and the
statistics share: pain ≥ 4 after a quiet, logged week, at least 2 points above that week's
mean, and persisting: another of the first 3 logged days reaches 4 or stays 2 points
above that mean.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.pain import flare_onsets, quiet_week
from analysis.stats.multiple import bh_qvalues
from analysis.stats.nof1 import LABEL
from analysis.thresholds import Thresholds

WINDOW_DAYS = 28
MIN_FLARES = 2
N_PERMUTATIONS = 2000
MIN_CONTROLS = 10  # eligible quiet days with history, the case-crossover's controls

FLARE_COLUMNS = ("onset", "peak_pain", "last_painful_day", "recovered", "duration_days")
EVENT_COLUMNS = ("exposure", "n_flares", "n_controls", "pre_flare_mean", "baseline_mean",
                 "difference", "difference_sd", "p_value", "q_value", "label")


def onset_mask(daily: pd.DataFrame, t: Thresholds = Thresholds()) -> np.ndarray:
    """Flare onsets per day (analysis.pain.flare_onsets: the product's one definition).

    `daily` has consecutive days with pain_max (NaN = no entry) and pain_entries.
    """
    return flare_onsets(daily, t).to_numpy(dtype=bool)


def flare_table(daily: pd.DataFrame, t: Thresholds = Thresholds()) -> pd.DataFrame:
    """One row per flare (FLARE_COLUMNS) from a daily frame on consecutive days.

    An episode runs from its onset to the last day with pain ≥ flare_score before the next
    onset (or the end of the diary). It counts as recovered the day after that last painful
    day when the diary goes on for at least flare_quiet_days more days; otherwise it is
    ongoing (`recovered` empty). `peak_pain` is the episode's highest daily pain.
    """
    values = daily["pain_max"].to_numpy(dtype=float)
    high = np.nan_to_num(values, nan=-np.inf) >= t.flare_score
    onset_pos = np.flatnonzero(onset_mask(daily, t))
    if len(onset_pos) == 0:
        return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c in (
            "onset", "last_painful_day", "recovered") else "float64") for c in FLARE_COLUMNS})
    high_pos = np.flatnonzero(high)
    ends = np.append(onset_pos[1:], len(values))
    last_high = high_pos[np.searchsorted(high_pos, ends, side="left") - 1]
    peak = np.fmax.reduceat(np.nan_to_num(values, nan=-np.inf), onset_pos)
    last_entry = np.flatnonzero(np.isfinite(values)).max()
    days = daily.index
    recovered = pd.DatetimeIndex(days[last_high] + pd.Timedelta(days=1)).where(
        last_high + t.flare_quiet_days <= last_entry)
    return pd.DataFrame({
        "onset": days[onset_pos],
        "peak_pain": peak,
        "last_painful_day": days[last_high],
        "recovered": recovered,
        "duration_days": last_high - onset_pos + 1,
    })


def window_means(x: np.ndarray, window: int) -> np.ndarray:
    """Mean of the defined values of x over the `window` days before each day (NaN if none)."""
    filled = np.concatenate([[0.0], np.cumsum(np.nan_to_num(x))])
    counts = np.concatenate([[0], np.cumsum(np.isfinite(x))])
    end = np.arange(len(x))
    start = np.maximum(end - window, 0)
    n = counts[end] - counts[start]
    with np.errstate(invalid="ignore", divide="ignore"):
        means = (filled[end] - filled[start]) / n
    means[(n == 0) | (end < window)] = np.nan
    return means


def eligible_days(daily: pd.DataFrame, t: Thresholds = Thresholds()) -> np.ndarray:
    """Days that could have been a flare onset but were not: the flare rule's quiet week
    before them (no entry ≥ flare_score in flare_quiet_days, ≥ flare_recorded_days logged
    below it), outside every flare episode (onset to last painful day) and the
    flare_quiet_days after it. The case-crossover's control days and random onsets."""
    pain = daily["pain_max"].to_numpy(dtype=float)
    eligible = quiet_week(pain, t)[0]
    flares = flare_table(daily, t)
    if not flares.empty:
        edges = np.zeros(len(pain) + 1)
        first = daily.index.get_indexer(pd.DatetimeIndex(flares["onset"]))
        last = daily.index.get_indexer(pd.DatetimeIndex(flares["last_painful_day"]))
        np.add.at(edges, first, 1)
        np.add.at(edges, np.minimum(last + t.flare_quiet_days + 1, len(pain)), -1)
        eligible &= np.cumsum(edges)[:-1] == 0
    return eligible


def _one_exposure(x: np.ndarray, onsets: np.ndarray, controls: np.ndarray, window: int,
                  n_perm: int, rng: np.random.Generator) -> tuple[dict, np.ndarray] | str:
    """Statistics and the day-by-day profile of one exposure, or why it was skipped."""
    defined = np.flatnonzero(np.isfinite(x))
    if len(defined) < 2 or not np.nanstd(x) > 0:
        return "no variation (or no values)"
    means = window_means(x, window)
    first = defined[0] + window  # first day with `window` days of this exposure's history
    used = onsets[(onsets >= first) & np.isfinite(means[onsets])]
    if len(used) < MIN_FLARES:
        return (f"{len(used)} flare{'s' if len(used) != 1 else ''} with {window} days of this "
                f"exposure before them; needs {MIN_FLARES}")
    control = np.flatnonzero(controls & (np.arange(len(x)) >= first) & np.isfinite(means))
    if len(control) < MIN_CONTROLS:
        return (f"{len(control)} eligible quiet days with {window} days of this exposure "
                f"before them; needs {MIN_CONTROLS}")
    observed = float(means[used].mean())
    baseline = float(means[control].mean())
    # Random onsets: as many eligible quiet days as there are flares, drawn at random (with
    # replacement: there are many more eligible days than flares).
    null = means[control][rng.integers(0, len(control), (n_perm, len(used)))].mean(axis=1)
    centre = float(null.mean())
    extreme = np.abs(null - centre) >= abs(observed - centre) - 1e-12
    offsets = np.arange(-window, 0)[None, :]
    profile = (_nanmean_rows(x[used[:, None] + offsets].T)
               - _nanmean_rows(x[control[:, None] + offsets].T))
    return {
        "n_flares": len(used),
        "n_controls": len(control),
        "pre_flare_mean": observed,
        "baseline_mean": baseline,
        "difference": observed - baseline,
        "difference_sd": (observed - baseline) / float(np.nanstd(x, ddof=1)),
        "p_value": (1 + int(extreme.sum())) / (n_perm + 1),
    }, profile


def _nanmean_rows(values: np.ndarray) -> np.ndarray:
    """Mean of each row's defined values (NaN for a row without any), without warnings."""
    defined = np.isfinite(values)
    count = defined.sum(axis=1)
    total = np.where(defined, values, 0.0).sum(axis=1)
    return np.divide(total, count, out=np.full(len(values), np.nan), where=count > 0)


def event_study(daily: pd.DataFrame, exposures: tuple[str, ...],
                t: Thresholds = Thresholds(), *, window: int = WINDOW_DAYS,
                n_perm: int = N_PERMUTATIONS, seed: int = 0
                ) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """A case-crossover comparison: each exposure over the `window` days before the flare
    onsets against the same window before eligible quiet days (`eligible_days`: days that
    met the flare rule's quiet week, outside flare episodes and the week after them — never
    times when pain had already cut the running).

    `daily`: consecutive days, pain_max, pain_entries and the exposures (NaN where
    undefined); flares with `window` days of the exposure's history count. The statistic is
    the mean over flares of the exposure's mean in the window before onset; the baseline the
    same mean over the eligible days. Permutation test: n_perm sets of random onsets, each as
    many eligible days as flares; two-sided
    p = (1 + #|null − E null| ≥ |observed − E null|) / (n_perm + 1); BH q-values across
    exposures. Returns (table with EVENT_COLUMNS, profile with exposure, day (−window..−1),
    difference from the eligible days' mean), and the exposures skipped, with reasons.
    """
    rng = np.random.default_rng(seed)
    onsets = np.flatnonzero(onset_mask(daily, t))
    controls = eligible_days(daily, t)
    controls[onsets] = False
    rows, profiles, skipped = [], [], []
    for name in exposures:
        x = daily[name].to_numpy(dtype=float) if name in daily else np.full(len(daily), np.nan)
        result = _one_exposure(x, onsets, controls, window, n_perm, rng)
        if isinstance(result, str):
            skipped.append(f"{name}: {result}")
            continue
        stats_row, profile = result
        rows.append({"exposure": name, **stats_row})
        profiles.append(pd.DataFrame({"exposure": name, "day": np.arange(-window, 0),
                                      "difference": profile}))
    table = pd.DataFrame(rows, columns=[c for c in EVENT_COLUMNS if c not in ("q_value",
                                                                              "label")])
    table["q_value"] = bh_qvalues(table["p_value"].to_numpy())
    table["label"] = LABEL
    profile = (pd.concat(profiles, ignore_index=True) if profiles else
               pd.DataFrame(columns=["exposure", "day", "difference"]))
    return table[list(EVENT_COLUMNS)], profile, skipped
