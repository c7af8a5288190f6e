"""Report sections: pure renderers. Each takes the period's :class:`ReportResults` (computed
once by :mod:`integrationsmonitor.compute`) and returns one HTML block; the published notebooks
(``20_bericht``, ``30_anhang``) call exactly one of these per section. Nothing here reads the
data basis or computes a figure that another section shows differently."""

from __future__ import annotations

import pandas as pd

from integrationsmonitor import charts
from integrationsmonitor import formatting as fmt
from integrationsmonitor.compute import PublishedTable, ReportResults, load_results, shorten
from integrationsmonitor.disclosure import LEGEND
from integrationsmonitor.html import (
    HtmlBlock,
    change_badge,
    figure,
    footnote_mark,
    heading,
    in_column,
    join,
    note,
    protected_table,
    status_badge,
    table,
    text,
)
from integrationsmonitor.measure_status import funding_gap
from integrationsmonitor.periods import ANNUAL, FINAL, HALF_YEAR
from integrationsmonitor.progress import decimal_year
from integrationsmonitor.steering import RULES, measures_words
from integrationsmonitor.verdict import RULE_TEXT, baseline_time

# The footnote mark of a target whose decision a recorded decision has put off.
DEFERRED_MARK = "**"

# Sections of the annex, referred to from the brief by their letter.
ANNEX = {"indikatoren": "A 1", "massnahmen": "A 2", "verlauf": "A 3", "fallzahlen": "A 4",
         "entscheidungen": "A 5", "herkunft": "A 6", "daten": "A 7"}


def results(period: str, output_dir: str = "") -> ReportResults:
    """The period's computed results (saved by the notebook ``10_berechnung``)."""
    return load_results(period, output_dir)


def _annex(key: str) -> str:
    return f"Anhang {ANNEX[key]}"


# --- brief ----------------------------------------------------------------------------------

def title_block(res: ReportResults) -> HtmlBlock:
    """Title block: Landkreis, concept, report, period, Stichtag, date of the report."""
    return _title(res, res.report.title)


def annex_title(res: ReportResults) -> HtmlBlock:
    """Title block of the annex."""
    return _title(res, f"Anhang zum {res.report.title}")


def _addressee(res: ReportResults) -> str:
    if res.report.kind == HALF_YEAR:
        return _steering_body(res)
    return res.catalogue.narrative.council


