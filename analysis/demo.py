"""The bundled demo: a small squad with a knee-pain story, written as real export files.

`python -m analysis.demo` regenerates data/demo/ deterministically. Alex's year and a half
arrives as a Strava bulk export (FIT files); the squad as a GPX folder, TCX files, loose FIT
files, a Strava export of GPX files and a Garmin Connect CSV; each athlete's pain diary as a
CSV. The files are also read once, here, into three Parquet tables (data/demo/prebuilt/):
loading the demo stores those through the same store import as any user's files, without
parsing them again (a test keeps them in sync with the files).

Alex's story: steady flat running, then a trail block with volume jumps and long descents;
a first patellofemoral flare after the first jump settles, a second, worse one follows the
biggest descent weeks (pain on stairs and downhill, worse the next morning); then a cut-back
and a gradual flat return with a slightly quicker step rate.
"""

from __future__ import annotations

import argparse
import gzip
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.ingest import FileResult, ParsedActivity, ReadOptions, read_sources
from analysis.pain import parse_pain_csv
from analysis.store import Store
from analysis.synth import fit_bytes, gpx_bytes, strava_csv_bytes, synth_run, tcx_bytes

DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
END = pd.Timestamp("2026-11-15")  # the last Sunday of the demo
STEP_S = 10.0  # sampling of the demo's files (keeps the bundle small)
HOME = {"Alex": (52.09, 5.12), "Bea": (51.92, 4.48), "Chris": (50.85, 4.35),
        "Dana": (52.37, 4.89), "Eli": (51.44, 5.48), "Fay": (52.16, 4.49)}
DEMO_TZ = "Europe/Amsterdam"
# Athlete name in the store -> the demo folder holding their files.
SQUAD = {"Alex (demo)": "alex", "Bea (demo)": "bea", "Chris (demo)": "chris",
         "Dana (demo)": "dana", "Eli (demo)": "eli", "Fay (demo)": "fay"}
DIARY_RATE = 0.8  # share of days with a diary entry
PREBUILT = ("files", "activities", "samples")  # data/demo/prebuilt/<table>.parquet


@dataclass(frozen=True)
class Session:
    """One planned run: day, distance, hilliness and pace."""

    day: pd.Timestamp
    km: float
    hill_m: float
    speed_mps: float
    name: str


def _alex_plan(rng: np.random.Generator) -> list[Session]:
    """78 weeks: base, a trail block with jumps, the flare and cut-back, a flat return."""
    start = END - pd.Timedelta(weeks=78) + pd.Timedelta(days=1)
    sessions = []
    for week in range(78):
        monday = start + pd.Timedelta(weeks=week)
        if week < 44:  # base: ~28 km over four flat runs
            volume, hills, days = 26 + 4 * np.sin(week / 5), 8.0, (1, 3, 4, 6)
        elif week < 52:  # trail block: two big jumps, hilly long runs
            volume = [30, 40, 42, 55, 56, 58, 50, 46][week - 44]
            hills, days = 45.0, (1, 3, 5, 6)
        elif week < 56:  # flare: mostly stopped
            volume, hills, days = [8, 0, 5, 0][week - 52], 5.0, (2, 5)
        else:  # return: +8 %/week from walk-run, flat first, hills last
            volume = min(12 * 1.08 ** (week - 56), 30.0)
            hills, days = (5.0 if week < 72 else 15.0), (1, 3, 5) if week < 64 else (1, 3, 4, 6)
        if volume <= 0:
            continue
        shares = np.array([0.22, 0.2, 0.18, 0.4][: len(days)])
        shares = shares / shares.sum()
        for day, share in zip(days, shares, strict=True):
            long_run = share == shares.max()
            km = max(2.0, volume * share * rng.uniform(0.9, 1.1))
            sessions.append(Session(monday + pd.Timedelta(days=day), round(km, 1),
                                    hills * (1.6 if long_run else 1.0),
                                    rng.uniform(2.8, 3.1) * (0.93 if long_run else 1.0),
                                    "Long run" if long_run else "Easy run"))
    return sessions


# Alex's underlying pain, week by week from the first of the 78 weeks (0–10).
ALEX_PAIN = ([0.4] * 45 + [1.5, 4.6, 3.0, 1.5, 1.2, 1.4, 1.6, 5.8, 5.2, 4.4, 3.2, 2.4]
             + [1.8] * 4 + [1.0] * 17)


