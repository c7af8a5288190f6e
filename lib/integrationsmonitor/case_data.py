"""The joint case-figure data basis: import of the person-level extracts of the Sozialamt
(AsylbLG) and the Jobcenter (SGB II) at each Stichtag.

An import reads the file (CSV in UTF-8, Windows-1252 or DOS code page 850 with ``;`` or ``,``,
or XLSX, with title rows above the header allowed), maps the office's column names, checks
every row, drops direct identifiers, pseudonymises the person key, and replaces that Stichtag
and source in the data basis in one transaction. Every problem is reported with file, row and
column; one problem stops the whole import.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from integrationsmonitor import formatting as fmt
from integrationsmonitor.database import CASE_SCHEMA, connected, log_import, transaction
from integrationsmonitor.errors import (
    UNCHANGED,
    InputError,
    Problem,
    ProblemCollector,
    file_label,
    shown,
)
from integrationsmonitor.input_files import decode_text, read_yaml, require_kind
from integrationsmonitor.pseudonym import DEMO_KEY, is_demo_source_key, pseudonymise
from integrationsmonitor.reference import (
    Territory,
    extract_fields,
    good_perspective_countries,
    nationalities,
    vocabularies,
)
from integrationsmonitor.reference import territory as default_territory
from integrationsmonitor.workbook import (
    MERGED_MESSAGE,
    cell_text,
    quiet_openpyxl,
    sha256_of,
)

SOURCES = {"sozialamt": "asylblg", "jobcenter": "sgb2"}
SOURCE_LABELS = {"sozialamt": "Sozialamt (AsylbLG)", "jobcenter": "Jobcenter (SGB II)"}
MAX_LISTED = 50  # problems listed in one message; the rest are counted
HEADER_SEARCH_ROWS = 20

STORED_COLUMNS = ["stichtag", "source", "rechtskreis", "pseudonym", "vg_code",
                  "vg_code_reported", "nationality", "birth_year", "sex", "residence_status",
                  "perspective", "perspective_derived", "benefit_type", "housing",
                  "course_type", "course_state", "course_level", "employment", "kita", "school"]


@dataclass(frozen=True)
class ColumnMapping:
    """An office's column names → fields; plus the extra identifier columns to drop."""

    columns: dict[str, str]  # column name in the file → field
    drop: tuple[str, ...]

    @classmethod
    def default(cls) -> ColumnMapping:
        fields, drop = extract_fields()
        return cls(dict(zip(fields["column"], fields["field"])), drop)

    @classmethod
    def from_file(cls, path: Path) -> ColumnMapping:
        """Read a mapping file: ``columns: {Spalte im Extrakt: Feld}`` and ``drop: [...]``.

        Fields not named there keep their default column names.
        """
        fields, drop = extract_fields()
        path = Path(path)
        name = file_label(path)
        data = read_yaml(path, "Die Spaltenzuordnung") or {}
        problems = ProblemCollector(name)
        if not isinstance(data, dict):
            problems.add("erwartet die Schlüssel „columns:“ (Spalte im Extrakt: Feld) und "
                         "„drop:“ (Liste der zu verwerfenden Spalten)")
            problems.raise_if_any("Die Spaltenzuordnung ist fehlerhaft.")
        for key in sorted(set(map(str, data)) - {"columns", "drop"}):
            problems.add("unbekannter Schlüssel (erlaubt: columns, drop)", key=key)
        columns = data.get("columns") or {}
        drop_extra = data.get("drop") or []
        if not isinstance(columns, dict):
            problems.add("erwartet je Zeile „Spalte im Extrakt: Feld“", key="columns")
            columns = {}
        if not isinstance(drop_extra, list):
            problems.add("erwartet eine Liste von Spaltennamen, z. B. [Name, Anschrift]",
                         key="drop")
            drop_extra = []
        known = set(fields["field"])
        for c, f in columns.items():
            if f not in known:
                problems.add(f"unbekanntes Feld „{f}“ (erlaubt: {', '.join(sorted(known))})",
                             key=f"columns.{c}")
        problems.raise_if_any("Die Spaltenzuordnung ist fehlerhaft.")
        mapped = {str(k): str(v) for k, v in columns.items()}
        taken = set(mapped.values())
        for column, field in zip(fields["column"], fields["field"]):
            if field not in taken:
                mapped[column] = field
        return cls(mapped, drop + tuple(str(d) for d in drop_extra))

    def lookup(self, header: str) -> str | None:
        return {k.lower(): v for k, v in self.columns.items()}.get(header.strip().lower())

    def is_dropped(self, header: str) -> bool:
        return header.strip().lower() in {d.lower() for d in self.drop}


