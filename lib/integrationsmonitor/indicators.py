"""Progress indicators against the 2018–2021 targets: the indicator catalogue (YAML), the
series of every indicator per Stichtag, and its assessment: the one headline verdict
(:mod:`verdict`) and, as a secondary figure, the Open SDG progress measure."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import yaml

from integrationsmonitor import formatting as fmt
from integrationsmonitor.catalogue import Catalogue
from integrationsmonitor.database import STORE_SCHEMA
from integrationsmonitor.disclosure import is_small
from integrationsmonitor.errors import InputError, Problem, ProblemCollector, file_label
from integrationsmonitor.measure_status import implementation_rate, period_view
from integrationsmonitor.paths import DEFAULT_CONCEPT, FIGURES_DIR, INDICATORS_FILE
from integrationsmonitor.periods import Period, ReportingCalendar
from integrationsmonitor.progress import (
    STATUS_LABELS,
    AmpelResult,
    SeriesResult,
    decimal_year,
    series_progress,
)
from integrationsmonitor.reference import vocabularies
from integrationsmonitor.verdict import (
    Verdict,
    baseline_time,
    judge,
    target_side_problem,
    worse,
)

DEFAULT_INDICATORS = DEFAULT_CONCEPT / INDICATORS_FILE
KINDS = {"case_share", "case_gap", "kennzahl_sum", "implementation"}
FILTER_FIELDS = {"rechtskreis": "rechtskreis", "perspective": "perspective", "sex": "sex",
                 "residence_status": "residence_status", "housing": "housing",
                 "course_type": "course_type", "course_state": "course_state",
                 "course_level": "course_level", "employment": "employment",
                 "kita": "yes_no", "school": "yes_no"}
ALLOWED_KEYS = {"id", "title", "short_title", "goals", "kind", "numerator", "denominator",
                "reference",
                "measures", "kennzahl", "scope", "unit", "unit_singular", "direction", "target",
                "target_date", "target_kind", "cumulative_from", "baseline", "adopted",
                "deferred", "milestones", "caveats"}
TARGET_KINDS = ("erreichen", "halten")


@dataclass(frozen=True)
class Adoption:
    """The Lenkungsgruppe's adoption of a target: date and decision number in the register."""

    date: dt.date
    decision: str


