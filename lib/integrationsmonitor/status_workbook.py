"""The half-year status workbook of one Arbeitskreis: template out, validated rows back in.

The template lists every measure of the AK (ID and wording locked), prefilled with last
period's entries, with drop-down lists for Status and Finanzierung and up to three
Kennzahl/Wert pairs. Reading a returned workbook checks everything and reports every problem
with file, sheet, row and column; nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from integrationsmonitor import formatting as fmt
from integrationsmonitor.catalogue import Catalogue
from integrationsmonitor.errors import ProblemCollector, file_label
from integrationsmonitor.periods import Period
from integrationsmonitor.workbook import (
    BOLD,
    BORDER,
    HEADER_FILL,
    INPUT_FILL,
    LOCKED_FILL,
    MERGED_MESSAGE,
    TITLE,
    WRAP,
    cell_number,
    cell_text,
    choice_key,
    entered_value_problem,
    fix_timestamps,
    formulas_of,
    merged_ranges,
    open_workbook,
    sha256_of,
    write_meta,
    write_text_cell,
)

FORMAT = "integrationsmonitor-status"
FORMAT_VERSION = "1"
SHEET = "Status"
LISTS_SHEET = "Listen"
HEADER_ROW = 5
FIRST_ROW = HEADER_ROW + 1
N_KPIS = 3

COL_ID = "Maßnahme-ID"
COL_GOAL = "Ziel"
COL_TEXT = "Maßnahme"
COL_FUNDING_DEP = "Landes-/Bundesmittel nötig"
COL_STATUS = "Status"
COL_PCT = "Umsetzungsgrad in %"
COL_NOTE = "Sachstand / Bemerkung"
COL_FINANCING = "Finanzierung"
COL_RESPONSIBLE = "Verantwortlich"
KPI_COLS = [(f"Kennzahl {i}", f"Wert {i}") for i in range(1, N_KPIS + 1)]
COLUMNS = [COL_ID, COL_GOAL, COL_TEXT, COL_FUNDING_DEP, COL_STATUS, COL_PCT, COL_NOTE,
           COL_FINANCING, COL_RESPONSIBLE] + [c for pair in KPI_COLS for c in pair]
LOCKED_COLUMNS = {COL_ID, COL_GOAL, COL_TEXT, COL_FUNDING_DEP}
WIDTHS = {COL_ID: 11, COL_GOAL: 32, COL_TEXT: 50, COL_FUNDING_DEP: 12, COL_STATUS: 26,
          COL_PCT: 13, COL_NOTE: 50, COL_FINANCING: 14, COL_RESPONSIBLE: 22}

INSTRUCTIONS = [
    "Sachstandsabfrage zum Integrationskonzept – Anleitung",
    "",
    "1. Bitte füllen Sie das Blatt „Status“ für jede Maßnahme Ihres Arbeitskreises aus. "
    "Die Angaben des letzten Halbjahres sind bereits eingetragen: bitte prüfen und aktualisieren.",
    "2. Maßnahme-ID, Ziel und Wortlaut der Maßnahme sind gesperrt; Zeilen bitte nicht löschen, "
    "verschieben oder einfügen.",
    "3. Status (Pflichtfeld): bitte aus der Liste wählen. Bei „verzögert“, „ausgesetzt – fehlende "
    "Mittel“ und „entfallen“ bitte im Feld Sachstand / Bemerkung den Grund nennen.",
    "4. Umsetzungsgrad in % (freiwillig): ganze Zahl von 0 bis 100.",
    "5. Finanzierung: gesichert, beantragt, offen oder keine Mittel. Pflichtfeld bei Maßnahmen, "
    "die Landes-/Bundesmittel brauchen (Spalte D „ja“), außer sie sind entfallen oder zur Zeit "
    "nicht lösbar.",
    "6. Kennzahlen: bis zu drei Paare aus Kennzahl und Wert, z. B. „Anzahl Kurse“ – 4, "
    "„Teilnehmende“ – 57. Der Wert zählt nur dieses Halbjahr. Die Namen der Kennzahlen aus dem "
    "Vorhalbjahr sind vorgetragen, die Werte bitte neu eintragen (oder die Kennzahl löschen).",
    "7. Keine personenbezogenen Daten eintragen (keine Namen von Teilnehmenden). "
    "Unter Verantwortlich bitte die Stelle oder Funktion nennen.",
    "8. Bogen speichern (Format .xlsx beibehalten) und an die Bildungskoordination zurücksenden.",
]


@dataclass(frozen=True)
class StatusSheet:
    """A read and checked status workbook."""

    file: str
    sha256: str
    period: str
    ak_id: str
    # measure_id, ak_id, status, progress_pct, sachstand, financing, responsible
    status: pd.DataFrame
    kpis: pd.DataFrame  # measure_id, ak_id, kennzahl, wert
    # What the import did not take over, in German (e.g. an edited wording in a locked column).
    notes: tuple[str, ...] = field(default=())


def template_name(period: Period, ak_id: str) -> str:
    return f"Statusbogen_{period.id}_{ak_id}.xlsx"


def write_template(catalogue: Catalogue, period: Period, ak_id: str, out_dir: Path,
                   previous: pd.DataFrame | None = None,
                   previous_kpis: pd.DataFrame | None = None) -> Path:
    """Write the status workbook of one AK for ``period``.

    Args:
        previous: last period's status rows (columns as in the data basis) to prefill, or None.
        previous_kpis: last period's Kennzahl rows; their names are carried over, not the values.

    Returns:
        The path of the written workbook.
    """
    vocab = catalogue.vocab
    wb = Workbook()
    fix_timestamps(wb)
    guide = wb.active
    guide.title = "Anleitung"
    guide.column_dimensions["A"].width = 110
    for i, line in enumerate(INSTRUCTIONS, start=1):
        write_text_cell(guide, i, 1, line).alignment = WRAP
    guide["A1"].font = TITLE
    guide.protection.sheet = True

    ws = wb.create_sheet(SHEET)
    ak_title = catalogue.ak_title(ak_id)
    write_text_cell(ws, 1, 1, f"Sachstandsabfrage Integrationskonzept – AK {ak_title}")
    ws["A1"].font = TITLE
    write_text_cell(ws, 2, 1, f"Berichtszeitraum: {period.label} ({period.span})")
    write_text_cell(ws, 3, 1, f"Stichtag: {fmt.date(period.stichtag)}")
    for col, header in enumerate(COLUMNS, start=1):
        c = write_text_cell(ws, HEADER_ROW, col, header)
        c.font, c.fill, c.border, c.alignment = BOLD, HEADER_FILL, BORDER, WRAP
        ws.column_dimensions[get_column_letter(col)].width = WIDTHS.get(header, 14)
    ws.freeze_panes = ws.cell(FIRST_ROW, 4)

    goal_text = dict(zip(catalogue.goals["goal_id"], catalogue.goals["text"]))
    prev = previous.set_index("measure_id") if previous is not None and len(previous) else None
    prev_kpi_names: dict[str, list[str]] = {}
    if previous_kpis is not None:
        for mid, grp in previous_kpis.groupby("measure_id"):
            prev_kpi_names[mid] = list(grp["kennzahl"])[:N_KPIS]
    measures = catalogue.measures_of(ak_id)
    col = {name: i for i, name in enumerate(COLUMNS, start=1)}
    for r, m in enumerate(measures.itertuples(), start=FIRST_ROW):
        values = {COL_ID: m.measure_id,
                  COL_GOAL: " / ".join(goal_text[g] for g in m.goal_ids),
                  COL_TEXT: m.text,
                  COL_FUNDING_DEP: "ja" if m.funding_dependent else "nein"}
        if prev is not None and m.measure_id in prev.index:
            p = prev.loc[m.measure_id]
            values[COL_STATUS] = vocab.status_label(p["status"])
            if pd.notna(p["progress_pct"]):
                values[COL_PCT] = int(p["progress_pct"])
            values[COL_NOTE] = p["sachstand"] if pd.notna(p["sachstand"]) else None
            values[COL_FINANCING] = (vocab.financing_label(p["financing"])
                                     if pd.notna(p["financing"]) else None)
            values[COL_RESPONSIBLE] = p["responsible"] if pd.notna(p["responsible"]) else None
        elif m.no_solution:
            values[COL_STATUS] = vocab.status_label("keine_loesung")
        for i, name in enumerate(prev_kpi_names.get(m.measure_id, [])):
            values[KPI_COLS[i][0]] = name
        for header in COLUMNS:
            # Remarks and names come from people: text, never a formula (OWASP CSV
            # injection; "=HYPERLINK(…)" must not go out live to every working group).
            c = write_text_cell(ws, r, col[header], values.get(header))
            c.border, c.alignment = BORDER, WRAP
            locked = header in LOCKED_COLUMNS
            c.fill = LOCKED_FILL if locked else INPUT_FILL
            c.protection = Protection(locked=locked)
    last = FIRST_ROW + len(measures) - 1

    lists = wb.create_sheet(LISTS_SHEET)
    for i, label in enumerate(vocab.status["label"], start=1):
        write_text_cell(lists, i, 1, label)
    for i, label in enumerate(vocab.financing["label"], start=1):
        write_text_cell(lists, i, 2, label)
    for i, label in enumerate(vocab.kennzahlen, start=1):
        write_text_cell(lists, i, 3, label)
    lists.sheet_state = "hidden"

    def letter(header: str) -> str:
        return get_column_letter(col[header])

    status_dv = DataValidation(
        type="list", formula1=f"={LISTS_SHEET}!$A$1:$A${len(vocab.status)}", allow_blank=True,
        showErrorMessage=True, errorTitle="Status",
        error="Bitte einen Status aus der Liste wählen.")
    fin_dv = DataValidation(
        type="list", formula1=f"={LISTS_SHEET}!$B$1:$B${len(vocab.financing)}", allow_blank=True,
        showErrorMessage=True, errorTitle="Finanzierung",
        error="Bitte gesichert, beantragt, offen oder keine Mittel wählen.")
    pct_dv = DataValidation(type="whole", operator="between", formula1="0", formula2="100",
                            allow_blank=True, showErrorMessage=True, errorTitle="Umsetzungsgrad",
                            error="Bitte eine ganze Zahl von 0 bis 100 eintragen.")
    kpi_dv = DataValidation(type="list", formula1=f"={LISTS_SHEET}!$C$1:$C$"
                            f"{max(len(vocab.kennzahlen), 1)}", allow_blank=True,
                            showErrorMessage=False)  # suggestions only: free names allowed
    val_dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                            allow_blank=True, showErrorMessage=True, errorTitle="Wert",
                            error="Bitte eine Zahl ab 0 eintragen.")
    for dv in (status_dv, fin_dv, pct_dv, kpi_dv, val_dv):
        ws.add_data_validation(dv)
    status_dv.add(f"{letter(COL_STATUS)}{FIRST_ROW}:{letter(COL_STATUS)}{last}")
    fin_dv.add(f"{letter(COL_FINANCING)}{FIRST_ROW}:{letter(COL_FINANCING)}{last}")
    pct_dv.add(f"{letter(COL_PCT)}{FIRST_ROW}:{letter(COL_PCT)}{last}")
    for name_col, value_col in KPI_COLS:
        kpi_dv.add(f"{letter(name_col)}{FIRST_ROW}:{letter(name_col)}{last}")
        val_dv.add(f"{letter(value_col)}{FIRST_ROW}:{letter(value_col)}{last}")
    # Sheet protection without password: it guards against accidental edits of IDs and
    # wording, not against a determined user (the import checks everything anyway).
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False

    write_meta(wb, {"format": FORMAT, "version": FORMAT_VERSION,
                    "concept_id": catalogue.concept_id, "period": period.id, "ak_id": ak_id})
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / template_name(period, ak_id)
    wb.save(path)
    return path


def read_status_workbook(path: Path, catalogue: Catalogue, period: Period) -> StatusSheet:
    """Read and check one returned status workbook.

    Raises:
        InputError: with every problem found (file, sheet, row, column, what was expected).
    """
    name = file_label(path)
    wb, meta = open_workbook(path, FORMAT)
    problems = ProblemCollector(name, sheet=SHEET)
    rejected = f"Der Statusbogen {name} wurde nicht übernommen."

    if meta.get("concept_id") != catalogue.concept_id:
        problems.add(f"der Bogen gehört zu einem anderen Konzept („{meta.get('concept_id')}“, "
                     f"erwartet „{catalogue.concept_id}“)", sheet="_meta")
    if meta.get("period") != period.id:
        problems.add(f"falscher Berichtszeitraum: der Bogen ist für {meta.get('period')}, "
                     f"importiert wird {period.id}", sheet="_meta")
    ak_id = meta.get("ak_id", "")
    if ak_id not in set(catalogue.arbeitskreise["ak_id"]):
        problems.add(f"unbekannter Arbeitskreis „{ak_id}“", sheet="_meta")
    if SHEET not in wb.sheetnames:
        problems.add(f"das Blatt „{SHEET}“ fehlt", sheet=None)
    problems.raise_if_any(rejected)

    ws = wb[SHEET]
    merged = merged_ranges(ws, HEADER_ROW)
    if merged:
        problems.add(MERGED_MESSAGE.format(ranges=", ".join(merged)),
                     row=min(ws[r.split(":")[0]].row for r in merged))
        problems.raise_if_any(rejected)
    header = [cell_text(c.value) for c in ws[HEADER_ROW]]
    col: dict[str, int] = {}
    for expected in COLUMNS:
        if expected in header:
            col[expected] = header.index(expected)
        else:
            problems.add(f"Spaltenüberschrift „{expected}“ fehlt in Zeile {HEADER_ROW}",
                         row=HEADER_ROW, column=expected)
    problems.raise_if_any(rejected)

    vocab = catalogue.vocab
    status_by_text = {choice_key(s): c for c, s in zip(vocab.status["code"],
                                                       vocab.status["label"])}
    status_by_text.update({choice_key(c): c for c in vocab.status["code"]})
    explain = set(vocab.status.loc[vocab.status["explain"], "code"])
    outside = set(vocab.status.loc[vocab.status["group"] == "ausserhalb", "code"])
    fin_by_text = {choice_key(s): c for c, s in zip(vocab.financing["code"],
                                                    vocab.financing["label"])}
    fin_by_text.update({choice_key(c): c for c in vocab.financing["code"]})
    measures = catalogue.measures.set_index("measure_id")
    ak_measures = set(catalogue.measures_of(ak_id)["measure_id"])

    formulas = formulas_of(path, SHEET)
    known_columns = set(col.values())
    foreign: dict[int, int] = {}  # column index → first row with content outside our columns
    status_rows, kpi_rows, seen, notes = [], [], {}, []
    for r, row in enumerate(ws.iter_rows(min_row=FIRST_ROW), start=FIRST_ROW):
        for i, c in enumerate(row):
            if i not in known_columns and cell_text(c.value) is not None:
                foreign.setdefault(i, r)
        cells = {h: (row[i].value if i < len(row) else None) for h, i in col.items()}
        formats = {h: (row[i].number_format if i < len(row) else None) for h, i in col.items()}
        entered = [h for h in COLUMNS if h not in LOCKED_COLUMNS and cell_text(cells[h])]
        mid = cell_text(cells[COL_ID])
        if mid is None:
            if entered:
                problems.add("Eintrag ohne Maßnahme-ID (Zeilen bitte nicht einfügen oder "
                             "verschieben)", row=r, column=COL_ID)
            continue
        if mid not in measures.index:
            problems.add(f"unbekannte Maßnahme-ID „{mid}“ (erwartet eine ID aus dem "
                         "Konzeptkatalog)", row=r, column=COL_ID)
            continue
        if mid not in ak_measures:
            problems.add(f"Maßnahme „{mid}“ gehört nicht zum AK {ak_id}", row=r, column=COL_ID)
            continue
        if mid in seen:
            problems.add(f"Maßnahme „{mid}“ steht doppelt (schon in Zeile {seen[mid]})",
                         row=r, column=COL_ID)
            continue
        seen[mid] = r
        broken = [(h, entered_value_problem(cells[h], formulas.get((r, i + 1))))
                  for h, i in col.items() if h not in LOCKED_COLUMNS]
        for h, message in broken:
            if message:
                problems.add(message, row=r, column=h)
        if any(message for _, message in broken):
            continue
        wording = cell_text(cells[COL_TEXT])
        if wording is not None and choice_key(wording) != choice_key(
                str(measures.at[mid, "text"])):
            notes.append(f"{name}, Zeile {r}: der Wortlaut der Maßnahme {mid} wurde im Bogen "
                         f"geändert; nicht übernommen (der Wortlaut steht im Konzeptkatalog, "
                         f"Änderungen beschließt die Lenkungsgruppe)")
        status_text = cell_text(cells[COL_STATUS])
        status = status_by_text.get(choice_key(status_text)) if status_text else None
        if status_text is None:
            problems.add("Status fehlt (Pflichtfeld)", row=r, column=COL_STATUS)
        elif status is None:
            problems.add(f"unbekannter Status „{status_text}“ (erwartet: "
                         f"{', '.join(vocab.status['label'])})", row=r, column=COL_STATUS)
        pct = None
        if cell_text(cells[COL_PCT]) is not None:
            try:
                pct = cell_number(cells[COL_PCT], formats[COL_PCT])
                if not (0 <= pct <= 100) or not float(pct).is_integer():
                    raise ValueError
                pct = int(pct)
            except ValueError:
                problems.add(f"erwartet eine ganze Zahl von 0 bis 100, gefunden "
                             f"„{_as_seen(cells[COL_PCT], formats[COL_PCT])}“", row=r,
                             column=COL_PCT)
                pct = None
        note = cell_text(cells[COL_NOTE])
        if status in explain and note is None:
            problems.add(f"bei Status „{vocab.status_label(status)}“ bitte den Grund unter "
                         f"„{COL_NOTE}“ nennen", row=r, column=COL_NOTE)
        fin_text = cell_text(cells[COL_FINANCING])
        financing = fin_by_text.get(choice_key(fin_text)) if fin_text else None
        if fin_text is not None and financing is None:
            problems.add(f"unbekannte Finanzierung „{fin_text}“ (erwartet: "
                         f"{', '.join(vocab.financing['label'])})", row=r, column=COL_FINANCING)
        elif (fin_text is None and measures.at[mid, "funding_dependent"]
              and status is not None and status not in outside):
            problems.add("Finanzierung fehlt (Pflichtfeld bei Maßnahmen, die Landes-/"
                         "Bundesmittel brauchen)", row=r, column=COL_FINANCING)
        names_here = set()
        for name_col, value_col in KPI_COLS:
            kname, kval = cell_text(cells[name_col]), cells[value_col]
            if kname is None and cell_text(kval) is None:
                continue
            if kname is None:
                problems.add("Wert ohne Kennzahl: bitte die Kennzahl benennen", row=r,
                             column=name_col)
                continue
            if cell_text(kval) is None:
                problems.add(f"Kennzahl „{kname}“ ohne Wert: bitte den Wert für dieses "
                             "Halbjahr eintragen oder die Kennzahl löschen", row=r,
                             column=value_col)
                continue
            try:
                number = cell_number(kval, formats[value_col])
                if number < 0:
                    raise ValueError
            except ValueError:
                seen_as = _as_seen(kval, formats[value_col])
                problems.add(f"erwartet eine Zahl ab 0, gefunden „{seen_as}“ (Dezimalkomma, "
                             "z. B. 1.234 oder 12,5)", row=r, column=value_col)
                continue
            if kname.lower() in names_here:
                problems.add(f"Kennzahl „{kname}“ steht in dieser Zeile doppelt", row=r,
                             column=name_col)
                continue
            names_here.add(kname.lower())
            kpi_rows.append({"measure_id": mid, "ak_id": ak_id, "kennzahl": kname,
                             "wert": number})
        status_rows.append({"measure_id": mid, "ak_id": ak_id, "status": status,
                            "progress_pct": pct, "sachstand": note, "financing": financing,
                            "responsible": cell_text(cells[COL_RESPONSIBLE])})
    for i, r in sorted(foreign.items()):
        column = header[i] if i < len(header) and header[i] else get_column_letter(i + 1)
        problems.add(f"Einträge in der Spalte „{column}“, die nicht zum Bogen gehört; sie "
                     "würden nicht übernommen. Bitte in „Sachstand / Bemerkung“ eintragen.",
                     row=r, column=column)
    for mid in sorted(ak_measures - set(seen)):
        problems.add(f"Maßnahme „{mid}“ fehlt im Bogen (jede Maßnahme des AK braucht eine "
                     "Zeile)", column=COL_ID)
    problems.raise_if_any(rejected)
    return StatusSheet(
        file=name, sha256=sha256_of(path), period=period.id, ak_id=ak_id,
        status=pd.DataFrame(status_rows, columns=["measure_id", "ak_id", "status",
                                                  "progress_pct", "sachstand", "financing",
                                                  "responsible"]),
        kpis=pd.DataFrame(kpi_rows, columns=["measure_id", "ak_id", "kennzahl", "wert"]),
        notes=tuple(notes))


def _as_seen(value, number_format: str | None) -> str:
    """A cell value as the person saw it in Excel: German decimals, percent cells in percent.

    >>> _as_seen(0.405, "0.0%"), _as_seen(12.5, "General"), _as_seen("viele", None)
    ('40,5 %', '12,5', 'viele')
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if number_format and "%" in number_format:
            return fmt.number(value * 100, 10).rstrip("0").rstrip(",") + " %"
        return fmt.number(value, 10).rstrip("0").rstrip(",")
    return cell_text(value) or ""
