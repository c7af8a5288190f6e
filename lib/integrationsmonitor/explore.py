"""Eigene Auswertungen für Analystinnen und Analysten (JupyterLab): Schnitte der Fallzahlen,
Maßnahmenstatus, Indikatorwerte und Bewertungen als DataFrames.

Own cuts of the case-figure data basis are always aggregates and always protected: cells the
published report also shows carry the report's value and suppression (BA rule); every other
cell is perturbed with the cell-key method (:mod:`integrationsmonitor.disclosure`), so that no
number of cuts can be differenced to recover a suppressed person. There is no way to get person
rows here. See docs/analyse.md (API, worked examples) and docs/geheimhaltung.md (the rules).

    >>> from integrationsmonitor import explore
    >>> explore.dimensions()[:3]
    ['rechtskreis', 'vg', 'nationality']
    >>> explore.LABELS["vg"]
    'Verbandsgemeinde'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from integrationsmonitor import case_figures as cf
from integrationsmonitor import formatting as fmt
from integrationsmonitor.database import connect
from integrationsmonitor.disclosure import (
    PERTURBED_LEGEND,
    perturb_counts,
    perturbed_display,
    record_key_sql,
)
from integrationsmonitor.html import protected_table
from integrationsmonitor.reference import territory, vocabularies

TOTAL = cf.TOTAL

LABELS = {
    "rechtskreis": "Rechtskreis",
    "vg": "Verbandsgemeinde",
    "nationality": "Staatsangehörigkeit",
    "age_group": "Altersgruppe",
    "sex": "Geschlecht",
    "residence_status": "Aufenthaltsstatus",
    "perspective": "Bleibeperspektive",
    "housing": "Unterbringung",
    "course": "Sprachkurs und Teilnahmestand",
    "course_level": "Sprachniveau",
    "employment": "Erwerbsstatus",
}
"""German label of every dimension (the name in tables and titles; also accepted as input)."""

# Fingerprints of a cell's set of persons: count and two sums of hashes of the pseudonyms, each
# modulo a prime. They are additive (a total's fingerprint is the sum of its cells'), so a cut
# can tell, cell by cell, whether the report shows exactly the same persons.
_PRIME = 1_000_000_007
_FP = ["n", "f1", "f2"]
_FP_SQL = (f"hash(pseudonym) % {_PRIME} AS f1, hash('fp:' || pseudonym) % {_PRIME} AS f2")


@dataclass(frozen=True, repr=False)
class Cut:
    """Ein eigener Schnitt der Fallzahlen, so wie er veröffentlicht werden darf.

    Holds only published values: the true counts never leave :func:`cut`.

    Attributes:
        title: German title.
        shown: the table as published (German numbers, „*“, „–“).
        values: the published numbers; NaN where „*“ is shown.
        from_report: True where the cell is also a cell of the report and carries its value.
    """

    title: str
    shown: pd.DataFrame
    values: pd.DataFrame
    from_report: pd.DataFrame = field(compare=False)

    def __repr__(self) -> str:
        return f"{self.title}\n{self.shown.to_string()}\n\n{PERTURBED_LEGEND}"

    __str__ = __repr__

    def _repr_html_(self) -> str:
        return str(protected_table(self.shown, self.title, self.shown.index.name or "",
                                   PERTURBED_LEGEND))


def dimensions() -> list[str]:
    """Die Merkmale, nach denen geschnitten werden kann (Schlüssel; siehe :data:`LABELS`)."""
    return list(cf.DIMENSIONS)


def dimension_table() -> pd.DataFrame:
    """Die Merkmale als Tabelle: Schlüssel, Bezeichnung, Grundgesamtheit, Filterwerte.

    >>> dimension_table().loc["sex", "Bezeichnung"]
    'Geschlecht'
    """
    rows = []
    for key, d in cf.DIMENSIONS.items():
        values = _filter_values(key)
        rows.append({"Merkmal": key, "Bezeichnung": LABELS[key],
                     "Grundgesamtheit": d.title.split(" nach ")[0],
                     "Filterwerte": ", ".join(values) if values else
                     ("Name wie im Extrakt" if key == "nationality" else "nicht filterbar")})
    return pd.DataFrame(rows).set_index("Merkmal")


def _dimension_key(name: str) -> str:
    """A dimension key from its key or German label (case-insensitive)."""
    text = " ".join(str(name).split()).lower()
    for key, label in LABELS.items():
        if text in (key, label.lower()):
            return key
    raise ValueError(f"unbekanntes Merkmal „{name}“ (erlaubt: "
                     + ", ".join(f"{k} ({LABELS[k]})" for k in cf.DIMENSIONS) + ")")


def _filter_values(key: str) -> list[str] | None:
    """The German values a filter on ``key`` accepts; None where any text is taken."""
    d = cf.DIMENSIONS[key]
    if key == "vg":
        return list(territory().names_today().values())
    if key == "age_group":
        return [g[2] for g in cf.AGE_GROUPS]
    if d.vocabulary:
        return list(vocabularies()[d.vocabulary].labels.values())
    return None


def _filter_code(key: str, value: str) -> str:
    """The stored code for a filter value (German label, spelling from the extracts, or code)."""
    text = " ".join(str(value).split())
    d = cf.DIMENSIONS[key]
    if key == "vg":
        names = territory().names_today()
        for code, name in names.items():
            if text.lower() in (code.lower(), name.lower()):
                return code
    elif key == "age_group":
        wanted = text.replace("-", "–").replace(" ", "").lower()
        for *_, label in cf.AGE_GROUPS:
            if wanted in (label.replace(" ", "").lower(),
                          label.replace(" Jahre", "").replace(" ", "").lower()):
                return label
    elif key == "nationality":
        return text
    elif d.vocabulary:
        code = vocabularies()[d.vocabulary].parse(text)
        if code is not None:
            return code
    else:
        raise ValueError(f"nach „{LABELS[key]}“ kann nicht gefiltert werden (filterbar: "
                         + ", ".join(LABELS[k] for k in cf.DIMENSIONS
                                     if k not in ("course",)) + ")")
    raise ValueError(f"unbekannter Wert „{value}“ für {LABELS[key]} (erwartet: "
                     f"{', '.join(_filter_values(key))})")


def stichtage(database: str | Path) -> list[str]:
    """Die Stichtage der Datenbasis als TT.MM.JJJJ (aufsteigend)."""
    con = connect(database, read_only=True)
    try:
        return [fmt.date(d) for d in cf.available_stichtage(con)]
    finally:
        con.close()


def _check_stichtag(con, stichtag: str) -> dt.date:
    day = fmt.parse_date(stichtag)
    available = cf.available_stichtage(con)
    if day not in available:
        known = ", ".join(fmt.date(d) for d in available) or "keine (noch kein Extrakt importiert)"
        raise ValueError(f"Für den Stichtag {fmt.date(day)} liegen keine Fallzahlen vor. "
                         f"Vorhandene Stichtage: {known}")
    return day


def cut(database: str | Path, stichtag: str, rows: str, columns: str | None = None,
        filters: dict[str, str] | None = None) -> Cut:
    """Personen am Stichtag nach einem oder zwei Merkmalen, mit Summen, geschützt.

    Zellen, die auch der Bericht zeigt (dieselben Personen am selben Stichtag), tragen dessen
    Wert und Sperrung; alle anderen sind mit der Cell-Key-Methode leicht gestört
    (docs/geheimhaltung.md). Summen werden nicht aus den Zellen gebildet.

    Args:
        database: die Datenbasis (DuckDB), z. B. ``"data/demo/integrationsmonitor.duckdb"``.
        stichtag: ``"TT.MM.JJJJ"`` (siehe :func:`stichtage`).
        rows, columns: Merkmale als Schlüssel oder deutsche Bezeichnung (siehe
            :func:`dimension_table`), z. B. ``"vg"`` oder ``"Verbandsgemeinde"``.
        filters: Merkmal → Wert, z. B. ``{"Geschlecht": "weiblich"}``,
            ``{"vg": "Landstuhl"}``, ``{"Altersgruppe": "18–24 Jahre"}``.

    Returns:
        Ein :class:`Cut`; :func:`as_frame` gibt die Zahlen als DataFrame.

    Raises:
        ValueError: unbekanntes Merkmal, unbekannter Filterwert oder Stichtag ohne Daten
            (die Meldung nennt, was es gibt).
    """
    row_key = _dimension_key(rows)
    col_key = _dimension_key(columns) if columns else None
    if col_key == "nationality":
        raise ValueError("Staatsangehörigkeit nur als Zeilen-Merkmal")
    if col_key == row_key:
        raise ValueError("Zeilen- und Spaltenmerkmal müssen verschieden sein")
    conditions = [(_dimension_key(k), v) for k, v in (filters or {}).items()]
    dr, dc = cf.DIMENSIONS[row_key], cf.DIMENSIONS[col_key] if col_key else None
    clauses, args = ["stichtag = ?"], []
    for key, value in conditions:
        clauses.append(f"({cf.DIMENSIONS[key].expression}) = ?")
        args.append(_filter_code(key, value))
    clauses += [f"({dr.where})", f"({dc.where})" if dc else "TRUE"]
    col_expr = dc.expression if dc else f"'{TOTAL}'"
    con = connect(database, read_only=True)
    try:
        day = _check_stichtag(con, stichtag)
        micro = con.execute(
            f"SELECT {dr.expression} AS r, {col_expr} AS c, {record_key_sql()} AS record_key, "
            f"{_FP_SQL} FROM person_stichtag WHERE {' AND '.join(clauses)}",
            [day, *args]).df()
        report = _report_cells(con, day)
    finally:
        con.close()
    micro["r"], row_order = _labels(row_key, micro["r"])
    if col_key:
        micro["c"], col_order = _labels(col_key, micro["c"])
    else:
        col_order = []
    shown, values, from_report = _publish(micro, row_order, col_order, report)
    shown.index.name = values.index.name = LABELS[row_key]
    if col_key:
        shown.columns.name = values.columns.name = LABELS[col_key]
    title = f"Personen am {fmt.date(day)} nach {LABELS[row_key]}"
    if col_key:
        title += f" und {LABELS[col_key]}"
    restricted = dc if dc is not None and dc.where != "TRUE" else dr
    if restricted.where != "TRUE":
        title += f" ({restricted.title.split(' nach ')[0]})"
    if conditions:
        title += " – nur " + ", ".join(f"{LABELS[k]}: {v}" for k, v in conditions)
    return Cut(title, shown, values, from_report)


def _labels(key: str, codes: pd.Series) -> tuple[pd.Series, list[str]]:
    """German labels of the codes and the order of the rows, by the one rule of
    :func:`case_figures.order_and_label` (nationalities: the ten most frequent and the rest)."""
    counts = codes.value_counts()
    unique = list(counts.index)
    identity = pd.DataFrame(np.eye(len(unique), dtype="int64"), index=unique, columns=unique)
    mapped = cf.order_and_label(key, identity, counts.reindex(unique).astype("float64"))
    code_to_label = {code: label for label, row in mapped.iterrows()
                     for code, hit in row.items() if hit}
    return codes.map(code_to_label), list(mapped.index)


def _publish(micro: pd.DataFrame, row_order: list[str], col_order: list[str],
             report: dict[tuple, tuple[str, float]]
             ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Every cell of the cut, margins included: the report's value where the report shows the
    same persons, else the perturbed value."""
    columns = [*col_order, TOTAL]
    index = [*row_order, TOTAL]
    micro = micro.assign(all=TOTAL)
    fingerprints = {}
    perturbed = {}
    for by, r, c in ((["r", "c"], "r", "c"), (["r"], "r", None), (["c"], None, "c"),
                     (["all"], None, None)):
        if "c" in by and not col_order:
            continue
        fp = micro.groupby(by)[["f1", "f2"]].sum() % _PRIME
        fp["n"] = micro.groupby(by).size()
        pert = perturb_counts(micro, by).set_index(by)["published"]
        for keys, row in fp.iterrows():
            keys = keys if isinstance(keys, tuple) else (keys,)
            cell = (keys[by.index("r")] if r else TOTAL, keys[by.index("c")] if c else TOTAL)
            fingerprints[cell] = (int(row["n"]), int(row["f1"]), int(row["f2"]))
            perturbed[cell] = int(pert.loc[keys if len(keys) > 1 else keys[0]])
    shown = pd.DataFrame("", index=index, columns=columns, dtype=object)
    values = pd.DataFrame(np.nan, index=index, columns=columns)
    from_report = pd.DataFrame(False, index=index, columns=columns)
    for row in index:
        for col in columns:
            fp = fingerprints.get((row, col))
            if fp is None:
                text, number = perturbed_display(0, 0)
            elif fp in report:
                (text, number), from_report.at[row, col] = report[fp], True
            else:
                text, number = perturbed_display(fp[0], perturbed[(row, col)])
            shown.at[row, col], values.at[row, col] = text, number
    return shown, values, from_report


