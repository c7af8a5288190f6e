"""The concept catalogue: one folder per concept, read into one object.

A concept folder holds, under fixed names (:mod:`integrationsmonitor.paths`): ``konzept.yaml``
(facts, bodies, quotations, Arbeitskreise, goals, measures), ``indikatoren.yaml``,
``gebiet.yaml`` (Kreisschlüssel, Verbandsgemeinden, mergers) and ``referenzwerte/JJJJ.yaml``.
Nothing about a concept is written in code: another Kreis runs by pointing to another folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from integrationsmonitor.errors import InputError, Problem, ProblemCollector, file_label
from integrationsmonitor.paths import (
    CONCEPT_FILE,
    DEFAULT_CONCEPT,
    FIGURES_DIR,
    INDICATORS_FILE,
    TERRITORY_FILE,
    VOCABULARIES_FILE,
    resolve,
    shown,
)
from integrationsmonitor.reference import Territory, territory

__all__ = ["DEFAULT_CONCEPT", "Catalogue", "Narrative", "load_catalogue", "concept_folder"]

# The concept passages the Steuerungsbedarf rules rest on (``quotations:`` in konzept.yaml).
QUOTATION_KEYS = {
    "goals": "Zielwerte beschließen",
    "steering": "Steuerung nach dem Sachstand (Indikatoren)",
    "term": "Laufzeit der Maßnahmen",
    "funding": "Finanzierung der Maßnahmen",
    "data": "gemeinsame Datenbasis (Extrakte)",
}
REPORTING_KEYS = {"steering_group", "reporter", "office", "interval_months",
                  "annual_report_to"}
TEXT_KEYS = {"baseline", "funding_tag", "funding_remark"}


@dataclass(frozen=True)
class Narrative:
    """The concept's own words for the report: its bodies, its baseline, its funding remark
    and the passages of the concept the Steuerungsbedarf rules cite.

    Attributes:
        steering_body: the body that steers and decides, e.g. "Lenkungsgruppe".
        council: the body informed once a year, e.g. "Kreistag".
        reporter: who reports to the steering body, e.g. "Bildungskoordinator".
        office: the office that proposes targets and sends out the sheets, e.g.
            "Bildungskoordination" (default: ``reporter``).
        interval_months: months between two reports (6).
        baseline: the baseline in words, e.g. "Stand 31.03.2018 der gemeinsamen Datenbasis".
        funding_tag: the short mark beside measures that depend on outside money.
        funding_remark: the concept's remark on funding (empty when it has none).
        quotations: rule key (:data:`QUOTATION_KEYS`) → the passage of the concept.
    """

    steering_body: str
    council: str
    reporter: str
    office: str
    interval_months: int
    baseline: str
    funding_tag: str
    funding_remark: str
    quotations: dict[str, str]


@dataclass(frozen=True)
class Vocabularies:
    """Status and financing vocabularies with stable codes and German labels."""

    status: pd.DataFrame  # code, label, group, rank, explain, blocked_by_funding
    status_groups: pd.DataFrame  # code, label
    financing: pd.DataFrame  # code, label
    kennzahlen: list[str]

    def status_label(self, code: str | None) -> str:
        if code is None or (isinstance(code, float) and pd.isna(code)):
            return "keine Angabe"
        return self.status.set_index("code").at[code, "label"]

    def financing_label(self, code: str | None) -> str:
        if code is None or (isinstance(code, float) and pd.isna(code)):
            return ""
        return self.financing.set_index("code").at[code, "label"]


@dataclass(frozen=True)
class Catalogue:
    """A validated concept: tidy frames plus the concept's own facts.

    Frames (one row per thing, IDs as strings):
        arbeitskreise: ak_id, title, short_title, order
        subareas: ak_id, subarea_id, title, order
        goals: goal_id, ak_id, subarea_id, text, no_solution, order
        measures: measure_id, ak_id, goal_ids (tuple), primary_goal_id, text, target_group_id,
            target_group, funding_dependent, no_solution, short_title (or None), order
        target_groups: target_group_id, label
    """

    path: Path  # the folder's konzept.yaml
    sha256: str
    concept_id: str
    title: str
    body: str
    adopted_by: str
    term_start: dt.date
    term_end: dt.date
    baseline_stichtag: dt.date
    reporting: dict[str, Any]
    arbeitskreise: pd.DataFrame
    subareas: pd.DataFrame
    goals: pd.DataFrame
    measures: pd.DataFrame
    target_groups: pd.DataFrame
    vocab: Vocabularies = field(repr=False)
    narrative: Narrative | None = None
    territory: Territory | None = field(default=None, repr=False)
    reference_figures: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def folder(self) -> Path:
        """The concept folder."""
        return self.path.parent

    @property
    def indicators_file(self) -> Path:
        return self.folder / INDICATORS_FILE

    @property
    def kreisschluessel(self) -> str:
        """The Kreisschlüssel, from the concept's territory (``gebiet.yaml``)."""
        return self.territory.kreis_code

    def quotation(self, key: str) -> str:
        """The concept passage for a rule (:data:`QUOTATION_KEYS`); "" where it has none."""
        return self.narrative.quotations.get(key, "") if self.narrative else ""

    def measures_of(self, ak_id: str) -> pd.DataFrame:
        return self.measures[self.measures["ak_id"] == ak_id]

    def ak_title(self, ak_id: str) -> str:
        return self.arbeitskreise.set_index("ak_id").at[ak_id, "title"]


