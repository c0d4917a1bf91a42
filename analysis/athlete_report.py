"""A one-page HTML report on one athlete, to share with them or a physiotherapist.

Self-contained (inline CSS and an inline SVG chart, no scripts or network), printable, and
every user-supplied text escaped.
"""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

from analysis.load import LoadTables
from analysis.risk import current_from, no_flags_words, recent_data
from analysis.thresholds import DISCLAIMER
from analysis.units import Units, format_value

_CSS = """body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2933;
max-width:820px;margin:24px auto;padding:0 16px;font-size:14px;line-height:1.45}
h1{font-size:22px;margin:0}h2{font-size:16px;margin:22px 0 6px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%}td,th{padding:4px 6px;border-bottom:1px solid #eee;
text-align:left;vertical-align:top}th{background:#f6f7f9}.num{text-align:right}
.high{color:#b42318;font-weight:600}.caution{color:#b54708;font-weight:600}.info{color:#475467}
.note{color:#555;font-size:12px}.kpis{display:flex;gap:24px;margin:12px 0}
.kpis div{border:1px solid #e5e7eb;border-radius:6px;padding:8px 12px}
.kpis b{display:block;font-size:18px}@media print{body{margin:0}}
.wide{overflow-x:auto;max-width:100%}
@media (max-width:600px){body{margin:12px auto;padding:0 10px;font-size:13px}
.kpis{flex-wrap:wrap;gap:8px}.kpis div{flex:1 1 40%}td,th{padding:3px 4px}
.flags tr:first-child{display:none}.flags tr{display:block;padding:6px 0;
border-bottom:1px solid #eee}.flags td{display:block;border:0;padding:1px 0;text-align:left}
.flags td[data-label]::before{content:attr(data-label);color:#555}
.weeks tr:first-child{display:none}.weeks tr{display:grid;grid-template-columns:repeat(4,1fr);
border-bottom:1px solid #ddd;padding:4px 0}.weeks td{border:0;text-align:left}
.weeks td:first-child{grid-column:1/-1;font-weight:600}
.weeks td[data-label]::before{content:attr(data-label);color:#555;display:block;
font-size:11px}}"""


def _num(value: float, pattern: str = "{:.1f}") -> str:
    return "–" if value is None or pd.isna(value) else pattern.format(value)


def _chart(weekly: pd.DataFrame, units: Units, caution_pct: float, high_pct: float) -> str:
    """Inline SVG: weekly distance bars with the week's worst pain as a line (0–10); a
    sentence instead when those weeks hold no run and no diary entry."""
    weeks = weekly.tail(16).reset_index(drop=True)
    if weeks.empty or (weeks["runs"].sum() == 0 and weeks["pain_days"].sum() == 0):
        return (f"<p>No runs and no diary entries in the {len(weeks)} complete weeks before "
                "this report; the dashboard's Overview shows the latest ones.</p>")
    width, height, pad = 760, 160, 28
    step = (width - 2 * pad) / len(weeks)
    distance = weeks["distance_m"].to_numpy(float) / units.distance_m
    top = max(float(np.nanmax(distance)) if len(distance) else 0.0, 1.0)
    parts = [f'<svg viewBox="0 0 {width} {height + 34}" width="100%" role="img" '
             f'aria-label="Weekly distance and worst pain, last {len(weeks)} weeks">']
    points = []
    for i, row in weeks.iterrows():
        bar = distance[i] / top * (height - pad)
        x = pad + i * step
        colour = "#c8412c" if row["change_pct"] > high_pct else (
            "#e0a526" if row["change_pct"] > caution_pct else "#4d9a6a")
        if pd.isna(row["change_pct"]):
            colour = "#b8b8b8"
        parts.append(f'<rect x="{x + 2:.1f}" y="{height - bar:.1f}" width="{step - 4:.1f}" '
                     f'height="{bar:.1f}" fill="{colour}"><title>{row["week_start"]:%d %b}: '
                     f'{distance[i]:.1f} {units.distance}</title></rect>')
        new_year = i == 0 or row["week_start"].year != weeks["week_start"].iloc[i - 1].year
        parts.append(f'<text x="{x + step / 2:.1f}" y="{height + 16}" font-size="10" '
                     f'text-anchor="middle">{row["week_start"]:%-d %b}'
                     + (f'<tspan x="{x + step / 2:.1f}" dy="11">{row["week_start"]:%Y}</tspan>'
                        if new_year else "") + "</text>")
        if not pd.isna(row["pain_max"]):
            y = height - row["pain_max"] / 10 * (height - pad)
            points.append(f"{x + step / 2:.1f},{y:.1f}")
    if len(points) > 1:
        parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="#7a2e8e" '
                     'stroke-width="2"/>')
    parts.append(f'<text x="{pad}" y="12" font-size="11">bars: {units.distance}/week '
                 f'(max {top:.0f}) · purple line: worst pain that week (0–10)</text></svg>')
    return "".join(parts)


