"""Analysts' cuts: cell-key perturbation by hand, differencing attacks against the demo data
basis, one value per cell across cut and report, and the analyst conveniences."""

import dataclasses
import datetime as dt
import itertools

import duckdb
import numpy as np
import pandas as pd
import pytest

from integrationsmonitor import case_figures as cf
from integrationsmonitor import explore
from integrationsmonitor.disclosure import perturb_counts, perturbation_table
from tests.test_case_figures import tiny_db  # noqa: F401  (module fixture)

STICHTAG = "31.12.2019"
DAY = dt.date(2019, 12, 31)


@pytest.fixture(scope="module")
def truth(demo_database):
    """True counts straight from the data basis, for checking the attacks."""
    con = duckdb.connect(str(demo_database), read_only=True)

    def count(where: str, args=()) -> int:
        return con.execute(f"SELECT count(*) FROM person_stichtag WHERE stichtag = ? AND {where}",
                           [DAY, *args]).fetchone()[0]
    yield count
    con.close()


def _noise_support(count: int) -> set[int]:
    t = perturbation_table()
    pcv = count if count <= 750 else (count - 1) % 250 + 501
    return set(t.loc[t["pcv"] == pcv, "pvalue"])


# --- the perturbation, checked by hand ---------------------------------------------------------

def test_perturbation_follows_the_p_table_for_hand_chosen_record_keys():
    # Cell keys are the sum of the record keys modulo 256. x: 1 + 2 = 3, count 2 → keys 0–31
    # carry −2 → 0. y: 3 + 4 + 250 = 257 ≡ 1, count 3 → −2 → 1. z: 100 + 28 = 128, count 2 →
    # keys 80–175 carry 0 → 2. u: five persons with keys summing to 200, count 5 → +1 → 6.
    micro = pd.DataFrame({"a": ["x", "x", "y", "y", "y", "z", "z", *["u"] * 5],
                          "record_key": [1, 2, 3, 4, 250, 100, 28, 40, 40, 40, 40, 40]})
    out = perturb_counts(micro, ["a"]).set_index("a")
    assert out["true"].to_dict() == {"u": 5, "x": 2, "y": 3, "z": 2}
    assert out["published"].to_dict() == {"u": 6, "x": 0, "y": 1, "z": 2}


def test_p_table_noise_is_small_unbiased_and_never_negative():
    t = perturbation_table()
    assert set(t["ckey"]) == set(range(256))
    for pcv, grp in t.groupby("pcv"):
        assert len(grp) == 256
        assert (pcv + grp["pvalue"] >= 0).all()
        assert grp["pvalue"].abs().max() <= 2
        if pcv >= 2:
            assert grp["pvalue"].mean() == 0
    # a count of 5 keeps its value for exactly 96 of the 256 cell keys (probability 0.375)
    assert (t.loc[t["pcv"] == 5, "pvalue"] == 0).sum() == 96


# --- what a cut shows --------------------------------------------------------------------------

def test_cut_text_representation_holds_only_the_published_table(demo_database):
    result = explore.cut(demo_database, STICHTAG, "vg", "sex")
    assert {f.name for f in dataclasses.fields(result)} == {"title", "shown", "values",
                                                           "from_report"}
    text = repr(result)
    assert text == str(result)
    assert text.startswith("Personen am 31.12.2019 nach Verbandsgemeinde und Geschlecht\n")
    assert result.shown.to_string() in text
    # Ramstein-Miesenbach has one divers person: never shown as such
    assert result.shown.at["Ramstein-Miesenbach", "divers"] == "*"
    line = next(x for x in text.splitlines() if x.startswith("Ramstein-Miesenbach"))
    assert line.split()[1:] == list(result.shown.loc["Ramstein-Miesenbach"])
    assert '<td class="num count">1</td>' not in result._repr_html_()
    assert not result.shown.isin(["1", "2"]).any().any()


def test_as_frame_gives_published_numbers_and_nan_for_suppressed(demo_database):
    result = explore.cut(demo_database, STICHTAG, "vg", "sex")
    frame = explore.as_frame(result)
    assert np.isnan(frame.at["Ramstein-Miesenbach", "divers"])
    assert frame.at["Ramstein-Miesenbach", "Gesamt"] == 283  # a report cell: exact
    assert frame.at["Landstuhl", "divers"] == 0


