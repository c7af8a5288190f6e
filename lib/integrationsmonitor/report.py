"""Report sections: each function takes the loaded :class:`ReportContext` and returns one
HTML block. The notebooks call exactly one of these per section; all logic lives here."""

from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from integrationsmonitor import __version__, case_figures, charts
from integrationsmonitor import formatting as fmt
from integrationsmonitor.catalogue import Catalogue, load_catalogue
from integrationsmonitor.database import connect
from integrationsmonitor.decisions import decisions_until
from integrationsmonitor.disclosure import LEGEND
from integrationsmonitor.html import (
    HtmlBlock,
    change_badge,
    figure,
    heading,
    join,
    note,
    protected_table,
    status_badge,
    table,
    text,
)
from integrationsmonitor.indicators import Assessment, IndicatorSet, assess_all, load_indicators
from integrationsmonitor.measure_status import (
    counts_by_status,
    history,
    implementation_rates,
    kpi_rows,
    period_view,
)
from integrationsmonitor.params import ReportParameters, parse_parameters
from integrationsmonitor.paths import project_root
from integrationsmonitor.periods import Period, ReportingCalendar
from integrationsmonitor.reference import territory


@dataclass
class ReportContext:
    """Everything one period's report is made from, read once from the data basis."""

    params: ReportParameters
    catalogue: Catalogue
    period: Period
    previous: Period | None
    history: pd.DataFrame
    kpis: pd.DataFrame
    decisions: pd.DataFrame
    imports: pd.DataFrame

    @cached_property
    def view(self) -> pd.DataFrame:
        return period_view(self.catalogue, self.history, self.period, self.previous)

    @cached_property
    def period_views(self) -> dict[str, pd.DataFrame]:
        """:func:`period_view` per period ID (no previous period), filled on demand and shared
        by the trend chart and the indicators of this and the previous period."""
        return {}

    def view_of(self, period: Period) -> pd.DataFrame:
        if period.id not in self.period_views:
            self.period_views[period.id] = period_view(self.catalogue, self.history, period, None)
        return self.period_views[period.id]

    @cached_property
    def reported_aks(self) -> set[str]:
        return set(self.history.loc[self.history["period"] == self.period.id, "ak_id"])

    @cached_property
    def indicator_set(self) -> IndicatorSet:
        return load_indicators(self.catalogue, self.catalogue.path.parent / "indicators.yaml")

    @cached_property
    def assessments(self) -> list[Assessment]:
        return self._assess(self.period)

    @cached_property
    def previous_assessments(self) -> list[Assessment]:
        return self._assess(self.previous) if self.previous else []

    def _assess(self, period: Period) -> list[Assessment]:
        con = connect(self.params.database_path, read_only=True)
        try:
            hist = self.history[self.history["period"] <= period.id]
            return assess_all(con, self.catalogue, self.indicator_set, period, hist, self.kpis,
                              self.period_views)
        finally:
            con.close()

    @property
    def ak_labels(self) -> dict[str, str]:
        labels = dict(zip(self.catalogue.arbeitskreise["ak_id"],
                          self.catalogue.arbeitskreise["short_title"]))
        return labels | {"Gesamt": "Gesamt"}


def load(period: str, report_date: str, database: str, concept: str, author: str
         ) -> ReportContext:
    """Check the parameters and read the period's data from the data basis (read-only)."""
    params = parse_parameters({"period": period, "report_date": report_date,
                               "database": database, "concept": concept, "author": author})
    catalogue = load_catalogue(params.concept_path)
    calendar = ReportingCalendar.of(catalogue)
    p = calendar.check(params.period_obj)
    con = connect(params.database_path, read_only=True)
    try:
        hist = history(con)
        kpis = kpi_rows(con)
        decisions = decisions_until(con, p)
        imports = con.execute(
            "SELECT kind, period, ak_id, file_name, sha256, imported_at FROM import_log "
            "WHERE import_id IN (SELECT DISTINCT import_id FROM measure_status WHERE period = ?) "
            "OR import_id IN (SELECT DISTINCT import_id FROM steering_decision) "
            "OR (kind LIKE 'extract-%' AND period IN (?, ?, ?)) "
            "ORDER BY kind DESC, period, ak_id", [p.id, *_stichtag_keys(calendar, p)]).df()
    finally:
        con.close()
    hist = hist[hist["period"] <= p.id]
    kpis = kpis[kpis["period"] <= p.id]
    return ReportContext(params=params, catalogue=catalogue, period=p,
                         previous=calendar.previous(p), history=hist, kpis=kpis,
                         decisions=decisions, imports=imports)


