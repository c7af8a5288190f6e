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
