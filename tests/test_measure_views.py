"""Views of the measure status against a hand-made history of the mini concept."""

import pandas as pd
import pytest

from integrationsmonitor.measure_status import counts_by_status, implementation_rates, period_view
from integrationsmonitor.periods import Period

P1, P2, P3 = (Period.parse(p) for p in ("2018-H2", "2019-H1", "2019-H2"))


def _history(rows):
    return pd.DataFrame(rows, columns=["period", "measure_id", "ak_id", "status"]).assign(
        progress_pct=None, sachstand=None, financing=None, responsible=None)


HISTORY = _history([
    ("2018-H2", "AAA-M01", "AAA", "in_planung"),
    ("2019-H1", "AAA-M01", "AAA", "in_umsetzung"),
    ("2019-H2", "AAA-M01", "AAA", "daueraufgabe"),
    ("2018-H2", "AAA-M02", "AAA", "ausgesetzt_mittel"),
    ("2019-H1", "AAA-M02", "AAA", "ausgesetzt_mittel"),
    ("2019-H2", "AAA-M02", "AAA", "ausgesetzt_mittel"),
    ("2018-H2", "AAA-M03", "AAA", "in_umsetzung"),
    ("2019-H1", "AAA-M03", "AAA", "verzoegert"),
    ("2019-H2", "AAA-M03", "AAA", "entfallen"),
    ("2018-H2", "BBB-M01", "BBB", "nicht_begonnen"),
    ("2019-H1", "BBB-M01", "BBB", "nicht_begonnen"),
    ("2019-H2", "BBB-M01", "BBB", "umgesetzt"),
    ("2019-H2", "BBB-M02", "BBB", "in_umsetzung"),  # first reported in 2019-H2
    ("2018-H2", "BBB-M03", "BBB", "keine_loesung"),
    ("2019-H1", "BBB-M03", "BBB", "keine_loesung"),
    ("2019-H2", "BBB-M03", "BBB", "keine_loesung"),
])


def test_change_since_previous_period(mini):
    v = period_view(mini, HISTORY, P2, P1).set_index("measure_id")
    assert v["change"].to_dict() == {
        "AAA-M01": "vorwärts",      # in Planung → in Umsetzung
        "AAA-M02": "unverändert",
        "AAA-M03": "rückwärts",     # in Umsetzung → verzögert
        "BBB-M01": "unverändert",
        "BBB-M02": "fehlt",         # no status reported in 2019-H1
        "BBB-M03": "unverändert",
    }
    v3 = period_view(mini, HISTORY, P3, P2).set_index("measure_id")
    assert v3.at["AAA-M03", "change"] == "geändert"  # entfallen has no rank
    assert v3.at["BBB-M02", "change"] == "neu"


def test_periods_unchanged_counts_consecutive_periods(mini):
    v = period_view(mini, HISTORY, P3, P2).set_index("measure_id")
    assert v.at["AAA-M02", "periods_unchanged"] == 3
    assert v.at["AAA-M01", "periods_unchanged"] == 1
    assert v.at["BBB-M03", "periods_unchanged"] == 3
    assert bool(v.at["AAA-M02", "blocked"]) and not v.at["AAA-M01", "blocked"]


def test_counts_by_status_with_totals(mini):
    counts = counts_by_status(period_view(mini, HISTORY, P2, P1), mini)
    assert counts.loc["AAA"].to_dict() == {
        "nicht begonnen": 0, "in Planung": 0, "in Umsetzung": 1, "umgesetzt": 0,
        "Daueraufgabe (laufend)": 0, "verzögert": 1, "ausgesetzt – fehlende Mittel": 1,
        "zur Zeit keine Lösung möglich": 0, "entfallen": 0, "keine Angabe": 0, "Gesamt": 3}
    assert counts.loc["Gesamt", "Gesamt"] == 6
    assert counts.loc["BBB", "keine Angabe"] == 1


def test_implementation_rate_excludes_dropped_and_unsolvable(mini):
    rates = implementation_rates(period_view(mini, HISTORY, P3, P2), mini).set_index("ak_id")
    # AAA: M01 Daueraufgabe (umgesetzt), M02 ausgesetzt (offen), M03 entfallen (outside)
    assert rates.loc["AAA", ["base", "umgesetzt", "laufend", "offen", "ausserhalb"]].tolist() == [
        2, 1, 0, 1, 1]
    assert rates.at["AAA", "rate"] == pytest.approx(0.5)
    # BBB: M01 umgesetzt, M02 in Umsetzung, M03 keine Lösung (outside)
    assert rates.at["BBB", "rate"] == pytest.approx(0.5)
    assert rates.at["BBB", "rate_incl_running"] == pytest.approx(1.0)
    assert rates.at["Gesamt", "base"] == 4
    assert rates.at["Gesamt", "rate"] == pytest.approx(0.5)
    assert rates.at["Gesamt", "rate_incl_running"] == pytest.approx(0.75)


def test_rate_is_missing_not_zero_when_nothing_is_reported(mini):
    rates = implementation_rates(period_view(mini, HISTORY.iloc[0:0], P1, None), mini)
    assert rates["rate"].isna().all()