def _stichtag_keys(calendar: ReportingCalendar, p: Period) -> list[str]:
    """Import-log keys (ISO dates) of the Stichtage a report draws on."""
    prev = calendar.previous(p)
    days = [calendar.baseline_stichtag, prev.stichtag if prev else p.stichtag, p.stichtag]
    return [d.isoformat() for d in days]


# --- sections -------------------------------------------------------------------------------

def title_block(ctx: ReportContext) -> HtmlBlock:
    """Title block: Landkreis, concept, period, Stichtag, date of the report."""
    c, p = ctx.catalogue, ctx.period
    return HtmlBlock(
        f'<header class="title-block"><p class="body">{text(c.body)}</p>'
        f"<h1>Sachstandsbericht {text(p.label)}</h1>"
        f'<p class="subtitle">{text(c.title)}</p>'
        '<dl class="facts">'
        f"<dt>Berichtszeitraum</dt><dd>{text(p.span)} ({text(p.id)})</dd>"
        f"<dt>Stichtag</dt><dd>{fmt.date(p.stichtag)}</dd>"
        f"<dt>Bericht an</dt><dd>{text(c.reporting.get('steering_group', 'Lenkungsgruppe'))}</dd>"
        f"<dt>Berichtet von</dt><dd>{text(ctx.params.author)}</dd>"
        f"<dt>Datum</dt><dd>{fmt.date(ctx.params.report_day)}</dd>"
        f"<dt>Grundlage</dt><dd>{text(c.adopted_by)}</dd>"
        "</dl></header>")


def data_completeness(ctx: ReportContext) -> HtmlBlock:
    """A warning when Arbeitskreise have not returned their status for the period."""
    missing = [a for a in ctx.catalogue.arbeitskreise["ak_id"] if a not in ctx.reported_aks]
    if not missing:
        return note(f"Alle {len(ctx.catalogue.arbeitskreise)} Arbeitskreise haben ihren "
                    f"Sachstand zum {fmt.date(ctx.period.stichtag)} gemeldet.")
    names = ", ".join(f"AK {text(ctx.catalogue.ak_title(a))}" for a in missing)
    return note(f"Für {names} liegt zum Stichtag keine Meldung vor; die Maßnahmen erscheinen "
                "als „keine Angabe“.", kind="warning")


def summary(ctx: ReportContext) -> HtmlBlock:
    """Summary: implementation rate per AK and overall (chart and table), counts by status."""
    rates = implementation_rates(ctx.view, ctx.catalogue)
    total = rates[rates["ak_id"] == "Gesamt"].iloc[0]
    groups = dict(zip(ctx.catalogue.vocab.status_groups["code"],
                      ctx.catalogue.vocab.status_groups["label"]))
    n = len(ctx.view)
    lead = (f"<p class=\"lead\">Von {n} Maßnahmen des Konzepts sind zum Stichtag "
            f"{fmt.date(ctx.period.stichtag)} <strong>{fmt.number(total['umgesetzt'])} umgesetzt "
            f"oder als Daueraufgabe etabliert</strong> und {fmt.number(total['laufend'])} in "
            f"Umsetzung; {fmt.number(total['offen'])} sind offen. Das ergibt eine "
            f"Umsetzungsquote von <strong>{fmt.percent(total['rate'])}</strong> "
            f"(einschließlich laufender Maßnahmen {fmt.percent(total['rate_incl_running'])}). "
            f"{fmt.number(total['ausserhalb'])} Maßnahmen sind entfallen oder zur Zeit nicht "
            "lösbar und zählen nicht mit.</p>")
    chart = figure(charts.implementation_bars(rates, ctx.ak_labels, groups),
                   "Balkendiagramm: Anteile umgesetzter, laufender und offener Maßnahmen je AK",
                   "Abbildung 1: Umsetzungsstand je Arbeitskreis zum "
                   f"{fmt.date(ctx.period.stichtag)}")
    rate_table = table(rates, [
        ("ak_id", "Arbeitskreis", lambda r: text(ctx.ak_labels[r["ak_id"]])),
        ("base", "Maßnahmen (Basis)", lambda r: fmt.number(r["base"])),
        ("umgesetzt", "umgesetzt / Daueraufgabe", lambda r: fmt.number(r["umgesetzt"])),
        ("laufend", "in Umsetzung", lambda r: fmt.number(r["laufend"])),
        ("offen", "offen", lambda r: fmt.number(r["offen"])),
        ("rate", "Umsetzungsquote", lambda r: fmt.percent(r["rate"])),
        ("rate_incl_running", "inkl. in Umsetzung", lambda r: fmt.percent(r["rate_incl_running"])),
    ], caption="Tabelle 1: Umsetzungsquote je Arbeitskreis", css_class="totals-last",
        numeric=["base", "umgesetzt", "laufend", "offen", "rate", "rate_incl_running"],
        legend="Basis: gemeldete Maßnahmen ohne „entfallen“ und „zur Zeit keine Lösung möglich“. "
               "Umsetzungsquote: Anteil „umgesetzt“ und „Daueraufgabe (laufend)“ an der Basis.")
    parts = [HtmlBlock(lead), chart, rate_table, status_counts(ctx)]
    trend = _rate_trend(ctx)
    if trend is not None:
        parts.append(trend)
    return join(parts)


