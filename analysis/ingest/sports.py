"""Map the many ways files name a sport onto kneeload's seven sports."""

from __future__ import annotations

import re

# Keys are lower-case with spaces, dashes and slashes turned into underscores.
_SPORTS: dict[str, str] = {
    # running
    "run": "run", "running": "run", "street": "run", "road_running": "run", "track": "run",
    "track_running": "run", "running_track": "run", "ultra_running": "run", "ultra_run": "run",
    "virtual_run": "treadmill_run", "virtualrun": "treadmill_run", "lauf": "run",
    "laufen": "run", "jogging": "run", "9": "run",
    "trail": "trail_run", "trail_run": "trail_run", "trail_running": "trail_run",
    "trailrun": "trail_run", "traillauf": "trail_run", "running_trail": "trail_run",
    "treadmill": "treadmill_run", "treadmill_running": "treadmill_run",
    "indoor_running": "treadmill_run", "running_treadmill": "treadmill_run",
    "running_indoor_running": "treadmill_run", "laufband": "treadmill_run",
    "wheelchair_push_run": "other",
    # walking and hiking
    "walk": "walk", "walking": "walk", "casual_walking": "walk", "speed_walking": "walk",
    "indoor_walking": "walk", "spaziergang": "walk", "gehen": "walk", "10": "walk",
    "hike": "hike", "hiking": "hike", "wanderung": "hike", "wandern": "hike",
    "mountaineering": "hike", "4": "hike",
    # riding
    "ride": "ride", "biking": "ride", "cycling": "ride", "road_biking": "ride",
    "mountain_biking": "ride", "virtual_ride": "ride", "virtualride": "ride", "e_bike_ride": "ride",
    "ebikeride": "ride", "gravel_ride": "ride", "mountain_bike_ride": "ride", "radfahrt": "ride",
    "indoor_cycling": "ride", "e_biking": "ride", "1": "ride",
}


def _key(raw: str) -> str:
    return re.sub(r"[\s\-/]+", "_", raw.strip().lower())


def normalise_sport(raw: str | None, sub: str | None = None) -> str:
    """kneeload sport for a raw sport (and optional sub-sport such as FIT's 'treadmill')."""
    if sub:
        combined = _SPORTS.get(_key(f"{raw}_{sub}"))
        if combined:
            return combined
        sub_sport = _SPORTS.get(_key(sub))
        base = _SPORTS.get(_key(raw or ""))
        if base == "run" and sub_sport in ("trail_run", "treadmill_run"):
            return sub_sport
        if base:
            return base
    if not raw:
        return "other"
    return _SPORTS.get(_key(raw), "other")


def guess_sport(name: str | None, median_speed_mps: float) -> str:
    """Best guess when a file names no sport: from the activity's name, else its speed."""
    words = _key(name or "")
    for pattern, sport in ((r"trail", "trail_run"), (r"run|lauf|jog", "run"),
                           (r"ride|bike|cycl|rad", "ride"), (r"hike|wander", "hike"),
                           (r"walk|spazier", "walk")):
        if re.search(pattern, words):
            return sport
    if median_speed_mps != median_speed_mps:  # NaN: no speed to go on
        return "run"
    if median_speed_mps > 7.0:
        return "ride"
    if median_speed_mps < 1.7:
        return "walk"
    return "run"