def _title(res: ReportResults, heading_text: str) -> HtmlBlock:
    c, p = res.catalogue, res.period
    return HtmlBlock(
        f'<header class="title-block"><p class="body">{text(c.body)}</p>'
        f"<h1>{text(heading_text)}</h1>"
        f'<p class="subtitle">{text(c.title)}</p>'
        '<dl class="facts">'
        f"<dt>Berichtszeitraum</dt><dd>{text(res.report.span)}</dd>"
        f"<dt>Stichtag</dt><dd>{fmt.date(p.stichtag)}</dd>"
        f"<dt>Bericht an</dt><dd>{text(_addressee(res))}</dd>"
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
    return res.catalogue.narrative.steering_body


def _steering_rows(res: ReportResults) -> pd.DataFrame:
    return pd.DataFrame([{
        "nr": p.nr, "kind": p.kind, "subject": p.subject, "reason": p.reason,
        "since": p.since_label, "ak": res.responsible(p.ak_id),
        "decisions": p.decisions_text or "–", "proposal": p.proposal}
        for p in res.steering])


def _steering_rule(res: ReportResults) -> HtmlBlock:
    return HtmlBlock(
        '<p class="legend">Regel: Steuerungsbedarf ist, geordnet nach Dringlichkeit,</p>'
        '<ol class="rule">' + "".join(f"<li>{text(r.selects)}</li>" for r in RULES) + "</ol>")


def steering_agenda(res: ReportResults) -> HtmlBlock:
    """Steuerungsbedarf in short: every point the rules select, ordered by urgency, with its
    reason in one clause, since when, who is in charge and the proposal; the full reasons
    and the decisions so far are in the annex."""
    head = own_text(res, "steuerungsbedarf") + _steering_rule(res)
    if not res.steering:
        return head + note("Kein Steuerungsbedarf: alle Indikatoren auf Kurs, keine Maßnahme "
                           "verzögert oder blockiert, alle Lieferungen da.")
    rows = _steering_rows(res)
    return head + table(rows, [
        ("nr", "Nr.", lambda r: str(r["nr"])),
        ("text", "Gegenstand und Grund", lambda r: in_column(
            f'<span class="kind">{text(r["kind"])}</span>', "Art")
         + f' {text(_shorten(r["subject"], 80))}<br>'
         + in_column(f'<em>{text(_first_clause(r["reason"]))}</em>', "Grund")),
        ("since", "seit, zuständig",
         lambda r: f'{text(r["since"])}<br>{in_column(text(r["ak"]), "zuständig")}'),
        ("proposal", "Beschlussvorschlag", lambda r: f"<strong>{text(r['proposal'])}</strong>"),
    ], caption=f"Steuerungsbedarf zum {fmt.date(res.period.stichtag)} "
               f"({fmt.count(len(rows), 'Punkt', 'Punkte')})", css_class="agenda brief",
        sheet="steuerungsbedarf", sheet_columns={"text": "Gegenstand", "since": "seit"},
        legend=f"Vollständige Begründung und bisherige Entscheidungen je Punkt: "
               f"{_annex('entscheidungen')}.")


def _first_clause(reason: str) -> str:
    """The first clause of a reason; "…" says that the annex has the rest."""
    first = reason.split(". ")[0]
    return reason if first == reason.rstrip(".") else f"{first.rstrip('.')} …"


def steering_detail(res: ReportResults) -> HtmlBlock:
    """Steuerungsbedarf in full: each point with Nr., Gegenstand, Grund (with the figures),
    seit wann, zuständig, bisherige Entscheidungen and Beschlussvorschlag."""
    if not res.steering:
        return note("Kein Steuerungsbedarf.")
    rows = _steering_rows(res)
    return _steering_rule(res) + table(rows, [
        ("nr", "Nr.", lambda r: str(r["nr"])),
        ("text", "Gegenstand", lambda r: in_column(
            f'<span class="kind">{text(r["kind"])}</span>', "Art") + f'<br>{text(r["subject"])}'),
        ("reason", "Grund", lambda r: text(r["reason"])),
        ("since", "seit", lambda r: text(r["since"])),
        ("ak", "zuständig", lambda r: text(r["ak"])),
        ("decisions", "Bisherige Entscheidungen", lambda r: text(r["decisions"])),
        ("proposal", "Beschlussvorschlag", lambda r: f"<strong>{text(r['proposal'])}</strong>"),
    ], caption=f"Steuerungsbedarf zum {fmt.date(res.period.stichtag)} im Einzelnen",
        css_class="agenda", sheet="steuerungsbedarf")


def verdict_badge(verdict) -> str:
    """The one verdict of an indicator: shape symbol (reads in black-and-white print) and
    words, coloured by its Ampel colour."""
    return (f'<span class="ampel ampel-{verdict.colour}" data-verdict="{verdict.code}">'
            f'<span aria-hidden="true">{verdict.symbol}</span> {text(verdict.headline)}</span>')


def indicator_overview(res: ReportResults) -> HtmlBlock:
    """All indicators with their one verdict at the period's Stichtag."""
    from integrationsmonitor.data_annex import mid_year, year_start

    end = res.period.end
    own = own_text(res, "indikatoren")
    mid, start = mid_year(res), year_start(res)
    rows = pd.DataFrame([{
        "id": a.indicator.id, "title": text(a.indicator.title) + (
            "" if a.indicator.unit == "Anteil"
            or (a.indicator.unit == "Prozentpunkte" and not _points_in_title(res, a.indicator))
            else " " + in_column(f"({text(a.indicator.unit)})", "Einheit")),
        "start": _table_value(res, a.indicator, _value_at(a, start)),
        "mid": _table_value(res, a.indicator, _value_at(a, mid)),
        "current": _table_value(res, a.indicator, a.current),
        "expected": _table_value(res, a.indicator, a.verdict.expected),
        "target": text(_table_value(res, a.indicator, a.indicator.target))
        + (" " + in_column("(halten)", "Zielart") if a.indicator.target_kind == "halten"
           else ""),
        "verdict": a.verdict, "proposal": a.indicator.awaits_adoption(end),
        "deferred": a.indicator.deferred_by(end)}
        for a in res.assessments])
    deferred = [a.indicator for a in res.assessments if a.indicator.deferred_by(end)]
    deferred_note = "".join(f"{DEFERRED_MARK} Zielwert von {text(res.name_of(i.id))} "
                            f"{text(i.target_state(end))}, kein Beschlussvorschlag. "
                            for i in deferred)
    return own + table(rows, [
        ("id", "ID", lambda r: text(r["id"])),
        ("text", "Indikator", lambda r: r["title"]),
        *([("start", f"Wert {fmt.date(start.stichtag)}", lambda r: text(r["start"]))]
          if start else []),
        *([("mid", f"Wert {fmt.date(mid.stichtag)}", lambda r: text(r["mid"]))] if mid else []),
        ("current", f"Wert {fmt.date(res.period.stichtag)}" if mid else "Wert",
         lambda r: text(r["current"])),
        ("expected", "Zielpfad", lambda r: text(r["expected"])),
        ("target", "Ziel", lambda r: r["target"] + (
            footnote_mark() if r["proposal"] else
            footnote_mark(DEFERRED_MARK) if r["deferred"] else "")),
        ("verdict", "Bewertung", lambda r: verdict_badge(r["verdict"])),
    ], caption=f"Indikatoren am {fmt.date(res.period.stichtag)} im Vergleich zu den Zielen bis "
               f"{fmt.date(res.catalogue.term_end)}",
        css_class="indicators" + (" with-mid" if mid else "") + (" with-start" if start else ""),
        numeric=["start", "mid", "current", "expected", "target"], sheet="indikatoren",
        sheet_columns={"target": "Zielwert", "start": "Wert Jahresbeginn",
                       "mid": "Wert Jahresmitte", "current": "Wert"},
        legend=f"{text(RULE_TEXT)} Zielpfad: erwarteter Wert am Stichtag. "
               + ("Pp.: Prozentpunkte. " if res.report.kind == HALF_YEAR else "")
               + ("* Zielwert noch nicht beschlossen (Vorschlag). " if rows["proposal"].any()
                  else "") + deferred_note
               + "Verlauf jedes Indikators: "
               f"{_annex('indikatoren')}.")


def _value_at(a, period) -> float | None:
    """An indicator's published value at the Stichtag of a half-year (None: none, or no
    half-year)."""
    if period is None:
        return None
    value = a.series.get(period.stichtag)
    return None if value is None or pd.isna(value) else float(value)


def _points_in_title(res: ReportResults, ind) -> bool:
    """The reports to the Kreistag use no "Pp.": the unit "Prozentpunkte" stands written out
    beside the title, the cells hold the number (as for counts)."""
    return ind.unit == "Prozentpunkte" and res.report.kind != HALF_YEAR


def _table_value(res: ReportResults, ind, value: float | None) -> str:
    """A value in a table cell: short ("4,0 Pp.", "12,5 %", "17")."""
    if _points_in_title(res, ind) and value is not None and not pd.isna(value):
        return fmt.number(value * 100, 1)
    return ind.format(value, short=True)


def _total_rate(res: ReportResults, period_id: str | None = None) -> float | None:
    """The Umsetzungsquote of the whole concept, now or in an earlier half-year."""
    if period_id is None:
        row = res.rates[res.rates["ak_id"] == "Gesamt"]
        return None if row.empty else row["rate"].iloc[0]
    h = res.rate_history
    row = h[(h["period"] == period_id) & (h["ak_id"] == "Gesamt")]
    return None if row.empty or pd.isna(row["rate"].iloc[0]) else float(row["rate"].iloc[0])


def ak_summaries(res: ReportResults) -> HtmlBlock:
    """The Arbeitskreise in short: implementation rate per AK (chart and table) and one
    paragraph per AK with its changes and the verdicts of its indicators."""
    rates = res.rates
    total = rates[rates["ak_id"] == "Gesamt"].iloc[0]
    groups = dict(zip(res.catalogue.vocab.status_groups["code"],
                      res.catalogue.vocab.status_groups["label"]))
    n = fmt.count(len(res.view), "Maßnahme", "Maßnahmen", case="dat")
    lead = (f"<p class=\"lead\">Von {n} des Konzepts sind zum Stichtag "
            f"{fmt.date(res.period.stichtag)} <strong>{fmt.number(total['umgesetzt'])} "
            "umgesetzt oder als Daueraufgabe etabliert</strong> "
            f"und {fmt.number(total['laufend'])} in Umsetzung; {fmt.number(total['offen'])} "
            f"{fmt.agree(total['offen'], 'ist', 'sind')} offen. Das ergibt eine "
            f"Umsetzungsquote von <strong>{fmt.percent(total['rate'])}</strong> (einschließlich "
            f"laufender Maßnahmen {fmt.percent(total['rate_incl_running'])}). "
            f"{fmt.count(total['ausserhalb'], 'Maßnahme', 'Maßnahmen')} "
            f"{fmt.agree(total['ausserhalb'], 'ist', 'sind')} entfallen oder zur Zeit nicht "
            f"lösbar und {fmt.agree(total['ausserhalb'], 'zählt', 'zählen')} nicht mit.</p>")
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
        sheet="umsetzungsquote", sheet_columns={"rate": "Umsetzungsquote (%)",
                                                "rate_incl_running": "inkl. in Umsetzung (%)"},
        legend="Basis: gemeldete Maßnahmen ohne „entfallen“ und „zur Zeit keine Lösung möglich“. "
               "Umsetzungsquote: Anteil „umgesetzt“ und „Daueraufgabe (laufend)“ an der Basis "
               f"(dieselbe Zahl wie der Indikator der Umsetzung). Jede Maßnahme: "
               f"{_annex('massnahmen')}.")
    paras = []
    by_ak = res.indicator_set.by_ak(res.catalogue)
    verdicts = {a.indicator.id: a.verdict for a in res.assessments}
    for ak in res.catalogue.arbeitskreise.itertuples():
        v = res.view[res.view["ak_id"] == ak.ak_id]
        rate = rates.loc[rates["ak_id"] == ak.ak_id, "rate"].iloc[0]
        moved = int((v["change"] == "vorwärts").sum())
        back = int((v["change"] == "rückwärts").sum())
        inds = by_ak.get(ak.ak_id, [])
        behind = [i.id for i in inds if not verdicts[i.id].is_best
                  and verdicts[i.id].code != "nicht_bewertbar"]
        grey = [i.id for i in inds if verdicts[i.id].code == "nicht_bewertbar"]
        best = len(inds) - len(behind) - len(grey)
        base = int(rates.loc[rates["ak_id"] == ak.ak_id, "base"].iloc[0])
        # Tabelle 1 counts the base of the Umsetzungsquote; say the difference in words.
        counted = "" if base == len(v) else f", davon {fmt.number(base)} in der Umsetzungsquote"
        parts = [f"{fmt.count(len(v), 'Maßnahme', 'Maßnahmen')}{counted}, Umsetzungsquote "
                 f"{fmt.percent(rate)}"]
        if res.previous is not None:
            parts.append(f"seit dem {res.previous.label} {moved} vorwärts, {back} rückwärts")
        if inds:
            # the best verdicts: auf Kurs, Ziel erreicht, Ziel gehalten
            word = "am Ziel" if _term_over(res) else "auf Kurs oder am Ziel"
            parts.append(f"Indikatoren: {best} von {len(inds)} {word}"
                         + (f", nicht am Ziel: {', '.join(behind)}" if behind else "")
                         + (f", nicht bewertbar: {', '.join(grey)}" if grey else ""))
        if ak.ak_id not in res.reported_aks:
            parts.append("Statusbogen fehlt")
        paras.append(f"<li><strong>{text(ak.short_title)}:</strong> {text('; '.join(parts))}."
                     "</li>")
    return join([own_text(res, "arbeitskreise"), HtmlBlock(lead), chart, rate_table,
                 HtmlBlock(f'<ul class="ak-summaries">{"".join(paras)}</ul>')])


