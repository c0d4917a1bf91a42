"""`kneeload pain add|import|export`: the knee-pain diary from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.cli.commands import summary
from analysis.cli.output import write_table
from analysis.cli.store import (
    add_athlete_option,
    add_db_option,
    find_athlete,
    open_store,
    usage_error,
)
from analysis.pain import PainError, parse_entry, parse_pain_csv
from analysis.schema import PAIN_PROVOKERS, PAIN_SIDES, PAIN_TIMINGS


def register(commands: argparse._SubParsersAction) -> None:
    pain = commands.add_parser("pain", help=summary("pain"))
    actions = pain.add_subparsers(dest="action", required=True, metavar="ACTION")

    add = actions.add_parser(
        "add", help="add one pain entry",
        description="Add one entry: pain on the 0-10 scale (whole points) for a day. "
        "Several entries per day are fine; a day without an entry is missing, not zero.")
    add.add_argument("--date", default="today", help="YYYY-MM-DD, DD.MM.YYYY, 'today' "
                     "(default) or 'yesterday'")
    add.add_argument("--score", required=True, help="pain, 0 (none) to 10 (worst imaginable)")
    add.add_argument("--side", help=f"{', '.join(PAIN_SIDES)} (or L, R)")
    add.add_argument("--timing", help=", ".join(PAIN_TIMINGS))
    add.add_argument("--provokers", metavar="LIST",
                     help=f"comma-separated: {', '.join(PAIN_PROVOKERS)}")
    add.add_argument("--note", help="free text")
    add.add_argument("--run", metavar="ACTIVITY_ID",
                     help="the stored run this entry is about (see `kneeload activities`)")
    add_athlete_option(add)
    add_db_option(add)
    add.set_defaults(handler=run_add)

    load = actions.add_parser(
        "import", help="import a diary kept as CSV",
        description="Columns date and pain at least (aliases: score, nrs, knee_pain, …); "
        "optional side, timing, provokers, note, activity_id. The whole file is checked "
        "first: if any row is invalid nothing is stored and every bad row is listed. "
        "Entries already stored are not added again.")
    load.add_argument("file", metavar="FILE", type=Path)
    add_athlete_option(load)
    add_db_option(load)
    load.set_defaults(handler=run_import)

    export = actions.add_parser("export", help="print the pain entries")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    add_athlete_option(export)
    add_db_option(export)
    export.set_defaults(handler=run_export)


def run_add(args: argparse.Namespace) -> int:
    try:
        entry = parse_entry(args.date, args.score, args.side, args.timing, args.provokers,
                            args.run, args.note)
    except PainError as exc:
        return usage_error("; ".join(exc.problems))
    with open_store(args) as store:
        athlete = find_athlete(store, args.athlete, create=True)
        if athlete is None:
            return 2
        try:
            [entry_id] = store.add_pain(athlete.id, [entry])
        except ValueError as exc:
            return usage_error(exc)
    print(f"added pain entry {entry_id} for {athlete.name}: {entry.date.isoformat()}, "
          f"{entry.score}/10")
    return 0


def run_import(args: argparse.Namespace) -> int:
    try:
        diary = parse_pain_csv(args.file.read_bytes())
    except OSError as exc:
        return usage_error(f"{args.file}: {exc.strerror}")
    except PainError as exc:
        for problem in exc.problems:
            print(f"{args.file}: {problem}", file=sys.stderr)
        print(f"{args.file}: nothing was stored", file=sys.stderr)
        return 1
    with open_store(args) as store:
        athlete = find_athlete(store, args.athlete, create=True)
        if athlete is None:
            return 2
        try:
            added = store.add_pain(athlete.id, diary.entries, skip_duplicates=True)
        except ValueError as exc:
            print(f"{args.file}: {exc}; nothing was stored", file=sys.stderr)
            return 1
    notes = [f"{len(added)} entries imported for {athlete.name}",
             f"{len(diary.entries) - len(added)} already stored"]
    if diary.lines_without_score:
        notes.append(f"{len(diary.lines_without_score)} rows without a score left out "
                     "(days without an entry stay missing)")
    if diary.ignored_columns:
        notes.append(f"ignored columns: {', '.join(diary.ignored_columns)}")
    print("; ".join(notes))
    return 0


def run_export(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        athlete = find_athlete(store, args.athlete, create=False)
        if athlete is None:
            return 2
        table = store.pain(athlete.id)
    write_table(table, args.format, "pain")
    return 0
