"""Progress indicators against the 2018–2021 targets: the indicator catalogue (YAML), the
series of every indicator per Stichtag, and its assessment with the Open SDG progress measure
and the straight-line Ampel."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
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
from integrationsmonitor.disclosure import MIN_CASES
from integrationsmonitor.errors import InputError, Problem, file_label
from integrationsmonitor.measure_status import period_view
from integrationsmonitor.paths import CONCEPTS_DIR
from integrationsmonitor.periods import Period, ReportingCalendar
from integrationsmonitor.progress import (
    STATUS_LABELS,
    AmpelResult,
    SeriesResult,
    decimal_year,
    series_progress,
    straight_line_ampel,
)
from integrationsmonitor.reference import REFERENCE_DIR, vocabularies

DEFAULT_INDICATORS = CONCEPTS_DIR / "indicators.yaml"
KINDS = {"case_share", "case_gap", "kennzahl_sum", "implementation"}
FILTER_FIELDS = {"rechtskreis": "rechtskreis", "perspective": "perspective", "sex": "sex",
                 "residence_status": "residence_status", "housing": "housing",
                 "course_type": "course_type", "course_state": "course_state",
                 "course_level": "course_level", "employment": "employment",
                 "kita": "yes_no", "school": "yes_no"}
ALLOWED_KEYS = {"id", "title", "goals", "kind", "numerator", "denominator", "reference",
                "measures", "kennzahl", "scope", "unit", "unit_singular", "direction", "target",
                "target_date",
                "milestones", "proposal", "caveats"}


@dataclass(frozen=True)
class Indicator:
    id: str
    title: str
    goals: tuple[str, ...]
    kind: str
    unit: str
    direction: str
    target: float
    target_date: dt.date
    proposal: bool
    caveats: str | None = None
    numerator: dict[str, Any] = field(default_factory=dict)
    denominator: dict[str, Any] = field(default_factory=dict)
    reference: str | None = None
    measures: tuple[str, ...] = ()
    kennzahl: str | None = None
    scope: dict[str, Any] = field(default_factory=dict)
    unit_singular: str | None = None

    def format(self, value: float | None, short: bool = False) -> str:
        """A value in the indicator's unit, German; ``short`` for tables (Pp., no count unit)."""
        if value is None or pd.isna(value):
            return "–"
        if self.unit == "Anteil":
            return fmt.percent(value)
        if self.unit == "Prozentpunkte":
            return f"{fmt.number(value * 100, 1)}\xa0{'Pp.' if short else 'Prozentpunkte'}"
        unit = self.unit_singular if value == 1 and self.unit_singular else self.unit
        return fmt.number(value) if short else f"{fmt.number(value)} {unit}"


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


