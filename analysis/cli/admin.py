"""`kneeload user`, `squad` and `audit`: administering a squad deployment from the command
line — accounts and roles, squads with their coaches and athletes, invitation links, and
the audit log. Run by the server's operator (the local owner) or --as an admin account.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import pandas as pd

from analysis.cli.commands import summary
from analysis.cli.output import write_table
from analysis.cli.store import add_db_option, open_store, usage_error
from analysis.store import Store
from analysis.store.models import ROLES


def register(commands: argparse._SubParsersAction) -> None:
    user = commands.add_parser("user", help=summary("user"))
    actions = user.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add", help="create or change an account",
        description="An account signs in through the identity provider with this email; "
        "kneeload stores no password. An athlete account is linked to an athlete (created "
        "when missing; default: named after the email). Adding an existing email changes "
        "its role and re-enables it.")
    add.add_argument("email", metavar="EMAIL")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--athlete", metavar="NAME", help="the athlete whose data are theirs")
    add_db_option(add)
    add.set_defaults(handler=run_user_add)
    remove = actions.add_parser("remove", help="disable an account at once (data stay)")
    remove.add_argument("email", metavar="EMAIL")
    add_db_option(remove)
    remove.set_defaults(handler=run_user_remove)
    listing = actions.add_parser("list", help="every account with role and athlete")
    listing.add_argument("--format", choices=("csv", "json"), default="csv")
    add_db_option(listing)
    listing.set_defaults(handler=run_user_list)

    squad = commands.add_parser("squad", help=summary("squad"))
    actions = squad.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a squad")
    create.add_argument("name", metavar="NAME")
    add_db_option(create)
    create.set_defaults(handler=run_squad_create)
    coach = actions.add_parser("add-coach", help="let a coach account see the squad")
    coach.add_argument("name", metavar="NAME")
    coach.add_argument("email", metavar="EMAIL")
    add_db_option(coach)
    coach.set_defaults(handler=run_squad_add_coach)
    member = actions.add_parser("add-athlete", help="put a stored athlete in the squad")
    member.add_argument("name", metavar="NAME")
    member.add_argument("athlete", metavar="ATHLETE")
    add_db_option(member)
    member.set_defaults(handler=run_squad_add_athlete)
    invite = actions.add_parser("invite", help="print a single-use invitation link",
                                description="Whoever opens the link and signs in joins the "
                                "squad as an athlete. It works once and expires.")
    invite.add_argument("name", metavar="NAME")
    invite.add_argument("--url", default="http://localhost:8501",
                        help="the dashboard's address (default: %(default)s)")
    invite.add_argument("--days", type=int, default=7, help="valid for (default 7)")
    add_db_option(invite)
    invite.set_defaults(handler=run_squad_invite)
    listing = actions.add_parser("list", help="squads with their coaches and athletes")
    listing.add_argument("--format", choices=("csv", "json"), default="csv")
    add_db_option(listing)
    listing.set_defaults(handler=run_squad_list)

    audit = commands.add_parser("audit", help=summary("audit"),
                                description="Every view of another person's data, every "
                                "export, and every change to accounts, squads and consent.")
    audit.add_argument("--format", choices=("csv", "json"), default="csv")
    add_db_option(audit)
    audit.set_defaults(handler=run_audit)


def _apply(args: argparse.Namespace, change: Callable[[Store], Any], done: str) -> int:
    """Make one change as the acting account; say what was done, or why not (exit 2)."""
    with open_store(args) as store:
        try:
            change(store)
        except (LookupError, ValueError) as exc:
            return usage_error(exc)
    print(done)
    return 0


def _list(args: argparse.Namespace, table: Callable[[Store], pd.DataFrame], key: str) -> int:
    with open_store(args) as store:
        write_table(table(store), args.format, key)
    return 0


def run_user_add(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        try:
            user = store.add_user(args.email, args.role, athlete=args.athlete)
        except ValueError as exc:
            return usage_error(exc)
        names = store.athletes().set_index("id")["name"]
    athlete = "" if user.athlete_id is None else f", athlete {names[user.athlete_id]!r}"
    print(f"{user.email}: {user.role}{athlete}")
    return 0


def run_user_remove(args: argparse.Namespace) -> int:
    return _apply(args, lambda store: store.remove_user(args.email),
                  f"{args.email}: disabled; signing in no longer gives access")


def run_user_list(args: argparse.Namespace) -> int:
    return _list(args, Store.users, "users")


def run_squad_create(args: argparse.Namespace) -> int:
    return _apply(args, lambda store: store.create_squad(args.name),
                  f"created squad {args.name!r}")


def run_squad_add_coach(args: argparse.Namespace) -> int:
    return _apply(args, lambda store: store.add_coach(args.name, args.email),
                  f"{args.email} coaches {args.name!r}")


def run_squad_add_athlete(args: argparse.Namespace) -> int:
    return _apply(args, lambda store: store.add_to_squad(args.name, args.athlete),
                  f"{args.athlete} is in {args.name!r}")


def run_squad_invite(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        try:
            token = store.invite(args.name, days=args.days)
        except LookupError as exc:
            return usage_error(exc)
    print(f"{args.url.rstrip('/')}/?invite={token}")
    return 0


def run_squad_list(args: argparse.Namespace) -> int:
    return _list(args, Store.squads, "squads")


def run_audit(args: argparse.Namespace) -> int:
    return _list(args, Store.audit_log, "audit")