def athlete_report_html(name: str, tables: LoadTables, units: Units) -> str:
    """The report as one HTML document."""
    weekly = tables.weekly
    complete = weekly[~weekly["partial"]]
    last = complete.iloc[-1] if len(complete) else None
    pain = tables.daily["pain_max"]
    window = tables.thresholds.current_days
    recent_pain = pain[pain.index > tables.today - pd.Timedelta(days=window)]
    four = complete.tail(4)["distance_m"].mean() if len(complete) else np.nan
    flags = current_from(tables)
    rows = "".join(
        f'<tr><td class="{f.level}">{escape(f.level)}</td><td>{escape(f.rule)}</td>'
        f'<td class="num" data-label="measured ">{escape(format_value(f.value, f.unit, units))}'
        f'</td><td class="num" data-label="threshold ">'
        f"{escape(format_value(f.threshold, f.unit, units))}</td>"
        f"<td>{escape(f.strength)} {escape(f.evidence)}</td></tr>" for f in flags)
    flag_table = (f'<div class="wide"><table class="flags"><tr><th>level</th><th>rule</th>'
                  f"<th>measured</th><th>threshold</th><th>evidence</th></tr>{rows}"
                  "</table></div>" if flags
                  else f"<p>{escape(no_flags_words(recent_data(tables)))}</p>")
    week_rows = "".join(
        f"<tr><td>{w['week_start']:%d %b %Y}</td>" + "".join(
            f'<td class="num" data-label="{label}">{value}</td>' for label, value in (
                (units.distance, _num(w["distance_m"] / units.distance_m)),
                ("change", _num(w["change_pct"], "{:+.0f} %")),
                ("runs", int(w["runs"])),
                (f"longest ({units.distance})", _num(w["longest_run_m"] / units.distance_m)),
                (f"descent ({units.height})",
                 _num(w["elevation_loss_m"] / units.height_m, "{:.0f}")),
                ("cadence (spm)", _num(w["avg_cadence_spm"], "{:.0f}")),
                ("worst pain", _num(w["pain_max"], "{:.0f}")),
                ("days logged", int(w["pain_days"])))) + "</tr>"
        for _, w in complete.tail(8).iloc[::-1].iterrows())
    last_m = last["distance_m"] if last is not None else None
    last_change = last["change_pct"] if last is not None else None
    kpis = (f"<div>Last full week<b>{units.format_dist(last_m)}</b>"
            f"{_num(last_change, '{:+.0f} %')} vs week before</div>"
            f"<div>4-week average<b>{units.format_dist(four)}</b>per week</div>"
            f"<div>Pain, last {window} days<b>{_num(recent_pain.max(), '{:.0f}/10')}</b>worst "
            f"({recent_pain.notna().sum()} days logged)</div>")
    caution = tables.thresholds.weekly_change_caution_pct
    high = tables.thresholds.weekly_change_high_pct
    chart = _chart(complete, units, caution, high)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kneeload report: {escape(name)}</title><style>{_CSS}</style></head><body>
<h1>kneeload report: {escape(name)}</h1>
<p class="note">As of {tables.today:%d %B %Y}. {escape(DISCLAIMER)}</p>
<div class="kpis">{kpis}</div>
<h2>Weekly running and knee pain</h2>{chart}
<h2>Flags now</h2>{flag_table}
<h2>Last 8 complete weeks</h2>
<div class="wide"><table class="weeks"><tr><th>week</th><th class="num">{units.distance}</th>
<th class="num">change</th>
<th class="num">runs</th><th class="num">longest ({units.distance})</th>
<th class="num">descent ({units.height})</th><th class="num">cadence (spm)</th>
<th class="num">worst pain</th><th class="num">days logged</th></tr>{week_rows}</table></div>
<p class="note">Evidence tags: [solid] prospective studies; [weak] small, retrospective or
lab-only; [heuristic] rule of thumb. Weekly change bands: ≤{caution:g} %
/ {caution:g}–{high:g} % / &gt;{high:g} %.
Generated by kneeload.</p></body></html>"""
