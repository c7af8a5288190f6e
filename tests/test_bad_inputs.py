"""Inputs broken the way the Kreisverwaltung's staff break them, one section per class of
failure (issue 10). Every rejected input must end the command with status 1, a German message
on stderr that names file, row and column as far as they exist, no traceback, and a data basis
whose contents are exactly what they were (hash over every table)."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import signal
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest

from integrationsmonitor.cli import main
from integrationsmonitor.database import (
    CORE_SCHEMA,
    SCHEMA_VERSION,
    backup_path,
    connected,
    content_digest,
)
from integrationsmonitor.decisions import Decision, write_register
from integrationsmonitor.genesis import read_genesis
from integrationsmonitor.measure_status import write_templates
from integrationsmonitor.periods import Period
from integrationsmonitor.status_workbook import (
    COL_NOTE,
    COL_PCT,
    COL_STATUS,
    COL_TEXT,
    FIRST_ROW,
    SHEET,
)
from integrationsmonitor.workbook import neutralise_csv, neutralise_csv_frame
from tests.conftest import fill_workbook, row_of
from tests.test_case_import import HEADER, ROWS
from tests.test_genesis import HAND_MADE, V3
from tests.test_status_import import AAA, BBB

ROOT = Path(__file__).resolve().parent.parent
MINI = str(ROOT / "tests" / "fixtures" / "mini-concept")
H2_2018 = Period.parse("2018-H2")
REAL_KEY = "k" * 40


# --- helpers ------------------------------------------------------------------------------------

def digest(db: Path) -> str | None:
    """Hash over every table's contents; None while the data basis does not exist."""
    if not db.exists():
        return None
    con = duckdb.connect(str(db), read_only=True)
    try:
        return content_digest(con)
    finally:
        con.close()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_rejected(code: int, err: str, *fragments: str) -> None:
    assert code == 1, err
    assert err.startswith("Fehler: "), err
    assert "Traceback" not in err and "Error:" not in err.replace("Fehler:", ""), err
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} not in {err!r}"


@pytest.fixture
def real_key(monkeypatch):
    monkeypatch.delenv("INTEGRATIONSMONITOR_KEY_FILE", raising=False)
    monkeypatch.setenv("INTEGRATIONSMONITOR_KEY", REAL_KEY)


def extract(folder: Path, rows=ROWS, header=HEADER, encoding="cp1252", name="sozial.csv",
            newline="\r\n") -> Path:
    """An extract as the Sozialamt's software exports it (Windows line ends)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes((newline.join([header, *rows]) + newline).encode(encoding))
    return path


@pytest.fixture
def basis(tmp_path, real_key, capsys) -> Path:
    """A data basis holding one good extract, status of 2018-H2 and a reference value."""
    db = tmp_path / "basis.duckdb"
    assert run(capsys, "import-extract", "sozialamt", "31.12.2019",
               extract(tmp_path / "gut"), "--database", db)[0] == 0
    out = tmp_path / "vorlagen"
    aaa, bbb = write_templates(None, _mini(), H2_2018, out)
    fill_workbook(aaa, AAA)
    fill_workbook(bbb, BBB)
    assert run(capsys, "import-status", "2018-H2", aaa, bbb, "--database", db,
               "--concept", MINI)[0] == 0
    return db


def _mini():
    from integrationsmonitor.catalogue import load_catalogue

    return load_catalogue(MINI)


@pytest.fixture
def status_books(tmp_path):
    """Freshly filled status workbooks of 2018-H2 (AAA, BBB) in their own folder."""
    aaa, bbb = write_templates(None, _mini(), H2_2018, tmp_path / "eingang")
    return fill_workbook(aaa, AAA), fill_workbook(bbb, BBB)


def edit(path: Path, measure: str, column: str, value, number_format: str | None = None,
         as_text: bool = False) -> Path:
    """Type ``value`` into a status workbook as Excel would store it."""
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    headers = {ws.cell(5, c).value: c for c in range(1, ws.max_column + 1)}
    cell = ws.cell(row_of(path, measure), headers[column])
    cell.value = value
    if as_text:  # typed with a leading apostrophe: Excel keeps it as text
        cell.data_type = "s"
        cell.quotePrefix = True
    if number_format:
        cell.number_format = number_format
    wb.save(path)
    return path


def stored(db: Path, sql: str, args=()):
    with connected(db, read_only=True) as con:
        return con.execute(sql, list(args)).fetchall()


def ole_file(path: Path, stream: str) -> Path:
    """A Compound File (Office 97-2003 container) naming ``stream`` in its directory, as .xls
    files (stream "Workbook") and password-encrypted .xlsx files ("EncryptionInfo") are."""
    body = bytearray(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    body += stream.encode("utf-16-le") + b"\x00" * (1024 - len(stream) * 2)
    path.write_bytes(bytes(body))
    return path


def ods_file(path: Path) -> Path:
    """The container of an OpenDocument spreadsheet as LibreOffice writes it."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", '<?xml version="1.0"?><office:document-content/>')
    return path


# --- 1. tracebacks instead of messages ----------------------------------------------------------