def implementation_detail(res: ReportResults) -> HtmlBlock:
    """Counts of measures by status per AK, and the Umsetzungsquote over the half-years."""
    parts = [status_counts(res)]
    if res.rate_history["period"].nunique() >= 2:
        labels = {pid: pid.replace("-", " ") for pid in res.rate_history["period"].unique()}
        parts.append(figure(charts.rate_history(res.rate_history, res.ak_labels, labels),
                            "Liniendiagramm: Umsetzungsquote je Arbeitskreis über die Halbjahre",
                            "Entwicklung der Umsetzungsquote seit Beginn der Laufzeit"))
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
                 css_class="totals-last compact", numeric=list(counts.columns),
                 sheet="massnahmen_nach_status")


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
        ], caption="Geänderte Bewertungen der Indikatoren", sheet="indikatoren",
            part="geänderte Bewertungen", sheet_columns={"before": "Bewertung Vorbericht",
                                                         "now": "Bewertung"}))
    else:
        parts.append(note("Keine Bewertung eines Indikators hat sich seit dem letzten Bericht "
                          "geändert."))
    changes = res.view["change"].value_counts()
    parts.append(HtmlBlock(
        f"<p>Status der Maßnahmen seit dem {res.previous.label}: "
        f"{fmt.number(changes.get('vorwärts', 0))} vorwärts, "
        f"{fmt.number(changes.get('rückwärts', 0))} rückwärts, "
        f"{fmt.number(changes.get('geändert', 0) + changes.get('neu', 0))} sonst geändert oder "
        f"neu, {fmt.number(changes.get('unverändert', 0))} unverändert"
        + (f", {fmt.number(changes.get('fehlt', 0))} ohne Meldung" if changes.get('fehlt')
           else "") + f". Jede Änderung: {_annex('verlauf')}.</p>"))
    new = res.decisions[res.decisions["in_period"]]
    if len(new):
        parts.append(table(new, [
            ("decision_id", "Nr.", lambda r: text(r["decision_id"])),
            ("decided_on", "Datum", lambda r: fmt.date(r["decided_on"])),
            ("decision", "Entscheidung", lambda r: text(res.explain_ids(r["decision"]))),
            ("measure_ids", "Betroffene Maßnahmen", lambda r: text(r["measure_ids"]) or "alle"),
        ], caption=f"Neue Steuerungsentscheidungen im {res.period.label}",
            sheet="entscheidungen", part="neu im Halbjahr"))
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
    ], caption=f"Statusänderungen seit dem {res.previous.label}", sheet="massnahmen",
        part="geänderter Status", sheet_columns={"prev": "Status Vorbericht", "now": "Status"})


def case_key_figures(res: ReportResults) -> HtmlBlock:
    """Persons in AsylbLG and SGB II at the Stichtag against the baseline (lead, chart, table
    by Rechtskreis); every other case table is in the annex."""
    if res.cases is None:
        return _no_case_data(res)
    if res.report.kind == ANNUAL:
        return _year_case_figures(res)
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
    return join([own_text(res, "fallzahlen"), HtmlBlock(lead), chart,
                 _case_table(res.cases.dimensions["rechtskreis"], res, "rechtskreis")])


def _year_case_figures(res: ReportResults) -> HtmlBlock:
    """The annual report's case figures: persons by Rechtskreis at the year's start, mid-year
    and end, with the change over the year (chart since the baseline)."""
    from integrationsmonitor.data_annex import year_case_days, year_case_table, year_change

    t, days = year_case_table(res), year_case_days(res)
    shown, pub = t.display, t.published
    start, end = days[0], days[-1]
    role = {start: "Vorjahresende" if res.previous is not None else "Basis", end: "Jahresende"}
    if len(days) == 3:
        role[days[1]] = "Jahresmitte"
    lead = (f'<p class="lead">Am {fmt.date(end)} erhielten <strong>{shown.at["Gesamt", end]} '
            f"Personen</strong> aus der Zielgruppe Leistungen: {shown.at['AsylbLG', end]} nach "
            f"dem AsylbLG (Sozialamt) und {shown.at['SGB II', end]} nach dem SGB II "
            "(Jobcenter). " + "".join(
                f"Am {fmt.date(d)} ({role[d]}) waren es {shown.at['Gesamt', d]}. "
                for d in days[:-1][::-1])
            + "".join(f"{name}: {_signed(pub.at['Gesamt', end] - pub.at['Gesamt', start])} "
                      "Personen. " for name in year_change(res))
            + f"Alle weiteren Tabellen: {_annex('fallzahlen')}.</p>")
    chart_data = res.cases.by_rechtskreis.published.drop(index="Gesamt")
    chart_data.columns = [fmt.date(c) for c in chart_data.columns]
    chart = figure(charts.stacked_counts(
        chart_data, [charts.OKABE_ITO["orange"], charts.OKABE_ITO["blue"]], "Personen"),
        "Säulendiagramm: Personen nach Rechtskreis je Stichtag",
        "Personen nach Rechtskreis je Stichtag seit der Basis (Datenbasis AsylbLG und SGB II)")
    display = shown.copy()
    display.columns = [f"{fmt.date(d)} ({role[d]})" for d in days]
    extra = pd.DataFrame(index=display.index)
    for name, (later, earlier) in year_change(res).items():
        extra[name] = t.change(later, earlier).map(_signed)
    table_html = protected_table(display, t.title, "Merkmal", LEGEND, extra,
                                 sheet="fallzahlen_jahr",
                                 sheet_columns=["Merkmal", *map(fmt.date, days),
                                                *extra.columns])
    return join([own_text(res, "fallzahlen"), HtmlBlock(lead), chart, table_html])


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
        numeric=["since"], sheet="massnahmen", part="ausgesetzt",
        sheet_columns={"since": "Halbjahre im Status"})


def steering_decisions(res: ReportResults) -> HtmlBlock:
    """Steering decisions of the steering body up to the end of the period."""
    d = res.decisions
    if d.empty:
        return note("Bis zum Stichtag wurden keine Steuerungsentscheidungen erfasst.")
    return table(d, [
        ("decision_id", "Nr.", lambda r: text(r["decision_id"])),
        ("decided_on", "Datum", lambda r: fmt.date(r["decided_on"])),
        ("reason", "Anlass / geänderte Rahmenbedingung",
         lambda r: text(res.explain_ids(r["reason"]))),
        ("decision", "Entscheidung", lambda r: text(res.explain_ids(r["decision"])) + (
            "<br>" + in_column('<span class="tag">neu in diesem Halbjahr</span>', "Hinweis")
            if r["in_period"] else "")),
        ("measure_ids", "Betroffene Maßnahmen", lambda r: text(r["measure_ids"]) or "alle"),
    ], caption=f"Steuerungsentscheidungen der {_steering_body(res)} bis zum Stichtag",
        sheet="entscheidungen", sheet_columns={"reason": "Anlass"})


