"""`kneeload weekly`, `risk` and `plan`: one stored athlete's weekly load, current knee-risk
flags with their evidence, and the pain-gated return-to-run proposal.

Each takes --athlete and --db like the storage commands, and --today to compute as of
another day (default: today in the athlete's time zone). Thresholds are the athlete's
stored overrides (settings["thresholds"]) on top of the DOMAIN.md defaults.
"""

from __future__ import annotations

import argparse
from dataclasses import fields
from typing import TYPE_CHECKING

import pandas as pd

from analysis.cli.commands import summary
from analysis.cli.output import records, write_csv, write_json
from analysis.cli.store import add_athlete_option, add_db_option, with_view
from analysis.flags import Flag
from analysis.plan import ReturnToRunPlan
from analysis.risk import RecentData, no_flags_words
from analysis.thresholds import DISCLAIMER, EVIDENCE, Thresholds
from analysis.units import Units, format_value, units_for

if TYPE_CHECKING:
    from analysis.athlete import AthleteView

FLAG_FIELDS = [field.name for field in fields(Flag)]


def day_argument(text: str) -> pd.Timestamp:
    """A calendar day given on the command line."""
    try:
        return pd.Timestamp(text).normalize()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD)") from None


def _add_common(parser: argparse.ArgumentParser, formats: tuple[str, ...]) -> None:
    parser.add_argument("--format", choices=formats, default=formats[0])
    parser.add_argument("--today", type=day_argument, metavar="YYYY-MM-DD",
                        help="compute as of this day (default: today in the athlete's zone)")
    add_athlete_option(parser)
    add_db_option(parser)


def register(commands: argparse._SubParsersAction) -> None:
    weekly = commands.add_parser(
        "weekly", help=summary("weekly"),
        description="One row per Monday-start week: running distance, time, runs, longest "
        "run, change vs the previous week (none for the week in progress or after a week "
        "without runs), elevation, descent, cadence, pain, ACWR, monotony and flag codes. "
        "Only runs count (run, trail_run, treadmill_run).")
    _add_common(weekly, ("csv", "json"))
    weekly.set_defaults(handler=run_weekly)

    risk = commands.add_parser(
        "risk", help=summary("risk"),
        description="Flags of the last 7 days, the week in progress and the last complete "
        "week: the rule, the measured value, the threshold and the evidence line with its "
        f"strength tag. {DISCLAIMER}")
    _add_common(risk, ("text", "json"))
    risk.set_defaults(handler=run_risk)

    plan = commands.add_parser(
        "plan", help=summary("plan"),
        description="Week-by-week walk-run sessions on flat ground, at most "
        f"+{Thresholds().plan_increase_pct:g} % running a week by default (a setting; the "
        "sessions add up to each week's minutes), hills last; a session over the "
        "pain rule holds the next step. While the pain rule does not allow a start the weeks "
        "wait, undated, with the earliest start. A proposal, not a prescription. "
        f"{DISCLAIMER}")
    _add_common(plan, ("text", "json"))
    plan.add_argument("--start", type=day_argument, metavar="YYYY-MM-DD",
                      help="Monday the plan starts (default: the next Monday, once the pain "
                      "rule allows); earlier starts read the logged runs and pain of the "
                      "weeks since")
    plan.set_defaults(handler=run_plan)


WEEKLY_DECIMALS = 3  # ratios to 0.001, metres to the millimetre: no 8.6e-28 on screen


def run_weekly(args: argparse.Namespace) -> int:
    def show(view: AthleteView) -> None:
        tables = view.tables
        weeks = tables.weekly
        floats = weeks.select_dtypes("float").columns
        weeks = weeks.assign(**{name: weeks[name].round(WEEKLY_DECIMALS) for name in floats})
        if args.format == "json":
            write_json({"athlete": view.athlete.name, "today": tables.today,
                        "disclaimer": DISCLAIMER,
                        "notes": {key: EVIDENCE[key].tagged for key in ("acwr", "monotony")},
                        "weeks": records(weeks)})
        else:
            write_csv(weeks)

    return with_view(args, show)


