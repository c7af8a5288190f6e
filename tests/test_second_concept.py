"""A second county by data alone (issue 12): the hand-made concept of the invented Musterkreis
(tests/fixtures/musterkreis: three Arbeitskreise, term 2022–2024, its own Verbandsgemeinden,
reference figures and steering body "Steuerungsrunde Integration") goes through template →
status import → extract import → indicators → report, in a temporary folder, on its own params
folder. Its rendered documents must name none of Kaiserslautern's facts."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
from pathlib import Path

import duckdb
import openpyxl
import pytest

from integrationsmonitor.cli import main
from integrationsmonitor.decisions import FIRST_ROW as REGISTER_FIRST_ROW
from integrationsmonitor.decisions import REGISTER_NAME
from integrationsmonitor.decisions import SHEET as REGISTER_SHEET
from integrationsmonitor.status_workbook import (
    COL_FINANCING,
    COL_NOTE,
    COL_PCT,
    COL_RESPONSIBLE,
    COL_STATUS,
)
from tests.conftest import FIXTURES, fill_workbook

MUSTER = FIXTURES / "musterkreis"
PERIOD = "2022-H1"

STATUS = {
    "DEU": {"DEU-M01": {COL_STATUS: "in Umsetzung", COL_PCT: 50, COL_NOTE: "läuft",
                        COL_RESPONSIBLE: "Integrationsstelle"},
            "DEU-M02": {COL_STATUS: "ausgesetzt – fehlende Mittel", COL_NOTE: "kein Geld",
                        COL_FINANCING: "offen"}},
    "KIT": {"KIT-M01": {COL_STATUS: "umgesetzt", COL_PCT: 100, COL_NOTE: "zwei Cafés"},
            "KIT-M02": {COL_STATUS: "in Planung", COL_PCT: 10, COL_NOTE: "Ausschreibung"}},
    "NAC": {"NAC-M01": {COL_STATUS: "in Umsetzung", COL_PCT: 30, COL_NOTE: "Sommerfest",
                        "Kennzahl 1": "Veranstaltungen", "Wert 1": 2},
            "NAC-M02": {COL_STATUS: "nicht begonnen", COL_PCT: 0, COL_NOTE: "ab Herbst"}},
}

# Persons of the hand-made extracts: key → (Verbandsgemeinde, birth year, Integrationskurs,
# Kita) at the baseline 31.12.2021 and at 30.06.2022. Hand-counted:
#   31.12.2021: adults 18–64: 8, in Integrationskurs 3 → 37,5 %; children 3–5: 4, in Kita 3
#               → 75 %, gap to the Musterkreis' Kita quote 95 % = 20 Pp.
#   30.06.2022: adults 8, in Integrationskurs 4 → 50 %; children 3–5: 5, in Kita 4 → 80 %,
#               gap 15 Pp. (with Kaiserslautern's 92,8 % it would be 12,8 Pp.)
SOZIALAMT = {
    "31.12.2021": [("MK-A1", "Musterstadt", 1985, True, ""), ("MK-A2", "Talheim", 1990, False, ""),
                   ("MK-A3", "Bergdorf", 1979, False, ""), ("MK-A4", "098765003", 1995, False, ""),
                   ("MK-K1", "Musterstadt", 2017, False, "ja"),
                   ("MK-K2", "Talheim", 2018, False, "nein")],
    "30.06.2022": [("MK-A1", "Musterstadt", 1985, True, ""), ("MK-A2", "Talheim", 1990, True, ""),
                   ("MK-A3", "Bergdorf", 1979, False, ""), ("MK-A4", "098765003", 1995, False, ""),
                   ("MK-K1", "Musterstadt", 2017, False, "ja"),
                   ("MK-K2", "Talheim", 2018, False, "ja"),
                   ("MK-K5", "Bergdorf", 2019, False, "nein")],
}
JOBCENTER = {
    "31.12.2021": [("MK-B1", "Musterstadt", 1982, True, ""), ("MK-B2", "Bergdorf", 1988, True, ""),
                   ("MK-B3", "Musterstadt", 1975, False, ""), ("MK-B4", "Talheim", 1999, False, ""),
                   ("MK-K3", "Bergdorf", 2016, False, "ja"),
                   ("MK-K4", "Musterstadt", 2017, False, "ja")],
    "30.06.2022": [("MK-B1", "Musterstadt", 1982, True, ""), ("MK-B2", "Bergdorf", 1988, True, ""),
                   ("MK-B3", "Musterstadt", 1975, False, ""), ("MK-B4", "Talheim", 1999, False, ""),
                   ("MK-K3", "Bergdorf", 2016, False, ""),
                   ("MK-K4", "Musterstadt", 2017, False, "ja"),
                   ("MK-K6", "Musterstadt", 2019, False, "ja")],
}
HEADER = ["AZR-Nummer", "Stichtag", "Rechtskreis", "Verbandsgemeinde", "Staatsangehörigkeit",
          "Geburtsjahr", "Geschlecht", "Aufenthaltsstatus", "Leistungsart", "Unterbringung",
          "Sprachkurs", "Sprachkurs-Status", "Sprachniveau", "Erwerbsstatus", "Kita-Besuch",
          "Schulbesuch"]

# Kaiserslautern's facts that no document of another concept may name.
KAISERSLAUTERN = ["Kaiserslautern", "07335", "1074/2018", "31.03.2018", "30.06.2021",
                  "Sprachförderung und Spracherwerb",
                  "Bildung von Anfang an – Kita-Grundschule-weiterführende Schule",
                  "Ausbildung – Arbeit und Beschäftigung", "Wohn- und Lebensumfeld",
                  "Teilhabe am gesellschaftlichen Leben", "Lenkungsgruppe", "Bildungskoordin",
                  # its Verbandsgemeinden and its funding remark
                  "Bruchmühlbach", "Enkenbach", "Landstuhl", "Otterbach", "Ramstein",
                  "Weilerbach", "Landes-/Bundesmittel"]


def _write_extract(path: Path, day: str, rechtskreis: str, persons: list[tuple]) -> Path:
    year = int(day[-4:])
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, delimiter=";")
        out.writerow(HEADER)
        for key, vg, born, course, kita in persons:
            age = year - born
            asyl = rechtskreis == "AsylbLG"
            out.writerow([
                key, day, rechtskreis, vg, "Syrien", born, "w" if born % 2 else "m",
                "Aufenthaltsgestattung" if asyl else "Aufenthaltserlaubnis",
                "Grundleistungen" if asyl else "", "eigene Wohnung",
                "Integrationskurs" if course else "keiner", "teilnehmend" if course else "",
                "", "arbeitslos" if age >= 18 else "nicht erwerbsfähig", kita,
                "ja" if 6 <= age <= 17 else ""])
    return path


@pytest.fixture(scope="module")
def musterkreis(tmp_path_factory):
    """The Musterkreis through every command, once: (params folder, database, outputs folder,
    status sheets)."""
    tmp = tmp_path_factory.mktemp("musterkreis")
    database = tmp / "daten" / "musterkreis.duckdb"
    database.parent.mkdir()
    params = tmp / "params"
    params.mkdir()
    for source in sorted((MUSTER / "params").glob("*.yaml")):
        # Database absolute (a temporary folder), concept relative to the project root.
        (params / source.name).write_text(source.read_text(encoding="utf-8").replace(
            '"data/musterkreis/integrationsmonitor.duckdb"', f'"{database}"'), encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.setenv("INTEGRATIONSMONITOR_KEY", "4d7573746572-schluessel-nur-fuer-den-test-0123456789")
    mp.delenv("INTEGRATIONSMONITOR_KEY_FILE", raising=False)
    try:
        forms = tmp / "vorlagen"
        assert main(["template", PERIOD, "--params", str(params), "--out", str(forms),
                     "--decisions"]) == 0
        sheets = sorted(forms.glob("Statusbogen_*.xlsx"))
        for sheet in sheets:
            fill_workbook(sheet, STATUS[sheet.stem.rsplit("_", 1)[1]])
        assert main(["import-status", PERIOD, *map(str, sheets), "--params", str(params)]) == 0
        register = forms / REGISTER_NAME
        wb = openpyxl.load_workbook(register)
        for column, value in enumerate(["2022-01", dt.datetime(2022, 5, 18),
                                        "Kein Geld für Kinderbetreuung",
                                        "Mittel beim Land beantragen", "DEU-M02"], start=1):
            wb[REGISTER_SHEET].cell(REGISTER_FIRST_ROW, column).value = value
        wb.save(register)
        assert main(["import-decisions", str(register), "--params", str(params)]) == 0
        for day in ("31.12.2021", "30.06.2022"):
            stem = day[-4:] + day[3:5] + day[:2]
            for source, rk, persons in (("sozialamt", "AsylbLG", SOZIALAMT),
                                        ("jobcenter", "SGB II", JOBCENTER)):
                extract = _write_extract(tmp / f"{source}_{stem}.csv", day, rk, persons[day])
                assert main(["import-extract", source, day, str(extract), "--params",
                             str(params)]) == 0
        assert main(["indicators", "--all", "--params", str(params)]) == 0
        outputs = tmp / "ausgabe"
        assert main(["report", PERIOD, "--params", str(params), "--out", str(outputs),
                     "--jobs", "1"]) == 0
    finally:
        mp.undo()
    return params, database, outputs, sheets


def test_template_writes_one_sheet_per_arbeitskreis_of_the_other_concept(musterkreis):
    _, _, _, sheets = musterkreis
    assert [p.name for p in sheets] == ["Statusbogen_2022-H1_DEU.xlsx",
                                        "Statusbogen_2022-H1_KIT.xlsx",
                                        "Statusbogen_2022-H1_NAC.xlsx"]


def test_extracts_on_the_other_territory_are_counted_on_its_territory_today(musterkreis):
    _, database, _, _ = musterkreis
    con = duckdb.connect(str(database), read_only=True)
    rows = dict(con.execute("SELECT vg_code, count(*) FROM person_stichtag "
                            "WHERE stichtag = DATE '2021-12-31' GROUP BY ALL").fetchall())
    con.close()
    # Musterstadt 5 + Talheim 3 (merged into Musterstadt's new code); Bergdorf 4, one of them
    # given by its Verbandsschlüssel 098765003.
    assert rows == {"098765004": 8, "098765003": 4}


def test_indicators_use_the_concepts_own_reference_figures(musterkreis):
    _, database, _, _ = musterkreis
    con = duckdb.connect(str(database), read_only=True)
    values = {(r[0], r[1], str(r[2])): r[3] for r in con.execute(
        "SELECT period, indicator_id, stichtag, value FROM indicator_value").fetchall()}
    con.close()
    assert values[(PERIOD, "DEU-I1", "2021-12-31")] == pytest.approx(3 / 8)
    assert values[(PERIOD, "DEU-I1", "2022-06-30")] == pytest.approx(4 / 8)
    assert values[(PERIOD, "KIT-I1", "2021-12-31")] == pytest.approx(0.95 - 3 / 4)
    assert values[(PERIOD, "KIT-I1", "2022-06-30")] == pytest.approx(0.95 - 4 / 5)
    assert values[(PERIOD, "NAC-I1", "2022-06-30")] == pytest.approx(2)


def test_all_periods_come_from_the_params_folder_in_use_only(musterkreis):
    _, database, _, _ = musterkreis
    con = duckdb.connect(str(database), read_only=True)
    periods = [r[0] for r in con.execute(
        "SELECT DISTINCT period FROM indicator_assessment ORDER BY 1").fetchall()]
    con.close()
    assert periods == ["2022-H1", "2022-H2"]


def _documents(outputs: Path) -> dict[str, str]:
    folder = outputs / PERIOD
    texts = {name: (folder / name).read_text(encoding="utf-8")
             for name in ("report.html", "anhang.html")}
    for name in ("report.pdf", "anhang.pdf"):
        texts[name] = subprocess.run(["pdftotext", "-layout", str(folder / name), "-"],
                                     capture_output=True, text=True, check=True).stdout
    return texts


def test_report_of_the_other_concept_names_its_own_bodies(musterkreis):
    _, _, outputs, _ = musterkreis
    texts = _documents(outputs)
    assert "Steuerungsrunde Integration" in texts["report.html"]
    assert "Integrationsplan des Musterkreises 2022–2024" in texts["report.pdf"]
    assert "Alle 3 Arbeitskreise" in texts["report.html"]
    assert "gelten als Vorschlag der Integrationsstelle" in texts["report.html"]
    assert "Mittel beim Land beantragen" in texts["anhang.html"]  # the decision is shown


def _offending(texts: dict[str, str], known: tuple[str, ...] = ()) -> list[str]:
    found = []
    for name, text in texts.items():
        for k in known:
            text = text.replace(k, "")
        for fact in KAISERSLAUTERN:
            start = text.find(fact)
            if start >= 0:
                found.append(f"{name}: „{fact}“ in …{text[max(0, start - 60):start + 60]}…")
    return found


def test_documents_of_the_other_concept_name_none_of_kaiserslauterns_facts(musterkreis):
    _, _, outputs, _ = musterkreis
    assert _offending(_documents(outputs)) == []


def test_extract_is_checked_against_the_concepts_own_verbandsgemeinden(tmp_path):
    import datetime as dt

    from integrationsmonitor.case_data import check_extract
    from integrationsmonitor.catalogue import load_catalogue
    from integrationsmonitor.errors import InputError

    territory = load_catalogue(MUSTER / "konzept").territory
    path = _write_extract(tmp_path / "sozialamt.csv", "31.12.2021", "AsylbLG",
                          [("MK-A1", "Landstuhl", 1985, True, ""),
                           ("MK-A2", "Talheim", 1990, False, "")])
    with pytest.raises(InputError) as err:
        check_extract(path, "sozialamt", dt.date(2021, 12, 31), territory=territory)
    assert ("Zeile 2, Spalte „Verbandsgemeinde“: unbekannte Verbandsgemeinde „Landstuhl“ "
            "(erwartet Name oder Verbandsschlüssel: Musterstadt, Talheim, Bergdorf)"
            ) in str(err.value)


def test_territory_with_a_code_outside_its_kreis_names_file_and_key(tmp_path):
    from integrationsmonitor.errors import InputError
    from integrationsmonitor.reference import territory

    (tmp_path / "gebiet.yaml").write_text(
        'kreis: {code: "09876", name: Musterkreis}\n'
        'verbandsgemeinden:\n  - {code: "073355001", name: Irgendwo}\n', encoding="utf-8")
    with pytest.raises(InputError) as err:
        territory(tmp_path)
    assert ("Datei gebiet.yaml, Schlüssel „verbandsgemeinden[0].code“: erwartet einen "
            "neunstelligen Verbandsschlüssel, der mit dem Kreisschlüssel 09876 beginnt, "
            "gefunden „073355001“") in str(err.value)


def test_demo_for_a_concept_it_has_no_story_for_is_a_clear_error(tmp_path, capsys):
    assert main(["demo", "--params", str(MUSTER / "params"), "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert ("Fehler: Die Demo-Daten gibt es nur für das mitgelieferte Konzept; das Konzept "
            "„Integrationsplan des Musterkreises 2022–2024“ hat Arbeitskreise, die die Demo "
            "nicht kennt (DEU, KIT, NAC).") in err
