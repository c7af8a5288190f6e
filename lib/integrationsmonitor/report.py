"""Report sections: pure renderers. Each takes the period's :class:`ReportResults` (computed
once by :mod:`integrationsmonitor.compute`) and returns one HTML block; the published notebooks
(``20_bericht``, ``30_anhang``) call exactly one of these per section. Nothing here reads the
data basis or computes a figure that another section shows differently."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from integrationsmonitor import charts
from integrationsmonitor import formatting as fmt
from integrationsmonitor.compute import PublishedTable, ReportResults, load_results
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
from integrationsmonitor.progress import decimal_year
from integrationsmonitor.steering import RULES
from integrationsmonitor.verdict import RULE_TEXT, baseline_time

# Sections of the annex, referred to from the brief by their letter.
ANNEX = {"indikatoren": "A 1", "massnahmen": "A 2", "verlauf": "A 3", "fallzahlen": "A 4",
         "herkunft": "A 5", "daten": "A 6"}


def results(period: str, output_dir: str = "") -> ReportResults:
    """The period's computed results (saved by the notebook ``10_berechnung``)."""
    return load_results(period, output_dir)


def _annex(key: str) -> str:
    return f"Anhang {ANNEX[key]}"


# --- brief ----------------------------------------------------------------------------------

def title_block(res: ReportResults) -> HtmlBlock:
    """Title block: Landkreis, concept, period, Stichtag, date of the report."""
    return _title(res, f"Sachstandsbericht {res.period.label}")


def annex_title(res: ReportResults) -> HtmlBlock:
    """Title block of the annex."""
    return _title(res, f"Anhang zum Sachstandsbericht {res.period.label}")


def _title(res: ReportResults, heading_text: str) -> HtmlBlock:
    c, p = res.catalogue, res.period
    return HtmlBlock(
        f'<header class="title-block"><p class="body">{text(c.body)}</p>'
        f"<h1>{text(heading_text)}</h1>"
        f'<p class="subtitle">{text(c.title)}</p>'
        '<dl class="facts">'
        f"<dt>Berichtszeitraum</dt><dd>{text(p.span)} ({text(p.id)})</dd>"
        f"<dt>Stichtag</dt><dd>{fmt.date(p.stichtag)}</dd>"
        f"<dt>Bericht an</dt><dd>{text(c.reporting.get('steering_group', 'Lenkungsgruppe'))}</dd>"
        f"<dt>Berichtet von</dt><dd>{text(res.params.author)}</dd>"
        f"<dt>Datum</dt><dd>{fmt.date(res.params.report_day)}</dd>"
        f"<dt>Grundlage</dt><dd>{text(c.adopted_by)}</dd>"
        "</dl></header>")


def data_completeness(res: ReportResults) -> HtmlBlock:
    """A warning when Arbeitskreise have not returned their status for the period."""
    aks = res.catalogue.arbeitskreise["ak_id"]
    missing = [a for a in aks if a not in res.reported_aks]
    if not missing:
        return note(f"Alle {len(aks)} Arbeitskreise haben ihren Sachstand zum "
                    f"{fmt.date(res.period.stichtag)} gemeldet.")
    names = ", ".join(f"AK {text(res.catalogue.ak_title(a))}" for a in missing)
    return note(f"Für {names} liegt zum Stichtag keine Meldung vor; die Maßnahmen erscheinen "
                "als „keine Angabe“.", kind="warning")


def _steering_body(res: ReportResults) -> str:
    return res.catalogue.reporting.get("steering_group", "Lenkungsgruppe")


