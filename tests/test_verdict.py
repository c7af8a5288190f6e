"""The one verdict rule on hand-computed cases: path, thresholds, unchanged value, worsening,
end of term, holding targets, missing value or baseline, cumulative start."""

import datetime as dt

import pytest

from integrationsmonitor.indicators import Indicator
from integrationsmonitor.verdict import (
    BEST,
    VERDICTS,
    judge,
    start_of_day,
    target_side_problem,
)

BASE_DAY = dt.date(2018, 3, 31)  # 2018.25
MID = dt.date(2019, 11, 15)  # 2019.875: half the time from 2018.25 to 2021.5
END = dt.date(2021, 6, 30)  # 2021.5


def _ind(**kw):
    base = dict(id="X-I1", title="Test", goals=(), kind="case_share", unit="Personen",
                unit_singular="Person", direction="positive", target=60.0, target_date=END)
    return Indicator(**(base | kw))


def _judge(value, day=MID, **kw):
    return judge(_ind(**kw), BASE_DAY, 40.0, day, value)


@pytest.mark.parametrize("value, code, colour, covered", [
    (50.0, "auf_kurs", "gruen", 1.0),          # on the line: 40 + 20 · 0.5 = 50
    (49.0, "auf_kurs", "gruen", 0.9),          # 9 of the expected 10: the green threshold
    (47.5, "hinter_zielpfad", "gelb", 0.75),
    (46.0, "hinter_zielpfad", "gelb", 0.6),    # the yellow threshold
    (45.9, "deutlich_hinter_zielpfad", "rot", 0.59),
])
def test_thresholds_on_the_share_of_the_expected_way(value, code, colour, covered):
    v = _judge(value)
    assert v.expected == pytest.approx(50.0)
    assert (v.code, v.colour) == (code, colour)
    assert v.share_of_expected == pytest.approx(covered)


def test_unchanged_value_is_behind_the_path_never_worse():
    v = _judge(40.0)
    assert v.code == "deutlich_hinter_zielpfad" and v.share_of_expected == 0
    assert v.reason == ("Mit 40 Personen liegt der Wert deutlich hinter dem Zielpfad "
                        "(unverändert zur Basis; Zielpfad 50 Personen, Ziel 60 Personen bis "
                        "30.06.2021).")


def test_value_worse_than_the_baseline_is_verschlechtert():
    v = _judge(39.0)
    assert (v.code, v.colour, v.symbol) == ("verschlechtert", "rot", "▼")
    assert v.reason == ("Mit 39 Personen liegt der Wert schlechter als die Basis von 40 "
                        "Personen am 31.03.2018 (Zielpfad 50 Personen, Ziel 60 Personen bis "
                        "30.06.2021).")


def test_lower_is_better_mirrors_the_rule():
    # 30 → 10: the line expects 20 at half time; 21 covers 9 of 10
    v = judge(_ind(direction="negative", target=10.0), BASE_DAY, 30.0, MID, 21.0)
    assert v.code == "auf_kurs" and v.share_of_expected == pytest.approx(0.9)
    assert judge(_ind(direction="negative", target=10.0), BASE_DAY, 30.0, MID,
                 31.0).code == "verschlechtert"
    assert judge(_ind(direction="negative", target=10.0), BASE_DAY, 30.0, MID,
                 9.0).code == "erreicht"


def test_target_reached_before_the_target_date():
    v = _judge(61.0)
    assert (v.code, v.colour) == ("erreicht", "gruen")
    assert v.share_of_way == pytest.approx(21 / 20)
    assert v.reason == "Mit 61 Personen ist das Ziel von 60 Personen schon vor dem Zieldatum " \
                       "erreicht."