def annex_contents(res: ReportResults) -> HtmlBlock:
    """Where the detail is: the sections of the annex."""
    titles = {"indikatoren": "Indikatoren je Arbeitskreis (Verlauf und Zielpfad)",
              "massnahmen": "Sachstand der Maßnahmen nach Arbeitskreisen",
              "verlauf": "Statusänderungen und Verlauf des Status je Maßnahme",
              "fallzahlen": "Fallzahlen: alle Tabellen",
              "entscheidungen": "Steuerungsbedarf im Einzelnen, Steuerungsentscheidungen, "
                                "ausgesetzte Maßnahmen",
              "herkunft": "Herkunft der Angaben",
              "daten": "Datenanhang: alle Tabellen als Excel-Datei und CSV"}
    items = "".join(f"<li>{ANNEX[k]} {text(v)}</li>" for k, v in titles.items())
    return HtmlBlock('<p>Der Anhang zu diesem Bericht (<a href="anhang.html">anhang.html</a>, '
                     f'gedruckt anhang.pdf) enthält:</p><ul class="annex-contents">{items}</ul>')


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
    """The Open SDG measure where it means something: not for holding targets, counts since a
    start date or a baseline of 0 (the growth rate from 0 is not defined; Open SDG replaces
    the 0 by 0,001, which makes the ratio explode)."""
    ind = a.indicator
    value = a.progress.progress_value
    if (value is None or pd.isna(value) or ind.target_kind == "halten"
            or ind.cumulative_from is not None or a.baseline is None or abs(a.baseline) < 1e-9):
        return None
    sentence = (f"Fortschrittsmaß (Open SDG): {fmt.number(value, 2)} – das bisherige Tempo "
                f"beträgt {fmt.percent(value, 0)} des nötigen.")
    code = a.verdict.code
    if (code in ("hinter_zielpfad", "deutlich_hinter_zielpfad") and value >= 1) or \
            (code == "auf_kurs" and value < a.thresholds[0]):
        sentence += OPEN_SDG_DIFFERS
    return sentence


# Said where the two figures seem to contradict each other ("Tempo 105 %" beside "hinter dem
# Zielpfad"): Open SDG measures against steady percentage growth, the verdict against a
# straight line, which asks for more early on when the value is to grow.
OPEN_SDG_DIFFERS = (" Es weicht hier von der Bewertung ab, weil es gleichmäßiges prozentuales "
                    "Wachstum zum Maßstab nimmt; der Zielpfad der Bewertung verlangt dagegen "
                    "in jedem Jahr gleich große Schritte.")


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
            parts.append(str(_measure_table(res, measures, g.goal_id)))
            parts.append("</div>")
    return join(parts)


def _measure_table(res: ReportResults, measures: pd.DataFrame, goal_id: str) -> HtmlBlock:
    from integrationsmonitor.data_annex import kpi_texts

    kpi_text = kpi_texts(res)
    vocab = res.catalogue.vocab
    funding_tag = text(res.catalogue.narrative.funding_tag)
    return table(measures, [
        ("measure_id", "ID", lambda r: text(r["measure_id"])),
        ("text", "Maßnahme", lambda r: text(r["text"]) + (
            "<br>" + in_column(f'<span class="tag">{funding_tag}</span>', "Hinweis")
            if r["funding_dependent"] else "")),
        ("status", "Status", lambda r: status_badge(r["status"], r["status_label"]) + (
            "<br>" + in_column(f'<span class="pct">{fmt.number(r["progress_pct"])} %</span>',
                               "Fortschritt (%)") if pd.notna(r["progress_pct"]) else "")),
        ("change", "Veränderung", lambda r: change_badge(r["change"])),
        ("sachstand", "Sachstand", lambda r: text(r["sachstand"]) + (
            "<br>" + in_column(f'<span class="kpi">{text(kpi_text[r["measure_id"]])}</span>',
                               "Kennzahlen") if r["measure_id"] in kpi_text else "")),
        ("financing", "Finanzierung", lambda r: text(vocab.financing_label(r["financing"]))),
    ], css_class="measures", sheet="massnahmen", part=f"Ziel {goal_id}")


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
        parts.append(table(rows, cols, caption=f"AK {ak.title}", css_class="compact history",
                           sheet="statusverlauf", part=f"AK {ak.short_title}"))
    return join(parts)


_shorten = shorten  # one rule for every shortened text (compute.shorten)


def case_tables(res: ReportResults) -> HtmlBlock:
    """Every published case table: each dimension at baseline, previous and current Stichtag,
    Verbandsgemeinde × Rechtskreis and the transitions between the Stichtage."""
    if res.cases is None:
        return _no_case_data(res)
    parts = [_case_table(t, res, key) for key, t in res.cases.dimensions.items()]
    vg = res.cases.vg_by_rechtskreis
    parts.append(protected_table(vg.display, vg.title, "Verbandsgemeinde",
                                 LEGEND + " " + (vg.note or ""),
                                 sheet="fallzahlen_vg_rechtskreis",
                                 sheet_columns=["Merkmal", *map(str, vg.display.columns)]))
    tr = res.cases.transitions
    if tr is not None:
        parts.append(protected_table(
            tr.display, tr.title, "vorher \\ nachher",
            LEGEND + " Personen über ihr Pseudonym (eine Kennung statt des Namens, siehe "
            f"{_annex('herkunft')}) von Stichtag zu Stichtag verfolgt; „nicht im Bestand“: "
            "vorher noch nicht / nachher nicht mehr im Leistungsbezug.",
            sheet="fallzahlen_uebergaenge",
            sheet_columns=["Merkmal", *map(str, tr.display.columns)]))
    return join(parts)


def _case_table(t: PublishedTable, res: ReportResults, key: str) -> HtmlBlock:
    from integrationsmonitor.data_annex import case_changes, comparison_role

    days = res.cases.days
    display = t.display.copy()
    names = ["Merkmal", *(fmt.date(c) for c in display.columns)]
    labels = {days.baseline: f"{fmt.date(days.baseline)} (Basis)",
              days.current: f"{fmt.date(days.current)} (Stichtag)"}
    if days.previous is not None:
        labels.setdefault(days.previous, fmt.date(days.previous) + (
            "" if res.report.kind == HALF_YEAR else f" ({comparison_role(res)})"))
    display.columns = [labels[c] for c in display.columns]
    extra = pd.DataFrame(index=display.index)
    for name, (later, earlier) in case_changes(res).items():
        extra[name] = t.change(later, earlier).map(_signed)
    return protected_table(display, t.title, "Merkmal", LEGEND + (f" {t.note}" if t.note else ""),
                           extra, sheet=f"fallzahlen_{key}",
                           sheet_columns=[*names, *extra.columns])


def _signed(value: float) -> str:
    if pd.isna(value):
        return "*"
    return "±0" if value == 0 else ("+" if value > 0 else "−") + fmt.number(abs(value))


PROVENANCE_TERMS = (
    ("Prüfsumme (SHA-256)", "der digitale Fingerabdruck einer Datei: dieselbe Datei ergibt "
     "immer dieselbe Prüfsumme, jede Änderung eine andere. So lässt sich nachprüfen, dass der "
     "Bericht genau aus den genannten Dateien entstanden ist."),
    ("Datenbasis", "die Datenbankdatei (Format DuckDB, Endung .duckdb), in der die "
     "Statusbögen, die Steuerungsentscheidungen und die Personen-Extrakte zusammengeführt "
     "sind."),
    ("Pseudonym", "eine Kennung, die beim Einlesen mit einem geheimen Schlüssel aus den "
     "Personendaten gebildet wird. Mit ihr lassen sich Personen über die Stichtage und "
     "zwischen Sozialamt und Jobcenter zählen; Namen enthält die Datenbasis nicht, und ohne "
     "den Schlüssel führt kein Weg vom Pseudonym zur Person."),
    ("Programmversion, Commit", "die Version des Programms, das den Bericht erstellt hat; "
     "„Commit“ ist die Kennung dieses Programmstands in der Versionsverwaltung (git)."),
)


