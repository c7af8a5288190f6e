"""Indicators on small hand-made data: every kind of series, the assessment (verdict and the
secondary Open SDG figure), the catalogue and its checks."""

import datetime as dt

import pandas as pd
import pytest

from integrationsmonitor.case_data import import_extract
from integrationsmonitor.errors import InputError
from integrationsmonitor.indicators import (
    DEFAULT_INDICATORS,
    Adoption,
    Indicator,
    assess,
    indicator_series,
    load_indicators,
)
from integrationsmonitor.measure_status import implementation_rates, period_view
from integrationsmonitor.periods import Period
from integrationsmonitor.progress import decimal_year
from tests.test_case_figures import person
from tests.test_case_import import HEADER, KEY, write_csv

D1, D2 = dt.date(2019, 6, 30), dt.date(2019, 12, 31)
EMPTY = pd.DataFrame(columns=["period", "measure_id", "ak_id", "status"])


def _indicator(**kw):
    base = dict(id="X-I1", title="Test", goals=("ARB-Z1",), kind="case_share", unit="Anteil",
                direction="positive", target=0.8, target_date=dt.date(2021, 6, 30))
    return Indicator(**(base | kw))


@pytest.fixture(scope="module")
def jobcenter_db(tmp_path_factory):
    """10 adults in SGB II on 30.06.2019 (3 employed), 12 on 31.12.2019 (6 employed, one in a
    Maßnahme)."""
    tmp = tmp_path_factory.mktemp("ind")
    db = tmp / "b.duckdb"
    for day, n, employed in ((D1, 10, 3), (D2, 12, 6)):
        rows = [person(f"J{i}", day, "SGB II", "Weilerbach", "Syrien", 1989, "m",
                       "svb" if i < employed else ("in Maßnahme" if day == D2 and i == employed
                                                  else "arbeitslos")) for i in range(n)]
        import_extract(db, write_csv(tmp, rows=rows, header=HEADER, name=f"jc_{day}.csv"),
                       "jobcenter", day, KEY)
    return db


def test_case_share_series_verdict_and_open_sdg_figure(jobcenter_db, real_catalogue):
    import duckdb

    ind = _indicator(numerator={"employment": ["svb"]}, denominator={"rechtskreis": ["sgb2"]})
    con = duckdb.connect(str(jobcenter_db), read_only=True)
    s = indicator_series(con, real_catalogue, ind, Period.parse("2019-H2"), EMPTY,
                         pd.DataFrame(columns=["period", "measure_id", "kennzahl", "wert"]))
    con.close()
    assert s.to_dict() == {D1: pytest.approx(0.3), D2: pytest.approx(0.5)}
    a = assess(ind, s, D2, 0.9, 0.6)
    # line from 0.3 (2019.5) to 0.8 (2021.5): at 2020.0 it expects 0.3 + 0.5 · 0.25 = 0.425
    assert a.verdict.expected == pytest.approx(0.425)
    assert a.verdict.share_of_expected == pytest.approx(0.2 / 0.125)
    assert a.verdict.code == "auf_kurs" and a.ampel.colour == "gruen" and not a.off_track
    p = ((0.5 / 0.3) ** 2 - 1) / ((0.8 / 0.3) ** 0.5 - 1)
    assert a.progress.progress_value == pytest.approx(p)
    assert (a.progress.status, a.progress.score) == ("substantial_progress", 5.0)
    assert a.sentence() == ("Test: auf Kurs. Mit 50,0\xa0% liegt der Wert auf dem Zielpfad "
                            "(160\xa0% des bis zum Stichtag erwarteten Weges; Zielpfad "
                            "42,5\xa0%, Ziel 80,0\xa0% bis 30.06.2021).")


def test_small_numerator_makes_the_share_unpublishable(jobcenter_db, real_catalogue):
    import duckdb

    ind = _indicator(numerator={"employment": ["massnahme"]},
                     denominator={"rechtskreis": ["sgb2"]})
    nobody = _indicator(numerator={"employment": ["svb"]},
                        denominator={"rechtskreis": ["sgb2"], "age": [29, 29]})
    con = duckdb.connect(str(jobcenter_db), read_only=True)
    s = indicator_series(con, real_catalogue, ind, Period.parse("2019-H2"), EMPTY, None)
    empty = indicator_series(con, real_catalogue, nobody, Period.parse("2019-H2"), EMPTY, None)
    con.close()
    assert s[D1] == 0.0  # exactly zero is published
    assert pd.isna(s[D2])  # 1 of 12: a count of 1 is never published, nor its share
    assert empty.empty  # everyone is 30 in 2019: nobody in the denominator


