"""`kneeload parse`: read files, folders and zips and print the activity table (no storing)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from analysis.cli.commands import summary
from analysis.cli.output import progress_bar, records, write_csv, write_json
from analysis.ingest import ReadOptions, activity_table, read_sources
from analysis.ingest.model import left_out


def add_read_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by every command that reads exports."""
    parser.add_argument("--tz", metavar="ZONE", help="your time zone (IANA name, e.g. "
                        "Europe/Berlin) for files that carry neither an offset nor GPS")
    parser.add_argument("--garmin-units", choices=("auto", "metric", "imperial"),
                        default="auto", help="units of a Garmin Connect CSV (default: detect)")
    parser.add_argument("--workers", type=int, default=None,
                        help="parallel reader processes (default: one per core)")


def read_options(args: argparse.Namespace) -> ReadOptions:
    """ReadOptions from the shared command-line options."""
    return ReadOptions(athlete_tz=args.tz, garmin_units=args.garmin_units,
                       workers=args.workers)


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("parse", help=summary("parse"),
                                 description="Read GPX/TCX/FIT files (also .gz), Strava "
                                 "export zips or folders and activity CSVs; print one row "
                                 "per activity. Nothing is stored.")
    parser.add_argument("paths", nargs="+", metavar="PATH")
    parser.add_argument("--format", choices=("csv", "json"), default="csv")
    add_read_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    update, close = progress_bar("reading")
    results = []
    try:
        # The table needs summaries only: workers send no samples back, memory stays flat.
        options = replace(read_options(args), keep_samples=False)
        results.extend(read_sources(args.paths, options, progress=update))
    finally:
        close()
    table = activity_table(results)
    errors = [{"file": r.file, "message": r.error} for r in results if r.error]
    ignored = [{"file": r.file, "message": r.ignored} for r in results if r.ignored]
    if args.format == "json":
        write_json({"activities": records(table), "errors": errors, "ignored": ignored})
        return 0
    write_csv(table)
    partial = [{"file": r.file, "message": note} for r in results for note in r.warnings
                if left_out(note)]
    for item in [*errors, *ignored, *partial]:
        print(f"{item['file']}: {item['message']}", file=sys.stderr)
    if ignored:
        print(f"{len(ignored)} file(s) ignored (not activity files)", file=sys.stderr)
    return 0