def steering_agenda(res: ReportResults) -> HtmlBlock:
    """Steuerungsbedarf: every point the rules select, ordered by urgency, each with its reason,
    since when it stands, the Arbeitskreis in charge, the decisions so far and a proposal."""
    rule = ('<p class="legend">Regel: Steuerungsbedarf ist, geordnet nach Dringlichkeit,</p>'
            '<ol class="rule">' + "".join(f"<li>{text(r.selects)}</li>" for r in RULES)
            + "</ol>")
    if not res.steering:
        return HtmlBlock(rule) + note("Kein Steuerungsbedarf: alle Indikatoren auf Kurs, keine "
                                      "Maßnahme verzögert oder blockiert, alle Lieferungen da.")
    rows = pd.DataFrame([{
        "nr": p.nr, "kind": p.kind, "subject": p.subject, "reason": p.reason,
        "since": p.since_label, "ak": res.ak_labels.get(p.ak_id, _steering_body(res))
        if p.ak_id else _steering_body(res),
        "decisions": "; ".join(p.decisions) or "–", "proposal": p.proposal}
        for p in res.steering])
    return HtmlBlock(rule) + table(rows, [
        ("nr", "Nr.", lambda r: str(r["nr"])),
        ("text", "Gegenstand", lambda r: f'<span class="kind">{text(r["kind"])}</span><br>'
                                         f'{text(r["subject"])}'),
        ("reason", "Grund", lambda r: text(r["reason"])),
        ("since", "seit", lambda r: text(r["since"])),
        ("ak", "zuständig", lambda r: text(r["ak"])),
        ("decisions", "Bisherige Entscheidungen", lambda r: text(r["decisions"])),
        ("proposal", "Beschlussvorschlag", lambda r: f"<strong>{text(r['proposal'])}</strong>"),
    ], caption=f"Steuerungsbedarf zum {fmt.date(res.period.stichtag)} "
               f"({fmt.count(len(rows), 'Punkt', 'Punkte')})", css_class="agenda")


def verdict_badge(verdict) -> str:
    """The one verdict of an indicator: shape symbol (reads in black-and-white print) and
    words, coloured by its Ampel colour."""
    return (f'<span class="ampel ampel-{verdict.colour}" data-verdict="{verdict.code}">'
            f'<span aria-hidden="true">{verdict.symbol}</span> {text(verdict.headline)}</span>')


def indicator_overview(res: ReportResults) -> HtmlBlock:
    """All indicators with their one verdict at the period's Stichtag."""
    end = res.period.end
    rows = pd.DataFrame([{
        "id": a.indicator.id, "title": a.indicator.title + (
            "" if a.indicator.unit in ("Anteil", "Prozentpunkte") else f" ({a.indicator.unit})"),
        "current": a.indicator.format(a.current, short=True),
        "expected": a.indicator.format(a.verdict.expected, short=True),
        "target": a.indicator.format(a.indicator.target, short=True)
        + (" (halten)" if a.indicator.target_kind == "halten" else ""),
        "verdict": a.verdict, "proposal": not a.indicator.adopted_by(end)}
        for a in res.assessments])
    return table(rows, [
        ("id", "ID", lambda r: text(r["id"])),
        ("text", "Indikator", lambda r: text(r["title"])),
        ("current", "Wert", lambda r: text(r["current"])),
        ("expected", "Zielpfad", lambda r: text(r["expected"])),
        ("target", "Ziel", lambda r: text(r["target"]) + ("*" if r["proposal"] else "")),
        ("verdict", "Bewertung", lambda r: verdict_badge(r["verdict"])),
    ], caption=f"Indikatoren am {fmt.date(res.period.stichtag)} gegen die Ziele zum "
               f"{fmt.date(res.catalogue.term_end)}", css_class="indicators",
        numeric=["current", "expected", "target"],
        legend=f"{text(RULE_TEXT)} Zielpfad: erwarteter Wert am Stichtag. Pp.: Prozentpunkte. "
               f"* Zielwert noch nicht beschlossen (Vorschlag). Verlauf jedes Indikators: "
               f"{_annex('indikatoren')}.")


