"""Flags as records: rule, value, threshold and the evidence line with its strength tag."""

import math

import pandas as pd
import pytest

from analysis.flags import RULES
from analysis.risk import current_flags, week_flags
from analysis.thresholds import EVIDENCE, Thresholds
from tests.load.fixtures import NO_PAIN, activities, pain, run
from tests.load.test_load import SEASON, SEASON_PAIN


def test_current_flags_on_the_season():
    flags = current_flags(activities(*SEASON), SEASON_PAIN, today="2024-02-14")
    # Today (Wed 02-14): the 50 km run of 02-12, the rolling 7 days (+95.3 %), the last
    # complete week (W6, +15 %) and the note that this week is in progress, most severe first.
    assert [f.code for f in flags] == ["spike_large", "rolling7_jump_high",
                                       "weekly_jump_caution", "week_partial"]
    spike, rolling, weekly, partial = flags
    assert (spike.level, spike.unit, spike.threshold) == ("high", "×", 2.0)
    assert spike.value == pytest.approx(50 / 22)
    assert spike.date == pd.Timestamp("2024-02-12") and spike.activity_id
    assert spike.strength == "[solid]"
    assert "2.28 (95 % CI 1.50–3.48)" in spike.evidence and "Frandsen" in spike.evidence
    assert spike.rule == "Run longer than 2 × the longest run of the previous 30 days"
    assert (rolling.level, rolling.value, rolling.threshold) == ("high", 95.3125, 30.0)
    assert rolling.date == pd.Timestamp("2024-02-14") and rolling.strength == "[weak]"
    assert "1.59 (95 % CI 0.96–2.66)" in rolling.evidence
    assert (weekly.level, weekly.threshold, weekly.unit) == ("caution", 10.0, "%")
    assert weekly.value == pytest.approx(15.0)
    assert weekly.strength == "[heuristic]" and "rule of thumb" in weekly.rule
    assert "Buist" in weekly.evidence
    assert partial.level == "info" and partial.value == 50000 and math.isnan(partial.threshold)
    assert "not compared" in partial.rule


def test_week_flags_match_the_weekly_codes():
    by_week = week_flags(activities(*SEASON), SEASON_PAIN, today="2024-02-14")
    assert sorted(by_week) == [pd.Timestamp(d) for d in ("2024-01-01", "2024-01-08",
                                                         "2024-01-22", "2024-01-29",
                                                         "2024-02-05", "2024-02-12")]
    w1 = by_week[pd.Timestamp("2024-01-01")]
    # 01-06 (20 km after 10 km) is 5 days into the data: no ratio, no spike flag.
    assert [f.code for f in w1] == ["pain_during_run", "spike_no_baseline"]
    during, first = w1
    assert (during.value, during.threshold, during.unit) == (3, 2, "/10")
    assert during.date == pd.Timestamp("2024-01-02")
    # The first run ever: no run in the previous 30 days (days since the last run unknown).
    assert first.level == "info" and math.isnan(first.value) and first.threshold == 30
    morning = by_week[pd.Timestamp("2024-01-08")][0]
    # 01-10 next morning 3 vs the highest of 01-09 (2): the threshold is the day before.
    assert (morning.code, morning.value, morning.threshold) == ("pain_next_morning", 3, 2)
    assert "1.2 points" in morning.evidence
    severe = by_week[pd.Timestamp("2024-01-22")][0]
    assert (severe.code, severe.level, severe.value) == ("pain_during_run_severe", "high", 5)


def test_descent_spike_and_cadence_drop():
    # Two earlier runs fill the 30-day window (02-01 is 34 days before 03-06).
    rows = [run(f"2024-02-{d:02d}", 9, 2700, avg_cadence_spm=170, elevation_loss_m=30)
            for d in (1, 15)]
    rows += [run(f"2024-03-{d:02d}", 9, 2700, avg_cadence_spm=170, elevation_loss_m=60)
             for d in range(1, 6)]
    # 6th run: same speed, cadence 160 (−5.88 %), descent 90 m (1.5 × 60 m).
    rows.append(run("2024-03-06", 9, 2700, avg_cadence_spm=160, elevation_loss_m=90))
    # 7th: 40 m / 90 m = 0.44, no spike.
    rows.append(run("2024-03-07", 9, 2700, avg_cadence_spm=170, elevation_loss_m=40))
    flags = current_flags(activities(*rows), NO_PAIN, today="2024-03-07")
    by_code = {f.code: f for f in flags}
    descent = by_code["descent_spike"]
    assert (descent.value, descent.threshold, descent.strength) == (1.5, 1.3, "[weak]")
    assert "Gottschall & Kram 2005" in descent.evidence
    cadence = by_code["cadence_drop"]
    assert cadence.value == pytest.approx((160 / 170 - 1) * 100)
    assert cadence.threshold == -5 and cadence.strength == "[weak]"
    assert "Lenhart" in cadence.evidence


