"""The `kneeload` command: one subcommand module per area, all calling the core."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Iterable

from analysis.cli.commands import COMMANDS, summary


def build_parser(only: Iterable[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser. Every command module registers its commands; with `only`, just
    the modules of those commands, and the rest are listed by name and help line.

    A module's `register(subparsers)` adds its commands, each with a `handler`: a function
    taking the parsed arguments and returning the exit code.
    """
    parser = argparse.ArgumentParser(
        prog="kneeload",
        description="Relate running load to knee pain. Decision support, not medical advice.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    wanted = set(COMMANDS) if only is None else set(only) & set(COMMANDS)
    for module in sorted({COMMANDS[name][0] for name in wanted}):
        importlib.import_module(f"{__name__}.{module}").register(commands)
    for name in COMMANDS:
        if name not in commands.choices:
            commands.add_parser(name, help=summary(name))
    return parser


REFUSED = 3  # exit code of a read or write the acting account may not do


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; exit 0 when it ran, 2 on bad usage, 3 when the
    account given with --as may not do it (one line on stderr, nothing on stdout)."""
    argv = sys.argv[1:] if argv is None else argv
    command = next((word for word in argv if not word.startswith("-")), None)
    args = build_parser([command] if command else []).parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except BrokenPipeError:  # `kneeload parse … | head` is fine
        sys.stderr.close()
        return 0
    except Exception as error:
        # Only a command that reads the store can be refused, and it has loaded the store.
        from analysis.store.access import AccessDenied

        if not isinstance(error, AccessDenied):
            raise
        print(f"kneeload: refused: {error}", file=sys.stderr)
        return REFUSED


if __name__ == "__main__":
    sys.exit(main())
