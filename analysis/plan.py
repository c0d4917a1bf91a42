"""A pain-gated return-to-run proposal (DOMAIN.md §4): a proposal, never a prescription.

From the recent state (pain of the last 7 days, running minutes of the last 4 weeks) it lays
out week by week: walk–run sessions on flat ground with rest days between, running minutes
growing by at most `plan_increase_pct` (10 %) a week up to a target, then uphill, then
downhill last. Each week's running minutes are fixed first, in whole 30-s steps, and then
split into sessions and walk–run blocks, so the sessions add up to the week exactly.
The gate: a week with a session over the pain rule, or a finished week without a logged run,
holds the next week at the same step. Past plan weeks are read from the logged runs and pain.
While the pain rule does not allow a start yet, the weeks carry no dates: the plan starts
once it does, on `earliest_start` at the earliest.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from analysis.flags import PAIN_RULE_CODES, PERSISTENT_CODES
from analysis.load import load_tables, monday, resolve_today
from analysis.thresholds import DISCLAIMER, EVIDENCE, Thresholds

BLOCK_MIN = 5.0  # walk–run sessions are blocks of this many minutes (run + walk)
STEP_MIN = 0.5  # every running figure is a whole number of these (30 s): a runner can follow it
TERRAINS = ("flat", "flat + gentle uphill", "hills incl. downhill")
WAITING = "waiting"  # the status of a week while the pain rule does not allow a start
WEEK_COLUMNS = ("week", "week_start", "status", "step", "run_min", "change_pct", "phase",
                "terrain", "runs_logged", "pain_breaches", "held", "reason")
# run_min and walk_min are the session's totals; reps its walk–run blocks (1: continuous).
SESSION_COLUMNS = ("week", "date", "day", "session", "run_min", "walk_min", "reps",
                   "description")


@dataclass(frozen=True)
class ReturnToRunPlan:
    """The proposal: where it starts from, the gate, and the weeks and sessions it lays out."""

    start: pd.Timestamp | None  # Monday of week 1; None while the pain rule says not yet
    earliest_start: pd.Timestamp  # the first Monday the pain rule can allow (start if dated)
    when: str  # the start in words: its date, or once the pain rule allows (at the earliest)
    today: pd.Timestamp
    ready: bool  # pain settled before the start (see `notes` when not)
    state: dict[str, float | None]  # what the start was computed from (None: not logged)
    notes: list[str]
    rule: str  # the pain gate in words
    progression: str
    evidence: str  # with its strength tag in front
    disclaimer: str
    weeks: pd.DataFrame  # WEEK_COLUMNS
    sessions: pd.DataFrame  # SESSION_COLUMNS


def _breaches(count: int) -> str:
    """'1 pain-rule breach', '2 pain-rule breaches'."""
    return f"{count} pain-rule breach{'' if count == 1 else 'es'}"


def weekly_volumes(start_min: float, target_min: float, increase_pct: float,
                   sessions: int = 1) -> list[float]:
    """Running minutes of each flat week, in whole 30-s steps: from `start_min` up to
    `target_min`, each week the week before plus `increase_pct` rounded down, so no week
    grows by more than the rule. The start is raised to where a week can grow by 30 s and
    each of its `sessions` has 30 s of running."""
    rate = 1 + increase_pct / 100
    steps = max(round(start_min / STEP_MIN), math.ceil(1 / (rate - 1) - 1e-9), sessions)
    last = max(steps, math.floor(target_min / STEP_MIN + 1e-9))
    volumes = [steps]
    while volumes[-1] < last:
        volumes.append(min(math.floor(volumes[-1] * rate + 1e-9), last))
    return [v * STEP_MIN for v in volumes]


def split_week(run_min: float, sessions: int) -> list[float]:
    """A week's running minutes over its sessions, in 30-s steps as evenly as they go (the
    later sessions take the odd steps): they add up to `run_min` exactly."""
    base, extra = divmod(round(run_min / STEP_MIN), sessions)
    return [(base + (number >= sessions - extra)) * STEP_MIN for number in range(sessions)]


def session_shape(run_min: float, t: Thresholds = Thresholds()) -> tuple[int, float, str]:
    """One session with `run_min` minutes of running (whole 30-s steps): (blocks, walking
    minutes, words). Walk–run in BLOCK_MIN-minute blocks whose runs differ by at most 30 s,
    adding up to `run_min` exactly, while the session is under `plan_session_min` and no
    block would be all running; from there on one continuous easy run."""
    steps = round(run_min / STEP_MIN)
    blocks = max(1, min(round(t.plan_session_min / BLOCK_MIN), steps))
    short, extra = divmod(steps, blocks)
    if run_min >= t.plan_session_min or (short + (extra > 0)) * STEP_MIN >= BLOCK_MIN:
        return 1, 0.0, f"{run_min:g} min easy continuous run"
    words = ", then ".join(
        f"{count} × ({run:g} min run + {BLOCK_MIN - run:g} min walk)"
        for count, run in ((blocks - extra, short * STEP_MIN), (extra, (short + 1) * STEP_MIN))
        if count)
    return blocks, blocks * BLOCK_MIN - run_min, words


def _steps(start_min: float, target_min: float, t: Thresholds) -> list[tuple[float, str]]:
    """The plan's steps: (weekly running minutes, terrain), one step per week without a hold."""
    volumes = weekly_volumes(start_min, target_min, t.plan_increase_pct,
                             t.plan_sessions_per_week)
    return ([(v, TERRAINS[0]) for v in volumes]
            + [(volumes[-1], TERRAINS[1])] * t.plan_terrain_weeks
            + [(volumes[-1], TERRAINS[2])] * t.plan_terrain_weeks)