def _rate_trend(ctx: ReportContext) -> HtmlBlock | None:
    periods = sorted(ctx.history["period"].unique())
    if len(periods) < 2:
        return None
    rows = []
    for pid in periods:
        r = implementation_rates(ctx.view_of(Period.parse(pid)), ctx.catalogue)
        rows.append(r.assign(period=pid)[["period", "ak_id", "rate"]])
    data = pd.concat(rows)
    labels = {pid: Period.parse(pid).id.replace("-", " ") for pid in periods}
    return figure(charts.rate_history(data, ctx.ak_labels, labels),
                  "Liniendiagramm: Umsetzungsquote je Arbeitskreis über die Halbjahre",
                  "Abbildung 2: Entwicklung der Umsetzungsquote seit Beginn der Laufzeit")


def status_counts(ctx: ReportContext) -> HtmlBlock:
    """Counts of measures by status (rows) per AK and in total (columns)."""
    counts = counts_by_status(ctx.view, ctx.catalogue).T
    labels = ctx.ak_labels
    cols = [("status", "Status", lambda r: status_badge(_status_code(ctx, r.name), r.name)
             if r.name != "Gesamt" else "Gesamt")]
    for ak in counts.columns:
        cols.append((ak, labels.get(ak, ak), lambda r, a=ak: fmt.number(r[a])))
    return table(counts, cols, caption="Maßnahmen nach Status und Arbeitskreis",
                 css_class="totals-last compact", numeric=list(counts.columns))


def _status_code(ctx: ReportContext, label: str) -> str | None:
    status = ctx.catalogue.vocab.status
    codes = status.loc[status["label"] == label, "code"]
    return codes.iloc[0] if len(codes) else None


def status_changes(ctx: ReportContext) -> HtmlBlock:
    """Measures whose status changed since the previous period (or all, in the first period)."""
    v = ctx.view
    if ctx.previous is None:
        return note("Erster Bericht der Laufzeit: alle Maßnahmen sind neu erfasst.")
    changed = v[~v["change"].isin(["unverändert"])]
    if changed.empty:
        return note(f"Seit dem {ctx.previous.label} hat sich bei keiner Maßnahme der Status "
                    "geändert.")
    vocab = ctx.catalogue.vocab
    return table(changed, [
        ("measure_id", "ID", lambda r: text(r["measure_id"])),
        ("text", "Maßnahme", lambda r: text(r["text"])),
        ("prev", f"Status {ctx.previous.id}",
         lambda r: status_badge(r["previous_status"], vocab.status_label(r["previous_status"]))),
        ("now", f"Status {ctx.period.id}", lambda r: status_badge(r["status"], r["status_label"])),
        ("change", "Veränderung", lambda r: change_badge(r["change"])),
    ], caption=f"Statusänderungen seit dem {ctx.previous.label}")


def status_by_ak(ctx: ReportContext) -> HtmlBlock:
    """Per AK: counts by status and the measures with status and change (status notebook)."""
    parts = []
    counts = counts_by_status(ctx.view, ctx.catalogue)
    for ak in ctx.catalogue.arbeitskreise.itertuples():
        row = counts.loc[ak.ak_id]
        summary_line = ", ".join(f"{fmt.number(n)} {text(s)}" for s, n in row.items()
                                 if n and s != "Gesamt")
        parts.append(heading(3, f"AK {ak.title}", f"status-{ak.ak_id}"))
        parts.append(f"<p>{summary_line}.</p>")
        parts.append(_measure_table(ctx, ctx.view[ctx.view["ak_id"] == ak.ak_id], notes=False))
    return join(parts)