@dataclass(frozen=True)
class Indicator:
    """One indicator of the catalogue.

    ``target_kind`` "erreichen" (reach the target by the target date, along the Zielpfad) or
    "halten" (keep the value at or beyond the target). ``cumulative_from``: the count sums
    from this date and its Zielpfad starts at 0 there. ``baseline_value``/``baseline_date``:
    a baseline declared in the catalogue (else the value at the baseline Stichtag of the
    data). ``adopted``: None while the target is a proposal. ``deferred``: the decision by
    which the Lenkungsgruppe deliberately put off deciding on the target (then it is not
    proposed for adoption again until adopted). ``source``/``line``: where the
    indicator's target stands in the catalogue file, for error messages.
    """

    id: str
    title: str
    goals: tuple[str, ...]
    kind: str
    unit: str
    direction: str
    target: float
    target_date: dt.date
    caveats: str | None = None
    numerator: dict[str, Any] = field(default_factory=dict)
    denominator: dict[str, Any] = field(default_factory=dict)
    reference: str | None = None
    measures: tuple[str, ...] = ()
    kennzahl: str | None = None
    scope: dict[str, Any] = field(default_factory=dict)
    unit_singular: str | None = None
    target_kind: str = "erreichen"
    cumulative_from: dt.date | None = None
    baseline_value: float | None = None
    baseline_date: dt.date | None = None
    adopted: Adoption | None = None
    source: str = INDICATORS_FILE
    line: int | None = None
    short_title: str | None = None
    deferred: Adoption | None = None

    @property
    def name(self) -> str:
        """The indicator's short name for lists in running text: its short title, else its
        title."""
        return self.short_title or self.title

    @property
    def proposal(self) -> bool:
        """True while the Lenkungsgruppe has not adopted the target."""
        return self.adopted is None

    def adopted_by(self, day: dt.date) -> bool:
        """Whether the target was adopted on or before ``day``."""
        return self.adopted is not None and self.adopted.date <= day

    def deferred_by(self, day: dt.date) -> bool:
        """Whether, on ``day``, a recorded decision has put off the decision on the target
        (and it is not adopted since)."""
        return (self.deferred is not None and self.deferred.date <= day
                and not self.adopted_by(day))

    def awaits_adoption(self, day: dt.date) -> bool:
        """Whether the target is, on ``day``, a proposal still to be decided: neither adopted
        nor deferred by a decision."""
        return not self.adopted_by(day) and not self.deferred_by(day)

    def target_state(self, day: dt.date) -> str:
        """The target's standing in words: "ja", "zurückgestellt (Beschluss 2019-03)",
        "nein (Vorschlag)"."""
        if self.adopted_by(day):
            return "ja"
        if self.deferred_by(day):
            return f"zurückgestellt (Beschluss {self.deferred.decision})"
        return "nein (Vorschlag)"

    @property
    def fixed_baseline(self) -> tuple[dt.date, float] | None:
        """The baseline the catalogue fixes: 0 at ``cumulative_from``, or the declared one."""
        if self.cumulative_from is not None:
            return self.cumulative_from, 0.0
        if self.baseline_value is not None and self.baseline_date is not None:
            return self.baseline_date, self.baseline_value
        return None

    def format(self, value: float | None, short: bool = False, case: str = "nom",
               precise: bool = False) -> str:
        """A value in the indicator's unit, German; ``short`` for tables (Pp., no count unit);
        ``case`` "dat" after "mit" or "von" ("mit 23,4 Prozentpunkten"); ``precise`` keeps one
        decimal of a count that is not whole (a point on the Zielpfad: "2,4 Veranstaltungen")."""
        if value is None or pd.isna(value):
            return "–"
        if self.unit == "Anteil":
            return fmt.percent(value)
        if self.unit == "Prozentpunkte":
            if short:
                return f"{fmt.number(value * 100, 1)}\xa0Pp."
            return fmt.count(value * 100, "Prozentpunkt", "Prozentpunkte", 1,
                             case=case).replace(" ", "\xa0", 1)
        decimals = 1 if precise and round(value, 1) != round(value) else 0
        if short:
            return fmt.number(value, decimals)
        return fmt.count(value, self.unit_singular or self.unit, self.unit, decimals, case=case)


@dataclass(frozen=True)
class IndicatorSet:
    indicators: list[Indicator]
    ampel_green: float
    ampel_yellow: float
    path: Path
    sha256: str

    def by_ak(self, catalogue: Catalogue) -> dict[str, list[Indicator]]:
        goal_ak = dict(zip(catalogue.goals["goal_id"], catalogue.goals["ak_id"]))
        out: dict[str, list[Indicator]] = {a: [] for a in catalogue.arbeitskreise["ak_id"]}
        out["Gesamt"] = []
        for ind in self.indicators:
            aks = {goal_ak[g] for g in ind.goals} or {ind.scope.get("ak", "Gesamt")}
            out[sorted(aks)[0] if len(aks) == 1 else "Gesamt"].append(ind)
        return out