def test_folder_given_for_extract_key_mapping_or_database_is_a_message(basis, tmp_path,
                                                                       capsys, monkeypatch):
    before = digest(basis)
    folder = tmp_path / "eingang"
    folder.mkdir()
    good = extract(tmp_path / "x")
    for argv, fragment in [
        (["import-extract", "sozialamt", "31.12.2019", folder, "--database", basis],
         "Datei eingang: ist ein Ordner"),
        (["import-extract", "sozialamt", "31.12.2019", good, "--mapping", folder,
          "--database", basis], "Datei eingang: ist ein Ordner"),
        (["import-status", "2018-H2", folder, "--database", basis, "--concept", MINI],
         "Datei eingang: ist ein Ordner"),
        (["import-reference", folder, "--figure", "f", "--variable", "v"],
         "Datei eingang: ist ein Ordner"),
        (["import-extract", "sozialamt", "31.12.2019", good, "--database", folder],
         "ist ein Ordner, keine Datenbasis"),
    ]:
        assert_rejected(*run(capsys, *argv)[::2], fragment)
    monkeypatch.delenv("INTEGRATIONSMONITOR_KEY")
    monkeypatch.setenv("INTEGRATIONSMONITOR_KEY_FILE", str(folder))
    assert_rejected(*run(capsys, "import-extract", "sozialamt", "31.12.2019", good,
                         "--database", basis)[::2], "ist ein Ordner, keine Schlüsseldatei")
    assert digest(basis) == before


@pytest.mark.parametrize("text, row, fragment", [
    ("columns:\n  Nationalität nationality\n  Geb.-Jahr: birth_year\n", 3,
     "kein gültiges YAML"),
    ("columns:\n\tNationalität: nationality\n", 2, "Tabulator gefunden"),
    ("columns: [a, b\n", 2, "kein gültiges YAML"),
])
def test_mapping_with_a_syntax_error_names_file_and_line(basis, tmp_path, capsys, text, row,
                                                         fragment):
    before = digest(basis)
    mapping = tmp_path / "zuordnung.yaml"
    mapping.write_text(text, encoding="utf-8")
    code, _, err = run(capsys, "import-extract", "sozialamt", "31.12.2019",
                       extract(tmp_path / "x"), "--mapping", mapping, "--database", basis)
    assert_rejected(code, err, f"Datei zuordnung.yaml, Zeile {row}", fragment)
    assert digest(basis) == before


def test_missing_mapping_file_and_wrong_mapping_structure_are_messages(basis, tmp_path, capsys):
    before = digest(basis)
    good = extract(tmp_path / "x")
    code, _, err = run(capsys, "import-extract", "sozialamt", "31.12.2019", good, "--mapping",
                       tmp_path / "fehlt.yaml", "--database", basis)
    assert_rejected(code, err, "Datei fehlt.yaml: Datei nicht gefunden")
    wrong = tmp_path / "liste.yaml"
    wrong.write_text("- Nationalität\n- nationality\n", encoding="utf-8")
    code, _, err = run(capsys, "import-extract", "sozialamt", "31.12.2019", good, "--mapping",
                       wrong, "--database", basis)
    assert_rejected(code, err, "Datei liste.yaml: erwartet die Schlüssel „columns:“")
    typo = tmp_path / "tippfehler.yaml"
    typo.write_text("column:\n  Nationalität: nationality\n", encoding="utf-8")
    code, _, err = run(capsys, "import-extract", "sozialamt", "31.12.2019", good, "--mapping",
                       typo, "--database", basis)
    assert_rejected(code, err, "Schlüssel „column“: unbekannter Schlüssel (erlaubt: columns, drop)")
    assert digest(basis) == before


# --- 2. messages that do not name the file, or quote raw bytes ----------------------------------

def test_extract_in_dos_code_page_850_is_read(tmp_path, real_key, capsys):
    db = tmp_path / "b.duckdb"
    rows = [ROWS[0].replace("Müller, Anna", "Gündüz, Ümran").replace("Syrien", "Türkei")]
    path = extract(tmp_path, rows=rows, encoding="cp850")
    assert b"\x81" in path.read_bytes()  # ü in cp850, undefined in Windows-1252
    code, out, err = run(capsys, "import-extract", "sozialamt", "31.12.2019", path,
                         "--database", db)
    assert code == 0, err
    assert stored(db, "SELECT nationality FROM person_stichtag") == [("Türkei",)]


def test_mapping_saved_in_windows_1252_is_read(tmp_path, real_key, capsys):
    db = tmp_path / "b.duckdb"
    header = HEADER.replace("Staatsangehörigkeit", "Nationalität")
    mapping = tmp_path / "zuordnung.yaml"
    mapping.write_bytes("# Zuordnung des Sozialamts (Windows-Editor, ANSI)\ncolumns:\n"
                        "  Nationalität: nationality\n".encode("cp1252"))
    code, _, err = run(capsys, "import-extract", "sozialamt", "31.12.2019",
                       extract(tmp_path, header=header), "--mapping", mapping, "--database", db)
    assert code == 0, err
    assert len(stored(db, "SELECT * FROM person_stichtag")) == 3


def test_excel_saved_genesis_file_reads_the_dash_and_never_quotes_raw_bytes(tmp_path):
    path = tmp_path / "kita.csv"
    text = HAND_MADE.replace(";.;-;/", ";.;–;/").replace("93,1", "ca.\x0193")
    path.write_bytes(text.encode("cp1252"))
    assert b"\x96" in path.read_bytes()
    with pytest.raises(Exception) as err:
        read_genesis(path)
    message = str(err.value)
    assert "Datei kita.csv, Zeile 8" in message and "„ca.<U+0001>93“" in message
    assert "\x01" not in message and "\\x" not in message
    path.write_bytes(HAND_MADE.replace(";.;-;/", ";.;–;/").encode("cp1252"))
    city = read_genesis(path).data.set_index(["key_2", "variable"]).loc[("07312", V3)]
    assert (city["value"], city["marker"]) == (0.0, "-")


