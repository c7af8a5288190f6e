"""Shared pieces of the workbooks the Integrationsmonitor hands out and reads back (openpyxl).

Each workbook carries a very hidden sheet ``_meta`` that says what it is; a workbook without it
is "not ours" and is rejected with a clear message.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
import unicodedata
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook import Workbook

from integrationsmonitor import formatting as fmt
from integrationsmonitor.errors import InputError, Problem, file_label
from integrationsmonitor.input_files import require_kind

META_SHEET = "_meta"
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
LOCKED_FILL = PatternFill("solid", fgColor="F2F2F2")
INPUT_FILL = PatternFill("solid", fgColor="FFFFFF")
THIN = Side(style="thin", color="A0A0A0")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")


# OWASP, "CSV Injection": cells starting with these characters are run as formulas by
# spreadsheet programs (https://owasp.org/www-community/attacks/CSV_Injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_text_cell(ws, row: int, column: int, value: Any):
    """Write a cell so that text stays text: a string starting with "=", "+", "-" or "@" (a
    remark "=HYPERLINK(…)", "=> Kurs läuft weiter") is stored as a string with Excel's
    quote prefix, never as a formula. Other values are written as they are.

    Every workbook this project writes goes through here (or ``safe_text``); openpyxl would
    otherwise store any string beginning with "=" as a live formula.

    Returns:
        The cell.
    """
    cell = ws.cell(row, column)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True  # Excel keeps it text also after the user edits the cell
    return cell


def text_cells(ws, values) -> list:
    """A row for ``ws.append`` (also on write-only sheets and for pandas rows) in which every
    string is written as text, never as a formula.

    >>> from openpyxl import Workbook
    >>> ws = Workbook(write_only=True).create_sheet()
    >>> [c.data_type for c in text_cells(ws, ["=1+1", "Kurs", 3]) if hasattr(c, "data_type")]
    ['s']
    """
    from openpyxl.cell import WriteOnlyCell

    row = []
    for value in values:
        if isinstance(value, str) and value.startswith(FORMULA_STARTS):
            cell = WriteOnlyCell(ws, value)
            cell.data_type = "s"
            cell.quotePrefix = True
            row.append(cell)
        else:
            row.append(value)
    return row


def safe_text(ws) -> None:
    """Turn every formula-looking string already put into ``ws`` back into text (for sheets
    filled with ``ws.append`` or ``ws[ref] = value``). Call before saving."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f" and isinstance(cell.value, str):
                cell.data_type = "s"
                cell.quotePrefix = True


def neutralise_csv(value: Any) -> Any:
    """A value as it may go into a CSV file that people open in a spreadsheet program: text
    starting with "=", "+", "-", "@", tab or carriage return gets a leading apostrophe, as
    OWASP recommends against CSV injection; numbers, dates and other text are unchanged.

    >>> neutralise_csv("=cmd|' /C calc'!A0")
    "'=cmd|' /C calc'!A0"
    >>> neutralise_csv("-> weiter"), neutralise_csv(-5), neutralise_csv("Kurs")
    ("'-> weiter", -5, 'Kurs')
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_csv_frame(frame):
    """A copy of a pandas frame with every text cell passed through ``neutralise_csv``; write
    it with ``quoting=csv.QUOTE_ALL`` or the default quoting of ``DataFrame.to_csv``."""
    import pandas as pd
    out = frame.copy()
    for column in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[column])
                or pd.api.types.is_bool_dtype(out[column])):
            out[column] = out[column].map(neutralise_csv)
    out.columns = [neutralise_csv(c) for c in out.columns]
    return out


def write_meta(wb: Workbook, values: dict[str, str]) -> None:
    ws = wb.create_sheet(META_SHEET)
    for i, (key, value) in enumerate(values.items(), start=1):
        write_text_cell(ws, i, 1, key)
        write_text_cell(ws, i, 2, value)
    ws.sheet_state = "veryHidden"


def fix_timestamps(wb: Workbook) -> None:
    """Pin document timestamps so that the seeded demo workbooks are byte-for-byte reproducible."""
    stamp = dt.datetime(2018, 7, 1)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = "Integrationsmonitor"


@contextlib.contextmanager
def quiet_openpyxl() -> Iterator[None]:
    """Silence openpyxl's English warnings on stderr ("Data Validation extension is not
    supported …", which every workbook saved by Excel with drop-down lists triggers): they
    concern parts we never read, and staff would take them for errors. Read-only workbooks
    parse lazily, so keep the block open while iterating."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
        yield


def load_workbook_quietly(source, **kwargs) -> Workbook:
    """``openpyxl.load_workbook`` inside ``quiet_openpyxl``."""
    with quiet_openpyxl():
        return openpyxl.load_workbook(source, **kwargs)


def open_workbook(path: Path, expected_format: str) -> tuple[Workbook, dict[str, str]]:
    """Open a returned workbook and read its ``_meta`` sheet.

    Raises:
        InputError: when the file is missing, not an xlsx file, or not a workbook of ours.
    """
    name = file_label(path)
    not_xlsx = ("keine Excel-Arbeitsmappe im Format .xlsx (bitte in Excel „Speichern unter … "
                "Excel-Arbeitsmappe (*.xlsx)“ wählen)")
    require_kind(path, {"xlsx"}, {"text": not_xlsx, "zip": not_xlsx, "ole": not_xlsx,
                                  "utf16": not_xlsx})
    try:
        wb = load_workbook_quietly(path, data_only=True)
    except Exception:  # openpyxl raises many types, in English, for damaged files
        raise InputError(Problem(name, "die Arbeitsmappe ist beschädigt und lässt sich nicht "
                                 "lesen; bitte in Excel öffnen, „Speichern unter … "
                                 "Excel-Arbeitsmappe (*.xlsx)“ wählen und erneut "
                                 "senden")) from None
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


