"""The flag rules: which rule fired on which week, run or day, as one table of records.

Each rule (`RULES`) names its level, unit, wording and the `EVIDENCE` line it quotes. The rules
run vectorised over the weekly, per-run and pain tables of analysis.load; analysis.risk picks
the current ones and turns rows into `Flag` records.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.thresholds import EVIDENCE, Thresholds

LEVELS = ("high", "caution", "info")
# A session over the pain rule (DOMAIN §3): these hold a return-to-run plan back.
PAIN_RULE_CODES = ("pain_during_run_severe", "pain_during_run", "pain_next_morning")
# Pain that has lasted beyond about 4 weeks (the seed advice: see a professional).
PERSISTENT_CODES = ("persistent_pain", "persistent_low_pain")


@dataclass(frozen=True)
class Rule:
    """A flag rule: a short title, level, unit of its value, wording (formatted with
    Thresholds), evidence key."""

    title: str
    level: str
    unit: str
    words: str
    evidence: str


# In display order within a level.
RULES: dict[str, Rule] = {
    "persistent_pain": Rule(
        "persistent pain",
        "high", "days", "Pain of {persistent_pain_score:g}/10 or more logged over more than "
        "{persistent_pain_days} days (episodes end after {persistent_pain_gap_days} days "
        "without such an entry): see a physiotherapist or sports physician",
        "persistent_pain"),
    "persistent_low_pain": Rule(
        "pain for weeks",
        "caution", "days", "Pain of {persistent_low_pain_score:g}/10 or more logged over more "
        "than {persistent_pain_days} days (episodes end after {persistent_pain_gap_days} days "
        "without such an entry), even if mild: see a physiotherapist or sports physician",
        "persistent_pain"),
    "pain_during_run_severe": Rule(
        "severe pain in a run",
        "high", "/10", "Pain during a run above {pain_stop_above:g}/10: stop running for now, "
        "cross-train and strengthen", "pain_stop"),
    "pain_during_run": Rule(
        "pain in a run",
        "caution", "/10", "Pain during a run above {pain_rule_max:g}/10 breaks the pain rule: "
        "run less and slower", "pain_rule"),
    "pain_next_morning": Rule(
        "worse next morning",
        "caution", "/10", "Next-morning pain higher than the highest pain logged the day before "
        "breaks the pain rule (threshold = the day before's pain)", "pain_morning"),
    "spike_large": Rule(
        "large run spike",
        "high", "×", "Run longer than {spike_large:g} × the longest run of the previous "
        "{spike_window_days} days", "spike_large"),
    "spike_medium": Rule(
        "run spike",
        "caution", "×", "Run more than {spike_medium:g}–{spike_large:g} × the longest run of the "
        "previous {spike_window_days} days", "spike_medium"),
    "spike_small": Rule(
        "small run spike",
        "caution", "×", "Run more than {spike_small:g}–{spike_medium:g} × the longest run of the "
        "previous {spike_window_days} days", "spike_small"),
    "weekly_jump_high": Rule(
        "big weekly jump",
        "high", "%", "Running distance more than {weekly_change_high_pct:g} % above the previous "
        "complete week", "weekly_change_high"),
    "weekly_jump_caution": Rule(
        "weekly jump",
        "caution", "%", "Running distance more than {weekly_change_caution_pct:g} % (up to "
        "{weekly_change_high_pct:g} %) above the previous complete week; the 10 % line is a "
        "rule of thumb", "weekly_change_caution"),
    "rolling7_jump_high": Rule(
        "big 7-day jump",
        "high", "%", "Running distance of the last 7 days more than {weekly_change_high_pct:g} % "
        "above the 7 days before", "weekly_change_high"),
    "rolling7_jump_caution": Rule(
        "7-day jump",
        "caution", "%", "Running distance of the last 7 days more than "
        "{weekly_change_caution_pct:g} % (up to {weekly_change_high_pct:g} %) above the 7 days "
        "before; the 10 % line is a rule of thumb", "weekly_change_caution"),
    "descent_spike": Rule(
        "descent spike",
        "caution", "×", "Run's descent more than {descent_spike_ratio:g} × the largest descent of "
        "the previous {spike_window_days} days (runs with at least {descent_spike_min_m:g} m of "
        "descent; threshold is a product choice)", "descent"),
    "cadence_drop": Rule(
        "cadence drop",
        "caution", "%", "Cadence more than {cadence_drop_pct:g} % below your own baseline at "
        "this speed (cadence-on-speed fit over your runs of the previous "
        "{cadence_baseline_days} days, at least {cadence_min_runs} runs)", "cadence"),
    "week_partial": Rule(
        "week in progress",
        "info", "m", "Week in progress: its distance so far (the value) is not compared with "
        "complete weeks and gets no weekly-jump flag; see the rolling 7-day change", "note"),
    "week_after_gap": Rule(
        "restart after a break",
        "info", "m", "No runs the week before: no percentage change for this week's distance "
        "(the value); a restart after a break", "note"),
    "spike_no_baseline": Rule(
        "first run after a break",
        "info", "days", "No run in the previous {spike_window_days} days (the value is the days "
        "since the last run): this run has no spike ratio", "spike_no_baseline"),
}
# Display rank: by level, then by the order above (sorted() is stable).
_RANK = {code: rank for rank, code in
         enumerate(sorted(RULES, key=lambda code: LEVELS.index(RULES[code].level)))}


@dataclass(frozen=True)
class Flag:
    """One raised flag: what rule, how far over it, and what the evidence for it is."""

    code: str
    level: str  # info, caution or high
    rule: str  # the rule in words
    value: float  # the measured value (NaN when the flag is a note without a number)
    threshold: float  # the value the rule compares with
    unit: str
    evidence: str  # the evidence line: what is known, with its citation
    strength: str  # [solid], [weak] or [heuristic]
    date: pd.Timestamp  # the week's Monday, the run's day, or the pain entry's day
    activity_id: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Flag:
        """A Flag from one row of a flag table."""
        activity = row.get("activity_id")
        return cls(code=row["code"], level=row["level"], rule=row["rule"],
                   value=float(row["value"]), threshold=float(row["threshold"]),
                   unit=row["unit"], evidence=row["evidence"], strength=row["strength"],
                   date=pd.Timestamp(row["date"]),
                   activity_id=activity if isinstance(activity, str) else None)

    def to_dict(self) -> dict[str, Any]:
        """The flag as a plain dictionary (JSON-ready after analysis.cli.output)."""
        return asdict(self)


@dataclass(frozen=True)
class _Raised:
    """Rows of one rule: when, the measured values, thresholds and runs (plain arrays)."""

    code: str
    dates: np.ndarray
    values: np.ndarray
    thresholds: np.ndarray
    activity_ids: np.ndarray


def _raise(code: str, dates: pd.Series | pd.Index, values: Any, threshold: Any,
           activity_id: Any = None) -> _Raised:
    """Flag `code` on every date given, with its values and thresholds (scalars broadcast)."""
    days = pd.DatetimeIndex(dates).to_numpy(dtype="datetime64[ns]")
    n = len(days)
    ids = (np.full(n, None, dtype=object) if activity_id is None
           else np.asarray(activity_id, dtype=object))
    return _Raised(code, days, np.broadcast_to(np.asarray(values, dtype=float), (n,)),
                   np.broadcast_to(np.asarray(threshold, dtype=float), (n,)), ids)


def _table(parts: list[_Raised], t: Thresholds) -> pd.DataFrame:
    """One flag table from every rule's rows: wording and evidence filled in per code."""
    counts = [len(part.dates) for part in parts]
    rules = [RULES[part.code] for part in parts]
    evidence = [EVIDENCE[rule.evidence] for rule in rules]
    fields = t.to_dict()

    def repeated(values: list[str]) -> np.ndarray:
        return np.repeat(np.array(values, dtype=object), counts)

    dates = pd.DatetimeIndex(np.concatenate([part.dates for part in parts]))
    return pd.DataFrame({
        "code": repeated([part.code for part in parts]),
        "level": repeated([rule.level for rule in rules]),
        "rule": repeated([rule.words.format(**fields) for rule in rules]),
        "value": np.concatenate([part.values for part in parts]),
        "threshold": np.concatenate([part.thresholds for part in parts]),
        "unit": repeated([rule.unit for rule in rules]),
        "evidence": repeated([line.line for line in evidence]),
        "strength": repeated([line.strength for line in evidence]),
        "date": dates,
        "activity_id": np.concatenate([part.activity_ids for part in parts]),
        "week_start": dates - pd.to_timedelta(dates.day_of_week, unit="D"),
    })