def _session_days(count: int) -> list[int]:
    """Days after Monday for `count` sessions: every other day while that fits in a week."""
    return list(range(0, 2 * count, 2)) if count <= 4 else list(range(count))


def _day(day: pd.Timestamp) -> str:
    """A day as a runner reads it: 'Monday 14 Dec 2026'."""
    return f"{day:%A} {day.day} {day:%b %Y}"


def next_monday(day: pd.Timestamp) -> pd.Timestamp:
    """`day` if it is a Monday, else the Monday after it."""
    return day + pd.Timedelta(days=(7 - day.day_of_week) % 7)


def return_to_run_plan(activities: pd.DataFrame, pain: pd.DataFrame,
                       thresholds: Thresholds = Thresholds(),
                       today: date | str | pd.Timestamp | None = None,
                       start: date | str | pd.Timestamp | None = None, *,
                       tz: str | None = None) -> ReturnToRunPlan:
    """Propose a return to running that starts on the Monday of `start` (default: the next
    Monday, today if it is one) and reads how past plan weeks went from the logged data;
    while the pain rule does not allow that start, the weeks wait for it, undated."""
    t = thresholds
    tables = load_tables(activities, pain, t, today, tz=tz)
    now = tables.today
    first = monday(resolve_today(start)) if start is not None else next_monday(now)
    # The state is read up to the day before the start (or today, if that comes first).
    until = min(first - pd.Timedelta(days=1), now)
    daily, flags = tables.daily, tables.flags
    last4 = daily.loc[until - pd.Timedelta(days=27):until]
    last7 = daily.loc[until - pd.Timedelta(days=6):until]
    in_last7 = (flags["date"] > until - pd.Timedelta(days=7)) & (flags["date"] <= until)
    breaches = int((in_last7 & flags["code"].isin(PAIN_RULE_CODES)).sum())
    persistent = bool((in_last7 & flags["code"].isin(PERSISTENT_CODES)).any())
    recent_min = float(last4["time_s"].sum()) / 60 / 4
    worst = float(last7["pain_max"].max()) if last7["pain_entries"].sum() else None
    state = {"recent_run_min_per_week": round(recent_min, 1), "recent_pain_max": worst,
             "recent_pain_entries": int(last7["pain_entries"].sum()),
             "recent_pain_rule_breaches": breaches}

    notes = []
    if worst is None:
        notes.append("No pain logged in the 7 days before the start: log it daily first (a day "
                     "without an entry is missing, not pain-free).")
    elif worst > t.pain_rule_max or breaches:
        notes.append(f"Pain is not settled yet (worst {worst:g}/10 in the last 7 days, "
                     f"{_breaches(breaches)}): settle it first — run less and slower, or "
                     "cross-train and strengthen hips and quadriceps.")
    if persistent:
        notes.append("Pain has lasted more than 4 weeks: see a physiotherapist or sports "
                     "physician before starting.")
    ready = not notes
    dated = ready or first <= now  # a plan already under way keeps its dates
    earliest = first if dated else _earliest_start(first, now, daily, flags, t)

    start_min = max(t.plan_start_run_min, t.plan_start_fraction * recent_min)
    steps = _steps(start_min, max(t.plan_target_run_min, recent_min), t)
    weeks, sessions = _lay_out(steps, first if dated else None, now, tables.runs, flags, t)
    return ReturnToRunPlan(
        start=first if dated else None, earliest_start=earliest,
        when=(f"{'Started' if first < now else 'Starts'} {_day(first)}." if dated else
              f"Starts once the pain rule allows: {_day(earliest)} at the earliest, "
              f"if pain stays at {t.pain_rule_max:g}/10 or below, no worse the next morning, "
              "and is logged daily until then"
              + (", and once a physiotherapist or sports physician has seen the knee (pain "
                 "has lasted more than 4 weeks)." if persistent else ".")),
        today=now, ready=ready, state=state, notes=notes,
        rule=(f"A session breaks the pain rule when pain during it is above "
              f"{t.pain_rule_max:g}/10 or the next morning is worse than the day before; a "
              "week with such a session, or a finished week without a logged run, holds the "
              "next week at the same step."),
        progression=(f"Running minutes per week grow by at most {t.plan_increase_pct:g} % a "
                     f"week (rounded down to 30 s) from {steps[0][0]:g} to {steps[-1][0]:g} "
                     f"min on flat ground, {t.plan_sessions_per_week} sessions a week with "
                     f"rest days between; then {t.plan_terrain_weeks} weeks adding gentle "
                     f"uphill, then {t.plan_terrain_weeks} weeks adding downhill (hills "
                     "last)."),
        evidence=EVIDENCE["return_to_run"].tagged, disclaimer=DISCLAIMER,
        weeks=weeks, sessions=sessions)


