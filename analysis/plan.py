"""A pain-gated return-to-run proposal (DOMAIN.md §4): a proposal, never a prescription.

From the recent state (pain of the last 7 days, running minutes of the last 4 weeks) it lays
out week by week: walk–run sessions on flat ground with rest days between, running minutes
growing `plan_increase_pct` (10 %) a week up to a target, then uphill, then downhill last.
The gate: a week with a session over the pain rule, or a finished week without a logged run,
holds the next week at the same step. Past plan weeks are read from the logged runs and pain.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from analysis.flags import PAIN_RULE_CODES
from analysis.load import load_tables, monday, resolve_today
from analysis.thresholds import DISCLAIMER, EVIDENCE, Thresholds

BLOCK_MIN = 5.0  # walk–run sessions are blocks of this many minutes (run + walk)
TERRAINS = ("flat", "flat + gentle uphill", "hills incl. downhill")
WEEK_COLUMNS = ("week", "week_start", "status", "step", "run_min", "change_pct", "phase",
                "terrain", "runs_logged", "pain_breaches", "held", "reason")
SESSION_COLUMNS = ("week", "date", "session", "reps", "run_min", "walk_min", "description")


@dataclass(frozen=True)
class ReturnToRunPlan:
    """The proposal: where it starts from, the gate, and the weeks and sessions it lays out."""

    start: pd.Timestamp  # Monday of week 1
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


def session_shape(run_min: float, t: Thresholds = Thresholds()) -> tuple[int, float, float, str]:
    """One session with `run_min` minutes of running: (reps, run min per rep, walk min per rep,
    words). Below `plan_session_min` it is walk–run in BLOCK_MIN-minute blocks, running rounded
    to half minutes; from there on one continuous easy run."""
    reps = max(1, round(t.plan_session_min / BLOCK_MIN))
    run = max(0.5, round(run_min / reps * 2) / 2)
    if run_min >= t.plan_session_min or run >= BLOCK_MIN:
        minutes = round(run_min)
        return 1, float(minutes), 0.0, f"{minutes} min easy continuous run"
    walk = BLOCK_MIN - run
    return reps, run, walk, f"{reps} × ({run:g} min run + {walk:g} min walk)"


def _steps(start_min: float, target_min: float, t: Thresholds) -> list[tuple[float, str]]:
    """The plan's steps: (weekly running minutes, terrain), one step per week without a hold."""
    rate = 1 + t.plan_increase_pct / 100
    count = math.ceil(math.log(target_min / start_min) / math.log(rate) - 1e-9) + 1
    volumes = np.minimum(start_min * rate ** np.arange(count), target_min)
    return ([(float(v), TERRAINS[0]) for v in volumes]
            + [(target_min, TERRAINS[1])] * t.plan_terrain_weeks
            + [(target_min, TERRAINS[2])] * t.plan_terrain_weeks)


def _session_days(count: int) -> list[int]:
    """Days after Monday for `count` sessions: every other day while that fits in a week."""
    return list(range(0, 2 * count, 2)) if count <= 4 else list(range(count))


