"""Steuerungsbedarf rules on tiny hand-made histories and assessments."""

import datetime as dt

import pandas as pd
import pytest

from integrationsmonitor.indicators import Adoption, Indicator, assess
from integrationsmonitor.measure_status import STATUS_COLUMNS, period_view
from integrationsmonitor.periods import Period
from integrationsmonitor.steering import PROPOSALS, RULES, rule_text, steering_points

H1_19, H2_19 = Period.parse("2019-H1"), Period.parse("2019-H2")
ALL_AKS = {"SPR", "BIL", "ARB", "WOH", "TEI"}
ADOPTED = Adoption(dt.date(2018, 11, 14), "2018-02")
NO_DECISIONS = pd.DataFrame(columns=["decision_id", "decided_on", "reason", "decision",
                                     "measure_ids", "in_period"])


def _history(rows):
    """rows: (period, measure_id, status, progress_pct, financing)."""
    df = pd.DataFrame(rows, columns=["period", "measure_id", "status", "progress_pct",
                                     "financing"])
    df["ak_id"] = df["measure_id"].str[:3]
    df["sachstand"] = None
    df["responsible"] = None
    return df[STATUS_COLUMNS]


def _count(target=18.0, adopted=ADOPTED, **kw):
    base = dict(id="TEI-I2", title="Schulungen für Ehrenamtliche", goals=("TEI-Z2",),
                kind="kennzahl_sum", unit="Schulungen", unit_singular="Schulung",
                direction="positive", target=target, target_date=dt.date(2021, 6, 30),
                cumulative_from=dt.date(2018, 7, 1), adopted=adopted)
    return Indicator(**(base | kw))


def _assessed(ind, values, period):
    """values: cumulative count per Stichtag 31.12.2018, 30.06.2019, 31.12.2019."""
    days = [dt.date(2018, 12, 31), dt.date(2019, 6, 30), dt.date(2019, 12, 31)]
    s = pd.Series(values, index=days[:len(values)], dtype="float64")
    return assess(ind, s, period.stichtag, 0.9, 0.6)


def _points(cat, period, hist, assessments=(), reported=ALL_AKS, decisions=NO_DECISIONS,
            case_data_expected=False):
    prev = period.previous()
    view = period_view(cat, hist, period, prev)
    prev_view = period_view(cat, hist, prev, None)
    return steering_points(cat, period, prev, view, prev_view, hist, decisions,
                           list(assessments), reported, case_data_expected)


def test_first_point_asks_to_adopt_the_targets_not_yet_adopted(real_catalogue):
    later = Adoption(dt.date(2019, 11, 20), "2019-03")
    a = [_assessed(_count(), [3, 6], H1_19),
         _assessed(_count(id="TEI-I3", adopted=later, target=14.0), [2, 5], H1_19),
         _assessed(_count(id="TEI-I4", adopted=None, target=6.0), [1, 2], H1_19)]
    decisions = pd.DataFrame([("2018-02", dt.date(2018, 11, 14), "Ziele", "Zielwerte "
                               "beschlossen.", "", False)], columns=NO_DECISIONS.columns)
    points = _points(real_catalogue, H1_19, _history([]), a, decisions=decisions)
    first = points[0]
    assert (first.nr, first.kind, first.proposal) == (1, "Zielwerte", PROPOSALS["adopt"])
    assert first.subject == "Zielwerte der Indikatoren TEI-I3, TEI-I4"
    assert first.reason.startswith("2 Zielwerte sind noch nicht beschlossen")
    assert "TEI-I4 6 Schulungen bis 30.06.2021" in first.reason
    assert first.decisions == ("Nr. 2018-02 vom 14.11.2018: Zielwerte beschlossen.",)
    assert first.since == Period.parse("2018-H2")
    # once adopted (20.11.2019), TEI-I3 is no longer asked for
    a2 = [_assessed(_count(id="TEI-I3", adopted=later, target=14.0), [2, 5, 7], H2_19)]
    assert not [p for p in _points(real_catalogue, H2_19, _history([]), a2)
                if p.kind == "Zielwerte"]