# Error values Excel and LibreOffice store in place of a formula's result.
EXCEL_ERRORS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#SPILL!",
                "#CALC!", "#GETTING_DATA"}
FORMULA_ADVICE = ("Text, der mit =, +, - oder @ beginnt, bitte mit einem Hochkomma davor "
                  "eintragen (z. B. '=> Kurs läuft weiter)")


def formulas_of(path: Path, sheet: str) -> dict[tuple[int, int], str]:
    """The formulas in a sheet by (row, column), both 1-based; loads the book a second time
    without ``data_only`` (the returned workbooks are small)."""
    wb = load_workbook_quietly(path)
    if sheet not in wb.sheetnames:
        return {}
    return {(c.row, c.column): str(c.value) for row in wb[sheet].iter_rows() for c in row
            if c.data_type == "f"}


def entered_value_problem(value: Any, formula: str | None) -> str | None:
    """What is wrong with a cell that should hold what a person typed, or None: an error value
    where a formula failed (a remark "=> Kurs läuft weiter" typed without apostrophe), or a
    formula without a stored result (which would be read as an empty cell).

    >>> entered_value_problem("#NAME?", "=> Kurs läuft weiter")[:36]
    'Excel zeigt hier den Fehler „#NAME?“'
    >>> entered_value_problem("läuft", None) is None
    True
    """
    text = value.strip() if isinstance(value, str) else None
    if text in EXCEL_ERRORS or (text or "").startswith("Err:5"):
        where = f" (Formel „{formula}“)" if formula else ""
        return (f"Excel zeigt hier den Fehler „{text}“{where}; gemeint war wohl Text. "
                + FORMULA_ADVICE)
    if value is None and formula:
        return (f"Formel „{formula}“ ohne gespeicherten Wert; bitte den Wert selbst "
                "eintragen. " + FORMULA_ADVICE)
    return None


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


def cell_text(value: Any) -> str | None:
    """A cell value as text as the person meant it, or None when blank.

    - Excel's escapes of control characters (``_x000D_`` for the carriage return of a
      Windows line break) are undone and line breaks become ``\\n``;
    - a date or time Excel made of typed text (a remark "15.11.") is given back as German
      text ("15.11.2020"), not as "2020-11-15 00:00:00";
    - invisible characters (zero-width space, soft hyphen) are removed, other Unicode
      whitespace (no-break space, tab) becomes a plain space, and the text is stripped.

    >>> cell_text("Kurs läuft_x000D_\\nweiter")
    'Kurs läuft\\nweiter'
    >>> cell_text(dt.datetime(2020, 11, 15))
    '15.11.2020'
    >>> cell_text("\\xa0umgesetzt\\u200b ")
    'umgesetzt'
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = (fmt.date(value.date()) if value.time() == dt.time() else
                 f"{fmt.date(value.date())} {value:%H:%M}")
    elif isinstance(value, dt.date):
        value = fmt.date(value)
    elif isinstance(value, dt.time):
        value = f"{value:%H:%M}"
    text = _EXCEL_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), str(value))
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE)
    text = unicodedata.normalize("NFC", text)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    text = "\n".join(lines).strip()
    return text or None


def choice_key(text: str) -> str:
    """The form in which a typed choice is compared with the allowed values: Unicode
    normalised (NFKC), case-folded, any dash as "-", all whitespace (also no-break spaces)
    as one space.

    >>> choice_key("Ausgesetzt\\xa0-  fehlende Mittel")
    'ausgesetzt - fehlende mittel'
    >>> choice_key("ausgesetzt – fehlende Mittel")
    'ausgesetzt - fehlende mittel'
    """
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    return " ".join(text.split()).casefold()


_GERMAN_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$")
_GERMAN_NUMBER = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+$")


def cell_number(value: Any, number_format: str | None = None) -> float:
    """A cell value as number. Raises ValueError.

    Numbers typed as text are read the German way: "1.234" is one thousand two hundred
    thirty-four, "1.234,5" and "12,5" carry a decimal comma; "12.5" is refused (English
    decimal point or a date? a guess would be a silent misread). A cell with a percent
    format holds the share (Excel stores "100 %" as 1), so it is given back in percent.

    >>> cell_number("1.234"), cell_number("1.234,5"), cell_number("50 %")
    (1234.0, 1234.5, 50.0)
    >>> cell_number(1, "0%"), cell_number(0.4, "0.0%")
    (100.0, 40.0)
    """
    if isinstance(value, bool) or value is None:
        raise ValueError
    if isinstance(value, (int, float)):
        number = float(value)
        if number_format and "%" in number_format:
            number = round(number * 100, 10)
        return number
    text = "".join(unicodedata.normalize("NFKC", str(value)).split()).replace("%", "")
    text = text.replace("\u2212", "-")
    if _GERMAN_NUMBER.match(text):
        return float(text.replace(".", "").replace(",", "."))
    if _PLAIN_NUMBER.match(text):
        return float(text)
    raise ValueError(text)


def merged_ranges(ws, first_row: int) -> list[str]:
    """Merged cell ranges of a worksheet that reach row ``first_row`` or below."""
    return [str(r) for r in ws.merged_cells.ranges if r.max_row >= first_row]


MERGED_MESSAGE = ("verbundene Zellen ({ranges}); bitte den Verbund aufheben (Excel: "
                  "„Start → Verbinden und zentrieren“ ausschalten) und jede Angabe in ihre "
                  "eigene Zelle schreiben")


def cell_date(value: Any) -> dt.date:
    """A cell value as date: an Excel date, or text TT.MM.JJJJ. Raises ValueError."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value is None:
        raise ValueError("leer")
    return fmt.parse_date(str(value))
