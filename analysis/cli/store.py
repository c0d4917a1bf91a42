"""`kneeload ingest`, `athletes`, `activities` and `athlete export|delete|set`: the database.

Every command takes --db (a SQLAlchemy URL or a SQLite file; default $KNEELOAD_DB, else
data/kneeload.db), --as EMAIL (act as that account) and, where it concerns one athlete,
--athlete (default: the single default athlete, or the account's own).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.cli.commands import summary
from analysis.cli.output import progress_bar, write_json, write_table
from analysis.cli.parse import add_read_options, read_options
from analysis.ingest import read_sources
from analysis.schema import SPORTS
from analysis.store import Athlete, Store, UnknownAthlete

if TYPE_CHECKING:
    from analysis.athlete import AthleteView


def add_db_option(parser: argparse.ArgumentParser) -> None:
    """--db and --as, shared by every command that opens the database."""
    parser.add_argument("--db", metavar="URL", help="database: a SQLAlchemy URL or a SQLite "
                        "file (default: $KNEELOAD_DB, else data/kneeload.db)")
    parser.add_argument("--as", dest="as_user", metavar="EMAIL",
                        help="act as this account, with exactly its rights in the dashboard "
                        "(a refusal exits 3 and changes nothing)")


def open_store(args: argparse.Namespace) -> Store:
    """The store named by --db, acting as --as (default: the local owner)."""
    store = Store(args.db)
    return store.acting_as(args.as_user) if args.as_user else store


def add_athlete_option(parser: argparse.ArgumentParser) -> None:
    """--athlete, shared by every command about one athlete."""
    parser.add_argument("--athlete", metavar="NAME",
                        help="whose data (default: the single default athlete)")


def usage_error(message: object) -> int:
    """Say what was wrong with the command and return exit code 2."""
    print(f"kneeload: error: {message}", file=sys.stderr)
    return 2


def find_athlete(store: Store, name: str | None, create: bool) -> Athlete | None:
    """The athlete named on the command line (the default one without a name), or None
    after saying why not. Without a name the default athlete is created on first use."""
    try:
        return store.athlete(name, create=create or name is None)
    except (UnknownAthlete, ValueError) as exc:
        usage_error(exc)
        return None


def with_view(args: argparse.Namespace, show: Callable[[AthleteView], None]) -> int:
    """Build --athlete's AthleteView as of --today (default: today in their zone; the one
    entry point the dashboard uses too), then `show` it; the exit code."""
    from analysis.athlete import AthleteView  # here: the load metrics need SciPy

    with open_store(args) as store:
        athlete = find_athlete(store, args.athlete, create=False)
        if athlete is None:
            return 2
        try:
            view = AthleteView(store, athlete, getattr(args, "today", None))
        except ValueError as exc:
            return usage_error(exc)
    show(view)
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    ingest = commands.add_parser(
        "ingest", help=summary("ingest"),
        description="Read GPX/TCX/FIT files (also .gz), Strava export zips or folders and "
        "activity CSVs and store them. Importing the same data again adds nothing; the "
        "same outing from several files is stored once, as its richest record.")
    ingest.add_argument("paths", nargs="+", metavar="PATH")
    add_athlete_option(ingest)
    add_db_option(ingest)
    ingest.add_argument("--json", action="store_true",
                        help="print counts and per-file messages as JSON")
    add_read_options(ingest)
    ingest.set_defaults(handler=run_ingest)

    listing = commands.add_parser("athletes", help=summary("athletes"))
    listing.add_argument("--format", choices=("csv", "json"), default="csv")
    add_db_option(listing)
    listing.set_defaults(handler=run_athletes)

    stored = commands.add_parser("activities", help=summary("activities"),
                                 description="The stored activity table, with the same "
                                 "columns as `kneeload parse`.")
    stored.add_argument("--format", choices=("csv", "json"), default="csv")
    add_athlete_option(stored)
    add_db_option(stored)
    stored.set_defaults(handler=run_activities)
    changes = stored.add_subparsers(dest="action", metavar="ACTION")
    set_sport = changes.add_parser(
        "set-sport", help="set or confirm an activity's sport",
        description="Set the sport of a stored activity, or confirm a guessed one (the "
        "activities with sport_source 'guessed'; sport_reason says why). Your choice is "
        "kept when the same outing is imported again.")
    set_sport.add_argument("activity_id", metavar="ID")
    set_sport.add_argument("sport", choices=SPORTS)
    add_athlete_option(set_sport)
    add_db_option(set_sport)
    for option in set_sport._actions:  # given before `set-sport`, they must stay set
        if option.dest in ("athlete", "db", "as_user"):
            option.default = argparse.SUPPRESS
    set_sport.set_defaults(handler=run_set_sport)

    athlete = commands.add_parser("athlete", help=summary("athlete"))
    actions = athlete.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = actions.add_parser("export", help="write the athlete's whole record as one zip",
                                description="Activities, samples, pain entries and the "
                                "import log as CSV and Parquet files in one zip.")
    export.add_argument("name", metavar="NAME")
    export.add_argument("out", metavar="OUT.zip", type=Path)
    add_db_option(export)
    export.set_defaults(handler=run_export)
    remove = actions.add_parser("delete", help="delete the athlete and all their data")
    remove.add_argument("name", metavar="NAME")
    remove.add_argument("--yes", action="store_true", help="really delete (required)")
    add_db_option(remove)
    remove.set_defaults(handler=run_delete)
    change = actions.add_parser("set", help="change name, time zone or units")
    change.add_argument("name", metavar="NAME")
    change.add_argument("--rename", metavar="NEW")
    change.add_argument("--tz", metavar="ZONE", help="IANA time zone used when a file has "
                        "neither an offset nor GPS ('' clears it)")
    change.add_argument("--units", choices=("km", "mi"))
    add_db_option(change)
    change.set_defaults(handler=run_set)


def run_ingest(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        athlete = find_athlete(store, args.athlete, create=True)
        if athlete is None:
            return 2
        args.tz = args.tz or athlete.tz
        options = replace(read_options(args), known_sha256=store.imported_hashes(athlete.id))
        update, close = progress_bar("importing")
        try:
            report = store.import_results(
                athlete.id, read_sources(args.paths, options, progress=update))
        finally:
            close()
    if args.json:
        write_json(report.as_dict())
        return 0
    print(f"{athlete.name}: {report.summary()}")
    for outcome in report.to_mention():
        print(f"{outcome.file}: {outcome.message}", file=sys.stderr)
    return 0


def run_athletes(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        table = store.athletes()
    days = ("first_date", "last_date")
    table = table.assign(**{day: table[day].dt.strftime("%Y-%m-%d") for day in days})
    write_table(table, args.format, "athletes")
    return 0


def run_activities(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        athlete = find_athlete(store, args.athlete, create=False)
        if athlete is None:
            return 2
        table = store.activities(athlete.id)
    write_table(table, args.format, "activities")
    return 0


def run_set_sport(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        athlete = find_athlete(store, args.athlete, create=False)
        if athlete is None:
            return 2
        try:
            store.set_sport(athlete.id, args.activity_id, args.sport)
        except LookupError as exc:
            return usage_error(exc)
    print(f"{args.activity_id}: sport set to {args.sport}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        athlete = find_athlete(store, args.name, create=False)
        if athlete is None:
            return 2
        partial = args.out.with_name(args.out.name + ".part")
        with partial.open("wb") as stream:
            store.write_export(athlete.id, stream)
        partial.replace(args.out)
    print(f"exported {athlete.name!r} to {args.out}")
    return 0


def run_delete(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        athlete = find_athlete(store, args.name, create=False)
        if athlete is None:
            return 2
        if not args.yes:
            counts = store.athletes().set_index("id").loc[athlete.id]
            return usage_error(
                f"this deletes {athlete.name!r} with {counts['activities']} activities and "
                f"{counts['pain_entries']} pain entries for good; repeat with --yes")
        store.delete_athlete(athlete.id)
    print(f"deleted {athlete.name!r} and all their data")
    return 0


def run_set(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        athlete = find_athlete(store, args.name, create=False)
        if athlete is None:
            return 2
        try:
            athlete = store.update_athlete(athlete.id, name=args.rename, tz=args.tz,
                                           units=args.units)
        except ValueError as exc:
            return usage_error(exc)
    print(f"{athlete.name}: time zone {athlete.tz or 'not set'}, units {athlete.units}")
    return 0
