"""Steuerungsbedarf: the points the steering body (the concept's ``steering_group``) has to
decide on, from a fixed rule set, each with its reason in words and figures, since when it
stands, the Arbeitskreis in charge, the decisions taken so far and a proposal for the decision
(Beschlussvorschlag).

Pure: every input is a frame or object the report has already computed; nothing is read here.
Each rule cites the passage of the concept it rests on; the passages are the concept's own
(``quotations:`` in its ``konzept.yaml``), read from the catalogue.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import pandas as pd

from integrationsmonitor import formatting as fmt
from integrationsmonitor.catalogue import Catalogue
from integrationsmonitor.measure_status import status_run
from integrationsmonitor.periods import Period, ReportingCalendar
from integrationsmonitor.verdict import GREEN, YELLOW, judge

STALLED = ("nicht_begonnen", "in_planung", "verzoegert")
CASE_KINDS = ("case_share", "case_gap")


@dataclass(frozen=True)
class Rule:
    """One rule of the Steuerungsbedarf: what it selects and the key of the concept passage
    behind it (:data:`integrationsmonitor.catalogue.QUOTATION_KEYS`)."""

    kind: str
    selects: str
    quotation: str

    def concept(self, catalogue: Catalogue) -> str:
        """The concept's passage for this rule; "" where the concept quotes none."""
        return catalogue.quotation(self.quotation)


RULES = (
    Rule("Zielwerte", "Zielwerte, die noch nicht beschlossen und nicht durch einen Beschluss "
         "zurückgestellt sind (immer der erste Punkt)",
         "goals"),
    Rule("Indikator", "jeder Indikator, dessen Bewertung nicht die beste ist: hinter oder "
         "deutlich hinter dem Zielpfad, verschlechtert, Ziel nicht erreicht, Ziel nicht "
         "gehalten", "steering"),
    Rule("Maßnahme", "jede Maßnahme, die in diesem und im vorigen Halbjahr „nicht begonnen“, "
         "„in Planung“ oder „verzögert“ ist, ohne Fortschritt (Status nicht vorwärts, "
         "Fortschritt in Prozent nicht gestiegen); am Ende der Laufzeit jede Maßnahme, die "
         "nicht abgeschlossen ist (auch „in Umsetzung“)", "term"),
    Rule("Finanzierung", "jede wegen fehlender Mittel ausgesetzte Maßnahme", "funding"),
    Rule("Lieferung", "jede fehlende Lieferung: der Statusbogen eines Arbeitskreises; die "
         "Extrakte von Sozialamt und Jobcenter, wenn Indikatoren auf ihnen beruhen",
         "data"),
)

# Beschlussvorschläge: the small rule set that proposes the decision for each point.
PROPOSALS = {
    "adopt": "Zielwerte beschließen (oder geändert beschließen)",
    "adopt_one": "Zielwert beschließen (oder geändert beschließen)",
    "end_missed": "Ergebnis feststellen; Ziel für die Fortschreibung des Konzepts übernehmen, "
                  "ändern oder aufgeben",
    "worse": "Ursache vom Arbeitskreis klären lassen; Gegenmaßnahme beschließen",
    "worse_all": "Ursache klären lassen; Gegenmaßnahme beschließen",
    # {measures}: "Maßnahme BIL-M05" / "Maßnahmen BIL-M05, BIL-M08" (those without a point
    # of their own; for those with one, the point refers to it: see steering_points)
    "blocked_behind": "Mittel beantragen: {measures}",
    "stalled_behind": "{measures} neu terminieren",
    # Every cause has a point of its own, where the decision is asked: only noted here.
    "decided_there": "Entscheidung unter {points}",
    "far_behind": "Zielwert überprüfen oder Maßnahmen verstärken",
    # Not a decision: listed "zur Kenntnis" (SteeringPoint.to_decide False).
    "behind": "Beobachten; der Arbeitskreis berichtet zum nächsten Stichtag über die "
              "Gegensteuerung",
    "behind_all": "Beobachten; Bericht über die Gegensteuerung zum nächsten Stichtag",
    "stalled": "Maßnahme neu terminieren oder streichen",
    "stalled_end": "Maßnahme in die Fortschreibung des Konzepts übernehmen oder streichen",
    "funds_requested": "Bewilligung nachhalten; bei Ablehnung andere Finanzierung suchen oder "
                       "Maßnahme streichen",
    "funds_missing": "Mittel beantragen oder Maßnahme streichen",
    "status_sheet": "Statusbogen beim Arbeitskreis nachfordern",
    "extracts": "Extrakte bei Sozialamt und Jobcenter anfordern",
}