# --- differencing attacks ---------------------------------------------------------------------

def test_differencing_vg_by_sex_recovers_no_suppressed_person(demo_database, truth):
    # The attack of issue 11: VG × Geschlecht suppresses "divers" of Ramstein-Miesenbach; a
    # second cut filtered to weiblich and one to männlich publish that VG's women and men.
    vg = "Ramstein-Miesenbach"
    code = "073355006"
    assert truth("vg_code = ? AND sex = 'd'", [code]) == 1  # the person to protect
    total = explore.as_frame(explore.cut(demo_database, STICHTAG, "vg", "sex")).at[vg, "Gesamt"]
    women = explore.as_frame(explore.cut(demo_database, STICHTAG, "vg",
                                         filters={"Geschlecht": "weiblich"})).at[vg, "Gesamt"]
    men = explore.as_frame(explore.cut(demo_database, STICHTAG, "vg",
                                       filters={"sex": "männlich"})).at[vg, "Gesamt"]
    # Against true counts the attack recovers the person: 283 − 168 − 114 = 1.
    assert (truth("vg_code = ?", [code]) - truth("vg_code = ? AND sex = 'm'", [code])
            - truth("vg_code = ? AND sex = 'w'", [code])) == 1
    estimate = total - women - men
    assert estimate != 1
    # Knowing the p-table, the published figures fit no divers person, one, or two of them.
    candidates = {estimate - e_m - e_w for e_m in _noise_support(int(men))
                  for e_w in _noise_support(int(women))}
    assert {0, 1, 2} <= candidates


def test_differencing_age_groups_recovers_no_suppressed_count(demo_database, truth):
    # Otterbach-Otterberg has two persons of 65 and over; the VG total is a report cell and
    # the other age groups of that VG can be cut.
    vg, code = "Otterbach-Otterberg", "073355005"
    old = "year(stichtag) - birth_year >= 65"
    assert truth(f"vg_code = ? AND {old}", [code]) == 2
    frame = explore.as_frame(explore.cut(demo_database, STICHTAG, "age_group",
                                         filters={"vg": vg}))
    assert frame.at["Gesamt", "Gesamt"] == truth("vg_code = ?", [code])
    others = frame["Gesamt"].drop(["Gesamt", "65 Jahre und älter"])
    estimate = frame.at["Gesamt", "Gesamt"] - others.sum()
    assert estimate != 2
    supports = [_noise_support(int(v)) for v in others]
    candidates = {estimate - sum(c) for c in itertools.product(*supports)}
    assert {0, 1, 2, 3} <= candidates
    # The same cell cut the other way round (VGs filtered to the age group) is the same
    # persons and so publishes the same value: no second draw of the noise to average.
    by_vg = explore.as_frame(explore.cut(demo_database, STICHTAG, "vg",
                                         filters={"Altersgruppe": "65 Jahre und älter"}))
    by_age = explore.as_frame(explore.cut(demo_database, STICHTAG, "age_group", "vg"))
    assert by_vg["Gesamt"].drop("Gesamt").equals(by_age.loc["65 Jahre und älter"].drop("Gesamt")
                                                 .rename(None).rename_axis("Verbandsgemeinde"))


def test_same_persons_get_the_same_value_in_every_cut(demo_database):
    cross = explore.as_frame(explore.cut(demo_database, STICHTAG, "vg", "sex"))
    women = explore.as_frame(explore.cut(demo_database, STICHTAG, "vg",
                                         filters={"sex": "w"}))
    assert cross["weiblich"].drop("Gesamt").tolist() == \
        women["Gesamt"].drop("Gesamt").tolist()


def test_cut_and_report_never_publish_a_cell_two_ways(demo_database):
    con = duckdb.connect(str(demo_database), read_only=True)
    try:
        for key in cf.DIMENSIONS:
            report = cf.dimension_table(con, key, [DAY]).protected.display()[DAY]
            shown = explore.cut(demo_database, STICHTAG, key).shown["Gesamt"]
            assert shown.tolist() == report.tolist(), key
        report = cf.vg_by_rechtskreis(con, DAY).display()
    finally:
        con.close()
    cross = explore.cut(demo_database, STICHTAG, "vg", "rechtskreis")
    assert cross.shown.values.tolist() == report.values.tolist()
    assert cross.from_report.all().all()
    # Filtered the other way round, the VG × Rechtskreis cells are still the report's.
    landstuhl = explore.cut(demo_database, STICHTAG, "Rechtskreis",
                            filters={"Verbandsgemeinde": "Landstuhl"})
    assert landstuhl.shown["Gesamt"].tolist() == report.loc["Landstuhl"].tolist()


