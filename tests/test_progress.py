"""The Open SDG progress measure against sdg-build 2.4.0's published results, hand-computed
cases. (The verdict against the straight Zielpfad: test_verdict.py.)"""

import json
import math
from pathlib import Path

import pytest

from integrationsmonitor.progress import (
    decimal_year,
    indicator_progress,
    limit_coefficient,
    series_progress,
)

VECTORS = json.loads((Path(__file__).parent / "fixtures" / "open-sdg-progress-vectors.json")
                     .read_text(encoding="utf-8"))
SERIES = VECTORS["series_vectors"]["vectors"]


@pytest.mark.parametrize("v", SERIES, ids=[f"{i}:{v['id'][:40]}" for i, v in enumerate(SERIES)])
def test_series_progress_equals_sdg_build(v):
    i = dict(v["input"])
    r = series_progress(**i)
    e = v["expected"]
    assert r.status == e["status"]
    if e["progress_value"] is None:
        assert r.progress_value is None or r.status == "target_achieved"
    else:
        assert r.progress_value == pytest.approx(e["progress_value"], rel=1e-12, abs=1e-15)
    if e["score"] is None:
        assert r.score is None
    else:
        assert r.score == pytest.approx(e["score"], rel=1e-12, abs=1e-12)


def test_indicator_aggregation_equals_sdg_build():
    from integrationsmonitor.progress import SeriesResult

    for v in VECTORS["indicator_aggregation_vectors"]["vectors"]:
        series = [SeriesResult(None, s["status"], s["score"], None,
                               s["status"] == "target_achieved") for s in v["input_series"]]
        r = indicator_progress(series)
        assert r.status == v["expected"]["progress_status"], v["indicator"]
        if v["expected"]["score"] is None:
            assert r.score is None
        else:
            assert r.score == pytest.approx(v["expected"]["score"], rel=1e-12)


# --- hand-computed cases ------------------------------------------------------------------------

def test_single_point_is_not_assessable():
    r = series_progress(2018.25, 40.0, 2018.25, 40.0)
    assert (r.progress_value, r.status, r.score) == (None, "not_available", None)


def test_zero_base_is_replaced_by_0_001():
    # CAGR = (1 / 0.001) ** (1 / 1) − 1 = 999 → far above 0.015: substantial, score capped at 5
    r = series_progress(2018, 0.0, 2019, 1.0)
    assert r.progress_value == pytest.approx(999.0)
    assert (r.status, r.score) == ("substantial_progress", 5.0)


def test_mixed_signs_are_not_assessable():
    r = series_progress(2018, -2.0, 2020, 3.0)
    assert (r.status, r.score) == ("not_available", None)


def test_negative_base_flips_the_sign():
    # y0 = −4, yi = −2 over 2 years: CAGR = (0.5) ** 0.5 − 1 = −0.29289…; s = −1, d = +1
    r = series_progress(2018, -4.0, 2020, -2.0)
    assert r.sign == -1
    assert r.progress_value == pytest.approx(1 - math.sqrt(0.5))
    assert r.status == "substantial_progress"


def test_target_already_reached_scores_5():
    r = series_progress(2018, 10.0, 2019, 12.0, target=11.0, target_year=2021)
    assert (r.status, r.score, r.target_achieved) == ("target_achieved", 5.0, True)
    lower = series_progress(2018, 10.0, 2019, 8.0, target=9.0, target_year=2021,
                            direction="negative")
    assert lower.status == "target_achieved"


def test_target_equal_to_base_has_no_progress_value_but_keeps_status_and_score():
    # CAGR(yT, y0) = 0: the ratio has no finite value; sdg-build publishes none, while the
    # sign of the move still sets status and score (here the target is missed, falling)
    r = series_progress(2018, 10.0, 2019, 9.0, target=10.0, target_year=2021)
    assert r.progress_value is None
    assert r.status == "deterioration" and r.score == -5.0
    up = series_progress(2018, 10.0, 2019, 11.0, target=10.0, target_year=2021,
                         direction="negative")
    assert up.progress_value is None and (up.status, up.score) == ("deterioration", -5.0)
    still = series_progress(2018, 10.0, 2019, 10.0, target=10.0, target_year=2021)
    assert (still.progress_value, still.status, still.score) == (None, "target_achieved", 5.0)


def test_method_2_hand_computed():
    # y0 = 40 at 2018.25, yi = 45 at 2019.75, yT = 60 at 2021.5
    # CAGR_o = (45/40) ** (1/1.5) − 1 = 0.081722…; CAGR_r = (60/40) ** (1/3.25) − 1 = 0.132951…
    r = series_progress(2018.25, 40.0, 2019.75, 45.0, target=60.0, target_year=2021.5)
    p = ((45 / 40) ** (1 / 1.5) - 1) / ((60 / 40) ** (1 / 3.25) - 1)
    assert r.progress_value == pytest.approx(p)
    assert r.status == "moderate_progress"  # 0.6 ≤ 0.6147 < 0.95
    assert r.score == pytest.approx(7.1429 * p - 4.2857)


def test_method_1_with_and_without_limit():
    # 2 % a year, higher is better: substantial without limit
    free = series_progress(2018, 50.0, 2020, 50 * 1.02 ** 2)
    assert free.progress_value == pytest.approx(0.02)
    assert free.status == "substantial_progress" and free.score == pytest.approx(5.0)
    # base 90 near the limit 100: C = 1 − 0.9 ** 4.44 = 0.3731…; thresholds shrink
    c = 1 - 0.9 ** 4.44
    assert limit_coefficient(90, 100) == pytest.approx(c)
    near = series_progress(2018, 90.0, 2020, 90 * 1.004 ** 2, limit=100)
    assert near.status == "moderate_progress"  # 0.004 ≥ 0.005·C = 0.00187
    assert near.score == pytest.approx(250 * 0.004 / c - 1.25)


def test_whole_years_give_sdg_builds_values_for_a_known_series():
    r = series_progress(2015, 14.5, 2023, 10.2, target=7.25, target_year=2030,
                        direction="negative")
    assert r.score == pytest.approx(2.5185563910306596)


def test_decimal_years_of_stichtage():
    import datetime as dt

    assert decimal_year(dt.date(2018, 3, 31)) == 2018.25
    assert decimal_year(dt.date(2019, 12, 31)) == 2020.0
    assert decimal_year(dt.date(2021, 6, 30)) == 2021.5


def test_indicator_of_mixed_series_and_of_none():
    a = series_progress(2018, 10.0, 2019, 12.0, target=11.0, target_year=2021)
    b = series_progress(2018, 10.0, 2019, 10.0, target=20.0, target_year=2021)
    r = indicator_progress([a, b])
    assert r.score == pytest.approx((5.0 + b.score) / 2)
    assert r.status != "target_achieved"
    assert indicator_progress([]).status == "not_available"