def _report_cells(con, day: dt.date) -> dict[tuple, tuple[str, float]]:
    """Every cell the report publishes for ``day`` (one table per dimension, and Verbandsgemeinde
    × Rechtskreis), keyed by the fingerprint of its persons: (shown text, published number).
    Where the report shows the same persons twice, the first table (Rechtskreis) wins."""
    out: dict[tuple, tuple[str, float]] = {}
    for key, d in cf.DIMENSIONS.items():
        table = cf.dimension_table(con, key, [day]).protected
        fp = con.execute(
            f"SELECT {d.expression} AS category, count(*) AS n, sum(f1) AS f1, sum(f2) AS f2 "
            f"FROM (SELECT *, {_FP_SQL} FROM person_stichtag WHERE stichtag = ? AND ({d.where})) "
            "GROUP BY ALL", [day]).df().set_index("category")
        fp = cf.order_and_label(key, fp[_FP].astype("int64"), fp["n"])
        fp.loc[TOTAL] = fp.sum()
        shown, published = table.display()[day], table.published()[day]
        for label, row in (fp % _PRIME).assign(n=fp["n"]).iterrows():
            if label in shown.index and row["n"] > 0:
                out.setdefault(tuple(int(v) for v in row[_FP]),
                               (shown[label], float(published[label])))
    vg = cf.vg_by_rechtskreis(con, day)
    fp = con.execute(f"SELECT vg_code, rechtskreis, count(*) AS n, sum(f1) AS f1, sum(f2) AS f2 "
                     f"FROM (SELECT *, {_FP_SQL} FROM person_stichtag WHERE stichtag = ?) "
                     "GROUP BY ALL", [day]).df()
    names, rk = territory().names_today(), vocabularies()["rechtskreis"].labels
    fp["vg"], fp["rk"] = fp["vg_code"].map(names), fp["rechtskreis"].map(rk)
    shown, published = vg.display(), vg.published()
    for (v, r), row in fp.groupby(["vg", "rk"])[_FP].sum().iterrows():
        fpt = (int(row["n"]), int(row["f1"] % _PRIME), int(row["f2"] % _PRIME))
        out.setdefault(fpt, (shown.at[v, r], float(published.at[v, r])))
    return out