def _banded(t: Thresholds, frame: pd.DataFrame, column: str, prefix: str,
            dates: pd.Series | pd.Index) -> list[_Raised]:
    """Caution and high flags of a % change column (weekly or rolling 7 days)."""
    pct = frame[column]
    high = pct > t.weekly_change_high_pct
    caution = (pct > t.weekly_change_caution_pct) & ~high
    return [_raise(f"{prefix}_high", dates[high.to_numpy()], pct[high],
                   t.weekly_change_high_pct),
            _raise(f"{prefix}_caution", dates[caution.to_numpy()], pct[caution],
                   t.weekly_change_caution_pct)]


def week_rules(weekly: pd.DataFrame, today: pd.Timestamp, t: Thresholds) -> list[_Raised]:
    """Weekly jumps of complete weeks, the rolling 7 days for the week in progress, notes
    (no restart note after a partial week: what came before it is unknown)."""
    starts = pd.DatetimeIndex(weekly["week_start"])
    partial = weekly["partial"].to_numpy(bool)  # in progress, or a first week begun late
    in_progress = np.asarray(starts == today - pd.Timedelta(days=today.day_of_week))
    current = weekly[in_progress]
    running = in_progress & ((weekly["distance_m"] > 0)
                             | (weekly["prev_distance_m"] > 0)).to_numpy()
    after_partial = np.r_[False, partial[:-1]]
    gap = (~partial & ~after_partial & (weekly["prev_distance_m"] == 0).to_numpy()
           & (weekly["distance_m"] > 0).to_numpy())
    return [*_banded(t, weekly, "change_pct", "weekly_jump", starts),
            *_banded(t, current, "rolling7_change_pct", "rolling7_jump",
                     pd.DatetimeIndex([today] * len(current))),
            _raise("week_partial", starts[running], weekly["distance_m"][running], np.nan),
            _raise("week_after_gap", starts[gap], weekly["distance_m"][gap], np.nan)]


