"""The joint case-figure data basis: import of the person-level extracts of the Sozialamt
(AsylbLG) and the Jobcenter (SGB II) at each Stichtag.

An import reads the file (CSV in UTF-8 or Windows-1252 with ``;`` or ``,``, or XLSX, with title
rows above the header allowed), maps the office's column names, checks every row, drops direct
identifiers, pseudonymises the person key, and replaces that Stichtag and source in the data
basis in one transaction. Every problem is reported with file, row and column; one problem
stops the whole import.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import yaml

from integrationsmonitor import formatting as fmt
from integrationsmonitor.database import connect, log_import, transaction
from integrationsmonitor.errors import InputError, Problem, file_label
from integrationsmonitor.pseudonym import DEMO_KEY, is_demo_source_key, pseudonymise
from integrationsmonitor.reference import (
    extract_fields,
    good_perspective_countries,
    territory,
    vocabularies,
)
from integrationsmonitor.workbook import sha256_of

SOURCES = {"sozialamt": "asylblg", "jobcenter": "sgb2"}
SOURCE_LABELS = {"sozialamt": "Sozialamt (AsylbLG)", "jobcenter": "Jobcenter (SGB II)"}
MAX_LISTED = 50  # problems listed in one message; the rest are counted
HEADER_SEARCH_ROWS = 20

CASE_SCHEMA = """
CREATE TABLE IF NOT EXISTS person_stichtag (
    stichtag DATE NOT NULL,
    source VARCHAR NOT NULL,
    rechtskreis VARCHAR NOT NULL,
    pseudonym VARCHAR NOT NULL,
    vg_code VARCHAR NOT NULL,          -- today's territory
    vg_code_reported VARCHAR NOT NULL, -- as delivered
    nationality VARCHAR NOT NULL,
    birth_year SMALLINT NOT NULL,
    sex VARCHAR NOT NULL,
    residence_status VARCHAR NOT NULL,
    perspective VARCHAR NOT NULL,
    perspective_derived BOOLEAN NOT NULL,
    benefit_type VARCHAR,
    housing VARCHAR NOT NULL,
    course_type VARCHAR NOT NULL,
    course_state VARCHAR,
    course_level VARCHAR,
    employment VARCHAR NOT NULL,
    kita BOOLEAN,
    school BOOLEAN,
    import_id INTEGER NOT NULL
);
"""
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
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        known = set(fields["field"])
        problems = [Problem(file_label(path), f"unbekanntes Feld „{f}“ (erlaubt: "
                            f"{', '.join(sorted(known))})", key=f"columns.{c}")
                    for c, f in (data.get("columns") or {}).items() if f not in known]
        if problems:
            raise InputError(problems, "Die Spaltenzuordnung ist fehlerhaft.")
        mapped = dict(data.get("columns") or {})
        taken = set(mapped.values())
        for column, field in zip(fields["column"], fields["field"]):
            if field not in taken:
                mapped[column] = field
        return cls(mapped, drop + tuple(data.get("drop") or ()))

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

def _decode(raw: bytes, name: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:4096]:
        raise InputError(Problem(name, "Kodierung nicht unterstützt (UTF-16?); erwartet UTF-8 "
                                 "oder Windows-1252 (ANSI)"))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="strict")


def read_table(path: Path, mapping: ColumnMapping
               ) -> tuple[list[str], list[list[str]], int, str | None]:
    """The header, the data rows as text, the file row number of the header, and the sheet.

    The header is the first of the top rows in which at least three cells name known columns,
    so title rows above the header (as many exports write them) are skipped.
    """
    name = file_label(path)
    if not path.exists():
        raise InputError(Problem(name, f"Datei nicht gefunden ({path})"))
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError(Problem(name, "die Datei ist leer"))
    sheet = None
    if zipfile.is_zipfile(io.BytesIO(raw)):
        try:
            wb = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        except Exception as exc:
            raise InputError(Problem(name, f"die Arbeitsmappe lässt sich nicht lesen ({exc})")) \
                from exc
        ws = wb.worksheets[0]
        sheet = ws.title
        rows = [[_cell_text(v) for v in r] for r in ws.iter_rows(values_only=True)]
        wb.close()
    else:
        text = _decode(raw, name)
        first = next((ln for ln in text.splitlines() if ln.strip()), "")
        delimiter = _delimiter(text, mapping)
        if delimiter is None:
            raise InputError(Problem(name, "Trennzeichen nicht erkannt: erwartet eine "
                                     "Kopfzeile mit Spalten, getrennt durch ; oder , "
                                     f"(gefunden: „{first[:60]}“)", row=1))
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header_index = None
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if sum(1 for c in row if c and (mapping.lookup(c) or mapping.is_dropped(c))) >= 3:
            header_index = i
            break
    if header_index is None:
        raise InputError(Problem(name, "keine Kopfzeile mit bekannten Spaltennamen gefunden "
                                 "(z. B. AZR-Nummer; Stichtag; Rechtskreis); ggf. eine "
                                 "Spaltenzuordnung angeben", sheet=sheet))
    header = [c.strip() for c in rows[header_index]]
    data = [r for r in rows[header_index + 1:]]
    return header, data, header_index + 1, sheet


def _delimiter(text: str, mapping: ColumnMapping) -> str | None:
    best, best_hits = None, 0
    for line in text.splitlines()[:HEADER_SEARCH_ROWS]:
        for d in (";", ","):
            cells = next(csv.reader([line], delimiter=d))
            hits = sum(1 for c in cells if mapping.lookup(c) or mapping.is_dropped(c))
            if hits > best_hits:
                best, best_hits = d, hits
    return best if best_hits >= 3 else None


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return fmt.date(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --- checking -----------------------------------------------------------------------------------

class _Problems:
    def __init__(self, file: str, sheet: str | None):
        self.file, self.sheet, self.items, self.more = file, sheet, [], 0

    def add(self, message: str, row: int | None = None, column: str | None = None) -> None:
        if len(self.items) < MAX_LISTED:
            self.items.append(Problem(self.file, message, sheet=self.sheet, row=row,
                                      column=column))
        else:
            self.more += 1

    def raise_if_any(self) -> None:
        if self.items:
            summary = "Der Import wurde abgebrochen; die Datenbasis ist unverändert."
            if self.more:
                summary += f" (Weitere {self.more} Fehler sind nicht aufgeführt.)"
            raise InputError(self.items, summary)


def check_extract(path: Path, source: str, stichtag: dt.date,
                  mapping: ColumnMapping | None = None) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Read and check one extract; returns the normalised rows (with the source key, not yet
    pseudonymised) and the names of the dropped identifier columns.

    Raises:
        InputError: every problem found (up to a limit), each with file, row and column.
    """
    if source not in SOURCES:
        raise ValueError(f"unbekannte Quelle „{source}“ (erwartet: {', '.join(SOURCES)})")
    mapping = mapping or ColumnMapping.default()
    name = file_label(path)
    header, rows, header_row, sheet = read_table(path, mapping)
    problems = _Problems(name, sheet)
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
    problems.raise_if_any()

    for n, r in enumerate(rows, start=header_row + 1):
        if len(r) > len(header) and any(c.strip() for c in r[len(header):]):
            problems.add(f"die Zeile hat mehr Felder als die Kopfzeile ({len(r)} statt "
                         f"{len(header)}); Trennzeichen im Text nicht in Anführungszeichen?", n)
    problems.raise_if_any()
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise InputError(Problem(name, "die Datei enthält keine Datenzeilen", sheet=sheet))
    width = len(header)
    table = pd.DataFrame([(r + [""] * width)[:width] for r in rows], columns=range(width),
                         dtype=object)
    for c in range(width):  # fold blanks; extracts repeat few values, so per distinct value
        table[c] = _lookup(table[c], lambda v: " ".join(str(v).split()))
    # File row numbers: rows are numbered as a spreadsheet shows them (blank rows skipped
    # above do not shift later numbers for CSV without blank lines).
    table["_row"] = np.arange(len(table)) + header_row + 1
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
    terr = territory()
    vg_raw = required("vg")
    reported = _lookup(vg_raw, lambda v: terr.code_for(v, stichtag) if v else None)
    names = ", ".join(dict.fromkeys(terr.units["name"]))
    bad((vg_raw != "") & reported.isna(), "vg",
        lambda i: f"unbekannte Verbandsgemeinde „{vg_raw[i]}“ (erwartet Name oder "
                  f"Verbandsschlüssel: {names})")
    out["vg_code_reported"] = reported
    out["vg_code"] = reported.map(lambda c: terr.today.get(c) if c else None)
    out["nationality"] = required("nationality").str.title()
    if birth_from_date:
        i = [h.lower() for h in header].index("geburtsdatum")
        column_name["birth_year"] = header[i]
        birth_text = _lookup(table[i], lambda v: str(_parse_date(v).year) if _parse_date(v)
                             else v)
    else:
        birth_text = required("birth_year")
    years = pd.to_numeric(birth_text.where(birth_text.str.fullmatch(r"\d{4}"), None),
                          errors="coerce")
    bad((birth_text != "") & years.isna(), "birth_year",
        lambda i: f"erwartet eine Jahreszahl (JJJJ), gefunden „{birth_text[i]}“")
    bad(years.notna() & ((years < 1900) | (years > stichtag.year)), "birth_year",
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
    problems.raise_if_any()
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
                   key: bytes, mapping: ColumnMapping | None = None) -> ExtractImport:
    """Check, pseudonymise and store one extract, replacing that Stichtag and source.

    Raises:
        InputError: problems in the file, or real data under the demo key.
    """
    path = Path(path)
    rows, dropped = check_extract(path, source, stichtag, mapping)
    name = file_label(path)
    if key == DEMO_KEY and not rows["source_key"].map(is_demo_source_key).all():
        raise InputError(Problem(name, "diese Datei enthält echte Personenkennungen; der "
                                 "Demo-Schlüssel ist nur für synthetische Demo-Daten erlaubt. "
                                 "Bitte den echten Schlüssel konfigurieren."),
                         "Der Import wurde abgebrochen; die Datenbasis ist unverändert.")
    rows["pseudonym"] = pseudonymise(rows.pop("source_key"), key)
    rows["birth_year"] = rows["birth_year"].astype("int16")
    con = connect(database)
    try:
        con.execute(CASE_SCHEMA)
        with transaction(con):
            import_id = log_import(con, f"extract-{source}", name, sha256_of(path), len(rows),
                                   period=stichtag.isoformat())
            con.execute("DELETE FROM person_stichtag WHERE stichtag = ? AND source = ?",
                        [stichtag, source])
            frame = rows[STORED_COLUMNS].assign(import_id=import_id)
            con.register("new_rows", frame)
            con.execute("INSERT INTO person_stichtag BY NAME SELECT * FROM new_rows")
            con.unregister("new_rows")
    finally:
        con.close()
    return ExtractImport(name, source, stichtag, len(rows), int(rows["perspective_derived"].sum()),
                         dropped)
