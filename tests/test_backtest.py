"""Back-test of key published figures: values worked out by hand with plain SQL over the demo
data basis (not through the package's own code) against what the 2021-H1 report publishes in
its data annex."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from integrationsmonitor import compute, data_annex
from integrationsmonitor.params import params_file, parse_parameters, read_params_file

STICHTAG = dt.date(2021, 6, 30)


@pytest.fixture(scope="module")
def published(demo_database):
    params = read_params_file(params_file("2021-H1"))
    res = compute.compute(parse_parameters(params.as_dict() | {"database": str(demo_database)}))
    return {stem: frame for stem, (_, frame) in data_annex.tables(res).items()}


@pytest.fixture(scope="module")
def sql(demo_database):
    con = duckdb.connect(str(demo_database), read_only=True)
    yield lambda q, *a: con.execute(q, list(a)).fetchone()[0]
    con.close()


def test_umsetzungsquote_is_umgesetzt_and_dauer_over_all_but_entfallen_and_no_solution(
        published, sql):
    done = sql("SELECT count(*) FROM measure_status WHERE period = '2021-H1' "
               "AND status IN ('umgesetzt', 'daueraufgabe')")
    base = sql("SELECT count(*) FROM measure_status WHERE period = '2021-H1' "
               "AND status NOT IN ('entfallen', 'keine_loesung')")
    rates = published["umsetzungsquote"].set_index("Arbeitskreis")
    assert rates.at["Gesamt", "Umsetzungsquote (%)"] == pytest.approx(100 * done / base)
    indicators = published["indikatoren"].set_index("ID")
    assert indicators.at["UMS-I0", "Wert"] == pytest.approx(100 * done / base)


def test_two_case_totals_by_rechtskreis(published, sql):
    table = published["fallzahlen_rechtskreis"].set_index("Merkmal")
    column = f"{STICHTAG:%d.%m.%Y}"
    for label, code in [("AsylbLG", "asylblg"), ("SGB II", "sgb2")]:
        expected = sql("SELECT count(*) FROM person_stichtag WHERE stichtag = ? "
                       "AND rechtskreis = ?", STICHTAG, code)
        assert table.at[label, column] == expected


@pytest.mark.parametrize("indicator, numerator, denominator", [
    # SPR-I3: adults 18–64 with at least B1
    ("SPR-I3", "course_level IN ('B1', 'B2', 'C1')",
     "year(stichtag) - birth_year BETWEEN 18 AND 64"),
    # SPR-I1: good prospects, 18–64, in or through an Integrationskurs / DeuFöV
    ("SPR-I1", "course_type IN ('ik', 'deufoev') AND course_state IN ('teilnehmend', "
               "'abgeschlossen')",
     "perspective = 'gut' AND year(stichtag) - birth_year BETWEEN 18 AND 64"),
    # ARB-I1: SGB II, 15–64, employed or in training among those in the labour market
    ("ARB-I1", "employment IN ('svb', 'ausbildung')",
     "rechtskreis = 'sgb2' AND year(stichtag) - birth_year BETWEEN 15 AND 64 AND employment IN "
     "('arbeitslos', 'massnahme', 'ausbildung', 'svb', 'geringfuegig')"),
])
def test_three_case_indicators(published, sql, indicator, numerator, denominator):
    d = sql(f"SELECT count(*) FROM person_stichtag WHERE stichtag = ? AND {denominator}",
            STICHTAG)
    n = sql(f"SELECT count(*) FROM person_stichtag WHERE stichtag = ? AND {denominator} "
            f"AND {numerator}", STICHTAG)
    assert n >= 3 and d >= 3  # published, not suppressed
    value = published["indikatoren"].set_index("ID").at[indicator, "Wert"]
    assert value == pytest.approx(100 * n / d)