# Severity: higher first. The adoption of targets is always the first point.
SEVERITY = {"adopt": 100, "adopt_one": 100, "verschlechtert": 60, "nicht_gehalten": 60,
            "nicht_erreicht": 55,
            "missing": 50, "deutlich_hinter_zielpfad": 45, "blocked": 40, "stalled_long": 35,
            "hinter_zielpfad": 30, "stalled": 25}


@dataclass(frozen=True)
class SteeringPoint:
    """One point of the Steuerungsbedarf.

    Attributes:
        nr: 1, 2, … in the order of the table.
        kind: the rule that selected it (see :data:`RULES`).
        subject: Gegenstand, e.g. "SPR-I1: Erwachsene mit …" or "ARB-M08: …".
        reason: Grund, in words with the figures.
        since: the first half-year of the current run (None when not known).
        ak_id: the Arbeitskreis in charge (None: the steering body / all).
        decisions: the decisions recorded so far, "Nr. … vom …: …".
        proposal: the Beschlussvorschlag.
        severity: higher is more urgent; the table is sorted by it.
        to_decide: False for a point only to be watched ("Beobachten") or decided under
            other points: the brief lists it "zur Kenntnis", not among the decisions asked for.
        template, measures: a proposal about named measures, as the template (a
            :data:`PROPOSALS` text with ``{measures}``) and their IDs, so that the brief can
            merge the same proposal for several points; None / () for other proposals.
    """

    nr: int
    kind: str
    subject: str
    reason: str
    since: Period | None
    ak_id: str | None
    decisions: tuple[str, ...]
    proposal: str
    severity: int
    to_decide: bool = True
    template: str | None = None
    measures: tuple[str, ...] = ()

    @property
    def decisions_text(self) -> str:
        """The decisions so far as one text, each a sentence of its own ("Nr. 2019-03 vom
        20.11.2019: …. Nr. 2020-02 vom …"), not glued with "; " after a full stop."""
        return " ".join(d if d.rstrip().endswith((".", "!", "?")) else f"{d.rstrip()}."
                        for d in self.decisions)

    @property
    def since_label(self) -> str:
        return self.since.id if self.since is not None else "–"


def rule_text(catalogue: Catalogue) -> str:
    """The rule written above the table, in German, with the concept's passages (a rule whose
    passage the concept does not quote stands without one)."""
    parts = [f"({i}) {r.selects}" + (f" – Konzept: {r.concept(catalogue)}"
                                     if r.concept(catalogue) else "")
             for i, r in enumerate(RULES, 1)]
    return ("Steuerungsbedarf nach festen Regeln, geordnet nach Dringlichkeit: "
            + "; ".join(parts) + ". Nicht bewertbare Indikatoren erscheinen nur über die "
            "fehlende Lieferung. Jeder Punkt trägt einen Beschlussvorschlag nach festen Regeln "
            "(docs/indikatoren.md).")