def status_history(ctx: ReportContext) -> HtmlBlock:
    """Per AK: the status of every measure in every period up to this one (its history)."""
    periods = sorted(ctx.history["period"].unique())
    matrix = ctx.history.pivot(index="measure_id", columns="period", values="status")
    labels = dict(zip(ctx.catalogue.vocab.status["code"], ctx.catalogue.vocab.status["label"]))
    parts = []
    for ak in ctx.catalogue.arbeitskreise.itertuples():
        measures = ctx.catalogue.measures_of(ak.ak_id).set_index("measure_id")
        rows = matrix.reindex(measures.index).assign(text=measures["text"])
        cols = [("measure_id", "ID", lambda r: text(r.name)),
                ("text", "Maßnahme", lambda r: text(_shorten(r["text"], 70)))]
        for pid in periods:
            cols.append((pid, pid, lambda r, p=pid: status_badge(r[p], labels[r[p]])
                         if pd.notna(r[p]) else "–"))
        parts.append(table(rows, cols, caption=f"AK {ak.title}", css_class="compact history"))
    return join(parts)


def _shorten(value: str, width: int) -> str:
    return value if len(value) <= width else value[:width - 1].rstrip() + "…"


def arbeitskreise(ctx: ReportContext) -> HtmlBlock:
    """One section per AK: goals, and under each goal its measures with status, change since the
    previous period, Sachstand, financing and this period's Kennzahlen."""
    c = ctx.catalogue
    parts = []
    for ak in c.arbeitskreise.itertuples():
        parts.append(heading(3, f"AK {ak.title}", f"ak-{ak.ak_id}"))
        if ak.ak_id not in ctx.reported_aks:
            parts.append(str(note("Für diesen Arbeitskreis liegt zum Stichtag keine Meldung "
                                  "vor.", "warning")))
        goals = c.goals[c.goals["ak_id"] == ak.ak_id]
        subareas = dict(zip(c.subareas["subarea_id"], c.subareas["title"]))
        current_subarea = None
        for g in goals.itertuples():
            if g.subarea_id in subareas and g.subarea_id != current_subarea \
                    and g.text != subareas[g.subarea_id]:
                current_subarea = g.subarea_id
                parts.append(heading(4, subareas[g.subarea_id]))
            parts.append(f'<div class="goal"><p class="goal-text"><span class="goal-id">'
                         f"{text(g.goal_id)}</span> Ziel: {text(g.text)}</p>")
            if g.no_solution:
                parts.append(f'<p class="goal-note">Konzept: {text(g.no_solution)}</p>')
            measures = ctx.view[ctx.view["goal_ids"].apply(lambda gs, gid=g.goal_id: gid in gs)]
            parts.append(str(_measure_table(ctx, measures, notes=True)))
            parts.append("</div>")
    return join(parts)


def _measure_table(ctx: ReportContext, measures: pd.DataFrame, notes: bool) -> HtmlBlock:
    kpis = ctx.kpis[ctx.kpis["period"] == ctx.period.id]
    kpi_text = {mid: "; ".join(f"{k}: {fmt.number(w, 0 if float(w).is_integer() else 1)}"
                               for k, w in zip(g["kennzahl"], g["wert"]))
                for mid, g in kpis.groupby("measure_id")}
    cols = [
        ("measure_id", "ID", lambda r: text(r["measure_id"])),
        ("text", "Maßnahme", lambda r: text(r["text"]) + (
            ' <span class="tag">Landes-/Bundesmittel</span>' if r["funding_dependent"] else "")),
        ("status", "Status", lambda r: status_badge(r["status"], r["status_label"]) + (
            f'<br><span class="pct">{fmt.number(r["progress_pct"])} %</span>'
            if pd.notna(r["progress_pct"]) else "")),
        ("change", "Veränderung", lambda r: change_badge(r["change"])),
    ]
    if notes:
        cols += [
            ("sachstand", "Sachstand", lambda r: text(r["sachstand"]) + (
                f'<br><span class="kpi">{text(kpi_text[r["measure_id"]])}</span>'
                if r["measure_id"] in kpi_text else "")),
            ("financing", "Finanzierung",
             lambda r: text(ctx.catalogue.vocab.financing_label(r["financing"]))),
        ]
    else:
        cols.append(("responsible", "Verantwortlich", lambda r: text(r["responsible"])))
    return table(measures, cols, css_class="measures")


def blocked_by_funding(ctx: ReportContext) -> HtmlBlock:
    """Measures suspended for lack of money, with how long they have stood so."""
    blocked = ctx.view[ctx.view["blocked"]]
    if blocked.empty:
        return note("Keine Maßnahme ist zum Stichtag wegen fehlender Mittel ausgesetzt.")
    return table(blocked, [
        ("measure_id", "ID", lambda r: text(r["measure_id"])),
        ("ak", "Arbeitskreis", lambda r: text(ctx.ak_labels[r["ak_id"]])),
        ("text", "Maßnahme", lambda r: text(r["text"])),
        ("financing", "Finanzierung",
         lambda r: text(ctx.catalogue.vocab.financing_label(r["financing"]))),
        ("since", "ausgesetzt seit",
         lambda r: f"{fmt.number(r['periods_unchanged'])} Halbjahr"
                   + ("en" if r["periods_unchanged"] != 1 else "")),
        ("sachstand", "Sachstand", lambda r: text(r["sachstand"])),
    ], caption=f"Wegen fehlender Mittel ausgesetzte Maßnahmen ({fmt.number(len(blocked))})",
        numeric=["since"])


