"""Every threshold the load metrics, flags and return-to-run plan use, and the evidence behind them.

`Thresholds()` holds the defaults of ../shared/DOMAIN.md §2–§4; an athlete's stored settings
override single values (`Thresholds.from_dict`). `EVIDENCE` is the one table of evidence lines
(text, strength tag, citation) that every flag quotes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

SOLID = "[solid]"
WEAK = "[weak]"
HEURISTIC = "[heuristic]"
NOTE = ""  # information notices carry no strength tag: they report no evidence

SETTINGS_KEY = "thresholds"  # where an athlete's stored settings keep their overrides

DISCLAIMER = ("Decision support and self-study, not medical advice or a diagnosis. If pain "
              "persists beyond about 4 weeks, gets worse or makes you limp, see a "
              "physiotherapist or sports physician.")


# The thresholds on the 0–10 pain scale, in whole points like the diary.
PAIN_POINTS = frozenset({"pain_rule_max", "pain_stop_above", "persistent_pain_score",
                         "persistent_low_pain_score", "flare_score", "flare_min_rise"})


@dataclass(frozen=True)
class Thresholds:
    """Per-athlete thresholds; the defaults are DOMAIN.md's (product choices are marked)."""

    # Week-over-week running distance change, % (DOMAIN §2): above `caution` is the 10 % rule
    # of thumb, above `high` is the >30 % band of Nielsen 2014.
    weekly_change_caution_pct: float = 10.0
    weekly_change_high_pct: float = 30.0
    # Single-run spike: distance ÷ longest run of the previous `spike_window_days` days;
    # Frandsen 2025 bands ≤1.1, >1.1–1.3, >1.3–2.0, >2.0.
    spike_small: float = 1.1
    spike_medium: float = 1.3
    spike_large: float = 2.0
    spike_window_days: int = 30
    # Descent spike: run's descent ÷ largest descent of the previous `spike_window_days` days.
    # No validated threshold exists (DOMAIN §2); 1.3 and the 50 m floor (below which ratios of
    # a few metres of GPS noise mean nothing) are product choices.
    descent_spike_ratio: float = 1.3
    descent_spike_min_m: float = 50.0
    # Cadence against the runner's own cadence-on-speed fit over the previous N days.
    cadence_drop_pct: float = 5.0
    cadence_baseline_days: int = 90
    cadence_min_runs: int = 5
    # Pain rule (TREK): during a run at most 2/10, no worse the next morning; seed advice:
    # above 3/10 stop running; pain beyond about 4 weeks: see a professional (≥3/10 is a high
    # flag; any pain, ≥ persistent_low_pain_score, over as long a caution one).
    pain_rule_max: float = 2.0
    pain_stop_above: float = 3.0
    persistent_pain_score: float = 3.0
    persistent_low_pain_score: float = 1.0
    persistent_pain_days: int = 28
    persistent_pain_gap_days: int = 7  # product choice: a longer gap ends a pain episode
    # Flare (DOMAIN §3, analysis.pain.flare_onsets): pain ≥ flare_score after at least
    # flare_quiet_days below it, of which at least flare_recorded_days have an entry (a day
    # without one is unknown, not quiet); at least flare_min_rise above those days' mean
    # (the MCID ≈ 1.16, Piva 2009, in whole points); and flare_persist_days of the first
    # flare_persist_window logged days from the onset reach flare_score or stay
    # flare_min_rise above that mean (the real change persists). One definition for
    # the dashboard and the statistics.
    flare_score: float = 4.0
    flare_quiet_days: int = 7
    flare_recorded_days: int = 4
    flare_min_rise: float = 2.0
    flare_persist_days: int = 2
    flare_persist_window: int = 3
    # ACWR (DOMAIN §2, Williams 2017): acute and chronic windows (also the EWMA N), and the
    # history (days since the first run, inclusive) before any value is shown.
    acute_days: int = 7
    chronic_days: int = 28
    acwr_min_days: int = 28
    acwr_uncoupled_min_days: int = 35
    # Run and pain flags of the last N days count as current.
    current_days: int = 7
    # Return-to-run proposal (DOMAIN §4): running minutes per week grow by this much when the
    # week stayed within the pain rule; the starting level and targets are product choices.
    plan_increase_pct: float = 10.0
    plan_start_run_min: float = 24.0
    plan_start_fraction: float = 0.5
    plan_target_run_min: float = 90.0
    plan_session_min: float = 30.0
    plan_sessions_per_week: int = 3
    plan_terrain_weeks: int = 2

    def __post_init__(self) -> None:
        checks = {
            "weekly_change_caution_pct < weekly_change_high_pct":
                self.weekly_change_caution_pct < self.weekly_change_high_pct,
            "1 <= spike_small < spike_medium < spike_large":
                1 <= self.spike_small < self.spike_medium < self.spike_large,
            "acute_days < chronic_days": 0 < self.acute_days < self.chronic_days,
            "acwr_min_days >= chronic_days": self.acwr_min_days >= self.chronic_days,
            "acwr_uncoupled_min_days >= chronic_days":
                self.acwr_uncoupled_min_days >= self.chronic_days,
            "pain_rule_max <= pain_stop_above": self.pain_rule_max <= self.pain_stop_above,
            "cadence_min_runs >= 3": self.cadence_min_runs >= 3,
            "0 < plan_increase_pct <= 50": 0 < self.plan_increase_pct <= 50,
            # the plan's figures are whole 30-s steps: a first week that cannot grow by one
            # would have to start higher than set
            "plan_start_run_min × plan_increase_pct / 100 >= 0.5":
                self.plan_start_run_min * self.plan_increase_pct / 100 >= 0.5,
            "plan_sessions_per_week in 1..7": 1 <= self.plan_sessions_per_week <= 7,
            "plan_start_run_min <= plan_target_run_min":
                self.plan_start_run_min <= self.plan_target_run_min,
            "0 < plan_start_fraction <= 1": 0 < self.plan_start_fraction <= 1,
            "0 <= flare_recorded_days <= flare_quiet_days":
                0 <= self.flare_recorded_days <= self.flare_quiet_days,
            "flare_min_rise >= 0": self.flare_min_rise >= 0,
            "1 <= flare_persist_days <= flare_persist_window <= flare_quiet_days":
                1 <= self.flare_persist_days <= self.flare_persist_window
                <= self.flare_quiet_days,
        }
        positive = ("spike_window_days", "cadence_baseline_days", "persistent_pain_days",
                    "persistent_pain_gap_days", "flare_quiet_days", "current_days",
                    "plan_start_run_min", "plan_session_min", "plan_terrain_weeks",
                    "descent_spike_ratio", "cadence_drop_pct")
        checks |= {f"{name} > 0": getattr(self, name) > 0 for name in positive}
        broken = [rule for rule, ok in checks.items() if not ok]
        if broken:
            raise ValueError("invalid thresholds: " + "; ".join(broken))

    @classmethod
    def from_dict(cls, values: dict[str, Any] | None) -> Thresholds:
        """Defaults overridden by `values`: unknown keys ignored, numbers as text accepted."""
        values = values or {}
        chosen: dict[str, Any] = {}
        for field in fields(cls):
            if field.name not in values or values[field.name] is None:
                continue
            raw = values[field.name]
            try:
                number = float(raw)
            except (TypeError, ValueError):
                raise ValueError(f"threshold {field.name}: not a number: {raw!r}") from None
            if isinstance(field.default, int):
                if not number.is_integer():
                    raise ValueError(f"threshold {field.name}: whole days needed, got {raw!r}")
                chosen[field.name] = int(number)
            else:
                chosen[field.name] = number
        return cls(**chosen)

    @classmethod
    def from_settings(cls, settings: dict[str, Any] | None) -> Thresholds:
        """An athlete's thresholds: the overrides stored under SETTINGS_KEY in their settings."""
        return cls.from_dict((settings or {}).get(SETTINGS_KEY))

    @classmethod
    def usable(cls, settings: dict[str, Any] | None) -> tuple[Thresholds, str | None]:
        """The athlete's thresholds, or the defaults and the reason when the stored ones are
        invalid (written by an older version or by hand), so every page still opens."""
        try:
            return cls.from_settings(settings), None
        except ValueError as exc:
            return cls(), str(exc)

    def to_dict(self) -> dict[str, float | int]:
        """All thresholds as a JSON-ready dictionary."""
        return asdict(self)


