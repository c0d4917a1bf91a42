"""`kneeload analyze`, `cohort` and `export-research`: the statistics relating load to knee
pain (analysis.stats) for one runner, for many, and as a de-identified research export.

Every result is exploratory; the messages say what was computed, how, and what was not.
"""

from __future__ import annotations

import argparse
import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from analysis.cli.cohort import add_build_command
from analysis.cli.commands import summary
from analysis.cli.load import day_argument
from analysis.cli.output import progress_bar, records, write_json
from analysis.cli.store import (
    add_athlete_option,
    add_db_option,
    open_store,
    usage_error,
    with_view,
)
from analysis.cohort.panel import cohort_input
from analysis.stats.cohort import CohortCSVError, CohortReport, analyze_cohort, cohort_panel
from analysis.stats.export import research_tables, write_research_export
from analysis.stats.report import AthleteReport
from analysis.thresholds import DISCLAIMER, Thresholds

if TYPE_CHECKING:
    from analysis.athlete import AthleteView

_DAY_COLUMNS = ("onset", "last_painful_day", "recovered")


def register(commands: argparse._SubParsersAction) -> None:
    analyze = commands.add_parser(
        "analyze", help=summary("analyze"),
        description="Lagged associations of weekly change, spike ratio, descent, cadence "
        "deviation, ACWR, long-run share, running minutes, TRIMP, new shoes and the spike, "
        "descent-spike and weekly-jump flags with daily pain (1-3 days later) and weekly pain "
        "(1-4 weeks later), each adjusted for the pain before the exposure: exposures "
        "prewhitened, autocorrelation-robust errors giving both interval and p-value, "
        "weighted Benjamini-Hochberg q-values (the flags get 80 %); flares and a "
        "case-crossover flare event study with a permutation test. Computed up to --today "
        "(default: today in the athlete's zone). Needs 8 weeks with at least 4 diary "
        "entries. Exploratory. "
        + DISCLAIMER)
    analyze.add_argument("--format", choices=("text", "json"), default="text")
    analyze.add_argument("--seed", type=int, default=0,
                         help="seed of the random onsets (default 0)")
    analyze.add_argument("--today", type=day_argument, metavar="YYYY-MM-DD",
                         help="compute as of this day (default: today in the athlete's zone)")
    add_athlete_option(analyze)
    add_db_option(analyze)
    analyze.set_defaults(handler=run_analyze)

    cohort = commands.add_parser(
        "cohort", help=summary("cohort"),
        description="Within/between split of every exposure, mixed model with a random "
        "intercept and slope per runner and cluster-robust errors, Cox model for time to "
        "flare, odds ratios and risk differences, per-runner estimates for a forest plot, "
        "the runners left out and why. Reads the stored athletes one at a time (on a squad "
        "deployment those who consent; the others are listed as left out), a dataset built by "
        "`kneeload cohort build`, the daily.csv of `export-research`, or a tidy CSV with "
        "columns athlete_id,date,distance_m,pain (optional: elevation_loss_m, "
        "avg_cadence_spm, moving_time_s, avg_heart_rate_bpm, max_heart_rate_bpm, gear): a "
        "row with a distance is a "
        "run, a row with a pain score a diary entry. Flares use the default threshold for "
        "everyone. Exploratory.")
    cohort.add_argument("--input", metavar="CSV|OUTDIR", type=Path,
                        help="a cohort dataset folder, a research daily.csv or a tidy long "
                        "CSV instead of the database")
    cohort.add_argument("--format", choices=("text", "json"), default="text")
    cohort.add_argument("--workers", type=int, default=None,
                        help="parallel processes (default: one per core)")
    add_db_option(cohort)
    cohort.set_defaults(handler=run_cohort)
    add_build_command(cohort)

    export = commands.add_parser(
        "export-research", help=summary("export-research"),
        description="Daily and weekly exposures and pain, pain episodes in the layout of "
        "the R package injurytools (prepare_inj/prepare_exp), a daily load table in the "
        "layout of the R package ACWR, and a data dictionary, as CSV and Parquet. Athletes "
        "become HMAC-SHA256 pseudonyms under a salt that is never written; no GPS, names, "
        "file names or notes are exported. Flares use the default threshold for everyone.")
    export.add_argument("outdir", metavar="OUTDIR", type=Path)
    export.add_argument("--shift-dates", action=argparse.BooleanOptionalAction, default=True,
                        help="move each athlete's dates back by a random whole number of "
                        "weeks, weekdays and intervals kept (default; --no-shift-dates "
                        "keeps real dates and warns)")
    export.add_argument("--salt", help="salt for the pseudonyms and date shifts (default: "
                        "random, so exports cannot be linked; give one to reproduce them)")
    add_db_option(export)
    export.set_defaults(handler=run_export_research)


