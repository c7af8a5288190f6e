"""Status workbooks: template → filled in → import, and a corpus of bad workbooks that each give
a clear error and leave the data basis unchanged."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import openpyxl
import pytest

from integrationsmonitor.errors import InputError
from integrationsmonitor.measure_status import import_status, write_templates
from integrationsmonitor.periods import Period
from integrationsmonitor.status_workbook import (
    COL_FINANCING,
    COL_NOTE,
    COL_PCT,
    COL_RESPONSIBLE,
    COL_STATUS,
    HEADER_ROW,
    SHEET,
)
from tests.conftest import fill_workbook, row_of

H2_2018 = Period.parse("2018-H2")
H1_2019 = Period.parse("2019-H1")

AAA = {
    "AAA-M01": {COL_STATUS: "in Umsetzung", COL_PCT: 40, COL_NOTE: "läuft",
                COL_RESPONSIBLE: "Kreisverwaltung", "Kennzahl 1": "Teilnehmende", "Wert 1": 12},
    "AAA-M02": {COL_STATUS: "ausgesetzt – fehlende Mittel", COL_NOTE: "kein Geld",
                COL_FINANCING: "offen"},
    "AAA-M03": {COL_STATUS: "umgesetzt", COL_PCT: 100},
}
BBB = {
    "BBB-M01": {COL_STATUS: "Daueraufgabe (laufend)"},
    "BBB-M02": {COL_STATUS: "in Planung", COL_FINANCING: "beantragt"},
}


@pytest.fixture
def workbooks(tmp_path, mini):
    """Filled workbooks for 2018-H2, one per AK: (aaa, bbb)."""
    aaa, bbb = write_templates(None, mini, H2_2018, tmp_path / "2018-H2")
    return fill_workbook(aaa, AAA), fill_workbook(bbb, BBB)


@pytest.fixture
def database(tmp_path):
    return tmp_path / "basis.duckdb"


def snapshot(database: Path) -> dict:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
                for t in ("measure_status", "measure_kpi", "import_log")}
    finally:
        con.close()


def test_template_lists_every_measure_locked_with_drop_downs(workbooks, mini):
    wb = openpyxl.load_workbook(workbooks[0])
    ws = wb[SHEET]
    assert wb.sheetnames == ["Anleitung", "Status", "Listen", "_meta"]
    assert wb["_meta"].sheet_state == "veryHidden"
    assert [ws.cell(r, 1).value for r in range(HEADER_ROW + 1, HEADER_ROW + 4)] == [
        "AAA-M01", "AAA-M02", "AAA-M03"]
    assert ws.cell(HEADER_ROW + 2, 2).value == "Ziel eins / Ziel zwei"
    assert ws.protection.sheet
    assert ws.cell(HEADER_ROW + 1, 1).protection.locked
    assert not ws.cell(HEADER_ROW + 1, 5).protection.locked
    formulas = {dv.formula1 for dv in ws.data_validations.dataValidation}
    assert "=Listen!$A$1:$A$9" in formulas and "=Listen!$B$1:$B$4" in formulas
    assert ws["A2"].value == "Berichtszeitraum: 2. Halbjahr 2018 (01.07.2018–31.12.2018)"
    assert ws["A3"].value == "Stichtag: 31.12.2018"


def test_import_round_trip_stores_what_the_ak_entered(workbooks, mini, database):
    import_status(database, mini, H2_2018, workbooks)
    con = duckdb.connect(str(database), read_only=True)
    rows = con.execute("SELECT measure_id, status, progress_pct, sachstand, financing, "
                       "responsible FROM measure_status ORDER BY measure_id").fetchall()
    kpis = con.execute("SELECT measure_id, kennzahl, wert FROM measure_kpi").fetchall()
    con.close()
    assert rows == [
        ("AAA-M01", "in_umsetzung", 40, "läuft", None, "Kreisverwaltung"),
        ("AAA-M02", "ausgesetzt_mittel", None, "kein Geld", "offen", None),
        ("AAA-M03", "umgesetzt", 100, None, None, None),
        ("BBB-M01", "daueraufgabe", None, None, None, None),
        ("BBB-M02", "in_planung", None, None, "beantragt", None),
        ("BBB-M03", "keine_loesung", None, None, None, None),  # prefilled by the template
    ]
    assert kpis == [("AAA-M01", "Teilnehmende", 12.0)]


def test_next_template_is_prefilled_with_last_period(workbooks, mini, database, tmp_path):
    import_status(database, mini, H2_2018, workbooks)
    aaa, _ = write_templates(database, mini, H1_2019, tmp_path / "2019-H1")
    ws = openpyxl.load_workbook(aaa)[SHEET]
    r = row_of(aaa, "AAA-M01")
    header = [c.value for c in ws[HEADER_ROW]]
    values = dict(zip(header, [c.value for c in ws[r]]))
    assert values[COL_STATUS] == "in Umsetzung"
    assert values[COL_PCT] == 40
    assert values[COL_NOTE] == "läuft"
    assert values[COL_RESPONSIBLE] == "Kreisverwaltung"
    assert values["Kennzahl 1"] == "Teilnehmende"
    assert values["Wert 1"] is None  # values count per half-year: never carried over


def test_reimport_replaces_that_period_and_ak_and_keeps_the_rest(workbooks, mini, database,
                                                                 tmp_path):
    import_status(database, mini, H2_2018, workbooks)
    later = write_templates(database, mini, H1_2019, tmp_path / "2019-H1")
    fill_workbook(later[0], {"AAA-M01": {"Wert 1": 9}})  # the carried-over Kennzahl needs a value
    import_status(database, mini, H1_2019, later)
    fixed = shutil.copy(workbooks[0], tmp_path / "korrigiert.xlsx")
    fill_workbook(fixed, {"AAA-M01": {COL_STATUS: "umgesetzt", "Kennzahl 1": None,
                                      "Wert 1": None}})
    import_status(database, mini, H2_2018, [fixed])
    con = duckdb.connect(str(database), read_only=True)
    status = dict(con.execute("SELECT period || ' ' || measure_id, status FROM measure_status"
                              ).fetchall())
    n_kpis = con.execute("SELECT count(*) FROM measure_kpi WHERE period = '2018-H2'").fetchone()
    n_imports = con.execute("SELECT count(*) FROM import_log").fetchone()[0]
    con.close()
    assert status["2018-H2 AAA-M01"] == "umgesetzt"
    assert status["2018-H2 BBB-M01"] == "daueraufgabe"  # other AK of the period kept
    assert status["2019-H1 AAA-M01"] == "in_umsetzung"  # other period kept
    assert len(status) == 12
    assert n_kpis == (0,)
    assert n_imports == 5  # every import is logged


# --- the corpus of bad workbooks ---------------------------------------------------------------

def _set(path: Path, cell: str, value) -> None:
    wb = openpyxl.load_workbook(path)
    wb[SHEET][cell] = value
    wb.save(path)


def _edit(path: Path, fn) -> None:
    wb = openpyxl.load_workbook(path)
    fn(wb[SHEET])
    wb.save(path)


def _row(path, mid):
    return row_of(path, mid)


BAD_CASES = {
    # name: (mutation of the AAA workbook, expected message, expected column, row of measure)
    "unknown_measure_id": (lambda p: _set(p, f"A{_row(p, 'AAA-M03')}", "AAA-M99"),
                           "unbekannte Maßnahme-ID „AAA-M99“", "Maßnahme-ID", "AAA-M03"),
    "measure_of_other_ak": (lambda p: _set(p, f"A{_row(p, 'AAA-M03')}", "BBB-M01"),
                            "Maßnahme „BBB-M01“ gehört nicht zum AK AAA", "Maßnahme-ID",
                            "AAA-M03"),
    "unknown_status": (lambda p: _set(p, f"E{_row(p, 'AAA-M01')}", "fertig"),
                       "unbekannter Status „fertig“", "Status", "AAA-M01"),
    "missing_status": (lambda p: _set(p, f"E{_row(p, 'AAA-M03')}", None),
                       "Status fehlt (Pflichtfeld)", "Status", "AAA-M03"),
    "delay_without_reason": (lambda p: (_set(p, f"E{_row(p, 'AAA-M03')}", "verzögert")),
                             "bitte den Grund", "Sachstand / Bemerkung", "AAA-M03"),
    "funding_dependent_without_financing": (
        lambda p: (_set(p, f"E{_row(p, 'AAA-M02')}", "in Umsetzung"),
                   _set(p, f"H{_row(p, 'AAA-M02')}", None)),
        "Finanzierung fehlt", "Finanzierung", "AAA-M02"),
    "unknown_financing": (lambda p: _set(p, f"H{_row(p, 'AAA-M02')}", "vielleicht"),
                          "unbekannte Finanzierung „vielleicht“", "Finanzierung", "AAA-M02"),
    "percent_out_of_range": (lambda p: _set(p, f"F{_row(p, 'AAA-M01')}", 150),
                             "ganze Zahl von 0 bis 100, gefunden „150“", "Umsetzungsgrad in %",
                             "AAA-M01"),
    "kennzahl_without_value": (lambda p: _set(p, f"K{_row(p, 'AAA-M01')}", None),
                               "Kennzahl „Teilnehmende“ ohne Wert", "Wert 1", "AAA-M01"),
    "value_without_kennzahl": (lambda p: _set(p, f"O{_row(p, 'AAA-M03')}", 4),
                               "Wert ohne Kennzahl", "Kennzahl 3", "AAA-M03"),
    "text_in_value": (lambda p: _set(p, f"K{_row(p, 'AAA-M01')}", "viele"),
                      "erwartet eine Zahl ab 0, gefunden „viele“", "Wert 1", "AAA-M01"),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_workbook_names_file_sheet_row_column_and_changes_nothing(
        case, workbooks, mini, database):
    import_status(database, mini, H2_2018, workbooks)
    before = snapshot(database)
    mutate, message, column, measure = BAD_CASES[case]
    row = _row(workbooks[0], measure)
    mutate(workbooks[0])
    with pytest.raises(InputError) as err:
        import_status(database, mini, H2_2018, workbooks)
    hits = [p for p in err.value.problems if message in p.message]
    assert hits, str(err.value)
    assert (hits[0].file, hits[0].sheet, hits[0].row, hits[0].column) == (
        workbooks[0].name, SHEET, row, column)
    assert "Datenbasis ist unverändert" in str(err.value)
    assert snapshot(database) == before


def test_duplicate_measure_row_is_rejected(workbooks, mini, database):
    def dup(ws):
        last = ws.max_row + 1
        for c in range(1, ws.max_column + 1):
            ws.cell(last, c, ws.cell(HEADER_ROW + 1, c).value)
    _edit(workbooks[0], dup)
    with pytest.raises(InputError, match="Maßnahme „AAA-M01“ steht doppelt \\(schon in Zeile 6\\)"):
        import_status(database, mini, H2_2018, workbooks)
    assert not database.exists() or snapshot(database)["measure_status"] == []


def test_missing_measure_row_is_rejected(workbooks, mini, database):
    _edit(workbooks[0], lambda ws: ws.delete_rows(_row(workbooks[0], "AAA-M02")))
    with pytest.raises(InputError, match="Maßnahme „AAA-M02“ fehlt im Bogen"):
        import_status(database, mini, H2_2018, workbooks)


def test_entry_without_id_is_rejected(workbooks, mini, database):
    _set(workbooks[0], "G20", "eine verrutschte Bemerkung")
    with pytest.raises(InputError) as err:
        import_status(database, mini, H2_2018, workbooks)
    assert err.value.problems[0].row == 20
    assert "Eintrag ohne Maßnahme-ID" in str(err.value)


def test_content_in_an_added_column_is_not_dropped_silently(workbooks, mini, database):
    _set(workbooks[0], "P5", "Kommentar")
    _set(workbooks[0], f"P{_row(workbooks[0], 'AAA-M02')}", "wichtig!")
    _set(workbooks[0], f"R{_row(workbooks[0], 'AAA-M03')}", "ohne Überschrift")
    with pytest.raises(InputError) as err:
        import_status(database, mini, H2_2018, workbooks)
    located = [(p.row, p.column) for p in err.value.problems]
    assert located == [(7, "Kommentar"), (8, "R")]
    assert "nicht übernommen" in str(err.value)


def test_renamed_header_is_rejected(workbooks, mini, database):
    _set(workbooks[0], f"E{HEADER_ROW}", "Stand")
    with pytest.raises(InputError, match="Spaltenüberschrift „Status“ fehlt in Zeile 5"):
        import_status(database, mini, H2_2018, workbooks)


def test_wrong_period_is_rejected(workbooks, mini, database):
    with pytest.raises(InputError) as err:
        import_status(database, mini, H1_2019, workbooks)
    assert "falscher Berichtszeitraum: der Bogen ist für 2018-H2, importiert wird 2019-H1" in \
        str(err.value)
    assert not database.exists()


def test_workbook_that_is_not_ours_is_rejected(tmp_path, workbooks, mini, database):
    foreign = tmp_path / "Statusbogen_eigene_Tabelle.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Maßnahme"
    wb.save(foreign)
    with pytest.raises(InputError, match="kein Bogen des Integrationsmonitors"):
        import_status(database, mini, H2_2018, [workbooks[0], foreign])


def test_file_that_is_not_xlsx_is_rejected(tmp_path, mini, database):
    fake = tmp_path / "Status.xlsx"
    fake.write_text("ID;Status\nAAA-M01;umgesetzt\n", encoding="utf-8")
    with pytest.raises(InputError, match="keine Excel-Arbeitsmappe im Format .xlsx"):
        import_status(database, mini, H2_2018, [fake])


def test_two_workbooks_for_the_same_ak_are_rejected(tmp_path, workbooks, mini, database):
    copy = shutil.copy(workbooks[0], tmp_path / "Kopie.xlsx")
    with pytest.raises(InputError, match="zweiter Bogen für AK AAA"):
        import_status(database, mini, H2_2018, [workbooks[0], copy])


def test_period_outside_the_term_is_rejected(workbooks, mini, database):
    with pytest.raises(ValueError, match="außerhalb der Laufzeit"):
        import_status(database, mini, Period.parse("2021-H1"), workbooks)


def test_german_number_text_is_accepted(workbooks, mini, database):
    _set(workbooks[0], f"K{_row(workbooks[0], 'AAA-M01')}", "1.234,5")
    _set(workbooks[0], f"F{_row(workbooks[0], 'AAA-M01')}", "40 %")
    import_status(database, mini, H2_2018, workbooks)
    con = duckdb.connect(str(database), read_only=True)
    assert con.execute("SELECT wert FROM measure_kpi").fetchone() == (1234.5,)
    assert con.execute("SELECT progress_pct FROM measure_status WHERE measure_id = 'AAA-M01'"
                       ).fetchone() == (40,)
    con.close()


def _typed(path: Path, cell: str, value, number_format: str | None = None) -> None:
    wb = openpyxl.load_workbook(path)
    c = wb[SHEET][cell]
    c.value = value
    if number_format:
        c.number_format = number_format
    if isinstance(value, str):
        c.data_type = "s"  # typed as text (Excel: leading apostrophe or a text cell)
    wb.save(path)


@pytest.mark.parametrize("value, number_format, expected", [
    (1, "0%", 100),          # "100%" typed: Excel stores 1 with a percent format
    (0.5, "0%", 50),
    (0.05, "0.0%", 5),
    ("100%", None, 100),     # typed into a text cell
    ("75\u00a0%", None, 75),  # with a no-break space, as Excel's own formatting writes it
    (40, "General", 40),
])
def test_percent_is_read_as_the_person_saw_it(workbooks, mini, database, value, number_format,
                                              expected):
    _typed(workbooks[0], f"F{_row(workbooks[0], 'AAA-M01')}", value, number_format)
    import_status(database, mini, H2_2018, workbooks)
    con = duckdb.connect(str(database), read_only=True)
    assert con.execute("SELECT progress_pct FROM measure_status WHERE measure_id = 'AAA-M01'"
                       ).fetchone() == (expected,)
    con.close()


@pytest.mark.parametrize("value, number_format, shown", [
    (1.5, "0%", "150 %"), (0.405, "0.0%", "40,5 %"), (12.5, "General", "12,5")])
def test_percent_out_of_range_is_quoted_as_excel_showed_it(workbooks, mini, database, value,
                                                          number_format, shown):
    row = _row(workbooks[0], "AAA-M01")
    _typed(workbooks[0], f"F{row}", value, number_format)
    with pytest.raises(InputError) as err:
        import_status(database, mini, H2_2018, workbooks)
    p = err.value.problems[0]
    assert (p.row, p.column) == (row, "Umsetzungsgrad in %")
    assert f"gefunden „{shown}“" in p.message


@pytest.mark.parametrize("typed, expected", [
    ("1.234", 1234.0), ("12.345.678", 12345678.0), ("1\u00a0234", 1234.0), ("1 234,5", 1234.5),
    ("7", 7.0), ("0,5", 0.5)])
def test_counts_typed_as_text_are_read_the_german_way(workbooks, mini, database, typed,
                                                      expected):
    _typed(workbooks[0], f"K{_row(workbooks[0], 'AAA-M01')}", typed)
    import_status(database, mini, H2_2018, workbooks)
    con = duckdb.connect(str(database), read_only=True)
    assert con.execute("SELECT wert FROM measure_kpi").fetchone() == (expected,)
    con.close()


@pytest.mark.parametrize("typed", ["In Umsetzung", "in\u00a0Umsetzung", " in  umsetzung ",
                                   "in\u2009Umsetzung\u200b", "IN UMSETZUNG"])
def test_status_spellings_that_look_the_same_are_accepted(workbooks, mini, database, typed):
    _typed(workbooks[0], f"E{_row(workbooks[0], 'AAA-M01')}", typed)
    import_status(database, mini, H2_2018, workbooks)
    con = duckdb.connect(str(database), read_only=True)
    assert con.execute("SELECT status FROM measure_status WHERE measure_id = 'AAA-M01'"
                       ).fetchone() == ("in_umsetzung",)
    con.close()


def test_template_writes_previous_remarks_as_text_not_formulas(workbooks, mini, database,
                                                               tmp_path):
    _typed(workbooks[0], f"G{_row(workbooks[0], 'AAA-M01')}", "=HYPERLINK(\"http://x\")")
    import_status(database, mini, H2_2018, workbooks)
    (aaa, _) = write_templates(database, mini, H1_2019, tmp_path / "next")
    cell = openpyxl.load_workbook(aaa)[SHEET][f"G{_row(aaa, 'AAA-M01')}"]
    assert (cell.value, cell.data_type) == ("=HYPERLINK(\"http://x\")", "s")