def load_indicators(catalogue: Catalogue, path: str | Path | None = None) -> IndicatorSet:
    """Read and check the indicator catalogue against the concept.

    ``path`` defaults to the concept folder's ``indikatoren.yaml``.

    Raises:
        InputError: unknown keys or kinds, unknown goals, measures or filter values, a goal of
            the concept without indicator, bad dates, a cumulative count without start date,
            a target on the wrong side of (or equal to) a baseline the catalogue fixes
            (``cumulative_from`` → 0, or ``baseline:``) unless it is a holding target. Targets
            against a baseline from the data are checked in :func:`assess`.
    """
    path = _indicators_path(catalogue, path)
    name = file_label(path)
    if not path.exists():
        raise InputError(Problem(name, f"Datei nicht gefunden ({path}); jedes Konzept braucht "
                                 f"seine Indikatoren ({INDICATORS_FILE} im Konzeptordner)"))
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    lines = _target_lines(text)
    problems = ProblemCollector(name, limit=200)

    def bad(where: str, msg: str, line: int | None = None) -> None:
        problems.add(msg, row=line, key=where)

    def day(raw_value: Any, where: str) -> dt.date | None:
        if isinstance(raw_value, dt.date):
            return raw_value
        try:
            return dt.date.fromisoformat(str(raw_value))
        except ValueError:
            bad(where, f"erwartet ein Datum JJJJ-MM-TT, gefunden „{raw_value}“")
            return None

    defaults = data.get("defaults", {})
    target_date = dt.date.fromisoformat(defaults.get("target_date", catalogue.term_end.isoformat()))
    goals = set(catalogue.goals["goal_id"])
    measures = set(catalogue.measures["measure_id"])
    vocab = vocabularies()
    out, seen = [], set()
    for i, raw in enumerate(data.get("indicators", [])):
        where = f"indicators[{i}]" if "id" not in raw else f"Indikator {raw['id']}"
        for key in sorted(set(raw) - ALLOWED_KEYS):
            bad(f"{where}.{key}", "unbekannter Schlüssel")
        for key in ("id", "title", "kind", "unit", "direction", "target"):
            if raw.get(key) is None:
                bad(f"{where}.{key}", "Pflichtangabe fehlt")
        if raw.get("id") in seen:
            bad(where, "ID kommt mehrfach vor")
        seen.add(raw.get("id"))
        if raw.get("kind") not in KINDS:
            bad(f"{where}.kind", f"erwartet eine von {sorted(KINDS)}")
        if raw.get("direction") not in ("positive", "negative"):
            bad(f"{where}.direction", "erwartet positive oder negative")
        for g in raw.get("goals", []):
            if g not in goals:
                bad(f"{where}.goals", f"Ziel „{g}“ gibt es im Konzept nicht")
        for m in raw.get("measures", []):
            if m not in measures:
                bad(f"{where}.measures", f"Maßnahme „{m}“ gibt es im Konzept nicht")
        for part in ("numerator", "denominator"):
            for fname, values in (raw.get(part) or {}).items():
                if fname == "age":
                    if not (isinstance(values, list) and len(values) == 2):
                        bad(f"{where}.{part}.age", "erwartet [von, bis]")
                    continue
                if fname not in FILTER_FIELDS:
                    bad(f"{where}.{part}.{fname}", f"unbekanntes Feld (erlaubt: age, "
                        f"{', '.join(FILTER_FIELDS)})")
                    continue
                codes = vocab[FILTER_FIELDS[fname]].codes
                for v in values:
                    if v not in codes:
                        bad(f"{where}.{part}.{fname}", f"unbekannter Wert „{v}“ (erlaubt: "
                            f"{', '.join(codes)})")
        if raw.get("kind") == "case_gap" and raw.get("reference") is None:
            bad(f"{where}.reference", "case_gap braucht einen Referenzwert")
        if raw.get("kind") == "kennzahl_sum" and not (raw.get("measures") and raw.get("kennzahl")):
            bad(where, "kennzahl_sum braucht measures und kennzahl")
        if raw.get("kind") == "kennzahl_sum" and raw.get("cumulative_from") is None:
            bad(f"{where}.cumulative_from", "eine Summe seit einem Datum braucht "
                "cumulative_from (Beginn der Zählung, z. B. 2018-07-01)")
        target_kind = raw.get("target_kind", "erreichen")
        if target_kind not in TARGET_KINDS:
            bad(f"{where}.target_kind", f"erwartet {' oder '.join(TARGET_KINDS)}")
        cumulative = day(raw["cumulative_from"], f"{where}.cumulative_from") \
            if raw.get("cumulative_from") is not None else None
        base_value = base_date = None
        if raw.get("baseline") is not None:
            b = raw["baseline"]
            if not (isinstance(b, dict) and set(b) == {"date", "value"}):
                bad(f"{where}.baseline", "erwartet {date: JJJJ-MM-TT, value: Zahl}")
            else:
                base_date = day(b["date"], f"{where}.baseline.date")
                base_value = _number(b["value"], f"{where}.baseline.value", bad)
            if cumulative is not None:
                bad(f"{where}.baseline", "cumulative_from legt die Basis schon fest (0)")
        adopted, deferred = (_decision_ref(raw, key, where, day, bad)
                             for key in ("adopted", "deferred"))
        target = _number(raw.get("target"), f"{where}.target", bad)
        if raw.get("unit") == "Anteil" and target is not None and not 0 <= target <= 1:
            bad(f"{where}.target", "ein Anteil liegt zwischen 0 und 1 (z. B. 0.35 für 35 %)",
                lines.get(i))
        if problems:
            continue
        ind = Indicator(
            id=raw["id"], title=raw["title"], goals=tuple(raw.get("goals", [])),
            kind=raw["kind"], unit=raw["unit"], direction=raw["direction"],
            target=target,
            target_date=dt.date.fromisoformat(raw.get("target_date", target_date.isoformat())),
            caveats=raw.get("caveats"),
            numerator=dict(raw.get("numerator") or {}),
            denominator=dict(raw.get("denominator") or {}), reference=raw.get("reference"),
            measures=tuple(raw.get("measures", [])), kennzahl=raw.get("kennzahl"),
            scope=dict(raw.get("scope") or {}), unit_singular=raw.get("unit_singular"),
            target_kind=target_kind, cumulative_from=cumulative, baseline_value=base_value,
            baseline_date=base_date, adopted=adopted, deferred=deferred, source=name,
            line=lines.get(i),
            short_title=_short_title(raw.get("short_title"), f"{where}.short_title", bad,
                                     lines.get(i)))
        fixed = ind.fixed_baseline
        if fixed is not None:
            why = target_side_problem(ind, fixed[1])
            if why is None and target_kind == "erreichen" and ind.target == fixed[1]:
                why = (f"der Zielwert {ind.format(ind.target)} ist gleich der Basis; "
                       "Zielwert korrigieren oder als Halteziel erklären (target_kind: halten)")
            if why:
                bad(f"{where}.target", why, ind.line)
                continue
        out.append(ind)
    covered = {g for ind in data.get("indicators", []) for g in ind.get("goals", [])}
    for g in sorted(goals - covered):
        bad("indicators", f"Ziel „{g}“ hat keinen Indikator")
    if problems:
        raise InputError(problems.items, f"Der Indikatorenkatalog {name} ist fehlerhaft.")
    ampel = defaults.get("ampel", {})
    return IndicatorSet(out, float(ampel.get("green", 0.9)), float(ampel.get("yellow", 0.6)),
                        path, hashlib.sha256(path.read_bytes()).hexdigest())


