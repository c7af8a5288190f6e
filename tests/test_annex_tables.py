"""Every table a report shows is a sheet of its data annex (tabellen.xlsx) with the same cells.

The matching (tests/html_tables.py) is tested first on a hand-made table and workbook, so that
it can fail; then every table of every rendered report and annex is held to its sheet.
"""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from tests.html_tables import compare, read_workbook, same_value, tables_of

REPORTS = ["2018-H2", "2019-H1", "2019-H2", "2020-H1", "2020-H2", "2021-H1", "2018", "2019",
           "2020", "2018-2021"]

TINY = """
<table class="report-table" data-sheet="quote"><caption>Quote</caption>
<thead><tr><th data-sheet-column="AK">AK</th><th data-sheet-column="Quote (%)">Quote</th>
<th data-sheet-column="Personen">Personen</th><th data-sheet-column="Stand">Stand</th></tr></thead>
<tbody>
<tr><td>Sprache</td><td>12,5 %</td><td>1.234</td><td>31.12.2019</td></tr>
<tr><td>Arbeit</td><td>50,0 %</td><td>*</td><td><span aria-hidden="true">▲</span> vorwärts
<span data-sheet-column="Fortschritt (%)">40 %</span></td></tr>
</tbody></table>
"""


def tiny_workbook(path, persons_sprache=1234, stand="vorwärts"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "quote"
    ws.append(["AK", "Quote (%)", "Personen", "Stand", "Fortschritt (%)"])
    ws.append(["Sprache", 12.5, persons_sprache, dt.date(2019, 12, 31), None])
    ws.append(["Arbeit", 50.0, "*", stand, 40])
    wb.save(path)
    return read_workbook(path)


def test_matching_accepts_a_table_equal_to_its_sheet(tmp_path):
    (t,) = tables_of(TINY)
    assert compare(t, tiny_workbook(tmp_path / "t.xlsx")["quote"]) == []


def test_matching_detects_one_differing_cell(tmp_path):
    (t,) = tables_of(TINY)
    problems = compare(t, tiny_workbook(tmp_path / "t.xlsx", persons_sprache=1243)["quote"])
    assert len(problems) == 1 and "'Personen'" in problems[0] and "1.234" in problems[0]


def test_matching_detects_a_differing_part_of_a_cell(tmp_path):
    (t,) = tables_of(TINY.replace(">40 %<", ">45 %<"))
    problems = compare(t, tiny_workbook(tmp_path / "t.xlsx")["quote"])
    assert len(problems) == 1 and "Fortschritt" in problems[0]


def test_matching_detects_a_missing_row_and_an_unknown_column(tmp_path):
    sheet = tiny_workbook(tmp_path / "t.xlsx")["quote"]
    (t,) = tables_of(TINY.replace("<tr><td>Arbeit", "<tr class='x'><td>Arbeit", 1))
    t.rows.pop()
    assert any("1 rows, the sheet has 2" in p for p in compare(t, sheet))
    (t,) = tables_of(TINY.replace('data-sheet-column="Personen"', 'data-sheet-column="Köpfe"'))
    assert any("'Köpfe' is not in the sheet" in p for p in compare(t, sheet))


@pytest.mark.parametrize(("shown", "value", "same"), [
    ("1.234,5", 1234.5, True), ("1.234,5", 1234.46, True), ("1.234,5", 1234.44, False),
    ("12,5 %", 12.5, True), ("−3", -3, True), ("+3", 3, True), ("±0", 0, True),
    ("4,0 Pp.", 4.0, True), ("3 Halbjahre", 3, True), ("*", "*", True), ("*", 3, False),
    ("–", None, True), ("", None, True), ("0", None, False), ("31.12.2019", dt.date(2019, 12, 31),
                                                             True),
    ("Sprachkurse für…", "Sprachkurse für Migrantinnen", True),
    ("Sprachkurse für…", "Sprachförderung", False), ("(halten)", "halten", True),
    ("12,5 %", 12.6, False), ("ja", True, True)])
def test_one_normalisation_from_sheet_value_to_shown_text(shown, value, same):
    assert same_value(shown, value) is same


@pytest.mark.parametrize("report", REPORTS)
def test_every_html_table_is_a_sheet_of_tabellen_xlsx_with_the_same_cells(rendered_outputs,
                                                                            report):
    folder = rendered_outputs / report
    sheets = read_workbook(folder / "tabellen.xlsx")
    problems = []
    for doc in ("report.html", "anhang.html"):
        for t in tables_of((folder / doc).read_text(encoding="utf-8")):
            # No exclusions: every table of a report is data and has its sheet.
            if t.sheet is None:
                problems.append(f"{doc}: table {t.caption!r} names no sheet of tabellen.xlsx")
            elif t.sheet not in sheets:
                problems.append(f"{doc}: table {t.caption!r}: no sheet {t.sheet!r}")
            else:
                problems += [f"{doc}: {p}" for p in compare(t, sheets[t.sheet])]
    assert problems == []