def steering_points(catalogue: Catalogue, period: Period, previous: Period | None,
                    view: pd.DataFrame, previous_view: pd.DataFrame | None,
                    history: pd.DataFrame, decisions: pd.DataFrame,
                    assessments: Sequence, reported_aks: set[str],
                    case_data_expected: bool) -> list[SteeringPoint]:
    """Every point of the Steuerungsbedarf of ``period``, numbered in order of severity.

    Args:
        view, previous_view: :func:`measure_status.period_view` of this and the previous
            period (``previous_view`` None in the first period).
        history: every stored status row (:func:`measure_status.history`).
        decisions: :func:`decisions.decisions_until` of the period.
        assessments: :class:`indicators.Assessment` of every indicator at the Stichtag.
        reported_aks: the AKs whose status sheet for the period is in the data basis.
        case_data_expected: the concept has indicators on the case data (then missing
            extracts are a missing delivery).
    """
    cal = ReportingCalendar.of(catalogue)
    first = cal.periods[0]
    # (kind, subject, reason, since, ak_id, decisions, proposal, severity[, to_decide])
    raw: list[tuple] = []
    causes: dict[str, tuple[str, list[str]]] = {}  # indicator subject → (key, measure IDs)
    goal_ak = dict(zip(catalogue.goals["goal_id"], catalogue.goals["ak_id"]))

    # (1) targets not yet adopted; a target whose decision the steering body deliberately
    # put off (``deferred`` in the catalogue) is not proposed again
    proposed = [a.indicator for a in assessments if a.indicator.awaits_adoption(period.end)]
    if proposed:
        adopted_ids = sorted({a.indicator.adopted.decision for a in assessments
                              if a.indicator.adopted_by(period.end)})
        ids = ", ".join(i.id for i in proposed)
        n = len(proposed)
        subject = f"Zielwert des Indikators {ids}" if n == 1 else f"Zielwerte der Indikatoren {ids}"
        key = "adopt_one" if n == 1 else "adopt"
        raw.append(("Zielwerte", subject,
                    f"{fmt.count(n, 'Zielwert', 'Zielwerte')} "
                    f"{'ist' if n == 1 else 'sind'} noch nicht beschlossen und "
                    f"{'gilt' if n == 1 else 'gelten'} als Vorschlag der {_office(catalogue)}: "
                    + "; ".join(f"{i.id} {i.format(i.target)} bis {fmt.date(i.target_date)}"
                                + (" (halten)" if i.target_kind == "halten" else "")
                                for i in proposed) + ".",
                    first, None, _decisions_by_id(decisions, adopted_ids), PROPOSALS[key],
                    SEVERITY[key]))

    # (2) indicators whose verdict is not the best
    measures_of_goal = _measures_of_goals(catalogue)
    for a in assessments:
        v = a.verdict
        if v.is_best or v.code == "nicht_bewertbar":
            continue
        ind = a.indicator
        aks = {goal_ak[g] for g in ind.goals} or ({ind.scope["ak"]} if "ak" in ind.scope
                                                  else set())
        ak = next(iter(aks)) if len(aks) == 1 else None
        # The measures behind the indicator: those it counts, else those of its goals, else
        # those of its AK.
        linked = set(ind.measures) or (
            set().union(*(measures_of_goal.get(g, set()) for g in ind.goals)) if ind.goals
            else (set(view.loc[view["ak_id"] == ak, "measure_id"]) if ak else set()))
        mine = view[view["measure_id"].isin(linked)]
        # Causes: suspended for lack of funds, else stalled without progress this half-year
        # (a measure that moved forward is no cause).
        blocked = mine[mine["blocked"]]
        stalled = mine[mine["status"].isin(STALLED) & mine["change"].ne("vorwärts")]
        affected = blocked if len(blocked) else (stalled if len(stalled) else None)
        if v.code == "nicht_erreicht":
            key, affected = "end_missed", None
        elif v.code in ("verschlechtert", "nicht_gehalten"):
            key, affected = ("worse" if ak else "worse_all"), None
        elif v.code == "hinter_zielpfad":
            # with no single AK in charge, the steering body is: no AK is named
            key = "behind" if ak else "behind_all"
        elif len(blocked):
            key = "blocked_behind"
        elif len(stalled):
            key = "stalled_behind"
        else:
            key = "far_behind"
        proposal = PROPOSALS[key]
        if affected is not None:  # completed once the points are numbered (below)
            causes[f"{ind.id}: {ind.title}"] = (key, sorted(affected["measure_id"]))
        raw.append(("Indikator", f"{ind.id}: {ind.title}", f"{v.headline}. {v.reason}",
                    _verdict_since(a, cal, period), ak,
                    _decisions_for(decisions, linked), proposal, SEVERITY[v.code],
                    not key.startswith("behind")))

    # (3) measures stalled in this and the previous half-year without progress; at the end
    # of the term every measure not finished (its decision: carry over or drop)
    vocab = catalogue.vocab.status.set_index("code")
    at_end = period.end >= catalogue.term_end
    for r in view.itertuples():
        unfinished = r.status in STALLED or (at_end and r.status == "in_umsetzung")
        if previous_view is None or not unfinished:
            continue
        run = _stall_run(history, r.measure_id, period, vocab)
        if len(run) < 2 and not at_end:
            continue
        # "seit" counts the half-years in *this* status (status_run, the one rule of the
        # column "Halbjahre im Status"); a longer stall in another stalled status is named
        # beside it, so the reason never stretches one status over earlier ones.
        in_status = status_run(history, r.measure_id, period)
        pct = "" if pd.isna(r.progress_pct) else \
            f" (Stand {fmt.number(r.progress_pct)}\xa0%)"
        status = f"„{r.status_label}“{pct}"
        held = f"seit {fmt.count(len(in_status), 'Halbjahr', 'Halbjahre', case='dat')} {status}"
        if len(run) < 2:  # moving at the end of the term, but not finished
            reason = f"zum Ende der Laufzeit nicht abgeschlossen: {status}"
        elif len(run) > len(in_status):
            before = Period.parse(run[0])
            earlier = history[(history["measure_id"] == r.measure_id)
                              & history["period"].between(before.id, period.id)
                              & ~history["period"].isin(in_status)]
            labels = " bzw. ".join(f"„{catalogue.vocab.status_label(s)}“"
                                   for s in dict.fromkeys(earlier.sort_values("period")
                                                          ["status"]))
            reason = (f"{held}, davor {labels}: zusammen "
                      f"{fmt.count(len(run), 'Halbjahr', 'Halbjahre')} ohne Fortschritt")
        elif len(run) < len(in_status):
            reason = (f"{held}, seit {fmt.count(len(run), 'Halbjahr', 'Halbjahre', case='dat')}"
                      " ohne Fortschritt")
        else:
            reason = f"{held}, ohne Fortschritt"
        raw.append(("Maßnahme", f"{r.measure_id}: {r.text}", reason,
                    Period.parse(in_status[0]), r.ak_id,
                    _decisions_for(decisions, {r.measure_id}),
                    PROPOSALS["stalled_end" if at_end else "stalled"],
                    SEVERITY["stalled_long" if len(run) >= 3 else "stalled"]))

    # (4) measures suspended for lack of funds
    for r in view[view["blocked"]].itertuples():
        run = status_run(history, r.measure_id, period)
        financing = catalogue.vocab.financing_label(r.financing) if pd.notna(r.financing) \
            else "keine Angabe"
        raw.append(("Finanzierung", f"{r.measure_id}: {r.text}",
                    f"ausgesetzt – fehlende Mittel, seit "
                    f"{fmt.count(len(run), 'Halbjahr', 'Halbjahre', case='dat')}; "
                    f"Finanzierung: {financing}",
                    Period.parse(run[0]) if run else period, r.ak_id,
                    _decisions_for(decisions, {r.measure_id}),
                    PROPOSALS["funds_requested" if r.financing == "beantragt"
                              else "funds_missing"], SEVERITY["blocked"]))

    # (5) missing deliveries
    for ak in catalogue.arbeitskreise.itertuples():
        if ak.ak_id in reported_aks:
            continue
        since = _missing_since(history, ak.ak_id, period, cal)
        raw.append(("Lieferung", f"Statusbogen AK {ak.title}",
                    f"Der Statusbogen zum Stichtag {fmt.date(period.stichtag)} fehlt; die "
                    f"{fmt.count(len(catalogue.measures_of(ak.ak_id)), 'Maßnahme', 'Maßnahmen')}"
                    " erscheinen als „keine Angabe“.", since, ak.ak_id, (),
                    PROPOSALS["status_sheet"], SEVERITY["missing"]))
    case = [a for a in assessments if a.indicator.kind in CASE_KINDS]
    delivered = {d for a in case for d in a.series.index}
    if case_data_expected and period.stichtag not in delivered:
        since = period
        for p in reversed([q for q in cal.periods if q < period]):
            if p.stichtag in delivered:
                break
            since = p
        raw.append(("Lieferung", "Extrakte AsylbLG (Sozialamt) und SGB II (Jobcenter)",
                    f"Für den Stichtag {fmt.date(period.stichtag)} liegen keine Extrakte vor; "
                    f"{fmt.count(len(case), 'Indikator', 'Indikatoren')} "
                    f"{'ist' if len(case) == 1 else 'sind'} nicht bewertbar.", since, None, (),
                    PROPOSALS["extracts"], SEVERITY["missing"]))

    order = {r.kind: i for i, r in enumerate(RULES)}
    raw.sort(key=lambda p: (-p[7], p[3].id if p[3] else "9999", order[p[0]], p[1]))
    points = [SteeringPoint(i, *p) for i, p in enumerate(raw, start=1)]
    own = {p.subject.split(":")[0]: p.nr for p in points if p.kind in ("Maßnahme",
                                                                       "Finanzierung")}
    return [_refer_to_measure_points(p, causes[p.subject], own) if p.subject in causes
            else p for p in points]