def test_target_deferred_by_a_recorded_decision_is_not_proposed_again(real_catalogue):
    deferral = Adoption(dt.date(2019, 11, 20), "2019-03")
    woh = _count(id="WOH-I4", adopted=None, deferred=deferral, target=1.0)
    before = _points(real_catalogue, H1_19, _history([]), [_assessed(woh, [1, 2], H1_19)])
    # before the deferral the one open target is asked for, in the singular
    assert before[0].kind == "Zielwerte"
    assert before[0].subject == "Zielwert des Indikators WOH-I4"
    assert before[0].proposal == "Zielwert beschließen (oder geändert beschließen)"
    after = _points(real_catalogue, H2_19, _history([]), [_assessed(woh, [1, 2, 3], H2_19)])
    assert not [p for p in after if p.kind == "Zielwerte"]
    assert woh.target_state(H2_19.end) == "zurückgestellt (Beschluss 2019-03)"
    assert woh.target_state(H1_19.end) == "nein (Vorschlag)"
    assert _count().target_state(H1_19.end) == "ja"


def test_every_indicator_not_best_is_a_point_yellow_included(real_catalogue):
    # path from 0 (01.07.2018) to 18 (30.06.2021): 30.06.2019 expects 6
    on_track = _assessed(_count(), [3, 6], H1_19)
    yellow = _assessed(_count(id="TEI-I3"), [2, 4], H1_19)  # 4 of 6: 67 % → gelb
    red = _assessed(_count(id="TEI-I5"), [0, 0], H1_19)  # unchanged 0: deutlich hinter
    assert (on_track.verdict.code, yellow.verdict.code, red.verdict.code) == (
        "auf_kurs", "hinter_zielpfad", "deutlich_hinter_zielpfad")
    points = _points(real_catalogue, H1_19, _history([]), [on_track, yellow, red])
    assert [p.subject.split(":")[0] for p in points] == ["TEI-I5", "TEI-I3"]  # red first
    red_point, yellow_point = points
    assert red_point.reason.startswith("deutlich hinter dem Zielpfad. Mit 0 Schulungen")
    assert red_point.ak_id == "TEI" and red_point.since == Period.parse("2018-H2")
    assert red_point.proposal == PROPOSALS["far_behind"]
    assert yellow_point.proposal == PROPOSALS["behind"]
    # 2 of the 3 expected by 31.12.2018 is 67 % → gelb already then
    assert yellow_point.since == Period.parse("2018-H2")


def test_indicator_behind_with_blocked_measures_proposes_to_apply_for_funds(real_catalogue):
    hist = _history([("2019-H1", "TEI-M02", "ausgesetzt_mittel", 30, "offen")])
    red = _assessed(_count(), [0, 0], H1_19)
    point = next(p for p in _points(real_catalogue, H1_19, hist, [red]) if p.kind ==
                 "Indikator")
    # TEI-M02 has its own point (Finanzierung, nr 2): the decision is asked there only
    assert point.nr == 1 and point.proposal == "Entscheidung unter Punkt 2 (TEI-M02)"
    assert not point.to_decide


def test_indicator_behind_names_its_stalled_measures_and_refers_to_their_own_points(
        real_catalogue):
    # TEI-M02 "nicht begonnen" in both half-years: a point of its own; TEI-M03 "verzögert"
    # only now: named in the indicator's proposal (TEI-Z2 has these two measures).
    hist = _history([("2018-H2", "TEI-M02", "nicht_begonnen", None, None),
                     ("2019-H1", "TEI-M02", "nicht_begonnen", None, None),
                     ("2018-H2", "TEI-M03", "umgesetzt", 100, None),
                     ("2019-H1", "TEI-M03", "verzoegert", 50, None)])
    red = _assessed(_count(), [0, 0], H1_19)
    points = _points(real_catalogue, H1_19, hist, [red])
    assert [(p.nr, p.kind, p.subject.split(":")[0]) for p in points] == [
        (1, "Indikator", "TEI-I2"), (2, "Maßnahme", "TEI-M02")]
    assert points[0].proposal == ("Maßnahme TEI-M03 neu terminieren; "
                                  "Entscheidung unter Punkt 2 (TEI-M02)")
    assert points[0].to_decide
    # Only measures without a point of their own: the brief can merge the proposal.
    alone = _points(real_catalogue, H1_19, hist[hist["measure_id"] == "TEI-M03"], [red])[0]
    assert alone.proposal == "Maßnahme TEI-M03 neu terminieren"
    assert (alone.template, alone.measures) == (PROPOSALS["stalled_behind"], ("TEI-M03",))


