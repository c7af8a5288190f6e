"""Seeded generator of synthetic demo inputs: filled-in status workbooks for every period, a
steering-decisions register and the offices' person-level extracts for every Stichtag
(see :mod:`case_demo`), written in exactly the formats real inputs come in and imported
through the same path as real data.

Everything here is invented. The storyline follows public facts (see shared domain facts):
the Integrationspauschale covered 2018 measures; money was short in 2019 until the Land passed
half of its share to the Kommunen; the Corona pandemic stopped events in 2020.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl

from integrationsmonitor.case_demo import generate_case_demo, stichtage
from integrationsmonitor.catalogue import Catalogue, load_catalogue
from integrationsmonitor.database import connect
from integrationsmonitor.decisions import REGISTER_NAME, Decision, import_register, write_register
from integrationsmonitor.measure_status import import_status, write_templates
from integrationsmonitor.paths import demo_dir
from integrationsmonitor.periods import Period, ReportingCalendar
from integrationsmonitor.status_workbook import (
    COL_FINANCING,
    COL_ID,
    COL_NOTE,
    COL_PCT,
    COL_RESPONSIBLE,
    COL_STATUS,
    COLUMNS,
    FIRST_ROW,
    HEADER_ROW,
    KPI_COLS,
    SHEET,
)

DEFAULT_SEED = 20180701
DATABASE_NAME = "integrationsmonitor.duckdb"
STATUS_DIR = "statusboegen"
EXTRACTS_DIR = "extrakte"

# Kennzahlen the demo reports for measures that hold courses or events: (name, typical value).
DEMO_KPIS = {
    "SPR-M01": [("Anzahl Kurse", 3), ("Teilnehmende", 45)],
    "SPR-M02": [("Teilnehmende", 120)],
    "SPR-M04": [("Teilnehmende", 25)],
    "BIL-M04": [("Veranstaltungen", 2)],
    "BIL-M05": [("Anzahl Kurse", 4), ("Teilnehmende", 40)],
    "BIL-M08": [("Anzahl Kurse", 2), ("Teilnehmende", 30)],
    "WOH-M08": [("Veranstaltungen", 2)],
    "TEI-M02": [("Schulungen", 3), ("Teilnehmende", 40)],
    "TEI-M03": [("Veranstaltungen", 2)],
    "TEI-M04": [("Veranstaltungen", 1)],
    "TEI-M06": [("Schulungen", 1)],
    "TEI-M10": [("Veranstaltungen", 1)],
    "TEI-M13": [("Veranstaltungen", 1)],
}
# Measures suspended for lack of funds in 2019-H2 and 2020-H1, resumed by decision 2020-02.
SUSPENDED_FOR_FUNDS = ("BIL-M05", "BIL-M08", "BIL-M10", "SPR-M01", "TEI-M07", "WOH-M06")
# Event measures that Corona stopped in 2020.
EVENTS = {"TEI-M03", "TEI-M04", "TEI-M10", "TEI-M12", "TEI-M13", "BIL-M04", "BIL-M08", "SPR-M04",
          "BIL-M09"}
RESPONSIBLE = {
    "SPR": ["Bildungskoordination", "Kreisvolkshochschule", "Jobcenter"],
    "BIL": ["Bildungskoordination", "Kita-Fachberatung", "Schulsozialarbeit"],
    "ARB": ["Jobcenter", "Agentur für Arbeit", "Sozialamt Kreisverwaltung"],
    "WOH": ["Sozialamt Kreisverwaltung", "Sozialämter der VG", "Caritas / Diakonie"],
    "TEI": ["Ehrenamtskoordination", "Bildungskoordination", "Beirat für Migration"],
}
NOTES = {
    "nicht_begonnen": "Noch nicht begonnen; Umsetzung für das kommende Halbjahr vorgesehen.",
    "in_planung": "Konzept in Abstimmung mit den Kooperationspartnern.",
    "in_umsetzung": "Umsetzung läuft planmäßig.",
    "umgesetzt": "Maßnahme abgeschlossen.",
    "daueraufgabe": "Läuft als Daueraufgabe weiter.",
    "verzoegert": "Verzögert: Personalwechsel beim Träger.",
    "ausgesetzt_mittel": "Ausgesetzt: Mittel der Integrationspauschale ausgeschöpft, "
                         "Anschlussförderung beantragt.",
    "keine_loesung": "Zur Zeit keine Lösung möglich; Hinweise werden weitergegeben.",
}
CORONA_NOTE = "Verzögert: Präsenzveranstaltungen wegen der Corona-Pandemie nicht möglich."


@dataclass
class _MeasureState:
    rank: int  # 0 nicht begonnen, 1 in Planung, 2 in Umsetzung, 3 final
    final: str  # "umgesetzt" or "daueraufgabe"
    stall: int  # periods it stays stalled (verzögert) from its stall start
    stall_start: int
    responsible: str


def demo_decisions() -> list[Decision]:
    """The invented steering decisions of the demo storyline."""
    return [
        Decision("2018-01", dt.date(2018, 11, 14),
                 "Start der Umsetzung zum 01.07.2018; Maßnahmen 2018 aus der Integrationspauschale "
                 "finanziert.",
                 "Halbjährliche Sachstandsabfrage bei allen Arbeitskreisen mit einheitlichem "
                 "Statusbogen.", ()),
        Decision("2018-02", dt.date(2018, 11, 14),
                 "Die Ziele des Konzepts sind qualitativ; die Bildungskoordination hat Indikatoren "
                 "mit Zielwerten bis 30.06.2021 vorgeschlagen.",
                 "Die Zielwerte der Indikatoren werden beschlossen, außer für den Schulbesuch "
                 "(BIL-I3), die Kinder-Sprachkurse (BIL-I5) und Mobilität/Datenverbindungen/"
                 "Einkauf (WOH-I4); diese überarbeitet die Bildungskoordination.", ()),
        Decision("2019-01", dt.date(2019, 5, 8),
                 "Mittel der Integrationspauschale 2016 sind weitgehend gebunden; "
                 "Anschlussfinanzierung durch das Land offen.",
                 "Kursangebote und Projekte mit Landes-/Bundesmitteln werden priorisiert; "
                 "Förderanträge für Sprach- und Feriensprachkurse werden gestellt.",
                 ("BIL-M05", "BIL-M08", "SPR-M01", "TEI-M07")),
        Decision("2019-02", dt.date(2019, 11, 20),
                 "Zusammenschluss der VG Kaiserslautern-Süd mit der VG Landstuhl zum 01.07.2019.",
                 "Die Ansprechpersonen der Sozialämter werden neu zugeordnet; die "
                 "Stellenausstattung wird beibehalten.", ("WOH-M05",)),
        Decision("2019-03", dt.date(2019, 11, 20),
                 "Überarbeitete Zielvorschläge: der Schulbesuch lag schon zur Basis bei fast "
                 "100 %; die Kinder-Sprachkurse zählen Teilnahmen, nicht Personen.",
                 "Schulbesuch (BIL-I3) als Halteziel von mindestens 99 %; 300 Teilnahmen an "
                 "Sprach- und Feriensprachkursen für Kinder (BIL-I5) bis 30.06.2021. Über den "
                 "Zielwert von WOH-I4 wird erst entschieden, wenn das Konzept für seine "
                 "Maßnahmen eine Lösung sieht.",
                 ("BIL-M05", "BIL-M08")),
        Decision("2020-01", dt.date(2020, 5, 13),
                 "Corona-Pandemie: Präsenzveranstaltungen sind untersagt.",
                 "Feste, Austauschtreffen und Veranstaltungen werden verschoben; Schulungen für "
                 "Ehrenamtliche werden, wo möglich, digital angeboten.",
                 ("TEI-M02", "TEI-M03", "TEI-M04", "TEI-M10", "TEI-M13")),
        Decision("2020-02", dt.date(2020, 11, 18),
                 "Das Land gibt die Hälfte seines Anteils an der Integrationspauschale an die "
                 "Kommunen weiter.",
                 "Die wegen fehlender Mittel ausgesetzten Maßnahmen werden mit diesem Anteil "
                 "der Integrationspauschale wieder aufgenommen.", SUSPENDED_FOR_FUNDS),
        Decision("2021-01", dt.date(2021, 4, 21),
                 "Die Laufzeit des Konzepts endet am 30.06.2021.",
                 "Die Arbeitskreise bereiten die Fortschreibung des Integrationskonzepts vor.", ()),
    ]


DEMO_TEXTS = Path(__file__).resolve().parent / "templates" / "demo_texte"


def fingerprint(seed: int = DEFAULT_SEED) -> str:
    """A hash of everything the demo data depends on: seed, concept files and the code that
    writes and imports it. A demo database with another fingerprint is stale."""
    import hashlib

    from integrationsmonitor.paths import CONCEPTS_DIR, PACKAGE_DIR
    from integrationsmonitor.reference import REFERENCE_DIR

    h = hashlib.sha256(str(seed).encode())
    for path in (sorted(CONCEPTS_DIR.rglob("*.yaml")) + sorted(REFERENCE_DIR.glob("*.yaml"))
                 + sorted(PACKAGE_DIR.glob("*.py")) + sorted(DEMO_TEXTS.glob("*.md"))):
        h.update(path.read_bytes())
    return h.hexdigest()


def write_demo_texts(out_dir: Path) -> list[Path]:
    """The coordinator's own texts of the demo (for 2021-H1 and the final report), as a real
    coordinator would put them beside the data basis: ``texte/<report>.md``."""
    from integrationsmonitor.compute import TEXT_FOLDER

    folder = out_dir / TEXT_FOLDER
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return [Path(shutil.copyfile(src, folder / src.name))
            for src in sorted(DEMO_TEXTS.glob("*.md"))]


def ensure_demo(out_dir: Path | None = None, seed: int = DEFAULT_SEED) -> Path:
    """The demo database, (re)generated only when missing or stale."""
    out_dir = out_dir or demo_dir()
    database = out_dir / DATABASE_NAME
    if database.exists():
        con = connect(database, read_only=True)
        try:
            row = con.execute("SELECT value FROM meta WHERE key = 'demo_fingerprint'").fetchone()
        finally:
            con.close()
        if row and row[0] == fingerprint(seed):
            return database
    return generate_demo(out_dir, seed)


def generate_demo(out_dir: Path | None = None, seed: int = DEFAULT_SEED,
                  catalogue: Catalogue | None = None, scale: float = 1.0) -> Path:
    """Write and import the demo inputs for every period; returns the demo database path.

    The folder's earlier demo database and workbooks are replaced. ``scale`` multiplies the
    population of the extracts (110 gives a Land-sized basis of over a million person-Stichtag
    rows at 110, written as plain CSV to keep it fast).
    """
    out_dir = out_dir or demo_dir()
    catalogue = catalogue or load_catalogue()
    unknown = sorted(set(catalogue.arbeitskreise["ak_id"]) - set(RESPONSIBLE))
    if unknown:
        # The demo tells the story of the packaged concept (its measures, Verbandsgemeinden).
        raise ValueError(f"Die Demo-Daten gibt es nur für das mitgelieferte Konzept; das "
                         f"Konzept „{catalogue.title}“ hat Arbeitskreise, die die Demo nicht "
                         f"kennt ({', '.join(unknown)}). Für ein eigenes Konzept die Statusbögen "
                         "mit „integrationsmonitor template“ erzeugen.")
    rng = np.random.default_rng(seed)
    database = out_dir / DATABASE_NAME
    status_root = out_dir / STATUS_DIR
    for stale in (database, Path(str(database) + ".wal")):
        stale.unlink(missing_ok=True)
    shutil.rmtree(status_root, ignore_errors=True)

    states = {m.measure_id: _initial_state(rng, m, catalogue) for m in
              catalogue.measures.itertuples()}
    funding = dict(zip(catalogue.measures["measure_id"], catalogue.measures["funding_dependent"]))
    no_solution = {m for m, ns in zip(catalogue.measures["measure_id"],
                                      catalogue.measures["no_solution"]) if ns}
    for index, period in enumerate(ReportingCalendar.of(catalogue).periods):
        folder = status_root / period.id
        templates = write_templates(database, catalogue, period, folder)
        for path in templates:
            wb = openpyxl.load_workbook(path)
            ws = wb[SHEET]
            col = {ws.cell(HEADER_ROW, c).value: c for c in range(1, len(COLUMNS) + 1)}
            for r in range(FIRST_ROW, ws.max_row + 1):
                mid = ws.cell(r, col[COL_ID]).value
                if mid is None:
                    continue
                entry = _entry(rng, mid, states[mid], period, index, funding[mid],
                               mid in no_solution)
                entry[COL_STATUS] = catalogue.vocab.status_label(entry[COL_STATUS])
                for header, value in entry.items():
                    ws.cell(r, col[header]).value = value
            wb.save(path)
        import_status(database, catalogue, period, templates)
        for state in states.values():
            _advance(rng, state)
    register = write_register(out_dir / REGISTER_NAME, catalogue, demo_decisions())
    import_register(database, catalogue, register)
    write_demo_texts(out_dir)
    cal = ReportingCalendar.of(catalogue)
    shutil.rmtree(out_dir / EXTRACTS_DIR, ignore_errors=True)
    generate_case_demo(database, out_dir / EXTRACTS_DIR,
                       stichtage(cal.baseline_stichtag, [p.stichtag for p in cal.periods]), seed,
                       scale=scale, formats="mixed" if scale == 1 else "csv",
                       territory=catalogue.territory)
    con = connect(database)
    try:
        _date_imports(con, cal)
        if scale == 1:
            con.execute("INSERT OR REPLACE INTO meta VALUES ('demo_fingerprint', ?)",
                        [fingerprint(seed)])
    finally:
        con.close()
    return database


def _date_imports(con, cal: ReportingCalendar) -> None:
    """The demo's import dates belong to its story, not to the day it was generated: a status
    workbook three weeks after its Stichtag, an extract four weeks after, the register the
    day after its last decision (the provenance of a report rendered from the demo is then the
    same on any day, and never later than the report)."""
    at_nine = dt.time(9, 0)
    for p in cal.periods:
        con.execute("UPDATE import_log SET imported_at = ? WHERE kind = 'status' AND period = ?",
                    [dt.datetime.combine(p.stichtag + dt.timedelta(days=21), at_nine), p.id])
    con.execute("UPDATE import_log SET imported_at = CAST(period AS DATE) + INTERVAL 28 DAY "
                "+ INTERVAL 9 HOUR WHERE kind LIKE 'extract-%'")  # an extract's period: its day
    last = max(d.decided_on for d in demo_decisions())
    con.execute("UPDATE import_log SET imported_at = ? WHERE kind = 'decisions'",
                [dt.datetime.combine(last + dt.timedelta(days=1), at_nine)])


def _initial_state(rng: np.random.Generator, m, catalogue: Catalogue) -> _MeasureState:
    # Measures worded "Weitere …" or "Fortführung" continue earlier work: they start running.
    continuing = m.text.startswith(("Weitere", "Verstetigung", "Regelmäßig", "Hinweis"))
    rank = 2 if continuing else int(rng.choice([0, 1, 1, 2]))
    final = "daueraufgabe" if continuing or rng.random() < 0.6 else "umgesetzt"
    stall = int(rng.choice([0, 0, 0, 0, 2, 3]))
    return _MeasureState(rank=rank, final=final, stall=stall,
                         stall_start=int(rng.integers(0, 4)),
                         responsible=str(rng.choice(RESPONSIBLE[m.ak_id])))


def _advance(rng: np.random.Generator, state: _MeasureState) -> None:
    if state.rank < 3 and rng.random() < 0.55:
        state.rank += 1


def _entry(rng: np.random.Generator, mid: str, state: _MeasureState, period: Period,
           index: int, funding_dependent: bool, no_solution: bool) -> dict:
    """The cells one AK fills in for one measure in one period."""
    financing = None
    if no_solution:
        status = "keine_loesung"
    elif funding_dependent and period.id in ("2019-H2", "2020-H1") and \
            mid in SUSPENDED_FOR_FUNDS:
        status, financing = "ausgesetzt_mittel", ("beantragt" if period.half == 1 else "offen")
    elif mid in EVENTS and period.year == 2020 and state.rank >= 2:
        status = "verzoegert"
    elif state.stall and state.stall_start <= index < state.stall_start + state.stall \
            and state.rank < 3:
        status = "verzoegert" if state.rank >= 1 else "nicht_begonnen"
    else:
        status = ["nicht_begonnen", "in_planung", "in_umsetzung", state.final][state.rank]
    if funding_dependent and financing is None and status != "keine_loesung":
        financing = "gesichert" if status in ("in_umsetzung", "umgesetzt", "daueraufgabe") \
            else str(rng.choice(["beantragt", "offen"]))
    note = CORONA_NOTE if (status == "verzoegert" and mid in EVENTS and period.year == 2020) \
        else NOTES[status]
    pct = {"nicht_begonnen": 0, "in_planung": 10, "umgesetzt": 100}.get(status)
    if status in ("in_umsetzung", "verzoegert", "ausgesetzt_mittel"):
        pct = int(rng.integers(3, 9)) * 10
    entry = {COL_STATUS: status, COL_PCT: pct, COL_NOTE: note,
             COL_FINANCING: financing, COL_RESPONSIBLE: state.responsible}
    running = status in ("in_umsetzung", "daueraufgabe", "umgesetzt")
    kpis = DEMO_KPIS.get(mid, []) if running else []
    for i, (name_col, value_col) in enumerate(KPI_COLS):
        # Clear what the template carried over, then report this half-year's figures; a
        # running measure held at least one course or event (never "0 Kurse, 49 Teilnehmende").
        entry[name_col], entry[value_col] = (
            (kpis[i][0], max(1, int(rng.poisson(kpis[i][1])))) if i < len(kpis)
            else (None, None))
    return entry


