"""What an import did, one row per activity (and per file that gave none), for the Import
page: the day, the sport, the distance, whether it counts as running, and the outcome."""

from __future__ import annotations

import pandas as pd

from analysis.ingest import FileResult
from analysis.schema import RUN_SPORTS
from analysis.store import FileOutcome

OUTCOME_WORDS = {"imported": "imported", "duplicate": "already stored",
                 "failed": "could not be read", "empty": "nothing to import",
                 "ignored": "ignored"}
# One activity's result and note from what storing it did (analysis.store.importer
# Stored.kind): a file can hold new runs and runs stored before.
STORED_WORDS = {"new": ("imported", ""), "same": ("already stored", ""),
                "named": ("already stored", "the stored record took its name and type from "
                                            "activities.csv"),
                "replaced": ("already stored", "this record, with more detail, replaced the "
                                               "stored one")}
COLUMNS = ("file", "date", "sport", "distance_m", "counts_as_running", "result", "details")


def activity_rows(results: list[FileResult], outcomes: list[FileOutcome]) -> pd.DataFrame:
    """One row per activity read (a failed or empty file: one row with its reason).

    `outcomes` are the store's per-file outcomes in the order of `results`. Details hold a
    failed file's full reason and every warning (a truncated file, a guessed sport);
    never the store's internal ids.
    """
    rows = []
    for result, outcome in zip(results, outcomes, strict=True):
        result_words = OUTCOME_WORDS.get(outcome.status, outcome.status)
        notes = ([result.error] if result.error else []) + list(result.warnings)
        details = "; ".join(notes)
        for index, activity in enumerate(result.activities):
            words, stored_note = (STORED_WORDS[outcome.stored[index]]
                                  if index < len(outcome.stored) else (result_words, ""))
            summary = activity.summary
            sport = summary.get("sport")
            own = [note for note in (summary.get("warnings"), stored_note) if note]
            rows.append({"file": result.file, "date": pd.Timestamp(summary["local_date"]).date()
                         if pd.notna(summary.get("local_date")) else None,
                         "sport": sport, "distance_m": summary.get("distance_m"),
                         "counts_as_running": sport in RUN_SPORTS, "result": words,
                         "details": "; ".join(notes + own)})
        if not result.activities:
            rows.append({"file": result.file, "date": None, "sport": None,
                         "distance_m": None, "counts_as_running": False,
                         "result": result_words, "details": details or outcome.message})
    return pd.DataFrame(rows, columns=list(COLUMNS))