def as_frame(result: Cut) -> pd.DataFrame:
    """Die veröffentlichten Zahlen eines Schnitts als DataFrame (für Diagramme); gesperrte
    Zellen („*“) fehlen (NaN)."""
    return result.values.copy()


# --- Maßnahmenstatus und Indikatoren ----------------------------------------------------------

@cache
def _catalogue(concept: str | None):
    from integrationsmonitor.catalogue import DEFAULT_CONCEPT, load_catalogue

    return load_catalogue(concept or DEFAULT_CONCEPT)


def _period(catalogue, period: str):
    from integrationsmonitor.periods import Period, ReportingCalendar

    return ReportingCalendar.of(catalogue).check(Period.parse(period))


MEASURE_COLUMNS = {
    "measure_id": "Maßnahme", "ak_id": "AK", "title": "Titel", "status_label": "Status",
    "progress_pct": "Fortschritt (%)", "change": "Veränderung",
    "previous_status": "Status im Vorhalbjahr", "periods_unchanged": "Halbjahre unverändert",
    "financing": "Finanzierung", "responsible": "Zuständig", "sachstand": "Sachstand",
}


def measure_status(database: str | Path, period: str, concept: str | None = None
                   ) -> pd.DataFrame:
    """Der Status jeder Maßnahme in einem Halbjahr, mit dem Vorhalbjahr (ein DataFrame).

    Args:
        database: die Datenbasis.
        period: Halbjahr, z. B. ``"2019-H2"``.
        concept: Konzeptkatalog (YAML); Standard: der ausgelieferte.

    Returns:
        Eine Zeile je Maßnahme des Katalogs; Spalten siehe :data:`MEASURE_COLUMNS`.
    """
    from integrationsmonitor.measure_status import history, period_view
    from integrationsmonitor.periods import ReportingCalendar

    catalogue = _catalogue(str(concept) if concept else None)
    p = _period(catalogue, period)
    con = connect(database, read_only=True)
    try:
        hist = history(con)
    finally:
        con.close()
    view = period_view(catalogue, hist, p, ReportingCalendar.of(catalogue).previous(p))
    cols = [c for c in MEASURE_COLUMNS if c in view.columns]
    return view[cols].rename(columns=MEASURE_COLUMNS)


