"""Display units: kilometres and metres, or miles and feet — chosen once, used everywhere."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

MILE_M = 1609.344
FOOT_M = 0.3048


@dataclass(frozen=True)
class Units:
    """How distances and heights are shown: labels and metres per displayed unit."""

    key: str  # "km" or "mi"
    distance: str
    distance_m: float
    height: str
    height_m: float

    def dist(self, metres: float) -> float:
        """Metres in display distance units."""
        return metres / self.distance_m

    def height_of(self, metres: float) -> float:
        """Metres in display height units."""
        return metres / self.height_m

    def format_dist(self, metres: float | None, digits: int = 1) -> str:
        """'12.3 km' (or '–' when unknown)."""
        if metres is None or metres != metres:
            return "–"
        return f"{self.dist(metres):.{digits}f} {self.distance}"

    def format_height(self, metres: float | None) -> str:
        """'345 m' (or '–' when unknown)."""
        if metres is None or metres != metres:
            return "–"
        return f"{self.height_of(metres):.0f} {self.height}"


METRIC = Units("km", "km", 1000.0, "m", 1.0)
IMPERIAL = Units("mi", "mi", MILE_M, "ft", FOOT_M)


def units_for(key: str | None) -> Units:
    """METRIC for 'km' (the default), IMPERIAL for 'mi'."""
    return IMPERIAL if key == "mi" else METRIC


def format_value(value: float | None, unit: str, units: Units) -> str:
    """A flag's value or threshold with its unit, for people ('+34.0 %', '1.52 ×', '3/10')."""
    if value is None or math.isnan(value):
        return "–"
    if unit == "%":
        return f"{value:+.1f} %"
    if unit == "×":
        return f"{value:.2f} ×"
    if unit == "/10":
        return f"{value:g}/10"
    if unit == "m":
        return units.format_dist(value)
    return f"{value:g} {unit}"


def number_text(values: pd.Series, digits: int, signed: bool = False) -> list[str]:
    """Numbers as text with `digits` decimals for a table; empty where unknown (never 'None'
    or 'nan' on the screen)."""
    pattern = f"{{:{'+' if signed else ''}.{digits}f}}"
    return ["" if np.isnan(v) else pattern.format(v)
            for v in pd.Series(values).to_numpy(dtype=float, na_value=np.nan)]