def test_watching_is_no_decision_and_names_no_working_group_without_one(real_catalogue):
    from types import SimpleNamespace

    from integrationsmonitor.report import decisions_asked

    # UMS-I0 counts the measures of every AK: the steering body is in charge, no AK
    ums = _count(id="UMS-I0", goals=(), kind="implementation", unit="Anteil", target=1.0,
                 cumulative_from=None, baseline_value=0.0, baseline_date=dt.date(2018, 7, 1))
    yellow = assess(ums, pd.Series([0.2, 0.25], index=[dt.date(2018, 12, 31),
                                                       H1_19.stichtag]), H1_19.stichtag,
                    0.9, 0.6)
    red = _assessed(_count(id="TEI-I5"), [0, 0], H1_19)
    assert (yellow.verdict.code, red.verdict.code) == ("hinter_zielpfad",
                                                       "deutlich_hinter_zielpfad")
    points = _points(real_catalogue, H1_19, _history([]), [yellow, red])
    watch = next(p for p in points if p.subject.startswith("UMS-I0"))
    assert watch.ak_id is None and not watch.to_decide
    assert watch.proposal == "Beobachten; Bericht über die Gegensteuerung zum nächsten Stichtag"
    assert "Arbeitskreis" not in watch.proposal
    html = str(decisions_asked(SimpleNamespace(steering=points)))
    decide, notice = html.split("Zur Kenntnis")
    assert "Zur Entscheidung (1 von 2 Punkten im Steuerungsbedarf)" in decide
    assert "Beobachten" not in decide and "Beobachten" in notice


def test_measure_stalled_in_this_and_the_previous_half_year_without_progress(real_catalogue):
    hist = _history([
        ("2018-H2", "ARB-M08", "in_planung", 10, None),
        ("2019-H1", "ARB-M08", "in_planung", 10, None),
        ("2019-H2", "ARB-M08", "in_planung", 10, None),
        ("2019-H1", "ARB-M05", "nicht_begonnen", 0, None),  # moved forward: progress
        ("2019-H2", "ARB-M05", "in_planung", 10, None),
        ("2019-H1", "ARB-M06", "verzoegert", 30, None),  # percentage rose: progress
        ("2019-H2", "ARB-M06", "verzoegert", 40, None),
        ("2019-H1", "ARB-M07", "in_umsetzung", 50, None),  # stalled only now
        ("2019-H2", "ARB-M07", "verzoegert", 50, None),
        ("2019-H1", "ARB-M04", "verzoegert", 40, None),  # verzögert → in Planung: no progress
        ("2019-H2", "ARB-M04", "in_planung", 40, None),
    ])
    points = _points(real_catalogue, H2_19, hist)
    assert [p.subject.split(":")[0] for p in points] == ["ARB-M08", "ARB-M04"]
    m08 = points[0]
    assert m08.reason == "seit 3 Halbjahren „in Planung“ (Stand 10\xa0%), ohne Fortschritt"
    assert m08.since == Period.parse("2018-H2") and m08.ak_id == "ARB"
    assert m08.proposal == "Maßnahme neu terminieren oder streichen"
    m04 = points[1]
    assert m04.since == H2_19 and m04.severity < m08.severity  # in Planung since 2019-H2
    assert m04.reason == ("seit 1 Halbjahr „in Planung“ (Stand 40\xa0%), davor „verzögert“: "
                          "zusammen 2 Halbjahre ohne Fortschritt")


