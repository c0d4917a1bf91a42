"""The pain-gated return-to-run proposal: its steps, its sessions, its gate and its
disclaimer."""

import itertools
import re

import numpy as np
import pandas as pd
import pytest

from analysis.plan import (
    return_to_run_plan,
    session_shape,
    split_week,
    weekly_volumes,
)
from analysis.thresholds import DISCLAIMER, Thresholds
from tests.load.fixtures import NO_PAIN, activities, pain, run

SETTLED = pain(*[(f"2024-03-{d:02d}", 1, "daily_worst") for d in range(11, 18)])
# The default plan from nothing: 24 min a week in 30-s steps (48), each week the last × 1.1
# rounded down: 52.8 -> 52, 57.2 -> 57, 62.7 -> 62, 68.2 -> 68, 74.8 -> 74, 81.4 -> 81,
# 89.1 -> 89, 97.9 -> 97, 106.7 -> 106, 116.6 -> 116, 127.6 -> 127, 139.7 -> 139,
# 152.9 -> 152, 167.2 -> 167, then 183.7 capped at the target's 180 steps (90 min).
DEFAULT_WEEKS = [24.0, 26.0, 28.5, 31.0, 34.0, 37.0, 40.5, 44.5, 48.5, 53.0, 58.0, 63.5,
                 69.5, 76.0, 83.5, 90.0]


def blocks_in(words: str) -> list[tuple[int, float, float]]:
    """The (count, run, walk) groups a session's words tell the runner to do."""
    return [(int(n), float(r), float(w)) for n, r, w in re.findall(
        r"(\d+) × \(([\d.]+) min run \+ ([\d.]+) min walk\)", words)]


def test_session_shapes_add_up_to_their_running_minutes():
    # 8 min = 16 half minutes over 6 blocks of 5 min: 2 blocks of 1 min, 4 of 1.5 min.
    assert session_shape(8.0) == (6, 22.0, "2 × (1 min run + 4 min walk), then "
                                           "4 × (1.5 min run + 3.5 min walk)")
    assert session_shape(9.0) == (6, 21.0, "6 × (1.5 min run + 3.5 min walk)")
    # 2 min = 4 half minutes: fewer than 6 blocks, 30 s each.
    assert session_shape(2.0) == (4, 18.0, "4 × (0.5 min run + 4.5 min walk)")
    assert session_shape(30.0) == (1, 0.0, "30 min easy continuous run")
    # 27.5 min = 55 half minutes: the longest block would be 10 of them, all running.
    assert session_shape(27.5) == (1, 0.0, "27.5 min easy continuous run")
    # 27 min = 54 half minutes: 9 per block, 4.5 min run + 0.5 min walk.
    assert session_shape(27.0) == (6, 3.0, "6 × (4.5 min run + 0.5 min walk)")


def test_weeks_split_into_sessions_that_add_up():
    assert split_week(24.0, 3) == [8.0, 8.0, 8.0]
    assert split_week(26.0, 3) == [8.5, 8.5, 9.0]  # 52 half minutes: 17, 17, 18
    assert split_week(28.5, 3) == [9.5, 9.5, 9.5]
    assert split_week(31.0, 4) == [7.5, 7.5, 8.0, 8.0]  # 62 = 15 + 15 + 16 + 16


def test_weekly_volumes_never_grow_by_more_than_the_rule():
    assert weekly_volumes(24, 90, 10) == DEFAULT_WEEKS
    # 2 % of 24 min is under 30 s: the start is raised to 50 steps (1 / 0.02), 25 min;
    # 25.5 = 51 steps (51 × 1.02 = 52.02 -> 52), ...
    assert weekly_volumes(24, 27, 2)[:4] == [25.0, 25.5, 26.0, 26.5]
    # 1 min a week over 7 sessions: raised to 7 steps (3.5 min), above the target already.
    assert weekly_volumes(1, 3, 50, 7) == [3.5]
    # Over 3 sessions: 3 steps, × 1.5 = 4.5 -> 4, 6, 9, then 13.5 -> the target's 12.
    assert weekly_volumes(1, 6, 50, 3) == [1.5, 2.0, 3.0, 4.5, 6.0]


