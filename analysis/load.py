"""Running load from the activity table and the pain diary: daily and weekly series, per-run
spikes, ACWR, monotony and cadence against the runner's own baseline (DOMAIN.md §2–§3).

Only RUN_SPORTS (run, trail_run, treadmill_run) count as running load; walks, hikes and rides
are ignored here. Days are the runner's calendar days (`local_date`), weeks start on Monday,
rest days are zeros and a day without a pain entry is missing (NaN), never pain-free.
Everything is vectorised: no Python loop runs per day or per run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import pairwise

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from analysis.flags import codes_by_week, flag_table
from analysis.schema import RUN_SPORTS
from analysis.thresholds import Thresholds

DAILY_COLUMNS = ("distance_m", "time_s", "runs", "descent_m", "gain_m", "downhill_5pct_m",
                 "downhill_10pct_m", "longest_run_m", "pain_max", "pain_mean", "pain_entries")
RUN_COLUMNS = ("activity_id", "local_date", "start_time", "sport", "distance_m", "time_s",
               "speed_mps", "gain_m", "descent_m", "descent_per_km", "downhill_5pct_m",
               "downhill_10pct_m", "days_since_prev_run",
               "spike_baseline_m", "spike_ratio", "spike_band", "descent_baseline_m",
               "descent_spike_ratio", "cadence_spm", "cadence_baseline_spm",
               "cadence_baseline_runs", "cadence_dev_pct")
WEEKLY_COLUMNS = ("week_start", "partial", "days", "distance_m", "time_s", "runs",
                  "longest_run_m", "long_run_share", "prev_distance_m", "change_pct",
                  "change_band", "rolling7_change_pct", "rolling7_change_band",
                  "elevation_gain_m", "elevation_loss_m", "descent_per_km", "downhill_5pct_m",
                  "downhill_10pct_m", "avg_cadence_spm", "pain_max", "pain_mean", "pain_days",
                  "acwr_coupled", "acwr_uncoupled", "acwr_ewma", "monotony", "strain", "flags")
_SUMMED = ("distance_m", "time_s", "descent_m", "gain_m", "downhill_5pct_m", "downhill_10pct_m")


def resolve_today(today: date | str | pd.Timestamp | None = None,
                  tz: str | None = None) -> pd.Timestamp:
    """`today` as a naive midnight; by default the current date in zone `tz` (IANA name), or on
    this machine's clock when no zone is given."""
    if today is None:
        now = pd.Timestamp.now(tz=tz) if tz else pd.Timestamp.now()
        return now.tz_localize(None).normalize() if now.tzinfo else now.normalize()
    stamp = pd.Timestamp(today)
    return (stamp.tz_localize(None) if stamp.tzinfo else stamp).normalize()


def monday(day: pd.Timestamp | pd.DatetimeIndex) -> pd.Timestamp | pd.DatetimeIndex:
    """The Monday starting the week of `day` (or of each day)."""
    return day - pd.to_timedelta(day.day_of_week, unit="D")


