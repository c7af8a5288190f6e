"""The command line as the coordinator uses it: German messages, exit codes, files written."""

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest

from integrationsmonitor.cli import main
from integrationsmonitor.status_workbook import HEADER_ROW, SHEET
from tests.conftest import fill_workbook, row_of
from tests.test_status_import import AAA, BBB

ROOT = Path(__file__).resolve().parent.parent
MINI = str(ROOT / "tests" / "fixtures" / "mini-concept")


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


# --- one data basis for every command (issue 11, section 2) -----------------------------------

DEMO_DB = "data/demo/integrationsmonitor.duckdb"


def _params_folder(tmp_path, database, periods=("2019-H1", "2019-H2")) -> Path:
    folder = tmp_path / "params"
    folder.mkdir()
    for period in periods:
        (folder / f"{period}.yaml").write_text(
            f'period: "{period}"\nreport_date: "2020-02-19"\ndatabase: "{database}"\n'
            f'concept: "lib/integrationsmonitor/concepts/kaiserslautern-2018-2021"\n'
            'author: "Test"\n', encoding="utf-8")
    return folder


def test_template_without_options_prefills_from_the_params_data_basis(demo_database, tmp_path,
                                                                      capsys):
    con = duckdb.connect(str(demo_database), read_only=True)
    expected = con.execute("SELECT count(*) FROM measure_status WHERE period = '2019-H1'"
                           ).fetchone()[0]
    first = con.execute("SELECT measure_id, status FROM measure_status WHERE period = '2019-H1' "
                        "AND ak_id = 'SPR' ORDER BY measure_id LIMIT 1").fetchone()
    con.close()
    assert main(["template", "2019-H2", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"Datenbasis: {DEMO_DB} (aus params/2019-H2.yaml)" in out
    assert f"vorbelegt mit {expected} Statusmeldungen aus 2019-H1" in out
    ws = openpyxl.load_workbook(tmp_path / "Statusbogen_2019-H2_SPR.xlsx")[SHEET]
    row = row_of(tmp_path / "Statusbogen_2019-H2_SPR.xlsx", first[0])
    status_col = [ws.cell(HEADER_ROW, c).value for c in range(1, ws.max_column + 1)].index(
        "Status") + 1
    assert ws.cell(row, status_col).value not in (None, "")


def test_template_says_when_it_found_nothing_to_prefill(tmp_path, capsys):
    folder = _params_folder(tmp_path, tmp_path / "leer.duckdb")
    assert main(["template", "2019-H2", "--params", str(folder), "--out",
                 str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert f"Datenbasis: {tmp_path / 'leer.duckdb'} (aus {folder / '2019-H2.yaml'})" in out
    assert "liegen für 2019-H1 keine Statusmeldungen vor; die Bögen sind nicht vorbelegt" in out


def test_params_naming_a_catalogue_file_of_the_former_layout_is_a_clear_error(tmp_path,
                                                                              capsys):
    folder = _params_folder(tmp_path, tmp_path / "x.duckdb", periods=("2019-H2",))
    path = folder / "2019-H2.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "kaiserslautern-2018-2021", "kaiserslautern-2018-2021.yaml"), encoding="utf-8")
    assert main(["template", "2019-H2", "--params", str(folder), "--out",
                 str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert ("Datei kaiserslautern-2018-2021.yaml: ist kein Konzeptordner; gemeint ist wohl der "
            "Ordner lib/integrationsmonitor/concepts/kaiserslautern-2018-2021") in err


def test_params_folder_from_the_environment_names_the_data_basis(tmp_path, capsys,
                                                                 monkeypatch):
    folder = _params_folder(tmp_path, "data/anderswo.duckdb", periods=("2019-H2",))
    monkeypatch.setenv("INTEGRATIONSMONITOR_PARAMS", str(folder))
    from integrationsmonitor.params import data_basis

    basis = data_basis("2020-H1")  # no file of its own: the latest one in the folder
    assert basis.database == ROOT / "data" / "anderswo.duckdb"
    assert basis.describe() == ("Datenbasis: data/anderswo.duckdb "
                                f"(aus {folder / '2019-H2.yaml'})")


def test_missing_params_folder_is_a_german_error_naming_the_option(tmp_path, capsys):
    (tmp_path / "leer").mkdir()
    assert main(["import-decisions", str(tmp_path / "x.xlsx"), "--params",
                 str(tmp_path / "leer")]) == 1
    assert "keine Parameterdatei (*.yaml) gefunden; die Datenbasis mit --database angeben" \
        in capsys.readouterr().err


def test_import_decisions_refuses_to_replace_decisions_with_fewer(demo_database, tmp_path,
                                                                  capsys):
    db = str(tmp_path / "basis.duckdb")
    register = ROOT / "data" / "demo" / "Steuerungsentscheidungen.xlsx"
    assert main(["import-decisions", str(register), "--database", db]) == 0
    main(["template", "2018-H2", "--out", str(tmp_path / "neu"), "--database", db,
          "--decisions"])
    capsys.readouterr()
    empty = tmp_path / "neu" / "Steuerungsentscheidungen.xlsx"
    assert main(["import-decisions", str(empty), "--database", db]) == 1
    err = capsys.readouterr().err
    assert "Der Import würde Steuerungsentscheidungen löschen" in err
    assert "mit --ersetzen erneut importieren" in err
    assert "das Register enthält 0 Entscheidungen, die Datenbasis 8; entfallen würden:" in err
    con = duckdb.connect(db, read_only=True)
    ids = [r[0] for r in con.execute("SELECT decision_id FROM steering_decision").fetchall()]
    con.close()
    assert len(ids) == 8 and all(i in err for i in ids)
    assert main(["import-decisions", str(empty), "--database", db, "--ersetzen"]) == 0
    con = duckdb.connect(db, read_only=True)
    assert con.execute("SELECT count(*) FROM steering_decision").fetchone() == (0,)
    con.close()


def test_every_command_prints_its_data_basis(tmp_path, capsys, monkeypatch, demo_database):
    db = tmp_path / "basis.duckdb"
    main(["template", "2018-H2", "--out", str(tmp_path / "v"), "--database", str(db),
          "--concept", MINI, "--decisions"])
    assert f"Datenbasis: {db} (--database)" in capsys.readouterr().out
    main(["import-decisions", str(tmp_path / "v" / "Steuerungsentscheidungen.xlsx"),
          "--database", str(db), "--concept", MINI])
    assert f"Datenbasis: {db} (--database)" in capsys.readouterr().out
    # From the params folder (a copy of the demo basis: `indicators` writes into it).
    copy = tmp_path / "demo-kopie.duckdb"
    shutil.copy(demo_database, copy)
    folder = _params_folder(tmp_path, copy, periods=("2019-H2",))
    monkeypatch.setenv("INTEGRATIONSMONITOR_PARAMS", str(folder))
    assert main(["indicators", "2019-H2"]) == 0
    assert f"Datenbasis: {copy} (aus {folder / '2019-H2.yaml'})" in capsys.readouterr().out


# --- a CLI that guides (section 3) ------------------------------------------------------------

def test_report_of_an_unknown_period_lists_the_available_ones(capsys):
    assert main(["report", "2019-H3"]) == 1
    err = capsys.readouterr().err
    assert "„2019-H3“ ist kein Bericht" in err
    assert "Vorhandene Berichte: 2018-H2, 2019-H1, 2019-H2, 2020-H1, 2020-H2, " \
           "2021-H1, 2018, 2019, 2020, 2018-2021" in err
    assert main(["report", "2025-H1"]) == 1
    assert ("Für 2025-H1 gibt es keinen Bericht: keine Parameterdatei 2025-H1.yaml im Ordner "
            "params. Vorhandene Berichte: 2018-H2") in capsys.readouterr().err


def test_argparse_speaks_german(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["import-status"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert err.startswith("Aufruf: integrationsmonitor import-status")
    assert "integrationsmonitor import-status: Fehler: folgende Angaben fehlen: ZEITRAUM, " \
           "DATEI" in err
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    out = capsys.readouterr().out
    assert "Argumente:" in out and "Optionen:" in out and "diese Hilfe anzeigen" in out
    assert "usage" not in out and "options:" not in out


def test_every_argument_has_help_and_options_name_their_default():
    from integrationsmonitor.cli import _parser

    parser = _parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in sub.choices.items():
        for action in command._actions:
            if action.help == argparse.SUPPRESS or action.dest == "help":
                continue
            assert action.help, f"{name} {action.dest}: keine Hilfe"
            if action.option_strings and not action.required:
                assert "Standard" in action.help or "alle Halbjahre" in action.help, \
                    f"{name} {action.option_strings}: Standard fehlt"


def test_version_is_printed(capsys):
    from integrationsmonitor import __version__

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"integrationsmonitor {__version__}\n"