def steering_decisions(ctx: ReportContext) -> HtmlBlock:
    """Steering decisions of the Lenkungsgruppe up to the end of the period."""
    d = ctx.decisions
    if d.empty:
        return note("Bis zum Stichtag wurden keine Steuerungsentscheidungen erfasst.")
    return table(d, [
        ("decision_id", "Nr.", lambda r: text(r["decision_id"])),
        ("decided_on", "Datum", lambda r: fmt.date(r["decided_on"])),
        ("reason", "Anlass / geänderte Rahmenbedingung", lambda r: text(r["reason"])),
        ("decision", "Entscheidung", lambda r: text(r["decision"]) + (
            ' <span class="tag">neu in diesem Halbjahr</span>' if r["in_period"] else "")),
        ("measure_ids", "Betroffene Maßnahmen", lambda r: text(r["measure_ids"]) or "alle"),
    ], caption="Steuerungsentscheidungen der Lenkungsgruppe bis zum Stichtag")


# --- indicators and steering ---------------------------------------------------------------------

def _ampel_badge(colour: str) -> str:
    from integrationsmonitor.progress import AMPEL

    symbol, word, meaning = AMPEL[colour]
    return (f'<span class="ampel ampel-{colour}" title="{text(meaning)}"><span aria-hidden="true">'
            f"{symbol}</span> {text(word)}</span>")


def indicator_overview(ctx: ReportContext) -> HtmlBlock:
    """All indicators with both assessments at the period's Stichtag."""
    rows = pd.DataFrame([{
        "id": a.indicator.id, "title": a.indicator.title + (
            "" if a.indicator.unit in ("Anteil", "Prozentpunkte") else f" ({a.indicator.unit})"),
        "current": a.indicator.format(a.current, short=True),
        "expected": a.indicator.format(a.ampel.expected, short=True),
        "target": a.indicator.format(a.indicator.target, short=True), "ampel": a.ampel.colour,
        "status": a.status_label, "proposal": a.indicator.proposal} for a in ctx.assessments])
    return table(rows, [
        ("id", "ID", lambda r: text(r["id"])),
        ("text", "Indikator", lambda r: text(r["title"])),
        ("current", "Wert", lambda r: text(r["current"])),
        ("expected", "Zielpfad", lambda r: text(r["expected"])),
        ("target", "Ziel", lambda r: text(r["target"]) + ("*" if r["proposal"] else "")),
        ("ampel", "Ampel", lambda r: _ampel_badge(r["ampel"])),
        ("status", "Fortschritt (Open SDG)", lambda r: text(r["status"])),
    ], caption=f"Indikatoren am {fmt.date(ctx.period.stichtag)} gegen die Ziele zum "
               f"{fmt.date(ctx.catalogue.term_end)}", css_class="indicators",
        numeric=["current", "expected", "target"],
        legend="Ampel: Anteil des erwarteten Weges auf der geraden Linie von der Basis zum Ziel "
               "(grün ab 90 %, gelb ab 60 %, sonst rot; grau: nicht bewertbar). Fortschritt: "
               "Verfahren der Open-SDG-Plattformen (Statistics Canada). Zielpfad: erwarteter "
               "Wert am Stichtag. Pp.: Prozentpunkte. * Zielwert ist ein Vorschlag, von der "
               "Lenkungsgruppe zu beschließen.")


