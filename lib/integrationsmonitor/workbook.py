"""Shared pieces of the workbooks the Integrationsmonitor hands out and reads back (openpyxl).

Each workbook carries a very hidden sheet ``_meta`` that says what it is; a workbook without it
is "not ours" and is rejected with a clear message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook import Workbook

from integrationsmonitor import formatting as fmt
from integrationsmonitor.errors import InputError, Problem, file_label

META_SHEET = "_meta"
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
LOCKED_FILL = PatternFill("solid", fgColor="F2F2F2")
INPUT_FILL = PatternFill("solid", fgColor="FFFFFF")
THIN = Side(style="thin", color="A0A0A0")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")


def write_meta(wb: Workbook, values: dict[str, str]) -> None:
    ws = wb.create_sheet(META_SHEET)
    for i, (key, value) in enumerate(values.items(), start=1):
        ws.cell(i, 1, key)
        ws.cell(i, 2, value)
    ws.sheet_state = "veryHidden"


def fix_timestamps(wb: Workbook) -> None:
    """Pin document timestamps so that the seeded demo workbooks are byte-for-byte reproducible."""
    stamp = dt.datetime(2018, 7, 1)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = "Integrationsmonitor"


def open_workbook(path: Path, expected_format: str) -> tuple[Workbook, dict[str, str]]:
    """Open a returned workbook and read its ``_meta`` sheet.

    Raises:
        InputError: when the file is missing, not an xlsx file, or not a workbook of ours.
    """
    name = file_label(path)
    if not path.exists():
        raise InputError(Problem(name, f"Datei nicht gefunden ({path})"))
    if not zipfile.is_zipfile(path):
        raise InputError(Problem(name, "keine Excel-Arbeitsmappe im Format .xlsx (bitte in "
                                 "Excel „Speichern unter … Excel-Arbeitsmappe (*.xlsx)“ wählen)"))
    try:
        wb = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise InputError(Problem(name, f"die Arbeitsmappe lässt sich nicht lesen ({exc})")) from exc
    if META_SHEET not in wb.sheetnames:
        raise InputError(Problem(name, "kein Bogen des Integrationsmonitors (das versteckte Blatt "
                                 "„_meta“ fehlt). Bitte die ausgegebene Vorlage verwenden."))
    ws = wb[META_SHEET]
    meta = {str(r[0]): ("" if r[1] is None else str(r[1]))
            for r in ws.iter_rows(values_only=True) if r and r[0] is not None}
    if meta.get("format") != expected_format:
        raise InputError(Problem(name, f"falsche Art von Bogen: erwartet „{expected_format}“, "
                                 f"gefunden „{meta.get('format', '')}“", sheet=META_SHEET))
    return wb, meta


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cell_text(value: Any) -> str | None:
    """A cell value as stripped text, or None when blank."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def cell_number(value: Any) -> float:
    """A cell value as number; accepts German text ("1.234,5", "50 %"). Raises ValueError."""
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().replace("%", "").strip()
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    return float(text)


def cell_date(value: Any) -> dt.date:
    """A cell value as date: an Excel date, or text TT.MM.JJJJ. Raises ValueError."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value is None:
        raise ValueError("leer")
    return fmt.parse_date(str(value))
