"""One athlete as of one day: the single entry point the command line and the dashboard use.

`AthleteView(store, athlete, today=None)` reads the athlete's runs and diary once, works out
the athlete-local today once (their time zone; a given day is taken as it is), checks their
stored thresholds, and from those produces the load tables, the current flags, the n-of-1
statistics, the one-page report and the return-to-run plan. Whoever asks — `kneeload
weekly/risk/plan/analyze` or a dashboard page — gets the same numbers for the same day.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

import pandas as pd

from analysis.athlete_report import athlete_report_html
from analysis.flags import Flag
from analysis.load import LoadTables, load_tables, resolve_today
from analysis.plan import ReturnToRunPlan, return_to_run_plan
from analysis.risk import RecentData, current_from, recent_data
from analysis.store import Athlete, Store
from analysis.thresholds import DISCLAIMER, Thresholds
from analysis.units import units_for

if TYPE_CHECKING:
    from analysis.stats.report import AthleteReport

Day = date | str | pd.Timestamp | None


class AthleteView:
    """Everything kneeload shows about one athlete as of `today` (module docstring).

    Raises ValueError naming the athlete when their stored thresholds are invalid; with
    `lenient` (the dashboard, whose Settings page must still open) it uses the defaults
    instead and keeps the reason in `thresholds_problem`.
    """

    disclaimer = DISCLAIMER

    def __init__(self, store: Store | None, athlete: Athlete | str | None, today: Day = None,
                 *, frames: tuple[pd.DataFrame, pd.DataFrame] | None = None,
                 lenient: bool = False) -> None:
        if not isinstance(athlete, Athlete):
            if store is None:
                raise ValueError("an athlete name needs a store to look it up in")
            athlete = store.athlete(athlete, create=False)
        self.athlete = athlete
        if frames is None:
            if store is None:
                raise ValueError("AthleteView needs a store or the athlete's frames")
            frames = store.activities(athlete.id), store.pain(athlete.id)
        self.activities, self.pain = frames
        self.thresholds, self.thresholds_problem = Thresholds.usable(athlete.settings)
        if self.thresholds_problem and not lenient:
            raise ValueError(f"{athlete.name}'s stored {self.thresholds_problem}")
        self.today = resolve_today(today, athlete.tz)

    @staticmethod
    def local_today(athlete: Athlete) -> pd.Timestamp:
        """Today's date on `athlete`'s clock (their time zone; this machine's without one)."""
        return resolve_today(None, athlete.tz)

    @cached_property
    def tables(self) -> LoadTables:
        """Daily series, runs, weekly table and every flag up to today."""
        return load_tables(self.activities, self.pain, self.thresholds, self.today)

    @cached_property
    def flags(self) -> list[Flag]:
        """The flags that apply today, most severe first."""
        return current_from(self.tables)

    @cached_property
    def recent(self) -> RecentData:
        """What the flag window holds (runs, diary days, the latest of each): "no flags"
        over an empty window is no all-clear."""
        return recent_data(self.tables)

    def statistics(self, seed: int = 0) -> AthleteReport:
        """The n-of-1 statistics over the days up to today (seed: the random onsets)."""
        # Imported here: SciPy and statsmodels are for `analyze` and the risk page only, so
        # `kneeload weekly`, `risk` and `plan` start without them.
        from analysis.stats.report import analyze_athlete

        cached = self.__dict__.setdefault("_statistics", {})
        if seed not in cached:
            cached[seed] = analyze_athlete(self.activities, self.pain, self.thresholds,
                                           self.today, seed=seed)
        return cached[seed]

    def plan(self, start: Day = None) -> ReturnToRunPlan:
        """The pain-gated return-to-run proposal starting on the Monday of `start`."""
        return return_to_run_plan(self.activities, self.pain, self.thresholds, self.today,
                                  start)

    def report_html(self) -> str:
        """The one-page HTML report in the athlete's units."""
        return athlete_report_html(self.athlete.name, self.tables,
                                   units_for(self.athlete.units))
