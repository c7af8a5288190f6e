"""Steering decisions (Steuerungsmaßnahmen) of the Lenkungsgruppe: a register workbook kept by
the coordinator, imported whole into the data basis and shown in the reports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
from openpyxl import Workbook

from integrationsmonitor.catalogue import Catalogue
from integrationsmonitor.database import connected, log_import, transaction
from integrationsmonitor.errors import InputError, Problem, ProblemCollector, file_label
from integrationsmonitor.periods import Period
from integrationsmonitor.workbook import (
    BOLD,
    BORDER,
    HEADER_FILL,
    MERGED_MESSAGE,
    TITLE,
    WRAP,
    cell_date,
    cell_text,
    entered_value_problem,
    fix_timestamps,
    formulas_of,
    merged_ranges,
    open_workbook,
    sha256_of,
    write_meta,
    write_text_cell,
)

FORMAT = "integrationsmonitor-decisions"
SHEET = "Entscheidungen"
HEADER_ROW = 4
FIRST_ROW = HEADER_ROW + 1
COL_ID, COL_DATE, COL_REASON, COL_DECISION, COL_MEASURES = (
    "Nr.", "Datum", "Anlass / geänderte Rahmenbedingung", "Entscheidung",
    "Betroffene Maßnahmen (IDs)")
COLUMNS = [COL_ID, COL_DATE, COL_REASON, COL_DECISION, COL_MEASURES]
WIDTHS = [10, 12, 50, 60, 28]
REGISTER_NAME = "Steuerungsentscheidungen.xlsx"


@dataclass(frozen=True)
class Decision:
    decision_id: str
    decided_on: dt.date
    reason: str
    decision: str
    measure_ids: tuple[str, ...]


def write_register(path: Path, catalogue: Catalogue, decisions: list[Decision] = ()) -> Path:
    """Write the decisions register workbook (empty, or with the given decisions)."""
    wb = Workbook()
    fix_timestamps(wb)
    ws = wb.active
    ws.title = SHEET
    group = catalogue.reporting.get("steering_group", "Lenkungsgruppe")
    write_text_cell(ws, 1, 1, f"Steuerungsentscheidungen der {group}").font = TITLE
    write_text_cell(ws, 2, 1, "Eine Zeile je Entscheidung. Datum als TT.MM.JJJJ; betroffene "
                    "Maßnahmen als IDs aus dem Statusbogen, durch Komma getrennt (z. B. "
                    "TEI-M02, TEI-M04).")
    for i, (header, width) in enumerate(zip(COLUMNS, WIDTHS), start=1):
        c = write_text_cell(ws, HEADER_ROW, i, header)
        c.font, c.fill, c.border, c.alignment = BOLD, HEADER_FILL, BORDER, WRAP
        ws.column_dimensions[chr(64 + i)].width = width
    for r, d in enumerate(decisions, start=FIRST_ROW):
        values = [d.decision_id, d.decided_on, d.reason, d.decision, ", ".join(d.measure_ids)]
        for i, v in enumerate(values, start=1):
            c = write_text_cell(ws, r, i, v)  # reasons and decisions are text, never formulas
            c.alignment, c.border = WRAP, BORDER
        ws.cell(r, 2).number_format = "DD.MM.YYYY"
    write_meta(wb, {"format": FORMAT, "version": "1", "concept_id": catalogue.concept_id})
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def read_register(path: Path, catalogue: Catalogue) -> list[Decision]:
    """Read and check the register; raises InputError with every problem found."""
    name = file_label(path)
    wb, meta = open_workbook(path, FORMAT)
    problems = ProblemCollector(name, sheet=SHEET)
    rejected = f"Das Register {name} wurde nicht übernommen."

    def problem(msg: str, row: int | None = None, column: str | None = None) -> None:
        problems.add(msg, row=row, column=column)

    if meta.get("concept_id") != catalogue.concept_id:
        problems.add(f"das Register gehört zu einem anderen Konzept "
                     f"(„{meta.get('concept_id')}“)", sheet="_meta")
    if SHEET not in wb.sheetnames:
        problems.add(f"das Blatt „{SHEET}“ fehlt", sheet=None)
        problems.raise_if_any(rejected)
    ws = wb[SHEET]
    merged = merged_ranges(ws, HEADER_ROW)
    if merged:
        problem(MERGED_MESSAGE.format(ranges=", ".join(merged)),
                row=min(ws[r.split(":")[0]].row for r in merged))
        problems.raise_if_any(rejected)
    header = [cell_text(c.value) for c in ws[HEADER_ROW]]
    if header[:len(COLUMNS)] != COLUMNS:
        problem(f"erwartet die Überschriften {', '.join(COLUMNS)} in Zeile {HEADER_ROW}",
                row=HEADER_ROW)
        problems.raise_if_any(rejected)
    known = set(catalogue.measures["measure_id"])
    formulas = formulas_of(path, SHEET)
    out, seen = [], {}
    for r, row in enumerate(ws.iter_rows(min_row=FIRST_ROW, max_col=len(COLUMNS),
                                         values_only=True), start=FIRST_ROW):
        values = dict(zip(COLUMNS, row))
        broken = [(h, entered_value_problem(values[h], formulas.get((r, i))))
                  for i, h in enumerate(COLUMNS, start=1)]
        for h, message in broken:
            if message:
                problem(message, r, h)
        if any(message for _, message in broken):
            continue
        if all(cell_text(v) is None for v in values.values()):
            continue
        did = cell_text(values[COL_ID])
        if did is None:
            problem("Nr. fehlt", r, COL_ID)
        elif did in seen:
            problem(f"Nr. „{did}“ steht doppelt (schon in Zeile {seen[did]})", r, COL_ID)
        else:
            seen[did] = r
        try:
            day = cell_date(values[COL_DATE])
            if day < catalogue.baseline_stichtag or day > catalogue.term_end.replace(
                    year=catalogue.term_end.year + 1):
                problem(f"Datum {day:%d.%m.%Y} liegt außerhalb der Laufzeit des Konzepts",
                        r, COL_DATE)
            elif day > dt.date.today():
                problem(f"Datum {day:%d.%m.%Y} liegt in der Zukunft", r, COL_DATE)
        except ValueError:
            problem(f"erwartet ein Datum TT.MM.JJJJ, gefunden „{values[COL_DATE] or ''}“",
                    r, COL_DATE)
            day = None
        reason, decision = cell_text(values[COL_REASON]), cell_text(values[COL_DECISION])
        if reason is None:
            problem("Anlass fehlt (Pflichtfeld)", r, COL_REASON)
        if decision is None:
            problem("Entscheidung fehlt (Pflichtfeld)", r, COL_DECISION)
        ids = tuple(i.strip() for i in (cell_text(values[COL_MEASURES]) or "").replace(
            ";", ",").split(",") if i.strip())
        for mid in ids:
            if mid not in known:
                problem(f"unbekannte Maßnahme-ID „{mid}“", r, COL_MEASURES)
        out.append(Decision(did or "", day, reason or "", decision or "", ids))
    problems.raise_if_any(f"Das Register {name} wurde nicht übernommen; die Datenbasis ist "
                          "unverändert.")
    return out


def import_register(database: str | Path, catalogue: Catalogue, path: Path,
                    replace: bool = False) -> list[Decision]:
    """Replace the stored decisions with the register's (all or nothing).

    A register with fewer decisions than stored (e.g. a freshly written empty one) is refused
    unless ``replace`` is True; the error lists the decisions that would be removed.
    """
    decisions = read_register(path, catalogue)
    with connected(database) as con:
        if not replace:
            _refuse_shrinking(con, decisions, path)
        with transaction(con):
            import_id = log_import(con, "decisions", file_label(path), sha256_of(path),
                                   len(decisions))
            con.execute("DELETE FROM steering_decision_measure")
            con.execute("DELETE FROM steering_decision")
            for d in decisions:
                con.execute("INSERT INTO steering_decision VALUES (?, ?, ?, ?, ?)",
                            [d.decision_id, d.decided_on, d.reason, d.decision, import_id])
                for mid in dict.fromkeys(d.measure_ids):
                    con.execute("INSERT INTO steering_decision_measure VALUES (?, ?)",
                                [d.decision_id, mid])
    return decisions


def _refuse_shrinking(con: duckdb.DuckDBPyConnection, decisions: list[Decision], path: Path
                      ) -> None:
    stored = con.execute("SELECT decision_id, decided_on, decision FROM steering_decision "
                         "ORDER BY decided_on, decision_id").fetchall()
    if len(decisions) >= len(stored):
        return
    kept = {d.decision_id for d in decisions}
    removed = [r for r in stored if r[0] not in kept]
    lines = [f"{r[0]} vom {r[1]:%d.%m.%Y}: {r[2][:60]}" for r in removed]
    raise InputError(
        Problem(file_label(path), f"das Register enthält {len(decisions)} Entscheidungen, die "
                f"Datenbasis {len(stored)}; entfallen würden: " + "; ".join(lines)),
        "Der Import würde Steuerungsentscheidungen löschen und wurde nicht ausgeführt; die "
        "Datenbasis ist unverändert. Ist das gewollt, mit --ersetzen erneut importieren.")


def decisions_until(con: duckdb.DuckDBPyConnection, period: Period) -> pd.DataFrame:
    """Decisions taken up to the end of ``period``; columns decision_id, decided_on, reason,
    decision, measure_ids (comma-joined), in_period (taken within the period)."""
    df = con.execute("""
        SELECT d.decision_id, d.decided_on, d.reason, d.decision,
               coalesce(string_agg(m.measure_id, ', ' ORDER BY m.measure_id), '') AS measure_ids
        FROM steering_decision d
        LEFT JOIN steering_decision_measure m USING (decision_id)
        WHERE d.decided_on <= ?
        GROUP BY ALL ORDER BY d.decided_on, d.decision_id""", [period.end]).df()
    df["decided_on"] = pd.to_datetime(df["decided_on"]).dt.date
    df["in_period"] = [d >= period.start for d in df["decided_on"]]
    return df