def indicators_by_ak(ctx: ReportContext) -> HtmlBlock:
    """Per AK each indicator: chart (baseline, target, straight line, actual values, Ampel)
    and one sentence."""
    from integrationsmonitor.progress import decimal_year

    by_ak = ctx.indicator_set.by_ak(ctx.catalogue)
    found = {a.indicator.id: a for a in ctx.assessments}
    parts = []
    ticks = {decimal_year(d): fmt.date(d) for d in
             [ctx.catalogue.baseline_stichtag, *[p.stichtag for p in
                                                 ReportingCalendar.of(ctx.catalogue).periods]]}
    for ak_id, inds in by_ak.items():
        if not inds:
            continue
        title = "Umsetzung insgesamt" if ak_id == "Gesamt" else \
            f"AK {ctx.catalogue.ak_title(ak_id)}"
        parts.append(heading(3, title, f"ind-{ak_id}"))
        for ind in inds:
            a = found[ind.id]
            s = a.series.dropna()
            chart = charts.indicator_path(
                [decimal_year(d) for d in s.index], list(s.to_numpy()),
                (decimal_year(a.baseline_date), a.baseline) if a.baseline is not None else None,
                (decimal_year(ind.target_date), ind.target),
                (decimal_year(a.current_date), a.current) if a.current is not None else None,
                a.ampel.colour, lambda v, i=ind: i.format(v).replace(" Prozentpunkte", " Pp."),
                ticks)
            parts.append(f'<div class="indicator"><h4>{text(ind.id)}: {text(ind.title)} '
                         f"{_ampel_badge(a.ampel.colour)}</h4>")
            parts.append(str(figure(chart, f"Verlauf des Indikators {ind.id}",
                                    f"{a.sentence()} Fortschritt (Open SDG): {a.status_label}.")))
            if ind.caveats:
                parts.append(f'<p class="legend">Hinweis: {text(ind.caveats)}</p>')
            parts.append("</div>")
    return join(parts)


def steering_agenda(ctx: ReportContext) -> HtmlBlock:
    """Steuerungsbedarf: what needs a decision of the Lenkungsgruppe, each with its reason and
    the decisions already recorded for it."""
    v, items = ctx.view, []
    decisions = ctx.decisions
    goal_measures = {g: set(ctx.catalogue.measures.loc[ctx.catalogue.measures["goal_ids"].apply(
        lambda gs, g=g: g in gs), "measure_id"]) for g in ctx.catalogue.goals["goal_id"]}

    def recorded(measure_ids: set[str]) -> str:
        hits = decisions[decisions["measure_ids"].apply(
            lambda ids: bool(measure_ids & {i.strip() for i in ids.split(",") if i.strip()}))]
        return "; ".join(f"{r.decision_id} ({fmt.date(r.decided_on)}): {r.decision}"
                         for r in hits.itertuples()) or "–"

    for a in ctx.assessments:
        if a.off_track:
            reason = (f"Ampel {a.ampel.word}" if a.ampel.colour == "rot" else "") + (
                (", " if a.ampel.colour == "rot" else "") + "Verschlechterung"
                if a.progress.status == "deterioration" else "")
            measures = set().union(*(goal_measures[g] for g in a.indicator.goals)) \
                if a.indicator.goals else set()
            items.append(("Indikator", f"{a.indicator.id}: {a.indicator.title}",
                          f"{reason}. {a.sentence()}", recorded(measures)))
    stalled = v[v["status"].isin(["nicht_begonnen", "verzoegert"]) & (v["periods_unchanged"] >= 2)]
    for r in stalled.itertuples():
        items.append(("Maßnahme", f"{r.measure_id}: {r.text}",
                      f"seit {int(r.periods_unchanged)} Halbjahren „{r.status_label}“",
                      recorded({r.measure_id})))
    for r in v[v["blocked"]].itertuples():
        items.append(("Maßnahme", f"{r.measure_id}: {r.text}",
                      "ausgesetzt – fehlende Mittel" + (f" (Finanzierung: "
                      f"{ctx.catalogue.vocab.financing_label(r.financing)})"
                      if pd.notna(r.financing) else ""), recorded({r.measure_id})))
    for ak in ctx.catalogue.arbeitskreise.itertuples():
        if ak.ak_id not in ctx.reported_aks:
            items.append(("Daten", f"AK {ak.title}", "Statusbogen zum Stichtag fehlt", "–"))
    if not any(a.indicator.kind.startswith("case") and a.current is not None
               for a in ctx.assessments):
        items.append(("Daten", "Fallzahlen AsylbLG / SGB II",
                      f"keine Extrakte zum Stichtag {fmt.date(ctx.period.stichtag)}", "–"))
    if not items:
        return note("Kein Steuerungsbedarf: alle Indikatoren im Plan, keine Maßnahme blockiert.")
    rows = pd.DataFrame(items, columns=["kind", "topic", "reason", "decisions"])
    rows.insert(0, "nr", range(1, len(rows) + 1))
    return table(rows, [
        ("nr", "Nr.", lambda r: str(r["nr"])),
        ("kind", "Art", lambda r: text(r["kind"])),
        ("text", "Gegenstand", lambda r: text(r["topic"])),
        ("reason", "Grund", lambda r: text(r["reason"])),
        ("decision", "Bisherige Entscheidungen", lambda r: text(r["decisions"])),
    ], caption=f"Steuerungsbedarf zum {fmt.date(ctx.period.stichtag)} "
               f"({fmt.number(len(rows))} Punkte)", css_class="agenda")