def test_small_descents_are_not_spikes():
    # 40 m after 20 m is 2 × but under the 50 m floor: noise, not a descent spike.
    rows = [run("2024-03-01", 9, elevation_loss_m=20), run("2024-03-02", 9, elevation_loss_m=40)]
    codes = [f.code for f in current_flags(activities(*rows), NO_PAIN, today="2024-03-02")]
    assert "descent_spike" not in codes


def test_persistent_low_pain_also_sends_to_a_professional():
    # 2/10 on five days of every week for 8 weeks: under the 3/10 of the high flag, but pain
    # beyond about 4 weeks all the same (seed advice).
    days = pd.date_range("2024-03-04", periods=56)
    diary = pain(*[(f"{d:%Y-%m-%d}", 2, "daily_worst") for d in days if d.day_of_week < 5])
    flags = current_flags(activities(), diary, today="2024-04-28")
    low = [f for f in flags if f.code == "persistent_low_pain"]
    assert len(low) == 1 and not any(f.code == "persistent_pain" for f in flags)
    # 03-04 to 04-26 (the last entry): 53 days > 28.
    assert (low[0].level, low[0].value, low[0].threshold) == ("caution", 53, 28)
    assert "see a physiotherapist or sports physician" in low[0].rule


def test_persistent_pain_over_four_weeks():
    # ≥3/10 on 03-01, 03-07, 03-14 (gap 7: same episode), 03-21, 03-28, 04-01:
    # 04-01 − 03-01 = 31 days > 28 -> persistent; 03-28 is only 27 days in.
    days = ["03-01", "03-07", "03-14", "03-21", "03-28", "04-01"]
    diary = pain(*[(f"2024-{d}", 3, "daily_worst") for d in days])
    flags = current_flags(activities(), diary, today="2024-04-02")
    assert [f.code for f in flags] == ["persistent_pain"]
    (flag,) = flags
    assert (flag.level, flag.value, flag.threshold, flag.unit) == ("high", 31, 28, "days")
    assert "physiotherapist" in flag.rule and flag.strength == "[heuristic]"
    # A gap of 8 days ends the episode: 03-01, 03-09, ... never spans more than 28 days.
    broken = pain(*[(f"2024-{d}", 4, "daily_worst")
                    for d in ("03-01", "03-09", "03-17", "03-25", "04-02")])
    assert current_flags(activities(), broken, today="2024-04-02") == []


def test_current_flags_of_nothing():
    assert current_flags(activities(), NO_PAIN, today="2024-04-02") == []


def test_every_rule_quotes_a_tagged_evidence_line_and_notices_no_tag():
    t = Thresholds()
    for code, rule in RULES.items():
        evidence = EVIDENCE[rule.evidence]
        # An information notice reports no evidence, so it carries no strength tag.
        tags = ("",) if rule.level == "info" else ("[solid]", "[weak]", "[heuristic]")
        assert evidence.strength in tags, code
        assert evidence.citation and evidence.line.endswith(f"({evidence.citation})")
        assert rule.level in ("info", "caution", "high")
        assert "{" not in rule.words.format(**t.to_dict())


def test_thresholds_from_dict_and_back():
    t = Thresholds.from_dict({"weekly_change_caution_pct": "15", "spike_window_days": 28.0,
                              "colour": "blue", "pain_rule_max": None})
    assert t.weekly_change_caution_pct == 15.0 and t.spike_window_days == 28
    assert t.pain_rule_max == 2.0  # None and unknown keys leave the defaults
    assert Thresholds.from_dict(t.to_dict()) == t
    assert Thresholds.from_dict(None) == Thresholds()
    with pytest.raises(ValueError, match="spike_window_days"):
        Thresholds.from_dict({"spike_window_days": 7.5})
    with pytest.raises(ValueError, match="not a number"):
        Thresholds.from_dict({"spike_small": "high"})
    with pytest.raises(ValueError, match="weekly_change_caution_pct < weekly_change_high_pct"):
        Thresholds.from_dict({"weekly_change_caution_pct": 40})
