"""Progress methods: the Open SDG progress measure (Statistics Canada's method), and the
result type of the straight-line Ampel (its one rule is :func:`verdict.judge`).

Open SDG progress measure, as described in open-sdg ``docs/progress-methodology.md`` and
implemented in sdg-build ``sdg/ProgressMeasure.py`` (results here equal sdg-build 2.4.0 on its
published test vectors, see tests/test_progress.py). Per series, from base time t0 / value y0,
current time ti / value yi, optional target yT at tT, direction d (+1: higher is better):

- CAGR(a, b, t1, t0) = (a / b) ** (1 / (t1 − t0)) − 1
- not assessable when ti ≤ t0, or y0 and yi have opposite signs; y0 = 0 and yT = 0 are
  replaced by 0.001; s = −1 when y0 < 0, else 1.
- without target (method 1): P = s·d·CAGR(yi, y0); thresholds 0.015 / 0.005 / 0, scaled by
  the limit factor C (see :func:`limit_coefficient`) when a natural limit is given.
- with target (method 2): reached (by direction) → ``target_achieved``, score 5; else
  P = s·d·CAGR(yi, y0) / |CAGR(yT, y0)|; thresholds 0.95 / 0.6 / 0.
- Several series of one indicator: the mean of the series scores, banded [2.5, 5] / [0, 2.5) /
  [−2.5, 0) / [−5, −2.5); ``target_achieved`` only when every scored series achieved it.

Time convention: times are decimal years. A Stichtag counts at the end of its day and months
as twelfths: t = year + (month − 1 + day / days_in_month) / 12, so 31.03.2018 → 2018.25,
30.06.2021 → 2021.5 and 31.12.2019 → 2020.0. Whole years give exactly sdg-build's results.
sdg-build additionally refuses series whose points lie less than one year apart; with
half-year Stichtage that would leave the first reports unassessed, so only ti ≤ t0 is refused.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from dataclasses import dataclass

ZERO_REPLACEMENT = 0.001
METHOD1_THRESHOLDS = {"high": 0.015, "med": 0.005, "low": 0.0}
METHOD2_THRESHOLDS = {"high": 0.95, "med": 0.6, "low": 0.0}
LIMIT_EXPONENT = 4.44
STATUSES = ("substantial_progress", "moderate_progress", "limited_progress", "deterioration",
            "target_achieved", "not_available")
# German names for the reports (Open SDG's English labels in brackets).
STATUS_LABELS = {
    "substantial_progress": "auf Kurs",                                    # on track
    "moderate_progress": "Fortschritt, aber Beschleunigung nötig",         # needs acceleration
    "limited_progress": "geringer Fortschritt",                            # limited progress
    "deterioration": "Verschlechterung",                                   # deterioration
    "target_achieved": "Ziel erreicht",                                    # target achieved
    "not_available": "nicht bewertbar",                                    # not available
}


@dataclass(frozen=True)
class SeriesResult:
    """Progress of one series: value P, status and score (−5 … 5; None when not assessable).

    ``progress_value`` is None where it has no finite value (target equal to the base).
    """

    progress_value: float | None
    status: str
    score: float | None
    sign: int | None
    target_achieved: bool


@dataclass(frozen=True)
class IndicatorResult:
    score: float | None
    status: str


def decimal_year(day: dt.date) -> float:
    """The time of a Stichtag in decimal years (end of the day, months as twelfths).

    >>> decimal_year(dt.date(2018, 3, 31)), decimal_year(dt.date(2021, 6, 30))
    (2018.25, 2021.5)
    """
    days = calendar.monthrange(day.year, day.month)[1]
    return day.year + (day.month - 1 + day.day / days) / 12


def cagr(value: float, base: float, t: float, t0: float) -> float:
    """Compound annual growth rate from ``base`` at ``t0`` to ``value`` at ``t``."""
    return (value / base) ** (1 / (t - t0)) - 1


def limit_coefficient(base_value: float, limit: float) -> float:
    """The reduction of the method-1 thresholds near a natural limit (Open SDG):
    C = 1 for b ≥ 2l, 1 − (b/l)^4.44 for b ≤ l, else 1 − ((2l − b)/l)^4.44 (b = |y0|, l = |limit|).
    """
    b, lim = abs(base_value), abs(limit)
    if b >= 2 * lim:  # first, so that b = l = 0 gives 1
        return 1.0
    if b <= lim:
        return 1 - (b / lim) ** LIMIT_EXPONENT
    return 1 - ((2 * lim - b) / lim) ** LIMIT_EXPONENT


def series_progress(base_year: float, base_value: float, current_year: float,
                    current_value: float, target: float | None = None,
                    target_year: float | None = None, direction: str = "positive",
                    limit: float | None = None) -> SeriesResult:
    """The Open SDG progress measure of one series (see the module docstring).

    Args:
        direction: "positive" (higher is better) or "negative" (lower is better).
        limit: natural limit (method 1 only; ignored when a target is given).

    Raises:
        ValueError: an unknown direction, or a target without target year.
    """
    if direction not in ("positive", "negative"):
        raise ValueError(f"direction must be 'positive' or 'negative', not {direction!r}")
    if target is not None and target_year is None:
        raise ValueError("a target needs a target_year")
    d = 1 if direction == "positive" else -1
    if target is not None and target == 0:
        target = ZERO_REPLACEMENT
    method = 1 if target is None else 2
    sign = -1 if base_value < 0 else 1
    achieved = target is not None and (
        (d == -1 and current_value <= target) or (d == 1 and current_value >= target))
    y0 = ZERO_REPLACEMENT if base_value == 0 else base_value
    thresholds = dict(METHOD1_THRESHOLDS if method == 1 else METHOD2_THRESHOLDS)
    coeff = 1.0
    if method == 1 and limit is not None:
        coeff = limit_coefficient(base_value, limit)
        thresholds = {k: v * coeff for k, v in thresholds.items()}
    value = None
    shown: float | None = None  # the progress value as published (never infinite)
    opposite = (y0 > 0 > current_value) or (y0 < 0 < current_value)
    if current_year > base_year and not opposite:
        observed = cagr(current_value, y0, current_year, base_year)
        if method == 1:
            value = sign * d * observed
        else:
            needed = abs(cagr(target, y0, target_year, base_year))
            if needed == 0:
                # Target equal to base: the ratio has no finite value. sdg-build's numpy
                # division gives ±inf (nan when nothing moved), which sets status and score;
                # its build output publishes no progress value (see the 1-4-1 and 7-1-1
                # vectors). Status and score follow the sign, the published value is None.
                value = math.copysign(math.inf, sign * d * observed) if observed else None
            else:
                value = sign * d * observed / needed
        shown = value if value is not None and math.isfinite(value) else None
    status = _status(value, thresholds, achieved)
    return SeriesResult(shown, status, _score(value, method, thresholds, coeff, achieved), sign,
                        achieved)


def _status(value: float | None, th: dict, achieved: bool) -> str:
    if achieved:
        return "target_achieved"
    if value is None or math.isnan(value):
        return "not_available"
    if value >= th["high"]:
        return "substantial_progress"
    if value >= th["med"]:
        return "moderate_progress"
    if value >= th["low"]:
        return "limited_progress"
    return "deterioration"


def _score(value: float | None, method: int, th: dict, coeff: float, achieved: bool
           ) -> float | None:
    """Score on −5 … 5, piecewise linear through the published anchor points."""
    if achieved:
        return 5.0
    if value is None:
        return None
    if method == 1:
        if value < th["low"]:
            return max(125 * value - 2.5, -5.0)
        if coeff == 0:  # base at the limit and holding it: substantial progress
            return 5.0
        if value >= th["high"]:
            return min(500 * value / coeff - 5, 5.0)
        if value >= th["med"]:
            return 250 * value / coeff - 1.25
        return 500 * value / coeff - 2.5
    if value >= th["med"]:
        return min(7.1429 * value - 4.2857, 5.0)
    return max(4.1667 * value - 2.5, -5.0)


def indicator_progress(series_results: list[SeriesResult]) -> IndicatorResult:
    """One indicator from its series: mean score, banded; target achieved only if all were."""
    scored = [r for r in series_results if r.score is not None]
    if not scored:
        return IndicatorResult(None, "not_available")
    score = sum(r.score for r in scored) / len(scored)
    if all(r.target_achieved for r in scored):
        return IndicatorResult(score, "target_achieved")
    return IndicatorResult(score, status_from_score(score))


def status_from_score(score: float) -> str:
    if score >= 2.5:
        return "substantial_progress"
    if score >= 0:
        return "moderate_progress"
    if score >= -2.5:
        return "limited_progress"
    return "deterioration"


# --- the straight-line Ampel: colours and result (the rule: verdict.judge) ---------------------

AMPEL = {
    "gruen": ("●", "grün", "auf dem Zielpfad"),
    "gelb": ("▲", "gelb", "hinter dem Zielpfad"),
    "rot": ("■", "rot", "deutlich hinter dem Zielpfad"),
    "grau": ("○", "grau", "nicht bewertbar"),
}


@dataclass(frozen=True)
class AmpelResult:
    colour: str  # gruen | gelb | rot | grau
    expected: float | None  # value on the straight line at the Stichtag
    covered: float | None  # share of the expected way covered (1 = on the line)

    @property
    def symbol(self) -> str:
        return AMPEL[self.colour][0]

    @property
    def word(self) -> str:
        return AMPEL[self.colour][1]