def since_last_report(ctx: ReportContext) -> HtmlBlock:
    """What changed since the previous report: Ampel changes, status changes, new decisions."""
    if ctx.previous is None:
        return note("Erster Bericht der Laufzeit: es gibt keinen Vorbericht.")
    before = {a.indicator.id: a for a in ctx.previous_assessments}
    changed = [(a, before[a.indicator.id]) for a in ctx.assessments
               if a.indicator.id in before and before[a.indicator.id].ampel.colour
               != a.ampel.colour]
    parts = []
    if changed:
        rows = pd.DataFrame([{"id": a.indicator.id, "title": a.indicator.title,
                              "before": b.ampel.colour, "now": a.ampel.colour}
                             for a, b in changed])
        parts.append(table(rows, [
            ("id", "ID", lambda r: text(r["id"])),
            ("text", "Indikator", lambda r: text(r["title"])),
            ("before", f"Ampel {ctx.previous.id}", lambda r: _ampel_badge(r["before"])),
            ("now", f"Ampel {ctx.period.id}", lambda r: _ampel_badge(r["now"])),
        ], caption="Geänderte Ampeln"))
    else:
        parts.append(note("Keine Ampel hat sich seit dem letzten Bericht geändert."))
    parts.append(status_changes(ctx))
    new = ctx.decisions[ctx.decisions["in_period"]]
    if len(new):
        parts.append(table(new, [
            ("decision_id", "Nr.", lambda r: text(r["decision_id"])),
            ("decided_on", "Datum", lambda r: fmt.date(r["decided_on"])),
            ("decision", "Entscheidung", lambda r: text(r["decision"])),
            ("measure_ids", "Betroffene Maßnahmen", lambda r: text(r["measure_ids"]) or "alle"),
        ], caption=f"Neue Steuerungsentscheidungen im {ctx.period.label}"))
    return join(parts)


# --- Daten, Zahlen, Fakten ---------------------------------------------------------------------

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


def _case_stichtage(ctx: ReportContext, con) -> CaseStichtage | None:
    available = case_figures.available_stichtage(con)
    current = ctx.period.stichtag
    if current not in available:
        return None
    previous = ctx.previous.stichtag if ctx.previous else None
    baseline = ctx.catalogue.baseline_stichtag
    return CaseStichtage(
        baseline=baseline if baseline in available else current,
        previous=previous if previous in available else None, current=current,
        series=[d for d in available if d <= current])


def _with_case_data(ctx: ReportContext, render) -> HtmlBlock:
    con = connect(ctx.params.database_path, read_only=True)
    try:
        days = _case_stichtage(ctx, con)
        if days is None:
            return note(f"Für den Stichtag {fmt.date(ctx.period.stichtag)} liegen keine "
                        "Extrakte von Sozialamt und Jobcenter vor.", "warning")
        return render(con, days)
    finally:
        con.close()


def case_overview(ctx: ReportContext) -> HtmlBlock:
    """Persons in AsylbLG and SGB II at the Stichtag against the baseline, with a chart of all
    Stichtage since the baseline."""
    def render(con, days: CaseStichtage) -> HtmlBlock:
        series = case_figures.dimension_table(con, "rechtskreis", days.series)
        pub = series.protected.published()
        shown = series.protected.display()
        cur, base = days.current, days.baseline
        lead = (f'<p class="lead">Am Stichtag {fmt.date(cur)} erhielten '
                f"<strong>{shown.at['Gesamt', cur]} Personen</strong> aus der Zielgruppe "
                f"Leistungen: {shown.at['AsylbLG', cur]} nach dem AsylbLG (Sozialamt) und "
                f"{shown.at['SGB II', cur]} nach dem SGB II (Jobcenter). Zur Basis am "
                f"{fmt.date(base)} waren es {shown.at['Gesamt', base]} "
                f"({_signed(pub.at['Gesamt', cur] - pub.at['Gesamt', base])}).</p>")
        chart_data = pub.drop(index="Gesamt")
        chart_data.columns = [fmt.date(c) for c in chart_data.columns]
        chart = figure(charts.stacked_counts(
            chart_data, [charts.OKABE_ITO["orange"], charts.OKABE_ITO["blue"]], "Personen"),
            "Säulendiagramm: Personen nach Rechtskreis je Stichtag",
            "Personen nach Rechtskreis je Stichtag seit der Basis (Datenbasis AsylbLG und SGB II)")
        return join([HtmlBlock(lead), chart])
    return _with_case_data(ctx, render)


def case_dimension(ctx: ReportContext, key: str) -> HtmlBlock:
    """One dimension at baseline, previous and current Stichtag, with the changes."""
    def render(con, days: CaseStichtage) -> HtmlBlock:
        t = case_figures.dimension_table(con, key, days.compared)
        return _case_table(t, days)
    return _with_case_data(ctx, render)