def run_rules(runs: pd.DataFrame, t: Thresholds) -> list[_Raised]:
    """Spike bands, missing spike baselines, descent spikes and cadence drops, per run."""
    ratio = runs["spike_ratio"]
    bands = [("spike_large", ratio > t.spike_large, t.spike_large),
             ("spike_medium", (ratio > t.spike_medium) & (ratio <= t.spike_large), t.spike_medium),
             ("spike_small", (ratio > t.spike_small) & (ratio <= t.spike_medium), t.spike_small)]
    no_base = (runs["spike_baseline_m"].isna() & (runs["distance_m"] > 0)).to_numpy()
    descent = ((runs["descent_spike_ratio"] > t.descent_spike_ratio)
               & (runs["descent_m"] >= t.descent_spike_min_m)).to_numpy()
    cadence = (runs["cadence_dev_pct"] < -t.cadence_drop_pct).to_numpy()

    def pick(code: str, mask: np.ndarray, column: str, threshold: float) -> _Raised:
        rows = runs[mask]
        return _raise(code, rows["local_date"], rows[column], threshold, rows["activity_id"])

    return [*(pick(code, mask.to_numpy(), "spike_ratio", edge) for code, mask, edge in bands),
            pick("spike_no_baseline", no_base, "days_since_prev_run", t.spike_window_days),
            pick("descent_spike", descent, "descent_spike_ratio", t.descent_spike_ratio),
            pick("cadence_drop", cadence, "cadence_dev_pct", -t.cadence_drop_pct)]


