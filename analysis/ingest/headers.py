"""Column names of activity-list CSVs in every language kneeload reads: one table to extend.

Each canonical field maps, per language, to (header text, occurrence): Strava repeats some
names, and the occurrence (0 = first) says which copy is meant. To support a new language,
add its headers to every field here; required fields must all be present in a file.
"""

from __future__ import annotations

Header = tuple[str, int]

STRAVA: dict[str, dict[str, Header]] = {
    "activity_id": {"en": ("Activity ID", 0), "de": ("Aktivitäts-ID", 0)},
    "date": {"en": ("Activity Date", 0), "de": ("Aktivitätsdatum", 0)},
    "name": {"en": ("Activity Name", 0), "de": ("Name der Aktivität", 0)},
    "type": {"en": ("Activity Type", 0), "de": ("Aktivitätsart", 0)},
    "elapsed_s_summary": {"en": ("Elapsed Time", 0), "de": ("Verstrichene Zeit", 0)},
    "distance_summary": {"en": ("Distance", 0), "de": ("Distanz", 0)},
    "max_heart_rate_summary": {"en": ("Max Heart Rate", 0), "de": ("Max. Herzfrequenz", 0)},
    "filename": {"en": ("Filename", 0), "de": ("Dateiname", 0)},
    "elapsed_s": {"en": ("Elapsed Time", 1), "de": ("Verstrichene Zeit", 1)},
    "moving_s": {"en": ("Moving Time", 0), "de": ("Bewegungszeit", 0)},
    "distance_m": {"en": ("Distance", 1), "de": ("Distanz", 1)},
    "elevation_gain_m": {"en": ("Elevation Gain", 0), "de": ("Höhenzunahme", 0)},
    "elevation_loss_m": {"en": ("Elevation Loss", 0), "de": ("Höhenunterschied", 0)},
    "avg_cadence": {"en": ("Average Cadence", 0), "de": ("Durchschnittliche Trittfrequenz", 0)},
    "max_heart_rate": {"en": ("Max Heart Rate", 1), "de": ("Max. Herzfrequenz", 1)},
    "avg_heart_rate": {"en": ("Average Heart Rate", 0),
                       "de": ("Durchschnittliche Herzfrequenz", 0)},
    "total_steps": {"en": ("Total Steps", 0), "de": ("Schritte insgesamt", 0)},
    "gear": {"en": ("Activity Gear", 0)},
}
STRAVA_REQUIRED = ("activity_id", "date", "type", "distance_summary")

GARMIN: dict[str, dict[str, Header]] = {
    "type": {"en": ("Activity Type", 0)},
    "date": {"en": ("Date", 0)},
    "title": {"en": ("Title", 0)},
    "distance": {"en": ("Distance", 0)},
    "time": {"en": ("Time", 0)},
    "moving_time": {"en": ("Moving Time", 0)},
    "elapsed_time": {"en": ("Elapsed Time", 0)},
    "avg_hr": {"en": ("Avg HR", 0)},
    "max_hr": {"en": ("Max HR", 0)},
    "avg_run_cadence": {"en": ("Avg Run Cadence", 0)},
    "total_ascent": {"en": ("Total Ascent", 0)},
    "total_descent": {"en": ("Total Descent", 0)},
    "stride_length": {"en": ("Avg Stride Length", 0)},
    "steps": {"en": ("Steps", 0)},
    "gear": {"en": ("Gear", 0)},
}
GARMIN_REQUIRED = ("type", "date", "distance")


def locate(headers: list[str], table: dict[str, dict[str, Header]],
           required: tuple[str, ...]) -> tuple[str, dict[str, int]] | None:
    """The language whose required headers are all present, and field -> column index."""
    cleaned = [h.strip().lstrip("\ufeff") for h in headers]
    languages = {lang for names in table.values() for lang in names}
    for lang in sorted(languages):
        positions: dict[str, int] = {}
        for field, names in table.items():
            if lang not in names:
                continue
            text, occurrence = names[lang]
            found = [i for i, h in enumerate(cleaned) if h == text]
            if len(found) > occurrence:
                positions[field] = found[occurrence]
        if all(f in positions for f in required):
            return lang, positions
    return None


def unknown_headers(headers: list[str], table: dict[str, dict[str, Header]]) -> list[str]:
    """Headers that no language of `table` knows (to name them in an error)."""
    known = {text for names in table.values() for text, _ in names.values()}
    return [h for h in headers if h.strip().lstrip("\ufeff") not in known]


def excerpt(names: list[str], count: int = 3, width: int = 24) -> str:
    """A short, printable excerpt of unrecognised header names for a message: never the
    whole header line (a file behind a wrong path may hold someone's secrets)."""
    shown = []
    for name in names[:count]:
        clean = "".join(c if c.isprintable() else "?" for c in name.strip())
        shown.append(repr(clean[:width] + ("…" if len(clean) > width else "")))
    more = len(names) - count
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")
