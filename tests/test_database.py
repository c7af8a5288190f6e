"""The data basis: one home for the schema, its version, opening and closing, and the one
collector of located input problems."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from integrationsmonitor.database import (
    SCHEMA_VERSION,
    connect,
    connected,
    content_digest,
    log_import,
    transaction,
)
from integrationsmonitor.errors import UNCHANGED, InputError, ProblemCollector

PACKAGE = Path(__file__).resolve().parent.parent / "lib" / "integrationsmonitor"
TABLES = {"meta", "import_log", "measure_status", "measure_kpi", "steering_decision",
          "steering_decision_measure", "person_stichtag", "indicator_value",
          "indicator_assessment", "reference_import"}


def test_every_create_table_of_the_package_lives_in_database_py():
    outside = [f"{p.name}: {m}" for p in PACKAGE.glob("*.py") if p.name != "database.py"
               for m in re.findall(r"CREATE\s+TABLE[^(]*", p.read_text(encoding="utf-8"))]
    assert outside == []


def test_new_data_basis_has_every_table_and_the_current_version(tmp_path):
    with connected(tmp_path / "b.duckdb") as con:
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}
        version = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert tables == TABLES
    assert version == (str(SCHEMA_VERSION),)


def test_connected_closes_the_connection_also_on_error(tmp_path):
    with pytest.raises(RuntimeError), connected(tmp_path / "b.duckdb") as con:
        raise RuntimeError("boom")
    with pytest.raises(duckdb.ConnectionException):
        con.execute("SELECT 1")


def test_rolled_back_import_leaves_the_contents_unchanged(tmp_path):
    db = tmp_path / "b.duckdb"
    with connected(db) as con:
        before = content_digest(con)
        with pytest.raises(ValueError), transaction(con):
            log_import(con, "status", "a.xlsx", "0" * 64, 3, period="2019-H1", ak_id="AAA")
            con.execute("INSERT INTO measure_kpi VALUES ('2019-H1', 'M', 'AAA', 'k', 1, 1)")
            raise ValueError("a check failed late")
        assert content_digest(con) == before
        with transaction(con):
            log_import(con, "status", "a.xlsx", "0" * 64, 3, notes="Hinweis")
        assert content_digest(con) != before


def test_content_digest_ignores_row_order_but_sees_every_value(tmp_path):
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    for path, order in ((a, ["x", "y"]), (b, ["y", "x"])):
        with connected(path) as con:
            for key in order:
                con.execute("INSERT INTO meta VALUES (?, '1')", [key])
    with connected(a, read_only=True) as ca, connected(b, read_only=True) as cb:
        assert content_digest(ca) == content_digest(cb)
    with connected(b) as con:
        con.execute("UPDATE meta SET value = '2' WHERE key = 'x'")
    with connected(a, read_only=True) as ca, connected(b, read_only=True) as cb:
        assert content_digest(ca) != content_digest(cb)


def test_read_only_open_of_a_missing_file_says_what_to_do(tmp_path):
    with pytest.raises(InputError, match="Datenbasis nicht gefunden"):
        connect(tmp_path / "fehlt.duckdb", read_only=True)
    assert not (tmp_path / "fehlt.duckdb").exists()


def test_foreign_duckdb_file_is_not_taken_for_a_data_basis(tmp_path):
    other = tmp_path / "andere.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE kunden (name VARCHAR)")
    con.close()
    with pytest.raises(InputError, match="keine Datenbasis des Integrationsmonitors"):
        connect(other)


def test_problem_collector_lists_the_first_problems_and_counts_the_rest():
    problems = ProblemCollector("a.csv", sheet=None, limit=2)
    problems.raise_if_any()  # nothing collected: no error
    for row in (2, 3, 4, 5):
        problems.add("Pflichtangabe fehlt", row=row, column="Geschlecht")
    assert len(problems) == 4
    with pytest.raises(InputError) as err:
        problems.raise_if_any()
    assert [p.row for p in err.value.problems] == [2, 3]
    assert str(err.value).startswith(UNCHANGED + " (Weitere 2 Fehler sind nicht aufgeführt.)")


def test_problem_collector_keeps_its_sheet_unless_told_otherwise():
    problems = ProblemCollector("b.xlsx", sheet="Status")
    problems.add("x", row=6, column="Status")
    problems.add("y", sheet="_meta")
    problems.add("z", file="c.xlsx", sheet=None)
    assert [str(p) for p in problems.items] == [
        "Datei b.xlsx, Blatt „Status“, Zeile 6, Spalte „Status“: x",
        "Datei b.xlsx, Blatt „_meta“: y",
        "Datei c.xlsx: z"]