@dataclass(frozen=True)
class ExtractImport:
    file: str
    source: str
    stichtag: dt.date
    rows: int
    derived_perspective: int
    dropped_columns: tuple[str, ...]


# --- reading ------------------------------------------------------------------------------------

NOT_AN_EXTRACT = {
    "xls": "eine alte Excel-97-2003-Arbeitsmappe (.xls); bitte in Excel „Speichern unter … "
           "Excel-Arbeitsmappe (*.xlsx)“ oder „CSV (Trennzeichen-getrennt)“ wählen",
    "ods": "eine OpenDocument-Tabelle (.ods); bitte in LibreOffice „Speichern unter … Excel "
           "2007-365 (.xlsx)“ oder „Text CSV (.csv)“ wählen",
}


def read_table(path: Path, mapping: ColumnMapping
               ) -> tuple[list[str], list[list[str]], list[int], int, str | None]:
    """The header, the data rows as text, each data row's number in the file (as a
    spreadsheet program or text editor shows it, blank rows counted), the file row number of
    the header, and the sheet.

    The header is the first of the top rows in which at least three cells name known columns,
    so title rows above the header (as many exports write them) are skipped.
    """
    name = file_label(path)
    kind = require_kind(path, {"xlsx", "text"}, NOT_AN_EXTRACT)
    raw = path.read_bytes()
    sheet = None
    if kind == "xlsx":
        try:
            with quiet_openpyxl():  # read-only sheets parse (and warn) while iterating
                wb = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
                ws = wb.worksheets[0]
                sheet = ws.title
                # Rows and columns counted from A1 whatever the stored dimension says: other
                # programs' exports often carry a wrong one, which would cut or shift the data.
                ws.reset_dimensions()
                rows = [[cell_text(v) or "" for v in r]
                        for r in ws.iter_rows(min_row=1, min_col=1, values_only=True)]
                merges = _merged_ranges(raw, getattr(ws, "_worksheet_path", ""))
                wb.close()
        except Exception:  # openpyxl raises many types, in English, for damaged files
            raise InputError(Problem(name, "die Arbeitsmappe ist beschädigt und lässt sich nicht "
                                     "lesen; bitte in Excel öffnen und erneut als .xlsx "
                                     "speichern")) from None
        numbers = list(range(1, len(rows) + 1))
    else:
        text, encoding = decode_text(raw, name)
        first = next((ln for ln in text.splitlines() if ln.strip()), "")
        delimiter = _delimiter(text, mapping)
        if delimiter is None:
            raise InputError(Problem(name, "Trennzeichen oder Spaltennamen nicht erkannt: "
                                     "erwartet eine Kopfzeile mit bekannten Spalten, getrennt "
                                     f"durch ; oder , (gelesen als {encoding}, erste Zeile: "
                                     f"„{shown(first)}“)", row=1))
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows, numbers, line = [], [], 1
        for r in reader:
            rows.append(r)
            numbers.append(line)  # a quoted line break makes one record span lines
            line = reader.line_num + 1
        merges = []
    header_index = None
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if sum(1 for c in row if c and (mapping.lookup(c) or mapping.is_dropped(c))) >= 3:
            header_index = i
            break
    if header_index is None:
        raise InputError(Problem(name, "keine Kopfzeile mit bekannten Spaltennamen gefunden "
                                 "(z. B. AZR-Nummer; Stichtag; Rechtskreis); ggf. eine "
                                 "Spaltenzuordnung angeben", sheet=sheet))
    header_row = numbers[header_index]
    merged = [ref for ref, first_row in merges if first_row >= header_row]
    if merged:
        raise InputError(Problem(name, MERGED_MESSAGE.format(ranges=", ".join(merged)),
                                 sheet=sheet, row=min(r for _, r in merges if r >= header_row)),
                         UNCHANGED)
    header = [c.strip() for c in rows[header_index]]
    return (header, rows[header_index + 1:], numbers[header_index + 1:], header_row, sheet)


