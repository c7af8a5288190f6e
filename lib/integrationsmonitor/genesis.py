"""Reader for official statistics exports in the GENESIS / Regionaldatenbank CSV format.

The format (Destatis, Statistische Ämter des Bundes und der Länder): ISO-8859-1, ``;``,
decimal comma without thousands separator; a title block ("Tabelle: <code>", statistic, unit);
one to three header rows whose leading cells are empty; data rows keyed by time and regional
code (read as text: leading zeros matter, "07335" is the Kreis Kaiserslautern); a footer after
a line of underscores with notes, the © line and "Stand: dd.mm.yyyy".

Markers (Zeichenerklärung) become missing values with their reason kept; only ``-`` (exactly
zero; printed publications and Excel's autocorrect write it as "–") becomes 0. ``p``
(vorläufig) and ``r`` (berichtigt) after a number keep the number.

Files opened and saved again in Excel arrive in Windows-1252 (the "–" is byte 0x96 there, a
control character in ISO-8859-1) or with English decimal points; the first is read, the
second is refused with its place (a "92.8" read the German way would be 928).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from integrationsmonitor import formatting as fmt
from integrationsmonitor.errors import InputError, Problem, ProblemCollector, file_label, shown
from integrationsmonitor.input_files import require_kind

MARKERS = {
    ".": "Zahlenwert unbekannt oder geheim zu halten",
    "-": "genau null",
    "/": "keine Angabe, da Zahlenwert nicht sicher genug",
    "x": "Tabellenfach gesperrt, weil Aussage nicht sinnvoll",
    "...": "Angabe fällt später an",
}
DASHES = {"\u2013": "-", "\u2014": "-", "\u2212": "-"}  # en dash, em dash, minus sign
FLAG_SUFFIX = re.compile(r"^(?P<number>-?[\d.]*\d(?:,\d+)?)\s*(?P<flag>[pr])$")
NUMBER = re.compile(r"^-?\d+(?:,\d+)?$")
GERMAN_THOUSANDS = re.compile(r"^-?\d{1,3}(?:\.\d{3})+(?:,\d+)?$")
ENGLISH_DECIMAL = re.compile(r"^-?\d+\.\d+$")
NOT_GENESIS = ("eine Excel-Arbeitsmappe, kein GENESIS-CSV-Export; bitte in der "
               "Regionaldatenbank / GENESIS-Online als „CSV“ herunterladen (oder in Excel "
               "„Speichern unter … CSV (Trennzeichen-getrennt)“ wählen)")


@dataclass(frozen=True)
class GenesisTable:
    """A parsed export: tidy values plus the table's facts."""

    code: str | None
    title: list[str]
    stand: dt.date | None
    copyright: str | None
    notes: list[str]
    # key_1 … key_n (text), variable, value (float), marker, reason, flag, row (in the file)
    data: pd.DataFrame
    file: str = ""

    def check_years(self, region: str, variable: str) -> None:
        """Every time label of the rows of ``region`` and ``variable`` names a year (the first
        key column is the time); raises InputError with the rows that do not."""
        problems = ProblemCollector(self.file)
        keys = [c for c in self.data.columns if c.startswith("key_")]
        if not keys:
            return
        rows = self.data[(self.data["variable"] == variable)
                         & self.data[keys].eq(region).any(axis=1)]
        for label, row in rows.groupby(keys[0])["row"].min().items():
            try:
                year_of(label)
            except ValueError as exc:
                problems.add(str(exc), row=int(row), column="Zeit (1. Spalte)")
        problems.raise_if_any("Der Referenzwert wurde nicht übernommen; die Datenbasis ist "
                              "unverändert.")