class _Checker:
    """Collects every problem in a catalogue file instead of stopping at the first: the one
    :class:`ProblemCollector`, located by key path, with checks for YAML mappings."""

    def __init__(self, path: Path):
        self.file = file_label(path)
        self.collector = ProblemCollector(self.file, limit=200)

    @property
    def problems(self) -> list[Problem]:
        return self.collector.items

    def add(self, where: str, message: str) -> None:
        self.collector.add(message, key=where)

    def need(self, mapping: Any, key: str, where: str, kind: type | tuple = str) -> Any:
        if not isinstance(mapping, dict):
            self.add(where, "erwartet einen Abschnitt mit Schlüsseln (Mapping)")
            return None
        if key not in mapping or mapping[key] in (None, ""):
            self.add(f"{where}.{key}", "Pflichtangabe fehlt")
            return None
        value = mapping[key]
        if not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            self.add(f"{where}.{key}", f"erwartet {_german_type(names)}, gefunden „{value}“")
            return None
        return value

    def date(self, mapping: Any, key: str, where: str) -> dt.date | None:
        value = self.need(mapping, key, where, (str, dt.date))
        if value is None or isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.add(f"{where}.{key}", f"erwartet ein Datum JJJJ-MM-TT, gefunden „{value}“")
            return None

    def unknown_keys(self, mapping: Any, allowed: set[str], where: str) -> None:
        if isinstance(mapping, dict):
            for key in sorted(set(mapping) - allowed):
                self.add(f"{where}.{key}", "unbekannter Schlüssel (Tippfehler?)")


def _german_type(name: str) -> str:
    return {"str": "Text", "list": "eine Liste", "bool": "true/false", "dict": "einen Abschnitt",
            "int": "eine ganze Zahl", "str/date": "ein Datum"}.get(name, name)


def _read_yaml(path: Path) -> Any:
    if not path.exists():
        raise InputError(Problem(file_label(path), f"Datei nicht gefunden ({path})"))
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise InputError(Problem(file_label(path), f"kein gültiges YAML ({exc})", row=row)) from exc


