"""The register of steering decisions: round trip, errors, and the period filter."""

import datetime as dt

import duckdb
import openpyxl
import pytest

from integrationsmonitor.decisions import (
    SHEET,
    Decision,
    decisions_until,
    import_register,
    write_register,
)
from integrationsmonitor.errors import InputError
from integrationsmonitor.periods import Period

DECISIONS = [
    Decision("1", dt.date(2018, 11, 14), "Anlass A", "Entscheidung A", ()),
    Decision("2", dt.date(2019, 5, 8), "Mittel fehlen", "Anträge stellen",
             ("AAA-M02", "BBB-M02")),
]


def test_register_round_trip_and_period_filter(tmp_path, mini):
    path = write_register(tmp_path / "reg.xlsx", mini, DECISIONS)
    db = tmp_path / "b.duckdb"
    assert import_register(db, mini, path) == DECISIONS
    con = duckdb.connect(str(db), read_only=True)
    h2 = decisions_until(con, Period.parse("2018-H2"))
    h1 = decisions_until(con, Period.parse("2019-H1"))
    con.close()
    assert list(h2["decision_id"]) == ["1"]
    assert list(h1["decision_id"]) == ["1", "2"]
    assert list(h1["measure_ids"]) == ["", "AAA-M02, BBB-M02"]
    assert list(h1["in_period"]) == [False, True]


def test_register_replaces_the_whole_stored_register(tmp_path, mini):
    db = tmp_path / "b.duckdb"
    import_register(db, mini, write_register(tmp_path / "a.xlsx", mini, DECISIONS))
    import_register(db, mini, write_register(tmp_path / "b.xlsx", mini, DECISIONS[:1]),
                    replace=True)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM steering_decision").fetchone() == (1,)
    assert con.execute("SELECT count(*) FROM steering_decision_measure").fetchone() == (0,)
    con.close()


def test_register_errors_name_row_and_column_and_change_nothing(tmp_path, mini):
    db = tmp_path / "b.duckdb"
    import_register(db, mini, write_register(tmp_path / "ok.xlsx", mini, DECISIONS))
    path = write_register(tmp_path / "bad.xlsx", mini, DECISIONS)
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    ws["B5"] = "31.02.2019"        # impossible date
    ws["E6"] = "AAA-M02, XYZ-M9"   # unknown measure
    ws["A7"], ws["B7"], ws["C7"] = "1", "01.01.2020", "Anlass"  # duplicate Nr, no decision
    wb.save(path)
    with pytest.raises(InputError) as err:
        import_register(db, mini, path)
    located = {(p.row, p.column) for p in err.value.problems}
    assert located == {(5, "Datum"), (6, "Betroffene Maßnahmen (IDs)"), (7, "Nr."),
                       (7, "Entscheidung")}
    msg = str(err.value)
    assert "„31.02.2019“" in msg and "unbekannte Maßnahme-ID „XYZ-M9“" in msg
    assert "Nr. „1“ steht doppelt (schon in Zeile 5)" in msg
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM steering_decision").fetchone() == (2,)
    con.close()


def test_status_workbook_is_not_accepted_as_register(tmp_path, mini):
    from integrationsmonitor.measure_status import write_templates

    (aaa, _) = write_templates(None, mini, Period.parse("2018-H2"), tmp_path)
    with pytest.raises(InputError, match="falsche Art von Bogen"):
        import_register(tmp_path / "b.duckdb", mini, aaa)


def test_merged_cells_in_the_register_are_named(tmp_path, mini):
    path = write_register(tmp_path / "reg.xlsx", mini, DECISIONS)
    wb = openpyxl.load_workbook(path)
    wb[SHEET].merge_cells("C5:D5")
    wb.save(path)
    with pytest.raises(InputError) as err:
        import_register(tmp_path / "b.duckdb", mini, path)
    p = err.value.problems[0]
    assert (p.file, p.sheet, p.row) == ("reg.xlsx", SHEET, 5)
    assert p.message.startswith("verbundene Zellen (C5:D5)")
    assert not (tmp_path / "b.duckdb").exists()


def test_register_text_that_looks_like_a_formula_survives_the_round_trip(tmp_path, mini):
    odd = [Decision("1", dt.date(2019, 2, 1), "=> Mittel gestrichen", "+ neue Anträge",
                    ("AAA-M01",))]
    path = write_register(tmp_path / "reg.xlsx", mini, odd)
    ws = openpyxl.load_workbook(path)[SHEET]
    assert [ws.cell(5, c).data_type for c in (3, 4)] == ["s", "s"]
    assert import_register(tmp_path / "b.duckdb", mini, path) == odd


def test_date_typed_as_text_and_remark_with_excel_line_break_are_read(tmp_path, mini):
    path = write_register(tmp_path / "reg.xlsx", mini, DECISIONS[:1])
    wb = openpyxl.load_workbook(path)
    wb[SHEET]["B5"] = "14.11.2018"
    wb[SHEET]["C5"] = "Zeile eins_x000D_\nZeile zwei"
    wb.save(path)
    (d,) = import_register(tmp_path / "b.duckdb", mini, path)
    assert (d.decided_on, d.reason) == (dt.date(2018, 11, 14), "Zeile eins\nZeile zwei")