def read_genesis(path: str | Path) -> GenesisTable:
    """Parse one GENESIS CSV export.

    Raises:
        InputError: not readable as ISO-8859-1 CSV, no header rows, or a cell that is neither a
            number nor a known marker (with row and column).
    """
    path = Path(path)
    name = file_label(path)
    require_kind(path, {"text"}, {k: NOT_GENESIS for k in ("xlsx", "ods", "xls", "encrypted")})
    text = _decode(path.read_bytes())
    # Only real line ends count (str.splitlines would also break at U+0085 or a form feed
    # and shift every later row number).
    lines = re.split(r"\r\n|\r|\n", text)
    cut = next((i for i, ln in enumerate(lines) if ln.startswith("___")), len(lines))
    body = list(csv.reader(io.StringIO("\n".join(lines[:cut])), delimiter=";"))
    footer_rows = list(csv.reader(io.StringIO("\n".join(lines[cut + 1:])), delimiter=";"))
    footer = [" ".join(c for c in r if c).strip() for r in footer_rows]
    code = next((r[0].split(":", 1)[1].strip() for r in body
                 if r and r[0].startswith("Tabelle:")), None)
    first_header = next((i for i, r in enumerate(body) if len(r) > 1 and not r[0].strip()
                         and any(c.strip() for c in r)), None)
    if first_header is None:
        raise InputError(Problem(name, "keine Kopfzeilen gefunden (erwartet GENESIS-Format: "
                                 "Titelblock, Kopfzeilen mit leeren ersten Zellen, Daten, "
                                 "getrennt durch ;)"))
    title = [r[0].strip() for r in body[:first_header] if r and r[0].strip()]
    header_rows = []
    i = first_header
    while i < len(body) and body[i] and not body[i][0].strip():
        header_rows.append(body[i])
        i += 1
    # Key columns (time, regional code, name) are those left empty in the header rows.
    n_keys = next((j for j, c in enumerate(header_rows[-1]) if c.strip()), 0)
    width = max(len(r) for r in header_rows)
    variables = [" / ".join(dict.fromkeys(h[j].strip() for h in header_rows
                                          if j < len(h) and h[j].strip()))
                 for j in range(n_keys, width)]
    problems, records = ProblemCollector(name), []
    for row_no, r in enumerate(body[i:], start=i + 1):
        if not any(c.strip() for c in r):
            continue
        keys = [c.strip() for c in r[:n_keys]]
        for j, variable in enumerate(variables, start=n_keys):
            raw = r[j].strip() if j < len(r) else ""
            raw = DASHES.get(raw, raw)
            if ENGLISH_DECIMAL.match(raw) and not GERMAN_THOUSANDS.match(raw):
                problems.add(f"Zahl mit Dezimalpunkt „{shown(raw)}“: GENESIS-Exporte haben ein "
                             "Dezimalkomma; die Datei wurde wohl mit englischen Einstellungen "
                             "gespeichert. Bitte den Original-Export verwenden.",
                             row=row_no, column=variable)
                continue
            value, marker, flag = _parse_cell(raw)
            if value is None and marker is None:
                problems.add(f"weder Zahl noch Zeichen der Zeichenerklärung: „{shown(raw)}“ "
                             f"(erwartet z. B. 12,5 oder {' '.join(MARKERS)})",
                             row=row_no, column=variable)
                continue
            records.append([*keys, variable, value, marker, MARKERS.get(marker), flag,
                            row_no])
    problems.raise_if_any(f"Die Datei {name} wurde nicht übernommen.")
    columns = [f"key_{k + 1}" for k in range(n_keys)] + ["variable", "value", "marker",
                                                         "reason", "flag", "row"]
    data = pd.DataFrame(records, columns=columns)
    data["value"] = data["value"].astype("float64")
    stand = None
    for line in footer:
        m = re.search(r"Stand:\s*(\d{2}\.\d{2}\.\d{4})", line)
        if m:
            stand = fmt.parse_date(m.group(1))
    copyright_line = next((ln for ln in footer if "©" in ln), None)
    notes = [ln for ln in footer if ln and ln != copyright_line and not ln.startswith("Stand:")]
    return GenesisTable(code, title, stand, copyright_line, notes, data, name)


def _parse_cell(raw: str) -> tuple[float | None, str | None, str | None]:
    """(value, marker, flag): a number, a marker (value None, 0 for "-"), or (None, None)."""
    if raw in MARKERS:
        return (0.0 if raw == "-" else None), raw, None
    m = FLAG_SUFFIX.match(raw)
    if m:
        return _number(m["number"]), None, m["flag"]
    if NUMBER.match(raw) or GERMAN_THOUSANDS.match(raw):
        return _number(raw), None, None
    return None, None, None


def _number(text: str) -> float:
    return float(text.replace(".", "").replace(",", "."))


def _decode(raw: bytes) -> str:
    """UTF-8 when the bytes are valid UTF-8 (with or without BOM), else Windows-1252 (Excel's
    "CSV" on German Windows; a superset of the printable ISO-8859-1 of the original export)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Bytes undefined in Windows-1252 (0x81, 0x8D, 0x8F, 0x90, 0x9D) fall back to ISO-8859-1.
    return "".join(raw[i:i + 1].decode("cp1252", errors="strict") if raw[i] not in
                   b"\x81\x8d\x8f\x90\x9d" else chr(raw[i]) for i in range(len(raw)))


YEAR = re.compile(r"(?<!\d)(1[89]\d\d|2\d\d\d)(?!\d)")


def year_of(label: object) -> int:
    """The year of a time label as GENESIS writes it: "2019", "31.12.2019", "01.03.2019",
    "2019-12-31" or "Schuljahr 2019/20" (the first year named). Raises ValueError.

    >>> year_of("2019"), year_of("01.03.2019"), year_of("2019-12-31")
    (2019, 2019, 2019)
    """
    text = str(label).strip()
    match = YEAR.search(text)
    if not match:
        raise ValueError(f"Zeitangabe „{shown(text)}“ enthält kein Jahr (erwartet z. B. 2019 "
                         "oder 31.12.2019)")
    return int(match.group(1))