def summary(res: ReportResults) -> HtmlBlock:
    """Summary: implementation rate per AK and overall (chart and table), counts by status."""
    rates = res.rates
    total = rates[rates["ak_id"] == "Gesamt"].iloc[0]
    groups = dict(zip(res.catalogue.vocab.status_groups["code"],
                      res.catalogue.vocab.status_groups["label"]))
    lead = (f"<p class=\"lead\">Von {len(res.view)} Maßnahmen des Konzepts sind zum Stichtag "
            f"{fmt.date(res.period.stichtag)} <strong>{fmt.number(total['umgesetzt'])} "
            f"umgesetzt oder als Daueraufgabe etabliert</strong> und "
            f"{fmt.number(total['laufend'])} in Umsetzung; {fmt.number(total['offen'])} sind "
            f"offen. Das ergibt eine Umsetzungsquote von <strong>"
            f"{fmt.percent(total['rate'])}</strong> (einschließlich laufender Maßnahmen "
            f"{fmt.percent(total['rate_incl_running'])}). {fmt.number(total['ausserhalb'])} "
            "Maßnahmen sind entfallen oder zur Zeit nicht lösbar und zählen nicht mit.</p>")
    chart = figure(charts.implementation_bars(rates, res.ak_labels, groups),
                   "Balkendiagramm: Anteile umgesetzter, laufender und offener Maßnahmen je AK",
                   "Abbildung 1: Umsetzungsstand je Arbeitskreis zum "
                   f"{fmt.date(res.period.stichtag)}")
    rate_table = table(rates, [
        ("ak_id", "Arbeitskreis", lambda r: text(res.ak_labels[r["ak_id"]])),
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
    parts = [HtmlBlock(lead), chart, rate_table, status_counts(res)]
    if res.rate_history["period"].nunique() >= 2:
        labels = {pid: pid.replace("-", " ") for pid in res.rate_history["period"].unique()}
        parts.append(figure(charts.rate_history(res.rate_history, res.ak_labels, labels),
                            "Liniendiagramm: Umsetzungsquote je Arbeitskreis über die Halbjahre",
                            "Abbildung 2: Entwicklung der Umsetzungsquote seit Beginn der "
                            "Laufzeit"))
    return join(parts)


def status_counts(res: ReportResults) -> HtmlBlock:
    """Counts of measures by status (rows) per AK and in total (columns)."""
    counts = res.counts.T
    status = res.catalogue.vocab.status
    codes = dict(zip(status["label"], status["code"]))
    cols = [("status", "Status", lambda r: status_badge(codes.get(r.name), r.name)
             if r.name != "Gesamt" else "Gesamt")]
    for ak in counts.columns:
        cols.append((ak, res.ak_labels.get(ak, ak), lambda r, a=ak: fmt.number(r[a])))
    return table(counts, cols, caption="Maßnahmen nach Status und Arbeitskreis",
                 css_class="totals-last compact", numeric=list(counts.columns))


def since_last_report(res: ReportResults) -> HtmlBlock:
    """What changed since the previous report: Ampel changes, status changes, new decisions."""
    if res.previous is None:
        return note("Erster Bericht der Laufzeit: es gibt keinen Vorbericht.")
    before = {a.indicator.id: a for a in res.previous_assessments}
    changed = [(a, before[a.indicator.id]) for a in res.assessments
               if a.indicator.id in before and before[a.indicator.id].verdict.code
               != a.verdict.code]
    parts = []
    if changed:
        rows = pd.DataFrame([{"id": a.indicator.id, "title": a.indicator.title,
                              "before": b.verdict, "now": a.verdict} for a, b in changed])
        parts.append(table(rows, [
            ("id", "ID", lambda r: text(r["id"])),
            ("text", "Indikator", lambda r: text(r["title"])),
            ("before", f"Bewertung {res.previous.id}", lambda r: verdict_badge(r["before"])),
            ("now", f"Bewertung {res.period.id}", lambda r: verdict_badge(r["now"])),
        ], caption="Geänderte Bewertungen der Indikatoren"))
    else:
        parts.append(note("Keine Bewertung eines Indikators hat sich seit dem letzten Bericht "
                          "geändert."))
    parts.append(status_changes(res))
    new = res.decisions[res.decisions["in_period"]]
    if len(new):
        parts.append(table(new, [
            ("decision_id", "Nr.", lambda r: text(r["decision_id"])),
            ("decided_on", "Datum", lambda r: fmt.date(r["decided_on"])),
            ("decision", "Entscheidung", lambda r: text(r["decision"])),
            ("measure_ids", "Betroffene Maßnahmen", lambda r: text(r["measure_ids"]) or "alle"),
        ], caption=f"Neue Steuerungsentscheidungen im {res.period.label}"))
    return join(parts)


def status_changes(res: ReportResults) -> HtmlBlock:
    """Measures whose status changed since the previous period."""
    if res.previous is None:
        return note("Erster Bericht der Laufzeit: alle Maßnahmen sind neu erfasst.")
    changed = res.view[~res.view["change"].isin(["unverändert"])]
    if changed.empty:
        return note(f"Seit dem {res.previous.label} hat sich bei keiner Maßnahme der Status "
                    "geändert.")
    vocab = res.catalogue.vocab
    return table(changed, [
        ("measure_id", "ID", lambda r: text(r["measure_id"])),
        ("text", "Maßnahme", lambda r: text(r["text"])),
        ("prev", f"Status {res.previous.id}",
         lambda r: status_badge(r["previous_status"], vocab.status_label(r["previous_status"]))),
        ("now", f"Status {res.period.id}", lambda r: status_badge(r["status"], r["status_label"])),
        ("change", "Veränderung", lambda r: change_badge(r["change"])),
    ], caption=f"Statusänderungen seit dem {res.previous.label}")


def case_key_figures(res: ReportResults) -> HtmlBlock:
    """Persons in AsylbLG and SGB II at the Stichtag against the baseline (lead, chart, table
    by Rechtskreis); every other case table is in the annex."""
    if res.cases is None:
        return _no_case_data(res)
    days, t = res.cases.days, res.cases.by_rechtskreis
    shown, pub = t.display, t.published
    cur, base = days.current, days.baseline
    lead = (f'<p class="lead">Am Stichtag {fmt.date(cur)} erhielten '
            f"<strong>{shown.at['Gesamt', cur]} Personen</strong> aus der Zielgruppe "
            f"Leistungen: {shown.at['AsylbLG', cur]} nach dem AsylbLG (Sozialamt) und "
            f"{shown.at['SGB II', cur]} nach dem SGB II (Jobcenter). Zur Basis am "
            f"{fmt.date(base)} waren es {shown.at['Gesamt', base]} "
            f"({_signed(pub.at['Gesamt', cur] - pub.at['Gesamt', base])}). Alle weiteren "
            f"Tabellen: {_annex('fallzahlen')}.</p>")
    chart_data = pub.drop(index="Gesamt")
    chart_data.columns = [fmt.date(c) for c in chart_data.columns]
    chart = figure(charts.stacked_counts(
        chart_data, [charts.OKABE_ITO["orange"], charts.OKABE_ITO["blue"]], "Personen"),
        "Säulendiagramm: Personen nach Rechtskreis je Stichtag",
        "Personen nach Rechtskreis je Stichtag seit der Basis (Datenbasis AsylbLG und SGB II)")
    return join([HtmlBlock(lead), chart, _case_table(res.cases.dimensions["rechtskreis"], res)])


def _no_case_data(res: ReportResults) -> HtmlBlock:
    return note(f"Für den Stichtag {fmt.date(res.period.stichtag)} liegen keine Extrakte von "
                "Sozialamt und Jobcenter vor.", "warning")


def blocked_by_funding(res: ReportResults) -> HtmlBlock:
    """Measures suspended for lack of money, with how long they have stood so."""
    blocked = res.view[res.view["blocked"]]
    if blocked.empty:
        return note("Keine Maßnahme ist zum Stichtag wegen fehlender Mittel ausgesetzt.")
    vocab = res.catalogue.vocab
    return table(blocked, [
        ("measure_id", "ID", lambda r: text(r["measure_id"])),
        ("ak", "Arbeitskreis", lambda r: text(res.ak_labels[r["ak_id"]])),
        ("text", "Maßnahme", lambda r: text(r["text"])),
        ("financing", "Finanzierung", lambda r: text(vocab.financing_label(r["financing"]))),
        ("since", "ausgesetzt seit",
         lambda r: f"{fmt.number(r['periods_unchanged'])} Halbjahr"
                   + ("en" if r["periods_unchanged"] != 1 else "")),
        ("sachstand", "Sachstand", lambda r: text(r["sachstand"])),
    ], caption=f"Wegen fehlender Mittel ausgesetzte Maßnahmen ({fmt.number(len(blocked))})",
        numeric=["since"])


def steering_decisions(res: ReportResults) -> HtmlBlock:
    """Steering decisions of the Lenkungsgruppe up to the end of the period."""
    d = res.decisions
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


def annex_contents(res: ReportResults) -> HtmlBlock:
    """Where the detail is: the sections of the annex."""
    titles = {"indikatoren": "Indikatoren je Arbeitskreis (Verlauf und Zielpfad)",
              "massnahmen": "Sachstand der Maßnahmen nach Arbeitskreisen",
              "verlauf": "Verlauf des Status je Maßnahme",
              "fallzahlen": "Fallzahlen: alle Tabellen",
              "herkunft": "Herkunft der Angaben",
              "daten": "Datenanhang: alle Tabellen als Excel-Datei und CSV"}
    items = "".join(f"<li>{ANNEX[k]} {text(v)}</li>" for k, v in titles.items())
    return HtmlBlock(f'<p>Der Anhang zu diesem Bericht (Datei „anhang“) enthält:</p>'
                     f'<ul class="annex-contents">{items}</ul>')


# --- annex ---------------------------------------------------------------------------------

def indicators_by_ak(res: ReportResults) -> HtmlBlock:
    """Per AK each indicator: its verdict, a chart (baseline, Zielpfad, actual values, target)
    or a sentence where there is nothing to draw, and, secondary, the Open SDG progress
    measure with its meaning."""
    by_ak = res.indicator_set.by_ak(res.catalogue)
    found = {a.indicator.id: a for a in res.assessments}
    ticks = {decimal_year(d): f"{d:%m/%Y}" for d in
             [res.catalogue.baseline_stichtag, *[p.stichtag for p in res.periods]]}
    parts = [f'<p class="legend">{text(RULE_TEXT)} {text(OPEN_SDG_NOTE)}</p>']
    for ak_id, inds in by_ak.items():
        if not inds:
            continue
        title = "Umsetzung insgesamt" if ak_id == "Gesamt" else \
            f"AK {res.catalogue.ak_title(ak_id)}"
        parts.append(heading(3, title, f"ind-{ak_id}"))
        for ind in inds:
            a = found[ind.id]
            parts.append(f'<div class="indicator"><h4>{text(ind.id)}: {text(ind.title)}</h4>'
                         f"<p>{verdict_badge(a.verdict)} {text(a.verdict.reason)}</p>")
            s = a.series.dropna()
            if s.empty:
                parts.append(str(note(f"Kein Verlauf darzustellen: zu {text(ind.id)} liegt bis "
                                      f"zum {fmt.date(res.period.stichtag)} kein "
                                      "veröffentlichbarer Wert vor.")))
            else:
                base = (baseline_time(ind, a.baseline_date), a.baseline) \
                    if a.baseline is not None else None
                chart = charts.indicator_path(
                    [decimal_year(d) for d in s.index], list(s.to_numpy()), base,
                    (decimal_year(ind.target_date), ind.target),
                    (decimal_year(a.current_date), a.current) if a.current is not None
                    else None, a.verdict.colour,
                    lambda v, i=ind: i.format(v, short=True), ticks,
                    {"Anteil": "share", "Prozentpunkte": "points"}.get(ind.unit, "count"),
                    ind.target_kind == "halten")
                parts.append(str(figure(chart, f"Verlauf des Indikators {ind.id}",
                                        f"{ind.id}: Verlauf seit der Basis, Ziel "
                                        f"{ind.format(ind.target)} bis "
                                        f"{fmt.date(ind.target_date)}.")))
            sdg = _open_sdg(a)
            if sdg:
                parts.append(f'<p class="legend">{text(sdg)}</p>')
            if ind.caveats:
                parts.append(f'<p class="legend">Hinweis: {text(ind.caveats)}</p>')
            parts.append("</div>")
    return join(parts)


OPEN_SDG_NOTE = (
    "Zum Vergleich steht bei jedem Indikator das Fortschrittsmaß der Open-SDG-Plattformen "
    "(Verfahren von Statistics Canada): das bisherige jährliche Wachstum im Verhältnis zu dem "
    "Wachstum, das zum Erreichen des Ziels nötig ist (1 = genau im nötigen Tempo). Es ist "
    "keine zweite Bewertung; es zeigt nur das Tempo.")


def _open_sdg(a) -> str | None:
    value = a.progress.progress_value
    if value is None or pd.isna(value):
        return None
    return (f"Fortschrittsmaß (Open SDG): {fmt.number(value, 2)} – das bisherige Tempo "
            f"beträgt {fmt.percent(value, 0)} des nötigen.")


def arbeitskreise(res: ReportResults) -> HtmlBlock:
    """One section per AK: goals, and under each goal its measures with status, change since the
    previous period, Sachstand, financing and this period's Kennzahlen."""
    c = res.catalogue
    subareas = dict(zip(c.subareas["subarea_id"], c.subareas["title"]))
    parts = []
    for ak in c.arbeitskreise.itertuples():
        parts.append(heading(3, f"AK {ak.title}", f"ak-{ak.ak_id}"))
        if ak.ak_id not in res.reported_aks:
            parts.append(str(note("Für diesen Arbeitskreis liegt zum Stichtag keine Meldung "
                                  "vor.", "warning")))
        current_subarea = None
        for g in c.goals[c.goals["ak_id"] == ak.ak_id].itertuples():
            if g.subarea_id in subareas and g.subarea_id != current_subarea \
                    and g.text != subareas[g.subarea_id]:
                current_subarea = g.subarea_id
                parts.append(heading(4, subareas[g.subarea_id]))
            parts.append(f'<div class="goal"><p class="goal-text"><span class="goal-id">'
                         f"{text(g.goal_id)}</span> Ziel: {text(g.text)}</p>")
            if g.no_solution:
                parts.append(f'<p class="goal-note">Konzept: {text(g.no_solution)}</p>')
            measures = res.view[res.view["goal_ids"].apply(lambda gs, gid=g.goal_id: gid in gs)]
            parts.append(str(_measure_table(res, measures)))
            parts.append("</div>")
    return join(parts)


def _measure_table(res: ReportResults, measures: pd.DataFrame) -> HtmlBlock:
    kpi_text = {mid: "; ".join(f"{k}: {fmt.number(w, 0 if float(w).is_integer() else 1)}"
                               for k, w in zip(g["kennzahl"], g["wert"]))
                for mid, g in res.kpis.groupby("measure_id")}
    vocab = res.catalogue.vocab
    return table(measures, [
        ("measure_id", "ID", lambda r: text(r["measure_id"])),
        ("text", "Maßnahme", lambda r: text(r["text"]) + (
            ' <span class="tag">Landes-/Bundesmittel</span>' if r["funding_dependent"] else "")),
        ("status", "Status", lambda r: status_badge(r["status"], r["status_label"]) + (
            f'<br><span class="pct">{fmt.number(r["progress_pct"])} %</span>'
            if pd.notna(r["progress_pct"]) else "")),
        ("change", "Veränderung", lambda r: change_badge(r["change"])),
        ("sachstand", "Sachstand", lambda r: text(r["sachstand"]) + (
            f'<br><span class="kpi">{text(kpi_text[r["measure_id"]])}</span>'
            if r["measure_id"] in kpi_text else "")),
        ("financing", "Finanzierung", lambda r: text(vocab.financing_label(r["financing"]))),
    ], css_class="measures")


def status_history(res: ReportResults) -> HtmlBlock:
    """Per AK: the status of every measure in every period up to this one (its history)."""
    matrix = res.status_matrix
    periods = list(matrix.columns)
    labels = dict(zip(res.catalogue.vocab.status["code"], res.catalogue.vocab.status["label"]))
    parts = []
    for ak in res.catalogue.arbeitskreise.itertuples():
        measures = res.catalogue.measures_of(ak.ak_id).set_index("measure_id")
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


def case_tables(res: ReportResults) -> HtmlBlock:
    """Every published case table: each dimension at baseline, previous and current Stichtag,
    Verbandsgemeinde × Rechtskreis and the transitions between the Stichtage."""
    if res.cases is None:
        return _no_case_data(res)
    parts = [_case_table(t, res) for t in res.cases.dimensions.values()]
    vg = res.cases.vg_by_rechtskreis
    parts.append(protected_table(vg.display, vg.title, "Verbandsgemeinde",
                                 LEGEND + " " + (vg.note or "")))
    tr = res.cases.transitions
    if tr is not None:
        parts.append(protected_table(
            tr.display, tr.title, "vorher \\ nachher",
            LEGEND + " Personen über das Pseudonym verfolgt; „nicht im Bestand“: vorher "
            "noch nicht / nachher nicht mehr im Leistungsbezug."))
    return join(parts)


def _case_table(t: PublishedTable, res: ReportResults) -> HtmlBlock:
    days = res.cases.days
    display = t.display.copy()
    labels = {days.baseline: f"{fmt.date(days.baseline)} (Basis)",
              days.current: f"{fmt.date(days.current)} (Stichtag)"}
    if days.previous is not None:
        labels.setdefault(days.previous, fmt.date(days.previous))
    display.columns = [labels[c] for c in display.columns]
    extra = pd.DataFrame(index=display.index)
    if days.baseline != days.current:
        extra["Veränderung zur Basis"] = t.change(days.current, days.baseline).map(_signed)
    if days.previous is not None and days.previous != days.baseline:
        extra["Veränderung zum Vorstichtag"] = t.change(days.current, days.previous).map(_signed)
    return protected_table(display, t.title, "Merkmal", LEGEND + (f" {t.note}" if t.note else ""),
                           extra)


def _signed(value: float) -> str:
    if pd.isna(value):
        return "*"
    return "±0" if value == 0 else ("+" if value > 0 else "−") + fmt.number(abs(value))


IMPORT_KINDS = {"status": "Statusbogen", "decisions": "Entscheidungen",
                "extract-sozialamt": "Extrakt Sozialamt", "extract-jobcenter": "Extrakt Jobcenter"}


def provenance(res: ReportResults) -> HtmlBlock:
    """Where the report comes from: period, parameters hash, input hashes, code version."""
    pv = res.provenance
    rows = [("Berichtszeitraum", f"{res.period.id} ({res.period.span})"),
            ("Parameter (SHA-256)", pv.params_sha256),
            ("Konzeptkatalog", f"{pv.catalogue_file} (SHA-256 {pv.catalogue_sha256})"),
            ("Indikatorenkatalog", f"{pv.indicators_file} (SHA-256 {pv.indicators_sha256})"),
            ("Datenbasis", pv.database_file),
            ("Programmversion", pv.program)]
    if pv.built_on is not None:
        rows.append(("Erstellt", fmt.date(pv.built_on)))
    facts = "".join(f"<dt>{text(k)}</dt><dd><code>{text(v)}</code></dd>" for k, v in rows)
    inputs = table(pv.imports, [
        ("kind", "Art", lambda r: IMPORT_KINDS.get(r["kind"], r["kind"])),
        ("ak_id", "AK / Stichtag", lambda r: text(r["ak_id"]) if r["kind"] == "status"
         else (fmt.date(dt.date.fromisoformat(r["period"])) if r["kind"].startswith("extract")
               else "")),
        ("file_name", "Datei", lambda r: text(r["file_name"])),
        ("sha256", "SHA-256", lambda r: f"<code>{text(r['sha256'])}</code>"),
        ("imported_at", "importiert", lambda r: fmt.date(r["imported_at"].date())),
    ], caption="Eingangsdateien", css_class="compact provenance-inputs")
    return HtmlBlock(f'<dl class="facts provenance">{facts}</dl>') + inputs



def data_annex(res: ReportResults, output_dir: str = "") -> HtmlBlock:
    """Write the data annex (``tabellen.xlsx`` and ``daten/*.csv``) beside the report and
    link it."""
    from integrationsmonitor import data_annex as annex
    from integrationsmonitor.compute import results_folder
    from integrationsmonitor.params import parse_parameters

    folder = results_folder(parse_parameters(res.params.as_dict() | {"output_dir": output_dir}))
    files = annex.write(res, folder)
    csvs = "".join(f'<li><a href="{annex.CSV_FOLDER}/{p.name}">{text(p.name)}</a></li>'
                   for p in files[1:])
    return HtmlBlock(
        f'<p>Alle Tabellen dieses Berichts als Daten: <a href="{annex.WORKBOOK}">'
        f"{annex.WORKBOOK}</a> (ein Blatt je Tabelle, zuerst „Hinweise“ mit Zeichen, Quellen "
        "und Geheimhaltung) und dieselben Tabellen als CSV (UTF-8, Trennzeichen „;“, "
        f'Dezimalkomma) im Ordner {annex.CSV_FOLDER}/:</p><ul class="csv-files">{csvs}</ul>')