def test_kennzahl_sum_is_cumulative_since_the_term_start(real_catalogue):
    kpis = pd.DataFrame([("2018-H2", "TEI-M02", "TEI", "Schulungen", 3.0),
                         ("2019-H1", "TEI-M02", "TEI", "Schulungen", 2.0),
                         ("2019-H1", "TEI-M06", "TEI", "Schulungen", 1.0),
                         ("2019-H1", "TEI-M06", "TEI", "Teilnehmende", 40.0)],
                        columns=["period", "measure_id", "ak_id", "kennzahl", "wert"])
    history = pd.DataFrame({"period": ["2018-H2", "2019-H1", "2019-H2"]})
    ind = _indicator(kind="kennzahl_sum", measures=("TEI-M02", "TEI-M06"), kennzahl="Schulungen",
                     unit="Schulungen", target=18.0)
    s = indicator_series(None, real_catalogue, ind, Period.parse("2019-H2"), history, kpis)
    assert s.tolist() == [3.0, 6.0, 6.0]


def test_implementation_share_of_an_ak_is_the_umsetzungsquote(real_catalogue):
    # umgesetzt and Daueraufgabe count; in Umsetzung is in the base but not umgesetzt;
    # entfallen is outside the base: 2 of 7
    statuses = ["umgesetzt", "daueraufgabe", "in_umsetzung", "in_umsetzung", "nicht_begonnen",
                "nicht_begonnen", "verzoegert", "entfallen"]
    ids = [f"ARB-M0{i}" for i in range(1, 9)]
    history = pd.DataFrame({"period": "2018-H2", "measure_id": ids, "ak_id": "ARB",
                            "status": statuses}).assign(progress_pct=None, sachstand=None,
                                                        financing=None, responsible=None)
    ind = _indicator(kind="implementation", scope={"ak": "ARB"}, target=1.0)
    s = indicator_series(None, real_catalogue, ind, Period.parse("2018-H2"), history, None)
    assert s.tolist() == [pytest.approx(2 / 7)]
    # the same quantity as the Umsetzungsquote of the AK table (one definition)
    view = period_view(real_catalogue, history, Period.parse("2018-H2"), None)
    rates = implementation_rates(view, real_catalogue).set_index("ak_id")
    assert rates.at["ARB", "rate"] == pytest.approx(2 / 7)
    assert rates.at["ARB", "rate_incl_running"] == pytest.approx(4 / 7)


def test_target_below_a_data_baseline_is_rejected_naming_indicator_and_line():
    ind = _indicator(target=0.99, line=72)
    s = pd.Series([1.0, 1.0], index=[D1, D2])
    with pytest.raises(InputError) as err:
        assess(ind, s, D2, 0.9, 0.6)
    msg = str(err.value)
    assert "Datei indikatoren.yaml, Zeile 72, Schlüssel „Indikator X-I1.target“" in msg
    assert "Zielwert 99,0\xa0% liegt unter der Basis 100,0\xa0%" in msg


def test_same_target_as_a_holding_target_is_held():
    ind = _indicator(target=0.99, target_kind="halten")
    a = assess(ind, pd.Series([1.0, 1.0], index=[D1, D2]), D2, 0.9, 0.6)
    assert a.verdict.code == "gehalten" and a.ampel.colour == "gruen"
    lost = assess(ind, pd.Series([1.0, 0.97], index=[D1, D2]), D2, 0.9, 0.6)
    assert lost.verdict.code == "nicht_gehalten" and lost.off_track
    assert lost.verdict.reason == ("Mit 97,0\xa0% ist das Halteziel von mindestens 99,0\xa0% "
                                   "nicht gehalten.")