def flag_text(flag: Flag, units: Units) -> str:
    """One flag as a short block of text: level, code, day, rule, value, evidence."""
    where = f" · run {flag.activity_id}" if flag.activity_id else ""
    measured = format_value(flag.value, flag.unit, units)
    threshold = format_value(flag.threshold, flag.unit, units)
    return (f"[{flag.level.upper()}] {flag.code} · {flag.date:%Y-%m-%d}{where}\n"
            f"  Rule: {flag.rule}\n"
            f"  Measured: {measured} (threshold {threshold})\n"
            f"  {' '.join(('Evidence', flag.strength)).strip()}: {flag.evidence}")


def window_record(recent: RecentData) -> dict[str, object]:
    """The flag window for JSON: its days, runs and diary days in it, the latest of each,
    and what 'no flags' means there (no all-clear when it holds nothing)."""
    return {"days": recent.days, "runs": recent.runs, "diary_days": recent.diary_days,
            "latest_run": recent.latest_run, "latest_pain_entry": recent.latest_pain,
            "empty": recent.empty, "no_flags": no_flags_words(recent)}


def run_risk(args: argparse.Namespace) -> int:
    def show(view: AthleteView) -> None:
        athlete, tables, flags = view.athlete, view.tables, view.flags
        if args.format == "json":
            write_json({"athlete": athlete.name, "today": tables.today,
                        "disclaimer": DISCLAIMER, "window": window_record(view.recent),
                        "flags": records(pd.DataFrame([f.to_dict() for f in flags],
                                                      columns=FLAG_FIELDS))})
            return
        units = units_for(athlete.units)
        print(f"Knee-risk flags for {athlete.name} on {tables.today:%Y-%m-%d}.\n{DISCLAIMER}\n")
        print("\n\n".join(flag_text(flag, units) for flag in flags)
              or no_flags_words(view.recent))

    return with_view(args, show)


def plan_text(plan: ReturnToRunPlan, name: str) -> str:
    """The proposal as text: state, gate, then week by week with the sessions (dated once the
    pain rule allows the start)."""
    state = plan.state
    worst = state["recent_pain_max"]
    lines = [f"Return-to-run proposal for {name} (today {plan.today:%Y-%m-%d}). A proposal, "
             f"not a prescription. {plan.when}",
             plan.disclaimer, "",
             f"Ready to start: {'yes' if plan.ready else 'not yet'}",
             *(f"  - {note}" for note in plan.notes),
             f"Recent state: {state['recent_run_min_per_week']:.0f} min of running a week over "
             f"the last 4 weeks; worst pain in the last 7 days: "
             f"{'not logged' if worst is None else f'{worst:g}/10'} "
             f"({state['recent_pain_entries']} entries).",
             f"Pain gate: {plan.rule}", plan.progression, f"Evidence: {plan.evidence}", ""]
    for week in plan.weeks.itertuples():
        held = f" — held: {week.reason}" if week.held else ""
        when = "" if pd.isna(week.week_start) else f" from {week.week_start:%Y-%m-%d}"
        lines.append(f"Week {week.week}{when} ({week.status}): {week.run_min:g} min running, "
                     f"{week.phase}, {week.terrain}{held}")
        sessions = plan.sessions[plan.sessions["week"] == week.week]
        lines += [f"  {s.day}{'' if pd.isna(s.date) else f' {s.date:%Y-%m-%d}'}  "
                  f"{s.description}" for s in sessions.itertuples()]
    return "\n".join(lines)


def run_plan(args: argparse.Namespace) -> int:
    def show(view: AthleteView) -> None:
        plan = view.plan(args.start)
        if args.format == "text":
            print(plan_text(plan, view.athlete.name))
            return
        write_json({"athlete": view.athlete.name, "start": plan.start,
                    "earliest_start": plan.earliest_start, "when": plan.when,
                    "today": plan.today, "ready": plan.ready, "notes": plan.notes,
                    "state": plan.state,
                    "rule": plan.rule, "progression": plan.progression,
                    "evidence": plan.evidence, "disclaimer": plan.disclaimer,
                    "weeks": records(plan.weeks), "sessions": records(plan.sessions)})

    return with_view(args, show)