# --- conveniences -----------------------------------------------------------------------------

def test_unknown_stichtag_names_the_available_ones(demo_database):
    with pytest.raises(ValueError) as err:
        explore.cut(demo_database, "31.12.2017", "vg")
    assert "Für den Stichtag 31.12.2017 liegen keine Fallzahlen vor" in str(err.value)
    assert "31.03.2018, 31.12.2018, 30.06.2019, 31.12.2019" in str(err.value)


def test_dimensions_have_german_labels_accepted_as_input(demo_database):
    result = explore.cut(demo_database, STICHTAG, "Altersgruppe", "Rechtskreis")
    assert result.shown.index.name == "Altersgruppe"
    assert result.shown.columns.name == "Rechtskreis"
    assert list(result.shown.columns) == ["AsylbLG", "SGB II", "Gesamt"]
    table = explore.dimension_table()
    assert table.loc["vg", "Bezeichnung"] == "Verbandsgemeinde"
    assert "Landstuhl" in table.loc["vg", "Filterwerte"]


def test_filters_by_vg_and_age_group_and_errors_name_the_choices(demo_database, truth):
    young = explore.as_frame(explore.cut(demo_database, STICHTAG, "sex",
                                         filters={"vg": "Landstuhl", "age_group": "18-24"}))
    assert young.at["Gesamt", "Gesamt"] == pytest.approx(
        truth("vg_code = '073355008' AND year(stichtag) - birth_year BETWEEN 18 AND 24"), abs=2)
    with pytest.raises(ValueError, match="unbekannter Wert „Kaiserslautern“ für "
                                         "Verbandsgemeinde .*Landstuhl"):
        explore.cut(demo_database, STICHTAG, "sex", filters={"vg": "Kaiserslautern"})
    with pytest.raises(ValueError, match="unbekannter Wert „70–80“ für Altersgruppe"):
        explore.cut(demo_database, STICHTAG, "sex", filters={"Altersgruppe": "70–80"})
    with pytest.raises(ValueError, match="unbekanntes Merkmal „religion“"):
        explore.cut(demo_database, STICHTAG, "religion")


def test_tiny_cut_publishes_no_small_count(tiny_db):  # noqa: F811
    result = explore.cut(tiny_db, STICHTAG, "vg", "rechtskreis")
    assert result.shown.at["Landstuhl", "Gesamt"] == "3"  # the report's VG table shows 3
    assert not result.shown.isin(["1", "2"]).any().any()
    women = explore.cut(tiny_db, STICHTAG, "rechtskreis", filters={"sex": "weiblich"})
    assert women.shown["Gesamt"].tolist() == ["–", "*", "*"]


def test_measure_status_of_any_period_as_a_frame(demo_database, real_catalogue):
    frame = explore.measure_status(demo_database, "2019-H2")
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) == len(real_catalogue.measures)
    assert {"Maßnahme", "AK", "Status", "Veränderung", "Status im Vorhalbjahr"} <= set(frame)
    assert frame["Status"].notna().all()
    with pytest.raises(ValueError, match="2025-H1"):
        explore.measure_status(demo_database, "2025-H1")


def test_indicator_values_and_verdicts_of_any_period_as_frames(demo_database):
    verdicts = explore.indicator_assessments(demo_database, "2020-H1")
    assert {"Indikator", "Wert", "Ziel", "Zielpfad", "Ampel", "Fortschritt"} <= set(verdicts)
    assert set(verdicts["Ampel"]) <= {"gruen", "gelb", "rot", "grau"}
    assert (verdicts["Stichtag"] == dt.date(2020, 6, 30)).all()
    values = explore.indicator_values(demo_database, "2020-H1")
    assert list(values.index) == list(verdicts["Indikator"])
    assert max(values.columns) <= dt.date(2020, 6, 30)
