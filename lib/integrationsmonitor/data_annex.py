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
from integrationsmonitor.html import CHANGE_SYMBOLS
from integrationsmonitor.periods import ANNUAL, FINAL, HALF_YEAR
from integrationsmonitor.workbook import neutralise_csv, safe_text

WORKBOOK = "tabellen.xlsx"
CSV_FOLDER = "daten"
SUPPRESSED = "*"
DIRECTIONS = {"positive": "höher ist besser", "negative": "niedriger ist besser"}


def indicator_table(res: ReportResults) -> pd.DataFrame:
    """One row per indicator: definition, baseline, value, target, Zielpfad and the verdict
    (and the verdict of the report compared with)."""
    before = {b.indicator.id: b.verdict.headline for b in res.previous_assessments}
    mid, start = mid_year(res), year_start(res)
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
            # No value is an empty cell, as in the report ("–"); "Begründung" says why (no
            # extracts, no measure in the base, or kept confidential).
            "Wert": num(a.current),
            "Zielwert": num(ind.target), "Zieldatum": ind.target_date,
            "Zielpfad": num(v.expected), "Bewertung": v.headline,
            "Begründung": v.reason, "Bewertung Vorbericht": before.get(ind.id),
            **({"Wert Jahresbeginn": num(a.series.get(start.stichtag))} if start else {}),
            **({"Wert Jahresmitte": num(a.series.get(mid.stichtag))} if mid else {}),
            "Zielwert beschlossen": ind.target_state(res.period.end),
        })
    return pd.DataFrame(rows)


def mid_year(res: ReportResults):
    """The first half-year of an annual report that covers two (its Stichtag is mid-year),
    else None."""
    halves = res.report.half_years
    return halves[0] if res.report.kind == ANNUAL and len(halves) == 2 else None


def year_start(res: ReportResults):
    """The half-year an annual report that covers two compares with (its Stichtag is the
    year's start), else None: the Jahresbericht shows the year's start, middle and end."""
    return res.previous if mid_year(res) is not None else None


def year_case_days(res: ReportResults) -> list[dt.date]:
    """The Stichtage of an annual report's case figures: the year's start (the Stichtag of
    the report compared with, else the baseline), mid-year and the year's end – those with
    extracts."""
    days = res.cases.days
    start = res.previous.stichtag if res.previous is not None else days.baseline
    mid = mid_year(res)
    wanted = [start, mid.stichtag if mid else None, days.current]
    return list(dict.fromkeys(d for d in wanted if d is not None and d in days.series))


def year_case_table(res: ReportResults) -> PublishedTable:
    """Persons by Rechtskreis at the Stichtage of an annual report."""
    t, days = res.cases.by_rechtskreis, year_case_days(res)
    return PublishedTable(f"{t.title} im Jahresverlauf", t.display[days], t.published[days],
                          t.note)


def year_change(res: ReportResults) -> dict[str, tuple[dt.date, dt.date]]:
    """The change column of the annual case table: over the year, or (first year of the term,
    nothing to compare with) since the baseline."""
    days = year_case_days(res)
    name = "Veränderung im Jahr" if res.previous is not None else "Veränderung seit der Basis"
    return {name: (days[-1], days[0])} if len(days) > 1 else {}


def steering_table(res: ReportResults) -> pd.DataFrame:
    return pd.DataFrame([{
        "Nr.": p.nr, "Art": p.kind, "Gegenstand": p.subject, "Grund": p.reason,
        "seit": p.since_label, "zuständig": res.responsible(p.ak_id),
        "Bisherige Entscheidungen": p.decisions_text, "Beschlussvorschlag": p.proposal}
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


def kpi_texts(res: ReportResults) -> dict[str, str]:
    """The Kennzahlen of each measure in this period, as one line ("Kurse: 4; Teilnehmende:
    38"), the way the annex prints them under the Sachstand."""
    return {mid: "; ".join(f"{k}: {fmt.number(w, 0 if float(w).is_integer() else 1)}"
                           for k, w in zip(g["kennzahl"], g["wert"]))
            for mid, g in res.kpis.groupby("measure_id")}


def measure_table(res: ReportResults) -> pd.DataFrame:
    v = res.view
    vocab = res.catalogue.vocab
    kpis = kpi_texts(res)
    return pd.DataFrame({
        "ID": v["measure_id"], "Arbeitskreis": [res.ak_labels[a] for a in v["ak_id"]],
        "Maßnahme": v["text"],
        "Hinweis": [res.catalogue.narrative.funding_tag if f else None
                    for f in v["funding_dependent"]],
        "Status": v["status_label"],
        "Fortschritt (%)": v["progress_pct"].astype("object").where(v["progress_pct"].notna()),
        "Status Vorbericht": [vocab.status_label(s) if isinstance(s, str) else None
                              for s in v["previous_status"]],
        "Veränderung": [CHANGE_SYMBOLS[c][1] for c in v["change"]],
        "Halbjahre im Status": v["periods_unchanged"],
        "Sachstand": v["sachstand"], "Kennzahlen": [kpis.get(m) for m in v["measure_id"]],
        "Finanzierung": [vocab.financing_label(f) for f in v["financing"]]})


def status_count_table(res: ReportResults) -> pd.DataFrame:
    """Measures by status (rows) and Arbeitskreis (columns), as the annex prints them."""
    counts = res.counts.T.copy()
    counts.columns = [res.ak_labels.get(a, a) for a in counts.columns]
    return counts.reset_index(names="Status")


def status_history_table(res: ReportResults) -> pd.DataFrame:
    labels = dict(zip(res.catalogue.vocab.status["code"], res.catalogue.vocab.status["label"]))
    m = res.status_matrix.map(lambda code: labels.get(code) if isinstance(code, str) else None)
    texts = dict(zip(res.catalogue.measures["measure_id"], res.catalogue.measures["text"]))
    m.insert(0, "Maßnahme", [texts.get(mid) for mid in m.index])
    return m.reset_index(names="ID")


def rate_history_table(res: ReportResults) -> pd.DataFrame:
    """The Umsetzungsquote of the whole concept at the end of every half-year so far."""
    h = res.rate_history[res.rate_history["ak_id"] == "Gesamt"]
    days = {p.id: p for p in res.periods}
    return pd.DataFrame({
        "Halbjahr": [days[pid].label for pid in h["period"]],
        "Stichtag": [days[pid].stichtag for pid in h["period"]],
        "Umsetzungsquote (%)": (h["rate"] * 100).round(6).to_numpy()})


def decision_table(res: ReportResults) -> pd.DataFrame:
    d = res.decisions
    return pd.DataFrame({"Nr.": d["decision_id"], "Datum": d["decided_on"],
                         "Anlass": d["reason"].map(res.explain_ids),
                         "Entscheidung": d["decision"].map(res.explain_ids),
                         "Hinweis": ["neu in diesem Halbjahr" if n else None
                                     for n in d["in_period"]],
                         "Betroffene Maßnahmen": d["measure_ids"].replace("", "alle")})


IMPORT_KINDS = {"status": "Statusbogen", "decisions": "Entscheidungen",
                "extract-sozialamt": "Extrakt Sozialamt", "extract-jobcenter": "Extrakt Jobcenter"}


def input_file_table(res: ReportResults) -> pd.DataFrame:
    """The input files of the report with their SHA-256 (the provenance in the annex)."""
    i = res.provenance.imports

    def ak_or_day(r) -> str | None:
        if r["kind"] == "status":
            return r["ak_id"]
        if r["kind"].startswith("extract"):
            return fmt.date(dt.date.fromisoformat(r["period"]))
        return None

    return pd.DataFrame({
        "Art": [IMPORT_KINDS.get(k, k) for k in i["kind"]],
        "AK / Stichtag": [ak_or_day(r) for _, r in i.iterrows()],
        "Datei": i["file_name"], "SHA-256": i["sha256"],
        "importiert": [t.date() for t in i["imported_at"]]},
        columns=["Art", "AK / Stichtag", "Datei", "SHA-256", "importiert"])


def published_counts(t: PublishedTable,
                     changes: dict[str, tuple[dt.date, dt.date]] | None = None) -> pd.DataFrame:
    """A protected count table as data: numbers, "*" where suppressed; ``changes`` adds
    columns name → (later, earlier Stichtag) with the difference of the published counts."""
    out = t.published.astype("object").where(t.published.notna(), SUPPRESSED)
    out = out.map(lambda x: x if x == SUPPRESSED else int(x))
    for name, (later, earlier) in (changes or {}).items():
        diff = t.change(later, earlier)
        out[name] = diff.astype("object").where(diff.notna(), SUPPRESSED).map(
            lambda x: x if x == SUPPRESSED else int(x))
    out.columns = [fmt.date(c) if isinstance(c, dt.date) else str(c) for c in out.columns]
    return out.reset_index(names="Merkmal")


# What the Stichtag a report compares with is, in words: the previous half-year's for a
# half-year report, the previous year's end for an annual report, the first half-year of the
# term for the final report (periods.Report.comparison).
COMPARISON_ROLES = {HALF_YEAR: "Vorstichtag", ANNUAL: "Vorjahresende",
                    FINAL: "erster Stichtag der Laufzeit"}


def comparison_role(res: ReportResults) -> str:
    """The Stichtag the report compares with, in words ("Vorstichtag", "Vorjahresende",
    "erster Stichtag der Laufzeit")."""
    return COMPARISON_ROLES[res.report.kind]


def comparison_header(res: ReportResults) -> str:
    """The header of the change column against the compared Stichtag. Only the half-year
    report compares with the previous Stichtag; the others name the date, so no reader takes
    the first Stichtag of the term for the previous one."""
    if res.report.kind == HALF_YEAR:
        return "Veränderung zum Vorstichtag"
    return (f"Veränderung seit {fmt.date(res.cases.days.previous)} "
            f"({comparison_role(res)})")


def case_changes(res: ReportResults) -> dict[str, tuple[dt.date, dt.date]]:
    """The change columns of the case tables: to the baseline and to the compared Stichtag
    (:func:`comparison_header`)."""
    days = res.cases.days
    out = {}
    if days.baseline != days.current:
        out["Veränderung zur Basis"] = (days.current, days.baseline)
    if days.previous is not None and days.previous != days.baseline:
        out[comparison_header(res)] = (days.current, days.previous)
    return out


def tables(res: ReportResults) -> dict[str, tuple[str, pd.DataFrame]]:
    """Every published table: file stem → (German title, frame)."""
    out = {"indikatoren": ("Indikatoren", indicator_table(res)),
           "steuerungsbedarf": ("Steuerungsbedarf", steering_table(res)),
           "umsetzungsquote": ("Umsetzungsquote je Arbeitskreis", rate_table(res)),
           "massnahmen": ("Sachstand der Maßnahmen", measure_table(res)),
           "massnahmen_nach_status": ("Maßnahmen nach Status und Arbeitskreis",
                                      status_count_table(res)),
           "statusverlauf": ("Status jeder Maßnahme je Halbjahr", status_history_table(res)),
           "umsetzungsquote_verlauf": ("Umsetzungsquote des Konzepts je Halbjahr",
                                       rate_history_table(res)),
           "entscheidungen": ("Steuerungsentscheidungen bis zum Stichtag", decision_table(res))}
    if res.report.kind == FINAL:
        out["umsetzung_je_ziel"] = ("Umsetzung der Maßnahmen je Ziel", goal_completion_table(res))
        out["offen_geblieben"] = ("Offen gebliebene Maßnahmen", open_measure_table(res))
    if res.cases is not None:
        for key, t in res.cases.dimensions.items():
            out[f"fallzahlen_{key}"] = (t.title, published_counts(t, case_changes(res)))
        if res.report.kind == ANNUAL:
            t = year_case_table(res)
            out["fallzahlen_jahr"] = (t.title, published_counts(t, year_change(res)))
        out["fallzahlen_vg_rechtskreis"] = (res.cases.vg_by_rechtskreis.title,
                                            published_counts(res.cases.vg_by_rechtskreis))
        if res.cases.transitions is not None:
            out["fallzahlen_uebergaenge"] = (res.cases.transitions.title,
                                             published_counts(res.cases.transitions))
    out["eingangsdateien"] = ("Eingangsdateien (Herkunft der Angaben)", input_file_table(res))
    return out


def goal_completion_table(res: ReportResults) -> pd.DataFrame:
    """Per goal of the concept: how many of its measures were umgesetzt/Daueraufgabe, running,
    open, outside the count (a measure serving several goals counts at each)."""
    c, v = res.catalogue, res.view
    rows = []
    for g in c.goals.itertuples():
        m = v[v["goal_ids"].apply(lambda gs, gid=g.goal_id: gid in gs)]
        counts = m["group"].value_counts()
        rows.append({"Arbeitskreis": res.ak_labels[g.ak_id], "Ziel": g.goal_id,
                     "Ziel (Wortlaut)": g.text, "Maßnahmen": len(m),
                     "umgesetzt / Daueraufgabe": int(counts.get("umgesetzt", 0)),
                     "in Umsetzung": int(counts.get("laufend", 0)),
                     "offen": int(counts.get("offen", 0)),
                     "entfallen / keine Lösung": int(counts.get("ausserhalb", 0))})
    return pd.DataFrame(rows)


# Why a measure stayed open at the end of the term, in the order the report lists them. A
# funding gap (measure_status.funding_gap) or a suspension for lack of money comes first,
# whatever the status; then the status itself.
OPEN_REASONS = {"finanzierung": "fehlende Finanzierung",
                "keine_loesung": "zur Zeit keine Lösung möglich",
                "verzoegert": "verzögert", "nicht_begonnen": "nicht begonnen",
                "in_planung": "in Planung", "in_umsetzung": "nicht abgeschlossen",
                "entfallen": "entfallen", "fehlt": "ohne Meldung"}


def open_reason(row) -> str:
    """The key in :data:`OPEN_REASONS` of an open measure (a row of the period view)."""
    if row["blocked"] or row["gap"]:
        return "finanzierung"
    return row["status"] if row["status"] in OPEN_REASONS else "fehlt"


def _history_frame(res: ReportResults) -> pd.DataFrame:
    """The status history as rows (measure_id, period, status), from the status matrix."""
    return res.status_matrix.stack().rename("status").reset_index()


def open_history(res: ReportResults, measure_id: str, status: str) -> str:
    """How a measure came to its status at the end of the term, in words: "in Planung seit
    Beginn der Laufzeit", "in Planung seit dem 2. Halbjahr 2019 (4 Halbjahre)", "erst im
    letzten Halbjahr in Planung (vorher 5 Halbjahre „nicht begonnen“)". Counts the half-years
    in that status by the one rule (measure_status.status_run)."""
    from integrationsmonitor.measure_status import status_run

    hist, p, vocab = _history_frame(res), res.period, res.catalogue.vocab
    label = vocab.status_label(status)
    run = status_run(hist, measure_id, p)
    first = res.periods[0]
    if not run:
        return label
    if run[0] == first.id:
        return f"{label} seit Beginn der Laufzeit"
    if len(run) == 1:
        before = p.previous()
        earlier = status_run(hist, measure_id, before)
        if not earlier:
            return f"erst im letzten Halbjahr {label}"
        mine = hist[hist["measure_id"] == measure_id]
        was = mine.loc[mine["period"] == before.id, "status"].iloc[0]
        return (f"erst im letzten Halbjahr {label} (vorher "
                f"{fmt.count(len(earlier), 'Halbjahr', 'Halbjahre')} "
                f"„{vocab.status_label(was)}“)")
    start = next(q for q in res.periods if q.id == run[0])
    return f"{label} seit dem {start.label} ({fmt.count(len(run), 'Halbjahr', 'Halbjahre')})"


def open_measures(res: ReportResults) -> pd.DataFrame:
    """The measures not umgesetzt at the end of the term with their reason key (``reason``,
    :func:`open_reason`), sorted by reason and ID."""
    from integrationsmonitor.measure_status import funding_gap

    v = res.view[~res.view["status"].isin(["umgesetzt", "daueraufgabe"])]
    v = v.assign(gap=funding_gap(v))
    v = v.assign(reason=v.apply(open_reason, axis=1))
    order = list(OPEN_REASONS)
    return v.assign(rank=v["reason"].map(order.index)).sort_values(["rank", "measure_id"])


def open_reason_counts(res: ReportResults) -> list[tuple[str, int]]:
    """(reason in words, number of measures) of the open measures, in the order of
    :data:`OPEN_REASONS`, only reasons that occur."""
    counts = open_measures(res)["reason"].value_counts()
    return [(OPEN_REASONS[k], int(counts[k])) for k in OPEN_REASONS if counts.get(k)]


def open_measure_table(res: ReportResults) -> pd.DataFrame:
    """The measures not umgesetzt at the end of the term, grouped by why (in that order), each
    with its history in words and its last Sachstand. A measure still "in Umsetzung" is said
    plainly not to be finished by the end of the term."""
    v = open_measures(res)
    vocab, end = res.catalogue.vocab, fmt.date(res.period.end)
    tag = res.catalogue.narrative.funding_tag

    def stand(r) -> str:
        if pd.isna(r["status"]):
            return "keine Meldung zum Stichtag"
        words = open_history(res, r["measure_id"], r["status"])
        if r["status"] == "in_umsetzung":
            words = f"bis {end} nicht abgeschlossen; {words}"
        if r["gap"]:
            words += f"; Finanzierung ({tag}): {vocab.financing_label(r['financing'])}"
        return words

    return pd.DataFrame({"ID": v["measure_id"], "Maßnahme": v["text"],
                         "Grund": v["reason"].map(OPEN_REASONS),
                         "Stand": [stand(r) for _, r in v.iterrows()],
                         "Letzter Sachstand": v["sachstand"]})


def notes(res: ReportResults, all_tables: dict[str, tuple[str, pd.DataFrame]]) -> pd.DataFrame:
    # The report itself (Sachstandsbericht, Jahresbericht, Abschlussbericht), never only the
    # half-year its figures refer to.
    rows = [("Bericht", f"{res.catalogue.title}: {res.report.title}"),
            ("Berichtszeitraum", res.report.span),
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