@pytest.mark.parametrize("make, fragments", [
    (lambda p: _xlsx(p), ["Excel-Arbeitsmappe, kein GENESIS-CSV-Export"]),
    (lambda p: ods_file(p), ["Excel-Arbeitsmappe, kein GENESIS-CSV-Export"]),
])
def test_workbook_given_to_import_reference_is_one_clear_error(tmp_path, capsys, make,
                                                              fragments):
    path = make(tmp_path / "kita.xlsx")
    code, _, err = run(capsys, "import-reference", path, "--figure", "f", "--variable", V3,
                       "--database", tmp_path / "b.duckdb")
    assert_rejected(code, err, "1 Fehler", "Datei kita.xlsx: ", *fragments)
    assert not (tmp_path / "b.duckdb").exists()


def _xlsx(path: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.active.append(["Tabelle: 22541-01-01-4"])
    wb.save(path)
    return path


@pytest.mark.parametrize("kind", ["ods", "encrypted", "xls", "utf16", "lock"])
def test_status_workbook_in_another_format_says_what_to_do_in_german(basis, tmp_path, capsys,
                                                                     kind):
    before = digest(basis)
    name = {"lock": "~$Statusbogen_2018-H2_AAA.xlsx"}.get(kind, "Statusbogen_AAA.xlsx")
    path = tmp_path / name
    if kind == "ods":
        ods_file(path)
    elif kind == "encrypted":
        ole_file(path, "EncryptionInfo")
    elif kind == "xls":
        ole_file(path, "Workbook")
    elif kind == "utf16":
        path.write_bytes("Maßnahme-ID\tStatus\r\n".encode("utf-16"))
    else:
        path.write_bytes(b"\x0bBenutzer  " + b"\x00" * 40)
    code, _, err = run(capsys, "import-status", "2018-H2", path, "--database", basis,
                       "--concept", MINI)
    expected = {"ods": "OpenDocument-Tabelle (.ods", "encrypted": "mit einem Kennwort "
                "verschlüsselt", "xls": "Excel-97-2003-Arbeitsmappe (.xls)",
                "utf16": "keine Excel-Arbeitsmappe im Format .xlsx",
                "lock": "keine Statusbögen zum Import angegeben (nur Sperrdateien"}[kind]
    assert_rejected(code, err, expected)
    if kind != "lock":
        assert f"Datei {name}: " in err
    if kind == "encrypted":
        assert "Speichern unter" not in err  # saving as .xlsx again keeps the password
    for english in ("File is not a zip file", "openpyxl", "does not support", "UTF-16?"):
        assert english not in err
    assert digest(basis) == before


@pytest.mark.parametrize("kind, fragment", [
    ("xls", "alte Excel-97-2003-Arbeitsmappe (.xls)"),
    ("encrypted", "mit einem Kennwort verschlüsselt"),
    ("ods", "OpenDocument-Tabelle (.ods)"),
])
def test_extract_in_another_format_is_named_for_what_it_is(basis, tmp_path, capsys, kind,
                                                           fragment):
    before = digest(basis)
    path = tmp_path / "jc_2019-12-31.xls"
    if kind == "ods":
        ods_file(path)
    else:
        ole_file(path, "Workbook" if kind == "xls" else "EncryptionInfo")
    code, _, err = run(capsys, "import-extract", "sozialamt", "31.12.2019", path,
                       "--database", basis)
    assert_rejected(code, err, "Datei jc_2019-12-31.xls: ", fragment)
    assert "UTF-16" not in err
    assert digest(basis) == before


X14_VALIDATION = (b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
                  b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
                  b'<x14:dataValidations count="0"/></ext></extLst></worksheet>')


def _as_excel_saves_it(path: Path) -> Path:
    """Add the drop-down extension Excel writes into every sheet with list validations."""
    copy = path.with_name("tmp-" + path.name)
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(copy, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = data.replace(b"</worksheet>", X14_VALIDATION)
            zout.writestr(item, data)
    copy.replace(path)
    return path


def test_openpyxl_warnings_never_reach_the_user(tmp_path, status_books, real_key):
    import warnings

    aaa, bbb = (_as_excel_saves_it(p) for p in status_books)
    wb = openpyxl.Workbook()
    wb.active.append(HEADER.split(";"))
    for row in ROWS:
        wb.active.append(row.split(";"))
    extract_xlsx = tmp_path / "sozial.xlsx"
    wb.save(extract_xlsx)
    _as_excel_saves_it(extract_xlsx)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["import-status", "2018-H2", str(aaa), str(bbb), "--database",
                     str(tmp_path / "b.duckdb"), "--concept", MINI]) == 0
        assert main(["import-extract", "sozialamt", "31.12.2019", str(extract_xlsx),
                     "--database", str(tmp_path / "b.duckdb")]) == 0
    assert [str(w.message) for w in caught] == []


# --- 3. wrong locations ------------------------------------------------------------------------

def test_rows_after_blank_lines_and_quoted_line_breaks_keep_their_file_row(basis, tmp_path,
                                                                          capsys):
    before = digest(basis)
    multi_line = ROWS[1].replace("Öztürk, Ali", '"Öztürk,\r\nAli"')
    bad = ROWS[2].replace(";m;", ";q;")
    # line 1 header, 2 row, 3 blank, 4 blank, 5-6 one record over two lines, 7 the bad row
    path = extract(tmp_path / "x", rows=[ROWS[0], "", "", multi_line, bad])
    code, _, err = run(capsys, "import-extract", "sozialamt", "31.12.2019", path,
                       "--database", basis)
    assert_rejected(code, err, "Datei sozial.csv, Zeile 7, Spalte „Geschlecht“: unbekannter "
                    "Wert „q“")
    assert digest(basis) == before


def test_xlsx_extract_row_after_a_blank_row_is_located(basis, tmp_path, capsys):
    before = digest(basis)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Export"
    ws.append(["Auszug Sozialamt"])
    ws.append([])
    ws.append(HEADER.split(";"))
    ws.append(ROWS[0].split(";"))
    ws.append([])
    ws.append(ROWS[1].replace("Afghanistan", "Afghanistn").split(";"))
    path = tmp_path / "sozial.xlsx"
    wb.save(path)
    code, _, err = run(capsys, "import-extract", "sozialamt", "31.12.2019", path,
                       "--database", basis)
    assert_rejected(code, err, "Datei sozial.xlsx, Blatt „Export“, Zeile 6, Spalte "
                    "„Staatsangehörigkeit“: unbekannte Staatsangehörigkeit „Afghanistn“")
    assert digest(basis) == before


def test_after_an_extra_column_every_message_still_names_the_file(basis, status_books, capsys):
    before = digest(basis)
    aaa = status_books[0]
    wb = openpyxl.load_workbook(aaa)
    ws = wb[SHEET]
    ws.protection.sheet = False
    ws.cell(5, 20, "Meine Spalte")
    ws.cell(FIRST_ROW, 20, "Notiz")
    wb.save(aaa)
    edit(aaa, "AAA-M03", COL_STATUS, "fertig")
    code, _, err = run(capsys, "import-status", "2018-H2", aaa, "--database", basis,
                       "--concept", MINI)
    lines = [ln for ln in err.splitlines() if ln.startswith("  - ")]
    assert len(lines) == 2
    assert all(ln.startswith("  - Datei Statusbogen_2018-H2_AAA.xlsx, Blatt „Status“, Zeile ")
               for ln in lines), err
    assert "Spalte „Meine Spalte“" in err and "unbekannter Status „fertig“" in err
    assert digest(basis) == before


# --- 4. silent misreads ------------------------------------------------------------------------

def test_typed_percent_and_german_text_numbers_are_stored_as_meant(tmp_path, status_books,
                                                                   capsys):
    db = tmp_path / "b.duckdb"
    aaa, bbb = status_books
    edit(aaa, "AAA-M03", COL_PCT, 1, number_format="0%")        # typed "100%"
    edit(aaa, "AAA-M01", COL_PCT, 0.4, number_format="0%")      # typed "40 %"
    edit(aaa, "AAA-M01", "Wert 1", "1.234", as_text=True)       # count typed as text
    edit(aaa, "AAA-M01", "Kennzahl 2", "Stunden")
    edit(aaa, "AAA-M01", "Wert 2", "12,5", as_text=True)
    code, _, err = run(capsys, "import-status", "2018-H2", aaa, bbb, "--database", db,
                       "--concept", MINI)
    assert code == 0, err
    assert stored(db, "SELECT measure_id, progress_pct FROM measure_status WHERE ak_id = 'AAA' "
                  "ORDER BY 1") == [("AAA-M01", 40), ("AAA-M02", None), ("AAA-M03", 100)]
    assert stored(db, "SELECT kennzahl, wert FROM measure_kpi ORDER BY 1") == [
        ("Stunden", 12.5), ("Teilnehmende", 1234.0)]


@pytest.mark.parametrize("typed", ["12.5", "1,2,3", "ca. 40"])
def test_ambiguous_text_numbers_are_refused_not_guessed(basis, status_books, capsys, typed):
    before = digest(basis)
    aaa, bbb = status_books
    edit(aaa, "AAA-M01", "Wert 1", typed, as_text=True)
    code, _, err = run(capsys, "import-status", "2018-H2", aaa, bbb, "--database", basis,
                       "--concept", MINI)
    assert_rejected(code, err, f"Zeile {row_of(aaa, 'AAA-M01')}, Spalte „Wert 1“: erwartet "
                    f"eine Zahl ab 0, gefunden „{typed}“")
    assert digest(basis) == before


def test_english_decimal_point_in_genesis_is_refused_with_its_place(tmp_path, capsys):
    path = tmp_path / "kita.csv"
    path.write_bytes(HAND_MADE.replace("93,1", "92.8").encode("cp1252"))
    code, _, err = run(capsys, "import-reference", path, "--figure", "kita_quote_3_6",
                       "--variable", V3, "--database", tmp_path / "b.duckdb")
    assert_rejected(code, err, f"Datei kita.csv, Zeile 8, Spalte „{V3}“: Zahl mit "
                    "Dezimalpunkt „92.8“")
    assert not (tmp_path / "b.duckdb").exists()
    path.write_bytes(HAND_MADE.replace("93,1", "1.093,1").encode("cp1252"))
    d = read_genesis(path).data.set_index(["key_1", "key_2", "variable"])
    assert d.at[("2019", "07335", V3), "value"] == 1093.1


def test_remarks_keep_line_breaks_dates_and_unicode_as_the_person_meant(tmp_path, status_books,
                                                                        capsys):
    db = tmp_path / "b.duckdb"
    aaa, bbb = status_books
    edit(aaa, "AAA-M01", COL_NOTE, "Kurs 1 läuft_x000D_\nKurs 2 beginnt")  # Excel's escape
    edit(aaa, "AAA-M03", COL_NOTE, dt.datetime(2020, 11, 15))  # "15.11." turned into a date
    edit(aaa, "AAA-M02", COL_STATUS, "ausgesetzt\u00a0-\u00a0fehlende Mittel ")  # NBSP, hyphen
    edit(bbb, "BBB-M02", COL_STATUS, "In\u00a0Planung\u200b")
    code, _, err = run(capsys, "import-status", "2018-H2", aaa, bbb, "--database", db,
                       "--concept", MINI)
    assert code == 0, err
    assert stored(db, "SELECT measure_id, status, sachstand FROM measure_status "
                  "WHERE measure_id IN ('AAA-M01', 'AAA-M02', 'AAA-M03', 'BBB-M02') "
                  "ORDER BY 1") == [
        ("AAA-M01", "in_umsetzung", "Kurs 1 läuft\nKurs 2 beginnt"),
        ("AAA-M02", "ausgesetzt_mittel", "kein Geld"),
        ("AAA-M03", "umgesetzt", "15.11.2020"),
        ("BBB-M02", "in_planung", None)]


def test_unknown_status_with_odd_spaces_is_shown_with_them_visible(basis, status_books, capsys):
    before = digest(basis)
    aaa, bbb = status_books
    edit(aaa, "AAA-M01", COL_STATUS, "in\u00a0Umsetzng")
    code, _, err = run(capsys, "import-status", "2018-H2", aaa, bbb, "--database", basis,
                       "--concept", MINI)
    assert_rejected(code, err, "Spalte „Status“: unbekannter Status „in Umsetzng“")
    assert digest(basis) == before


def test_edited_measure_wording_is_not_taken_over_and_the_summary_says_so(tmp_path,
                                                                          status_books, capsys):
    db = tmp_path / "b.duckdb"
    aaa, bbb = status_books
    edit(aaa, "AAA-M02", COL_TEXT, "Maßnahme zwei, aber anders")
    code, out, err = run(capsys, "import-status", "2018-H2", aaa, bbb, "--database", db,
                         "--concept", MINI)
    assert code == 0, err
    row = row_of(aaa, "AAA-M02")
    assert (f"Hinweis: Statusbogen_2018-H2_AAA.xlsx, Zeile {row}: der Wortlaut der Maßnahme "
            "AAA-M02 wurde im Bogen geändert; nicht übernommen") in out
    notes = stored(db, "SELECT notes FROM import_log WHERE ak_id = 'AAA'")
    assert "AAA-M02" in notes[0][0]
    assert stored(db, "SELECT notes FROM import_log WHERE ak_id = 'BBB'") == [(None,)]


# --- 5. failed imports leave no traces ---------------------------------------------------------

def test_dated_time_labels_are_read_and_a_label_without_year_changes_nothing(tmp_path, capsys):
    db = tmp_path / "b.duckdb"
    dated = tmp_path / "kita.csv"
    dated.write_bytes(HAND_MADE.replace("\n2019;", "\n01.03.2019;").replace(
        "\n2020;", "\n01.03.2020;").encode("iso-8859-1"))
    code, _, err = run(capsys, "import-reference", dated, "--figure", "kita", "--variable", V3,
                       "--scale", "0.01", "--database", db)
    assert code == 0, err
    assert stored(db, "SELECT year, value FROM reference_import ORDER BY year") == [
        (2019, pytest.approx(0.931)), (2020, None)]
    before = digest(db)
    no_year = tmp_path / "kita_monat.csv"
    no_year.write_bytes(HAND_MADE.replace("\n2020;", "\nMärz;").encode("iso-8859-1"))
    code, _, err = run(capsys, "import-reference", no_year, "--figure", "kita", "--variable",
                       V3, "--database", db)
    assert_rejected(code, err, "Datei kita_monat.csv, Zeile 10, Spalte „Zeit (1. Spalte)“: "
                    "Zeitangabe „März“ enthält kein Jahr")
    assert digest(db) == before


def test_failed_first_import_creates_no_data_basis(tmp_path, real_key, capsys):
    db = tmp_path / "neu.duckdb"
    path = extract(tmp_path, rows=[ROWS[0].replace(";w;", ";?;")])
    assert run(capsys, "import-extract", "sozialamt", "31.12.2019", path,
               "--database", db)[0] == 1
    assert not db.exists()


PAUSED_IMPORT = textwrap.dedent("""
    import contextlib, datetime as dt, sys
    from integrationsmonitor import case_data, database

    @contextlib.contextmanager
    def paused(con):
        # Every write of the import is done, the commit is not: tell the test and wait.
        with database.transaction(con) as c:
            yield c
            print("IN_TRANSACTION", flush=True)
            sys.stdin.readline()

    case_data.transaction = paused
    case_data.import_extract(sys.argv[1], sys.argv[2], "sozialamt", dt.date(2019, 12, 31),
                             b"k" * 40)
    print("COMMITTED", flush=True)
""")


def _paused_import(db: Path, path: Path) -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, "-c", PAUSED_IMPORT, str(db), str(path)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    line = child.stdout.readline()
    assert line.strip() == "IN_TRANSACTION", child.stderr.read()
    return child


def test_import_killed_in_the_middle_leaves_the_data_basis_as_it_was(basis, tmp_path, capsys):
    before = digest(basis)
    changed = extract(tmp_path / "neu", rows=ROWS[:2])
    child = _paused_import(basis, changed)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    assert digest(basis) == before
    # The lock died with the process: the next import runs normally.
    assert run(capsys, "import-extract", "sozialamt", "31.12.2019", changed,
               "--database", basis)[0] == 0
    assert len(stored(basis, "SELECT * FROM person_stichtag")) == 2


def test_second_import_at_the_same_time_is_told_the_data_basis_is_in_use(basis, tmp_path,
                                                                         status_books, capsys):
    child = _paused_import(basis, extract(tmp_path / "neu", rows=ROWS[:2]))
    try:
        code, _, err = run(capsys, "import-status", "2018-H2", *status_books, "--database",
                           basis, "--concept", MINI)
        assert_rejected(code, err, "Datei basis.duckdb: Datenbasis ist gerade in Benutzung",
                        f"(Prozess {child.pid})")
        code, _, err = run(capsys, "import-extract", "sozialamt", "31.12.2019",
                           extract(tmp_path / "x"), "--database", basis)
        assert_rejected(code, err, "Datenbasis ist gerade in Benutzung")
        assert "lock" not in err.lower()
    finally:
        child.stdin.write("\n")
        child.stdin.close()
        assert child.stdout.readline().strip() == "COMMITTED"
        child.wait()
    assert len(stored(basis, "SELECT * FROM person_stichtag")) == 2  # the first one finished


# --- 6. plausibility ---------------------------------------------------------------------------

def test_stichtag_in_the_future_is_refused(basis, tmp_path, capsys):
    before = digest(basis)
    future = dt.date.today().replace(year=dt.date.today().year + 1, month=12, day=31)
    rows = [r.replace("31.12.2019", f"{future:%d.%m.%Y}") for r in ROWS]
    code, _, err = run(capsys, "import-extract", "sozialamt", f"{future:%d.%m.%Y}",
                       extract(tmp_path / "x", rows=rows), "--database", basis)
    assert_rejected(code, err, f"der Stichtag {future:%d.%m.%Y} liegt in der Zukunft")
    assert digest(basis) == before


def test_birth_date_after_the_stichtag_in_the_same_year_is_refused(basis, tmp_path, capsys):
    before = digest(basis)
    header = HEADER.replace("Geburtsjahr", "Geburtsdatum")
    rows = [r.replace("31.12.2019", "30.06.2019") for r in ROWS]
    rows = [rows[0].replace(";1990;", ";12.03.1990;"),
            rows[1].replace(";1985;", ";01.01.1985;"),
            rows[2].replace(";2015;", ";15.09.2019;")]
    code, _, err = run(capsys, "import-extract", "sozialamt", "30.06.2019",
                       extract(tmp_path / "x", header=header, rows=rows), "--database", basis)
    assert_rejected(code, err, "1 Fehler", "Zeile 4, Spalte „Geburtsdatum“: Geburtsdatum "
                    "15.09.2019 liegt nach dem Stichtag 30.06.2019")
    assert digest(basis) == before


def test_nationalities_are_checked_and_usual_spellings_mapped(tmp_path, real_key, capsys):
    db = tmp_path / "b.duckdb"
    rows = [ROWS[0].replace("Syrien", "syrisch"), ROWS[1].replace("Afghanistan", "AF"),
            ROWS[2].replace("Syrien", "475")]
    assert run(capsys, "import-extract", "sozialamt", "31.12.2019",
               extract(tmp_path / "a", rows=rows), "--database", db)[0] == 0
    assert sorted(stored(db, "SELECT nationality, perspective FROM person_stichtag")) == [
        ("Afghanistan", "unklar"), ("Syrien", "gut"), ("Syrien", "gut")]
    before = digest(db)
    rows = [ROWS[0].replace("Syrien", "Syrein"), ROWS[1].replace("Afghanistan", "=1+1")]
    code, _, err = run(capsys, "import-extract", "sozialamt", "31.12.2019",
                       extract(tmp_path / "b", rows=rows), "--database", db)
    assert_rejected(code, err, "Zeile 2, Spalte „Staatsangehörigkeit“: unbekannte "
                    "Staatsangehörigkeit „Syrein“", "Zeile 3, Spalte „Staatsangehörigkeit“: "
                    "unbekannte Staatsangehörigkeit „=1+1“")
    assert digest(db) == before


# --- 7. injection -----------------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://example.org/x";"Bericht")', "=cmd|' /C calc'!A0",
            "=> Kurs läuft weiter", "+49 631 0000", "@SUMME(A1)", "-- entfällt"]


