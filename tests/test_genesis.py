"""The GENESIS / Regionaldatenbank CSV reader on a hand-made file with every marker and on a
real export excerpt."""

import math
from pathlib import Path

import duckdb
import pytest

from integrationsmonitor.errors import InputError
from integrationsmonitor.genesis import read_genesis
from integrationsmonitor.indicators import import_reference, reference_value

HAND_MADE = """Tabelle: 22541-01-01-4
Kindertagesbetreuung: Betreute Kinder;;;;;
Stichtag 01.03.;;;;;
Besuchsquote (%);;;;;
;;;Altersgruppe;Altersgruppe;Altersgruppe
;;;unter 3 Jahre;3 bis unter 6 Jahre;insgesamt
;;;Prozent;Prozent;Prozent
2019;07335;Kaiserslautern, Landkreis;28,4;93,1;61,0
2019;07312;Kaiserslautern, kreisfreie Stadt;.;-;/
2020;07335;Kaiserslautern, Landkreis;29,0 p;x;...
__________
Stand: 21.09.2026
© Statistische Ämter des Bundes und der Länder, Deutschland, 2026.
"""
V3 = "Altersgruppe / 3 bis unter 6 Jahre / Prozent"


@pytest.fixture
def hand_made(tmp_path) -> Path:
    path = tmp_path / "22541-01-01-4.csv"
    path.write_bytes(HAND_MADE.encode("iso-8859-1"))
    return path


def test_every_marker_becomes_missing_with_its_reason_and_dash_becomes_zero(hand_made):
    t = read_genesis(hand_made)
    assert t.code == "22541-01-01-4"
    assert t.stand.isoformat() == "2026-09-21"
    assert t.copyright.startswith("© Statistische Ämter")
    d = t.data.set_index(["key_1", "key_2", "variable"]).sort_index()
    assert d.at[("2019", "07335", V3), "value"] == 93.1  # leading zero kept: text key
    city = d.loc[("2019", "07312")]
    assert math.isnan(city.at["Altersgruppe / unter 3 Jahre / Prozent", "value"])
    assert city.at["Altersgruppe / unter 3 Jahre / Prozent", "reason"].startswith(
        "Zahlenwert unbekannt")
    assert city.at[V3, "value"] == 0.0 and city.at[V3, "marker"] == "-"
    assert city.at["Altersgruppe / insgesamt / Prozent", "marker"] == "/"
    later = d.loc[("2020", "07335")]
    assert later.at["Altersgruppe / unter 3 Jahre / Prozent", "value"] == 29.0
    assert later.at["Altersgruppe / unter 3 Jahre / Prozent", "flag"] == "p"
    assert later.at[V3, "marker"] == "x" and math.isnan(later.at[V3, "value"])
    assert later.at["Altersgruppe / insgesamt / Prozent", "reason"] == "Angabe fällt später an"
    assert len(t.data) == 9