def _refer_to_measure_points(point: SteeringPoint, cause: tuple[str, list[str]],
                             own: dict[str, int]) -> SteeringPoint:
    """An indicator behind because of stalled or suspended measures: the decision about a
    measure that has a point of its own is asked there, and this point refers to it, so that
    no decision is asked twice; the other measures are named in this point's proposal (never
    the goal's measures as a whole, some of which may be done). ``own``: the number of the
    point of each measure that has one."""
    key, measures = cause
    there = sorted((own[m], m) for m in measures if m in own)
    here = [m for m in measures if m not in own]
    refer = ""
    if there:
        refer = PROPOSALS["decided_there"].format(
            points=("Punkt " if len(there) == 1 else "den Punkten ")
            + ", ".join(f"{nr} ({m})" for nr, m in there))
    if key.startswith("behind"):  # watched, no decision: the causes' points are named
        return replace(point, proposal=f"{point.proposal}; {refer}" if refer
                       else point.proposal)
    if not here:
        return replace(point, proposal=refer, to_decide=False)
    proposal = PROPOSALS[key].format(measures=measures_words(here))
    return replace(point, proposal=f"{proposal}; {refer}" if refer else proposal,
                   template=None if refer else PROPOSALS[key], measures=tuple(here))


# --- helpers --------------------------------------------------------------------------------