def provenance(res: ReportResults) -> HtmlBlock:
    """Where the report comes from: period, parameters hash, input hashes, code version –
    a technical record for checking, its terms explained in plain German first."""
    pv = res.provenance
    terms = "".join(f"<dt>{text(k)}</dt><dd>{text(v)}</dd>" for k, v in PROVENANCE_TERMS)
    intro = ('<p class="technical-note">Technischer Nachweis für die Nachprüfung durch die '
             "Verwaltung: aus welchen Dateien und mit welchem Programmstand dieser Bericht "
             "entstanden ist. Für das Verständnis des Berichts wird er nicht gebraucht. Die "
             f'Begriffe:</p><dl class="terms">{terms}</dl>')
    rows = [("Bericht", f"{res.report.title} ({res.report.span})"),
            ("Parameter (SHA-256)", pv.params_sha256),
            ("Konzeptkatalog", f"{pv.catalogue_file} (SHA-256 {pv.catalogue_sha256})"),
            ("Indikatorenkatalog", f"{pv.indicators_file} (SHA-256 {pv.indicators_sha256})"),
            ("Datenbasis", pv.database_file),
            ("Programmversion", pv.program)]
    if pv.built_on is not None:
        rows.append(("Erstellt", fmt.date(pv.built_on)))
    facts = "".join(f"<dt>{text(k)}</dt><dd><code>{text(v)}</code></dd>" for k, v in rows)
    from integrationsmonitor.data_annex import input_file_table

    inputs = table(input_file_table(res), [
        ("kind", "Art", lambda r: text(r["Art"])),
        ("ak_id", "AK / Stichtag", lambda r: text(r["AK / Stichtag"])),
        ("file_name", "Datei", lambda r: text(r["Datei"])),
        ("sha256", "SHA-256", lambda r: f"<code>{text(r['SHA-256'])}</code>"),
        ("imported_at", "importiert", lambda r: fmt.date(r["importiert"])),
    ], caption="Eingangsdateien", css_class="compact provenance-inputs", sheet="eingangsdateien")
    return HtmlBlock(f'{intro}<dl class="facts provenance">{facts}</dl>') + inputs



def data_annex(res: ReportResults, output_dir: str = "") -> HtmlBlock:
    """Write the data annex (``tabellen.xlsx`` and ``daten/*.csv``) beside the report and
    link it."""
    from integrationsmonitor import data_annex as annex
    from integrationsmonitor.compute import output_folder

    files = annex.write(res, output_folder(res.params.period, output_dir))
    csvs = "".join(f'<li><a href="{annex.CSV_FOLDER}/{p.name}">{text(p.name)}</a></li>'
                   for p in files[1:])
    return HtmlBlock(
        f'<p>Alle Tabellen dieses Berichts als Daten: <a href="{annex.WORKBOOK}">'
        f"{annex.WORKBOOK}</a> (ein Blatt je Tabelle, zuerst „Hinweise“ mit Zeichen, Quellen "
        "und Geheimhaltung) und dieselben Tabellen als CSV (UTF-8, Trennzeichen „;“, "
        f'Dezimalkomma) im Ordner {annex.CSV_FOLDER}/:</p><ul class="csv-files">{csvs}</ul>')


# --- the coordinator's own words ------------------------------------------------------------

def own_text(res: ReportResults, place: str) -> HtmlBlock:
    """The coordinator's text for a named place (``texte/<report>.md``), or nothing."""
    html = res.texts.get(place)
    if not html:
        return HtmlBlock("")
    return HtmlBlock(f'<div class="own-text"><p class="own-label">Anmerkung der '
                     f"Berichterstattung ({text(res.params.author)})</p>{html}</div>")


def preface(res: ReportResults) -> HtmlBlock:
    """The Vorwort, if the coordinator wrote one."""
    html = res.texts.get("vorwort")
    return HtmlBlock(f'<h2 id="vorwort">Vorwort</h2><div class="own-text">{html}</div>'
                     if html else "")


def conclusion(res: ReportResults) -> HtmlBlock:
    """The Fazit: in the final report first what the concept achieved, from the data
    (:func:`achievement_summary`), then the coordinator's words if any; elsewhere only
    those."""
    html = res.texts.get("fazit")
    generated = achievement_summary(res) if res.report.kind == FINAL else ""
    if not (html or generated):
        return HtmlBlock("")
    return HtmlBlock('<h2 id="fazit">Fazit</h2>'
                     + (f"<p>{text(generated)}</p>" if generated else "")
                     + (f'<div class="own-text">{html}</div>' if html else ""))


# --- at a glance ------------------------------------------------------------------------------

def _verdict_counts(res: ReportResults) -> HtmlBlock:
    from integrationsmonitor.verdict import VERDICTS

    counts = pd.Series([a.verdict.code for a in res.assessments]).value_counts()
    cells = "".join(
        f'<li class="ampel-{VERDICTS[code][1]}"><span class="n">{fmt.number(counts[code])}'
        f'</span> <span aria-hidden="true">{VERDICTS[code][2]}</span> '
        f"{text(VERDICTS[code][0])}</li>"
        for code in VERDICTS if counts.get(code))
    n = len(res.assessments)
    whom = "Der Indikator" if n == 1 else f"Die {fmt.number(n)} Indikatoren"
    return HtmlBlock(f'<p class="counts-label">{whom} am {fmt.date(res.period.stichtag)}:</p>'
                     f'<ul class="verdict-counts">{cells}</ul>')


def _term_over(res: ReportResults) -> bool:
    """The Stichtag is at or after every target date: only reached / not reached counts."""
    return all(res.period.stichtag >= a.indicator.target_date for a in res.assessments)


def verdict_changes(assessments, before) -> tuple[list[str], list[str], list[str]]:
    """The indicator IDs whose target is newly reached, whose verdict is better and whose is
    worse than in ``before`` (the assessments of the report compared with). A target newly
    reached is the best news, though "auf Kurs" and "Ziel erreicht" are equally good
    verdicts: it is named on its own, not among the better ones."""
    was = {a.indicator.id: a.verdict for a in before}
    now = [(a.indicator.id, a.verdict) for a in assessments if a.indicator.id in was]
    reached = [i for i, v in now if v.code == "erreicht" and was[i].code != "erreicht"]
    better = [i for i, v in now if v.severity < was[i].severity and i not in reached]
    worse = [i for i, v in now if v.severity > was[i].severity]
    return reached, better, worse


def key_messages(res: ReportResults) -> list[str]:
    """Three to five messages generated from the results (German sentences)."""
    out = []
    rate = _total_rate(res)
    before = _total_rate(res, res.previous.id) if res.previous else None
    if rate is not None:
        change = "" if before is None else (
            f" ({res.previous.label}: {fmt.percent(before)}, "
            f"{_signed_points(rate - before)})")
        base = int(res.rates.loc[res.rates["ak_id"] == "Gesamt", "base"].iloc[0])
        out.append(f"Die Umsetzungsquote des Konzepts liegt bei {fmt.percent(rate)}{change}; "
                   f"sie zählt umgesetzte Maßnahmen und Daueraufgaben unter den {base} "
                   "gemeldeten Maßnahmen ohne entfallene und zur Zeit nicht lösbare.")
    n = len(res.assessments)
    best = sum(a.verdict.is_best for a in res.assessments)
    grey = sum(a.verdict.code == "nicht_bewertbar" for a in res.assessments)
    if res.report.kind == FINAL or _term_over(res):
        out.append(indicator_outcome(res))
    else:
        out.append(f"{best} von {fmt.count(n, 'Indikator', 'Indikatoren', case='dat')} "
                   f"{fmt.agree(best, 'ist', 'sind')} auf Kurs oder am Ziel, "
                   f"{n - best - grey} hinter dem Zielpfad oder verschlechtert"
                   + (f", {grey} nicht bewertbar" if grey else "") + ".")
    if res.previous_assessments and not _term_over(res):
        # At the target date the verdicts change their kind (reached / not reached); a
        # comparison with the interim verdicts before would read as better or worse.
        reached_now, better, worse = verdict_changes(res.assessments,
                                                     res.previous_assessments)
        if better or worse or reached_now:
            out.append(f"Seit dem {res.previous.label} "
                       + (f"neu am Ziel: {res.names_of(reached_now)}; " if reached_now
                          else "")
                       + f"besser bewertet: {res.names_of(better) or 'keiner'}; schlechter: "
                       f"{res.names_of(worse) or 'keiner'}.")
    if res.cases is not None:
        t, days = res.cases.by_rechtskreis, res.cases.days
        compare = days.previous or days.baseline
        if compare != days.current:
            diff = t.published.at["Gesamt", days.current] - t.published.at["Gesamt", compare]
            since = (f"gegenüber dem {fmt.date(compare)}" if res.report.kind != FINAL
                     or days.previous is None else
                     f"seit dem {fmt.date(compare)}, dem ersten Stichtag der Laufzeit")
            # The Kreistag reads the laws' names once in full; the Lenkungsgruppe knows them.
            laws = ("Leistungen nach AsylbLG oder SGB II" if res.report.kind == HALF_YEAR
                    else "Leistungen nach dem Asylbewerberleistungsgesetz (AsylbLG) oder "
                    "Grundsicherung für Arbeitsuchende (SGB II)")
            out.append(f"Am {fmt.date(days.current)} erhielten "
                       f"{t.display.at['Gesamt', days.current]} Personen der Zielgruppe "
                       f"{laws} ({_signed(diff)} {since}).")
    blocked = int(res.view["blocked"].sum())
    if blocked:
        out.append(f"{fmt.count(blocked, 'Maßnahme', 'Maßnahmen')} "
                   f"{fmt.agree(blocked, 'ist', 'sind')} wegen fehlender Mittel ausgesetzt.")
    missing = [a for a in res.catalogue.arbeitskreise["ak_id"] if a not in res.reported_aks]
    if missing:
        out.append("Es fehlt der Statusbogen von " + ", ".join(
            f"AK {res.ak_labels[a]}" for a in missing) + ".")
    return out[:5]


