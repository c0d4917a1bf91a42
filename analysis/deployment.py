"""Which kind of deployment this is: personal (the default: one machine, no login, the
local owner may do everything) or squad (switched on by KNEELOAD_MODE=squad: sign-in
through the club's identity provider, roles, and no server-side file access).

The one place that says what a shared server must not do, so pages and commands ask here.
"""

from __future__ import annotations

import os

MODE_VAR = "KNEELOAD_MODE"
MODES = ("personal", "squad")


def mode() -> str:
    """'personal' or 'squad', from $KNEELOAD_MODE (unset or empty: personal)."""
    chosen = (os.environ.get(MODE_VAR) or "personal").strip().lower()
    if chosen not in MODES:
        raise ValueError(f"{MODE_VAR}={chosen!r}: use one of {', '.join(MODES)}")
    return chosen


def squad_mode() -> bool:
    """True on a squad deployment."""
    return mode() == "squad"


def server_paths_allowed() -> bool:
    """May the dashboard read a path on the server ("read it from this computer")? Only
    on one's own machine: on a shared server a path names the server's files, not yours."""
    return not squad_mode()


def demo_allowed() -> bool:
    """May the dashboard load the demo squad? Not into a club's shared database."""
    return not squad_mode()