def _indicators_path(catalogue: Catalogue, path: str | Path | None) -> Path:
    """The indicators file: ``path``, else the concept's own. A caller that still names the
    former file ``indicators.yaml`` beside the catalogue gets the concept's file (the former
    layout had one such file per folder; kept until every caller passes no path)."""
    own = getattr(catalogue, "indicators_file", None)
    if path is None:
        return own if own is not None else DEFAULT_INDICATORS
    path = Path(path)
    if own is not None and not path.exists() and path.name == "indicators.yaml" \
            and path.parent == own.parent:
        return own
    return path


def _decision_ref(raw: dict, key: str, where: str, day, bad) -> Adoption | None:
    """``adopted`` or ``deferred``: {date, decision} of a decision in the register."""
    a = raw.get(key)
    if a is None:
        return None
    if not (isinstance(a, dict) and set(a) == {"date", "decision"}
            and str(a.get("decision") or "").strip()):
        bad(f"{where}.{key}", "erwartet {date: JJJJ-MM-TT, decision: Nr. der "
            "Entscheidung im Register}")
        return None
    when = day(a["date"], f"{where}.{key}.date")
    return Adoption(when, str(a["decision"]).strip()) if when else None


def _short_title(value: Any, where: str, bad, line: int | None) -> str | None:
    """The optional short name: a short text (it stands beside the ID in running text)."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > 40:
        bad(where, f"erwartet einen kurzen Text (höchstens 40 Zeichen), gefunden „{value}“",
            line)
        return None
    return value.strip()


def _number(value: Any, where: str, bad) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        bad(where, f"erwartet eine Zahl, gefunden „{value}“")
        return None
    return float(value)


def _target_lines(text: str) -> dict[int, int]:
    """Line numbers (1-based) of each indicator's ``target:`` (else of the indicator itself),
    by position in the list, so that errors can name the line to change."""
    out: dict[int, int] = {}
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return out
    if not isinstance(root, yaml.MappingNode):
        return out
    for key, value in root.value:
        if key.value != "indicators" or not isinstance(value, yaml.SequenceNode):
            continue
        for i, item in enumerate(value.value):
            out[i] = item.start_mark.line + 1
            if isinstance(item, yaml.MappingNode):
                for k, _ in item.value:
                    if k.value == "target":
                        out[i] = k.start_mark.line + 1
    return out


# --- reference figures ---------------------------------------------------------------------------

def reference_figures(folder: Path | None = None) -> pd.DataFrame:
    """Reference values per year from a concept's ``referenzwerte/JJJJ.yaml``: figure, year,
    region, value, source. Without ``folder`` the packaged default concept's (only for callers
    that have no concept; a report uses ``catalogue.reference_figures``)."""
    return _cached_figures((folder or DEFAULT_CONCEPT / FIGURES_DIR).resolve())


@cache
def _cached_figures(folder: Path) -> pd.DataFrame:
    from integrationsmonitor.catalogue import load_reference_figures

    return load_reference_figures(folder)


def reference_value(con: duckdb.DuckDBPyConnection | None, figure: str, year: int,
                    figures: pd.DataFrame | None = None) -> float | None:
    """The figure for ``year`` (or the latest earlier year): imported values first, else the
    concept's reference figures (``figures``; without them the default concept's)."""
    if con is not None:
        exists = con.execute("SELECT count(*) FROM information_schema.tables "
                             "WHERE table_name = 'reference_import'").fetchone()[0]
        if exists:
            row = con.execute("SELECT value FROM reference_import WHERE figure = ? AND year <= ? "
                              "AND value IS NOT NULL ORDER BY year DESC LIMIT 1",
                              [figure, year]).fetchone()
            if row:
                return float(row[0])
    ref = reference_figures() if figures is None else figures
    ref = ref[(ref["figure"] == figure) & (ref["year"] <= year)].sort_values("year")
    return float(ref["value"].iloc[-1]) if len(ref) else None


# --- series ---------------------------------------------------------------------------------------

def _sql_filter(spec: dict[str, Any]) -> tuple[str, list]:
    clauses, args = [], []
    for fname, values in spec.items():
        if fname == "age":
            clauses.append("(year(stichtag) - birth_year) BETWEEN ? AND ?")
            args += [int(values[0]), int(values[1])]
        elif FILTER_FIELDS[fname] == "yes_no":
            clauses.append(f"{fname} IN (SELECT unnest(?))")
            args.append([v == "ja" for v in values])
        else:
            clauses.append(f"{fname} IN (SELECT unnest(?))")
            args.append(list(values))
    return (" AND ".join(clauses) or "TRUE"), args


def case_share_series(con: duckdb.DuckDBPyConnection, ind: Indicator, until: dt.date
                      ) -> pd.Series:
    """Share per Stichtag; NaN where numerator or denominator is a count of 1 or 2 (BA rule)."""
    num_sql, num_args = _sql_filter(ind.numerator)
    den_sql, den_args = _sql_filter(ind.denominator)
    try:
        df = con.execute(
            f"SELECT stichtag, count(*) FILTER (WHERE {num_sql}) AS n, count(*) AS d "
            f"FROM person_stichtag WHERE stichtag <= ? AND {den_sql} GROUP BY stichtag "
            f"ORDER BY stichtag", [*num_args, until, *den_args]).df()
    except duckdb.CatalogException:
        return pd.Series(dtype="float64")
    small = is_small(df["n"]) | is_small(df["d"]) | (df["d"] == 0)
    share = (df["n"] / df["d"].where(df["d"] > 0)).mask(small)
    return pd.Series(share.to_numpy(), index=[pd.Timestamp(d).date() for d in df["stichtag"]])


def indicator_series(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, ind: Indicator,
                     period: Period, history: pd.DataFrame, kpis: pd.DataFrame,
                     views: dict[str, pd.DataFrame] | None = None) -> pd.Series:
    """The indicator's values per Stichtag from the baseline up to the period's Stichtag.

    ``views`` caches :func:`period_view` per period ID across indicators.
    """
    views = {} if views is None else views
    cal = ReportingCalendar.of(catalogue)
    periods = [p for p in cal.periods if p <= period]
    if ind.kind == "case_share":
        return case_share_series(con, ind, period.stichtag)
    if ind.kind == "case_gap":
        share = case_share_series(con, ind, period.stichtag)
        figures = getattr(catalogue, "reference_figures", None)
        ref = pd.Series([reference_value(con, ind.reference, d.year, figures)
                         for d in share.index],
                        index=share.index, dtype="float64")
        return ref - share
    if ind.kind == "kennzahl_sum":
        sel = kpis[kpis["measure_id"].isin(ind.measures) & (kpis["kennzahl"] == ind.kennzahl)]
        per_period = sel.groupby("period")["wert"].sum()
        reported = set(history["period"])
        start = ind.cumulative_from or catalogue.term_start
        values = []
        total = 0.0
        for p in periods:
            if p.end < start:  # half-years before the count starts do not count
                values.append(np.nan)
                continue
            total += float(per_period.get(p.id, 0.0))
            values.append(total if p.id in reported else np.nan)
        return pd.Series(values, index=[p.stichtag for p in periods], dtype="float64")
    # implementation
    values = []
    for p in periods:
        if p.id not in views:
            views[p.id] = period_view(catalogue, history, p, None)
        view = views[p.id]
        if "ak" in ind.scope:
            view = view[view["ak_id"] == ind.scope["ak"]]
        if "goals" in ind.scope:
            wanted = set(ind.scope["goals"])
            view = view[view["goal_ids"].apply(lambda gs, w=wanted: bool(w & set(gs)))]
        rate = implementation_rate(view["group"])  # the one Umsetzungsquote
        values.append(np.nan if rate is None else rate)
    return pd.Series(values, index=[p.stichtag for p in periods], dtype="float64")


# --- assessment ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Assessment:
    """One indicator at one Stichtag: its series, baseline, value and the one headline
    ``verdict``. ``progress`` (Open SDG) is a secondary figure; ``ampel`` is the verdict's
    colour, expected value and share of the expected way (kept for older callers)."""

    indicator: Indicator
    series: pd.Series
    baseline_date: dt.date | None
    baseline: float | None
    current_date: dt.date
    current: float | None
    progress: SeriesResult
    ampel: AmpelResult
    verdict: Verdict
    thresholds: tuple[float, float] = (0.9, 0.6)  # green, yellow: as the verdict was judged

    @property
    def status_label(self) -> str:
        """The Open SDG status in German (secondary figure, never a verdict of its own)."""
        return STATUS_LABELS[self.progress.status]

    @property
    def off_track(self) -> bool:
        """The verdict is yellow or red: behind the path, not reached, not held, worse."""
        return self.verdict.colour in ("gelb", "rot")

    def sentence(self) -> str:
        """One German sentence: the indicator, its verdict and the figures it rests on."""
        return f"{self.indicator.title}: {self.verdict.headline}. {self.verdict.reason}"


def assess(ind: Indicator, series: pd.Series, stichtag: dt.date, green: float, yellow: float,
           baseline_day: dt.date | None = None) -> Assessment:
    """The verdict of one indicator at ``stichtag`` and, secondary, its Open SDG progress.

    The baseline is the one the catalogue fixes (:attr:`Indicator.fixed_baseline`), else the
    series value at ``baseline_day`` (the baseline Stichtag of the data basis), else – when no
    ``baseline_day`` is given – the first published value.

    Raises:
        InputError: the target lies on the wrong side of a baseline taken from the data
            (naming the indicator and the line of its target in the catalogue).
    """
    valid = series.dropna()
    valid = valid[[d <= stichtag for d in valid.index]]
    current = series.get(stichtag)
    current = None if current is None or pd.isna(current) else float(current)
    base_date, base = _baseline(ind, valid, baseline_day)
    if base is not None and ind.fixed_baseline is None:
        why = target_side_problem(ind, base)
        if why:
            raise InputError(Problem(ind.source, f"Indikator {ind.id}: {why}", row=ind.line,
                                     key=f"Indikator {ind.id}.target"),
                             f"Der Zielwert von {ind.id} passt nicht zur Basis am "
                             f"{fmt.date(base_date)}.")
    missing = _missing_reason(ind, series, stichtag, base is None)
    verdict = _with_setback(ind, judge(ind, base_date, base, stichtag, current, green, yellow,
                                       missing), valid, base_date, stichtag, current)
    ampel = AmpelResult(verdict.colour, verdict.expected, verdict.share_of_expected)
    if base is None or current is None:
        none = series_progress(0, 1, 0, 1)  # not assessable
        return Assessment(ind, series, base_date, base, stichtag, current, none, ampel, verdict,
                          (green, yellow))
    t0, ti, t_end = (baseline_time(ind, base_date), decimal_year(stichtag),
                     decimal_year(ind.target_date))
    target = None if ind.target_kind == "halten" else ind.target
    progress = series_progress(t0, base, ti, current, target, t_end if target is not None
                               else None, ind.direction)
    return Assessment(ind, series, base_date, base, stichtag, current, progress, ampel, verdict,
                      (green, yellow))


def _with_setback(ind: Indicator, verdict: Verdict, valid: pd.Series, base_date: dt.date | None,
                  stichtag: dt.date, current: float | None) -> Verdict:
    """The verdict, and where the value was better at an earlier Stichtag than now, the best
    such value: the reason alone compares with the baseline and the Zielpfad, so "unverändert
    zur Basis" would hide a fall from 100 % to 0 %."""
    earlier = valid[[(base_date is None or base_date < d) and d < stichtag for d in valid.index]]
    if current is None or verdict.code == "nicht_bewertbar" or earlier.empty:
        return verdict
    best = earlier.max() if ind.direction == "positive" else earlier.min()
    if not worse(ind.direction, current, float(best)):
        return verdict
    day = max(d for d, v in earlier.items() if v == best)  # the latest, if reached twice
    # "besser", not "schon bei": a gap that grew reads the same way as a share that fell
    return replace(verdict, reason=f"{verdict.reason} Am {fmt.date(day)} war der Wert mit "
                                   f"{ind.format(float(best), case='dat')} besser.")


