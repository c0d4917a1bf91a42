"""Every command, the module that holds it, and its line in `kneeload --help`.

Kept apart from the modules so that `kneeload X` imports only X's module: `parse` does not
pay for SciPy, statsmodels or SQLAlchemy, and `--help` imports none of them.
"""

from __future__ import annotations

COMMANDS: dict[str, tuple[str, str]] = {
    "parse": ("parse", "read exports and print the activity table"),
    "ingest": ("store", "read exports and store them in the database"),
    "athletes": ("store", "list the stored athletes with counts"),
    "activities": ("store", "print an athlete's stored activities"),
    "athlete": ("store", "export, delete or change one athlete"),
    "pain": ("pain", "add, import or export knee-pain entries"),
    "weekly": ("load", "print the weekly running load table"),
    "risk": ("load", "print the current knee-risk flags with their evidence"),
    "plan": ("load", "print the pain-gated return-to-run proposal"),
    "analyze": ("stats", "relate one runner's load to knee pain (exploratory statistics)"),
    "cohort": ("stats", "relate load to knee pain across many runners (exploratory)"),
    "export-research": ("stats", "write de-identified research tables (CSV + Parquet)"),
    "user": ("admin", "add, remove or list accounts (squad mode)"),
    "squad": ("admin", "create squads, add coaches and athletes, invite (squad mode)"),
    "audit": ("admin", "print the audit log (admins)"),
}


def summary(command: str) -> str:
    """The command's one line in `kneeload --help`."""
    return COMMANDS[command][1]