def _merged_ranges(raw: bytes, sheet_path: str) -> list[tuple[str, int]]:
    """Merged ranges of an xlsx worksheet with their first row (read-only openpyxl has none)."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            xml = z.read(sheet_path.lstrip("/")).decode("utf-8", "replace")
    except (KeyError, zipfile.BadZipFile):
        return []
    return [(ref, int(re.search(r"\d+", ref).group())) for ref in
            re.findall(r'<(?:\w+:)?mergeCell\s+ref="([A-Z]+\d+:[A-Z]+\d+)"', xml)]


def _delimiter(text: str, mapping: ColumnMapping) -> str | None:
    best, best_hits = None, 0
    for line in text.splitlines()[:HEADER_SEARCH_ROWS]:
        for d in (";", ","):
            cells = next(csv.reader([line], delimiter=d))
            hits = sum(1 for c in cells if mapping.lookup(c) or mapping.is_dropped(c))
            if hits > best_hits:
                best, best_hits = d, hits
    return best if best_hits >= 3 else None


# --- checking -----------------------------------------------------------------------------------

def check_extract(path: Path, source: str, stichtag: dt.date,
                  mapping: ColumnMapping | None = None, territory: Territory | None = None
                  ) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Read and check one extract; returns the normalised rows (with the source key, not yet
    pseudonymised) and the names of the dropped identifier columns. Verbandsgemeinden are
    checked against ``territory``, the concept's (``catalogue.territory``; without it the
    packaged default concept's).

    Raises:
        InputError: every problem found (up to a limit), each with file, row and column.
    """
    if source not in SOURCES:
        raise ValueError(f"unbekannte Quelle „{source}“ (erwartet: {', '.join(SOURCES)})")
    mapping = mapping or ColumnMapping.default()
    name = file_label(path)
    if stichtag > dt.date.today():
        raise InputError(Problem(name, f"der Stichtag {fmt.date(stichtag)} liegt in der Zukunft; "
                                 "bitte den Stichtag des Extrakts angeben (TT.MM.JJJJ)"), UNCHANGED)
    header, rows, numbers, header_row, sheet = read_table(path, mapping)
    problems = ProblemCollector(name, sheet, limit=MAX_LISTED)
    fields, _ = extract_fields()
    field_column = {}  # field → index in the file
    dropped = []
    for i, h in enumerate(header):
        if not h:
            if any(i < len(r) and r[i].strip() for r in rows):
                problems.add("Spalte ohne Überschrift enthält Werte", header_row,
                             openpyxl.utils.get_column_letter(i + 1))
            continue
        field = mapping.lookup(h)
        if field:
            if field in field_column:
                problems.add(f"Spalte doppelt (Feld {field})", header_row, h)
            field_column[field] = i
        elif mapping.is_dropped(h):
            dropped.append(h)
        else:
            problems.add("unbekannte Spalte: weder einem Feld zugeordnet noch als Identifikator "
                         "zum Verwerfen bekannt (Spaltenzuordnung ergänzen)", header_row, h)
    column_name = {f: header[i] for f, i in field_column.items()}
    birth_from_date = "birth_year" not in field_column and any(
        h.lower() == "geburtsdatum" for h in header)
    for f in fields.itertuples():
        if f.required and f.field not in field_column and not (
                f.field == "birth_year" and birth_from_date):
            problems.add(f"Pflichtspalte „{f.column}“ fehlt", header_row, f.column)
    problems.raise_if_any(UNCHANGED)

    for n, r in zip(numbers, rows):
        if len(r) > len(header) and any(c.strip() for c in r[len(header):]):
            problems.add(f"die Zeile hat mehr Felder als die Kopfzeile ({len(r)} statt "
                         f"{len(header)}); Trennzeichen im Text nicht in Anführungszeichen?", n)
    problems.raise_if_any(UNCHANGED)
    # Blank rows are left out, but every row keeps its number in the file (as a spreadsheet
    # program or editor shows it), so messages point at the right row.
    kept = [(n, r) for n, r in zip(numbers, rows) if any(c.strip() for c in r)]
    numbers = [n for n, _ in kept]
    rows = [r for _, r in kept]
    if not rows:
        raise InputError(Problem(name, "die Datei enthält keine Datenzeilen", sheet=sheet))
    width = len(header)
    table = pd.DataFrame([(r + [""] * width)[:width] for r in rows], columns=range(width),
                         dtype=object)
    for c in range(width):  # fold blanks; extracts repeat few values, so per distinct value
        table[c] = _lookup(table[c], lambda v: " ".join(str(v).split()))
    table["_row"] = np.asarray(numbers, dtype=np.int64)
    out = pd.DataFrame({"_row": table["_row"]})

    def col(field: str) -> pd.Series:
        return table[field_column[field]] if field in field_column else pd.Series(
            "", index=table.index)

    def bad(mask: pd.Series, field: str, message) -> None:
        for idx in table.index[mask.fillna(False).to_numpy()]:
            problems.add(message(idx) if callable(message) else message,
                         int(table.at[idx, "_row"]), column_name.get(field, field))

    def required(field: str) -> pd.Series:
        values = col(field)
        bad(values == "", field, "Pflichtangabe fehlt")
        return values

    vocab = vocabularies()

    def coded(field: str, kind: str, must: bool) -> pd.Series:
        values = required(field) if must else col(field)
        codes = _lookup(values, lambda v: vocab[kind].parse(v) if v else None)
        allowed = ", ".join(vocab[kind].labels.values())
        bad((values != "") & codes.isna(), field,
            lambda i: f"unbekannter Wert „{values[i]}“ (erwartet: {allowed})")
        return codes

    out["source_key"] = required("person_key")
    days = _lookup(required("stichtag"), _parse_date)
    bad((col("stichtag") != "") & days.isna(), "stichtag",
        lambda i: f"„{col('stichtag')[i]}“ ist kein gültiges Datum (erwartet TT.MM.JJJJ)")
    bad(days.notna() & (days != stichtag), "stichtag",
        lambda i: f"Stichtag {fmt.date(days[i])} passt nicht zum Import-Stichtag "
                  f"{fmt.date(stichtag)}")
    out["stichtag"] = stichtag
    out["source"] = source
    out["rechtskreis"] = coded("rechtskreis", "rechtskreis", True)
    expected = SOURCES[source]
    bad(out["rechtskreis"].notna() & (out["rechtskreis"] != expected), "rechtskreis",
        lambda i: f"Rechtskreis „{col('rechtskreis')[i]}“ passt nicht zur Lieferung von "
                  f"{SOURCE_LABELS[source]}")
    terr = territory or default_territory()
    vg_raw = required("vg")
    reported = _lookup(vg_raw, lambda v: terr.code_for(v, stichtag) if v else None)
    names = ", ".join(dict.fromkeys(terr.units["name"]))
    bad((vg_raw != "") & reported.isna(), "vg",
        lambda i: f"unbekannte Verbandsgemeinde „{vg_raw[i]}“ (erwartet Name oder "
                  f"Verbandsschlüssel: {names})")
    out["vg_code_reported"] = reported
    out["vg_code"] = reported.map(lambda c: terr.today.get(c) if c else None)
    nat_raw = required("nationality")
    known_nationalities = nationalities()
    out["nationality"] = _lookup(nat_raw, lambda v: known_nationalities.parse(v) if v else None)
    bad((nat_raw != "") & out["nationality"].isna(), "nationality",
        lambda i: f"unbekannte Staatsangehörigkeit „{shown(nat_raw[i])}“ (erwartet einen "
                  "Staat nach ISO 3166 mit deutschem oder englischem Namen, den ISO-Code oder "
                  "den Destatis-Schlüssel, z. B. Syrien, SY oder 475; außerdem staatenlos, "
                  "ungeklärt)")
    if birth_from_date:
        i = [h.lower() for h in header].index("geburtsdatum")
        column_name["birth_year"] = header[i]
        birth_text = _lookup(table[i], lambda v: str(_parse_date(v).year) if _parse_date(v)
                             else v)
        born = _lookup(table[i], _parse_date)
        bad(born.notna() & (born > stichtag), "birth_year",
            lambda i: f"Geburtsdatum {fmt.date(born[i])} liegt nach dem Stichtag "
                      f"{fmt.date(stichtag)}")
    else:
        birth_text = required("birth_year")
    years = pd.to_numeric(birth_text.where(birth_text.str.fullmatch(r"\d{4}"), None),
                          errors="coerce")
    bad((birth_text != "") & years.isna(), "birth_year",
        lambda i: f"erwartet eine Jahreszahl (JJJJ), gefunden „{birth_text[i]}“")
    bad(years.notna() & ((years < 1900) | (years > stichtag.year))
        & ~(born.notna() & (born > stichtag) if birth_from_date else False), "birth_year",
        lambda i: f"Geburtsjahr {int(years[i])} ist nicht plausibel (1900 bis {stichtag.year})")
    out["birth_year"] = years
    out["sex"] = coded("sex", "sex", True)
    out["residence_status"] = coded("residence_status", "residence_status", True)
    perspective = coded("perspective", "perspective", False)
    good = good_perspective_countries()
    derived = perspective.isna() & (col("perspective") == "")
    out["perspective"] = perspective.where(~derived, _lookup(
        out["nationality"], lambda n: "gut" if str(n).lower() in good else "unklar"))
    out["perspective_derived"] = derived
    out["benefit_type"] = coded("benefit_type", "benefit_type", False)
    bad(out["benefit_type"].notna() & (out["rechtskreis"] == "sgb2"), "benefit_type",
        "Leistungsart gibt es nur im AsylbLG")
    out["housing"] = coded("housing", "housing", True)
    out["course_type"] = coded("course_type", "course_type", True)
    out["course_state"] = coded("course_state", "course_state", False)
    bad(out["course_type"].notna() & (out["course_type"] != "keiner")
        & out["course_state"].isna() & (col("course_state") == ""), "course_state",
        "bei einem Sprachkurs bitte den Status angeben (berechtigt, teilnehmend, abgeschlossen)")
    out["course_level"] = coded("course_level", "course_level", False)
    out["employment"] = coded("employment", "employment", True)
    out["kita"] = coded("kita", "yes_no", False).map({"ja": True, "nein": False})
    out["school"] = coded("school", "yes_no", False).map({"ja": True, "nein": False})

    keys = _lookup(out["source_key"], lambda k: "".join(k.split()).upper())
    dup = keys.duplicated(keep=False) & (keys != "")
    first_row = out.loc[dup].groupby(keys[dup])["_row"].min()
    for idx in out.index[dup & keys.duplicated(keep="first")]:
        problems.add(f"Person doppelt im Extrakt (schon in Zeile {first_row[keys[idx]]})",
                     int(out.at[idx, "_row"]), column_name.get("person_key"))
    problems.raise_if_any(UNCHANGED)
    return out.drop(columns="_row"), tuple(dropped)