def test_missing_current_value_is_not_assessable_with_its_reason():
    a = assess(_indicator(), pd.Series([0.3, float("nan")], index=[D1, D2]), D2, 0.9, 0.6)
    assert a.verdict.code == "nicht_bewertbar" and a.progress.status == "not_available"
    assert a.sentence() == ("Test: nicht bewertbar. Kein Wert zum 31.12.2019: geheimzuhalten, "
                            "Zähler oder Nenner unter 3 Fällen, oder Referenzwert fehlt.")


def test_missing_baseline_value_is_not_assessable_and_names_the_value():
    s = pd.Series([float("nan"), 0.4, 0.5], index=[dt.date(2018, 3, 31), D1, D2])
    a = assess(_indicator(), s, D2, 0.9, 0.6, baseline_day=dt.date(2018, 3, 31))
    assert a.baseline is None and a.verdict.code == "nicht_bewertbar"
    assert "Der Wert von 50,0\xa0% ist gegen den Zielpfad nicht bewertbar: kein Basiswert" \
        in a.verdict.reason


def test_cumulative_count_starts_its_path_at_zero_on_its_start_date():
    ind = _indicator(kind="kennzahl_sum", unit="Teilnahmen", unit_singular="Teilnahme",
                     target=300.0, cumulative_from=dt.date(2018, 7, 1))
    # 75 Teilnahmen by 31.12.2018: the path from 0 (2018.5) to 300 (2021.5) expects
    # 300 · 0.5 / 3 = 50 there; 75 / 50 = 150 % of the expected way
    a = assess(ind, pd.Series([75.0], index=[dt.date(2018, 12, 31)]), dt.date(2018, 12, 31),
               0.9, 0.6)
    assert (a.baseline_date, a.baseline) == (dt.date(2018, 7, 1), 0.0)
    assert a.verdict.expected == pytest.approx(50.0)
    assert a.verdict.code == "auf_kurs" and a.verdict.share_of_expected == pytest.approx(1.5)


def test_every_goal_of_the_concept_has_an_indicator(real_catalogue):
    inds = load_indicators(real_catalogue)
    covered = {g for i in inds.indicators for g in i.goals}
    assert covered == set(real_catalogue.goals["goal_id"])
    by_id = {i.id: i for i in inds.indicators}
    assert by_id["UMS-I0"].adopted == Adoption(dt.date(2018, 11, 14), "2018-02")
    assert by_id["WOH-I4"].proposal and not by_id["UMS-I0"].proposal
    # decision 2019-03 of the demo register put off the decision on WOH-I4's target
    assert by_id["WOH-I4"].deferred == Adoption(dt.date(2019, 11, 20), "2019-03")
    assert not by_id["WOH-I4"].awaits_adoption(dt.date(2019, 12, 31))
    assert by_id["BIL-I3"].target_kind == "halten"
    assert by_id["BIL-I5"].unit == "Teilnahmen" and by_id["BIL-I5"].fixed_baseline == (
        dt.date(2018, 7, 1), 0.0)
    assert all(i.cumulative_from for i in inds.indicators if i.kind == "kennzahl_sum")
    assert decimal_year(inds.indicators[0].target_date) == 2021.5


def test_catalogue_errors_are_named(real_catalogue, tmp_path):
    text = DEFAULT_INDICATORS.read_text(encoding="utf-8")
    text = text.replace("goals: [TEI-Z9]", "goals: [TEI-Z99]").replace(
        "numerator: {housing: [gu]}", "numerator: {housing: [zelt]}")
    path = tmp_path / "ind.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_indicators(real_catalogue, path)
    msg = str(err.value)
    assert "Ziel „TEI-Z99“ gibt es im Konzept nicht" in msg
    assert "unbekannter Wert „zelt“" in msg
    assert "Ziel „TEI-Z9“ hat keinen Indikator" in msg


def test_count_units_read_as_german_in_the_singular():
    ind = _indicator(kind="kennzahl_sum", unit="Veranstaltungen", unit_singular="Veranstaltung")
    assert (ind.format(1), ind.format(2)) == ("1 Veranstaltung", "2 Veranstaltungen")