def test_a_cell_that_is_neither_number_nor_marker_is_located(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(HAND_MADE.replace("93,1", "viel").encode("iso-8859-1"))
    with pytest.raises(InputError) as err:
        read_genesis(path)
    p = err.value.problems[0]
    assert (p.row, p.column) == (8, V3) and "„viel“" in p.message


def test_real_regionaldatenbank_excerpt():
    t = read_genesis(Path(__file__).parent / "fixtures" / "41241-01-03-4-B_EXCERPT_latin1.csv")
    d = t.data.set_index(["key_1", "key_2", "variable"])
    assert t.code == "41241-01-03-4-B"
    assert d.at[("2025", "07", "Feldfruchtarten / Winterweizen"), "value"] == 76.3
    assert d.at[("2025", "07", "Feldfruchtarten / Winterweizen"), "key_3"] == "Rheinland-Pfalz"
    assert math.isnan(d.at[("2025", "02", "Feldfruchtarten / Winterweizen"), "value"])
    assert d.at[("2025", "04", "Feldfruchtarten / Kartoffeln"), "value"] == 0.0
    assert d.at[("2025", "10", "Feldfruchtarten / Zuckerrüben"), "marker"] == "/"


def test_imported_reference_value_replaces_the_yaml_assumption(hand_made, tmp_path):
    db = tmp_path / "b.duckdb"
    n = import_reference(db, read_genesis(hand_made), "kita_quote_3_6", V3, "07335", 0.01,
                         hand_made.name)
    assert n == 2
    con = duckdb.connect(str(db), read_only=True)
    assert reference_value(con, "kita_quote_3_6", 2019) == pytest.approx(0.931)
    assert reference_value(con, "kita_quote_3_6", 2021) == pytest.approx(0.931)  # 2020 is "x"
    con.close()
    assert reference_value(None, "kita_quote_3_6", 2020) == pytest.approx(0.922)  # YAML


def test_unknown_region_or_variable_is_a_clear_error(hand_made, tmp_path):
    with pytest.raises(InputError, match="Regionalschlüssel „07999“ kommt nicht vor"):
        import_reference(tmp_path / "b.duckdb", read_genesis(hand_made), "f", V3, "07999", 1,
                         hand_made.name)


def test_import_reference_command(hand_made, tmp_path, capsys):
    from integrationsmonitor.cli import main

    code = main(["import-reference", str(hand_made), "--figure", "kita_quote_3_6",
                 "--variable", V3, "--scale", "0.01", "--database", str(tmp_path / "b.duckdb")])
    assert code == 0
    assert ("importiert: 2 Werte für kita_quote_3_6 aus 22541-01-01-4.csv (Tabelle "
            "22541-01-01-4, Stand 21.09.2026)") in capsys.readouterr().out


@pytest.mark.parametrize("label, year", [("2019", 2019), ("31.12.2019", 2019),
                                         ("01.03.2019", 2019), ("2019-12-31", 2019),
                                         ("Schuljahr 2019/20", 2019)])
def test_time_labels_give_their_year(label, year):
    from integrationsmonitor.genesis import year_of

    assert year_of(label) == year


@pytest.mark.parametrize("label", ["März", "", "19", "12345"])
def test_time_label_without_a_year_is_refused(label):
    from integrationsmonitor.genesis import year_of

    with pytest.raises(ValueError, match="enthält kein Jahr"):
        year_of(label)


@pytest.mark.parametrize("encoding, dash", [("cp1252", "–"), ("utf-8-sig", "–"),
                                            ("utf-8", "—"), ("iso-8859-1", "-")])
def test_resaved_exports_read_the_zero_dash_in_any_encoding(tmp_path, encoding, dash):
    path = tmp_path / "kita.csv"
    path.write_bytes(HAND_MADE.replace(";.;-;/", f";.;{dash};/").encode(encoding))
    d = read_genesis(path).data.set_index(["key_2", "variable"]).loc[("07312", V3)]
    assert (d["value"], d["marker"], d["reason"]) == (0.0, "-", "genau null")


@pytest.mark.parametrize("cell", ["92.8", "0.5", "-3.25"])
def test_english_decimal_point_is_refused_not_misread(tmp_path, cell):
    path = tmp_path / "kita.csv"
    path.write_bytes(HAND_MADE.replace("93,1", cell).encode("iso-8859-1"))
    with pytest.raises(InputError) as err:
        read_genesis(path)
    p = err.value.problems[0]
    assert (p.file, p.row, p.column) == ("kita.csv", 8, V3)
    assert f"Zahl mit Dezimalpunkt „{cell}“" in p.message


def test_row_numbers_count_only_real_line_ends(tmp_path):
    path = tmp_path / "bad.csv"
    text = HAND_MADE.replace("Stichtag 01.03.", "Stichtag\x0c01.03.").replace("93,1", "viel")
    path.write_bytes(text.replace("\n", "\r\n").encode("cp1252"))
    with pytest.raises(InputError) as err:
        read_genesis(path)
    assert err.value.problems[0].row == 8


def test_import_reference_takes_the_region_from_the_concepts_territory(tmp_path, capsys):
    from integrationsmonitor.cli import main
    from tests.conftest import FIXTURES

    path = tmp_path / "22541-01-01-4.csv"
    path.write_bytes(HAND_MADE.replace("2019;07312;Kaiserslautern, kreisfreie Stadt;.;-;/",
                                       "2019;09876;Musterkreis;30,0;88,5;60,0")
                     .encode("iso-8859-1"))
    db = tmp_path / "m.duckdb"
    assert main(["import-reference", str(path), "--figure", "kita_quote_3_6", "--variable", V3,
                 "--scale", "0.01", "--database", str(db),
                 "--concept", str(FIXTURES / "musterkreis" / "konzept")]) == 0
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT region, year, value FROM reference_import").fetchall()
    con.close()
    assert rows == [("09876", 2019, pytest.approx(0.885))]
