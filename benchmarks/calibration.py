"""Calibration of kneeload's statistics on simulated runners: false findings under null
scenarios, power for planted effects, and the flare rule on noise (issue 9).

The generators here are this script's own (not analysis.stats.simulate):

- A runner: two years; a weekly volume wandering on the log scale (AR(1), φ 0.8, SD 0.1)
  around a usual 20–45 km; runs on Tuesday, Thursday, Saturday and a longer one on Sunday,
  on Wednesday or Friday now and then; every 3–6 weeks
  a week 40–80 % above the week before (a weekly jump), a single run 1.5–2.2 × the longest
  of the last 30 days (a spike) and, independently, a hilly run with 3–5 × the usual descent
  (a descent spike); descent per km lognormal around 12 m/km.
- Pain: a latent AR(1) (φ drawn from 0.6–0.9) around a usual level 0.5–1.5 with SD 0.8,
  rounded to whole points and clipped to 0–10; 30 % of days unlogged.
- Heart rate and shoes (analysis.stats.simulate.heart_rate_and_shoes, from a second stream
  of the seed, so load and pain are as before): heart rate around 145 bpm, a new pair of
  shoes every 90–180 days; neither has any effect on pain, so minutes, trimp and new_shoes
  join the tested family.

Scenarios:
  (a) pure null: pain and load independent.
  (b) pain cuts load: yesterday's (true) pain ≥ 3 halves today's run, ≥ 5 skips it; load
      has no effect on pain.
  (c) cohort, autocorrelated weekly exposure and pain (both AR(1), φ 0.7), no effect.
  (d) cohort, null random slopes: each runner's own within-slope drawn from N(0, 0.3²),
      average 0, weekly pain AR(1) φ 0.5.
  (e) cohort, few informative runners: 6 (or 12) runners of whom 2 (or 3) have 70–80 weeks
      and 4× the others' within SD (the others 10–18 weeks); exposure and pain AR(1) φ 0.7,
      null random slopes N(0, 0.3²) per 1 SD of the runner's own exposure; no effect. The
      share of p < 0.05 per part now (CR2, t on the effective degrees of freedom) and as
      before (the same GLS with CR3 errors and t on runners − 1).
Power: pain +1 or +2 points on the one day `lag` days after each planted event (weekly jump:
after the week's Sunday; spike and descent spike: after the run), lag 1, 2 and 3.
Weekly-jump flag check: how many planted jump weeks the flag raises, how many flags are
planted jumps, and the power with the planted Sundays in place of the flag (an oracle).
Flare rule: AR(1) diaries (no flare process); and the same diaries with planted flares (a
rise of 3–4 points lasting 3–6 days every 60–120 days), with 100, 85 and 70 % of days
logged.

    python benchmarks/calibration.py [--runners 200] [--cohorts 200] [--looks 100]
        [--parts null,cohort,few,power,jumpflag,looks,flares]

Prints the tables README.md quotes (shares with Wilson 95 % intervals).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.signal import lfilter

from analysis.pain import flare_candidates, flare_onsets
from analysis.schema import conform_activities, conform_pain
from analysis.stats.cohort import cluster_robust, mixed_model, within_between, working_covariance
from analysis.stats.exposures import exposure_grid
from analysis.stats.nof1 import associations
from analysis.stats.simulate import heart_rate_and_shoes
from analysis.thresholds import Thresholds

START = pd.Timestamp("2022-01-03")  # a Monday
DAYS = 728
EVENTS = ("weekly_jump", "spike", "descent_spike")
RULE = Thresholds()  # the default flare rule
# The cells that carry each planted event's signal (its own flag and the continuous
# exposures that measure the same thing).
FAMILY = {"weekly_jump": ("weekly_jump_flag", "weekly_change_pct", "acwr_uncoupled",
                          "acwr_ewma"),
          "spike": ("spike_flag", "spike_ratio", "descent_m", "acwr_uncoupled", "acwr_ewma"),
          "descent_spike": ("descent_spike_flag", "descent_m", "descent_per_km")}


@dataclass
class Runner:
    """A simulated runner: canonical activities and pain, and the planted event days."""

    activities: pd.DataFrame
    pain: pd.DataFrame
    events: dict[str, np.ndarray]  # event name -> day positions
    true_pain: np.ndarray


def ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> np.ndarray:
    """A stationary AR(1) path with marginal SD `sd`."""
    shocks = rng.normal(0.0, sd * np.sqrt(1 - phi**2), n)
    shocks[0] = rng.normal(0.0, sd)
    return lfilter([1.0], [1.0, -phi], shocks)


def _every(rng: np.random.Generator, n: int, low: int, high: int, first: int) -> np.ndarray:
    """Positions from `first` on, spaced low..high apart."""
    steps = np.cumsum(rng.integers(low, high + 1, n // low + 2)) + first
    return steps[steps < n]


def plan_load(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Planned km and descent (m) per day, and the planted event positions."""
    n = DAYS
    day_of_week = np.arange(n) % 7
    weeks = np.arange(n) // 7
    usual = rng.uniform(20, 45)
    weekly = usual * np.exp(ar1(rng, n // 7 + 1, 0.8, 0.1))
    jump_weeks = _every(rng, n // 7, 3, 6, 6)
    weekly[jump_weeks] = weekly[jump_weeks - 1] * rng.uniform(1.4, 1.8, len(jump_weeks))
    # A regular week: Tuesday, Thursday, Saturday, a long Sunday run; Wednesday or Friday
    # now and then.
    run = np.isin(day_of_week, (1, 3, 5, 6)) | (np.isin(day_of_week, (2, 4))
                                                & (rng.random(n) < 0.25))
    share = np.where(day_of_week == 6, 1.8, 1.0) * rng.lognormal(0, 0.1, n)
    km = np.where(run, weekly[weeks] / 5.3 * share, 0.0)
    per_km = rng.lognormal(np.log(12), 0.3, n)
    spikes = _every(rng, n, 21, 42, 40)
    spikes = spikes[day_of_week[spikes] != 6]
    longest = pd.Series(km).rolling(30, min_periods=1).max().shift(1).to_numpy()
    km[spikes] = longest[spikes] * rng.uniform(1.5, 2.2, len(spikes))
    hills = _every(rng, n, 21, 42, 45)
    hills = hills[(day_of_week[hills] != 6) & ~np.isin(hills, spikes)]
    km[hills] = np.maximum(km[hills], weekly[weeks[hills]] / 5.3)
    per_km[hills] *= rng.uniform(3, 5, len(hills))
    events = {"weekly_jump": jump_weeks * 7 + 6, "spike": spikes, "descent_spike": hills}
    return km, km * per_km, events


def simulate(seed: int, *, cuts: bool = False, effect: tuple[str, float, int] | None = None,
             flares: bool = False, logged_share: float = 0.7) -> Runner:
    """One runner (module docstring). `effect`: (event, points, lag); `logged_share`: the
    share of days with a diary entry."""
    rng = np.random.default_rng(seed)
    km, descent, events = plan_load(rng)
    phi = rng.uniform(0.6, 0.9)
    latent = rng.uniform(0.5, 1.5) + ar1(rng, DAYS, phi, 0.8)
    if flares:
        events["flare"] = _every(rng, DAYS, 60, 120, 20)
        events["flare_days"] = rng.integers(3, 7, len(events["flare"]))
        for onset, length in zip(events["flare"], events["flare_days"], strict=True):
            latent[onset: onset + length] += rng.uniform(3.0, 4.0)
    if effect is not None:
        name, size, lag = effect
        hit = events[name] + lag
        latent[hit[hit < DAYS]] += size
    pain = np.clip(np.round(latent), 0, 10)
    if cuts:  # yesterday's pain ≥ 3 halves today's run, ≥ 5 skips it
        before = np.r_[0.0, pain[:-1]]
        factor = np.where(before >= 5, 0.0, np.where(before >= 3, 0.5, 1.0))
        km, descent = km * factor, descent * factor
    ran = np.flatnonzero(km > 0.5)
    days = START + pd.to_timedelta(ran, unit="D")
    speed = np.full(len(ran), 1000 / 330)  # 5:30 per km
    heart_rate, gear = heart_rate_and_shoes(np.random.default_rng([seed, 1]), speed, ran)
    activities = conform_activities(pd.DataFrame({
        "activity_id": [f"r{seed}-{i}" for i in range(len(ran))], "sport": "run",
        "start_time": (days + pd.Timedelta(hours=7)).tz_localize("UTC"), "local_date": days,
        "distance_m": km[ran] * 1000, "moving_time_s": km[ran] * 330,
        "elevation_loss_m": descent[ran], "avg_heart_rate_bpm": heart_rate,
        "max_heart_rate_bpm": heart_rate + 15, "gear": gear}))
    logged = np.flatnonzero(rng.random(DAYS) < logged_share)
    diary = conform_pain(pd.DataFrame({
        "date": START + pd.to_timedelta(logged, unit="D"), "score": pain[logged].astype(int),
        "timing": "daily_worst"}))
    return Runner(activities, diary, events, pain)


def wilson(successes: int, n: int) -> str:
    """A share with its Wilson 95 % interval."""
    p, z = successes / n, 1.96
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return f"{p:.1%} ({max(centre - half, 0):.1%}–{centre + half:.1%}, {successes}/{n})"


def grid_of(runner: Runner, today: pd.Timestamp | None = None) -> pd.DataFrame:
    """The n-of-1 association table of a runner (up to `today`)."""
    grid = exposure_grid(runner.activities, runner.pain,
                         today=today or START + pd.Timedelta(days=DAYS - 1))
    return associations(grid.daily, grid.weekly).table


def null_rates(runners: int, cuts: bool, base: int) -> str:
    """Share of null runners with any q < 0.05, and the per-test p < 0.05 share."""
    anyq, p_hits, tests = 0, 0, 0
    for seed in range(base, base + runners):
        table = grid_of(simulate(seed, cuts=cuts))
        anyq += int((table["q_value"] < 0.05).any())
        p_hits += int((table["p_value"] < 0.05).sum())
        tests += len(table)
    return f"any q < 0.05: {wilson(anyq, runners)}; single tests p < 0.05: {p_hits / tests:.1%}"


def power(runners: int, event: str, size: float, lag: int, base: int) -> tuple[str, str]:
    """Share of runners whose best cell (smallest q, q < 0.05) is positive, in the event's
    family and within ±1 day of the planted lag; and which cells were credited."""
    found, credited = 0, []
    for seed in range(base, base + runners):
        table = grid_of(simulate(seed, effect=(event, size, lag)))
        hits = table[(table["q_value"] < 0.05) & (table["estimate"] > 0)
                     & table["exposure"].isin(FAMILY[event])
                     & ((table["lag_days"] - lag).abs() <= 1)]
        if len(hits):
            best = hits.sort_values("q_value").iloc[0]
            found += 1
            credited.append(f"{best['exposure']}·{best['lag_days']}d")
    cells = pd.Series(credited, dtype=object).value_counts().head(3)
    return wilson(found, runners), ", ".join(f"{k} {v}" for k, v in cells.items())


def jump_flag_check(runners: int, lag: int, base: int) -> tuple[str, str, str]:
    """What limits the weekly-jump power (+2 at `lag`): the share of planted jump weeks the
    flag raises (the distance actually run > 30 % above the week before), the share of
    raised flags that are planted jumps, and the power of the same cell when the flag is
    replaced by the planted Sundays themselves (an oracle no product has)."""
    planted = raised = both = oracle = 0
    for seed in range(base, base + runners):
        runner = simulate(seed, effect=("weekly_jump", 2.0, lag))
        grid = exposure_grid(runner.activities, runner.pain,
                             today=START + pd.Timedelta(days=DAYS - 1))
        day = (grid.daily.index - START).days.to_numpy()
        known = grid.daily["weekly_jump_flag"].to_numpy()
        flag = known == 1
        truth = np.isin(day, runner.events["weekly_jump"])
        planted, raised, both = planted + truth.sum(), raised + flag.sum(), both + (
            flag & truth).sum()
        daily = grid.daily.assign(weekly_jump_flag=np.where(np.isnan(known), np.nan, truth))
        table = associations(daily, grid.weekly).table
        cell = table[(table["exposure"] == "weekly_jump_flag") & (table["lag_days"] == lag)]
        oracle += int(((cell["q_value"] < 0.05) & (cell["estimate"] > 0)).any())
    return wilson(both, planted), wilson(both, raised), wilson(oracle, runners)


def repeated_looks(runners: int, base: int) -> str:
    """Null runners (pain cuts load) analysed every 4 weeks from week 12 to week 104: share
    with a q < 0.05 at any look."""
    ever = 0
    for seed in range(base, base + runners):
        runner = simulate(seed, cuts=True)
        for week in range(12, 105, 4):
            table = grid_of(runner, START + pd.Timedelta(days=7 * week - 1))
            if (table["q_value"] < 0.05).any():
                ever += 1
                break
    return wilson(ever, runners)


def flare_rule(runners: int, base: int, logged_share: float) -> tuple[str, ...]:
    """Flares per runner-year on AR(1) diaries without flares, and the share of planted
    flares found within ±2 days: of all of them; of those whose true pain (every day, logged
    or not) is a rise of ≥ 3 points above the week before on ≥ 3 days — the issue's planted
    flare, which the latent +3–4 with AR(1) noise is not always; of those whose true pain
    reaches the threshold 4 on ≥ 2 days (a rise from a usual 0.5 to 3/10 is no flare by
    DOMAIN.md §3); and the ceiling of any persistence rule: a logged day within ±2 days at
    ≥ 4 after a quiet, logged week and ≥ 2 points above its mean (DOMAIN.md §3 before
    persistence)."""
    noise = 0
    tally = {key: [0, 0] for key in ("all", "rise", "reach", "ceiling")}  # [found, of]
    for seed in range(base, base + runners):
        for with_flares in (False, True):
            runner = simulate(seed, flares=with_flares, logged_share=logged_share)
            daily = exposure_grid(runner.activities, runner.pain,
                                  today=START + pd.Timedelta(days=DAYS - 1)).daily
            offset = (daily.index[0] - START).days
            onsets = np.flatnonzero(flare_onsets(daily).to_numpy()) + offset
            if not with_flares:
                noise += len(onsets)
                continue
            could = np.flatnonzero(flare_candidates(daily["pain_max"].to_numpy(),
                                                    RULE)[0]) + offset
            truth = runner.true_pain
            for onset, length in zip(runner.events["flare"], runner.events["flare_days"],
                                     strict=True):
                hit = int(np.any(np.abs(onsets - onset) <= 2))
                days = truth[onset: onset + length]
                week_before = truth[max(onset - 7, 0): onset].mean()
                for key, counts in (("all", True),
                                    ("rise", (days >= week_before + 3).sum() >= 3),
                                    ("reach", (days >= RULE.flare_score).sum() >= 2)):
                    tally[key][0] += hit * counts
                    tally[key][1] += counts
                tally["ceiling"][0] += int(np.any(np.abs(could - onset) <= 2))
                tally["ceiling"][1] += 1
    per_year = noise / (runners * DAYS / 365.25)
    return (f"{per_year:.2f} flares per runner-year",
            *(wilson(*tally[key]) for key in ("all", "rise", "reach", "ceiling")))


def cohort_panel_null(seed: int, slopes: bool, runners: int = 40, weeks: int = 80
                      ) -> pd.DataFrame:
    """A weekly cohort panel without any average effect: (c) exposure and pain both AR(1)
    with φ 0.7 around runner means; (d) each runner's own slope from N(0, 0.3²) on the
    within part, pain AR(1) φ 0.5."""
    rng = np.random.default_rng(seed)
    frames = []
    for runner in range(runners):
        x = rng.normal(20, 10) + ar1(rng, weeks, 0.7, 25.0)
        noise = ar1(rng, weeks, 0.5 if slopes else 0.7, 1.0)
        pain = rng.normal(2, 0.8) + noise
        if slopes:
            pain += rng.normal(0, 0.3) * (x - x.mean()) / 25.0
        frames.append(pd.DataFrame({"athlete_id": f"c{runner}", "pain": pain,
                                    "weekly_change_pct": x}))
    return pd.concat(frames, ignore_index=True)


def cohort_null(cohorts: int, slopes: bool, base: int) -> str:
    """Share of null cohorts whose within or between part has p < 0.05 (two tests, BH)."""
    hits = 0
    for seed in range(base, base + cohorts):
        rows, _ = mixed_model(cohort_panel_null(seed, slopes), "weekly_change_pct")
        p = np.sort([row["p_value"] for row in rows])
        hits += int(p[0] < 0.025 or p[1] < 0.05)  # BH over the two: any q < 0.05
    return wilson(hits, cohorts)


def few_informative_panel(seed: int, runners: int, informative: int) -> pd.DataFrame:
    """(e): `informative` runners with 70–80 weeks and 4× the within SD, the rest 10–18
    weeks; exposure and pain AR(1) φ 0.7, a null random slope per runner."""
    rng = np.random.default_rng(seed)
    frames = []
    for runner in range(runners):
        wide = runner < informative
        weeks = int(rng.integers(70, 81) if wide else rng.integers(10, 19))
        x = rng.normal(20, 10) + ar1(rng, weeks, 0.7, 20.0 if wide else 5.0)
        pain = (rng.normal(2, 0.8) + ar1(rng, weeks, 0.7, 1.0)
                + rng.normal(0, 0.3) * (x - x.mean()) / 20.0)
        frames.append(pd.DataFrame({"athlete_id": f"f{runner}", "pain": pain,
                                    "weekly_change_pct": x}))
    return pd.concat(frames, ignore_index=True)


def cr3_p_values(panel: pd.DataFrame) -> np.ndarray:
    """Within and between p-values as the mixed model gave them before the effective
    degrees of freedom: the same GLS, CR3 errors, t on runners − 1."""
    split = within_between(panel, "weekly_change_pct", np.ones(len(panel), dtype=bool))
    y = panel["pain"].to_numpy(dtype=float)
    design = np.column_stack([np.ones(len(y)), split.within, split.between])
    cov_re, scale = working_covariance(y, design, split.groups, split.within)
    beta, cov = cluster_robust(y, design, split.groups, design[:, :2], cov_re, scale)
    t = beta[1:] / np.sqrt(np.diag(cov)[1:])
    return 2 * stats.t.sf(np.abs(t), len(np.unique(split.groups)) - 1)


def few_informative(cohorts: int, runners: int, informative: int, base: int
                    ) -> dict[str, str]:
    """Shares of null cohorts (e) with p < 0.05 for the within and the between part, with
    t on the effective degrees of freedom (now) and on runners − 1 (before)."""
    hits = {(part, way): 0 for part in ("within", "between") for way in ("now", "before")}
    dofs = {"within": [], "between": []}
    for seed in range(base, base + cohorts):
        panel = few_informative_panel(seed, runners, informative)
        rows, _ = mixed_model(panel, "weekly_change_pct")
        for part, p in zip(("within", "between"), cr3_p_values(panel), strict=True):
            hits[part, "before"] += int(p < 0.05)
        for row in rows:
            hits[row["component"], "now"] += int(row["p_value"] < 0.05)
            dofs[row["component"]].append(row["dof"])
    return {f"{part} {way}": wilson(count, cohorts) for (part, way), count in hits.items()
            } | {f"{part} median dof": f"{np.median(values):.2f}"
                 for part, values in dofs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runners", type=int, default=200)
    parser.add_argument("--looks", type=int, default=100)
    parser.add_argument("--cohorts", type=int, default=200)
    parser.add_argument("--cohort-seed", type=int, default=3000)
    parser.add_argument("--parts", default="null,cohort,few,power,jumpflag,looks,flares")
    args = parser.parse_args()
    parts = args.parts.split(",")
    n = args.runners
    if "null" in parts:
        for label, cuts in (("(a) pure null", False), ("(b) pain cuts load", True)):
            start = time.perf_counter()
            print(f"{label}, {n} runners: {null_rates(n, cuts, 1000)} "
                  f"[{time.perf_counter() - start:.0f} s]", flush=True)
    if "cohort" in parts:
        for label, slopes in (("(c) autocorrelated, φ 0.7", False),
                              ("(d) null random slopes", True)):
            start = time.perf_counter()
            print(f"{label}, {args.cohorts} cohorts of 40 runners × 80 weeks, mixed model "
                  f"with CR2 errors, t on the effective df: any q < 0.05 "
                  f"{cohort_null(args.cohorts, slopes, args.cohort_seed)} "
                  f"[{time.perf_counter() - start:.0f} s]", flush=True)
    if "few" in parts:
        for runners, informative in ((6, 2), (12, 3)):
            start = time.perf_counter()
            shares = few_informative(args.cohorts, runners, informative, args.cohort_seed)
            print(f"(e) {informative} of {runners} runners informative, {args.cohorts} "
                  f"cohorts, p < 0.05: " + "; ".join(f"{k} {v}" for k, v in shares.items())
                  + f" [{time.perf_counter() - start:.0f} s]", flush=True)
    if "power" in parts:
        for event in EVENTS:
            for size in (1.0, 2.0):
                for lag in (1, 2, 3):
                    share, cells = power(n, event, size, lag, 5000)
                    print(f"power {event} +{size:g} lag {lag} d: {share}; credited: {cells}",
                          flush=True)
    if "jumpflag" in parts:
        for lag in (1, 2, 3):
            recall, precision, oracle = jump_flag_check(n, lag, 5000)
            print(f"weekly jump +2 lag {lag} d: planted jump weeks flagged {recall}; flags "
                  f"that are planted jumps {precision}; the cell with the planted Sundays "
                  f"as the flag (oracle) found {oracle}", flush=True)
    if "looks" in parts:
        print(f"repeated looks (every 4 weeks, weeks 12–104), {args.looks} runners (b): any "
              f"q < 0.05 at some look {repeated_looks(args.looks, 9000)}", flush=True)
    if "flares" in parts:
        for share in (1.0, 0.85, 0.7):
            rate, found, rise, reach, ceiling = flare_rule(n, 7000, share)
            print(f"flare rule, {n} runners × 2 years, {share:.0%} of days logged: noise "
                  f"{rate}; planted flares found within ±2 days: all {found}; those whose "
                  f"true pain rises ≥ 3 points on ≥ 3 days {rise}; those whose true pain "
                  f"reaches 4 on ≥ 2 days {reach}; ceiling of any persistence rule "
                  f"{ceiling}", flush=True)


if __name__ == "__main__":
    main()