def _alex_pain(rng: np.random.Generator, sessions: list[Session]) -> pd.DataFrame:
    """Diary entries on most days; long runs in the trail block hurt more the next morning."""
    days = pd.date_range(END - pd.Timedelta(weeks=78) + pd.Timedelta(days=1), END)
    long_runs = {s.day + pd.Timedelta(days=1) for s in sessions if s.name == "Long run"}
    run_days = {s.day for s in sessions}
    rows = []
    for number, day in enumerate(days):
        if rng.random() > DIARY_RATE:
            continue  # no entry today: missing, not pain-free
        base = ALEX_PAIN[number // 7]
        morning = day in long_runs and base >= 1.5
        score = int(np.clip(round(base + (1.0 if morning else 0.0) + rng.normal(0, 0.5)), 0,
                            10))
        timing = "next_morning" if morning else ("after_run" if day in run_days
                                                 else "daily_worst")
        provokers = "stairs,downhill" if score >= 3 else ("stairs" if score == 2 else "")
        rows.append({"date": day.date().isoformat(), "pain": score, "side": "left",
                     "timing": timing, "provokers": provokers,
                     "note": "sore going down stairs" if score >= 4 else ""})
    return pd.DataFrame(rows)


def _cadence(day: pd.Timestamp) -> float:
    """Alex's step rate: 166 at first, tired and shuffling in the trail block (about −6 %),
    then a deliberately quicker step on the return (+4 %)."""
    weeks_to_end = (END - day).days / 7
    if 26 < weeks_to_end <= 34:
        return 156.0
    return 172.0 if weeks_to_end <= 20 else 166.0


def _runs(rng: np.random.Generator, sessions: list[Session], athlete: str
          ) -> list[tuple[Session, object]]:
    lat, lon = HOME[athlete]
    out = []
    for s in sessions:
        start = s.day + pd.Timedelta(hours=float(rng.choice([6.5, 7.0, 18.0, 18.5])))
        run = synth_run(rng, start.tz_localize("Europe/Amsterdam").tz_convert("UTC"),
                        duration_s=s.km * 1000 / s.speed_mps, step_s=STEP_S,
                        speed_mps=s.speed_mps, hill_m=s.hill_m, lat0=lat, lon0=lon,
                        cadence_spm=_cadence(s.day),
                        name=s.name)
        out.append((s, run))
    return out


def _alex_shoes(session: Session) -> str:
    """Alex's shoes (Strava's Activity Gear): road shoes, new trail shoes for the trail
    block, and a new road pair for the return after the flare."""
    week = (session.day - (END - pd.Timedelta(weeks=78) + pd.Timedelta(days=1))).days // 7
    return "Pegasus 40" if week < 44 else "Speedgoat 5" if week < 56 else "Pegasus 41"


def _strava_export(runs: list[tuple[Session, object]], fit: bool = True,
                   shoes: Callable[[Session], str] | None = None) -> bytes:
    """A Strava bulk export zip: activities.csv plus one .fit.gz (or .gpx) per run, with the
    shoes of each run when `shoes` names them."""
    buffer = io.BytesIO()
    rows = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, (session, run) in enumerate(runs, start=1000):
            member = f"activities/{number}.fit.gz" if fit else f"activities/{number}.gpx"
            archive.writestr(member, gzip.compress(fit_bytes(run), mtime=0) if fit
                             else gpx_bytes(run, cadence="steps", creator="StravaGPX"))
            rows.append({"activity_id": number, "start": run.start, "name": session.name,
                         "type": "Run", "distance_m": run.distance[-1],
                         "elapsed_s": run.t[-1], "moving_s": run.t[-1], "filename": member,
                         "gear": shoes(session) if shoes else ""})
        archive.writestr("activities.csv", strava_csv_bytes(rows))
    return buffer.getvalue()


def _simple_plan(rng: np.random.Generator, weeks: int, volume: list[float], hills: float,
                 days: tuple[int, ...] = (1, 3, 6)) -> list[Session]:
    start = END - pd.Timedelta(weeks=weeks) + pd.Timedelta(days=1)
    sessions = []
    for week in range(weeks):
        for day in days:
            km = volume[week] / len(days) * rng.uniform(0.85, 1.15)
            sessions.append(Session(start + pd.Timedelta(weeks=week, days=day), round(km, 1),
                                    hills, rng.uniform(2.7, 3.2), "Run"))
    return sessions


def _simple_pain(rng: np.random.Generator, weeks: int, levels: list[float]) -> pd.DataFrame:
    start = END - pd.Timedelta(weeks=weeks) + pd.Timedelta(days=1)
    rows = []
    for day in pd.date_range(start, END):
        if rng.random() < DIARY_RATE:
            week = (day - start).days // 7
            score = int(np.clip(round(levels[week] + rng.normal(0, 0.5)), 0, 10))
            rows.append({"date": day.date().isoformat(), "pain": score, "side": "right",
                         "timing": "daily_worst", "provokers": "stairs" if score >= 3 else "",
                         "note": ""})
    return pd.DataFrame(rows)


def _garmin_csv(runs: list[tuple[Session, object]]) -> bytes:
    """Garmin Connect's activity list in a European locale (decimal commas)."""
    header = ("Activity Type,Date,Favorite,Title,Distance,Time,Avg HR,Max HR,Avg Run Cadence,"
              "Total Ascent,Total Descent,Avg Stride Length,Steps,Moving Time,Elapsed Time\n")
    lines = []
    for _, run in runs:
        local = run.start.tz_convert("Europe/Amsterdam")
        km = run.distance[-1] / 1000
        minutes = run.t[-1] / 60
        cadence = float(np.mean(run.cadence_spm))
        steps = int(cadence * minutes)
        hms = f"{int(minutes // 60):02d}:{int(minutes % 60):02d}:{int(run.t[-1] % 60):02d}"
        climb = float(np.clip(np.diff(run.elevation), 0, None).sum())
        distance = f"{km:.2f}".replace(".", ",")
        stride = f"{run.distance[-1] / steps:.2f}".replace(".", ",")
        thousands = f"{steps:,}".replace(",", ".")
        lines.append(f'Running,{local:%Y-%m-%d %H:%M:%S},false,"{run.name}","{distance}",'
                     f"{hms},{int(np.mean(run.heart_rate))},{int(np.max(run.heart_rate))},"
                     f'{cadence:.0f},{climb:.0f},{climb:.0f},"{stride}","{thousands}",'
                     f"{hms},{hms}\n")
    return (header + "".join(lines)).encode()


def write_demo(directory: Path = DEMO_DIR, seed: int = 2026) -> list[Path]:
    """Generate every demo file into `directory`; returns the paths written."""
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    written = []

    def save(name: str, data: bytes) -> None:
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)

    alex = _runs(rng, _alex_plan(rng), "Alex")
    save("alex/strava_export.zip", _strava_export(alex, shoes=_alex_shoes))
    save("alex/pain.csv", _alex_pain(rng, [s for s, _ in alex]).to_csv(index=False).encode())

    bea = _runs(rng, _simple_plan(rng, 16, [30.0] * 16, 10.0), "Bea")
    save("bea/Activities.csv", _garmin_csv(bea))
    save("bea/pain.csv", _simple_pain(rng, 16, [0.3] * 16).to_csv(index=False).encode())

    chris_volume = [20.0] * 12 + [34.0, 36.0, 52.0, 55.0]
    chris = _runs(rng, _simple_plan(rng, 16, chris_volume, 25.0), "Chris")
    for number, (_, run) in enumerate(chris):
        save(f"chris/run_{number:03d}.gpx.gz", gzip.compress(gpx_bytes(run), mtime=0))
    save("chris/pain.csv", _simple_pain(rng, 16, [0.5] * 13 + [2.0, 3.0, 3.5])
         .to_csv(index=False).encode())

    dana = _runs(rng, _simple_plan(rng, 12, [22.0] * 12, 15.0), "Dana")
    for number, (_, run) in enumerate(dana):
        save(f"dana/run_{number:03d}.tcx.gz", gzip.compress(tcx_bytes(run), mtime=0))
    save("dana/pain.csv", _simple_pain(rng, 12, [1.0] * 5 + [3.4] * 7)
         .to_csv(index=False).encode())

    eli = _runs(rng, _simple_plan(rng, 20, [25.0 + 0.5 * w for w in range(20)], 20.0,
                                  days=(0, 2, 4, 6)), "Eli")
    for _, run in eli:
        save(f"eli/{run.start:%Y-%m-%d-%H-%M-%S}.fit.gz", gzip.compress(fit_bytes(run), mtime=0))
    save("eli/pain.csv", _simple_pain(rng, 20, [1.5, 2.0] * 10).to_csv(index=False).encode())

    fay_volume = [18.0] * 10 + [30.0, 22.0, 34.0, 24.0, 36.0, 26.0, 20.0, 20.0]
    fay = _runs(rng, _simple_plan(rng, 18, fay_volume, 35.0), "Fay")
    save("fay/export.zip", _strava_export(fay, fit=False))
    save("fay/pain.csv", _simple_pain(rng, 18, [0.5] * 10 + [4.5, 1.0, 4.6, 1.0, 4.8, 1.0,
                                                              0.5, 0.5])
         .to_csv(index=False).encode())
    return written