def _formula_cells(path: Path) -> list[str]:
    """Cells a spreadsheet program would run as formulas."""
    with zipfile.ZipFile(path) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist()
                      if n.startswith("xl/worksheets/"))
    return [x for x in xml.split("<f>")[1:]]


def test_remarks_that_look_like_formulas_go_out_as_text_in_the_next_template(
        tmp_path, status_books, capsys):
    db = tmp_path / "b.duckdb"
    aaa, bbb = status_books
    for measure, text in zip(["AAA-M01", "AAA-M02", "AAA-M03"], FORMULAS):
        edit(aaa, measure, COL_NOTE, text, as_text=True)
    edit(aaa, "AAA-M01", "Kennzahl 2", FORMULAS[3], as_text=True)
    edit(aaa, "AAA-M01", "Wert 2", 1)
    edit(aaa, "AAA-M01", "Verantwortlich", FORMULAS[4], as_text=True)
    assert run(capsys, "import-status", "2018-H2", aaa, bbb, "--database", db,
               "--concept", MINI)[0] == 0
    assert stored(db, "SELECT sachstand FROM measure_status WHERE ak_id = 'AAA' ORDER BY "
                  "measure_id") == [(t,) for t in FORMULAS[:3]]
    out = tmp_path / "vorlagen"
    assert run(capsys, "template", "2019-H1", "--out", out, "--database", db,
               "--concept", MINI)[0] == 0
    template = out / "Statusbogen_2019-H1_AAA.xlsx"
    assert _formula_cells(template) == []
    ws = openpyxl.load_workbook(template)[SHEET]
    values = {c.value for row in ws.iter_rows() for c in row}
    assert set(FORMULAS[:5]) <= values
    typed = [c for row in ws.iter_rows() for c in row if c.value in FORMULAS]
    assert all(c.data_type == "s" and c.quotePrefix for c in typed)