def return_to_run_plan(activities: pd.DataFrame, pain: pd.DataFrame,
                       thresholds: Thresholds = Thresholds(),
                       today: date | str | pd.Timestamp | None = None,
                       start: date | str | pd.Timestamp | None = None, *,
                       tz: str | None = None) -> ReturnToRunPlan:
    """Propose a return to running that starts on the Monday of `start` (default: the next
    Monday, today if it is one) and reads how past plan weeks went from the logged data."""
    t = thresholds
    tables = load_tables(activities, pain, t, today, tz=tz)
    now = tables.today
    first = monday(resolve_today(start) if start is not None
                   else now + pd.Timedelta(days=(7 - now.day_of_week) % 7))
    # The state is read up to the day before the start (or today, if that comes first).
    until = min(first - pd.Timedelta(days=1), now)
    daily, flags = tables.daily, tables.flags
    last4 = daily.loc[until - pd.Timedelta(days=27):until]
    last7 = daily.loc[until - pd.Timedelta(days=6):until]
    in_last7 = (flags["date"] > until - pd.Timedelta(days=7)) & (flags["date"] <= until)
    breaches = int((in_last7 & flags["code"].isin(PAIN_RULE_CODES)).sum())
    persistent = bool((in_last7 & flags["code"].isin(("persistent_pain",
                                                      "persistent_low_pain"))).any())
    recent_min = float(last4["time_s"].sum()) / 60 / 4
    worst = float(last7["pain_max"].max()) if last7["pain_entries"].sum() else None
    state = {"recent_run_min_per_week": recent_min, "recent_pain_max": worst,
             "recent_pain_entries": int(last7["pain_entries"].sum()),
             "recent_pain_rule_breaches": breaches}

    notes = []
    if worst is None:
        notes.append("No pain logged in the 7 days before the start: log it daily first (a day "
                     "without an entry is missing, not pain-free).")
    elif worst > t.pain_rule_max or breaches:
        notes.append(f"Pain is not settled yet (worst {worst:g}/10 in the last 7 days, "
                     f"{breaches} pain-rule breaches): settle it first — run less and slower, "
                     "or cross-train and strengthen hips and quadriceps.")
    if persistent:
        notes.append("Pain has lasted more than 4 weeks: see a physiotherapist or sports "
                     "physician before starting.")

    start_min = max(t.plan_start_run_min, t.plan_start_fraction * recent_min)
    target_min = max(t.plan_target_run_min, recent_min)
    steps = _steps(start_min, target_min, t)
    weeks, sessions = _lay_out(steps, first, now, tables.runs, flags, t)
    return ReturnToRunPlan(
        start=first, today=now, ready=not notes, state=state, notes=notes,
        rule=(f"Pain gate: a session breaks the pain rule when pain during it is above "
              f"{t.pain_rule_max:g}/10 or the next morning is worse than the day before; a "
              "week with such a session, or a finished week without a logged run, holds the "
              "next week at the same step."),
        progression=(f"Running minutes per week grow {t.plan_increase_pct:g} % a week from "
                     f"{start_min:.0f} to {target_min:.0f} min on flat ground, "
                     f"{t.plan_sessions_per_week} sessions a week with rest days between; then "
                     f"{t.plan_terrain_weeks} weeks adding gentle uphill, then "
                     f"{t.plan_terrain_weeks} weeks adding downhill (hills last)."),
        evidence=EVIDENCE["return_to_run"].tagged, disclaimer=DISCLAIMER,
        weeks=weeks, sessions=sessions)


def _lay_out(steps: list[tuple[float, str]], first: pd.Timestamp, now: pd.Timestamp,
             runs: pd.DataFrame, flags: pd.DataFrame, t: Thresholds
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Weeks and sessions from `first` on: a step per week, repeated after a gated week."""
    breaches = flags.loc[flags["code"].isin(PAIN_RULE_CODES), "week_start"].value_counts()
    runs_per_week = monday(pd.DatetimeIndex(runs["local_date"])).value_counts()
    weeks: list[dict[str, Any]] = []
    step, hold = -1, ""
    while True:  # one pass per plan week; past weeks are bounded by today, future ones by steps
        step += 0 if hold else 1
        if step >= len(steps):
            break
        week_start = first + pd.Timedelta(days=7 * len(weeks))
        status = ("done" if week_start + pd.Timedelta(days=6) < now
                  else "in progress" if week_start <= now else "planned")
        volume, terrain = steps[step]
        over = int(breaches.get(week_start, 0)) if status != "planned" else 0
        logged = int(runs_per_week.get(week_start, 0)) if status != "planned" else 0
        previous = weeks[-1]["run_min"] if weeks else math.nan
        weeks.append({
            "week": len(weeks) + 1, "week_start": week_start, "status": status, "step": step + 1,
            "run_min": volume, "change_pct": (volume / previous - 1) * 100,
            "phase": ("continuous" if session_shape(volume / t.plan_sessions_per_week, t)[0] == 1
                      else "walk-run"),
            "terrain": terrain, "runs_logged": logged, "pain_breaches": over,
            "held": bool(hold), "reason": hold})
        number = len(weeks)
        hold = (f"{over} pain-rule breach(es) in week {number}: hold this step" if over
                else f"no run logged in week {number}: repeat this step"
                if status == "done" and not logged else "")
    table = pd.DataFrame(weeks, columns=list(WEEK_COLUMNS))
    days = _session_days(t.plan_sessions_per_week)
    sessions = [
        {"week": week["week"], "date": week["week_start"] + pd.Timedelta(days=day),
         "session": number, "reps": reps, "run_min": run, "walk_min": walk,
         "description": f"{words}, {week['terrain']}"}
        for week in weeks
        for number, day in enumerate(days, start=1)
        for reps, run, walk, words in [session_shape(week["run_min"] / len(days), t)]]
    return table, pd.DataFrame(sessions, columns=list(SESSION_COLUMNS))