def test_since_counts_the_half_years_in_the_current_status_only(real_catalogue):
    # SPR-M04 of the review: verzögert, verzögert, in Planung, in Planung (10 % throughout)
    h1_20 = Period.parse("2020-H1")
    hist = _history([(p, "SPR-M04", s, 10, None) for p, s in [
        ("2018-H2", "verzoegert"), ("2019-H1", "verzoegert"), ("2019-H2", "in_planung"),
        ("2020-H1", "in_planung")]])
    point = next(p for p in _points(real_catalogue, h1_20, hist) if p.kind == "Maßnahme")
    assert point.reason == ("seit 2 Halbjahren „in Planung“ (Stand 10\xa0%), davor "
                            "„verzögert“: zusammen 4 Halbjahre ohne Fortschritt")
    assert point.since == H2_19
    view = period_view(real_catalogue, hist, h1_20, H2_19)
    assert view.set_index("measure_id").at["SPR-M04", "periods_unchanged"] == 2


def test_since_names_when_progress_stopped_within_a_longer_status(real_catalogue):
    hist = _history([("2018-H2", "ARB-M08", "in_planung", 5, None),
                     ("2019-H1", "ARB-M08", "in_planung", 10, None),
                     ("2019-H2", "ARB-M08", "in_planung", 10, None)])
    point = next(p for p in _points(real_catalogue, H2_19, hist) if p.kind == "Maßnahme")
    assert point.reason == ("seit 3 Halbjahren „in Planung“ (Stand 10\xa0%), seit 2 "
                            "Halbjahren ohne Fortschritt")
    assert point.since == Period.parse("2018-H2")


def test_measure_suspended_for_lack_of_funds(real_catalogue):
    hist = _history([
        ("2019-H1", "BIL-M05", "ausgesetzt_mittel", 40, "beantragt"),
        ("2019-H2", "BIL-M05", "ausgesetzt_mittel", 40, "offen"),
        ("2019-H2", "BIL-M08", "ausgesetzt_mittel", 30, "beantragt"),
    ])
    decisions = pd.DataFrame([("2019-01", dt.date(2019, 5, 8), "Mittel gebunden",
                               "Förderanträge werden gestellt.", "BIL-M05, BIL-M08", False)],
                             columns=NO_DECISIONS.columns)
    points = {p.subject.split(":")[0]: p for p in _points(real_catalogue, H2_19, hist,
                                                          decisions=decisions)}
    m05, m08 = points["BIL-M05"], points["BIL-M08"]
    assert m05.kind == "Finanzierung" and m05.since == H1_19
    assert m05.reason == "ausgesetzt – fehlende Mittel, seit 2 Halbjahren; Finanzierung: offen"
    assert m05.proposal == PROPOSALS["funds_missing"]
    assert m08.proposal == PROPOSALS["funds_requested"] and m08.since == H2_19
    assert m05.decisions == ("Nr. 2019-01 vom 08.05.2019: Förderanträge werden gestellt.",)


def test_missing_deliveries(real_catalogue):
    hist = _history([("2019-H1", "SPR-M01", "in_umsetzung", 50, None),
                     ("2018-H2", "WOH-M01", "in_umsetzung", 50, None)])
    share = Indicator(id="ARB-I1", title="Beschäftigte", goals=("ARB-Z1",), kind="case_share",
                      unit="Anteil", direction="positive", target=0.35,
                      target_date=dt.date(2021, 6, 30), adopted=ADOPTED)
    no_extract = assess(share, pd.Series([0.1], index=[dt.date(2018, 3, 31)]),
                        H2_19.stichtag, 0.9, 0.6)
    points = _points(real_catalogue, H2_19, hist, [no_extract], reported=ALL_AKS - {"WOH"},
                     case_data_expected=True)
    kinds = [(p.kind, p.subject) for p in points]
    # same severity: the longer-standing gap first (extracts missing since 31.12.2018)
    assert kinds == [("Lieferung", "Extrakte AsylbLG (Sozialamt) und SGB II (Jobcenter)"),
                     ("Lieferung", "Statusbogen AK Wohn- und Lebensumfeld")]
    assert points[0].since == Period.parse("2018-H2")
    woh = points[1]
    assert woh.since == H1_19 and woh.ak_id == "WOH"  # last sheet came for 2018-H2
    assert woh.proposal == PROPOSALS["status_sheet"]
    assert points[0].reason == ("Für den Stichtag 31.12.2019 liegen keine Extrakte vor; 1 "
                                "Indikator ist nicht bewertbar.")
    # a concept without case indicators expects no extracts
    assert not [p for p in _points(real_catalogue, H2_19, hist, [no_extract],
                                   case_data_expected=False) if "Extrakte" in p.subject]