def _days_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Flare day columns as YYYY-MM-DD (empty stays empty)."""
    return frame.assign(**{c: frame[c].dt.strftime("%Y-%m-%d") for c in _DAY_COLUMNS
                           if c in frame})


def report_json(view: AthleteView, report: AthleteReport) -> dict[str, Any]:
    """The `kneeload analyze --format json` payload: the athlete, the day it was computed
    for, the not-medical-advice line, then the results."""
    associations = []
    for row in records(report.associations.drop(columns=["ar_order"], errors="ignore")):
        if row.get("lag_weeks") is None:
            row.pop("lag_weeks", None)
        associations.append(row)
    events = records(report.event_study)
    if not report.event_profile.empty:
        profiles = {name: records(part[["day", "difference"]])
                    for name, part in report.event_profile.groupby("exposure", sort=False)}
        for row in events:
            row["profile"] = profiles.get(row["exposure"], [])
    return {"athlete": view.athlete.name, "today": view.today.strftime("%Y-%m-%d"),
            "disclaimer": view.disclaimer, "enough_data": report.enough_data,
            "message": report.message, "associations": associations,
            "shared_signals": [list(group) for group in report.shared],
            "flares": records(_days_as_text(report.flares)), "event_study": events}


def report_text(view: AthleteView, report: AthleteReport) -> str:
    """The n-of-1 report for people."""
    lines = [f"Load and knee pain for {view.athlete.name}, up to {view.today:%Y-%m-%d}. "
             f"{DISCLAIMER}", "", report.message]
    if not report.associations.empty:
        shown = report.associations.assign(
            lag=[f"{w} wk" if pd.notna(w) else f"{d} d" for d, w in
                 zip(report.associations["lag_days"], report.associations["lag_weeks"],
                     strict=True)])
        lines += ["", "Associations (pain points per 1 SD of the exposure, or per raised "
                  "flag; 95 % CI; per_sd = the SD in the exposure's units; signal = "
                  "exposures that move together):",
                  shown[["exposure", "kind", "lag", "estimate", "ci_low", "ci_high",
                         "p_value", "q_value", "per_sd", "n", "signal"]].to_string(
                      index=False, float_format="{:.3f}".format)]
    if not report.flares.empty:
        lines += ["", "Flares:", _days_as_text(report.flares).to_string(index=False)]
    if not report.event_study.empty:
        lines += ["", "Event study (28 days before onset vs before eligible quiet days):",
                  report.event_study.drop(columns=["label"]).to_string(
                      index=False, float_format="{:.3f}".format)]
    return "\n".join(lines)


def run_analyze(args: argparse.Namespace) -> int:
    def show(view: AthleteView) -> None:
        report = view.statistics(args.seed)
        if args.format == "json":
            write_json(report_json(view, report))
        else:
            print(report_text(view, report))

    return with_view(args, show)


def cohort_json(report: CohortReport) -> dict[str, Any]:
    """The `kneeload cohort --format json` payload: the not-medical-advice line, then the
    results."""
    return {"disclaimer": DISCLAIMER, "enough_data": report.enough_data,
            "message": report.message, "n_athletes": report.n_athletes,
            "n_weeks": report.n_weeks, "n_flares": report.n_flares,
            "n_flares_at_risk": report.n_flares_at_risk, "mixed": records(report.mixed),
            "time_to_flare": records(report.time_to_flare), "risk": records(report.risk),
            "forest": records(report.forest), "not_in_forest": records(report.not_in_forest),
            "left_out": records(report.left_out), "left_out_of": records(report.left_out_of)}


def cohort_text(report: CohortReport) -> str:
    """The cohort report for people (the forest-plot rows are in the JSON only; who is
    not in them, and why, is here)."""
    lines = [report.message]
    for title, table in (("Mixed model: weekly pain points per 1 SD", report.mixed),
                         ("Time to flare: hazard ratio per 1 SD", report.time_to_flare),
                         ("Flare within the week: odds ratio and risk difference per 1 SD",
                          report.risk)):
        if not table.empty:
            lines += ["", title, table.drop(columns=["label"]).to_string(
                index=False, float_format="{:.3f}".format)]
    if not report.left_out.empty:
        lines += ["", "Left out of the models:", report.left_out.to_string(index=False)]
    if not report.left_out_of.empty:
        lines += ["", "Left out of one exposure's models:",
                  report.left_out_of.to_string(index=False)]
    if not report.not_in_forest.empty:
        lines += ["", "Not in the per-runner estimates (forest plot) of an exposure:",
                  report.not_in_forest.to_string(index=False)]
    return "\n".join(lines)


def run_cohort(args: argparse.Namespace) -> int:
    excluded: tuple[tuple[str, str], ...] = ()
    if args.input is not None:
        try:
            panel, n_athletes, names = cohort_input(args.input, args.workers)
        except CohortCSVError as exc:
            for problem in exc.shown():
                print(f"{args.input}: {problem}", file=sys.stderr)
            return usage_error(f"{args.input}: {len(exc.problems)} "
                               f"problem{'s' if len(exc.problems) != 1 else ''}, nothing "
                               "was analysed")
        except (OSError, ValueError) as exc:
            return usage_error(exc)
    else:
        with open_store(args) as store:
            cohort = store.research_cohort("models")
            n_athletes, names, excluded = len(cohort.names), list(cohort.names), cohort.left_out
            update, close = progress_bar("athletes")
            try:  # athlete by athlete: memory stays at a few athletes' tables
                panel = cohort_panel(cohort.athletes(), Thresholds(), workers=args.workers,
                                     progress=update, total=n_athletes)
            finally:
                close()
    report = analyze_cohort(panel, n_athletes=n_athletes, workers=args.workers, names=names,
                            excluded=excluded)
    if args.format == "json":
        write_json(cohort_json(report))
    else:
        print(cohort_text(report))
    return 0


def run_export_research(args: argparse.Namespace) -> int:
    salt = args.salt.encode() if args.salt else secrets.token_bytes(32)
    if not args.shift_dates:
        print("kneeload: warning: dates are not shifted: real calendar dates make "
              "re-identification easier; do not share this export", file=sys.stderr)
    with open_store(args) as store:
        cohort = store.research_cohort("export")
        tables = research_tables(cohort.athletes(), salt=salt, shift_dates=args.shift_dates)
    for name, reason in cohort.left_out:
        print(f"{name}: {reason} — left out", file=sys.stderr)
    written = write_research_export(tables, args.outdir, shifted=args.shift_dates)
    n_athletes, n_episodes = len(cohort.names), len(tables["episodes_injurytools"])
    print(f"Wrote {len(written)} files to {args.outdir}: {n_athletes} "
          f"athlete{'s' if n_athletes != 1 else ''}, {len(tables['daily'])} person-days, "
          f"{n_episodes} pain episode{'s' if n_episodes != 1 else ''}. Pseudonyms and date "
          f"shifts come from a salt that is not stored"
          f"{'' if args.salt else ' (random: this export cannot be linked to another)'}.")
    return 0