@pytest.mark.parametrize("pct", [5.0, 7.5, 10.0, 12.5, 50.0])
@pytest.mark.parametrize("sessions", [1, 2, 3, 4, 5, 7])
def test_every_week_adds_up_and_no_step_breaks_the_rule(pct, sessions):
    # Many starting points and targets: the property the sessions must hold by construction.
    t = Thresholds(plan_increase_pct=pct, plan_sessions_per_week=sessions)
    rng = np.random.default_rng(int(pct * 10) + sessions)
    for start, extra in zip(rng.uniform(0.3, 300, 40), rng.uniform(0, 400, 40), strict=True):
        volumes = weekly_volumes(start, start + extra, pct, sessions)
        assert volumes[0] >= min(round(start * 2) / 2, volumes[-1])
        assert volumes[-1] == max(volumes[0], np.floor((start + extra) * 2) / 2)
        for before, after in itertools.pairwise(volumes):
            assert before < after <= before * (1 + pct / 100) + 1e-9
        for week in volumes:
            runs = split_week(week, sessions)
            assert sum(runs) == week and max(runs) - min(runs) <= 0.5
            for minutes in runs:
                assert minutes * 2 == int(minutes * 2) and minutes > 0
                reps, walk, words = session_shape(minutes, t)
                groups = blocks_in(words)
                if groups:  # walk–run: the blocks the runner is told add up to the session
                    assert sum(n * r for n, r, _ in groups) == minutes
                    assert sum(n * w for n, _, w in groups) == walk
                    assert sum(n for n, _, _ in groups) == reps
                else:
                    assert (reps, walk, words) == (1, 0.0, f"{minutes:g} min easy continuous run")


@pytest.mark.parametrize(("start", "target", "pct"),
                         [(24, 90, 10), (5, 40, 10), (60, 300, 7), (10, 12, 15)])
def test_the_plans_sessions_add_up_to_its_weeks(start, target, pct):
    t = Thresholds(plan_start_run_min=start, plan_target_run_min=target, plan_increase_pct=pct)
    plan = return_to_run_plan(activities(), SETTLED, t, today="2024-03-17")
    per_week = plan.sessions.groupby("week")["run_min"].sum()
    assert per_week.tolist() == plan.weeks["run_min"].tolist()
    assert (plan.weeks["change_pct"].iloc[1:] <= pct).all()


def test_a_small_plan_by_hand():
    # 12 min a week (24 steps) to 15 (30): 24 × 1.1 = 26.4 -> 26 (13 min, +8.3 %),
    # 28.6 -> 28 (14 min, +7.7 %), 30.8 -> the target 30 (15 min, +7.1 %); one week each
    # of uphill and downhill at 15 min.
    t = Thresholds(plan_start_run_min=12, plan_target_run_min=15, plan_terrain_weeks=1)
    plan = return_to_run_plan(activities(), SETTLED, t, today="2024-03-17")
    weeks = plan.weeks
    assert weeks["run_min"].tolist() == [12.0, 13.0, 14.0, 15.0, 15.0, 15.0]
    assert weeks["change_pct"].tolist()[1:] == [8.3, 7.7, 7.1, 0.0, 0.0]
    assert pd.isna(weeks["change_pct"].iloc[0])
    assert weeks["terrain"].tolist()[3:] == ["flat", "flat + gentle uphill",
                                             "hills incl. downhill"]
    sessions = plan.sessions
    # 13 min = 26 steps over 3 sessions: 8, 9, 9 -> 4, 4.5, 4.5 min; 14 min: 4.5, 4.5, 5.
    assert sessions["run_min"].tolist() == [4.0] * 3 + [4.0, 4.5, 4.5] + [4.5, 4.5, 5.0] + [
        5.0] * 9
    assert sessions["walk_min"].tolist()[:4] == [26.0, 26.0, 26.0, 26.0]
    assert sessions["description"].tolist()[4] == (
        "3 × (0.5 min run + 4.5 min walk), then 3 × (1 min run + 4 min walk), flat")
    assert sessions["description"].tolist()[-1] == (
        "2 × (0.5 min run + 4.5 min walk), then 4 × (1 min run + 4 min walk), "
        "hills incl. downhill")
    assert sessions["date"].tolist()[:3] == [pd.Timestamp("2024-03-18"),
                                             pd.Timestamp("2024-03-20"),
                                             pd.Timestamp("2024-03-22")]
    assert sessions["day"].tolist()[:3] == ["Mon", "Wed", "Fri"]
    assert plan.progression.startswith("Running minutes per week grow by at most 10 % a week "
                                       "(rounded down to 30 s) from 12 to 15 min on flat")