def _baseline(ind: Indicator, valid: pd.Series, baseline_day: dt.date | None
              ) -> tuple[dt.date | None, float | None]:
    if ind.fixed_baseline is not None:
        return ind.fixed_baseline
    if baseline_day is not None:
        value = valid.get(baseline_day)
        return baseline_day, None if value is None or pd.isna(value) else float(value)
    if valid.empty:
        return None, None
    return valid.index[0], float(valid.iloc[0])


def _missing_reason(ind: Indicator, series: pd.Series, stichtag: dt.date,
                    no_baseline: bool) -> str:
    """Why a value (or, with ``no_baseline``, the baseline) is missing, in German words."""
    if ind.kind in ("case_share", "case_gap"):
        if no_baseline and stichtag in series.index and pd.notna(series.get(stichtag)):
            return ("der Wert zur Basis ist geheimzuhalten (weniger als 3 Fälle) oder die "
                    "Extrakte zur Basis fehlen")
        if series.empty or stichtag not in series.index:
            return "keine Extrakte von Sozialamt und Jobcenter zum Stichtag"
        return "geheimzuhalten, Zähler oder Nenner unter 3 Fällen, oder Referenzwert fehlt"
    if ind.kind == "kennzahl_sum":
        return "die Statusbögen der zuständigen Arbeitskreise fehlen"
    return ("keine Maßnahme, die für die Umsetzungsquote zählt (kein Status gemeldet, oder alle "
            "entfallen bzw. zur Zeit ohne Lösung)")