def _numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A column as float64 with NaN for missing values (all NaN when the column is absent)."""
    if column not in frame:
        return np.full(len(frame), np.nan)
    return frame[column].to_numpy(dtype=float, na_value=np.nan)


def _days(values: pd.Series) -> pd.Series:
    """Calendar days as naive midnights."""
    days = pd.to_datetime(values)
    if getattr(days.dt, "tz", None) is not None:
        days = days.dt.tz_localize(None)
    return days.dt.normalize().astype("datetime64[ns]")


def _runs(activities: pd.DataFrame) -> pd.DataFrame:
    """The running activities with the numbers the metrics use, in the order they were run.

    time_s is moving time, elapsed time where moving time is missing; missing elevation and
    distance stay NaN here (they add up as zero in the daily sums).
    """
    runs = activities[activities["sport"].isin(RUN_SPORTS).to_numpy(dtype=bool, na_value=False)
                      & activities["local_date"].notna().to_numpy()]
    moving = _numbers(runs, "moving_time_s")
    starts = (pd.to_datetime(runs["start_time"], utc=True) if "start_time" in runs
              else pd.Series(pd.NaT, index=runs.index, dtype="datetime64[ns, UTC]"))
    ids = (runs["activity_id"].astype(object) if "activity_id" in runs
           else pd.Series(runs.index.astype(str), index=runs.index, dtype=object))
    table = pd.DataFrame({
        "activity_id": ids.to_numpy(), "local_date": _days(runs["local_date"]).to_numpy(),
        "start_time": starts.to_numpy(), "sport": runs["sport"].astype(object).to_numpy(),
        "distance_m": _numbers(runs, "distance_m"),
        "time_s": np.where(np.isnan(moving), _numbers(runs, "elapsed_time_s"), moving),
        "gain_m": _numbers(runs, "elevation_gain_m"),
        "descent_m": _numbers(runs, "elevation_loss_m"),
        "downhill_5pct_m": _numbers(runs, "downhill_5pct_m"),
        "downhill_10pct_m": _numbers(runs, "downhill_10pct_m"),
        "cadence_spm": _numbers(runs, "avg_cadence_spm"),
    })
    return table.sort_values(["local_date", "start_time"], kind="stable",
                             na_position="last").reset_index(drop=True)


def _pain_entries(pain: pd.DataFrame) -> pd.DataFrame:
    """Pain entries that have a score: date, score (float), timing ('' if unknown), activity_id."""
    scores = _numbers(pain, "score")
    kept = pain[~np.isnan(scores)]
    return pd.DataFrame({
        "date": _days(kept["date"]).to_numpy(),
        "score": scores[~np.isnan(scores)],
        "timing": (kept["timing"].astype(object).fillna("").to_numpy() if "timing" in kept
                   else np.full(len(kept), "", dtype=object)),
        "activity_id": (kept["activity_id"].astype(object).to_numpy() if "activity_id" in kept
                        else np.full(len(kept), None, dtype=object)),
    })


def _daily(runs: pd.DataFrame, entries: pd.DataFrame, start: pd.Timestamp | None,
           end: pd.Timestamp) -> pd.DataFrame:
    """The daily series from `start` to `end` (runs and entries may extend beyond)."""
    if start is None or start > end:
        index = pd.DatetimeIndex([], dtype="datetime64[ns]", name="date")
    else:
        index = pd.date_range(start, end, freq="D", name="date")
    by_day = runs.groupby("local_date")
    daily = by_day[list(_SUMMED)].sum().reindex(index, fill_value=0.0)
    daily["runs"] = by_day.size().reindex(index, fill_value=0).astype("int64")
    daily["longest_run_m"] = by_day["distance_m"].max().reindex(index).fillna(0.0)
    scores = entries.groupby("date")["score"]
    daily["pain_max"] = scores.max().reindex(index)
    daily["pain_mean"] = scores.mean().reindex(index)
    daily["pain_entries"] = scores.size().reindex(index, fill_value=0).astype("int64")
    return daily[list(DAILY_COLUMNS)]


def _first_day(activities: pd.DataFrame, entries: pd.DataFrame) -> pd.Timestamp | None:
    """The first day with an activity of any sport or a pain entry."""
    days = pd.concat([_days(activities["local_date"].dropna()), entries["date"]])
    return None if days.empty else days.min()


def daily_series(activities: pd.DataFrame, pain: pd.DataFrame,
                 today: date | str | pd.Timestamp | None = None, *,
                 tz: str | None = None) -> pd.DataFrame:
    """One row per local calendar day, from the first activity or pain day to `today`.

    distance_m, time_s, runs, descent_m, gain_m, downhill_5pct_m, downhill_10pct_m and
    longest_run_m count runs only and are 0 on rest days; pain_max and pain_mean are NaN on
    days without an entry; pain_entries counts them. Data after `today` are left out.
    """
    entries = _pain_entries(pain)
    return _daily(_runs(activities), entries, _first_day(activities, entries),
                  resolve_today(today, tz))


def daily_and_runs(activities: pd.DataFrame, pain: pd.DataFrame,
                   thresholds: Thresholds = Thresholds(),
                   today: date | str | pd.Timestamp | None = None, *,
                   tz: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """daily_series and run_table in one pass over the runs (for callers needing both, such
    as the statistics, which build them for every athlete of a cohort)."""
    entries = _pain_entries(pain)
    runs = run_table(activities, thresholds)
    return (_daily(runs, entries, _first_day(activities, entries), resolve_today(today, tz)),
            runs)


def _previous_max(runs: pd.DataFrame, column: str, days: int) -> np.ndarray:
    """Per run: the largest positive `column` among the runs of the `days` calendar days before
    its day and the earlier runs of the same day (NaN when there is none)."""
    values = runs[column].where(runs[column] > 0)
    day = runs["local_date"]
    if runs.empty:
        return np.array([], dtype=float)
    per_day = values.groupby(day.to_numpy()).max()
    per_day = per_day.reindex(pd.date_range(day.iloc[0], day.iloc[-1], freq="D"))
    before = per_day.shift(1).rolling(days, min_periods=1).max()
    running = values.fillna(-np.inf).groupby(day.to_numpy()).cummax()
    earlier = running.groupby(day.to_numpy()).shift(1).replace(-np.inf, np.nan)
    return np.fmax(before.reindex(day).to_numpy(), earlier.to_numpy())


def _cadence_baseline(runs: pd.DataFrame, t: Thresholds) -> tuple[np.ndarray, np.ndarray]:
    """Per run: cadence predicted at its speed by a least-squares line of cadence on speed over
    the earlier runs of the previous `cadence_baseline_days` days, and how many runs that fit
    used. Window sums come from cumulative sums, so this is O(n)."""
    cadence = runs["cadence_spm"].to_numpy()
    speed = runs["speed_mps"].to_numpy()
    usable = np.isfinite(cadence) & np.isfinite(speed) & (speed > 0)
    day = runs["local_date"].to_numpy()
    first = np.searchsorted(day, day - np.timedelta64(t.cadence_baseline_days, "D"), side="left")
    last = np.arange(len(runs))  # window = runs first..last-1: earlier runs only

    def window_sum(values: np.ndarray) -> np.ndarray:
        total = np.concatenate([[0.0], np.cumsum(np.where(usable, values, 0.0))])
        return total[last] - total[first]

    n = window_sum(np.ones(len(runs)))
    sv, sc = window_sum(speed), window_sum(cadence)
    svv, svc = window_sum(speed * speed), window_sum(speed * cadence)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = n * svv - sv * sv  # n² × variance of speed
        # Speeds that hardly vary (SD < 0.05 m/s) carry no slope: use the mean cadence.
        slope = np.where(spread > n * n * 0.05**2, (n * svc - sv * sc) / spread, 0.0)
        predicted = (sc - slope * sv) / n + slope * speed
    enough = n >= t.cadence_min_runs
    return np.where(enough, predicted, np.nan), n.astype("int64")


def history_days(day: np.ndarray, active: np.ndarray, gap: int) -> np.ndarray:
    """Per position of a sorted day array: days since the start of its stretch of history
    (NaN before the first active day). A stretch starts at the first active day and again at
    the first active day after more than `gap` days without one: what happened before the
    data (or during a longer hole in them) is unknown, not zero."""
    day = np.asarray(day, dtype="datetime64[D]")
    starts = np.flatnonzero(active)
    out = np.full(len(day), np.nan)
    if len(starts) == 0:
        return out
    active_days = day[starts]
    new = np.r_[True, np.diff(active_days).astype(int) > gap]
    stretch_start = active_days[new]
    which = np.searchsorted(stretch_start, day, side="right") - 1
    known = which >= 0
    out[known] = (day[known] - stretch_start[which[known]]).astype(int)
    return out


def _band_labels(values: pd.Series, edges: tuple[float, ...], labels: tuple[str, ...],
                 missing: str | None) -> pd.Series:
    """Labels of right-closed bands (≤edge0, (edge0, edge1], …, >edgeN); `missing` for NaN."""
    bins = (-np.inf, *edges, np.inf)
    banded = pd.cut(values, bins=bins, labels=list(labels), right=True)
    return banded.astype(object).where(values.notna(), missing)


def spike_band(ratio: pd.Series, t: Thresholds = Thresholds()) -> pd.Series:
    """Frandsen 2025 bands of spike ratios: ≤1.1, >1.1–1.3, >1.3–2.0, >2.0 (edges from `t`);
    a run without a ratio is labelled "no run in the previous 30 days" (run_table relabels
    the start-up runs)."""
    s, m, large = (f"{edge:.1f}" if edge == round(edge, 1) else f"{edge:g}"
                   for edge in (t.spike_small, t.spike_medium, t.spike_large))
    return _band_labels(ratio, (t.spike_small, t.spike_medium, t.spike_large),
                        (f"≤{s}", f">{s}–{m}", f">{m}–{large}", f">{large}"),
                        f"no run in the previous {t.spike_window_days} days")


def change_band(pct: pd.Series, t: Thresholds = Thresholds()) -> pd.Series:
    """Bands of a distance change in %: ≤10 %, >10–30 %, >30 % (edges from `t`); NaN stays."""
    c, h = t.weekly_change_caution_pct, t.weekly_change_high_pct
    return _band_labels(pct, (c, h), (f"≤{c:g} %", f">{c:g}–{h:g} %", f">{h:g} %"), None)


def run_table(activities: pd.DataFrame, thresholds: Thresholds = Thresholds()) -> pd.DataFrame:
    """One row per run with its spike ratio, descent spike and cadence deviation.

    spike_ratio = distance ÷ the longest run of the `spike_window_days` (30) calendar days
    before the run's day plus the earlier runs of the same day; NaN when there is none, and
    NaN (band "under 30 days of history") while the window is not yet filled: a run fewer
    than 30 days after the first run, or after the first run following more than 30 days
    without runs, whose earlier runs are unknown (history_days). descent_spike_ratio does
    the same with the descent. cadence_dev_pct = cadence ÷ the
    cadence the runner's own fit predicts at this speed − 1, in %; NaN with fewer than
    `cadence_min_runs` runs with cadence in the previous `cadence_baseline_days` days.
    """
    t = thresholds
    runs = _runs(activities)
    distance, descent, time_s = runs["distance_m"], runs["descent_m"], runs["time_s"]
    runs["speed_mps"] = distance / time_s.where(time_s > 0)
    runs["descent_per_km"] = descent / (distance / 1000).where(distance > 0)
    runs["days_since_prev_run"] = runs["local_date"].diff().dt.days.astype(float)
    window = t.spike_window_days
    started = history_days(runs["local_date"].to_numpy(), np.ones(len(runs), bool),
                           window) >= window
    runs["spike_baseline_m"] = _previous_max(runs, "distance_m", window)
    runs["spike_ratio"] = (distance / runs["spike_baseline_m"]).where(started)
    band = spike_band(runs["spike_ratio"], t)
    band = band.where(started | runs["spike_baseline_m"].isna(),
                      f"under {window} days of history")
    runs["spike_band"] = band.where(distance.notna(), "no distance recorded")
    runs["descent_baseline_m"] = _previous_max(runs, "descent_m", window)
    runs["descent_spike_ratio"] = (descent / runs["descent_baseline_m"]).where(started)
    predicted, used = _cadence_baseline(runs, t)
    runs["cadence_baseline_spm"] = predicted
    runs["cadence_baseline_runs"] = used
    runs["cadence_dev_pct"] = (runs["cadence_spm"] / predicted - 1) * 100
    return runs[list(RUN_COLUMNS)]


def ewma_burn_in(n: int, weight: float = 0.05) -> int:
    """Days before an EWMA with λ = 2/(n+1) is reported: the first day on which its starting
    value weighs less than `weight` (5 %), i.e. (1 − λ)^days < weight (N = 28: 42 days)."""
    return int(np.floor(np.log(weight) / np.log(1 - 2 / (n + 1)))) + 1


def _ewma(load: np.ndarray, history: np.ndarray, n: int) -> np.ndarray:
    """EWMA with λ = 2/(n+1) per stretch of history, started from the mean of the stretch's
    first n days (Williams et al. 2017), NaN until ewma_burn_in(n) days have passed."""
    lam = 2 / (n + 1)
    out = np.full(len(load), np.nan)
    bounds = np.r_[np.flatnonzero(history == 0), len(load)]
    for begin, end in pairwise(bounds):
        part = load[begin:end]
        initial = float(part[:n].mean())
        out[begin:end] = lfilter([lam], [1, lam - 1], part, zi=[(1 - lam) * initial])[0]
    return np.where(history + 1 >= ewma_burn_in(n), out, np.nan)


def acwr_table(daily: pd.DataFrame, column: str = "distance_m",
               thresholds: Thresholds = Thresholds()) -> pd.DataFrame:
    """Acute:chronic workload ratios of a daily load column, per day (DOMAIN §2).

    acute = mean daily load of the last 7 days (today included); coupled chronic = mean of the
    last 28 days (acute week included); uncoupled chronic = mean of the 21 days before the
    acute week; EWMA_today = λ·load_today + (1 − λ)·EWMA_yesterday with λ = 2/(N + 1), N = 7
    and 28, started from the mean of the first N days (Williams et al. 2017) and not reported
    until that start weighs under 5 % (ewma_burn_in: 11 and 42 days). History is counted from
    the first day with a run (day 1), again from the first run after more than `chronic_days`
    days without one (the load before the data, or in a hole in them, is unknown): ratios
    appear from day `acwr_min_days` (28) on, the uncoupled one from day
    `acwr_uncoupled_min_days` (35), the EWMA ratio once both EWMAs are reported; a chronic
    load of 0 gives NaN.
    """
    t = thresholds
    load = daily[column].astype(float)
    acute = load.rolling(t.acute_days).mean()
    chronic = load.rolling(t.chronic_days).mean()
    uncoupled = load.shift(t.acute_days).rolling(t.chronic_days - t.acute_days).mean()
    ran = daily.get("runs", load).to_numpy() > 0
    history = history_days(daily.index.to_numpy(), ran, t.chronic_days)
    ewma = {n: _ewma(load.to_numpy(), history, n) for n in (t.acute_days, t.chronic_days)}
    history = history + 1  # day 1 = the first day of a stretch

    def ratio(top: np.ndarray | pd.Series, bottom: np.ndarray | pd.Series,
              min_days: int) -> np.ndarray:
        top, bottom = np.asarray(top, dtype=float), np.asarray(bottom, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where((history >= min_days) & (bottom > 0), top / bottom, np.nan)

    return pd.DataFrame({
        "acute": acute, "chronic_coupled": chronic, "chronic_uncoupled": uncoupled,
        "ewma_acute": ewma[t.acute_days], "ewma_chronic": ewma[t.chronic_days],
        "acwr_coupled": ratio(acute, chronic, t.acwr_min_days),
        "acwr_uncoupled": ratio(acute, uncoupled, t.acwr_uncoupled_min_days),
        "acwr_ewma": ratio(ewma[t.acute_days], ewma[t.chronic_days], t.acwr_min_days),
    }, index=daily.index)


def rolling_change_pct(daily: pd.DataFrame, column: str = "distance_m",
                       days: int = 7) -> pd.Series:
    """Per day: load of the last `days` days vs the `days` before, in % (NaN when those were 0
    or lie before the series)."""
    recent = daily[column].rolling(days).sum()
    before = recent.shift(days).where(lambda sums: sums > 0)
    return (recent - before) * 100 / before


@dataclass(frozen=True)
class LoadTables:
    """Everything the load pages and flags need, computed once: see the functions above."""

    today: pd.Timestamp
    thresholds: Thresholds
    daily: pd.DataFrame  # daily_series
    runs: pd.DataFrame  # run_table up to today
    weekly: pd.DataFrame  # weekly_table
    flags: pd.DataFrame  # every flag raised: Flag's fields and week_start, one row each


def _weekly(daily: pd.DataFrame, runs: pd.DataFrame, today: pd.Timestamp,
            first: pd.Timestamp | None, t: Thresholds) -> pd.DataFrame:
    """Weekly metrics (without flags) from a daily series that starts on a Monday; `first`
    is the first day with data (days before it are unknown, not rest days)."""
    week = monday(daily.index)
    by_week = daily.groupby(week)
    weekly = by_week[list(_SUMMED)].sum().rename(
        columns={"gain_m": "elevation_gain_m", "descent_m": "elevation_loss_m"})
    weekly["runs"] = by_week["runs"].sum()
    weekly["days"] = by_week.size()
    weekly["longest_run_m"] = by_week["longest_run_m"].max()
    weekly.index.name = "week_start"
    distance = weekly["distance_m"]
    ran = distance.where(distance > 0)
    # Partial: the week in progress, and a first week the data begin after its Monday.
    weekly["partial"] = (weekly.index == monday(today)) | (
        weekly.index < (first if first is not None else weekly.index.min()))
    weekly["long_run_share"] = weekly["longest_run_m"] / ran
    weekly["prev_distance_m"] = distance.shift(1)
    after_partial = weekly["partial"].shift(1, fill_value=False).astype(bool)
    previous = weekly["prev_distance_m"].where((weekly["prev_distance_m"] > 0)
                                               & ~weekly["partial"] & ~after_partial)
    weekly["change_pct"] = (distance - previous) * 100 / previous
    weekly["change_band"] = change_band(weekly["change_pct"], t)
    weekly["descent_per_km"] = weekly["elevation_loss_m"] / (ran / 1000)

    logged = daily["pain_entries"]
    weekly["pain_max"] = by_week["pain_max"].max()
    pain_sum = (daily["pain_mean"] * logged).fillna(0.0).groupby(week).sum()
    entries = logged.groupby(week).sum()
    weekly["pain_mean"] = pain_sum / entries.where(entries > 0)
    weekly["pain_days"] = (logged > 0).groupby(week).sum().astype("int64")

    last_days = ~week.duplicated(keep="last")
    at_week_end = acwr_table(daily, "distance_m", t)[last_days]
    at_week_end.index = weekly.index
    weekly = weekly.join(at_week_end[["acwr_coupled", "acwr_uncoupled", "acwr_ewma"]])
    known = daily.loc[first:] if first is not None else daily  # no zeros before the data
    rolling = rolling_change_pct(known).reindex(daily.index)
    weekly["rolling7_change_pct"] = rolling[last_days].to_numpy()
    weekly["rolling7_change_band"] = change_band(weekly["rolling7_change_pct"], t)

    spread = by_week["distance_m"].std(ddof=0)
    complete = (weekly["days"] == 7) & ~weekly["partial"]
    weekly["monotony"] = (by_week["distance_m"].mean() / spread.where(spread > 0)).where(complete)
    weekly["strain"] = distance * weekly["monotony"]

    timed = runs[runs["cadence_spm"].notna() & (runs["time_s"] > 0)]
    timed_week = monday(pd.DatetimeIndex(timed["local_date"]))
    steps = (timed["cadence_spm"] * timed["time_s"]).groupby(timed_week).sum()
    weekly["avg_cadence_spm"] = steps / timed["time_s"].groupby(timed_week).sum()
    return weekly.reset_index()


def load_tables(activities: pd.DataFrame, pain: pd.DataFrame, thresholds: Thresholds = Thresholds(),
                today: date | str | pd.Timestamp | None = None, *,
                tz: str | None = None) -> LoadTables:
    """Daily series, runs, weekly table and every flag, up to `today` (default: now in `tz`)."""
    t = thresholds
    end = resolve_today(today, tz)
    entries = _pain_entries(pain)
    entries = entries[entries["date"] <= end]
    first = _first_day(activities, entries)
    runs = run_table(activities, t)
    runs = runs[runs["local_date"] <= end].reset_index(drop=True)
    whole_weeks = _daily(runs, entries, None if first is None else monday(first), end)
    weekly = _weekly(whole_weeks, runs, end, first, t)
    flags = flag_table(weekly, runs, entries, whole_weeks, end, t)
    codes = codes_by_week(flags).reindex(weekly["week_start"]).to_numpy()
    weekly["flags"] = [week if isinstance(week, list) else [] for week in codes]
    daily = whole_weeks.loc[first:] if first is not None else whole_weeks
    return LoadTables(end, t, daily, runs, weekly[list(WEEKLY_COLUMNS)], flags)


def weekly_table(activities: pd.DataFrame, pain: pd.DataFrame,
                 thresholds: Thresholds = Thresholds(),
                 today: date | str | pd.Timestamp | None = None, *,
                 tz: str | None = None) -> pd.DataFrame:
    """One row per Monday-start week up to `today`'s (partial=True: in progress, or a first
    week the data begin after its Monday; partial weeks are not compared).

    change_pct is NaN for partial weeks, the week after one and after a week without runs;
    flags lists the codes of the flags raised in the week (analysis.flags.RULES).
    """
    return load_tables(activities, pain, thresholds, today, tz=tz).weekly