def measures_words(measures: Sequence[str]) -> str:
    """ "Maßnahme BIL-M05", "Maßnahmen BIL-M05, BIL-M08"."""
    return (f"Maßnahme {measures[0]}" if len(measures) == 1
            else f"Maßnahmen {', '.join(measures)}")


def _office(catalogue: Catalogue) -> str:
    """Who proposes the targets (the concept's ``reporting.office``)."""
    return catalogue.narrative.office if catalogue.narrative else "Geschäftsstelle"


def _measures_of_goals(catalogue: Catalogue) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for mid, goals in zip(catalogue.measures["measure_id"], catalogue.measures["goal_ids"]):
        for g in goals:
            out.setdefault(g, set()).add(mid)
    return out


def _decision_text(r) -> str:
    return f"Nr. {r.decision_id} vom {fmt.date(r.decided_on)}: {r.decision}"


def _decisions_for(decisions: pd.DataFrame, measure_ids: Iterable[str]) -> tuple[str, ...]:
    """Decisions that name at least one of the measures."""
    wanted = set(measure_ids)
    if decisions is None or decisions.empty or not wanted:
        return ()
    return tuple(_decision_text(r) for r in decisions.itertuples()
                 if wanted & {i.strip() for i in str(r.measure_ids or "").split(",")
                              if i.strip()})


def _decisions_by_id(decisions: pd.DataFrame, ids: Iterable[str]) -> tuple[str, ...]:
    wanted = set(ids)
    if decisions is None or decisions.empty or not wanted:
        return ()
    return tuple(_decision_text(r) for r in decisions.itertuples() if r.decision_id in wanted)


def _verdict_since(a, cal: ReportingCalendar, period: Period) -> Period:
    """The first half-year of the current run of verdicts that are not the best, judged
    again at each earlier Stichtag with the same baseline and rule."""
    since = period
    for p in reversed([q for q in cal.periods if q < period]):
        value = a.series.get(p.stichtag)
        value = None if value is None or (isinstance(value, float) and math.isnan(value)) \
            else float(value)
        green, yellow = getattr(a, "thresholds", (GREEN, YELLOW))
        earlier = judge(a.indicator, a.baseline_date, a.baseline, p.stichtag, value, green,
                        yellow)
        if earlier.is_best or earlier.code == "nicht_bewertbar":
            break
        since = p
    return since


def _rank(vocab: pd.DataFrame, status: str) -> float:
    rank = vocab.at[status, "rank"] if status in vocab.index else None
    return float("nan") if rank is None or pd.isna(rank) else float(rank)


def _stall_run(history: pd.DataFrame, measure_id: str, period: Period,
               vocab: pd.DataFrame) -> list[str]:
    """Consecutive half-years up to ``period`` in a stalled status without progress from one
    to the next (status not forward, percentage not up), oldest first."""
    rows = history[(history["measure_id"] == measure_id) & (history["period"] <= period.id)]
    by_period = {r.period: r for r in rows.itertuples()}
    run: list[str] = []
    p = period
    later = None
    while p.id in by_period and by_period[p.id].status in STALLED:
        r = by_period[p.id]
        if later is not None:
            forward = _rank(vocab, later.status) > _rank(vocab, r.status)
            pct_up = (pd.notna(later.progress_pct) and pd.notna(r.progress_pct)
                      and later.progress_pct > r.progress_pct)
            if forward or pct_up:
                break
        run.insert(0, p.id)
        later, p = r, p.previous()
    return run


def _missing_since(history: pd.DataFrame, ak_id: str, period: Period,
                   cal: ReportingCalendar) -> Period:
    reported = set(history.loc[history["ak_id"] == ak_id, "period"])
    since = period
    for p in reversed([q for q in cal.periods if q < period]):
        if p.id in reported:
            break
        since = p
    return since
