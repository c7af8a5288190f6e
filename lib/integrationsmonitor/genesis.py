"""Reader for official statistics exports in the GENESIS / Regionaldatenbank CSV format.

The format (Destatis, Statistische Ämter des Bundes und der Länder): ISO-8859-1, ``;``,
decimal comma without thousands separator; a title block ("Tabelle: <code>", statistic, unit);
one to three header rows whose leading cells are empty; data rows keyed by time and regional
code (read as text: leading zeros matter, "07335" is the Kreis Kaiserslautern); a footer after
a line of underscores with notes, the © line and "Stand: dd.mm.yyyy".

Markers (Zeichenerklärung) become missing values with their reason kept; only ``-`` (exactly
zero) becomes 0. ``p`` (vorläufig) and ``r`` (berichtigt) after a number keep the number.
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
from integrationsmonitor.errors import InputError, Problem, file_label

MARKERS = {
    ".": "Zahlenwert unbekannt oder geheim zu halten",
    "-": "genau null",
    "/": "keine Angabe, da Zahlenwert nicht sicher genug",
    "x": "Tabellenfach gesperrt, weil Aussage nicht sinnvoll",
    "...": "Angabe fällt später an",
}
FLAG_SUFFIX = re.compile(r"^(?P<number>-?[\d.]*\d(?:,\d+)?)\s*(?P<flag>[pr])$")
NUMBER = re.compile(r"^-?\d+(?:,\d+)?$")


@dataclass(frozen=True)
class GenesisTable:
    """A parsed export: tidy values plus the table's facts."""

    code: str | None
    title: list[str]
    stand: dt.date | None
    copyright: str | None
    notes: list[str]
    data: pd.DataFrame  # key_1 … key_n (text), variable, value (float), marker, reason, flag


def read_genesis(path: str | Path) -> GenesisTable:
    """Parse one GENESIS CSV export.

    Raises:
        InputError: not readable as ISO-8859-1 CSV, no header rows, or a cell that is neither a
            number nor a known marker (with row and column).
    """
    path = Path(path)
    name = file_label(path)
    text = path.read_bytes().decode("iso-8859-1")
    lines = text.splitlines()
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
                                 "Titelblock, Kopfzeilen mit leeren ersten Zellen, Daten)"))
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
    problems, records = [], []
    for row_no, r in enumerate(body[i:], start=i + 1):
        if not any(c.strip() for c in r):
            continue
        keys = [c.strip() for c in r[:n_keys]]
        for j, variable in enumerate(variables, start=n_keys):
            raw = r[j].strip() if j < len(r) else ""
            value, marker, flag = _parse_cell(raw)
            if value is None and marker is None:
                problems.append(Problem(name, f"weder Zahl noch Zeichen der Zeichenerklärung: "
                                        f"„{raw}“", row=row_no, column=variable))
                continue
            records.append([*keys, variable, value, marker, MARKERS.get(marker), flag])
    if problems:
        raise InputError(problems, f"Die Datei {name} wurde nicht übernommen.")
    columns = [f"key_{k + 1}" for k in range(n_keys)] + ["variable", "value", "marker",
                                                         "reason", "flag"]
    data = pd.DataFrame(records, columns=columns)
    data["value"] = data["value"].astype("float64")
    stand = None
    for line in footer:
        m = re.search(r"Stand:\s*(\d{2}\.\d{2}\.\d{4})", line)
        if m:
            stand = fmt.parse_date(m.group(1))
    copyright_line = next((ln for ln in footer if "©" in ln), None)
    notes = [ln for ln in footer if ln and ln != copyright_line and not ln.startswith("Stand:")]
    return GenesisTable(code, title, stand, copyright_line, notes, data)


def _parse_cell(raw: str) -> tuple[float | None, str | None, str | None]:
    """(value, marker, flag): a number, a marker (value None, 0 for "-"), or (None, None)."""
    if raw in MARKERS:
        return (0.0 if raw == "-" else None), raw, None
    m = FLAG_SUFFIX.match(raw)
    if m:
        return _number(m["number"]), None, m["flag"]
    if NUMBER.match(raw.replace(".", "")) and raw:
        return _number(raw), None, None
    return None, None, None


def _number(text: str) -> float:
    return float(text.replace(".", "").replace(",", "."))