def case_cross_tables(ctx: ReportContext) -> HtmlBlock:
    """Verbandsgemeinde × Rechtskreis, and the transitions since the previous Stichtag."""
    def render(con, days: CaseStichtage) -> HtmlBlock:
        vg = case_figures.vg_by_rechtskreis(con, days.current)
        parts = [protected_table(vg.display(), f"Personen nach Verbandsgemeinde und "
                                 f"Rechtskreis am {fmt.date(days.current)}", "Verbandsgemeinde",
                                 LEGEND + " " + " ".join(territory().notes))]
        if days.previous is not None:
            tr = case_figures.transitions(con, days.previous, days.current)
            parts.append(protected_table(
                tr.display(), f"Übergänge vom {fmt.date(days.previous)} (Zeilen) zum "
                f"{fmt.date(days.current)} (Spalten)", "vorher \\ nachher",
                LEGEND + " Personen über das Pseudonym verfolgt; „nicht im Bestand“: vorher "
                "noch nicht / nachher nicht mehr im Leistungsbezug."))
        return join(parts)
    return _with_case_data(ctx, render)


def case_figures_section(ctx: ReportContext) -> HtmlBlock:
    """The whole "Daten, Zahlen, Fakten" section of the report."""
    parts = [case_overview(ctx)]
    for key in case_figures.DIMENSIONS:
        parts.append(case_dimension(ctx, key))
    parts.append(case_cross_tables(ctx))
    return join(parts)


def _case_table(t: case_figures.CaseTable, days: CaseStichtage) -> HtmlBlock:
    display = t.protected.display()
    labels = {days.baseline: f"{fmt.date(days.baseline)} (Basis)", days.current:
              f"{fmt.date(days.current)} (Stichtag)"}
    if days.previous is not None:
        labels[days.previous] = fmt.date(days.previous)
    display.columns = [labels[c] for c in display.columns]
    extra = pd.DataFrame(index=display.index)
    if days.baseline != days.current:
        extra["Veränderung zur Basis"] = t.change(days.current, days.baseline).map(_signed)
    if days.previous is not None and days.previous != days.baseline:
        extra["Veränderung zum Vorstichtag"] = t.change(days.current, days.previous).map(_signed)
    legend = LEGEND + (" " + t.note if t.note else "")
    return protected_table(display, t.title, "Merkmal", legend, extra)


def _signed(value: float) -> str:
    if pd.isna(value):
        return "*"
    return "±0" if value == 0 else ("+" if value > 0 else "−") + fmt.number(abs(value))


def provenance(ctx: ReportContext) -> HtmlBlock:
    """Where the report comes from: period, parameters hash, input hashes, code version."""
    p = ctx.params
    rows = [("Berichtszeitraum", f"{ctx.period.id} ({ctx.period.span})"),
            ("Parameter (SHA-256)", p.sha256),
            ("Konzeptkatalog", f"{ctx.catalogue.path.name} (SHA-256 {ctx.catalogue.sha256})"),
            ("Indikatorenkatalog", f"{ctx.indicator_set.path.name} (SHA-256 "
                                   f"{ctx.indicator_set.sha256})"),
            ("Datenbasis", p.database_path.name),
            ("Programmversion", f"integrationsmonitor {__version__}" + _git_suffix()),
            ("Erstellt", fmt.date(dt.date.today()))]
    facts = "".join(f"<dt>{text(k)}</dt><dd><code>{text(v)}</code></dd>" for k, v in rows)
    inputs = table(ctx.imports, [
        ("kind", "Art", lambda r: IMPORT_KINDS.get(r["kind"], r["kind"])),
        ("ak_id", "AK / Stichtag", lambda r: text(r["ak_id"]) if r["kind"] == "status"
         else (fmt.date(dt.date.fromisoformat(r["period"])) if r["kind"].startswith("extract")
               else "")),
        ("file_name", "Datei", lambda r: text(r["file_name"])),
        ("sha256", "SHA-256", lambda r: f"<code>{text(r['sha256'])}</code>"),
        ("imported_at", "importiert", lambda r: fmt.date(r["imported_at"].date())),
    ], caption="Eingangsdateien", css_class="compact provenance-inputs")
    return HtmlBlock(f'<dl class="facts provenance">{facts}</dl>') + inputs


IMPORT_KINDS = {"status": "Statusbogen", "decisions": "Entscheidungen",
                "extract-sozialamt": "Extrakt Sozialamt", "extract-jobcenter": "Extrakt Jobcenter"}


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
