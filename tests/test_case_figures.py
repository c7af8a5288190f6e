"""Case-figure tables on a tiny hand-made data basis: six invented people at two Stichtage."""

import datetime as dt

import duckdb
import pytest

from integrationsmonitor import case_figures as cf
from integrationsmonitor.case_data import import_extract
from tests.test_case_import import HEADER, KEY, write_csv

D1, D2 = dt.date(2019, 6, 30), dt.date(2019, 12, 31)


def person(key, day, rk, vg, nat, year, sex, employment="arbeitslos"):
    benefit = "Grundleistungen" if rk == "AsylbLG" else ""
    return (f"{key};;{day:%d.%m.%Y};{rk};{vg};{nat};{year};{sex};Aufenthaltsgestattung;{benefit};"
            f"eigene Wohnung;keiner;;;{employment};;")


@pytest.fixture(scope="module")
def tiny_db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cases")
    db = tmp / "b.duckdb"
    extracts = {
        (D1, "sozialamt"): [person("P1", D1, "AsylbLG", "Landstuhl", "Syrien", 1990, "w"),
                            person("P2", D1, "AsylbLG", "Kaiserslautern-Süd", "Afghanistan",
                                   1985, "m"),
                            person("P3", D1, "AsylbLG", "Weilerbach", "Syrien", 2015, "m",
                                   "nicht erwerbsfähig")],
        (D1, "jobcenter"): [person("P4", D1, "SGB II", "Landstuhl", "Eritrea", 1980, "m"),
                            person("P5", D1, "SGB II", "Weilerbach", "Syrien", 1995, "w")],
        (D2, "sozialamt"): [person("P2", D2, "AsylbLG", "Landstuhl", "Afghanistan", 1985, "m"),
                            person("P3", D2, "AsylbLG", "Weilerbach", "Syrien", 2015, "m",
                                   "nicht erwerbsfähig")],
        (D2, "jobcenter"): [person("P1", D2, "SGB II", "Landstuhl", "Syrien", 1990, "w", "svb"),
                            person("P4", D2, "SGB II", "Landstuhl", "Eritrea", 1980, "m"),
                            person("P6", D2, "SGB II", "Ramstein-Miesenbach", "Irak", 2000, "m")],
    }
    for (day, source), rows in extracts.items():
        path = write_csv(tmp, rows=rows, header=HEADER, name=f"{source}_{day}.csv")
        import_extract(db, path, source, day, KEY)
    return db


@pytest.fixture(scope="module")
def con(tiny_db):
    c = duckdb.connect(str(tiny_db), read_only=True)
    yield c
    c.close()


def test_counts_by_verbandsgemeinde_on_todays_territory(con):
    t = cf.dimension_table(con, "vg", [D1, D2]).protected.values
    assert t.loc["Landstuhl"].tolist() == [3, 3]  # P2 lived in Kaiserslautern-Süd in June
    assert t.loc["Weilerbach"].tolist() == [2, 1]
    assert t.loc["Ramstein-Miesenbach"].tolist() == [0, 1]
    assert t.loc["Gesamt"].tolist() == [5, 5]


def test_counts_by_rechtskreis_and_age_group(con):
    rk = cf.dimension_table(con, "rechtskreis", [D1, D2]).protected.values
    assert rk.loc["AsylbLG"].tolist() == [3, 2] and rk.loc["SGB II"].tolist() == [2, 3]
    age = cf.dimension_table(con, "age_group", [D2]).protected.values[D2]
    assert age["3–5 Jahre"] == 1 and age["18–24 Jahre"] == 1 and age["25–64 Jahre"] == 3


def test_employment_counts_only_erwerbsfaehige_in_sgb2(con):
    emp = cf.dimension_table(con, "employment", [D2]).protected.values[D2]
    assert emp["arbeitslos"] == 2 and emp["sozialversicherungspflichtig beschäftigt"] == 1
    assert emp["Gesamt"] == 3


def test_transitions_follow_people_through_the_pseudonym(con):
    t = cf.transitions(con, D1, D2)
    assert t.values.loc["AsylbLG"].tolist() == [2, 1, 0, 3]
    assert t.values.loc["SGB II"].tolist() == [0, 1, 1, 2]
    assert t.values.loc["nicht im Bestand"].tolist() == [0, 1, 0, 1]
    assert t.values.loc["Gesamt"].tolist() == [2, 3, 1, 6]
    shown = t.display()
    assert not shown.isin(["1", "2"]).any().any()  # a tiny table publishes no small count


def test_changes_are_suppressed_with_their_values(con):
    t = cf.dimension_table(con, "sex", [D1, D2])
    # männlich 3 → 4, weiblich 2 → 1: weiblich is primary, männlich secondary (else it would
    # follow from Gesamt); divers stays a known zero and Gesamt is shown.
    assert t.protected.display().values.tolist() == [["*", "*"], ["*", "*"], ["–", "–"],
                                                     ["5", "5"]]
    change = t.change(D2, D1)
    assert change[["männlich", "weiblich"]].isna().all()
    assert change[["divers", "Gesamt"]].tolist() == [0, 0]