def test_fresh_start_steps_up_at_most_ten_percent_on_flat_then_hills_last():
    plan = return_to_run_plan(activities(), SETTLED, today="2024-03-17")
    assert plan.ready and plan.notes == []
    assert plan.start == plan.earliest_start == pd.Timestamp("2024-03-18")  # the next Monday
    assert plan.when == "Starts Monday 18 Mar 2024."
    weeks = plan.weeks
    assert weeks["run_min"].tolist() == DEFAULT_WEEKS + [90.0] * 4
    assert weeks["change_pct"].tolist()[1:5] == [8.3, 9.6, 8.8, 9.7]  # 26/24, 28.5/26, ...
    assert (weeks["terrain"].iloc[:16] == "flat").all()
    # Hills last: 2 weeks adding uphill, then 2 adding downhill, at the same volume.
    assert weeks["terrain"].iloc[16:].tolist() == ["flat + gentle uphill"] * 2 + [
        "hills incl. downhill"] * 2
    assert weeks["phase"].iloc[0] == "walk-run" and weeks["phase"].iloc[15] == "continuous"
    assert (weeks["status"] == "planned").all() and not weeks["held"].any()
    # Three sessions a week with a rest day between: Monday, Wednesday, Friday.
    first = plan.sessions[plan.sessions["week"] == 1]
    assert first["date"].dt.day_name().tolist() == ["Monday", "Wednesday", "Friday"]
    assert first["description"].iloc[0] == ("2 × (1 min run + 4 min walk), then "
                                            "4 × (1.5 min run + 3.5 min walk), flat")
    assert plan.disclaimer == DISCLAIMER and "not medical advice" in plan.disclaimer
    assert plan.rule.startswith("A session breaks the pain rule when pain during it is above "
                                "2/10") and "holds the next week" in plan.rule
    assert plan.evidence.startswith("[heuristic] Seed guidance")


def test_a_session_over_the_pain_rule_holds_the_next_step():
    # Plan started Monday 03-18; week 1 sessions logged, 03-20 hurt 3/10 during the run.
    runs = [run("2024-03-18", 1.5), run("2024-03-20", 1.5), run("2024-03-22", 1.5),
            run("2024-03-25", 1.5), run("2024-03-27", 1.5)]
    diary = pain(*[(f"2024-03-{d:02d}", 1, "daily_worst") for d in range(11, 18)],
                 ("2024-03-20", 3, "during_run"))
    plan = return_to_run_plan(activities(*runs), diary, today="2024-03-28", start="2024-03-18")
    weeks = plan.weeks
    assert weeks["status"].tolist()[:3] == ["done", "in progress", "planned"]
    assert weeks["pain_breaches"].tolist()[:2] == [1, 0]
    assert weeks["runs_logged"].tolist()[:2] == [3, 2]
    # Week 2 repeats week 1's step (24 min, +0 %); week 3 goes on to 26 min.
    assert weeks["step"].tolist()[:3] == [1, 1, 2]
    assert weeks["run_min"].tolist()[:3] == [24.0, 24.0, 26.0]
    assert weeks["change_pct"].tolist()[1:3] == [0.0, 8.3]
    assert weeks["held"].tolist()[:3] == [False, True, False]
    assert weeks["reason"].iloc[1] == "1 pain-rule breach in week 1: hold this step"
    # The state was read before the start: the breach came later, so it was ready.
    assert plan.ready and plan.start == pd.Timestamp("2024-03-18")


def test_a_finished_week_without_runs_is_repeated():
    plan = return_to_run_plan(activities(), SETTLED, today="2024-03-26", start="2024-03-18")
    assert plan.weeks["held"].tolist()[:2] == [False, True]
    assert plan.weeks["reason"].iloc[1] == "no run logged in week 1: repeat this step"