@dataclass(frozen=True)
class Evidence:
    """One evidence line: what is known, how strong (tag) and where it comes from."""

    text: str
    strength: str
    citation: str

    @property
    def line(self) -> str:
        """The sentence shown next to a flag's strength tag: text and citation."""
        return f"{self.text} ({self.citation})"

    @property
    def tagged(self) -> str:
        """The line with its strength tag in front, for places that show no separate tag."""
        return f"{self.strength} {self.line}"


_FRANDSEN = ("for running-related overuse injuries of all kinds, not patellofemoral pain "
             "specifically; 5,205 runners, 588,071 runs; the weekly ratio showed no relation in "
             "the same cohort")
_FRANDSEN_CITE = "Frandsen et al. 2025, BJSM 59(17):1203"
_WEEKLY_HIGH = Evidence(
    ">30 %/week vs <10 %: hazard ratio 1.59 (95 % CI 0.96–2.66) for distance-related injuries "
    "incl. patellofemoral pain, 874 novices; 20–60 % vs <20 %: risk difference 22.6 % at day 21 "
    "only (n=261)", WEAK, "Nielsen et al. 2014, JOSPT 44(10); Damsted et al. 2019, JOSPT 49(4)")
_WEEKLY_CAUTION = Evidence(
    "The 10 % line is a rule of thumb: a 10 %-rule programme did not reduce injuries "
    "(20.8 % vs 20.3 %, RCT n=532)", HEURISTIC, "Buist et al. 2008, AJSM 36(1)")