def _assessments(database, period: str, concept: str | None):
    from integrationsmonitor.indicators import assess_all, load_indicators
    from integrationsmonitor.measure_status import history, kpi_rows

    catalogue = _catalogue(str(concept) if concept else None)
    p = _period(catalogue, period)
    indicators = load_indicators(catalogue)
    con = connect(database, read_only=True)
    try:
        hist = history(con)
        return assess_all(con, catalogue, indicators, p, hist[hist["period"] <= p.id],
                          kpi_rows(con))
    finally:
        con.close()


def indicator_assessments(database: str | Path, period: str, concept: str | None = None
                          ) -> pd.DataFrame:
    """Wert und Bewertung jedes Indikators am Stichtag des Halbjahres (ein DataFrame).

    Spalten: Indikator, Titel, Stichtag, Wert, Basis, Basisstichtag, Ziel, Zieldatum,
    Zielpfad (erwarteter Wert), Ampel, Fortschritt (Open-SDG-Einstufung), Satz. Werte sind
    Anteile (0–1) oder Anzahlen wie im Indikatorkatalog; Fallzahl-Indikatoren sind
    geheimgehalten (gesperrt: NaN).
    """
    rows = []
    for a in _assessments(database, period, concept):
        ind = a.indicator
        rows.append({"Indikator": ind.id, "Titel": ind.title,
                     "Stichtag": a.current_date, "Wert": a.current, "Basis": a.baseline,
                     "Basisstichtag": a.baseline_date, "Ziel": ind.target,
                     "Zieldatum": ind.target_date, "Zielpfad": a.ampel.expected,
                     "Einheit": ind.unit, "Ampel": a.ampel.colour, "Fortschritt": a.status_label,
                     "Satz": a.sentence()})
    return pd.DataFrame(rows)


def indicator_values(database: str | Path, period: str, concept: str | None = None
                     ) -> pd.DataFrame:
    """Die Reihe jedes Indikators bis zum Stichtag des Halbjahres: eine Zeile je Indikator,
    eine Spalte je Stichtag (Werte wie in :func:`indicator_assessments`)."""
    series = {a.indicator.id: a.series for a in
              _assessments(database, period, concept)}
    frame = pd.DataFrame(series).T
    frame.index.name = "Indikator"
    frame.columns.name = "Stichtag"
    return frame