def _signed_points(diff: float) -> str:
    points = diff * 100
    if round(points, 1) == 0:
        return "unverändert"
    sign = "+" if points > 0 else "−"
    return f"{sign}{fmt.number(abs(points), 1)} Prozentpunkte"


def decisions_asked(res: ReportResults) -> HtmlBlock:
    """The decisions the Steuerungsbedarf proposes, grouped by proposal, with the points; the
    points only to be watched ("Beobachten") follow separately "zur Kenntnis"."""
    if not res.steering:
        return note("Es steht keine Entscheidung an.")

    def grouped(points) -> str:
        # One line per kind of proposal: proposals that differ only in their measures merge
        # ("Maßnahmen BIL-M05, TEI-M13 neu terminieren").
        groups: dict[str, tuple[list[int], set[str]]] = {}
        for p in points:
            nrs, measures = groups.setdefault(p.template or p.proposal, ([], set()))
            nrs.append(p.nr)
            measures.update(p.measures)
        return "".join(
            f"<li><strong>{text(key.format(measures=measures_words(sorted(ms))) if ms else key)}"
            f"</strong> ({'Punkt' if len(nrs) == 1 else 'Punkte'} "
            f"{fmt.number_ranges(nrs)})</li>"
            for key, (nrs, ms) in groups.items())

    decide = [p for p in res.steering if p.to_decide]
    watch = [p for p in res.steering if not p.to_decide]
    n = len(res.steering)
    parts = []
    if decide:
        of_all = fmt.count(n, "Punkt", "Punkte", case="dat")
        parts.append(f'<p class="asked">Zur Entscheidung ({fmt.number(len(decide))} von '
                     f"{of_all} im Steuerungsbedarf):</p>"
                     f'<ol class="decisions-asked">{grouped(decide)}</ol>')
    if watch:
        parts.append('<p class="asked">Zur Kenntnis (beobachten oder unter einem anderen '
                     f'Punkt entschieden):</p><ul class="decisions-asked">{grouped(watch)}</ul>')
    return HtmlBlock("".join(parts))


def at_a_glance(res: ReportResults) -> HtmlBlock:
    """Page 1: the verdicts counted, three to five key messages, the decisions asked for."""
    messages = "".join(f"<li>{text(m)}</li>" for m in key_messages(res))
    parts = [own_text(res, "auf einen blick"), _verdict_counts(res),
             HtmlBlock(f'<ul class="key-messages">{messages}</ul>')]
    if res.report.kind == HALF_YEAR:
        parts.append(decisions_asked(res))
    # The table of contents follows page 1 (render.with_toc puts it at this marker).
    return (HtmlBlock('<section class="at-a-glance">') + join(parts)
            + HtmlBlock('</section><div class="toc-here"></div>'))


# --- the annual report to the Kreistag ---------------------------------------------------------

def achievements(res: ReportResults) -> HtmlBlock:
    """What was achieved in the report's time: the Umsetzungsquote at the end of each of its
    half-years, and the measures that moved forward (new ones umgesetzt first)."""
    from integrationsmonitor.data_annex import rate_history_table

    compared = [res.previous] if res.previous else []
    shown = [p.label for p in [*compared, *res.report.half_years]]
    history = rate_history_table(res)
    halves = table(history[history["Halbjahr"].isin(shown)], [
        ("p", "Halbjahr", lambda r: text(r["Halbjahr"])),
        ("day", "Stichtag", lambda r: fmt.date(r["Stichtag"])),
        ("rate", "Umsetzungsquote", lambda r: fmt.percent(r["Umsetzungsquote (%)"] / 100))],
        caption="Umsetzungsquote am Ende der Halbjahre", numeric=["rate"],
        sheet="umsetzungsquote_verlauf", part="Vergleich und Halbjahre des Berichts",
        sheet_columns={"rate": "Umsetzungsquote (%)"})
    v = res.view
    done = v[v["group"].eq("umgesetzt") & (v["change"].isin(["vorwärts", "neu"])
                                          | (res.previous is None))]
    moved = v[v["change"].eq("vorwärts") & ~v.index.isin(done.index)]
    since = f"seit dem {res.previous.label}" if res.previous else "in der Laufzeit bisher"
    # Setbacks belong to the year's account as much as progress (status rank down).
    back = v[v["change"].eq("rückwärts")]
    setback = ("" if back.empty else
               f" {fmt.count(len(back), 'Maßnahme ist', 'Maßnahmen sind')} dagegen "
               f"zurückgefallen: {res.names_of(back['measure_id'])}.")
    parts = [own_text(res, "maßnahmen"), halves,
             HtmlBlock(f"<p>{fmt.count(len(done), 'Maßnahme', 'Maßnahmen')} "
                       f"{fmt.agree(len(done), 'ist', 'sind')} {since} umgesetzt oder als "
                       f"Daueraufgabe etabliert worden, "
                       f"{fmt.count(len(moved), 'weitere', 'weitere')} "
                       f"{fmt.agree(len(moved), 'ist', 'sind')} vorangekommen."
                       f"{text(setback)}</p>")]
    vocab = res.catalogue.vocab
    shown = pd.concat([done, moved])
    if len(shown):
        parts.append(table(shown, [
            ("measure_id", "ID", lambda r: text(r["measure_id"])),
            ("text", "Maßnahme", lambda r: text(_shorten(r["text"], 110))),
            ("prev", "vorher", lambda r: text(vocab.status_label(r["previous_status"]))
             if pd.notna(r["previous_status"]) else "–"),
            ("now", "jetzt", lambda r: status_badge(r["status"], r["status_label"])),
        ], caption=f"Fortschritte {since}", css_class="compact", sheet="massnahmen",
            part="vorangekommen", sheet_columns={"prev": "Status Vorbericht", "now": "Status"}))
    if len(back):
        parts.append(table(back, [
            ("measure_id", "ID", lambda r: text(r["measure_id"])),
            ("text", "Maßnahme", lambda r: text(_shorten(r["text"], 110))),
            ("prev", "vorher", lambda r: text(vocab.status_label(r["previous_status"]))),
            ("now", "jetzt", lambda r: status_badge(r["status"], r["status_label"])),
        ], caption=f"Rückschritte {since}", css_class="compact", sheet="massnahmen",
            part="zurückgefallen", sheet_columns={"prev": "Status Vorbericht", "now": "Status"}))
    return join(parts)