def read_demo_files(directory: Path = DEMO_DIR) -> dict[str, list[FileResult]]:
    """Each demo athlete's files read by the normal readers (slow: every file is parsed)."""
    options = ReadOptions(athlete_tz=DEMO_TZ)
    return {name: list(read_sources(sorted(p for p in (directory / folder).iterdir()
                                           if p.name != "pain.csv"), options))
            for name, folder in SQUAD.items()}


def prebuilt_tables(read: dict[str, list[FileResult]]) -> dict[str, pd.DataFrame]:
    """The read results as three tables: files (athlete, file, sha256, error, warnings),
    activities (file_index + the canonical columns) and samples (activity_index + columns)."""
    files, activities, samples = [], [], []
    for name, results in read.items():
        for result in results:
            files.append({"athlete": name, "file": result.file, "sha256": result.sha256,
                          "error": result.error, "warnings": list(result.warnings)})
            for activity in result.activities:
                activities.append({"file_index": len(files) - 1, **activity.summary})
                if activity.samples is not None:
                    samples.append(activity.samples.assign(activity_index=len(activities) - 1))
    return {"files": pd.DataFrame(files), "activities": pd.DataFrame(activities),
            "samples": pd.concat(samples, ignore_index=True)}


def write_prebuilt(directory: Path = DEMO_DIR) -> list[Path]:
    """Read the demo files once and save the results as Parquet under prebuilt/."""
    (directory / "prebuilt").mkdir(exist_ok=True)
    paths = []
    for table, frame in prebuilt_tables(read_demo_files(directory)).items():
        paths.append(directory / "prebuilt" / f"{table}.parquet")
        frame.to_parquet(paths[-1], index=False, compression="zstd")
    return paths