def test_points_are_numbered_in_order_of_severity(real_catalogue):
    hist = _history([("2019-H1", "ARB-M08", "in_planung", 10, None),
                     ("2019-H2", "ARB-M08", "in_planung", 10, None),
                     ("2019-H2", "BIL-M05", "ausgesetzt_mittel", 40, "offen")])
    a = [_assessed(_count(adopted=None), [0, 0, 0], H2_19)]
    points = _points(real_catalogue, H2_19, hist, a)
    assert [p.kind for p in points] == ["Zielwerte", "Indikator", "Finanzierung", "Maßnahme"]
    assert [p.nr for p in points] == [1, 2, 3, 4]
    assert points == sorted(points, key=lambda p: -p.severity)


def test_rule_text_cites_the_passages_of_its_own_concept(real_catalogue):
    text = rule_text(real_catalogue)
    assert ("„Die Umsetzung der Maßnahmen ist zur größten Teil nur möglich, wenn finanzielle "
            "Mittel für die Integration vom Land bzw. dem Bund fließen.") in text
    assert "„nicht begonnen“, „in Planung“ oder „verzögert“" in text
    assert text.count("Konzept:") == 5


def test_rules_of_a_concept_without_quotations_cite_nothing_and_name_no_body(mini):
    text = rule_text(mini)
    assert "Konzept:" not in text and "Land" not in text
    assert all("Lenkungsgruppe" not in r.selects for r in RULES)


@pytest.mark.parametrize("code", ["verschlechtert", "nicht_erreicht"])
def test_worse_and_missed_indicators_get_their_own_proposals(real_catalogue, code):
    if code == "verschlechtert":
        ind = Indicator(id="WOH-I2", title="GU", goals=("WOH-Z2",), kind="case_share",
                        unit="Anteil", direction="negative", target=0.1,
                        target_date=dt.date(2021, 6, 30), adopted=ADOPTED)
        a = assess(ind, pd.Series([0.3, 0.35], index=[dt.date(2018, 3, 31), H2_19.stichtag]),
                   H2_19.stichtag, 0.9, 0.6)
        period, key = H2_19, "worse"
    else:
        period = Period.parse("2021-H1")
        ind = _count()
        a = assess(ind, pd.Series([10.0], index=[period.stichtag]), period.stichtag, 0.9, 0.6)
        key = "end_missed"
    assert a.verdict.code == code
    point = _points(real_catalogue, period, _history([]), [a])[0]
    assert point.proposal == PROPOSALS[key]


def test_decisions_asked_merge_proposals_that_differ_only_in_their_measures():
    from types import SimpleNamespace

    from integrationsmonitor.report import decisions_asked
    from integrationsmonitor.steering import SteeringPoint

    def point(nr, proposal, *measures):
        return SteeringPoint(nr, "Indikator", "X", "Grund", H1_19, "BIL", (), proposal, 45,
                             template=PROPOSALS["stalled_behind"] if measures else None,
                             measures=measures)

    points = [point(1, "Maßnahme TEI-M13 neu terminieren", "TEI-M13"),
              point(2, "Maßnahmen BIL-M05, BIL-M08 neu terminieren", "BIL-M05", "BIL-M08"),
              point(3, "Zielwert überprüfen oder Maßnahmen verstärken")]
    html = str(decisions_asked(SimpleNamespace(steering=points)))
    assert ("<strong>Maßnahmen BIL-M05, BIL-M08, TEI-M13 neu terminieren"
            "</strong> (Punkte 1, 2)") in html
    assert "Zur Kenntnis" not in html