def _with_cached_error(path: Path, marker: str, formula: str, error: str) -> Path:
    """Replace the text cell ``marker`` by a formula whose stored result is an error value,
    as Excel and LibreOffice save a remark typed as "=> …" without an apostrophe."""
    from xml.sax.saxutils import escape

    copy = path.with_name("tmp-" + path.name)
    pattern = re.compile(r'<c r="([A-Z]+\d+)"([^>]*?) t="inlineStr"><is><t>' + marker
                         + "</t></is></c>")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(copy, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = pattern.sub(lambda m: f'<c r="{m.group(1)}"{m.group(2)} t="e"><f>'
                                   f"{escape(formula)}</f><v>{error}</v></c>",
                                   data.decode()).encode()
            zout.writestr(item, data)
    copy.replace(path)
    assert marker.encode() not in path.read_bytes()
    return path


@pytest.mark.parametrize("saved_as, fragment", [
    ("formula", "Formel „=> Kurs läuft weiter“ ohne gespeicherten Wert"),
    ("#NAME?", "Excel zeigt hier den Fehler „#NAME?“ (Formel „=> Kurs läuft weiter“)"),
    ("Err:509", "Excel zeigt hier den Fehler „Err:509“"),  # as LibreOffice stores it
])
def test_remark_typed_as_a_broken_formula_is_named_not_stored_or_lost(basis, status_books,
                                                                      capsys, saved_as,
                                                                      fragment):
    before = digest(basis)
    aaa, bbb = status_books
    row = row_of(aaa, "AAA-M01")
    if saved_as == "formula":  # openpyxl keeps it a formula, with no stored result
        edit(aaa, "AAA-M01", COL_NOTE, "=> Kurs läuft weiter")
    else:
        edit(aaa, "AAA-M01", COL_NOTE, "PLATZHALTER", as_text=True)
        _with_cached_error(aaa, "PLATZHALTER", "> Kurs läuft weiter", saved_as)
    code, _, err = run(capsys, "import-status", "2018-H2", aaa, bbb, "--database", basis,
                       "--concept", MINI)
    assert_rejected(code, err, f"Datei Statusbogen_2018-H2_AAA.xlsx, Blatt „Status“, Zeile {row}, "
                    f"Spalte „Sachstand / Bemerkung“: {fragment}", "mit einem Hochkomma davor")
    assert digest(basis) == before


def test_register_reason_typed_as_a_broken_formula_is_named(tmp_path, capsys):
    register = write_register(tmp_path / "r.xlsx", _mini(), [
        Decision("1", dt.date(2019, 3, 1), "PLATZHALTER", "Entscheidung", ())])
    _with_cached_error(register, "PLATZHALTER", "+ Mittel gestrichen", "#NAME?")
    code, _, err = run(capsys, "import-decisions", register, "--database",
                       tmp_path / "b.duckdb", "--concept", MINI)
    assert_rejected(code, err, "Datei r.xlsx, Blatt „Entscheidungen“, Zeile 5, Spalte „Anlass / "
                    "geänderte Rahmenbedingung“: Excel zeigt hier den Fehler „#NAME?“")
    assert not (tmp_path / "b.duckdb").exists()


def test_decisions_register_writes_reasons_as_text(tmp_path):
    register = write_register(tmp_path / "r.xlsx", _mini(), [
        Decision("1", dt.date(2019, 3, 1), FORMULAS[0], FORMULAS[1], ("AAA-M01",))])
    assert _formula_cells(register) == []
    ws = openpyxl.load_workbook(register)["Entscheidungen"]
    assert (ws["C5"].value, ws["D5"].value) == tuple(FORMULAS[:2])


def test_csv_neutraliser_follows_owasp():
    import pandas as pd

    assert [neutralise_csv(v) for v in FORMULAS] == ["'" + v for v in FORMULAS]
    assert [neutralise_csv(v) for v in ["\tx", "\rx", "Kurs", 5, -1.5, None]] == [
        "'\tx", "'\rx", "Kurs", 5, -1.5, None]
    frame = neutralise_csv_frame(pd.DataFrame({"=Spalte": ["=1+1", "ok"], "n": [-1, 2]}))
    assert list(frame.columns) == ["'=Spalte", "n"]
    assert frame["'=Spalte"].tolist() == ["'=1+1", "ok"] and frame["n"].tolist() == [-1, 2]
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, sep=";")
    assert "\n'=1+1;-1\n" in buffer.getvalue()


