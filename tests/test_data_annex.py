"""The data annex: tabellen.xlsx and daten/*.csv hold the published tables as data, with the
same verdicts as the report, strings never as formulas, CSV readable by pandas and German Excel."""

from __future__ import annotations

import datetime as dt
import re

import openpyxl
import pandas as pd
import pytest

from integrationsmonitor import compute, data_annex, report
from integrationsmonitor.params import params_file, parse_parameters, read_params_file

INDICATOR_COLUMNS = ["ID", "Indikator", "Einheit", "Richtung", "Zielart", "Basisdatum",
                     "Basiswert", "Stichtag", "Wert", "Zielwert", "Zieldatum", "Zielpfad",
                     "Bewertung"]


@pytest.fixture(scope="module")
def annex(demo_database, tmp_path_factory):
    params = read_params_file(params_file("2020-H2"))
    res = compute.compute(parse_parameters(params.as_dict() | {"database": str(demo_database)}))
    folder = tmp_path_factory.mktemp("annex")
    data_annex.write(res, folder)
    return res, folder


def test_workbook_starts_with_notes_then_one_sheet_per_table(annex):
    res, folder = annex
    wb = openpyxl.load_workbook(folder / "tabellen.xlsx")
    assert wb.sheetnames[0] == "Hinweise"
    assert set(wb.sheetnames[1:]) == set(data_annex.tables(res))
    assert {p.stem for p in (folder / "daten").iterdir()} == set(wb.sheetnames[1:])


def test_indicator_sheet_has_typed_columns_and_the_reports_verdicts(annex):
    res, folder = annex
    ws = openpyxl.load_workbook(folder / "tabellen.xlsx")["indikatoren"]
    header = [c.value for c in ws[1]]
    assert header[:len(INDICATOR_COLUMNS)] == INDICATOR_COLUMNS
    rows = {r[0]: dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert len(rows) == len(res.assessments)
    html = str(report.indicator_overview(res))
    shown = dict(re.findall(r'<td class="col-id">([^<]+)</td>.*?data-verdict="[^"]+">'
                            r'<span aria-hidden="true">[^<]*</span> ([^<]+)</span>', html))
    assert shown == {k: v["Bewertung"] for k, v in rows.items()}
    some = next(iter(rows.values()))
    assert isinstance(some["Stichtag"], dt.datetime) and isinstance(some["Zieldatum"],
                                                                    dt.datetime)
    assert all(isinstance(r["Zielwert"], (int, float)) for r in rows.values())


def test_case_sheets_show_suppressed_cells_as_star_and_counts_as_numbers(annex):
    res, folder = annex
    ws = openpyxl.load_workbook(folder / "tabellen.xlsx")["fallzahlen_sex"]
    header = [c.value for c in ws[1]]
    counts = [i for i, h in enumerate(header) if re.fullmatch(r"\d\d\.\d\d\.\d{4}", h)]
    assert len(counts) >= 2 and "Veränderung zur Basis" in header  # changes are no counts
    values = [r[i] for r in ws.iter_rows(min_row=2, values_only=True) for i in counts]
    assert "*" in values  # the demo data has small cells
    assert all(v == "*" or isinstance(v, int) for v in values)
    assert not {1, 2} & {v for v in values if isinstance(v, int)}


def test_csv_reads_back_with_pandas_german_conventions(annex):
    res, folder = annex
    raw = (folder / "daten" / "umsetzungsquote.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    frame = pd.read_csv(folder / "daten" / "umsetzungsquote.csv", sep=";", decimal=",",
                        encoding="utf-8-sig")
    total = frame[frame["Arbeitskreis"] == "Gesamt"].iloc[0]
    expected = res.rates[res.rates["ak_id"] == "Gesamt"].iloc[0]
    assert total["Umsetzungsquote (%)"] == pytest.approx(expected["rate"] * 100)


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "=cmd|' /C calc'!A0",
                                  "+49 631", "-1", "@SUM(A1)", "=> Kurs läuft weiter"])
def test_formula_like_text_is_neutralised_in_csv_and_a_string_in_xlsx(tmp_path, text):
    stamp = dt.datetime(2020, 1, 1, 12)
    path = data_annex._write_xlsx({"t": pd.DataFrame({"Bemerkung": [text]})},
                                  tmp_path / "t.xlsx", stamp)
    cell = openpyxl.load_workbook(path)["t"]["A2"]
    assert cell.value == text and cell.data_type == "s"
    data_annex._write_csv(pd.DataFrame({"Bemerkung": [text]}), tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text(encoding="utf-8-sig").splitlines()[1].strip('"') \
        .startswith("'")