def report_decisions(res: ReportResults) -> HtmlBlock:
    """The steering body's decisions within the report's time."""
    d = res.decisions[res.decisions["in_report"]]
    body = _steering_body(res)
    if d.empty:
        return note(f"Im Berichtszeitraum hat die {body} keine Steuerungsentscheidung "
                    "getroffen.")
    return table(d, [
        ("decision_id", "Nr.", lambda r: text(r["decision_id"])),
        ("decided_on", "Datum", lambda r: fmt.date(r["decided_on"])),
        ("decision", "Entscheidung", lambda r: text(res.explain_ids(r["decision"]))),
        ("reason", "Anlass", lambda r: text(res.explain_ids(r["reason"]))),
    ], caption=f"Entscheidungen der {body} {res.report.span}", sheet="entscheidungen",
        part="im Berichtszeitraum")


def kreistag_requests(res: ReportResults) -> HtmlBlock:
    """What the body the annual report goes to is asked to note or decide (generated)."""
    body = res.catalogue.narrative.council
    items = [f"den {res.report.title} zur Kenntnis zu nehmen"]
    if res.report.kind == FINAL:
        missed = sum(a.verdict.code in ("nicht_erreicht", "nicht_gehalten")
                     for a in res.assessments)
        lasting = res.view[res.view["status"] == "daueraufgabe"]
        # Only a measure that needs outside money and has it not secured is a funding gap;
        # "keine Angabe" is no gap (measure_status.funding_gap).
        unfunded = lasting[funding_gap(lasting)]
        # Indicators, not the concept's goals: a goal's measures may all be done while its
        # indicator fell short.
        n = len(res.assessments)
        missed_text = ("" if not missed else
                       f" und den Indikator, dessen Zielwert nicht erreicht ist (1 von {n}), "
                       "fortschreibt oder begründet aufgibt" if missed == 1 else
                       f" und die {missed} von {n} Indikatoren, deren Zielwert nicht erreicht "
                       "ist, fortschreibt oder begründet aufgibt")
        items.append("ein Folgekonzept in Auftrag zu geben, das die Empfehlungen dieses "
                     f"Berichts aufnimmt{missed_text}")
        if len(unfunded):
            tag = res.catalogue.narrative.funding_tag
            items.append(f"über die Finanzierung der "
                         f"{fmt.count(len(unfunded), 'Daueraufgabe', 'Daueraufgaben', case='gen')} "
                         f"zu beraten, die {tag} brauchen und deren Finanzierung nicht "
                         f"gesichert ist: {res.names_of(unfunded['measure_id'])}")
        lis = "".join(f"<li>{text(i)}</li>" for i in items)
        return HtmlBlock(f"<p>Der {text(body)} wird gebeten,</p><ol class=\"requests\">{lis}</ol>")
    blocked = res.view[res.view["blocked"]]
    if len(blocked):
        items.append(f"zur Kenntnis zu nehmen, dass "
                     f"{fmt.count(len(blocked), 'Maßnahme', 'Maßnahmen')} wegen fehlender "
                     f"Mittel ausgesetzt {fmt.agree(len(blocked), 'ist', 'sind')}, und über "
                     "die Bereitstellung von Mitteln oder die Unterstützung von Förderanträgen "
                     f"zu beraten: {res.names_of(blocked['measure_id'])}")
    proposed = [a.indicator.id for a in res.assessments
                if a.indicator.awaits_adoption(res.period.end)]
    deferred = [a.indicator for a in res.assessments if a.indicator.deferred_by(res.period.end)]
    if proposed:
        items.append(f"zur Kenntnis zu nehmen, dass "
                     f"{'der Zielwert' if len(proposed) == 1 else 'die Zielwerte'} von "
                     f"{res.names_of(proposed)} noch nicht beschlossen "
                     f"{fmt.agree(len(proposed), 'ist', 'sind')} "
                     f"(zuständig: {_steering_body(res)})")
    for ind in deferred:
        items.append(f"zur Kenntnis zu nehmen, dass die {_steering_body(res)} die Entscheidung "
                     f"über den Zielwert von {res.name_of(ind.id)} zurückgestellt hat "
                     f"(Beschluss {ind.deferred.decision})")
    far = [a.indicator.id for a in res.assessments
           if a.verdict.code in ("deutlich_hinter_zielpfad", "verschlechtert",
                                 "nicht_erreicht", "nicht_gehalten")]
    if far:
        items.append(f"die Entwicklung der Indikatoren zu beachten, die deutlich hinter "
                     f"ihrem Ziel liegen: {res.names_of(far)}")
    lis = "".join(f"<li>{text(i)}</li>" for i in items)
    return HtmlBlock(f"<p>Der {text(body)} wird gebeten,</p><ol class=\"requests\">{lis}</ol>")


# --- the final report ------------------------------------------------------------------------

def completion_by_goal(res: ReportResults) -> HtmlBlock:
    """Per AK and goal: how many measures were umgesetzt/Daueraufgabe, running, open, outside."""
    from integrationsmonitor.data_annex import goal_completion_table

    frame = goal_completion_table(res)
    return own_text(res, "maßnahmen") + table(frame, [
        ("goal", "Ziel", lambda r: text(r["Ziel"])),
        ("text", "Ziel (Wortlaut)", lambda r: text(_shorten(r["Ziel (Wortlaut)"], 90))),
        ("n", "Maßnahmen", lambda r: fmt.number(r["Maßnahmen"])),
        ("done", "umgesetzt / Dauer", lambda r: fmt.number(r["umgesetzt / Daueraufgabe"])),
        ("running", "in Umsetzung", lambda r: fmt.number(r["in Umsetzung"])),
        ("open", "offen", lambda r: fmt.number(r["offen"])),
        ("out", "entfallen / keine Lösung", lambda r: fmt.number(r["entfallen / keine Lösung"])),
    ], caption=f"Umsetzung der Maßnahmen je Ziel am {fmt.date(res.period.stichtag)}",
        css_class="compact", numeric=["n", "done", "running", "open", "out"],
        sheet="umsetzung_je_ziel", sheet_columns={"done": "umgesetzt / Daueraufgabe"},
        legend="Eine Maßnahme, die mehreren Zielen dient, zählt bei jedem dieser Ziele.")


def achievement_summary(res: ReportResults) -> str:
    """What the concept achieved by the end of its term, in three sentences: measures done,
    indicators at their target, what continues and what stayed open (the figures of the
    sections before it, not their sentences)."""
    total = res.rates[res.rates["ak_id"] == "Gesamt"].iloc[0]
    done, base = int(total["umgesetzt"]), int(total["base"])
    out = [f"Zum Ende der Laufzeit am {fmt.date(res.period.end)} sind {fmt.number(done)} der "
           f"{fmt.count(base, 'Maßnahme', 'Maßnahmen', case='gen')}, die für die "
           "Umsetzungsquote zählen, umgesetzt oder als Daueraufgabe etabliert "
           f"({fmt.percent(total['rate'])})."]
    n, reached, grey = _outcome_counts(res)
    out.append(f"Ihr Ziel erreicht oder gehalten {fmt.agree(reached, 'hat', 'haben')} "
               f"{reached} von {fmt.count(n, 'Indikator', 'Indikatoren', case='dat')}, "
               f"{n - reached - grey} {fmt.agree(n - reached - grey, 'hat', 'haben')} es "
               "verfehlt" + (f", {grey} {fmt.agree(grey, 'ist', 'sind')} nicht bewertbar"
                             if grey else "") + ".")
    from integrationsmonitor.data_annex import open_reason_counts

    lasting = int((res.view["status"] == "daueraufgabe").sum())
    still = sum(c for _, c in open_reason_counts(res))
    rest = []
    if lasting:
        rest.append(f"{fmt.count(lasting, 'Maßnahme läuft', 'Maßnahmen laufen')} als "
                    "Daueraufgabe weiter")
    if still:
        rest.append(f"{fmt.count(still, 'Maßnahme ist', 'Maßnahmen sind')} nicht umgesetzt "
                    "(Gründe im Abschnitt „Was offen blieb und warum“)")
    if rest:
        out.append("; ".join(rest) + ".")
    return " ".join(out)