def test_indicators_command_keeps_every_period_in_the_data_basis(demo_database, tmp_path):
    import shutil

    import duckdb

    from integrationsmonitor.cli import main

    copy = tmp_path / "basis.duckdb"
    shutil.copy(demo_database, copy)
    assert main(["indicators", "--all", "--database", str(copy)]) == 0
    con = duckdb.connect(str(copy), read_only=True)
    per_period = dict(con.execute("SELECT period, count(*) FROM indicator_assessment "
                                  "GROUP BY period").fetchall())
    history = con.execute("SELECT count(*) FROM indicator_value WHERE period = '2021-H1' "
                          "AND indicator_id = 'WOH-I2'").fetchone()[0]
    con.close()
    assert per_period == {p: 20 for p in ["2018-H2", "2019-H1", "2019-H2", "2020-H1",
                                          "2020-H2", "2021-H1"]}
    assert history == 7  # the case-figure series runs from the baseline over seven Stichtage


def _line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


def test_catalogue_rejects_a_cumulative_target_below_its_zero_start(real_catalogue, tmp_path):
    text = DEFAULT_INDICATORS.read_text(encoding="utf-8")
    old = "    target: 300\n"
    line = _line_of(text, old)
    path = tmp_path / "ind.yaml"
    path.write_text(text.replace(old, "    target: -5\n"), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_indicators(real_catalogue, path)
    assert (f"Datei ind.yaml, Zeile {line}, Schlüssel „Indikator BIL-I5.target“: der Zielwert "
            "-5 Teilnahmen liegt unter der Basis 0 Teilnahmen") in str(err.value).replace("−", "-")


def test_catalogue_rejects_a_target_on_the_wrong_side_of_a_declared_baseline(
        real_catalogue, tmp_path):
    text = DEFAULT_INDICATORS.read_text(encoding="utf-8")
    # WOH-I2 (share in Gemeinschaftsunterkünften, lower is better) with a declared baseline
    old = "    target: 0.1\n"
    line = _line_of(text, old)
    path = tmp_path / "ind.yaml"
    path.write_text(text.replace(old, old + "    baseline: {date: 2018-03-31, value: 0.05}\n"),
                    encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_indicators(real_catalogue, path)
    msg = str(err.value)
    assert f"Zeile {line}, Schlüssel „Indikator WOH-I2.target“" in msg
    assert "der Zielwert 10,0\xa0% liegt über der Basis 5,0\xa0%" in msg
    assert "„niedriger ist besser“" in msg and "target_kind: halten" in msg
    # declared a holding target, the same line is accepted
    path.write_text(text.replace(old, old + "    baseline: {date: 2018-03-31, value: 0.05}\n"
                                 "    target_kind: halten\n"), encoding="utf-8")
    held = {i.id: i for i in load_indicators(real_catalogue, path).indicators}["WOH-I2"]
    assert held.target_kind == "halten"


def test_catalogue_checks_adoption_cumulative_start_and_share_range(real_catalogue, tmp_path):
    text = DEFAULT_INDICATORS.read_text(encoding="utf-8")
    text = (text.replace("    cumulative_from: 2018-07-01\n    adopted: {date: 2019-11-20, "
                         "decision: 2019-03}\n", "")  # BIL-I5 loses both
            .replace("    target: 0.8\n    adopted: {date: 2018-11-14, decision: 2018-02}\n",
                     "    target: 80\n    adopted: {date: 14.11.2018}\n"))
    path = tmp_path / "ind.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_indicators(real_catalogue, path)
    msg = str(err.value)
    assert "Indikator BIL-I5.cumulative_from“: eine Summe seit einem Datum braucht" in msg
    assert "Indikator SPR-I1.target“: ein Anteil liegt zwischen 0 und 1" in msg
    assert "Indikator SPR-I1.adopted“: erwartet {date: JJJJ-MM-TT, decision:" in msg


def test_short_title_is_optional_and_falls_back_to_the_title(real_catalogue, tmp_path):
    text = DEFAULT_INDICATORS.read_text(encoding="utf-8").replace(
        "    short_title: Schulbesuch\n", "")
    path = tmp_path / "ind.yaml"
    path.write_text(text, encoding="utf-8")
    found = {i.id: i for i in load_indicators(real_catalogue, path).indicators}
    assert found["BIL-I3"].name == "Schulbesuch der Kinder und Jugendlichen von 6 bis 17 Jahren"
    assert found["BIL-I1"].name == "Abstand beim Kitabesuch"


def test_catalogue_rejects_a_short_title_that_is_not_short(real_catalogue, tmp_path):
    text = DEFAULT_INDICATORS.read_text(encoding="utf-8").replace(
        "    short_title: Schulbesuch\n", "    short_title: " + "Schulbesuch " * 5 + "\n")
    path = tmp_path / "ind.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_indicators(real_catalogue, path)
    assert "Indikator BIL-I3.short_title“: erwartet einen kurzen Text" in str(err.value)


def test_open_sdg_figure_explains_itself_where_it_seems_to_contradict_the_verdict():
    from integrationsmonitor.report import _open_sdg

    ind = _indicator()
    # Basis 10 % (30.06.2019), Ziel 80 % (30.06.2021). At 31.12.2019 the Zielpfad expects
    # 10 + 70 · 0,25 = 27,5 %; 22 % is 12 / 17,5 = 69 % of that way: behind. Open SDG: growth
    # 2,2² − 1 = 3,84 a year against the needed √8 − 1 = 1,83: 2,10, "Tempo 210 %".
    behind = assess(ind, pd.Series({D1: 0.1, D2: 0.22}), D2, 0.9, 0.6)
    assert behind.verdict.code == "hinter_zielpfad"
    assert _open_sdg(behind) == (
        "Fortschrittsmaß (Open SDG): 2,10 – das bisherige Tempo beträgt 210\xa0% des nötigen. "
        "Es weicht hier von der Bewertung ab, weil es gleichmäßiges prozentuales Wachstum zum "
        "Maßstab nimmt; der Zielpfad der Bewertung verlangt dagegen in jedem Jahr gleich große "
        "Schritte.")
    # On course and ahead by both measures: nothing to explain.
    ahead = assess(ind, pd.Series({D1: 0.3, D2: 0.5}), D2, 0.9, 0.6)
    assert ahead.verdict.code == "auf_kurs" and "weicht" not in _open_sdg(ahead)


def test_a_setback_from_an_earlier_better_value_is_named_in_the_verdict():
    ind = _indicator()
    b, d3 = dt.date(2018, 12, 31), dt.date(2020, 6, 30)
    # Basis 30 % (31.12.2018), 60 % on 30.06.2019, 40 % on 31.12.2019: still 50 % of the
    # expected way (Zielpfad 30 + 50 · 1/2,5 = 50 %), but down from 60 %.
    fell = assess(ind, pd.Series({b: 0.3, D1: 0.6, D2: 0.4}), D2, 0.9, 0.6)
    assert fell.verdict.code == "deutlich_hinter_zielpfad"
    assert fell.verdict.reason == (
        "Mit 40,0\xa0% liegt der Wert deutlich hinter dem Zielpfad (50\xa0% des bis zum "
        "Stichtag erwarteten Weges; Zielpfad 50,0\xa0%, Ziel 80,0\xa0% bis 30.06.2021). "
        "Am 30.06.2019 war der Wert mit 60,0\xa0% besser.")
    # The best earlier value is named, also when it is not the previous one (BIL-I4: 100 %
    # on 31.12.2019, 0 % since).
    twice = assess(ind, pd.Series({b: 0.3, D1: 0.6, D2: 0.35, d3: 0.4}), d3, 0.9, 0.6)
    assert twice.verdict.reason.endswith(" Am 30.06.2019 war der Wert mit 60,0\xa0% besser.")
    # Rising, or falling back right after the baseline (the reason names the baseline): no
    # further sentence.
    rose = assess(ind, pd.Series({b: 0.3, D1: 0.35, D2: 0.4}), D2, 0.9, 0.6)
    assert "besser." not in rose.verdict.reason
    back = assess(ind, pd.Series({D1: 0.3, D2: 0.2}), D2, 0.9, 0.6)
    assert back.verdict.code == "verschlechtert" and "besser." not in back.verdict.reason
    # Lower is better (a gap): 25 % on 30.06.2019 was better than 28 % now.
    gap = _indicator(direction="negative", target=0.1)
    grew = assess(gap, pd.Series({b: 0.3, D1: 0.25, D2: 0.28}), D2, 0.9, 0.6)
    assert grew.verdict.reason.endswith(" Am 30.06.2019 war der Wert mit 25,0\xa0% besser.")
