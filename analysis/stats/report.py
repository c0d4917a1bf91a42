"""The whole n-of-1 analysis of one athlete: minimum-data check, lagged associations, flares
and the flare event study, with one message that says what was done and what was not."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from analysis.stats.events import MIN_FLARES, N_PERMUTATIONS, event_study, flare_table
from analysis.stats.exposures import ExposureGrid, exposure_grid
from analysis.stats.nof1 import (
    ASSOCIATION_COLUMNS,
    DAILY_OUTCOME,
    EXPOSURES,
    N_BOOT,
    associations,
    diary_shortfall,
)
from analysis.thresholds import Thresholds

EXPLORATORY = ("Exploratory: associations in one runner's own data, not causes and not a "
               "diagnosis.")


@dataclass
class AthleteReport:
    """Results of `analyze_grid`; tables are empty when the data were not enough."""

    enough_data: bool
    message: str
    associations: pd.DataFrame
    flares: pd.DataFrame
    event_study: pd.DataFrame
    event_profile: pd.DataFrame
    skipped: list[str] = field(default_factory=list)


def _flare_words(n: int, t: Thresholds) -> str:
    """'3 flares (pain ≥ 4 after ≥ 7 days below it, ≥ 4 of them logged)'."""
    return (f"{n} flare{'s' if n != 1 else ''} (pain ≥ {t.flare_score:g} after "
            f"≥ {t.flare_quiet_days} days below it, ≥ {t.flare_recorded_days} of them logged)")


def analyze_grid(grid: ExposureGrid, thresholds: Thresholds = Thresholds(), *,
                 n_boot: int = N_BOOT, n_perm: int = N_PERMUTATIONS,
                 seed: int = 0) -> AthleteReport:
    """The n-of-1 analysis of an exposure grid (analysis.stats.exposures)."""
    t = thresholds
    flares = flare_table(grid.daily, t)
    empty = pd.DataFrame()
    shortfall = diary_shortfall(grid.daily[DAILY_OUTCOME])
    if shortfall is not None:
        return AthleteReport(False, f"Not enough diary data: {shortfall}",
                             pd.DataFrame(columns=list(ASSOCIATION_COLUMNS)), flares, empty,
                             empty)
    grid_result = associations(grid.daily, grid.weekly, n_boot=n_boot, seed=seed)
    table = grid_result.table
    parts = [EXPLORATORY,
             f"{len(table)} exposure × lag tests (pre-specified lags: 0–3 days, 1–4 weeks), "
             "exposures prewhitened, larger of classical and Newey–West errors, 95 % "
             "stationary-bootstrap intervals, Benjamini–Hochberg q-values across all tests; "
             "estimates are pain points per 1 SD of the exposure."]
    skipped = list(grid_result.skipped)
    if len(flares) < MIN_FLARES:
        parts.append(f"Event study not run: {_flare_words(len(flares), t)} found; it needs "
                     f"at least {MIN_FLARES}.")
        events, profile = empty, empty
    else:
        events, profile, event_skipped = event_study(grid.daily, EXPOSURES, t, n_perm=n_perm,
                                                     seed=seed)
        skipped += [f"event study, {reason}" for reason in event_skipped]
        parts.append(f"Event study over {_flare_words(len(flares), t)}: each exposure's "
                     "28 days before onset against its mean outside those windows; "
                     "permutation test with random onsets made by moving all onsets "
                     f"together by a random number of days (up to {n_perm} shifts).")
    if skipped:
        parts.append("Not computed: " + "; ".join(skipped) + ".")
    if table.empty:
        return AthleteReport(False, "Not enough paired data: " + "; ".join(skipped) + ".",
                             table, flares, events, profile, skipped)
    return AthleteReport(True, " ".join(parts), table, flares, events, profile, skipped)


def analyze_athlete(activities: pd.DataFrame, pain: pd.DataFrame,
                    thresholds: Thresholds = Thresholds(),
                    today: date | str | pd.Timestamp | None = None, *, n_boot: int = N_BOOT,
                    n_perm: int = N_PERMUTATIONS, seed: int = 0) -> AthleteReport:
    """The n-of-1 analysis from canonical activity and pain tables."""
    return analyze_grid(exposure_grid(activities, pain, thresholds, today), thresholds,
                        n_boot=n_boot, n_perm=n_perm, seed=seed)