_PAIN_RULE = Evidence(
    "Pain-monitoring rule for running with patellofemoral pain: during a run at most 2/10, "
    "settled within an hour, no worse the next morning; expert guidance, the underlying model "
    "(0–2 safe, 3–5 acceptable if settled by the next morning, >5 too much) was tested for "
    "Achilles tendon pain", HEURISTIC,
    "La Trobe TREK runner education; Silbernagel et al. 2007, AJSM 35(6)")

EVIDENCE: dict[str, Evidence] = {
    "weekly_change_caution": _WEEKLY_CAUTION,
    "weekly_change_high": _WEEKLY_HIGH,
    "spike_small": Evidence(f"Runs >1.1–1.3 × the longest run of the previous 30 days: "
                            f"hazard-rate ratio 1.64 (95 % CI 1.31–2.05), {_FRANDSEN}",
                            SOLID, _FRANDSEN_CITE),
    "spike_medium": Evidence(f"Runs >1.3–2.0 × the longest run of the previous 30 days: "
                             f"hazard-rate ratio 1.52 (95 % CI 1.16–2.00), {_FRANDSEN}",
                             SOLID, _FRANDSEN_CITE),
    "spike_large": Evidence(f"Runs >2.0 × the longest run of the previous 30 days: "
                            f"hazard-rate ratio 2.28 (95 % CI 1.50–3.48), {_FRANDSEN}",
                            SOLID, _FRANDSEN_CITE),
    "spike_no_baseline": Evidence(
        "The spike ratio needs a run in the previous 30 days (a note, not a finding)",
        NOTE, _FRANDSEN_CITE),
    "note": Evidence("A note on how the numbers were computed, not a finding", NOTE,
                     "kneeload"),
    "descent": Evidence(
        "Downhill at −9° raises impact peaks 54 % and braking peaks 73 %; the knee takes a "
        "larger share of the work downhill; clinicians report rapid additions of downhill and "
        "stairs before patellofemoral pain; no validated threshold exists", WEAK,
        "Gottschall & Kram 2005, J Biomech 38; Shih & Ho 2023, JSSM 22; "
        "Esculier et al. 2016, BMC MSD 17:5"),
    "cadence": Evidence(
        "+10 % step rate cut peak patellofemoral force 14 %; +5 % and +10 % reduced knee "
        "energy absorption; effect on pain: very limited evidence (review of 37 studies)", WEAK,
        "Lenhart et al. 2014, MSSE 46(3); Heiderscheit et al. 2011, MSSE 43(2); "
        "Anderson et al. 2022, Sports Med Open"),
    "pain_rule": _PAIN_RULE,
    "pain_morning": Evidence(
        _PAIN_RULE.text + "; a change under about 1.2 points is within noise for "
        "patellofemoral pain (MCID ≈ 1.16)", HEURISTIC,
        _PAIN_RULE.citation + "; Piva et al. 2009, J Rehabil Med 41(3)"),
    "pain_stop": Evidence(
        "Seed advice: above 3/10, worse during runs, or limping — stop running, cross-train, "
        "strengthen; above 5/10 is too much in the pain-monitoring model", HEURISTIC,
        _PAIN_RULE.citation),
    "persistent_pain": Evidence(
        "Seed advice: pain beyond about 4 weeks — see a physiotherapist or sports physician",
        HEURISTIC, "La Trobe TREK runner education (expert guidance)"),
    "acwr": Evidence(
        "The 0.8–1.3 'sweet spot' / ≥1.5 'danger' bands come from team sports; coupling "
        "creates spurious correlation; the ratio behaves like rescaled acute load; in runners a "
        "higher ACWR went with fewer injuries. A descriptive trend line only", WEAK,
        "Gabbett 2016, BJSM 50(5); Lolli et al. 2019, BJSM 53(15); Impellizzeri et al. 2021, "
        "Sports Med 51(3); Frandsen et al. 2025; Williams et al. 2017, BJSM 51(3)"),
    "monotony": Evidence(
        "Foster monotony = mean daily load ÷ SD over 7 days; Runalyze warns at 1.5, critical "
        "at 2; context only", HEURISTIC, "Foster 1998, MSSE 30(7); Runalyze"),
    "return_to_run": Evidence(
        "Seed guidance and clinical protocols: restart on flat ground with walk–run intervals, "
        "progress only when the last sessions stayed within the pain rule, about 5–10 % more "
        "volume a week, rest days between runs at first, hills and downhill last", HEURISTIC,
        "La Trobe TREK runner education; Esculier et al. 2016, BMC MSD 17:5"),
}
