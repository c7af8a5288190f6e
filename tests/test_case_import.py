"""Person-level extracts: import, pseudonymisation, and a corpus of malformed extracts that each
give a clear error and leave the data basis unchanged."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from pathlib import Path

import duckdb
import openpyxl
import pytest

from integrationsmonitor.case_data import ColumnMapping, check_extract, import_extract
from integrationsmonitor.errors import InputError
from integrationsmonitor.pseudonym import DEMO_KEY, load_key, pseudonymise

DAY = dt.date(2019, 12, 31)
KEY = b"k" * 32
HEADER = ("AZR-Nummer;Name;Stichtag;Rechtskreis;Verbandsgemeinde;Staatsangehörigkeit;"
          "Geburtsjahr;Geschlecht;Aufenthaltsstatus;Leistungsart;Unterbringung;Sprachkurs;"
          "Sprachkurs-Status;Sprachniveau;Erwerbsstatus;Kita-Besuch;Schulbesuch")
ROWS = [
    "100000000001;Müller, Anna;31.12.2019;AsylbLG;Landstuhl;Syrien;1990;w;Aufenthaltsgestattung;"
    "Grundleistungen;Gemeinschaftsunterkunft;Integrationskurs;teilnehmend;;arbeitslos;;",
    "100000000002;Öztürk, Ali;31.12.2019;AsylbLG;073355006;Afghanistan;1985;m;Duldung;"
    "§ 2;eigene Wohnung;Erstorientierungskurs;abgeschlossen;A2;arbeitslos;;",
    "100000000003;Kind, Eins;31.12.2019;AsylbLG;Weilerbach;Syrien;2015;m;Aufenthaltsgestattung;"
    "Grundleistungen;eigene Wohnung;keiner;;;nicht erwerbsfähig;ja;",
]


def write_csv(tmp_path: Path, rows=ROWS, header=HEADER, encoding="cp1252", name="sozial.csv",
              sep=";") -> Path:
    path = tmp_path / name
    text = "\n".join([header, *rows]).replace(";", sep) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


def snapshot(db: Path):
    if not db.exists():
        return None
    con = duckdb.connect(str(db), read_only=True)
    try:
        return sorted(con.execute("SELECT * FROM person_stichtag").fetchall(), key=repr)
    finally:
        con.close()


def test_import_stores_normalised_rows_under_pseudonyms_only(tmp_path):
    db = tmp_path / "b.duckdb"
    result = import_extract(db, write_csv(tmp_path), "sozialamt", DAY, KEY)
    assert (result.rows, result.dropped_columns, result.derived_perspective) == (3, ("Name",), 3)
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT pseudonym, vg_code, nationality, birth_year, sex, perspective, "
                       "benefit_type, course_type, course_state, course_level, kita "
                       "FROM person_stichtag ORDER BY birth_year").fetchall()
    con.close()
    expected_pseudonym = hmac.new(KEY, b"100000000002", hashlib.sha256).hexdigest()
    assert rows[0] == (expected_pseudonym, "073355006", "Afghanistan", 1985, "m", "unklar",
                       "analog", "eok", "abgeschlossen", "A2", None)
    assert rows[1][1:7] == ("073355008", "Syrien", 1990, "w", "gut", "grund")
    assert rows[2][-1] is True
    raw = db.read_bytes()
    for secret in (b"100000000001", b"M\xc3\xbcller", b"Anna", "Öztürk".encode()):
        assert secret not in raw  # no source key and no name anywhere in the file


def test_pseudonyms_are_stable_under_a_key_and_differ_under_another():
    a = pseudonymise(["DEMO-0000001", " demo-0000001 "], KEY)
    assert a[0] == a[1] and len(a[0]) == 64
    assert pseudonymise(["DEMO-0000001"], b"x" * 32) != a[:1]


def test_demo_key_refuses_real_person_keys(tmp_path):
    db = tmp_path / "b.duckdb"
    with pytest.raises(InputError, match="Demo-Schlüssel ist nur für synthetische"):
        import_extract(db, write_csv(tmp_path), "sozialamt", DAY, DEMO_KEY)
    assert snapshot(db) is None


def test_key_must_come_from_outside_the_project(tmp_path, monkeypatch):
    from integrationsmonitor.paths import project_root

    monkeypatch.delenv("INTEGRATIONSMONITOR_KEY", raising=False)
    monkeypatch.delenv("INTEGRATIONSMONITOR_KEY_FILE", raising=False)
    with pytest.raises(InputError, match="kein Pseudonymisierungsschlüssel"):
        load_key()
    monkeypatch.setenv("INTEGRATIONSMONITOR_KEY_FILE", str(project_root() / "key.txt"))
    with pytest.raises(InputError, match="liegt im Projektordner"):
        load_key()
    outside = tmp_path / "key.txt"
    outside.write_text("short")
    outside.chmod(0o600)
    monkeypatch.setenv("INTEGRATIONSMONITOR_KEY_FILE", str(outside))
    with pytest.raises(InputError, match="zu kurz"):
        load_key()
    outside.write_text("a" * 64)
    assert load_key() == b"a" * 64


def test_utf8_with_bom_and_comma_and_xlsx_with_title_rows_are_read(tmp_path):
    db = tmp_path / "b.duckdb"
    rows = [r.replace(", ", " ").replace("§ 2", "Analogleistungen") for r in ROWS]
    bom = write_csv(tmp_path, rows=rows, encoding="utf-8-sig", sep=",", name="bom.csv")
    assert import_extract(db, bom, "sozialamt", DAY, KEY).rows == 3
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Sozialamt – Bestand AsylbLG"])
    ws.append(["Stand 31.12.2019"])
    ws.append([])
    ws.append(HEADER.split(";"))
    for r in ROWS:
        ws.append([int(v) if v.isdigit() and len(v) == 4 else v for v in r.split(";")])
    ws.cell(5, 3).value = dt.datetime(2019, 12, 31)  # a real Excel date in one row
    xlsx = tmp_path / "titel.xlsx"
    wb.save(xlsx)
    assert import_extract(db, xlsx, "sozialamt", DAY, KEY).rows == 3
    assert len(snapshot(db)) == 3  # re-import of the same Stichtag and source replaced


def test_old_verbandsgemeinde_is_counted_on_todays_territory(tmp_path):
    rows = [ROWS[0].replace("Landstuhl", "Kaiserslautern-Süd").replace("31.12.2019",
                                                                       "30.06.2019")]
    out, _ = check_extract(write_csv(tmp_path, rows=rows), "sozialamt", dt.date(2019, 6, 30))
    assert out[["vg_code_reported", "vg_code"]].values.tolist() == [["073355003", "073355008"]]


def test_office_column_mapping(tmp_path):
    mapping_file = tmp_path / "map.yaml"
    mapping_file.write_text("columns:\n  Kunden-AZR: person_key\n  Nationalität: nationality\n",
                            encoding="utf-8")
    header = HEADER.replace("AZR-Nummer", "Kunden-AZR").replace("Staatsangehörigkeit",
                                                                "Nationalität")
    path = write_csv(tmp_path, header=header)
    out, _ = check_extract(path, "sozialamt", DAY, ColumnMapping.from_file(mapping_file))
    assert len(out) == 3


BAD = {
    # name: (how to make the file, expected message, expected row, expected column)
    "wrong_encoding": (lambda t: write_csv(t, encoding="utf-16"), "Textdatei in UTF-16",
                       None, None),
    "wrong_separator": (lambda t: write_csv(t, sep="\t"), "Trennzeichen oder Spaltennamen", 1,
                        None),
    "missing_column": (lambda t: write_csv(t, header=HEADER.replace("Geschlecht", "Gender")),
                       "Pflichtspalte „Geschlecht“ fehlt", 1, "Geschlecht"),
    "unknown_column": (lambda t: write_csv(t, header=HEADER + ";Religion",
                                           rows=[r + ";x" for r in ROWS]),
                       "unbekannte Spalte", 1, "Religion"),
    "unknown_vg": (lambda t: write_csv(t, rows=[ROWS[0], ROWS[1].replace("073355006",
                                                                          "Kaiserslautern")]),
                   "unbekannte Verbandsgemeinde „Kaiserslautern“", 3, "Verbandsgemeinde"),
    "duplicate_person": (lambda t: write_csv(t, rows=[ROWS[0], ROWS[1], ROWS[0]]),
                         "Person doppelt im Extrakt (schon in Zeile 2)", 4, "AZR-Nummer"),
    "impossible_date": (lambda t: write_csv(t, rows=[ROWS[0].replace("31.12.2019",
                                                                     "31.02.2019")]),
                        "„31.02.2019“ ist kein gültiges Datum", 2, "Stichtag"),
    "text_in_number": (lambda t: write_csv(t, rows=[ROWS[0].replace(";1990;", ";neunzehn;")]),
                       "erwartet eine Jahreszahl (JJJJ), gefunden „neunzehn“", 2,
                       "Geburtsjahr"),
    "implausible_birth_year": (lambda t: write_csv(t, rows=[ROWS[0].replace(";1990;",
                                                                            ";2024;")]),
                               "Geburtsjahr 2024 ist nicht plausibel", 2, "Geburtsjahr"),
    "empty_file": (lambda t: (t / "leer.csv").write_bytes(b"") or t / "leer.csv",
                   "die Datei ist leer", None, None),
    "header_only": (lambda t: write_csv(t, rows=[]), "keine Datenzeilen", None, None),
    "stichtag_mismatch": (lambda t: write_csv(t, rows=[ROWS[0].replace("31.12.2019",
                                                                       "30.06.2019")]),
                          "Stichtag 30.06.2019 passt nicht zum Import-Stichtag 31.12.2019", 2,
                          "Stichtag"),
    "wrong_rechtskreis": (lambda t: write_csv(t, rows=[ROWS[0].replace("AsylbLG", "SGB II")
                                                       .replace("Grundleistungen", "")]),
                          "passt nicht zur Lieferung von Sozialamt", 2, "Rechtskreis"),
    "more_cells_than_header": (lambda t: write_csv(t, rows=[ROWS[0] + ";überzählig"]),
                               "mehr Felder als die Kopfzeile", 2, None),
    "unknown_value": (lambda t: write_csv(t, rows=[ROWS[0].replace(";w;", ";weiblichx;")]),
                      "unbekannter Wert „weiblichx“", 2, "Geschlecht"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_malformed_extract_gives_clear_error_and_changes_nothing(case, tmp_path):
    db = tmp_path / "b.duckdb"
    good = tmp_path / "good"
    good.mkdir()
    import_extract(db, write_csv(good), "sozialamt", DAY, KEY)
    before = snapshot(db)
    make, message, row, column = BAD[case]
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    path = make(bad_dir)
    with pytest.raises(InputError) as err:
        import_extract(db, path, "sozialamt", DAY, KEY)
    hits = [p for p in err.value.problems if message in p.message]
    assert hits, str(err.value)
    assert hits[0].file == path.name
    assert (hits[0].row, hits[0].column) == (row, column)
    assert snapshot(db) == before


def test_many_errors_are_listed_together(tmp_path):
    rows = [ROWS[0].replace(";w;", ";?;"), ROWS[1].replace(";1985;", ";abc;"),
            ROWS[2].replace("Weilerbach", "Mars")]
    with pytest.raises(InputError) as err:
        check_extract(write_csv(tmp_path, rows=rows), "sozialamt", DAY)
    assert sorted(p.row for p in err.value.problems) == [2, 3, 4]


def test_decomposed_umlauts_and_code_page_850_read_like_windows_1252(tmp_path):
    import unicodedata

    nfd = write_csv(tmp_path, header=unicodedata.normalize("NFD", HEADER), encoding="utf-8",
                    name="mac.csv")
    dos = write_csv(tmp_path, rows=[ROWS[0].replace("Syrien", "Türkei")], encoding="cp850",
                    name="dos.csv")
    assert len(check_extract(nfd, "sozialamt", DAY)[0]) == 3
    assert check_extract(dos, "sozialamt", DAY)[0]["nationality"].tolist() == ["Türkei"]


def test_xlsx_with_a_wrong_stored_dimension_is_read_whole(tmp_path):
    import re
    import zipfile

    wb = openpyxl.Workbook()
    ws = wb.active
    for r, line in enumerate([HEADER, *ROWS], start=3):
        for c, value in enumerate(line.split(";"), start=2):  # starts at B3
            ws.cell(r, c, value)
    good = tmp_path / "good.xlsx"
    wb.save(good)
    bad = tmp_path / "export.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":  # as some exporters write it
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', data)
            zout.writestr(item, data)
    rows, _ = check_extract(bad, "sozialamt", DAY)
    assert len(rows) == 3
    wb = openpyxl.load_workbook(good)
    wb.active["G6"] = "Syrein"
    wb.save(good)
    with pytest.raises(InputError) as err:
        check_extract(good, "sozialamt", DAY)
    p = err.value.problems[0]
    assert (p.row, p.column) == (6, "Staatsangehörigkeit")


def test_mapping_file_is_checked_before_the_extract(tmp_path):
    mapping_file = tmp_path / "map.yaml"
    mapping_file.write_text("columns:\n  Nation: nation\ndrop: Betreuer\nspalten: {}\n",
                            encoding="utf-8")
    with pytest.raises(InputError) as err:
        ColumnMapping.from_file(mapping_file)
    assert sorted((p.key, p.message.split(" (")[0]) for p in err.value.problems) == [
        ("columns.Nation", "unbekanntes Feld „nation“"),
        ("drop", "erwartet eine Liste von Spaltennamen, z. B. [Name, Anschrift]"),
        ("spalten", "unbekannter Schlüssel")]


def test_verbandsschluessel_that_excel_stripped_of_its_leading_zero_is_read(tmp_path):
    rows = [ROWS[1].replace(";073355006;", ";73355006;")]
    out, _ = check_extract(write_csv(tmp_path, rows=rows), "sozialamt", DAY)
    assert out["vg_code"].tolist() == ["073355006"]