# --- 8. key hygiene ---------------------------------------------------------------------------

@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_key_file_readable_by_others_is_refused_like_ssh_does(basis, tmp_path, capsys,
                                                             monkeypatch):
    before = digest(basis)
    key = tmp_path / "schluessel" / "integrationsmonitor.key"
    key.parent.mkdir()
    key.write_text("a" * 64 + "\n")
    monkeypatch.delenv("INTEGRATIONSMONITOR_KEY")
    monkeypatch.setenv("INTEGRATIONSMONITOR_KEY_FILE", str(key))
    good = extract(tmp_path / "x")
    for mode in (0o644, 0o640, 0o604):
        key.chmod(mode)
        code, _, err = run(capsys, "import-extract", "sozialamt", "31.12.2019", good,
                           "--database", basis)
        assert_rejected(code, err, f"Datei integrationsmonitor.key: die Schlüsseldatei ist "
                        f"auch für andere lesbar (Rechte {mode:04o})", f"chmod 600 {key}")
    assert digest(basis) == before
    key.chmod(0o600)
    assert run(capsys, "import-extract", "sozialamt", "31.12.2019", good,
               "--database", basis)[0] == 0


def test_readme_creates_the_key_file_readable_by_its_owner_only():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    line = next(ln for ln in readme.splitlines() if "openssl rand" in ln)
    assert "umask 077" in line or "install -m 600" in line or "chmod 600" in line, line