def indicator_outcome(res: ReportResults) -> str:
    """How many indicators reached or held their target at the end of the term."""
    n, reached, grey = _outcome_counts(res)
    return (f"{reached} von {fmt.count(n, 'Indikator', 'Indikatoren', case='dat')} "
            f"{fmt.agree(reached, 'hat', 'haben')} das Ziel zum Ende der Laufzeit erreicht "
            f"oder gehalten; {n - reached - grey} nicht"
            + (f", {grey} {fmt.agree(grey, 'ist', 'sind')} nicht bewertbar" if grey else "")
            + ".")


def _outcome_counts(res: ReportResults) -> tuple[int, int, int]:
    """The indicators: in all, those that reached or held their target, those not
    assessable."""
    codes = [a.verdict.code for a in res.assessments]
    return (len(codes), sum(c in ("erreicht", "gehalten") for c in codes),
            codes.count("nicht_bewertbar"))


def continuing_tasks(res: ReportResults) -> HtmlBlock:
    """Measures that continue after the term as Daueraufgabe, with their financing."""
    v = res.view[res.view["status"] == "daueraufgabe"]
    if v.empty:
        return note("Keine Maßnahme läuft als Daueraufgabe über die Laufzeit hinaus.")
    vocab = res.catalogue.vocab
    counts = v["financing"].map(lambda f: vocab.financing_label(f) or "keine Angabe") \
        .value_counts()
    unknown = v[v["financing"].isna()]
    dependent = int(unknown["funding_dependent"].sum())
    tag = res.catalogue.narrative.funding_tag
    # "keine Angabe" is reported as such; whether it can be a funding gap depends on the
    # concept's funding tag (measure_status.funding_gap).
    none = fmt.number(len(unknown))
    remark = "" if unknown.empty else (
        f" Keine der {none} ohne Angabe braucht {tag}." if dependent == 0 else
        f" {fmt.number(dependent)} der {none} ohne Angabe "
        f"{fmt.agree(dependent, 'braucht', 'brauchen')} {tag}; die Angabe ist beim "
        "Arbeitskreis zu erfragen.")
    lead = ("<p>" + fmt.count(len(v), "Maßnahme läuft", "Maßnahmen laufen") + " als "
            "Daueraufgabe weiter. Finanzierung laut Statusbogen: " + ", ".join(
                f"{text(k)} bei {fmt.number(n)}" for k, n in counts.items()) + "."
            + text(remark) + "</p>")
    return HtmlBlock(lead) + table(v, [
        ("measure_id", "ID", lambda r: text(r["measure_id"])),
        ("text", "Maßnahme", lambda r: text(_shorten(r["text"], 110))),
        ("financing", "Finanzierung", lambda r: text(vocab.financing_label(r["financing"]))),
    ], caption="Daueraufgaben nach dem Ende der Laufzeit", css_class="compact",
        sheet="massnahmen", part="Daueraufgaben")


def open_summary(res: ReportResults) -> str:
    """The open measures at the end of the term counted by their reason, and the largest
    group named (the same counts as the table "Offen gebliebene Maßnahmen"); "" when none."""
    from integrationsmonitor.data_annex import open_reason_counts

    counts = open_reason_counts(res)
    if not counts:
        return ""
    n = sum(c for _, c in counts)
    top = max(c for _, c in counts)
    largest = [k for k, c in counts if c == top]
    if len(counts) == 1:
        most = ""
    elif len(largest) == 1:
        most = f" Die größte Gruppe: {largest[0]} ({fmt.number(top)})."
    else:
        most = (f" Am häufigsten, je {fmt.number(top)}: "
                f"{', '.join(largest[:-1])} und {largest[-1]}.")
    return (f"{fmt.count(n, 'Maßnahme ist', 'Maßnahmen sind')} zum "
            f"{fmt.date(res.period.end)} nicht umgesetzt, nach dem Grund: "
            + "; ".join(f"{k} {fmt.number(c)}" for k, c in counts) + "." + most)


def open_items(res: ReportResults) -> HtmlBlock:
    """What remained open at the end of the term, grouped by why, each with its history in
    words and its last Sachstand."""
    from integrationsmonitor.data_annex import open_measure_table

    v = open_measure_table(res)
    if v.empty:
        return note("Alle Maßnahmen sind umgesetzt oder laufen als Daueraufgabe.")
    return HtmlBlock(f"<p>{text(open_summary(res))}</p>") + table(v, [
        ("measure_id", "ID", lambda r: text(r["ID"])),
        ("text", "Maßnahme", lambda r: text(_shorten(r["Maßnahme"], 90))),
        ("why", "Grund", lambda r: text(r["Grund"])),
        ("reason", "Stand", lambda r: text(r["Stand"])),
        ("sachstand", "Letzter Sachstand (Meldung des Arbeitskreises)",
         lambda r: text(_shorten(r["Letzter Sachstand"], 90))
         if isinstance(r["Letzter Sachstand"], str) else ""),
    ], caption="Offen gebliebene Maßnahmen", css_class="compact", sheet="offen_geblieben",
        sheet_columns={"sachstand": "Letzter Sachstand"})


def recommendations(res: ReportResults) -> HtmlBlock:
    """Recommendations for a follow-up concept, derived from the results by fixed rules."""
    items = []
    missed = [a for a in res.assessments if a.verdict.code in ("nicht_erreicht",
                                                               "nicht_gehalten")]
    if missed:
        items.append("Nicht erreichte Ziele fortschreiben oder begründet aufgeben: " + "; ".join(
            res.name_of(a.indicator.id)
            + (f": {fmt.percent(a.verdict.share_of_way, 0)} des Weges"
               if a.verdict.share_of_way is not None else "") for a in missed) + ".")
    never = res.view[res.view["status"].isin(["nicht_begonnen", "in_planung"])]
    if len(never):
        items.append(f"{fmt.count(len(never), 'Maßnahme', 'Maßnahmen')} "
                     f"{fmt.agree(len(never), 'kam', 'kamen')} über die Planung nicht hinaus: "
                     f"{res.names_of(never['measure_id'])}. Bedarf und Träger neu prüfen, "
                     "bevor sie in ein Folgekonzept übernommen werden.")
    blocked = res.view[res.view["blocked"] | res.view["funding_dependent"]
                       & ~res.view["group"].eq("umgesetzt")]
    if len(blocked):
        ids = res.names_of(blocked["measure_id"])
        items.append(f"Die Finanzierung vor der Aufnahme klären: "
                     f"{fmt.count(len(blocked), 'Maßnahme', 'Maßnahmen')} "
                     f"{fmt.agree(len(blocked), 'hängt', 'hängen')} von Mitteln Dritter ab "
                     f"und {fmt.agree(len(blocked), 'ist', 'sind')} nicht umgesetzt: {ids}.")
    lasting = res.view[res.view["status"] == "daueraufgabe"]
    if len(lasting):
        # Funding to secure only where it is missing (measure_status.funding_gap), not for
        # tasks whose money is secured or that need none from outside.
        gap = lasting[funding_gap(lasting)]
        items.append(f"{fmt.count(len(lasting), 'Daueraufgabe', 'Daueraufgaben')} verstetigen"
                     + ("" if gap.empty else
                        f"; die Finanzierung sichern bei {res.names_of(gap['measure_id'])} "
                        f"({res.catalogue.narrative.funding_tag} nötig, nicht gesichert)")
                     + ".")
    grey = [a for a in res.assessments if a.verdict.code == "nicht_bewertbar"]
    if grey:
        items.append("Nicht bewertbare Ziele klären: " + "; ".join(
            f"{res.name_of(a.indicator.id)}: {a.verdict.reason.rstrip('.')}" for a in grey) + ".")
    lis = "".join(f"<li>{text(i)}</li>" for i in items) or "<li>keine</li>"
    return own_text(res, "empfehlungen") + HtmlBlock(
        f'<p>Aus den Daten abgeleitet (feste Regeln):</p><ol class="recommendations">{lis}</ol>')
