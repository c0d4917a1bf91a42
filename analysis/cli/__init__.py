"""The `kneeload` command: one subcommand module per area, all calling the core."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import analysis.cli as package
from analysis.store.access import AccessDenied


def command_modules() -> list[str]:
    """Every module in this package; those defining register(subparsers) add commands.

    Each registers its subcommands and sets `handler`: a function taking the parsed
    arguments and returning the exit code.
    """
    return sorted(f"{package.__name__}.{info.name}"
                  for info in pkgutil.iter_modules(package.__path__))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="kneeload",
        description="Relate running load to knee pain. Decision support, not medical advice.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in command_modules():
        module = importlib.import_module(name)
        if hasattr(module, "register"):
            module.register(commands)
    return parser


REFUSED = 3  # exit code of a read or write the acting account may not do


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; exit 0 when it ran, 2 on bad usage, 3 when the
    account given with --as may not do it (one line on stderr, nothing on stdout)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except AccessDenied as refused:
        print(f"kneeload: refused: {refused}", file=sys.stderr)
        return REFUSED
    except BrokenPipeError:  # `kneeload parse … | head` is fine
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