def test_decisions_so_far_read_as_sentences():
    from integrationsmonitor.steering import SteeringPoint

    p = SteeringPoint(1, "Indikator", "X", "Grund", H1_19, "BIL",
                      ("Nr. 2019-03 vom 20.11.2019: Anträge werden gestellt.",
                       "Nr. 2020-02 vom 12.05.2020: Mittel bewilligt"), "Vorschlag", 45)
    assert p.decisions_text == ("Nr. 2019-03 vom 20.11.2019: Anträge werden gestellt. "
                                "Nr. 2020-02 vom 12.05.2020: Mittel bewilligt.")


def test_a_measure_that_moved_forward_is_no_cause_and_a_count_names_only_its_measures(
        real_catalogue):
    # TEI-M03 moved forward (nicht begonnen → in Planung): no cause of TEI-I2 being behind.
    hist = _history([("2018-H2", "TEI-M03", "nicht_begonnen", 0, None),
                     ("2019-H1", "TEI-M03", "in_planung", 10, None)])
    red = _assessed(_count(), [0, 0], H1_19)
    point = _points(real_catalogue, H1_19, hist, [red])[0]
    assert point.proposal == PROPOSALS["far_behind"]
    # An indicator that counts named measures (``measures:``) looks at those only: TEI-M02
    # stalls, but this count is of TEI-M03's events.
    hist = _history([("2018-H2", "TEI-M02", "nicht_begonnen", 0, None),
                     ("2019-H1", "TEI-M02", "nicht_begonnen", 0, None)])
    events = _assessed(_count(measures=("TEI-M03",)), [0, 0], H1_19)
    point = next(p for p in _points(real_catalogue, H1_19, hist, [events])
                 if p.kind == "Indikator")
    assert point.proposal == PROPOSALS["far_behind"]


def test_watched_indicator_names_the_points_of_its_suspended_measures(real_catalogue):
    # BIL-I5 counts BIL-M05 and BIL-M08, both suspended for lack of funds (own points).
    hist = _history([("2019-H1", "BIL-M05", "ausgesetzt_mittel", 30, "offen"),
                     ("2019-H1", "BIL-M08", "ausgesetzt_mittel", 30, "beantragt")])
    yellow = _assessed(_count(id="BIL-I5", goals=("BIL-Z5",), measures=("BIL-M05", "BIL-M08"),
                              target=9.0), [0, 2], H1_19)  # path 3 by 30.06.2019: 67 %
    assert yellow.verdict.code == "hinter_zielpfad"
    points = _points(real_catalogue, H1_19, hist, [yellow])
    funds = {p.subject.split(":")[0]: p.nr for p in points if p.kind == "Finanzierung"}
    watch = next(p for p in points if p.kind == "Indikator")
    assert watch.proposal == (
        PROPOSALS["behind"] + f"; Entscheidung unter den Punkten {funds['BIL-M05']} (BIL-M05), "
        f"{funds['BIL-M08']} (BIL-M08)")
    assert not watch.to_decide


def test_at_the_end_of_the_term_every_unfinished_measure_is_a_point(real_catalogue):
    end = Period.parse("2021-H1")
    hist = _history([("2020-H2", "SPR-M02", "in_planung", 10, None),
                     ("2021-H1", "SPR-M02", "in_umsetzung", 60, None)])
    points = _points(real_catalogue, end, hist)
    p = next(p for p in points if p.subject.startswith("SPR-M02"))
    assert p.reason == "zum Ende der Laufzeit nicht abgeschlossen: „in Umsetzung“ (Stand 60\xa0%)"
    assert p.proposal == PROPOSALS["stalled_end"] and p.since == end