def assess_all(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, indicators: IndicatorSet,
               period: Period, history: pd.DataFrame, kpis: pd.DataFrame,
               views: dict[str, pd.DataFrame] | None = None) -> list[Assessment]:
    """Every indicator of the set, assessed at the period's Stichtag. Baselines: the one the
    catalogue fixes, else for case data the value at the catalogue's baseline Stichtag, else
    the first value of the series.

    ``views`` caches :func:`period_view` per period ID (without previous period); a caller
    that assesses several periods of one history can share it.

    Raises:
        InputError: every target on the wrong side of its baseline, in one message.
    """
    out, views, problems = [], ({} if views is None else views), []
    for ind in indicators.indicators:
        s = indicator_series(con, catalogue, ind, period, history, kpis, views)
        try:
            base_day = catalogue.baseline_stichtag if ind.kind.startswith("case") else None
            out.append(assess(ind, s, period.stichtag, indicators.ampel_green,
                              indicators.ampel_yellow, base_day))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems, f"Der Indikatorenkatalog {problems[0].file} passt nicht "
                         "zu den Basiswerten der Datenbasis.")
    return out


def store(con: duckdb.DuckDBPyConnection, period: Period, assessments: list[Assessment]) -> None:
    """Keep the period's indicator values and assessments in the data basis (its history)."""
    con.execute(STORE_SCHEMA)
    con.execute("DELETE FROM indicator_value WHERE period = ?", [period.id])
    con.execute("DELETE FROM indicator_assessment WHERE period = ?", [period.id])
    for a in assessments:
        for day, value in a.series.items():
            con.execute("INSERT INTO indicator_value VALUES (?, ?, ?, ?)",
                        [period.id, a.indicator.id, day, None if pd.isna(value) else value])
        con.execute("INSERT INTO indicator_assessment VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [period.id, a.indicator.id, a.current, a.baseline, a.indicator.target,
                     a.ampel.expected, a.ampel.colour, _finite(a.progress.progress_value),
                     a.progress.status, a.progress.score])