def _prebuilt_results(directory: Path) -> dict[str, list[FileResult]]:
    """The read results saved by write_prebuilt, per athlete, as the readers returned them."""
    tables = {t: pd.read_parquet(directory / "prebuilt" / f"{t}.parquet") for t in PREBUILT}
    by_activity = dict(iter(tables["samples"].groupby("activity_index", sort=False)))
    parsed: dict[int, list[ParsedActivity]] = {}
    for index, row in enumerate(tables["activities"].to_dict("records")):
        frame = by_activity.get(index)
        parsed.setdefault(row.pop("file_index"), []).append(ParsedActivity(
            row, None if frame is None else frame.drop(columns="activity_index")
            .reset_index(drop=True)))
    read: dict[str, list[FileResult]] = {name: [] for name in SQUAD}
    for index, row in enumerate(tables["files"].to_dict("records")):
        read[row["athlete"]].append(FileResult(
            row["file"], row["sha256"], parsed.get(index, []), row["error"],
            list(row["warnings"])))
    return read


def demo_shift(today: pd.Timestamp | None = None) -> pd.Timedelta:
    """Whole weeks to move the demo so that it ends within the last seven days (weekdays and
    every interval stay as generated)."""
    today = (today or pd.Timestamp.now(tz=DEMO_TZ).tz_localize(None)).normalize()
    return pd.Timedelta(weeks=max(0, (today - END).days // 7))


def _shifted(result: FileResult, shift: pd.Timedelta) -> FileResult:
    for activity in result.activities:
        summary = activity.summary
        summary["start_time"] += shift
        summary["local_date"] += shift
        if activity.samples is not None:
            activity.samples["time"] += shift
    return result


def load_demo(store: Store, directory: Path = DEMO_DIR, today: pd.Timestamp | None = None,
              progress: Callable[[int, int, str], None] | None = None) -> dict[str, int]:
    """Import the demo squad into `store` (the prebuilt read results, else the files through
    the readers); returns, per athlete, the number of activities stored. Loading twice adds
    nothing."""
    shift = demo_shift(today)
    read = (_prebuilt_results(directory) if (directory / "prebuilt").is_dir()
            else read_demo_files(directory))
    stored = {}
    for number, (name, folder) in enumerate(SQUAD.items(), start=1):
        athlete = store.update_athlete(store.athlete(name).id, tz=DEMO_TZ)
        report = store.import_results(athlete.id, [_shifted(r, shift) for r in read[name]])
        diary = parse_pain_csv((directory / folder / "pain.csv").read_bytes())
        entries = [replace(entry, date=entry.date + shift.to_pytimedelta())
                   for entry in diary.entries]
        store.add_pain(athlete.id, entries, skip_duplicates=True)
        stored[name] = sum(outcome.new_activities for outcome in report.files)
        if progress:
            progress(number, len(SQUAD), name)
    return stored


def main() -> None:
    """Command line: regenerate the bundled demo files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEMO_DIR)
    args = parser.parse_args()
    paths = write_demo(args.out)
    paths += write_prebuilt(args.out)
    size = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} files, {size / 1e6:.1f} MB, to {args.out}")


if __name__ == "__main__":
    main()