def _lasting(entries: pd.DataFrame, score: float, t: Thresholds
             ) -> tuple[pd.Series, pd.Series]:
    """Days (the last of each week) on which pain of at least `score` has been logged for
    more than persistent_pain_days (gaps over persistent_pain_gap_days end an episode), and
    how many days it has lasted then."""
    days = pd.Series(entries.loc[entries["score"] >= score, "date"].drop_duplicates()
                     .sort_values().to_numpy())
    episode = (days.diff().dt.days > t.persistent_pain_gap_days).cumsum()
    span = (days - days.groupby(episode).transform("min")).dt.days
    lasting = days[span > t.persistent_pain_days]
    last_in_week = ~(lasting - pd.to_timedelta(lasting.dt.day_of_week, unit="D")
                     ).duplicated(keep="last")
    return lasting[last_in_week], span[lasting[last_in_week].index]


def pain_rules(entries: pd.DataFrame, daily: pd.DataFrame, t: Thresholds) -> list[_Raised]:
    """Pain-rule breaches (during a run, next morning) per day and persistent pain per week.

    `entries` are pain entries (date, score, timing, activity_id) with a score; `daily` is the
    daily series, whose pain_max of the day before is the next-morning comparison.
    """
    during = (entries[entries["timing"] == "during_run"]
              .sort_values("score", ascending=False, kind="stable")
              .drop_duplicates("date").sort_values("date"))
    severe = (during["score"] > t.pain_stop_above).to_numpy()
    breach = ((during["score"] > t.pain_rule_max) & ~severe).to_numpy()
    morning = entries[entries["timing"] == "next_morning"].groupby("date")["score"].max()
    before = daily["pain_max"].reindex(morning.index - pd.Timedelta(days=1)).to_numpy()
    worse = morning.to_numpy() > before  # NaN (no entry the day before) is never worse

    high, span = _lasting(entries, t.persistent_pain_score, t)
    low, low_span = _lasting(entries, t.persistent_low_pain_score, t)
    low = low[~low.isin(high)]  # the high flag already says it

    return [_raise("pain_during_run_severe", during["date"][severe], during["score"][severe],
                   t.pain_stop_above, during["activity_id"][severe]),
            _raise("pain_during_run", during["date"][breach], during["score"][breach],
                   t.pain_rule_max, during["activity_id"][breach]),
            _raise("pain_next_morning", morning.index[worse], morning[worse], before[worse]),
            _raise("persistent_pain", high, span, t.persistent_pain_days),
            _raise("persistent_low_pain", low, low_span[low.index], t.persistent_pain_days)]


def flag_table(weekly: pd.DataFrame, runs: pd.DataFrame, entries: pd.DataFrame,
               daily: pd.DataFrame, today: pd.Timestamp, t: Thresholds) -> pd.DataFrame:
    """Every flag raised over the history, one row each, most severe first within a day."""
    flags = _table([*week_rules(weekly, today, t), *run_rules(runs, t),
                    *pain_rules(entries, daily, t)], t)
    flags = flags.assign(_rank=flags["code"].map(_RANK))
    flags = flags.sort_values(["date", "_rank"], kind="stable")
    return flags.drop(columns="_rank").reset_index(drop=True)


def sort_key(flag: Flag) -> tuple[int, int]:
    """Most severe first, then the rules' display order, then the most recent."""
    return _RANK[flag.code], -flag.date.value


def flags_from(table: pd.DataFrame) -> list[Flag]:
    """Flag records from rows of a flag table, most severe first."""
    return sorted((Flag.from_row(row) for row in table.to_dict("records")), key=sort_key)


def codes_by_week(flags: pd.DataFrame) -> pd.Series:
    """The distinct flag codes raised in each week (index: week_start), most severe first."""
    ordered = flags.assign(_rank=flags["code"].map(_RANK)).sort_values(
        ["week_start", "_rank"], kind="stable").drop_duplicates(["week_start", "code"])
    weeks, firsts = np.unique(ordered["week_start"].to_numpy(), return_index=True)
    codes = np.split(ordered["code"].to_numpy(dtype=object), firsts[1:]) if len(weeks) else []
    return pd.Series([list(week) for week in codes], index=pd.DatetimeIndex(weeks),
                     dtype=object)
