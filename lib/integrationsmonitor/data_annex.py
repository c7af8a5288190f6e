"""The data annex of a report: the published tables as data, ``tabellen.xlsx`` (a first sheet
"Hinweise", then one sheet per table) and the same tables as CSV under ``daten/``.

Numbers stay numbers, dates stay dates, suppressed cells are "*" – exactly as published, read
from the report's results (never recomputed). Both files are byte-identical for the same
results: fixed document dates in the workbook and fixed times in its zip entries.

CSV: UTF-8 with byte order mark, separator ";", decimal comma – German Excel opens it by
double-click, pandas reads it with ``pd.read_csv(path, sep=";", decimal=",",
encoding="utf-8-sig")``. Text that a spreadsheet would run as a formula (starting with "=",
"+", "-", "@", tab or carriage return) is neutralised with a leading apostrophe, as OWASP
recommends against CSV injection; the workbook stores every text as a string, never a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pandas as pd

from integrationsmonitor import formatting as fmt
from integrationsmonitor.compute import PublishedTable, ReportResults
from integrationsmonitor.disclosure import LEGEND
from integrationsmonitor.workbook import neutralise_csv, safe_text

WORKBOOK = "tabellen.xlsx"
CSV_FOLDER = "daten"
SUPPRESSED = "*"
DIRECTIONS = {"positive": "höher ist besser", "negative": "niedriger ist besser"}


def indicator_table(res: ReportResults) -> pd.DataFrame:
    """One row per indicator: definition, baseline, value, target, Zielpfad and the verdict."""
    rows = []
    for a in res.assessments:
        ind, v = a.indicator, a.verdict
        share = ind.unit in ("Anteil", "Prozentpunkte")
        scale = 100.0 if share else 1.0

        def num(x, scale=scale):
            return None if x is None or pd.isna(x) else round(float(x) * scale, 6)

        rows.append({
            "ID": ind.id, "Indikator": ind.title,
            "Einheit": {"Anteil": "Prozent", "Prozentpunkte": "Prozentpunkte"}.get(
                ind.unit, ind.unit),
            "Richtung": DIRECTIONS[ind.direction],
            "Zielart": "halten" if ind.target_kind == "halten" else "erreichen",
            "Basisdatum": a.baseline_date, "Basiswert": num(a.baseline),
            "Stichtag": a.current_date,
            "Wert": num(a.current) if a.current is not None else (
                SUPPRESSED if a.current_date in a.series.index else None),
            "Zielwert": num(ind.target), "Zieldatum": ind.target_date,
            "Zielpfad": num(v.expected), "Bewertung": v.headline,
            "Begründung": v.reason,
            "Zielwert beschlossen": "ja" if ind.adopted_by(res.period.end) else "nein (Vorschlag)",
        })
    return pd.DataFrame(rows)


def steering_table(res: ReportResults) -> pd.DataFrame:
    return pd.DataFrame([{
        "Nr.": p.nr, "Art": p.kind, "Gegenstand": p.subject, "Grund": p.reason,
        "seit": p.since_label, "zuständig": res.responsible(p.ak_id),
        "Bisherige Entscheidungen": "; ".join(p.decisions), "Beschlussvorschlag": p.proposal}
        for p in res.steering], columns=["Nr.", "Art", "Gegenstand", "Grund", "seit",
                                         "zuständig", "Bisherige Entscheidungen",
                                         "Beschlussvorschlag"])


def rate_table(res: ReportResults) -> pd.DataFrame:
    r = res.rates
    return pd.DataFrame({
        "Arbeitskreis": [res.ak_labels[a] for a in r["ak_id"]],
        "Maßnahmen (Basis)": r["base"], "umgesetzt / Daueraufgabe": r["umgesetzt"],
        "in Umsetzung": r["laufend"], "offen": r["offen"],
        "Umsetzungsquote (%)": (r["rate"] * 100).round(6),
        "inkl. in Umsetzung (%)": (r["rate_incl_running"] * 100).round(6)})


def measure_table(res: ReportResults) -> pd.DataFrame:
    v = res.view
    vocab = res.catalogue.vocab
    return pd.DataFrame({
        "ID": v["measure_id"], "Arbeitskreis": [res.ak_labels[a] for a in v["ak_id"]],
        "Maßnahme": v["text"], "Status": v["status_label"],
        "Fortschritt (%)": v["progress_pct"].astype("object").where(v["progress_pct"].notna()),
        "Veränderung": v["change"], "Sachstand": v["sachstand"],
        "Finanzierung": [vocab.financing_label(f) for f in v["financing"]]})


def status_count_table(res: ReportResults) -> pd.DataFrame:
    counts = res.counts.copy()
    counts.index = [res.ak_labels.get(a, a) for a in counts.index]
    return counts.reset_index(names="Arbeitskreis")


def status_history_table(res: ReportResults) -> pd.DataFrame:
    labels = dict(zip(res.catalogue.vocab.status["code"], res.catalogue.vocab.status["label"]))
    m = res.status_matrix.map(lambda code: labels.get(code) if isinstance(code, str) else None)
    return m.reset_index(names="ID")


def decision_table(res: ReportResults) -> pd.DataFrame:
    d = res.decisions
    return pd.DataFrame({"Nr.": d["decision_id"], "Datum": d["decided_on"],
                         "Anlass": d["reason"], "Entscheidung": d["decision"],
                         "Betroffene Maßnahmen": d["measure_ids"].replace("", "alle")})


def published_counts(t: PublishedTable) -> pd.DataFrame:
    """A protected count table as data: numbers, "*" where suppressed."""
    out = t.published.astype("object").where(t.published.notna(), SUPPRESSED)
    out = out.map(lambda x: x if x == SUPPRESSED else int(x))
    out.columns = [fmt.date(c) if isinstance(c, dt.date) else str(c) for c in out.columns]
    return out.reset_index(names="Merkmal")


def tables(res: ReportResults) -> dict[str, tuple[str, pd.DataFrame]]:
    """Every published table: file stem → (German title, frame)."""
    out = {"indikatoren": ("Indikatoren", indicator_table(res)),
           "steuerungsbedarf": ("Steuerungsbedarf", steering_table(res)),
           "umsetzungsquote": ("Umsetzungsquote je Arbeitskreis", rate_table(res)),
           "massnahmen": ("Sachstand der Maßnahmen", measure_table(res)),
           "massnahmen_nach_status": ("Maßnahmen nach Status und Arbeitskreis",
                                      status_count_table(res)),
           "statusverlauf": ("Status jeder Maßnahme je Halbjahr", status_history_table(res)),
           "entscheidungen": ("Steuerungsentscheidungen bis zum Stichtag", decision_table(res))}
    if res.cases is not None:
        for key, t in res.cases.dimensions.items():
            out[f"fallzahlen_{key}"] = (t.title, published_counts(t))
        out["fallzahlen_vg_rechtskreis"] = (res.cases.vg_by_rechtskreis.title,
                                            published_counts(res.cases.vg_by_rechtskreis))
        if res.cases.transitions is not None:
            out["fallzahlen_uebergaenge"] = (res.cases.transitions.title,
                                             published_counts(res.cases.transitions))
    return out


def notes(res: ReportResults, all_tables: dict[str, tuple[str, pd.DataFrame]]) -> pd.DataFrame:
    rows = [("Bericht", f"{res.catalogue.title}: {res.period.label} ({res.period.id})"),
            ("Stichtag", fmt.date(res.period.stichtag)),
            ("Berichtsdatum", fmt.date(res.params.report_day)),
            ("Quellen", "Statusbögen der Arbeitskreise; Register der Steuerungsentscheidungen; "
                        "Personen-Extrakte von Sozialamt (AsylbLG) und Jobcenter (SGB II), "
                        "pseudonymisiert zusammengeführt."),
            ("Zeichen", "„*“: Wert unterdrückt (Geheimhaltung). Leere Zelle: kein Wert."),
            ("Geheimhaltung", LEGEND),
            ("Einheiten", "Anteile in Prozent (0–100), Differenzen in Prozentpunkten, sonst "
                          "Anzahlen."),
            ("CSV-Dateien", f"Ordner {CSV_FOLDER}/: UTF-8 mit BOM, Trennzeichen „;“, "
                            "Dezimalkomma; eine Datei je Tabelle, Namen wie die Blätter.")]
    rows += [(f"Blatt {sheet_name(stem)}", title) for stem, (title, _) in all_tables.items()]
    return pd.DataFrame(rows, columns=["Angabe", "Inhalt"])


def sheet_name(stem: str) -> str:
    """Excel allows 31 characters; the file stems are short enough and unique."""
    return stem[:31]


def write(res: ReportResults, folder: Path) -> list[Path]:
    """Write ``tabellen.xlsx`` and ``daten/*.csv`` into ``folder``; returns the files."""
    all_tables = tables(res)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = _fixed_time(res)
    sheets = {"Hinweise": notes(res, all_tables)} | {
        sheet_name(stem): frame for stem, (_, frame) in all_tables.items()}
    written = [_write_xlsx(sheets, folder / WORKBOOK, stamp)]
    csv_dir = folder / CSV_FOLDER
    csv_dir.mkdir(exist_ok=True)
    for stem, (_, frame) in all_tables.items():
        written.append(_write_csv(frame, csv_dir / f"{stem}.csv"))
    return written


def _fixed_time(res: ReportResults) -> dt.datetime:
    """Document time of the files: the report date (never the clock)."""
    return dt.datetime.combine(res.params.report_day, dt.time(12, 0))


def _write_xlsx(sheets: dict[str, pd.DataFrame], path: Path, stamp: dt.datetime) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in sheets.items():
        ws = wb.create_sheet(name)
        ws.append(list(frame.columns))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False):
            ws.append([_xlsx_value(v) for v in row])
        safe_text(ws)  # text is data, never a formula
        for col in ws.iter_cols(min_row=2):
            for cell in col:
                if isinstance(cell.value, dt.date):
                    cell.number_format = "DD.MM.YYYY"
        for i, column in enumerate(frame.columns, start=1):
            width = max([len(str(column)), *(len(str(v)) for v in frame.iloc[:, i - 1])] or [8])
            ws.column_dimensions[ws.cell(1, i).column_letter].width = min(60, width + 2)
        ws.freeze_panes = "A2"
    wb.properties.creator = "Integrationsmonitor"
    wb.properties.created = stamp
    wb.properties.modified = stamp
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(_fixed_zip(buffer.getvalue(), stamp))
    return path


def _xlsx_value(value):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _fixed_zip(data: bytes, stamp: dt.datetime) -> bytes:
    """The same zip with every entry dated ``stamp`` (openpyxl uses the clock)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" on save
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 rb"\g<1>" + stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                                 + rb"\g<2>", content)
            dst.writestr(fixed, content)
    return out.getvalue()


def _csv_value(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, str):
        return neutralise_csv(value)
    if isinstance(value, (dt.date, pd.Timestamp)):
        return fmt.date(value if isinstance(value, dt.date) else value.date())
    if isinstance(value, bool):
        return "ja" if value else "nein"
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number).replace(".", ",")


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(frame.columns)
    for row in frame.itertuples(index=False):
        writer.writerow([_csv_value(v) for v in row])
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    return path
