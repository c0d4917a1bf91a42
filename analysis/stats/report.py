"""The whole n-of-1 analysis of one athlete: minimum-data check, lagged associations, flares
and the flare event study, with one message that says what was done and what was not."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from analysis import effort, shoes
from analysis.pain import flare_rule_words
from analysis.stats.events import MIN_FLARES, N_PERMUTATIONS, event_study, flare_table
from analysis.stats.exposures import ExposureGrid, exposure_grid
from analysis.stats.nof1 import (
    ASSOCIATION_COLUMNS,
    DAILY_OUTCOME,
    EXPOSURES,
    FLAG_ALPHA_SHARE,
    NEEDS,
    REPEATED_LOOKS,
    SHARED_SIGNAL_RHO,
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
    shared: list[tuple[str, ...]] = field(default_factory=list)  # one signal each
    unknown: dict[str, str] = field(default_factory=dict)  # exposure -> why the files lack it


def _flare_words(n: int, t: Thresholds) -> str:
    """'3 flares (a flare begins on a day with pain of 4/10 or more …)'."""
    return f"{n} flare{'s' if n != 1 else ''} ({flare_rule_words(t)})"


def shared_words(shared: list[tuple[str, ...]], words: dict[str, str] | None = None) -> str:
    """The sentence naming the exposures that carry one signal (or none), each by its
    name in `words` when given (the dashboard's), else by its column name."""
    if not shared:
        return ""
    words = words or {}
    groups = "; ".join(" and ".join(words.get(e, e) for e in group) for group in shared)
    return (f"Exposures that move together (|Spearman ρ| ≥ {SHARED_SIGNAL_RHO:g}) share one "
            f"signal, so a finding in one is not confirmed by the others: {groups}.")


def analyze_grid(grid: ExposureGrid, thresholds: Thresholds = Thresholds(), *,
                 n_perm: int = N_PERMUTATIONS, seed: int = 0) -> AthleteReport:
    """The n-of-1 analysis of an exposure grid (analysis.stats.exposures)."""
    t = thresholds
    flares = flare_table(grid.daily, t)
    empty = pd.DataFrame()
    unknown = {name: why for name, why in NEEDS.items() if grid.daily[name].isna().all()}
    shortfall = diary_shortfall(grid.daily[DAILY_OUTCOME])
    if shortfall is not None:
        return AthleteReport(False, f"Not enough diary data: {shortfall}",
                             pd.DataFrame(columns=list(ASSOCIATION_COLUMNS)), flares, empty,
                             empty, unknown=unknown)
    grid_result = associations(grid.daily, grid.weekly)
    table = grid_result.table
    parts = [EXPLORATORY,
             f"{len(table)} exposure × lag tests (pre-specified lags: 1–3 days, 1–4 weeks; "
             "no same-day cells, since a diary entry may predate the run). Every cell is "
             "adjusted for the pain before the exposure (the day before and the week before; "
             "weekly cells: the week before), because pain cuts running. Continuous "
             "exposures prewhitened, estimates in pain points per 1 SD; so is new shoes "
             f"(1 for the first {shoes.NEW_SHOE_DAYS} days in a new pair, "
             f"{shoes.EVIDENCE.strength}), which needs runs naming their shoes; running "
             f"minutes and heart-rate load (TRIMP) {effort.EVIDENCE.strength} need run "
             "durations and heart rate. The flags (spike, descent spike, weekly jump over "
             "30 %) as events, estimates in pain points per raised flag. Interval and "
             "p-value from one autocorrelation-robust error (the larger of classical and "
             "Newey–West), so they always agree; Benjamini–Hochberg q-values across all "
             "tests, weighted so that the flags, the product's own warnings, share "
             f"{FLAG_ALPHA_SHARE:.0%} of the error rate (never below the p-value).",
             shared_words(grid_result.shared), REPEATED_LOOKS]
    skipped = list(grid_result.skipped)
    if len(flares) < MIN_FLARES:
        parts.append(f"Event study not run: {_flare_words(len(flares), t)} found; it needs "
                     f"at least {MIN_FLARES}.")
        events, profile = empty, empty
    else:
        events, profile, event_skipped = event_study(grid.daily, EXPOSURES, t, n_perm=n_perm,
                                                     seed=seed)
        skipped += [f"event study, {reason}" for reason in event_skipped]
        parts.append(f"Event study (case-crossover) over {_flare_words(len(flares), t)}: "
                     "each exposure's 28 days before onset against the 28 days before "
                     "eligible quiet days (7 quiet days, ≥ 4 logged, outside flare episodes "
                     "and the 7 days after them); permutation test with random onsets drawn "
                     f"from those eligible days ({n_perm} draws).")
    if skipped:
        parts.append("Not computed: " + "; ".join(skipped) + ".")
    if table.empty:
        return AthleteReport(False, "Not enough paired data: " + "; ".join(skipped) + ".",
                             table, flares, events, profile, skipped, unknown=unknown)
    return AthleteReport(True, " ".join(part for part in parts if part), table, flares, events,
                         profile, skipped, grid_result.shared, unknown)


def analyze_athlete(activities: pd.DataFrame, pain: pd.DataFrame,
                    thresholds: Thresholds = Thresholds(),
                    today: date | str | pd.Timestamp | None = None, *,
                    n_perm: int = N_PERMUTATIONS, seed: int = 0) -> AthleteReport:
    """The n-of-1 analysis from canonical activity and pain tables."""
    return analyze_grid(exposure_grid(activities, pain, thresholds, today), thresholds,
                        n_perm=n_perm, seed=seed)
