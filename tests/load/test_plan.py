"""The pain-gated return-to-run proposal: its steps, its gate and its disclaimer."""

import pandas as pd
import pytest

from analysis.plan import return_to_run_plan, session_shape
from analysis.thresholds import DISCLAIMER
from tests.load.fixtures import NO_PAIN, activities, pain, run

SETTLED = pain(*[(f"2024-03-{d:02d}", 1, "daily_worst") for d in range(11, 18)])


def test_session_shapes():
    # 24 min a week over 3 sessions = 8 min: 6 blocks of 5 min, 8/6 = 1.33 -> 1.5 min run.
    assert session_shape(8.0) == (6, 1.5, 3.5, "6 × (1.5 min run + 3.5 min walk)")
    assert session_shape(30.0) == (1, 30.0, 0.0, "30 min easy continuous run")
    # 29/6 = 4.83 rounds to 5 min running per 5-min block: that is a continuous run.
    assert session_shape(29.0)[3] == "29 min easy continuous run"


def test_fresh_start_steps_up_ten_percent_on_flat_then_hills_last():
    plan = return_to_run_plan(activities(), SETTLED, today="2024-03-17")
    assert plan.ready and plan.notes == []
    assert plan.start == pd.Timestamp("2024-03-18")  # the next Monday
    weeks = plan.weeks
    # No running in the last 4 weeks: start at 24 min a week, +10 % a week up to 90 min:
    # 24 × 1.1^k for k = 0..13 (24 × 1.1^13 = 82.85), then 90 (capped); 15 steps.
    expected = [24 * 1.1**k for k in range(14)] + [90.0]
    assert weeks["run_min"].tolist()[:15] == pytest.approx(expected)
    assert weeks["change_pct"].iloc[1:14].tolist() == pytest.approx([10.0] * 13)
    assert (weeks["terrain"].iloc[:15] == "flat").all()
    # Hills last: 2 weeks adding uphill, then 2 adding downhill, at the same volume.
    assert weeks["terrain"].iloc[15:].tolist() == ["flat + gentle uphill"] * 2 + [
        "hills incl. downhill"] * 2
    assert weeks["run_min"].iloc[15:].tolist() == [90.0] * 4
    assert weeks["phase"].iloc[0] == "walk-run" and weeks["phase"].iloc[14] == "continuous"
    assert (weeks["status"] == "planned").all() and not weeks["held"].any()
    # Three sessions a week with a rest day between: Monday, Wednesday, Friday.
    first = plan.sessions[plan.sessions["week"] == 1]
    assert first["date"].dt.day_name().tolist() == ["Monday", "Wednesday", "Friday"]
    assert first["description"].iloc[0] == "6 × (1.5 min run + 3.5 min walk), flat"
    assert plan.disclaimer == DISCLAIMER and "not medical advice" in plan.disclaimer
    assert "2/10" in plan.rule and "holds the next week" in plan.rule
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
    # Week 2 repeats week 1's step (24 min); week 3 goes on to 26.4 min.
    assert weeks["step"].tolist()[:3] == [1, 1, 2]
    assert weeks["run_min"].tolist()[:3] == pytest.approx([24.0, 24.0, 26.4])
    assert weeks["held"].tolist()[:3] == [False, True, False]
    assert weeks["reason"].iloc[1] == "1 pain-rule breach(es) in week 1: hold this step"
    # The state was read before the start: the breach came later, so it was ready.
    assert plan.ready


def test_a_finished_week_without_runs_is_repeated():
    plan = return_to_run_plan(activities(), SETTLED, today="2024-03-26", start="2024-03-18")
    assert plan.weeks["held"].tolist()[:2] == [False, True]
    assert plan.weeks["reason"].iloc[1] == "no run logged in week 1: repeat this step"


def test_not_ready_while_pain_is_not_settled_or_unknown():
    sore = pain(("2024-03-15", 4, "daily_worst"))
    plan = return_to_run_plan(activities(), sore, today="2024-03-17")
    assert not plan.ready and "not settled" in plan.notes[0]
    assert plan.state["recent_pain_max"] == 4
    unknown = return_to_run_plan(activities(), NO_PAIN, today="2024-03-17")
    assert not unknown.ready and "missing, not pain-free" in unknown.notes[0]
    assert len(unknown.weeks) == 19  # still proposed, for when pain has settled


def test_start_from_recent_volume():
    # 4 weeks before Monday 03-18 (02-19..03-17): 4 × 200 min of running -> 200 min a week;
    # start at half (100), target 200: 100 × 1.1^k up to 1.1^7 = 194.87, then 200.
    runs = [run(day.strftime("%Y-%m-%d"), 10, 4000)
            for day in pd.date_range("2024-02-19", "2024-03-17", freq="7D")]
    runs += [run(day.strftime("%Y-%m-%d"), 20, 8000)
             for day in pd.date_range("2024-02-22", "2024-03-17", freq="7D")]
    plan = return_to_run_plan(activities(*runs), SETTLED, today="2024-03-17")
    assert plan.state["recent_run_min_per_week"] == pytest.approx(200.0)
    assert plan.weeks["run_min"].tolist()[:9] == pytest.approx(
        [100 * 1.1**k for k in range(8)] + [200.0])
    assert plan.weeks["phase"].tolist()[:2] == ["continuous", "continuous"]