def _earliest_start(first: pd.Timestamp, now: pd.Timestamp, daily: pd.DataFrame,
                    flags: pd.DataFrame, t: Thresholds) -> pd.Timestamp:
    """The first Monday from `first` on, after today, whose 7 days before hold none of the
    bad days logged so far (pain above the rule, a pain-rule breach, lasting pain)."""
    pain_max = daily.loc[:now, "pain_max"]
    bad = [*pain_max.index[pain_max > t.pain_rule_max],
           *flags.loc[flags["code"].isin((*PAIN_RULE_CODES, *PERSISTENT_CODES))
                      & (flags["date"] <= now), "date"]]
    after = max([now + pd.Timedelta(days=1), *(day + pd.Timedelta(days=8) for day in bad)])
    return next_monday(max(first, after))


def _lay_out(steps: list[tuple[float, str]], first: pd.Timestamp | None, now: pd.Timestamp,
             runs: pd.DataFrame, flags: pd.DataFrame, t: Thresholds
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Weeks and sessions from `first` on (undated and waiting when `first` is None): a step
    per week, repeated after a gated week; each week's sessions add up to its minutes."""
    breaches = flags.loc[flags["code"].isin(PAIN_RULE_CODES), "week_start"].value_counts()
    runs_per_week = monday(pd.DatetimeIndex(runs["local_date"])).value_counts()
    days = _session_days(t.plan_sessions_per_week)
    weeks: list[dict[str, Any]] = []
    sessions: list[dict[str, Any]] = []
    step, hold = -1, ""
    while True:  # one pass per plan week; past weeks are bounded by today, future ones by steps
        step += 0 if hold else 1
        if step >= len(steps):
            break
        number = len(weeks) + 1
        week_start = pd.NaT if first is None else first + pd.Timedelta(days=7 * len(weeks))
        status = (WAITING if first is None else "done" if week_start + pd.Timedelta(days=6) < now
                  else "in progress" if week_start <= now else "planned")
        volume, terrain = steps[step]
        past = status in ("done", "in progress")
        over = int(breaches.get(week_start, 0)) if past else 0
        logged = int(runs_per_week.get(week_start, 0)) if past else 0
        runs_min = split_week(volume, len(days))
        shapes = [session_shape(run, t) for run in runs_min]
        sessions += [
            {"week": number, "date": week_start + pd.Timedelta(days=day),
             "day": calendar.day_abbr[day], "session": index, "run_min": run,
             "walk_min": walk, "reps": reps, "description": f"{words}, {terrain}"}
            for index, (day, run, (reps, walk, words))
            in enumerate(zip(days, runs_min, shapes, strict=True), 1)]
        previous = weeks[-1]["run_min"] if weeks else math.nan
        weeks.append({
            "week": number, "week_start": week_start, "status": status, "step": step + 1,
            "run_min": volume, "change_pct": round((volume / previous - 1) * 100, 1),
            "phase": "walk-run" if any(walk for _, walk, _ in shapes) else "continuous",
            "terrain": terrain, "runs_logged": logged, "pain_breaches": over,
            "held": bool(hold), "reason": hold})
        hold = (f"{_breaches(over)} in week {number}: hold this step" if over
                else f"no run logged in week {number}: repeat this step"
                if status == "done" and not logged else "")
    return (pd.DataFrame(weeks, columns=list(WEEK_COLUMNS)),
            pd.DataFrame(sessions, columns=list(SESSION_COLUMNS)))
