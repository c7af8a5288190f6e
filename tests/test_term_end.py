"""What the final report says about the measures at the end of the term, on a hand-made
history: the reason each stayed open, its history in words, the funding-gap rule."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from integrationsmonitor import data_annex, report
from integrationsmonitor.measure_status import STATUS_COLUMNS, funding_gap, period_view
from integrationsmonitor.periods import FINAL, Period, ReportingCalendar

TERM = ["2018-H2", "2019-H1", "2019-H2", "2020-H1", "2020-H2", "2021-H1"]


def _history(rows):
    """rows: measure_id → (statuses over TERM, financing at the end, last Sachstand)."""
    out = []
    for mid, (statuses, financing, sachstand) in rows.items():
        for period, status in zip(TERM, statuses):
            if status:
                out.append((period, mid, mid[:3], status, None, sachstand, financing, None))
    return pd.DataFrame(out, columns=STATUS_COLUMNS)


@pytest.fixture
def end_of_term(real_catalogue):
    nb, ip, iu = "nicht_begonnen", "in_planung", "in_umsetzung"
    hist = _history({
        # in planning only in the last half-year (the review's BIL-M11)
        "BIL-M11": ([nb, nb, nb, nb, nb, ip], None, "Konzept in Abstimmung."),
        "ARB-M08": ([nb, nb, ip, ip, ip, ip], None, "Konzept in Abstimmung."),
        # still running at the end: not finished, whatever the Sachstand says
        "SPR-M02": ([nb, nb, ip, ip, iu, iu], None, "Umsetzung läuft planmäßig."),
        # needs Landes-/Bundesmittel (funding tag in konzept.yaml), financing not secured
        "WOH-M04": ([ip] * 6, "offen", "Konzept in Abstimmung."),
        # no funding tag: financing "offen" is no funding gap
        "WOH-M07": ([ip, ip, ip, "verzoegert", "verzoegert", "verzoegert"], "offen",
                    "Personalwechsel."),
    })
    end = Period.parse("2021-H1")
    view = period_view(real_catalogue, hist, end, end.previous())
    view = view[view["measure_id"].isin(hist["measure_id"])]
    return SimpleNamespace(
        catalogue=real_catalogue, period=end, view=view,
        periods=ReportingCalendar.of(real_catalogue).periods,
        status_matrix=hist.pivot(index="measure_id", columns="period", values="status"),
        report=SimpleNamespace(kind=FINAL), texts={})


def test_open_measures_get_their_reason_and_their_history_in_words(end_of_term):
    table = data_annex.open_measure_table(end_of_term).set_index("ID")
    assert list(table.index) == ["WOH-M04", "WOH-M07", "ARB-M08", "BIL-M11", "SPR-M02"]
    assert table.at["BIL-M11", "Grund"] == "in Planung"
    assert table.at["BIL-M11", "Stand"] == ("erst im letzten Halbjahr in Planung (vorher 5 "
                                            "Halbjahre „nicht begonnen“)")
    assert table.at["ARB-M08", "Stand"] == "in Planung seit dem 2. Halbjahr 2019 (4 Halbjahre)"
    assert table.at["SPR-M02", "Grund"] == "nicht abgeschlossen"
    assert table.at["SPR-M02", "Stand"] == ("bis 30.06.2021 nicht abgeschlossen; in Umsetzung "
                                            "seit dem 2. Halbjahr 2020 (2 Halbjahre)")
    assert table.at["SPR-M02", "Letzter Sachstand"] == "Umsetzung läuft planmäßig."
    assert table.at["WOH-M04", "Grund"] == "fehlende Finanzierung"
    assert table.at["WOH-M04", "Stand"] == ("in Planung seit Beginn der Laufzeit; Finanzierung "
                                            "(Landes-/Bundesmittel): offen")
    assert table.at["WOH-M07", "Grund"] == "verzögert"  # no funding tag: no funding gap


def test_fazit_counts_the_open_measures_by_reason_and_names_the_largest_group(end_of_term):
    assert report.open_summary(end_of_term) == (
        "5 Maßnahmen sind zum 30.06.2021 nicht umgesetzt, nach dem Grund: fehlende "
        "Finanzierung 1; verzögert 1; in Planung 2; nicht abgeschlossen 1. Die größte Gruppe: "
        "in Planung (2).")


def test_fazit_says_what_the_concept_achieved(end_of_term):
    from integrationsmonitor.verdict import Verdict

    res = SimpleNamespace(**vars(end_of_term))
    res.rates = pd.DataFrame([{"ak_id": "Gesamt", "umgesetzt": 37, "base": 45,
                               "rate": 37 / 45}])
    res.assessments = [SimpleNamespace(verdict=Verdict(code, "")) for code in
                       ["erreicht"] * 5 + ["gehalten"] + ["nicht_erreicht"] * 13
                       + ["nicht_bewertbar"]]
    expected = ("Zum Ende der Laufzeit am 30.06.2021 sind 37 der 45 Maßnahmen, die für die "
                "Umsetzungsquote zählen, umgesetzt oder als Daueraufgabe etabliert "
                "(82,2\xa0%). Ihr Ziel erreicht oder gehalten haben 6 von 20 Indikatoren, 13 "
                "haben es verfehlt, 1 ist nicht bewertbar. 5 Maßnahmen sind nicht umgesetzt "
                "(Gründe im Abschnitt „Was offen blieb und warum“).")
    assert report.achievement_summary(res) == expected
    html = str(report.conclusion(res))
    # the Fazit sums up; the open measures by reason stand in "Was offen blieb" only
    assert "Die größte Gruppe" not in html and "Ziel erreicht oder gehalten haben 6" in html


def test_funding_gap_needs_the_funding_tag_and_unsecured_financing():
    view = pd.DataFrame({"funding_dependent": [True, True, True, False, False],
                         "financing": ["beantragt", "gesichert", None, "offen", None]})
    assert funding_gap(view).tolist() == [True, False, False, False, False]


def test_recommendation_asks_to_secure_funding_only_where_it_is_missing(real_catalogue):
    view = pd.DataFrame({"measure_id": ["WOH-M04", "SPR-M01", "ARB-M01"],
                         "status": ["daueraufgabe"] * 3,
                         "funding_dependent": [True, True, False],
                         "financing": ["offen", "gesichert", None],
                         "blocked": [False] * 3, "group": ["umgesetzt"] * 3})
    res = SimpleNamespace(view=view, assessments=[], catalogue=real_catalogue, texts={},
                          names_of=lambda ids: ", ".join(ids))
    html = str(report.recommendations(res))
    # SPR-M01 has its money, ARB-M01 needs none from outside: only WOH-M04 is a gap
    assert ("<li>3 Daueraufgaben verstetigen; die Finanzierung sichern bei WOH-M04 "
            "(Landes-/Bundesmittel nötig, nicht gesichert).</li>") in html
    res.view = view.assign(financing=["gesichert", "gesichert", None])
    assert "<li>3 Daueraufgaben verstetigen.</li>" in str(report.recommendations(res))