def load_indicators(catalogue: Catalogue, path: str | Path = DEFAULT_INDICATORS) -> IndicatorSet:
    """Read and check the indicator catalogue against the concept.

    Raises:
        InputError: unknown keys or kinds, unknown goals, measures or filter values, a goal of
            the concept without indicator.
    """
    path = Path(path)
    name = file_label(path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    problems: list[Problem] = []

    def bad(where: str, msg: str) -> None:
        problems.append(Problem(name, msg, key=where))

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
        if problems:
            continue
        out.append(Indicator(
            id=raw["id"], title=raw["title"], goals=tuple(raw.get("goals", [])),
            kind=raw["kind"], unit=raw["unit"], direction=raw["direction"],
            target=float(raw["target"]),
            target_date=dt.date.fromisoformat(raw.get("target_date", target_date.isoformat())),
            proposal=bool(raw.get("proposal", False)), caveats=raw.get("caveats"),
            numerator=dict(raw.get("numerator") or {}),
            denominator=dict(raw.get("denominator") or {}), reference=raw.get("reference"),
            measures=tuple(raw.get("measures", [])), kennzahl=raw.get("kennzahl"),
            scope=dict(raw.get("scope") or {}), unit_singular=raw.get("unit_singular")))
    covered = {g for ind in data.get("indicators", []) for g in ind.get("goals", [])}
    for g in sorted(goals - covered):
        bad("indicators", f"Ziel „{g}“ hat keinen Indikator")
    if problems:
        raise InputError(problems, f"Der Indikatorenkatalog {name} ist fehlerhaft.")
    ampel = defaults.get("ampel", {})
    return IndicatorSet(out, float(ampel.get("green", 0.9)), float(ampel.get("yellow", 0.6)),
                        path, hashlib.sha256(path.read_bytes()).hexdigest())


# --- reference figures ---------------------------------------------------------------------------

@cache
def reference_figures(folder: Path = REFERENCE_DIR / "figures") -> pd.DataFrame:
    """Reference values per year from the small YAML files: figure, year, value, source."""
    rows = []
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for fig, spec in data.get("figures", {}).items():
            rows.append({"figure": fig, "year": int(data["year"]), "value": float(spec["value"]),
                         "source": spec.get("source", "")})
    return pd.DataFrame(rows, columns=["figure", "year", "value", "source"])


def reference_value(con: duckdb.DuckDBPyConnection | None, figure: str, year: int
                    ) -> float | None:
    """The figure for ``year`` (or the latest earlier year): imported values first, else YAML."""
    if con is not None:
        exists = con.execute("SELECT count(*) FROM information_schema.tables "
                             "WHERE table_name = 'reference_import'").fetchone()[0]
        if exists:
            row = con.execute("SELECT value FROM reference_import WHERE figure = ? AND year <= ? "
                              "AND value IS NOT NULL ORDER BY year DESC LIMIT 1",
                              [figure, year]).fetchone()
            if row:
                return float(row[0])
    ref = reference_figures()
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
    small = df["n"].between(1, MIN_CASES - 1) | df["d"].between(1, MIN_CASES - 1) | (df["d"] == 0)
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
        ref = pd.Series([reference_value(con, ind.reference, d.year) for d in share.index],
                        index=share.index, dtype="float64")
        return ref - share
    if ind.kind == "kennzahl_sum":
        sel = kpis[kpis["measure_id"].isin(ind.measures) & (kpis["kennzahl"] == ind.kennzahl)]
        per_period = sel.groupby("period")["wert"].sum()
        reported = set(history["period"])
        values = []
        total = 0.0
        for p in periods:
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
        base = view[view["group"].isin(["umgesetzt", "laufend", "offen"])]
        values.append(base["group"].isin(["umgesetzt", "laufend"]).mean() if len(base)
                      else np.nan)
    return pd.Series(values, index=[p.stichtag for p in periods], dtype="float64")


# --- assessment ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Assessment:
    indicator: Indicator
    series: pd.Series
    baseline_date: dt.date | None
    baseline: float | None
    current_date: dt.date
    current: float | None
    progress: SeriesResult
    ampel: AmpelResult

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.progress.status]

    @property
    def off_track(self) -> bool:
        return self.ampel.colour == "rot" or self.progress.status == "deterioration"

    def sentence(self) -> str:
        """One German sentence on where the indicator stands against its path."""
        ind = self.indicator
        if self.current is None or pd.isna(self.current):
            return f"{ind.title}: zum {fmt.date(self.current_date)} kein veröffentlichbarer Wert."
        if self.ampel.expected is None:
            return (f"{ind.title}: {ind.format(self.current)} am {fmt.date(self.current_date)}; "
                    f"gegen den Zielpfad nicht bewertbar (Ziel {ind.format(ind.target)}).")
        better = (self.current >= self.ampel.expected if ind.direction == "positive"
                  else self.current <= self.ampel.expected)
        where = "auf oder vor dem" if better else ("über dem" if ind.direction == "negative"
                                                    else "unter dem")
        return (f"{ind.title} liegt mit {ind.format(self.current)} {where} Zielpfad von "
                f"{ind.format(self.ampel.expected)} (Ziel {ind.format(ind.target)} bis "
                f"{fmt.date(ind.target_date)}).")


def assess(ind: Indicator, series: pd.Series, stichtag: dt.date, green: float, yellow: float
           ) -> Assessment:
    """Both assessments of one indicator at ``stichtag``: Open SDG and the straight-line Ampel."""
    valid = series.dropna()
    valid = valid[[d <= stichtag for d in valid.index]]
    current = series.get(stichtag)
    current = None if current is None or pd.isna(current) else float(current)
    if valid.empty or current is None:
        none = series_progress(0, 1, 0, 1)  # not assessable
        return Assessment(ind, series, None, None, stichtag, current, none,
                          AmpelResult("grau", None, None))
    base_date, base = valid.index[0], float(valid.iloc[0])
    t0, ti, tT = decimal_year(base_date), decimal_year(stichtag), decimal_year(ind.target_date)
    progress = series_progress(t0, base, ti, current, ind.target, tT, ind.direction)
    ampel = straight_line_ampel(t0, base, tT, ind.target, ti, current, green, yellow,
                                ind.direction)
    return Assessment(ind, series, base_date, base, stichtag, current, progress, ampel)


def assess_all(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, indicators: IndicatorSet,
               period: Period, history: pd.DataFrame, kpis: pd.DataFrame,
               views: dict[str, pd.DataFrame] | None = None) -> list[Assessment]:
    """Every indicator of the set, assessed at the period's Stichtag.

    ``views`` caches :func:`period_view` per period ID (without previous period); a caller
    that assesses several periods of one history can share it.
    """
    out, views = [], ({} if views is None else views)
    for ind in indicators.indicators:
        s = indicator_series(con, catalogue, ind, period, history, kpis, views)
        out.append(assess(ind, s, period.stichtag, indicators.ampel_green,
                          indicators.ampel_yellow))
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