def load_vocabularies(path: Path = VOCABULARIES_FILE) -> Vocabularies:
    """Read the status and financing vocabularies."""
    data = _read_yaml(path)
    chk = _Checker(path)
    rows = []
    for i, s in enumerate(data.get("status", []) if isinstance(data, dict) else []):
        where = f"status[{i}]"
        code = chk.need(s, "code", where)
        label = chk.need(s, "label", where)
        group = chk.need(s, "group", where)
        chk.unknown_keys(s, {"code", "label", "group", "rank", "explain", "blocked_by_funding"},
                         where)
        rows.append({"code": code, "label": label, "group": group, "rank": s.get("rank"),
                     "explain": bool(s.get("explain", False)),
                     "blocked_by_funding": bool(s.get("blocked_by_funding", False))})
    groups = pd.DataFrame(data.get("status_groups", []), columns=["code", "label"])
    for r in rows:
        if r["group"] is not None and r["group"] not in set(groups["code"]):
            chk.add(f"status.{r['code']}.group", f"unbekannte Gruppe „{r['group']}“")
    financing = pd.DataFrame(data.get("financing", []), columns=["code", "label"])
    if chk.problems:
        raise InputError(chk.problems, "Die Wertelisten sind fehlerhaft.")
    status = pd.DataFrame(rows)
    status["rank"] = status["rank"].astype("Float64")
    return Vocabularies(status=status, status_groups=groups, financing=financing,
                        kennzahlen=list(data.get("kennzahlen", [])))


def concept_folder(path: str | Path) -> Path:
    """The concept folder named by ``path`` (the folder or its ``konzept.yaml``).

    Raises:
        InputError: the folder does not exist, or ``path`` is another file (a catalogue file of
            the former layout): the message says to name the folder.
    """
    p = resolve(path)
    if p.is_file() and p.name == CONCEPT_FILE:
        return p.parent
    if p.is_dir():
        return p
    layout = (f"ein Konzept ist ein Ordner mit den Dateien {CONCEPT_FILE}, {INDICATORS_FILE}, "
              f"{TERRITORY_FILE} und dem Ordner {FIGURES_DIR}/; unter concept: den Ordner "
              f"angeben, z. B. \"{shown(DEFAULT_CONCEPT)}\"")
    folder = p.with_suffix("") if p.suffix in (".yaml", ".yml") else None
    if folder is not None and folder.is_dir():  # the catalogue file of the former layout
        raise InputError(Problem(file_label(p), f"ist kein Konzeptordner; gemeint ist wohl der "
                                 f"Ordner {shown(folder)}: {layout}"),
                         "Das Konzept kann nicht gelesen werden.")
    if p.exists():
        raise InputError(Problem(file_label(p), f"ist kein Konzeptordner: {layout}"),
                         "Das Konzept kann nicht gelesen werden.")
    raise InputError(Problem(shown(p), f"Konzeptordner nicht gefunden ({p}); {layout}"),
                     "Das Konzept kann nicht gelesen werden.")


def load_catalogue(path: str | Path = DEFAULT_CONCEPT) -> Catalogue:
    """Read and validate a concept folder: its catalogue, territory and reference figures.

    Args:
        path: the concept folder (or its ``konzept.yaml``); relative paths are taken from the
            project root.

    Returns:
        The validated :class:`Catalogue`, carrying everything the concept says (narrative,
        territory, reference figures); its indicators: :func:`indicators.load_indicators`.

    Raises:
        InputError: listing every problem found (missing keys, duplicate or dangling IDs, ...).
    """
    folder = concept_folder(path)
    path = folder / CONCEPT_FILE
    raw = path.read_bytes() if path.exists() else b""
    data = _read_yaml(path)
    chk = _Checker(path)
    if not isinstance(data, dict):
        raise InputError(Problem(file_label(path), "erwartet einen Konzeptkatalog (Abschnitte "
                                 "concept, target_groups, arbeitskreise)"))
    chk.unknown_keys(data, {"concept", "target_groups", "arbeitskreise"}, "Datei")
    concept = data.get("concept") or {}
    if isinstance(concept, dict) and "kreisschluessel" in concept:
        chk.add("concept.kreisschluessel", f"der Kreisschlüssel steht in {TERRITORY_FILE} "
                "(kreis: code:); hier streichen")
    chk.unknown_keys(concept, {"id", "title", "body", "kreisschluessel", "adopted_by",
                               "term_start", "term_end", "baseline_stichtag", "reporting",
                               "texts", "quotations"}, "concept")
    facts = {k: chk.need(concept, k, "concept") for k in
             ("id", "title", "body", "adopted_by")}
    term_start = chk.date(concept, "term_start", "concept")
    term_end = chk.date(concept, "term_end", "concept")
    baseline = chk.date(concept, "baseline_stichtag", "concept")
    if term_start and term_end and term_end <= term_start:
        chk.add("concept.term_end", "das Ende der Laufzeit muss nach dem Beginn liegen")

    tg_rows = []
    for i, tg in enumerate(data.get("target_groups") or []):
        tg_rows.append({"target_group_id": chk.need(tg, "id", f"target_groups[{i}]"),
                        "label": chk.need(tg, "label", f"target_groups[{i}]")})
    target_groups = pd.DataFrame(tg_rows, columns=["target_group_id", "label"])
    tg_label = dict(zip(target_groups["target_group_id"], target_groups["label"]))
    _check_unique(chk, target_groups["target_group_id"], "target_groups", "Zielgruppen-ID")

    ak_rows, sub_rows, goal_rows, measure_rows = [], [], [], []
    aks = data.get("arbeitskreise")
    if not isinstance(aks, list) or not aks:
        chk.add("arbeitskreise", "erwartet eine Liste der Arbeitskreise")
        aks = []
    for a_i, ak in enumerate(aks):
        where = f"arbeitskreise[{a_i}]"
        chk.unknown_keys(ak, {"id", "title", "short_title", "subareas", "goals", "measures"}, where)
        ak_id = chk.need(ak, "id", where)
        where = f"Arbeitskreis {ak_id}" if ak_id else where
        ak_rows.append({"ak_id": ak_id, "title": chk.need(ak, "title", where),
                        "short_title": chk.need(ak, "short_title", where), "order": a_i})
        sub_ids = set()
        for s_i, sub in enumerate((ak.get("subareas") if isinstance(ak, dict) else None) or []):
            sid = chk.need(sub, "id", f"{where}.subareas[{s_i}]")
            sub_ids.add(sid)
            sub_rows.append({"ak_id": ak_id, "subarea_id": sid, "order": s_i,
                             "title": chk.need(sub, "title", f"{where}.subareas[{s_i}]")})
        goal_ids = set()
        goals = ak.get("goals") if isinstance(ak, dict) else None
        if not goals:
            chk.add(f"{where}.goals", "jeder Arbeitskreis braucht mindestens ein Ziel")
        for g_i, goal in enumerate(goals or []):
            gw = f"{where}.goals[{g_i}]"
            chk.unknown_keys(goal, {"id", "text", "subarea", "no_solution"}, gw)
            gid = chk.need(goal, "id", gw)
            goal_ids.add(gid)
            sub = goal.get("subarea") if isinstance(goal, dict) else None
            if sub_ids and sub not in sub_ids:
                chk.add(f"{gw}.subarea", f"erwartet einen Teilbereich aus {sorted(sub_ids)}, "
                        f"gefunden „{sub}“")
            goal_rows.append({"goal_id": gid, "ak_id": ak_id, "subarea_id": sub,
                              "text": _clean(chk.need(goal, "text", gw)),
                              "no_solution": _optional_text(goal, "no_solution"),
                              "order": g_i})
        measures = ak.get("measures") if isinstance(ak, dict) else None
        if not measures:
            chk.add(f"{where}.measures", "jeder Arbeitskreis braucht mindestens eine Maßnahme")
        for m_i, m in enumerate(measures or []):
            mw = f"{where}.measures[{m_i}]"
            chk.unknown_keys(m, {"id", "text", "short_title", "goals", "target_group",
                                 "funding_dependent", "no_solution"}, mw)
            mid = chk.need(m, "id", mw)
            mw = f"Maßnahme {mid}" if mid else mw
            goals_of = chk.need(m, "goals", mw, list) or []
            for g in goals_of:
                if g not in goal_ids:
                    chk.add(f"{mw}.goals", f"Ziel „{g}“ gibt es im Arbeitskreis {ak_id} nicht")
            tg = m.get("target_group", "alle") if isinstance(m, dict) else None
            if tg not in tg_label:
                chk.add(f"{mw}.target_group", f"unbekannte Zielgruppe „{tg}“")
            fd = m.get("funding_dependent", False) if isinstance(m, dict) else False
            if not isinstance(fd, bool):
                chk.add(f"{mw}.funding_dependent", f"erwartet true/false, gefunden „{fd}“")
            measure_rows.append({
                "measure_id": mid, "ak_id": ak_id, "goal_ids": tuple(goals_of),
                "primary_goal_id": goals_of[0] if goals_of else None,
                "text": _clean(chk.need(m, "text", mw)), "target_group_id": tg,
                "target_group": tg_label.get(tg), "funding_dependent": bool(fd),
                "no_solution": _optional_text(m, "no_solution"),
                "short_title": _short_title(chk, m, mw), "order": m_i})
    arbeitskreise = pd.DataFrame(ak_rows)
    goals_df = pd.DataFrame(goal_rows, columns=["goal_id", "ak_id", "subarea_id", "text",
                                                "no_solution", "order"])
    measures_df = pd.DataFrame(measure_rows, columns=[
        "measure_id", "ak_id", "goal_ids", "primary_goal_id", "text", "target_group_id",
        "target_group", "funding_dependent", "no_solution", "short_title", "order"])
    _check_unique(chk, arbeitskreise.get("ak_id", pd.Series(dtype=str)), "arbeitskreise",
                  "Arbeitskreis-ID")
    _check_unique(chk, goals_df["goal_id"], "goals", "Ziel-ID")
    _check_unique(chk, measures_df["measure_id"], "measures", "Maßnahmen-ID")
    for gid in set(goals_df["goal_id"]) - {g for gs in measures_df["goal_ids"] for g in gs}:
        gi = goals_df.set_index("goal_id")
        if gid is not None and not gi.at[gid, "no_solution"]:
            chk.add(f"Ziel {gid}", "keine Maßnahme hängt an diesem Ziel")
    narrative = _narrative(chk, concept, baseline)
    if chk.problems:
        raise InputError(chk.problems, f"Der Konzeptkatalog {file_label(path)} ist fehlerhaft.")
    return Catalogue(
        path=path, sha256=hashlib.sha256(raw).hexdigest(), concept_id=facts["id"],
        title=facts["title"], body=facts["body"],
        adopted_by=facts["adopted_by"], term_start=term_start, term_end=term_end,
        baseline_stichtag=baseline, reporting=dict(concept.get("reporting") or {}),
        arbeitskreise=arbeitskreise, subareas=pd.DataFrame(
            sub_rows, columns=["ak_id", "subarea_id", "title", "order"]),
        goals=goals_df, measures=measures_df, target_groups=target_groups,
        vocab=load_vocabularies(), narrative=narrative, territory=territory(folder),
        reference_figures=load_reference_figures(folder / FIGURES_DIR))


def _narrative(chk: _Checker, concept: Any, baseline: dt.date | None) -> Narrative | None:
    """The bodies (``reporting:``), texts (``texts:``) and quotations (``quotations:``)."""
    if not isinstance(concept, dict):
        return None
    reporting = concept.get("reporting")
    if not isinstance(reporting, dict):
        chk.add("concept.reporting", "erwartet einen Abschnitt mit steering_group (Name des "
                "steuernden Gremiums, z. B. Lenkungsgruppe) und annual_report_to (z. B. "
                "Kreistag)")
        reporting = {}
    chk.unknown_keys(reporting, REPORTING_KEYS, "concept.reporting")
    steering = chk.need(reporting, "steering_group", "concept.reporting")
    council = chk.need(reporting, "annual_report_to", "concept.reporting")
    reporter = reporting.get("reporter") or "Geschäftsstelle"
    interval = reporting.get("interval_months", 6)
    if not isinstance(interval, int) or isinstance(interval, bool) or interval <= 0:
        chk.add("concept.reporting.interval_months", f"erwartet eine ganze Zahl von Monaten, "
                f"gefunden „{interval}“")
    texts = concept.get("texts") or {}
    chk.unknown_keys(texts, TEXT_KEYS, "concept.texts")
    quotations = concept.get("quotations") or {}
    if not isinstance(quotations, dict):
        chk.add("concept.quotations", "erwartet einen Abschnitt: Regel → Zitat aus dem Konzept")
        quotations = {}
    for key in sorted(set(quotations) - set(QUOTATION_KEYS)):
        chk.add(f"concept.quotations.{key}", "unbekannter Schlüssel (erlaubt: "
                + ", ".join(f"{k} ({v})" for k, v in QUOTATION_KEYS.items()) + ")")
    if not isinstance(texts, dict) or steering is None or council is None:
        return None
    from integrationsmonitor import formatting as fmt

    return Narrative(
        steering_body=str(steering), council=str(council), reporter=str(reporter),
        office=str(reporting.get("office") or reporter),
        interval_months=interval if isinstance(interval, int) else 6,
        baseline=_clean(str(texts.get("baseline") or (
            f"Stand {fmt.date(baseline)}" if baseline else ""))),
        funding_tag=_clean(str(texts.get("funding_tag") or "Fördermittel nötig")),
        funding_remark=_clean(str(texts.get("funding_remark") or "")),
        quotations={k: _clean(str(v)) for k, v in quotations.items() if v})


def load_reference_figures(folder: Path) -> pd.DataFrame:
    """Reference values per year from the concept's ``referenzwerte/JJJJ.yaml``: figure, year,
    region, value, source. An empty frame when the concept has none.

    Raises:
        InputError: a file that is not valid, naming file and key.
    """
    rows, problems = [], []
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        data = _read_yaml(path)
        name = file_label(path)
        if not isinstance(data, dict) or not isinstance(data.get("figures"), dict):
            problems.append(Problem(name, "erwartet year: JJJJ und figures: (je Referenzwert "
                                    "value, title, region, source)"))
            continue
        year = data.get("year")
        if not isinstance(year, int) or str(year) != path.stem:
            problems.append(Problem(name, f"erwartet year: {path.stem} (wie der Dateiname), "
                                    f"gefunden „{year}“", key="year"))
            continue
        for fig, spec in data["figures"].items():
            value = spec.get("value") if isinstance(spec, dict) else None
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                problems.append(Problem(name, f"erwartet eine Zahl, gefunden „{value}“",
                                        key=f"figures.{fig}.value"))
                continue
            rows.append({"figure": fig, "year": year, "region": str(spec.get("region", "")),
                         "value": float(value), "source": spec.get("source", "")})
    if problems:
        raise InputError(problems, "Die Referenzwerte sind fehlerhaft.")
    return pd.DataFrame(rows, columns=["figure", "year", "region", "value", "source"])


def _short_title(chk, m, where: str) -> str | None:
    """A measure's optional short name (at most 40 characters) for lists in running text."""
    value = m.get("short_title") if isinstance(m, dict) else None
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > 40:
        chk.add(f"{where}.short_title",
                f"erwartet einen kurzen Text (höchstens 40 Zeichen), gefunden „{value}“")
        return None
    return _clean(value)


def _optional_text(mapping: Any, key: str) -> str:
    """An optional text field; "" when absent, so that truth tests work on the column."""
    value = mapping.get(key) if isinstance(mapping, dict) else None
    return _clean(str(value)) if value else ""


def _clean(text: str | None) -> str | None:
    """Fold the line breaks of YAML block scalars into single spaces."""
    return " ".join(text.split()) if isinstance(text, str) else text


def _check_unique(chk: _Checker, ids: pd.Series, where: str, what: str) -> None:
    for dup in sorted(ids[ids.duplicated()].dropna().unique()):
        chk.add(where, f"{what} „{dup}“ kommt mehrfach vor; IDs müssen eindeutig sein")
