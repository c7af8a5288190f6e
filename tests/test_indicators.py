"""Indicators on small hand-made data: every kind of series, both assessments, the catalogue."""

import datetime as dt

import pandas as pd
import pytest

from integrationsmonitor.case_data import import_extract
from integrationsmonitor.errors import InputError
from integrationsmonitor.indicators import Indicator, assess, indicator_series, load_indicators
from integrationsmonitor.periods import Period
from integrationsmonitor.progress import decimal_year
from tests.test_case_figures import person
from tests.test_case_import import HEADER, KEY, write_csv

D1, D2 = dt.date(2019, 6, 30), dt.date(2019, 12, 31)
EMPTY = pd.DataFrame(columns=["period", "measure_id", "ak_id", "status"])


def _indicator(**kw):
    base = dict(id="X-I1", title="Test", goals=("ARB-Z1",), kind="case_share", unit="Anteil",
                direction="positive", target=0.8, target_date=dt.date(2021, 6, 30),
                proposal=True)
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


def test_case_share_series_and_both_assessments(jobcenter_db, real_catalogue):
    import duckdb

    ind = _indicator(numerator={"employment": ["svb"]}, denominator={"rechtskreis": ["sgb2"]})
    con = duckdb.connect(str(jobcenter_db), read_only=True)
    s = indicator_series(con, real_catalogue, ind, Period.parse("2019-H2"), EMPTY,
                         pd.DataFrame(columns=["period", "measure_id", "kennzahl", "wert"]))
    con.close()
    assert s.to_dict() == {D1: pytest.approx(0.3), D2: pytest.approx(0.5)}
    a = assess(ind, s, D2, 0.9, 0.6)
    # line from 0.3 (2019.5) to 0.8 (2021.5): at 2020.0 it expects 0.3 + 0.5 · 0.25 = 0.425
    assert a.ampel.expected == pytest.approx(0.425)
    assert a.ampel.covered == pytest.approx(0.2 / 0.125) and a.ampel.colour == "gruen"
    p = ((0.5 / 0.3) ** 2 - 1) / ((0.8 / 0.3) ** 0.5 - 1)
    assert a.progress.progress_value == pytest.approx(p)
    assert (a.progress.status, a.progress.score) == ("substantial_progress", 5.0)
    assert a.sentence() == ("Test liegt mit 50,0\xa0% auf oder vor dem Zielpfad von 42,5\xa0% "
                            "(Ziel 80,0\xa0% bis 30.06.2021).")


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


def test_implementation_share_of_an_ak(real_catalogue):
    statuses = ["umgesetzt", "daueraufgabe", "in_umsetzung", "in_umsetzung", "nicht_begonnen",
                "nicht_begonnen", "verzoegert", "entfallen"]  # 4 of 7 (entfallen is outside)
    ids = [f"ARB-M0{i}" for i in range(1, 9)]
    history = pd.DataFrame({"period": "2018-H2", "measure_id": ids, "ak_id": "ARB",
                            "status": statuses}).assign(progress_pct=None, sachstand=None,
                                                        financing=None, responsible=None)
    ind = _indicator(kind="implementation", scope={"ak": "ARB"}, target=1.0)
    s = indicator_series(None, real_catalogue, ind, Period.parse("2018-H2"), history, None)
    assert s.tolist() == [pytest.approx(4 / 7)]


def test_target_below_a_baseline_already_reached_is_green():
    ind = _indicator(target=0.99)
    s = pd.Series([1.0, 1.0], index=[D1, D2])
    a = assess(ind, s, D2, 0.9, 0.6)
    assert a.ampel.colour == "gruen" and a.progress.status == "target_achieved"


def test_missing_current_value_is_grey_and_not_assessable():
    a = assess(_indicator(), pd.Series([0.3, float("nan")], index=[D1, D2]), D2, 0.9, 0.6)
    assert a.ampel.colour == "grau" and a.progress.status == "not_available"
    assert "kein veröffentlichbarer Wert" in a.sentence()


def test_every_goal_of_the_concept_has_an_indicator(real_catalogue):
    inds = load_indicators(real_catalogue)
    covered = {g for i in inds.indicators for g in i.goals}
    assert covered == set(real_catalogue.goals["goal_id"])
    assert all(i.proposal for i in inds.indicators)
    assert decimal_year(inds.indicators[0].target_date) == 2021.5


def test_catalogue_errors_are_named(real_catalogue, tmp_path):
    from integrationsmonitor.indicators import DEFAULT_INDICATORS

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
