"""The command line as the coordinator uses it: German messages, exit codes, files written."""

import subprocess
import sys
from pathlib import Path

import duckdb

from integrationsmonitor.cli import main
from tests.conftest import fill_workbook
from tests.test_status_import import AAA, BBB

ROOT = Path(__file__).resolve().parent.parent
MINI = str(ROOT / "tests" / "fixtures" / "mini-concept.yaml")


def test_template_import_and_decisions_through_the_cli(tmp_path, capsys):
    db = tmp_path / "basis.duckdb"
    out = tmp_path / "vorlagen"
    assert main(["template", "2018-H2", "--out", str(out), "--database", str(db),
                 "--concept", MINI, "--decisions"]) == 0
    written = sorted(p.name for p in out.iterdir())
    assert written == ["Statusbogen_2018-H2_AAA.xlsx", "Statusbogen_2018-H2_BBB.xlsx",
                       "Steuerungsentscheidungen.xlsx"]
    fill_workbook(out / written[0], AAA)
    fill_workbook(out / written[1], BBB)
    assert main(["import-status", "2018-H2", str(out / written[0]), str(out / written[1]),
                 "--database", str(db), "--concept", MINI]) == 0
    assert main(["import-decisions", str(out / written[2]), "--database", str(db),
                 "--concept", MINI]) == 0
    printed = capsys.readouterr().out
    assert ("importiert: Statusbogen_2018-H2_AAA.xlsx – AK AAA, Maßnahmen: 3, "
            "Kennzahlen: 1") in printed
    assert "Steuerungsentscheidungen aus Steuerungsentscheidungen.xlsx: 0" in printed
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM measure_status").fetchone() == (6,)
    con.close()


def test_import_error_is_german_names_the_place_and_exits_1(tmp_path, capsys):
    out = tmp_path / "vorlagen"
    main(["template", "2018-H2", "--out", str(out), "--concept", MINI,
          "--database", str(tmp_path / "x.duckdb")])
    capsys.readouterr()
    code = main(["import-status", "2018-H2", str(out / "Statusbogen_2018-H2_AAA.xlsx"),
                 "--database", str(tmp_path / "x.duckdb"), "--concept", MINI])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("Fehler: Der Import wurde abgebrochen; die Datenbasis ist unverändert.")
    assert ("Datei Statusbogen_2018-H2_AAA.xlsx, Blatt „Status“, Zeile 6, Spalte „Status“: "
            "Status fehlt (Pflichtfeld)") in err


def test_unknown_period_is_a_german_error(tmp_path, capsys):
    assert main(["template", "2018-H7", "--out", str(tmp_path)]) == 1
    assert "„2018-H7“ ist kein Berichtszeitraum" in capsys.readouterr().err


def test_console_script_is_installed():
    exe = Path(sys.executable).with_name("integrationsmonitor")
    run = subprocess.run([str(exe), "--help"], capture_output=True, text=True)
    assert run.returncode == 0 and "Sachstandsberichte" in run.stdout


def test_code_passes_ruff():
    run = subprocess.run([sys.executable, "-m", "ruff", "check", "lib", "tests", "benchmarks"],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout
