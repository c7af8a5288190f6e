"""The one computation of a report: check the parameters once, pull the measure status and the
case figures from the data basis (read-only), compute the indicators and the Steuerungsbedarf,
and keep everything as one typed result object with the period's outputs.

The computation notebook (``10_berechnung``) calls one function per step; the published
notebooks (``20_bericht``, ``30_anhang``) read the saved :class:`ReportResults` and never
recompute. Nothing here writes into the data basis.

Only published values leave this module: case tables are stored as published (suppressed cells
missing, "*" in the display form), never with their true counts.
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from integrationsmonitor import __version__, case_figures
from integrationsmonitor import formatting as fmt
from integrationsmonitor.catalogue import Catalogue, load_catalogue
from integrationsmonitor.database import connected
from integrationsmonitor.decisions import decisions_until
from integrationsmonitor.disclosure import Protected
from integrationsmonitor.errors import InputError, Problem, file_label
from integrationsmonitor.html import HtmlBlock, note
from integrationsmonitor.indicators import Assessment, IndicatorSet, assess_all, load_indicators
from integrationsmonitor.measure_status import (
    counts_by_status,
    history,
    implementation_rates,
    kpi_rows,
    period_view,
)
from integrationsmonitor.params import (
    ReportParameters,
    check_injected_parameters,
    parse_parameters,
)
from integrationsmonitor.paths import outputs_dir, project_root, resolve
from integrationsmonitor.periods import Period, Report, ReportingCalendar, report_in
from integrationsmonitor.steering import SteeringPoint

RESULTS_FILE = "ergebnis.pkl"
# Bumped whenever ReportResults changes shape: a results file of another format is refused.
RESULTS_FORMAT = 4


# --- the result object ---------------------------------------------------------------------

@dataclass(frozen=True)
class PublishedTable:
    """A disclosure-protected count table exactly as published.

    Attributes:
        title: German caption.
        display: the cells as printed: German numbers, "*" (suppressed), "–" (exactly zero).
        published: the same counts as numbers, NaN where suppressed.
        note: an optional remark printed under the table.
    """

    title: str
    display: pd.DataFrame
    published: pd.DataFrame
    note: str | None = None

    @classmethod
    def of(cls, protected: Protected, title: str, note: str | None = None) -> PublishedTable:
        return cls(title, protected.display(), protected.published(), note)

    def change(self, later: dt.date, earlier: dt.date) -> pd.Series:
        """later − earlier on the published counts; NaN where either is suppressed."""
        return self.published[later] - self.published[earlier]


@dataclass(frozen=True)
class CaseStichtage:
    """The Stichtage a report compares: baseline, previous, current, and all up to current."""

    baseline: dt.date
    previous: dt.date | None
    current: dt.date
    series: list[dt.date]

    @property
    def compared(self) -> list[dt.date]:
        return list(dict.fromkeys(d for d in (self.baseline, self.previous, self.current) if d))


@dataclass(frozen=True)
class CaseResults:
    """The published case figures of one Stichtag ("Daten, Zahlen, Fakten")."""

    days: CaseStichtage
    by_rechtskreis: PublishedTable  # over every Stichtag since the baseline (chart, lead)
    dimensions: dict[str, PublishedTable]  # each dimension at the compared Stichtage
    vg_by_rechtskreis: PublishedTable
    transitions: PublishedTable | None  # previous → current Stichtag


@dataclass(frozen=True)
class Provenance:
    params_sha256: str
    catalogue_file: str
    catalogue_sha256: str
    indicators_file: str
    indicators_sha256: str
    database_file: str
    program: str
    imports: pd.DataFrame  # kind, period, ak_id, file_name, sha256, imported_at
    built_on: dt.date | None  # from SOURCE_DATE_EPOCH only; never the clock


@dataclass(frozen=True)
class ReportResults:
    """Every number, table, verdict and chart input of one period's report, computed once."""

    params: ReportParameters
    catalogue: Catalogue
    report: Report  # which report: half-year, annual report to the Kreistag, final report
    period: Period  # the half-year whose Stichtag every figure refers to (report.anchor)
    previous: Period | None  # what the report compares with (report.comparison)
    periods: list[Period]  # every period of the term (calendar)
    reported_aks: frozenset[str]
    view: pd.DataFrame  # measure_status.period_view of this period against the previous one
    rates: pd.DataFrame  # implementation_rates of this period
    rate_history: pd.DataFrame  # period, ak_id, rate for every reported period up to this one
    counts: pd.DataFrame  # counts_by_status
    status_matrix: pd.DataFrame  # measure × period: status code (history up to this period)
    kpis: pd.DataFrame  # Kennzahlen of this period: measure_id, kennzahl, wert
    decisions: pd.DataFrame  # decisions_until(period)
    indicator_set: IndicatorSet
    assessments: list[Assessment]
    previous_assessments: list[Assessment]
    steering: list[SteeringPoint]
    cases: CaseResults | None  # None: no extracts for the period's Stichtag
    texts: dict[str, str]  # the coordinator's own words per named place (HTML), may be empty
    provenance: Provenance
    format: int = RESULTS_FORMAT

    @property
    def ak_labels(self) -> dict[str, str]:
        labels = dict(zip(self.catalogue.arbeitskreise["ak_id"],
                          self.catalogue.arbeitskreise["short_title"]))
        return labels | {"Gesamt": "Gesamt"}

    def name_of(self, some_id: str) -> str:
        """An indicator or measure with words beside its ID, for running text that readers
        outside the working groups read: "BIL-I3 (Schulbesuch)", "SPR-M03 (Transparenz über
        Sprachkurse…)"; the short title from the catalogue, else the beginning of the text.
        """
        names = self._names()
        return f"{some_id} ({names[some_id]})" if some_id in names else some_id

    def names_of(self, ids) -> str:
        """Several IDs with their words, separated by semicolons (names may hold commas)."""
        return "; ".join(self.name_of(i) for i in ids)

    def explain_ids(self, text: str) -> str:
        """A text from the registers with words beside every ID that stands bare in it (an
        ID already in parentheses after its words, "Schulbesuch (BIL-I3)", stays as it is)."""
        names = self._names()
        if not isinstance(text, str) or not names:
            return text
        pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(
            names, key=len, reverse=True))) + r")(?![\w-])")

        def add(m: re.Match) -> str:
            before = text[:m.start()]
            inside = before.count("(") > before.count(")")
            return m.group(0) if inside else self.name_of(m.group(0))

        return pattern.sub(add, text)

    def _names(self) -> dict[str, str]:
        names = {}
        for m in self.catalogue.measures.itertuples():
            short = getattr(m, "short_title", None)
            names[m.measure_id] = short if isinstance(short, str) and short else \
                shorten(m.text, 45)
        return names | {i.id: i.name for i in self.indicator_set.indicators}

    def responsible(self, ak_id: str | None) -> str:
        """Who is in charge of a Steuerungsbedarf point: its AK, else the steering body."""
        if not ak_id:
            return self.catalogue.narrative.steering_body
        return self.ak_labels.get(ak_id, ak_id)


def shorten(value: str, width: int) -> str:
    """At most ``width`` characters, cut at a word boundary with "…".

    >>> shorten("Sprachkurse für Migrantinnen", 20)
    'Sprachkurse für…'
    """
    if len(value) <= width:
        return value
    cut = value[:width - 1]
    cut = cut.rsplit(" ", 1)[0] if " " in cut else cut
    if cut.count("(") > cut.count(")"):  # never end inside an opened parenthesis
        cut = cut[:cut.rindex("(")]
    return cut.rstrip(" ,;:–-") + "…"


# --- the computation, one step per notebook cell ------------------------------------------------

@dataclass
class Computation:
    """The state of one computation while its notebook runs, step by step."""

    params: ReportParameters
    catalogue: Catalogue
    calendar: ReportingCalendar
    report: Report
    folder: Path
    parts: dict = field(default_factory=dict)

    @property
    def period(self) -> Period:
        return self.report.anchor


def start(period: str, report_date: str, database: str, concept: str, author: str,
          output_dir: str = "") -> Computation:
    """Check the report parameters (the only place they are checked) and the inputs they name.

    Raises:
        InputError: wrong parameters, a period outside the term, a missing data basis.
    """
    check_injected_parameters()
    params = parse_parameters({"period": period, "report_date": report_date,
                               "database": database, "concept": concept, "author": author,
                               "output_dir": output_dir})
    catalogue = load_catalogue(params.concept_path)
    calendar = ReportingCalendar.of(catalogue)
    try:
        report = report_in(calendar, params.period)
    except ValueError as exc:
        raise InputError(Problem("Parameter", str(exc), key="period"),
                         "Der Bericht kann nicht erstellt werden.") from exc
    if params.report_day < report.anchor.end:
        raise InputError(Problem("Parameter", f"Berichtsdatum {fmt.date(params.report_day)} "
                                 f"liegt vor dem Ende des Berichtszeitraums "
                                 f"({fmt.date(report.anchor.end)})", key="report_date"),
                         "Der Bericht kann nicht erstellt werden.")
    if not params.database_path.exists():
        raise InputError(Problem(file_label(params.database_path),
                                 f"Datenbasis nicht gefunden ({params.database_path}). Zuerst "
                                 "Statusbögen importieren oder für die Demo "
                                 "„integrationsmonitor demo“ ausführen."))
    return Computation(params, catalogue, calendar, report, results_folder(params))


def results_folder(params: ReportParameters) -> Path:
    """Where a report's outputs go (see :func:`output_folder`)."""
    return output_folder(params.period, params.output_dir)


def output_folder(period: str, output_dir: str = "") -> Path:
    """``output_dir`` if given (relative to the project root), else ``outputs/<period>``."""
    return resolve(output_dir) if output_dir else outputs_dir() / period


def measure_status(c: Computation) -> HtmlBlock:
    """Pull the reported status of every measure, the Kennzahlen and the steering decisions."""
    p, cat = c.period, c.catalogue
    with connected(c.params.database_path, read_only=True) as con:
        hist = history(con)
        kpis = kpi_rows(con)
        decisions = decisions_until(con, p)
        imports = _imports(con, c.calendar, c.report)
    hist = hist[hist["period"] <= p.id]
    kpis = kpis[kpis["period"] <= p.id]
    previous = c.report.comparison
    start = max(c.report.half_years[0].start, c.calendar.term_start)
    decisions = decisions.assign(in_report=[start <= d <= p.end for d in decisions["decided_on"]])
    views = {pid: period_view(cat, hist, Period.parse(pid), None)
             for pid in sorted(hist["period"].unique())}
    view = period_view(cat, hist, p, previous)
    rate_history = pd.concat(
        [implementation_rates(v, cat).assign(period=pid)[["period", "ak_id", "rate"]]
         for pid, v in views.items()]) if views else pd.DataFrame(
        columns=["period", "ak_id", "rate"])
    c.parts.update(
        history=hist, all_kpis=kpis, views=views, previous=previous, view=view,
        reported_aks=frozenset(hist.loc[hist["period"] == p.id, "ak_id"]),
        rates=implementation_rates(view, cat), rate_history=rate_history,
        counts=counts_by_status(view, cat),
        status_matrix=hist.pivot(index="measure_id", columns="period", values="status"),
        kpis=kpis.loc[kpis["period"] == p.id, ["measure_id", "kennzahl", "wert"]],
        decisions=decisions, imports=imports)
    n_aks = len(cat.arbeitskreise)
    return note(f"Maßnahmenstatus {p.id}: {fmt.number(len(view))} Maßnahmen, Meldungen von "
                f"{fmt.number(len(c.parts['reported_aks']))} von {fmt.number(n_aks)} "
                f"Arbeitskreisen, {fmt.number(len(decisions))} Steuerungsentscheidungen.")


def case_data(c: Computation) -> HtmlBlock:
    """Pull the published case figures at the baseline, previous and current Stichtag."""
    with connected(c.params.database_path, read_only=True) as con:
        available = case_figures.available_stichtage(con)
        current = c.period.stichtag
        if current not in available:
            c.parts["cases"] = None
            return note(f"Für den Stichtag {fmt.date(current)} liegen keine Extrakte vor.",
                        "warning")
        prev = c.report.comparison
        base = c.catalogue.baseline_stichtag
        days = CaseStichtage(
            baseline=base if base in available else current,
            previous=prev.stichtag if prev and prev.stichtag in available else None,
            current=current, series=[d for d in available if d <= current])
        area = c.catalogue.territory
        overview = case_figures.dimension_table(con, "rechtskreis", days.series, territory=area)
        dims = {}
        for key in case_figures.DIMENSIONS:
            t = case_figures.dimension_table(con, key, days.compared, territory=area)
            dims[key] = PublishedTable.of(t.protected, t.title, t.note)
        vg = PublishedTable.of(
            case_figures.vg_by_rechtskreis(con, current, area),
            f"Personen nach Verbandsgemeinde und Rechtskreis am {fmt.date(current)}",
            " ".join(c.catalogue.territory.notes))
        tr = None
        if days.previous is not None:
            tr = PublishedTable.of(
                case_figures.transitions(con, days.previous, current),
                f"Übergänge vom {fmt.date(days.previous)} (Zeilen) zum {fmt.date(current)} "
                "(Spalten)")
    c.parts["cases"] = CaseResults(days, PublishedTable.of(overview.protected, overview.title),
                                   dims, vg, tr)
    return note(f"Fallzahlen: Stichtage {', '.join(fmt.date(d) for d in days.compared)}; "
                f"{fmt.number(len(dims) + 2 + (tr is not None))} geheimgehaltene Tabellen.")


def indicators(c: Computation) -> HtmlBlock:
    """Compute every indicator's series and assessment at this and the previous Stichtag."""
    if "view" not in c.parts:
        raise RuntimeError("Zuerst den Schritt Maßnahmenstatus ausführen.")
    cat = c.catalogue
    ind_set = load_indicators(cat)
    hist, kpis, views = c.parts["history"], c.parts["all_kpis"], c.parts["views"]
    with connected(c.params.database_path, read_only=True) as con:
        now = assess_all(con, cat, ind_set, c.period, hist, kpis, views)
        prev = c.parts["previous"]
        before = assess_all(con, cat, ind_set, prev, hist[hist["period"] <= prev.id],
                            kpis[kpis["period"] <= prev.id], views) if prev else []
    c.parts.update(indicator_set=ind_set, assessments=now, previous_assessments=before)
    counts = pd.Series([a.verdict.label for a in now]).value_counts()
    return note(f"Indikatoren: {fmt.number(len(now))} bewertet (" + ", ".join(
        f"{label} {fmt.number(n)}" for label, n in counts.items()) + ").")


def steering(c: Computation) -> HtmlBlock:
    """Derive the Steuerungsbedarf from the verdicts, the measures and the deliveries, by the
    rules of :mod:`integrationsmonitor.steering`."""
    from integrationsmonitor.steering import CASE_KINDS, steering_points

    prev = c.calendar.previous(c.period)  # the rules look at consecutive half-years
    assessments = c.parts["assessments"]
    points = steering_points(
        c.catalogue, c.period, prev, c.parts["view"],
        c.parts["views"].get(prev.id) if prev else None, c.parts["history"],
        c.parts["decisions"], assessments, set(c.parts["reported_aks"]),
        any(a.indicator.kind in CASE_KINDS for a in assessments))
    c.parts["steering"] = points
    return note(f"Steuerungsbedarf: {fmt.count(len(points), 'Punkt', 'Punkte')}.")


# Named places where the coordinator's own text goes (a "## Name" heading in the text file).
TEXT_PLACES = {"vorwort": "Vorwort", "auf einen blick": "Auf einen Blick",
               "steuerungsbedarf": "Steuerungsbedarf", "indikatoren": "Indikatoren",
               "fallzahlen": "Fallzahlen", "arbeitskreise": "Arbeitskreise",
               "maßnahmen": "Maßnahmen", "empfehlungen": "Empfehlungen", "fazit": "Fazit"}
TEXT_FOLDER = "texte"


def texts_file(params: ReportParameters) -> Path:
    """``texte/<report>.md`` in the folder of the data basis."""
    return params.database_path.parent / TEXT_FOLDER / f"{params.period}.md"


def texts(c: Computation) -> HtmlBlock:
    """Read the coordinator's own words for this report, if there are any: a Markdown file
    ``texte/<report>.md`` beside the data basis, one ``## Name`` section per named place."""
    path = texts_file(c.params)
    c.parts["texts"] = read_texts(path) if path.exists() else {}
    if not c.parts["texts"]:
        return note(f"Keine eigenen Texte für {c.report.id} ({TEXT_FOLDER}/{path.name} fehlt "
                    "oder ist leer); der Bericht besteht aus den erzeugten Texten.")
    return note("Eigene Texte für: " + ", ".join(TEXT_PLACES[k] for k in c.parts["texts"]))


def read_texts(path: Path) -> dict[str, str]:
    """The sections of a text file as HTML, by place.

    Raises:
        InputError: text before the first section, an unknown or repeated section name
            (naming the line and the allowed names).
    """
    import mistune

    problems, sections, current = [], {}, None
    name = file_label(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise InputError(Problem(name, "keine UTF-8-Textdatei; bitte als UTF-8 speichern")
                         ) from exc
    for no, line in enumerate(lines, start=1):
        if line.startswith("## "):
            key = line[3:].strip().lower()
            if key not in TEXT_PLACES:
                problems.append(Problem(name, f"unbekannter Abschnitt „{line[3:].strip()}“ "
                                        f"(erlaubt: {', '.join(TEXT_PLACES.values())})", row=no))
                current = None
            elif key in sections:
                problems.append(Problem(name, f"Abschnitt „{TEXT_PLACES[key]}“ kommt doppelt "
                                        "vor", row=no))
                current = None
            else:
                current = key
                sections[key] = []
        elif current is not None:
            sections[current].append(line)
        elif line.strip() and not line.startswith("#"):
            problems.append(Problem(name, "Text vor dem ersten Abschnitt (erwartet eine Zeile "
                                    "„## Vorwort“, „## Fazit“ …)", row=no))
    if problems:
        raise InputError(problems, "Die eigenen Texte wurden nicht übernommen.")
    render = mistune.create_markdown(escape=True)
    return {k: render("\n".join(v).strip()) for k, v in sections.items()
            if "\n".join(v).strip()}


def save(c: Computation) -> HtmlBlock:
    """Keep the results with the period's outputs (``ergebnis.pkl``) for the published
    notebooks."""
    res = _results(c)
    c.folder.mkdir(parents=True, exist_ok=True)
    target = c.folder / RESULTS_FILE
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps(res, protocol=pickle.HIGHEST_PROTOCOL))
    tmp.replace(target)
    return note(f"Ergebnis gespeichert: {RESULTS_FILE} im Ausgabeordner des Berichts "
                f"{c.period.id}.")


def compute(params: ReportParameters) -> ReportResults:
    """All steps at once, without saving (for the command line and for analysts)."""
    c = start(**params.as_dict())
    for step in (measure_status, case_data, indicators, steering, texts):
        step(c)
    return _results(c)


def load_results(period: str, output_dir: str = "") -> ReportResults:
    """The results the computation notebook saved for ``period``.

    Raises:
        InputError: no results, results of another period or of another program version.
    """
    check_injected_parameters()
    folder = output_folder(period, output_dir)
    path = folder / RESULTS_FILE
    if not path.exists():
        raise InputError(Problem(RESULTS_FILE, f"Ergebnis des Berichts {period} fehlt im Ordner "
                                 f"{folder}: zuerst das Notebook 10_berechnung ausführen."))
    res = pickle.loads(path.read_bytes())
    if getattr(res, "format", None) != RESULTS_FORMAT or not isinstance(res, ReportResults):
        raise InputError(Problem(RESULTS_FILE, "Ergebnis stammt von einer anderen "
                                 "Programmversion: 10_berechnung erneut ausführen."))
    if res.params.period != period:
        raise InputError(Problem(RESULTS_FILE, f"Ergebnis gehört zum Bericht "
                                 f"{res.params.period}, nicht zu {period}."))
    return res


# --- helpers ----------------------------------------------------------------------------------

def _imports(con, calendar: ReportingCalendar, report: Report) -> pd.DataFrame:
    p, prev = report.anchor, report.comparison
    days = [calendar.baseline_stichtag, prev.stichtag if prev else p.stichtag, p.stichtag]
    return con.execute(
        "SELECT kind, period, ak_id, file_name, sha256, imported_at FROM import_log "
        "WHERE import_id IN (SELECT DISTINCT import_id FROM measure_status "
        "WHERE period IN (SELECT unnest(?))) "
        "OR import_id IN (SELECT DISTINCT import_id FROM steering_decision) "
        "OR (kind LIKE 'extract-%' AND period IN (?, ?, ?)) "
        "ORDER BY kind DESC, period, ak_id, file_name",
        [[h.id for h in report.half_years], *[d.isoformat() for d in days]]).df()


def _results(c: Computation) -> ReportResults:
    missing = [k for k in ("view", "assessments", "steering") if k not in c.parts]
    if missing or "cases" not in c.parts:
        raise RuntimeError("Die Berechnung ist unvollständig: alle Schritte der Reihe nach "
                           "ausführen.")
    p, cat, ind = c.parts, c.catalogue, c.parts["indicator_set"]
    prov = Provenance(
        params_sha256=c.params.sha256, catalogue_file=cat.path.name,
        catalogue_sha256=cat.sha256, indicators_file=ind.path.name,
        indicators_sha256=ind.sha256, database_file=c.params.database_path.name,
        program=f"integrationsmonitor {__version__}" + _git_suffix(),
        imports=p["imports"], built_on=source_date())
    return ReportResults(
        params=c.params, catalogue=cat, report=c.report, period=c.period,
        previous=p["previous"],
        periods=c.calendar.periods, reported_aks=p["reported_aks"], view=p["view"],
        rates=p["rates"], rate_history=p["rate_history"], counts=p["counts"],
        status_matrix=p["status_matrix"], kpis=p["kpis"], decisions=p["decisions"],
        indicator_set=ind, assessments=p["assessments"],
        previous_assessments=p["previous_assessments"], steering=p["steering"],
        cases=p["cases"], texts=p.get("texts", {}), provenance=prov)


def source_date() -> dt.date | None:
    """The build date from ``SOURCE_DATE_EPOCH`` (reproducible builds), else None."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return None
    return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()


def _git_suffix() -> str:
    """The commit of the working copy, if the code runs from a git checkout."""
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=project_root(),
                             capture_output=True, text=True, timeout=5, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=project_root(), capture_output=True, text=True, timeout=5)
        return f", Commit {out.stdout.strip()}" + (" (geändert)" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return ""