def _finite(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else value


def import_reference(database: Path, table, figure: str, variable: str, region: str,
                     scale: float, file_name: str) -> int:
    """Store one variable of a GENESIS export for one region as reference values by year.

    The first key column is taken as the year; markers become missing values with their
    reason kept. Raises InputError when the region or variable is not in the file.
    """
    from integrationsmonitor.database import connected, log_import, transaction
    from integrationsmonitor.genesis import year_of

    data = table.data
    keys = [c for c in data.columns if c.startswith("key_")]
    region_col = next((k for k in keys if (data[k] == region).any()), None)
    problems = []
    if region_col is None:
        problems.append(Problem(file_name, f"Regionalschlüssel „{region}“ kommt nicht vor"))
    if variable not in set(data["variable"]):
        problems.append(Problem(file_name, f"Merkmal „{variable}“ kommt nicht vor (vorhanden: "
                                f"{', '.join(sorted(set(data['variable'])))})"))
    if problems:
        raise InputError(problems, "Der Referenzwert wurde nicht übernommen.")
    rows = data[(data[region_col] == region) & (data["variable"] == variable)]
    with connected(database) as con, transaction(con):
        import_id = log_import(con, "reference", file_name, "", len(rows))
        for r in rows.itertuples():
            year = year_of(getattr(r, keys[0]))
            value = None if pd.isna(r.value) else float(r.value) * scale
            con.execute("INSERT OR REPLACE INTO reference_import VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [figure, year, region, value, r.marker, r.reason, import_id])
    return len(rows)