# --- 9. small things staff do ------------------------------------------------------------------

def test_excel_lock_files_matched_by_the_glob_are_skipped_with_a_note(tmp_path, status_books,
                                                                      capsys):
    db = tmp_path / "b.duckdb"
    aaa, bbb = status_books
    lock = aaa.with_name("~$" + aaa.name)
    lock.write_bytes(b"\x0bBenutzer  " + b"\x00" * 40)  # what Excel leaves while it is open
    files = sorted(aaa.parent.glob("*.xlsx"))
    assert lock in files
    code, out, err = run(capsys, "import-status", "2018-H2", *files, "--database", db,
                         "--concept", MINI)
    assert code == 0, err
    assert f"Hinweis: {lock.name} übersprungen: Sperrdatei von Excel" in out
    assert len(stored(db, "SELECT * FROM measure_status")) == 6  # both AKs' measures


def test_merged_cells_in_a_status_workbook_are_named_as_such(basis, status_books, capsys):
    before = digest(basis)
    aaa, bbb = status_books
    wb = openpyxl.load_workbook(aaa)
    ws = wb[SHEET]
    r = row_of(aaa, "AAA-M02")
    ws.merge_cells(start_row=r, start_column=7, end_row=r + 1, end_column=7)
    wb.save(aaa)
    code, _, err = run(capsys, "import-status", "2018-H2", aaa, bbb, "--database", basis,
                       "--concept", MINI)
    assert_rejected(code, err, f"Datei Statusbogen_2018-H2_AAA.xlsx, Blatt „Status“, Zeile {r}: "
                    f"verbundene Zellen (G{r}:G{r + 1})")
    assert digest(basis) == before