def test_end_of_term_knows_only_reached_or_not_with_the_share_of_the_way():
    reached = _judge(60.0, day=END)
    assert reached.code == "erreicht"
    assert reached.reason == ("Mit 60 Personen ist das Ziel von 60 Personen zum Zieldatum "
                              "30.06.2021 erreicht.")
    missed = _judge(55.0, day=END)
    assert (missed.code, missed.colour) == ("nicht_erreicht", "rot")
    assert missed.share_of_way == pytest.approx(0.75) and missed.share_of_expected is None
    assert missed.headline == "Ziel nicht erreicht (75\xa0% des Weges)"
    assert missed.reason == ("Zum Zieldatum 30.06.2021 ist das Ziel von 60 Personen mit 55 "
                             "Personen nicht erreicht: 75\xa0% des Weges von der Basis 40 "
                             "Personen zum Ziel.")
    # after the target date, too; a value below the baseline says so instead of a share
    worse = _judge(38.0, day=dt.date(2021, 12, 31))
    assert worse.code == "nicht_erreicht" and worse.share_of_way == pytest.approx(-0.1)
    assert worse.reason.endswith("der Wert liegt schlechter als die Basis von 40 Personen.")


def test_holding_target_is_held_or_not_and_has_no_path():
    ind = _ind(direction="negative", target=10.0, target_kind="halten", unit="Anteil")
    held = judge(ind, BASE_DAY, 0.08, MID, 10.0)
    assert (held.code, held.expected, held.share_of_way) == ("gehalten", 10.0, None)
    lost = judge(ind, BASE_DAY, 0.08, END, 10.5)
    assert (lost.code, lost.colour) == ("nicht_gehalten", "rot")
    assert "höchstens" in lost.reason


def test_missing_value_is_not_assessable_with_the_reason_given():
    v = judge(_ind(), BASE_DAY, 40.0, MID, None,
              missing="die Statusbögen der zuständigen Arbeitskreise fehlen")
    assert (v.code, v.colour, v.symbol) == ("nicht_bewertbar", "grau", "○")
    assert v.reason == ("Kein Wert zum 15.11.2019: die Statusbögen der zuständigen "
                        "Arbeitskreise fehlen.")


def test_missing_baseline_names_the_value_it_cannot_judge():
    v = judge(_ind(), None, None, MID, 47.0, missing="Basis geheimzuhalten")
    assert v.code == "nicht_bewertbar"
    assert v.reason == ("Der Wert von 47 Personen ist gegen den Zielpfad nicht bewertbar: "
                        "kein Basiswert (Basis geheimzuhalten).")


def test_value_at_the_baseline_date_is_the_baseline():
    v = judge(_ind(), MID, 47.0, MID, 47.0)
    assert v.code == "nicht_bewertbar" and "ist die Basis" in v.reason


def test_target_met_at_the_baseline_and_lost_is_verschlechtert_not_grey():
    # an implementation share at 100 % from the start, target 100 %, falling to 0 %
    ind = _ind(unit="Anteil", target=1.0)
    v = judge(ind, BASE_DAY, 1.0, MID, 0.0)
    assert v.code == "verschlechtert"
    assert v.reason == ("Das Ziel von 100,0\xa0% war zur Basis am 31.03.2018 erreicht; mit "
                        "0,0\xa0% ist es nicht mehr erreicht.")
    assert judge(ind, BASE_DAY, 1.0, MID, 1.0).code == "erreicht"
    assert judge(ind, BASE_DAY, 1.0, END, 0.5).code == "nicht_erreicht"


def test_cumulative_path_starts_at_zero_at_the_start_of_its_day():
    assert start_of_day(dt.date(2018, 7, 1)) == 2018.5
    ind = _ind(kind="kennzahl_sum", target=18.0, cumulative_from=dt.date(2018, 7, 1))
    # 31.12.2019 = 2020.0: 1.5 of 3 years → 9 expected; 6 is 2/3 of the way → gelb
    v = judge(ind, dt.date(2018, 7, 1), 0.0, dt.date(2019, 12, 31), 6.0)
    assert v.expected == pytest.approx(9.0)
    assert v.code == "hinter_zielpfad" and v.share_of_expected == pytest.approx(2 / 3)


def test_target_side_check():
    assert target_side_problem(_ind(target=0.99, unit="Anteil"), 1.0).startswith(
        "der Zielwert 99,0\xa0% liegt unter der Basis 100,0\xa0%")
    assert target_side_problem(_ind(target=0.99, unit="Anteil", target_kind="halten"),
                               1.0) is None
    assert target_side_problem(_ind(target=60.0), 40.0) is None
    assert target_side_problem(_ind(target=60.0), 60.0) is None  # equal: judged, not rejected
    assert "liegt über der Basis" in target_side_problem(_ind(direction="negative"), 40.0)