def _lookup(values: pd.Series, fn) -> pd.Series:
    """Apply ``fn`` once per distinct value (extracts repeat few values many times)."""
    table = {v: fn(v) for v in values.unique()}
    return values.map(table)


def _parse_date(text: str) -> dt.date | None:
    try:
        return fmt.parse_date(text) if text else None
    except ValueError:
        return None


# --- import -------------------------------------------------------------------------------------

def import_extract(database: str | Path, path: str | Path, source: str, stichtag: dt.date,
                   key: bytes, mapping: ColumnMapping | None = None,
                   territory: Territory | None = None) -> ExtractImport:
    """Check, pseudonymise and store one extract, replacing that Stichtag and source.
    ``territory``: the concept's (see :func:`check_extract`).

    Raises:
        InputError: problems in the file, or real data under the demo key.
    """
    path = Path(path)
    rows, dropped = check_extract(path, source, stichtag, mapping, territory)
    name = file_label(path)
    if key == DEMO_KEY and not rows["source_key"].map(is_demo_source_key).all():
        raise InputError(Problem(name, "diese Datei enthält echte Personenkennungen; der "
                                 "Demo-Schlüssel ist nur für synthetische Demo-Daten erlaubt. "
                                 "Bitte den echten Schlüssel konfigurieren."),
                         UNCHANGED)
    rows["pseudonym"] = pseudonymise(rows.pop("source_key"), key)
    rows["birth_year"] = rows["birth_year"].astype("int16")
    with connected(database) as con, transaction(con):
        con.execute(CASE_SCHEMA)  # in schema 2 already; kept for files opened elsewhere
        import_id = log_import(con, f"extract-{source}", name, sha256_of(path), len(rows),
                               period=stichtag.isoformat())
        con.execute("DELETE FROM person_stichtag WHERE stichtag = ? AND source = ?",
                    [stichtag, source])
        frame = rows[STORED_COLUMNS].assign(import_id=import_id)
        con.register("new_rows", frame)
        con.execute("INSERT INTO person_stichtag BY NAME SELECT * FROM new_rows")
        con.unregister("new_rows")
    return ExtractImport(name, source, stichtag, len(rows), int(rows["perspective_derived"].sum()),
                         dropped)