def test_not_ready_the_weeks_wait_undated_for_the_earliest_start():
    # 4/10 on Fri 03-15 and 03-16 (a day over the rule breaks it): the earliest Monday
    # whose 7 days before (Mon..Sun) hold neither is 03-25 (its week before: 03-18..03-24).
    sore = pain(("2024-03-15", 4, "daily_worst"), ("2024-03-16", 4, "daily_worst"))
    plan = return_to_run_plan(activities(), sore, today="2024-03-17")
    assert not plan.ready and plan.notes[0].startswith(
        "Pain is not settled yet (worst 4/10 in the last 7 days, 0 pain-rule breaches)")
    assert plan.state["recent_pain_max"] == 4
    assert plan.start is None and plan.earliest_start == pd.Timestamp("2024-03-25")
    assert plan.when == ("Starts once the pain rule allows: Monday 25 Mar 2024 at the "
                         "earliest, if pain stays at 2/10 or below, no worse the next "
                         "morning, and is logged daily until then.")
    assert (plan.weeks["status"] == "waiting").all() and plan.weeks["week_start"].isna().all()
    assert plan.sessions["date"].isna().all()
    assert plan.sessions["day"].tolist()[:3] == ["Mon", "Wed", "Fri"]
    assert plan.weeks["run_min"].tolist() == DEFAULT_WEEKS + [90.0] * 4  # for when it may


def test_a_pain_rule_breach_moves_the_earliest_start():
    # A during-run 3/10 on Wed 03-20 (today): 03-20 + 8 days = Thu 03-28 -> Monday 04-01.
    diary = pain(*[(f"2024-03-{d:02d}", 1, "daily_worst") for d in range(11, 20)],
                 ("2024-03-20", 3, "during_run"))
    plan = return_to_run_plan(activities(run("2024-03-20", 1.5)), diary, today="2024-03-20")
    assert "1 pain-rule breach)" in plan.notes[0]
    assert plan.earliest_start == pd.Timestamp("2024-04-01")


def test_no_pain_logged_waits_for_a_diary():
    unknown = return_to_run_plan(activities(), NO_PAIN, today="2024-03-17")
    assert not unknown.ready and "missing, not pain-free" in unknown.notes[0]
    # Logging from today on (Sunday) fills the week before Monday 03-18.
    assert unknown.start is None and unknown.earliest_start == pd.Timestamp("2024-03-18")
    assert len(unknown.weeks) == 20  # still proposed, for when pain has settled


def test_start_from_recent_volume():
    # 4 weeks before Monday 03-18 (02-19..03-17): 4 × 200 min of running -> 200 min a week;
    # start at half (100 = 200 steps), target 200 (400 steps): × 1.1 rounded down: 220, 242,
    # 266 (266.2), 292 (292.6), 321 (321.2), 353 (353.1), 388 (388.3), then 426.8 -> 400.
    runs = [run(day.strftime("%Y-%m-%d"), 10, 4000)
            for day in pd.date_range("2024-02-19", "2024-03-17", freq="7D")]
    runs += [run(day.strftime("%Y-%m-%d"), 20, 8000)
             for day in pd.date_range("2024-02-22", "2024-03-17", freq="7D")]
    plan = return_to_run_plan(activities(*runs), SETTLED, today="2024-03-17")
    assert plan.state["recent_run_min_per_week"] == 200.0
    assert plan.weeks["run_min"].tolist()[:9] == [100.0, 110.0, 121.0, 133.0, 146.0, 160.5,
                                                  176.5, 194.0, 200.0]
    assert plan.weeks["phase"].tolist()[:2] == ["continuous", "continuous"]
    assert plan.sessions["description"].iloc[3] == "36.5 min easy continuous run, flat"


@pytest.mark.parametrize(("start", "pct", "usable"), [
    (24.0, 10.0, True),   # 2.4 min a week: grows by whole 30-s steps
    (24.0, 2.5, True),    # 0.6 min
    (24.0, 2.0, False),   # 0.48 min: not one 30-s step, the plan would have to start higher
    (5.0, 10.0, True),    # exactly 0.5 min
])
def test_a_weekly_increase_too_small_for_a_30_second_step_is_refused(start, pct, usable):
    settings = {"plan_start_run_min": start, "plan_increase_pct": pct}
    if usable:
        Thresholds.from_dict(settings)
    else:
        with pytest.raises(ValueError, match=re.escape("plan_increase_pct / 100 >= 0.5")):
            Thresholds.from_dict(settings)