def test_every_colour_has_its_own_shape_for_black_and_white_print():
    shapes: dict[str, set[str]] = {}
    for _, colour, symbol, _ in VERDICTS.values():
        shapes.setdefault(colour, set()).add(symbol)
    for colour, symbols in shapes.items():
        for other, others in shapes.items():
            if other != colour:
                assert not symbols & others, (colour, other)
    assert BEST == {"erreicht", "auf_kurs", "gehalten"}


def test_reasons_put_units_in_the_dative_after_mit_and_von():
    ind = _ind(kind="case_gap", unit="Prozentpunkte", direction="negative", target=0.05)
    v = judge(ind, BASE_DAY, 0.373, MID, 0.297)
    assert v.reason.startswith("Mit 29,7\xa0Prozentpunkten liegt der Wert")
    assert "Zielpfad 21,2\xa0Prozentpunkte" in v.reason  # nominative where no preposition
    one = judge(_ind(unit="Veranstaltungen", unit_singular="Veranstaltung", target=6.0,
                     cumulative_from=dt.date(2018, 7, 1)), dt.date(2018, 7, 1), 0.0, END, 1.0)
    assert one.reason == ("Zum Zieldatum 30.06.2021 ist das Ziel von 6 Veranstaltungen mit 1 "
                          "Veranstaltung nicht erreicht: 17\xa0% des Weges von der Basis 0 "
                          "Veranstaltungen zum Ziel.")


def test_a_count_path_point_keeps_its_decimal():
    ind = _ind(unit="Veranstaltungen", unit_singular="Veranstaltung", target=6.0,
               cumulative_from=dt.date(2018, 7, 1))
    # 30.06.2019 (2019.5): 6 · 1/3 = 2 expected; 31.03.2019 (2019.25): 6 · 0.75/3 = 1.5
    v = judge(ind, dt.date(2018, 7, 1), 0.0, dt.date(2019, 3, 31), 1.0)
    assert v.reason == ("Mit 1 Veranstaltung liegt der Wert hinter dem Zielpfad (67\xa0% des "
                        "bis zum Stichtag erwarteten Weges; Zielpfad 1,5 Veranstaltungen, Ziel "
                        "6 Veranstaltungen bis 30.06.2021).")


def test_a_share_of_exactly_90_percent_is_on_course_despite_floating_point():
    # TEI-I1 on 31.12.2020: basis 0 at the start of 01.07.2018 (2018.5), target 100 % at
    # 30.06.2021 (2021.5), so the path expects 2,5 / 3 = 83,33 %; 75 % is exactly 90 % of it,
    # though 0.75 / 0.8333… is 0.8999999999999999 in floating point.
    ind = _ind(unit="Anteil", target=1.0, baseline_value=0.0, baseline_date=dt.date(2018, 7, 1))
    v = judge(ind, dt.date(2018, 7, 1), 0.0, dt.date(2020, 12, 31), 0.75)
    assert v.expected == pytest.approx(2.5 / 3)
    assert (v.code, v.colour) == ("auf_kurs", "gruen")
    assert "(90\xa0% des bis zum Stichtag erwarteten Weges" in v.reason


def test_verdict_changes_name_a_newly_reached_target_on_its_own():
    from types import SimpleNamespace

    from integrationsmonitor.report import verdict_changes
    from integrationsmonitor.verdict import Verdict

    def a(ind, code):
        return SimpleNamespace(indicator=SimpleNamespace(id=ind), verdict=Verdict(code, ""))

    before = [a("A", "auf_kurs"), a("B", "nicht_bewertbar"), a("C", "hinter_zielpfad"),
              a("D", "auf_kurs"), a("E", "erreicht")]
    now = [a("A", "erreicht"), a("B", "erreicht"), a("C", "auf_kurs"),
           a("D", "deutlich_hinter_zielpfad"), a("E", "erreicht"), a("F", "erreicht")]
    # A and B reach the target (B also "better"; named once); C better; D worse; E was
    # already there; F has nothing to compare with.
    assert verdict_changes(now, before) == (["A", "B"], ["C"], ["D"])