def test_merged_cells_in_an_xlsx_extract_are_named_but_a_merged_title_is_fine(basis, tmp_path,
                                                                            capsys):
    before = digest(basis)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Auszug Sozialamt zum 31.12.2019"])
    ws.merge_cells("A1:F1")
    ws.append(HEADER.split(";"))
    for row in ROWS:
        ws.append(row.split(";"))
    ws.merge_cells("E3:E4")
    path = tmp_path / "sozial.xlsx"
    wb.save(path)
    code, _, err = run(capsys, "import-extract", "sozialamt", "31.12.2019", path,
                       "--database", basis)
    assert_rejected(code, err, "Datei sozial.xlsx, Blatt „Sheet“, Zeile 3: verbundene Zellen "
                    "(E3:E4)")
    assert "A1:F1" not in err
    assert digest(basis) == before


# --- the data basis carries a schema version ----------------------------------------------------

def _version_1(path: Path) -> Path:
    """A data basis as version 1 of the package left it (no notes column, tables created on
    first use)."""
    con = duckdb.connect(str(path))
    con.execute(CORE_SCHEMA.replace(",\n    notes VARCHAR", "\n    --"))
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.execute("INSERT INTO import_log VALUES (nextval('import_seq'), "
                "TIMESTAMP '2019-01-10 09:00:00', 'status', '2018-H2', 'AAA', 'alt.xlsx', "
                "'abc', 3)")
    con.execute("INSERT INTO measure_status VALUES ('2018-H2', 'AAA-M01', 'AAA', 'umgesetzt', "
                "100, NULL, NULL, NULL, 1)")
    con.close()
    return path


def test_old_data_basis_is_migrated_in_a_transaction_after_a_backup(tmp_path, real_key, capsys):
    db = _version_1(tmp_path / "alt.duckdb")
    original = db.read_bytes()
    code, _, err = run(capsys, "import-extract", "sozialamt", "31.12.2019",
                       extract(tmp_path / "x"), "--database", db)
    assert code == 0, err
    assert backup_path(db, 1).read_bytes() == original
    assert stored(db, "SELECT value FROM meta WHERE key = 'schema_version'") == [
        (str(SCHEMA_VERSION),)]
    assert stored(db, "SELECT import_id, file_name, notes FROM import_log ORDER BY 1")[0] == (
        1, "alt.xlsx", None)
    assert stored(db, "SELECT measure_id, status FROM measure_status") == [
        ("AAA-M01", "umgesetzt")]


def test_data_basis_of_a_newer_version_is_left_alone_with_advice(tmp_path, real_key, capsys):
    db = _version_1(tmp_path / "neu.duckdb")
    con = duckdb.connect(str(db))
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    before = digest(db)
    code, _, err = run(capsys, "import-extract", "sozialamt", "31.12.2019",
                       extract(tmp_path / "x"), "--database", db)
    assert_rejected(code, err, "Datei neu.duckdb: die Datenbasis hat das Schema 99",
                    "bitte das Programm aktualisieren")
    assert digest(db) == before


def test_a_file_that_is_no_data_basis_is_a_message(tmp_path, real_key, capsys):
    db = tmp_path / "basis.duckdb"
    db.write_bytes(b"Das ist keine Datenbank.\n" * 100)
    code, _, err = run(capsys, "import-extract", "sozialamt", "31.12.2019",
                       extract(tmp_path / "x"), "--database", db)
    assert_rejected(code, err, "Datei basis.duckdb: keine Datenbasis des Integrationsmonitors")
